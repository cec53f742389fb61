/**
 * The contact policy: hard filters every outbound action passes before it leaves the hub, whichever
 * card, engine or flow made it. In this order, the first that refuses names the reason:
 *
 *   consent / opt-out   the customer's consents on the channel and purpose (consent.ts); never overridable
 *   quiet-hours         a daily window in the customer's time zone; service messages pass
 *   cooldown            a decline of the same policy or offer within T
 *   cap                 contacts per customer, per customer and channel, and in all, within a window
 *
 * A refusal suppresses the action: a real-time offer that waits until morning has lost its moment, and
 * deferring would need a scheduler of its own (the verdict says when a retry could pass, for a flow
 * that wants to delay instead). Decisions are synchronous over what the store said; caps are taken in
 * the store atomically, so hub instances on PostgreSQL share them.
 */
import { RESPONSE_OUTCOMES, type ConsentChannel } from '../../mappings/canonical/types';
import { customerDocument } from '../../records/customer-view';
import type { CapClaim, HistoryEntry, HubStore } from '../../records/store';
import { InMemoryCapCounter } from '../caps';
import { parseDuration } from '../duration';
import type { ResponseOutcome } from '../history';
import { RESPONSE_TYPE } from '../stored-history';
import { isTimeZone } from '../zone-clock';
import { contactChannelOf, judgeConsent, type ContactChannel } from './consent';
import { inQuietHours, parseQuietHours, type QuietHours } from './quiet-hours';

export const CONTACT_REASONS = ['consent', 'opt-out', 'quiet-hours', 'cooldown', 'cap'] as const;
export type ContactReason = (typeof CONTACT_REASONS)[number];

/** What a deployment sets (settings.js `crmHub.contactPolicy`); every field has a default. */
export interface ContactPolicySettings {
  /** the zone of customers whose profile names none; default "Europe/Berlin" */
  timeZone?: string;
  /** local window with no contact, "21:00-08:00" (the default); false: none */
  quietHours?: string | false;
  /** the channels quiet hours hold back: those that reach the customer at once; default sms, email, app */
  quietChannels?: string[];
  /** purposes quiet hours let through; default ["service"] */
  quietExemptPurposes?: string[];
  /** per consent channel, the purposes that need a granted consent; default marketing by sms and email */
  requireConsent?: Record<string, string[]>;
  /** after a decline of a policy or offer, no contact for it within this time; default "30d"; false: none */
  cooldown?: string | false;
  /** contact caps over all policies and flows, e.g. { 'per-customer': '3 per 7d', global: '10000 per day' } */
  caps?: {
    'per-customer'?: string;
    /** one limit for every channel, or one per consent channel */
    'per-channel'?: string | Record<string, string>;
    global?: string;
    /** the purposes the caps count; default ["marketing"] */
    purposes?: string[];
  };
}

export interface ContactLimit {
  count: number;
  windowMs: number;
  /** as written, e.g. "3 per 7d" */
  text: string;
}

export interface CompiledContactPolicy {
  timeZone: string;
  quietHours?: QuietHours;
  quietChannels: ContactChannel[];
  quietExemptPurposes: string[];
  requireConsent: Partial<Record<ConsentChannel, string[]>>;
  cooldownMs?: number;
  caps: {
    perCustomer?: ContactLimit;
    perChannel: Partial<Record<ConsentChannel | '*', ContactLimit>>;
    global?: ContactLimit;
    purposes: string[];
  };
}

/** One action about to leave the hub. */
export interface ContactRequest {
  customerRef?: string;
  /** a channel or action word: sms, email, phone, call-task, web-offer, sales-rep, escalation … */
  channel?: string;
  /** e.g. marketing (the default) or service */
  purpose?: string;
  /** the policy that decided it, for the cooldown after a decline */
  policyId?: string;
  /** the offer code, for the cooldown after a decline of the same offer from any policy */
  offer?: string;
  /** the same on every delivery of the action (decision id, idempotency key), so caps count it once */
  contactId: string;
}

/** What the policy reads: the golden record, the customer's answers, and the caps. */
export type ContactStore = Pick<HubStore, 'getCustomer' | 'listHistory' | 'takeCaps' | 'appendHistory'> &
  Partial<Pick<HubStore, 'getGolden'>>;

