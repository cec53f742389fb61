/**
 * Consent and opt-out, read from the customer's consents (canonical customer: consents per channel and
 * purpose with status granted, denied or withdrawn, and when). No card, node option or priority can
 * override what this says.
 *
 * - opt-out: the customer's latest word for the channel and purpose is "withdrawn" or "denied". Stops
 *   every purpose, service messages too.
 * - consent: the purpose needs the customer's prior consent on this channel (by default marketing by
 *   SMS and e-mail) and the latest word is not "granted", or there is none.
 */
import { CONSENT_CHANNELS, type ConsentChannel } from '../../mappings/canonical/types';

/** A customer contact channel of the canonical model, or a task that never reaches the customer. */
export type ContactChannel = ConsentChannel | 'internal';

/**
 * Action kinds and channel words, as decisions, cards and flows name them, to the consent channel of
 * the canonical model. A call task is a call: a sales rep phones the customer. An escalation goes to
 * a team of the bank, not to the customer.
 */
const CHANNEL_WORDS: Record<string, ContactChannel> = {
  sms: 'sms',
  text: 'sms',
  email: 'email',
  'e-mail': 'email',
  mail: 'email',
  phone: 'phone',
  call: 'phone',
  'call-task': 'phone',
  'call-center': 'phone',
  'sales-rep': 'phone',
  web: 'web',
  'web-offer': 'web',
  app: 'app',
  push: 'app',
  post: 'post',
  letter: 'post',
  escalation: 'internal',
  internal: 'internal',
};

/** The consent channel a word names, or undefined when it names none (the policy then refuses). */
export function contactChannelOf(word: unknown): ContactChannel | undefined {
  if (typeof word !== 'string') return undefined;
  const key = word.trim().toLowerCase();
  if ((CONSENT_CHANNELS as readonly string[]).includes(key)) return key as ConsentChannel;
  return Object.hasOwn(CHANNEL_WORDS, key) ? CHANNEL_WORDS[key] : undefined;
}

export interface ConsentRecord {
  channel: string;
  purpose: string;
  status: string;
  at?: string;
}

export type ConsentVerdict =
  | { ok: true; detail: string; consent?: ConsentRecord }
  | { ok: false; reason: 'consent' | 'opt-out'; detail: string; consent?: ConsentRecord };

const RESTRICTIVE: Record<string, number> = { withdrawn: 2, denied: 1, granted: 0 };

/**
 * The customer's latest word on (channel, purpose) over every consent list given (the stored golden
 * record and a profile the message carries): the newest `at` wins, and on a tie the stricter status.
 */
export function latestConsent(
  lists: readonly unknown[],
  channel: string,
  purpose: string,
): ConsentRecord | undefined {
  let best: ConsentRecord | undefined;
  let bestAt = -Infinity;
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const item of list as Partial<ConsentRecord>[]) {
      if (!item || item.channel !== channel || item.purpose !== purpose) continue;
      if (typeof item.status !== 'string' || !(item.status in RESTRICTIVE)) continue;
      const parsed = typeof item.at === 'string' ? Date.parse(item.at) : NaN;
      const at = Number.isNaN(parsed) ? -Infinity : parsed;
      const stricter = best !== undefined && RESTRICTIVE[item.status] > RESTRICTIVE[best.status];
      if (best === undefined || at > bestAt || (at === bestAt && stricter)) {
        best = item as ConsentRecord;
        bestAt = at;
      }
    }
  }
  return best;
}

export function judgeConsent(
  lists: readonly unknown[],
  channel: ConsentChannel,
  purpose: string,
  needsOptIn: boolean,
): ConsentVerdict {
  const consent = latestConsent(lists, channel, purpose);
  const since = consent?.at ? ` on ${consent.at}` : '';
  if (consent?.status === 'withdrawn' || consent?.status === 'denied') {
    return {
      ok: false,
      reason: 'opt-out',
      detail: `the customer ${consent.status === 'withdrawn' ? 'withdrew' : 'denied'} ${purpose} on ${channel}${since}`,
      consent,
    };
  }
  if (needsOptIn && consent?.status !== 'granted') {
    return {
      ok: false,
      reason: 'consent',
      detail: `${purpose} on ${channel} needs the customer's consent, and none is recorded`,
    };
  }
  return consent
    ? { ok: true, detail: `${purpose} on ${channel} granted${since}`, consent }
    : { ok: true, detail: `no opt-out from ${purpose} on ${channel}` };
}