export interface ContactSource {
  /** undefined: no store deployed; consents cannot be read, so nothing that contacts a customer passes */
  store?: ContactStore;
  /** a profile the message carries; a stricter or newer consent in it counts as well */
  customer?: Record<string, unknown>;
}

export interface ContactVerdict {
  allowed: boolean;
  /** set when refused */
  reason?: ContactReason;
  /** one sentence: why it passed or what stopped it */
  detail: string;
  customerRef?: string;
  channel?: ContactChannel;
  purpose: string;
  policyId?: string;
  offer?: string;
  contactId: string;
  checkedAt: string;
  /** quiet hours and cooldown: the earliest time the same contact could pass them */
  retryAfter?: string;
  /** the customer's local time, when quiet hours were judged */
  localTime?: string;
  /** set when a cap refused */
  cap?: { scope: 'per-customer' | 'per-channel' | 'global'; limit: string; count: number };
}

export interface ContactCounts {
  checked: number;
  passed: number;
  suppressed: Partial<Record<ContactReason, number>>;
}

export interface ContactCountsReport {
  /** counting started here; counts are per hub process */
  since: string;
  total: ContactCounts;
  /** the current UTC day */
  today: ContactCounts;
  /** the current UTC day and the six before it */
  last7Days: ContactCounts;
}

/** A customer's answer to an action, e.g. a declined SMS offer. */
export interface ContactResponse {
  customerRef: string;
  /** unique per answer; a repeated answer is recorded once */
  responseId: string;
  policyId?: string;
  offer?: string;
  /** accepted, rejected (also "declined"), ignored, clicked */
  outcome: string;
  /** ISO 8601 */
  occurredAt: string;
}

export const DEFAULT_CONTACT_SETTINGS = {
  timeZone: 'Europe/Berlin',
  quietHours: '21:00-08:00',
  quietChannels: ['sms', 'email', 'app'],
  quietExemptPurposes: ['service'],
  requireConsent: { sms: ['marketing'], email: ['marketing'] },
  cooldown: '30d',
  capPurposes: ['marketing'],
} as const;

const DAY_MS = 86_400_000;
const WEEK_DAYS = 7;
// U+001F like the engine's keys; the leading separator keeps them apart from every card id's.
const KEY = '\u001fcontact\u001f';
/** response history entries that stand for an offer code rather than a policy (card ids have no ':') */
const OFFER_PREFIX = 'offer:';
const DECLINES: readonly ResponseOutcome[] = ['rejected'];
const OUTCOME_WORDS: Record<string, ResponseOutcome> = {
  declined: 'rejected',
  decline: 'rejected',
  reject: 'rejected',
};

export class ContactPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContactPolicyError';
  }
}

/** Settings as a deployment writes them -> the compiled policy; an error names the setting. */
export function compileContactPolicy(settings: ContactPolicySettings = {}): CompiledContactPolicy {
  const d = DEFAULT_CONTACT_SETTINGS;
  const timeZone = settings.timeZone ?? d.timeZone;
  if (!isTimeZone(timeZone)) throw new ContactPolicyError(`timeZone: "${timeZone}" is not an IANA time zone`);
  const quietText = settings.quietHours === undefined ? d.quietHours : settings.quietHours;
  const compiled: CompiledContactPolicy = {
    timeZone,
    quietChannels: channels(settings.quietChannels ?? [...d.quietChannels], 'quietChannels'),
    quietExemptPurposes: [...(settings.quietExemptPurposes ?? d.quietExemptPurposes)],
    requireConsent: {},
    caps: { perChannel: {}, purposes: [...(settings.caps?.purposes ?? d.capPurposes)] },
  };
  if (quietText !== false) compiled.quietHours = guard('quietHours', () => parseQuietHours(quietText));
  for (const [word, purposes] of Object.entries(settings.requireConsent ?? d.requireConsent)) {
    const channel = consentChannel(word, 'requireConsent');
    compiled.requireConsent[channel] = [...purposes];
  }
  const cooldown = settings.cooldown === undefined ? d.cooldown : settings.cooldown;
  if (cooldown !== false) compiled.cooldownMs = guard('cooldown', () => parseDuration(cooldown));
  const caps = settings.caps ?? {};
  if (caps['per-customer']) compiled.caps.perCustomer = parseLimit(caps['per-customer'], 'caps.per-customer');
  if (caps.global) compiled.caps.global = parseLimit(caps.global, 'caps.global');
  const perChannel = caps['per-channel'];
  if (typeof perChannel === 'string')
    compiled.caps.perChannel['*'] = parseLimit(perChannel, 'caps.per-channel');
  else if (perChannel) {
    for (const [word, text] of Object.entries(perChannel)) {
      const channel = consentChannel(word, `caps.per-channel.${word}`);
      compiled.caps.perChannel[channel] = parseLimit(text, `caps.per-channel.${word}`);
    }
  }
  return compiled;
}

export interface ContactPolicyOptions {
  /** ms since the epoch; injected so tests and replays decide what time it is */
  clock?: () => number;
}

export class ContactPolicy {
  clock: () => number;
  private compiled: CompiledContactPolicy;
  /** this process's own cap hits per store: refuses without a round trip when a cap is surely full */
  private readonly caps = new WeakMap<ContactStore, InMemoryCapCounter>();
  private readonly startedAt: number;
  private readonly total = emptyCounts();
  private readonly days = new Map<number, ContactCounts>();

  constructor(settings: ContactPolicySettings = {}, options: ContactPolicyOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.compiled = compileContactPolicy(settings);
    this.startedAt = this.clock();
  }

  /** Replaces the settings (a redeploy with other settings); counts and cap hits stay. */
  configure(settings: ContactPolicySettings): void {
    this.compiled = compileContactPolicy(settings);
  }

  get config(): CompiledContactPolicy {
    return this.compiled;
  }

  /** Judges one action; refusals are counted by reason. A cap is taken only when everything else passed. */
  async check(request: ContactRequest, source: ContactSource): Promise<ContactVerdict> {
    const nowMs = this.clock();
    const verdict = await this.judge(request, source, nowMs);
    this.count(verdict, nowMs);
    return verdict;
  }

  /**
   * Records a customer's answer so a decline starts the cooldown for its policy and its offer. Kept in
   * the store's history as the engine's own response entries are, so a card's `cooldown` sees it too.
   * True when it was new.
   */
  async recordResponse(store: Pick<HubStore, 'appendHistory'>, response: ContactResponse): Promise<boolean> {
    const outcome = OUTCOME_WORDS[response.outcome] ?? response.outcome;
    if (!(RESPONSE_OUTCOMES as readonly string[]).includes(outcome)) {
      throw new ContactPolicyError(
        `response outcome "${response.outcome}" is not one of ${RESPONSE_OUTCOMES.join(', ')}`,
      );
    }
    for (const field of ['customerRef', 'responseId', 'occurredAt'] as const) {
      if (typeof response[field] !== 'string' || response[field] === '') {
        throw new ContactPolicyError(`response field '${field}' is missing or not a string`);
      }
    }
    if (Number.isNaN(Date.parse(response.occurredAt))) {
      throw new ContactPolicyError(`response occurredAt "${response.occurredAt}" is not a date-time`);
    }
    const keys: [string, string][] = [];
    if (response.policyId) keys.push([response.policyId, response.responseId]);
    if (response.offer) keys.push([`${OFFER_PREFIX}${response.offer}`, `${response.responseId}#offer`]);
    if (keys.length === 0)
      throw new ContactPolicyError('a response needs the policyId or the offer it answers');
    let added = false;
    for (const [policyId, eventId] of keys) {
      const entry: HistoryEntry = {
        customerRef: response.customerRef,
        eventId,
        type: RESPONSE_TYPE,
        occurredAt: new Date(Date.parse(response.occurredAt)).toISOString(),
        response: { policyId, outcome },
      };
      added = (await store.appendHistory(entry)) || added;
    }
    return added;
  }

  counts(): ContactCountsReport {
    const today = Math.floor(this.clock() / DAY_MS);
    const week = emptyCounts();
    for (const [day, counts] of this.days) if (day > today - WEEK_DAYS && day <= today) merge(week, counts);
    return {
      since: new Date(this.startedAt).toISOString(),
      total: copy(this.total),
      today: copy(this.days.get(today) ?? emptyCounts()),
      last7Days: week,
    };
  }

  private async judge(
    request: ContactRequest,
    source: ContactSource,
    nowMs: number,
  ): Promise<ContactVerdict> {
    const policy = this.compiled;
    const purpose =
      typeof request.purpose === 'string' && request.purpose.trim() ? request.purpose.trim() : 'marketing';
    const channel = contactChannelOf(request.channel);
    const base: ContactVerdict = {
      allowed: true,
      detail: '',
      purpose,
      contactId: request.contactId,
      checkedAt: new Date(nowMs).toISOString(),
      ...(request.customerRef ? { customerRef: request.customerRef } : {}),
      ...(channel ? { channel } : {}),
      ...(request.policyId ? { policyId: request.policyId } : {}),
      ...(request.offer ? { offer: request.offer } : {}),
    };
    const refuse = (reason: ContactReason, detail: string, extra: Partial<ContactVerdict> = {}) => ({
      ...base,
      ...extra,
      allowed: false,
      reason,
      detail,
    });
    if (!channel) {
      return refuse(
        'consent',
        `"${request.channel ?? ''}" names no contact channel, so no consent can cover it`,
      );
    }
    if (channel === 'internal')
      return { ...base, detail: 'an internal task: it does not contact the customer' };
    const ref = request.customerRef;
    if (typeof ref !== 'string' || ref === '') {
      return refuse('consent', 'no customer reference: whose consent would allow this contact is unknown');
    }
    const { store } = source;
    if (!store) return refuse('consent', `no hub store to read ${ref}'s consents from`);

    // the golden record's consents: a withdrawal one system recorded holds for every system's ref
    const stored = await customerDocument(store, ref);
    const consent = judgeConsent(
      [stored?.consents, source.customer?.consents],
      channel,
      purpose,
      policy.requireConsent[channel]?.includes(purpose) ?? false,
    );
    if (!consent.ok) return refuse(consent.reason, consent.detail);

    if (
      policy.quietHours &&
      policy.quietChannels.includes(channel) &&
      !policy.quietExemptPurposes.includes(purpose)
    ) {
      const zone = [
        stored?.timeZone,
        stored?.timezone,
        source.customer?.timeZone,
        source.customer?.timezone,
      ].find(isTimeZone);
      const quiet = inQuietHours(policy.quietHours, zone ?? policy.timeZone, nowMs);
      if (quiet.quiet) {
        return refuse('quiet-hours', `quiet hours ${policy.quietHours.text}: ${quiet.local}`, {
          localTime: quiet.local,
          ...(quiet.endsAt ? { retryAfter: quiet.endsAt } : {}),
        });
      }
    }

    if (policy.cooldownMs !== undefined && (request.policyId || request.offer)) {
      const declined = await this.lastDecline(store, ref, request, nowMs, policy.cooldownMs);
      if (declined) {
        const what = declined.policyId.startsWith(OFFER_PREFIX)
          ? `offer ${declined.policyId.slice(OFFER_PREFIX.length)}`
          : `policy ${declined.policyId}`;
        return refuse('cooldown', `the customer declined ${what} at ${declined.at}`, {
          retryAfter: new Date(Date.parse(declined.at) + policy.cooldownMs).toISOString(),
        });
      }
    }

    if (policy.caps.purposes.includes(purpose)) {
      const capped = await this.takeCaps(store, ref, channel, request.contactId, nowMs);
      if (capped) return refuse('cap', capped.detail, { cap: capped.cap });
    }
    return { ...base, detail: consent.detail };
  }

  private async lastDecline(
    store: ContactStore,
    customerRef: string,
    request: ContactRequest,
    nowMs: number,
    windowMs: number,
  ): Promise<{ policyId: string; at: string } | undefined> {
    const wanted = new Set<string>();
    if (request.policyId) wanted.add(request.policyId);
    if (request.offer) wanted.add(`${OFFER_PREFIX}${request.offer}`);
    const entries = await store.listHistory(customerRef, new Date(nowMs - windowMs).toISOString());
    for (let i = entries.length - 1; i >= 0; i--) {
      const { type, response, occurredAt } = entries[i];
      if (type !== RESPONSE_TYPE || !response || !wanted.has(response.policyId)) continue;
      if (!(DECLINES as readonly string[]).includes(response.outcome) || Date.parse(occurredAt) > nowMs)
        continue;
      return { policyId: response.policyId, at: occurredAt };
    }
    return undefined;
  }

  /** undefined when every cap had room (and took this contact); else what refused it */
  private async takeCaps(
    store: ContactStore,
    customerRef: string,
    channel: ConsentChannel,
    hitId: string,
    nowMs: number,
  ): Promise<{ detail: string; cap: NonNullable<ContactVerdict['cap']> } | undefined> {
    const { perCustomer, perChannel, global } = this.compiled.caps;
    const claims: (CapClaim & { scope: 'per-customer' | 'per-channel' | 'global'; text: string })[] = [];
    const add = (scope: (typeof claims)[number]['scope'], limit: ContactLimit, key: string) =>
      claims.push({ key, limit: limit.count, windowMs: limit.windowMs, scope, text: limit.text });
    if (perCustomer) add('per-customer', perCustomer, `${KEY}customer\u001f${customerRef}`);
    const channelLimit = perChannel[channel] ?? perChannel['*'];
    if (channelLimit) add('per-channel', channelLimit, `${KEY}channel\u001f${customerRef}\u001f${channel}`);
    if (global) add('global', global, `${KEY}global`);
    if (claims.length === 0) return undefined;
    let local = this.caps.get(store);
    if (!local) {
      local = new InMemoryCapCounter();
      this.caps.set(store, local);
    }
    const refusal = (index: number, count: number) => {
      const claim = claims[index];
      const where = claim.scope === 'per-channel' ? `per-channel (${channel})` : claim.scope;
      return {
        detail: `contact cap reached: ${where} ${claim.text} (${count} already in the window)`,
        cap: { scope: claim.scope, limit: claim.text, count },
      };
    };
    // A contact checked again (redelivered, or at channel-action and then at soap-request) is not
    // refused by its own first hit: the store grants a hit id it already holds.
    for (const [index, claim] of claims.entries()) {
      const count = local.count(claim.key, claim.windowMs, nowMs);
      if (count >= claim.limit && !local.has(claim.key, hitId, claim.windowMs, nowMs)) {
        return refusal(index, count);
      }
    }
    const taken = await store.takeCaps(
      claims.map(({ key, limit, windowMs }) => ({ key, limit, windowMs })),
      hitId,
      new Date(nowMs).toISOString(),
    );
    if (!taken.granted) {
      const index = taken.refused ?? 0;
      return refusal(index, taken.counts[index]);
    }
    for (const claim of claims) local.record(claim.key, nowMs, hitId);
    return undefined;
  }

  private count(verdict: ContactVerdict, nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    let counts = this.days.get(day);
    if (!counts) {
      counts = emptyCounts();
      this.days.set(day, counts);
      for (const old of this.days.keys()) if (old <= day - WEEK_DAYS) this.days.delete(old);
    }
    add(counts, verdict);
    add(this.total, verdict);
  }
}

function parseLimit(value: unknown, field: string): ContactLimit {
  const text = typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+)\s+per\s+(.+)$/.exec(text);
  if (!match || Number(match[1]) < 1) {
    throw new ContactPolicyError(
      `${field}: expected "<count> per <duration>" like "3 per 7d" or "10000 per day", got ${JSON.stringify(value)}`,
    );
  }
  return { count: Number(match[1]), windowMs: guard(field, () => parseDuration(match[2])), text };
}

function consentChannel(word: string, field: string): ConsentChannel {
  const channel = contactChannelOf(word);
  if (!channel || channel === 'internal')
    throw new ContactPolicyError(`${field}: "${word}" is not a contact channel`);
  return channel;
}

function channels(words: readonly string[], field: string): ContactChannel[] {
  return words.map((word) => consentChannel(word, field));
}

function guard<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new ContactPolicyError(`${field}: ${(error as Error).message}`);
  }
}

function emptyCounts(): ContactCounts {
  return { checked: 0, passed: 0, suppressed: {} };
}

function add(counts: ContactCounts, verdict: ContactVerdict): void {
  counts.checked += 1;
  if (verdict.allowed) counts.passed += 1;
  else if (verdict.reason) counts.suppressed[verdict.reason] = (counts.suppressed[verdict.reason] ?? 0) + 1;
}

function merge(into: ContactCounts, from: ContactCounts): void {
  into.checked += from.checked;
  into.passed += from.passed;
  for (const [reason, n] of Object.entries(from.suppressed) as [ContactReason, number][]) {
    into.suppressed[reason] = (into.suppressed[reason] ?? 0) + n;
  }
}

function copy(counts: ContactCounts): ContactCounts {
  return { checked: counts.checked, passed: counts.passed, suppressed: { ...counts.suppressed } };
}
