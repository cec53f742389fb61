import type { NodeDef } from 'node-red';
import { PolicyCardError, type PolicyCard, type PolicyLimits } from '../../policies/card';

export interface PolicyDef extends NodeDef {
  engine: string;
  policyId: string;
  titleEn: string;
  titleDe: string;
  /** optional longer texts; either language or both */
  descriptionEn?: string;
  descriptionDe?: string;
  /** the card's own version number (1 when empty); not the node config's `version` */
  cardVersion?: string;
  when: string;
  condition: string;
  /** history conditions, `;`-separated, e.g. "no complaint-answered within 2d" */
  history?: string;
  then: string;
  /** the escalation ladder in one line, e.g. "until complaint-answered; regional-manager within 2d" */
  escalation?: string;
  perCustomer: string;
  /** "3 per 7d" for every channel of the card, or "sms: 1 per 7d, web: 5 per day" */
  perChannel?: string;
  global: string;
  /** e.g. "30d after reject" */
  cooldown?: string;
  priority: string;
  /** score = propensity × value × weight; all three empty: no score */
  scorePropensity?: string;
  scoreValue?: string;
  scoreWeight?: string;
  /** the schedule's keys; all four empty: always active */
  scheduleFrom?: string;
  scheduleTo?: string;
  scheduleHours?: string;
  scheduleTimeZone?: string;
  /** e.g. "5%" */
  holdout?: string;
  mode: 'trigger' | 'lurking';
  /** the editor button's state; the store's switch wins once it has been set */
  active: boolean;
}

/**
 * The card a policy node's fields spell. Each field holds what the same key holds in a YAML card, and a
 * number is read as YAML reads one (`5` is a number, `5%` a text), so the node and the file give one card
 * with one version hash. What the compiler cannot see (a per-channel list split into channels) is checked
 * here, naming the card field as the compiler does.
 */
export function cardFromConfig(config: PolicyDef): PolicyCard {
  const policy = (config.policyId || config.id).trim();
  const limits: PolicyLimits = {};
  if (filled(config.perCustomer)) limits['per-customer'] = config.perCustomer.trim();
  if (filled(config.perChannel)) limits['per-channel'] = perChannelOf(policy, config.perChannel);
  if (filled(config.global)) limits.global = config.global.trim();
  if (filled(config.cooldown)) limits.cooldown = config.cooldown.trim();
  const card: PolicyCard = {
    policy,
    title: {
      en: config.titleEn || config.name || config.policyId,
      de: config.titleDe || config.titleEn || config.policyId,
    },
    when: config.when,
    if: config.condition || undefined,
    history: historyOf(config.history),
    then: config.then,
    escalation: config.escalation?.trim() || undefined,
    limits: Object.keys(limits).length ? limits : undefined,
    // as YAML reads it: 0 stays 0; empty or text is refused by the compiler, naming priority
    priority: scalar(config.priority) as number,
    mode: config.mode || 'trigger',
  };
  const optional: Partial<PolicyCard> = {
    version: scalar(config.cardVersion) as number | undefined,
    description: texts({ en: config.descriptionEn, de: config.descriptionDe }),
    score: present({
      propensity: scalar(config.scorePropensity),
      value: scalar(config.scoreValue),
      weight: scalar(config.scoreWeight),
    }) as PolicyCard['score'],
    schedule: present({
      from: text(config.scheduleFrom),
      to: text(config.scheduleTo),
      hours: text(config.scheduleHours),
      'time-zone': text(config.scheduleTimeZone),
    }),
    holdout: scalar(config.holdout),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (card as unknown as Record<string, unknown>)[key] = value;
  }
  return card;
}

const PER_CHANNEL_ITEM = /^([a-z0-9]+(?:-[a-z0-9]+)*)\s*:\s*(.+)$/;

/**
 * "3 per 7d" stays one text for every channel; "sms: 1 per 7d, web: 5 per day" becomes the map YAML
 * would write as `{ sms: 1 per 7d, web: 5 per day }`. The limits themselves are the compiler's to check.
 */
export function perChannelOf(policy: string, value: string): string | Record<string, string> {
  const textValue = value.trim();
  if (!textValue.includes(':')) return textValue;
  const out: Record<string, string> = {};
  for (const item of textValue.split(/\s*[,;]\s*/).filter(Boolean)) {
    const match = PER_CHANNEL_ITEM.exec(item);
    if (!match) {
      throw new PolicyCardError(
        policy,
        'limits.per-channel',
        `expected "<channel>: <count> per <duration>" like "sms: 1 per 7d", got "${item}"`,
      );
    }
    const [, channel, limit] = match;
    if (Object.hasOwn(out, channel)) {
      throw new PolicyCardError(policy, `limits.per-channel.${channel}`, 'is named more than once');
    }
    out[channel] = limit.trim();
  }
  return out;
}

function historyOf(value: string | undefined): string[] | undefined {
  const parts = (value ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean);
  return parts.length ? parts : undefined;
}

function filled(value: string | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function text(value: string | undefined): string | undefined {
  return filled(value) ? value.trim() : undefined;
}

/** A field as YAML reads a plain scalar: a number when it is one, else the text; empty is absent. */
function scalar(value: string | undefined): number | string | undefined {
  const found = text(value);
  if (found === undefined) return undefined;
  return /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(found) ? Number(found) : found;
}

function texts(value: { en?: string; de?: string }): { en?: string; de?: string } | undefined {
  return present({ en: text(value.en), de: text(value.de) });
}

/** The object without its absent keys; undefined when none is left. */
function present<T extends Record<string, unknown>>(value: T): Partial<T> | undefined {
  const kept = Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined));
  return Object.keys(kept).length ? (kept as Partial<T>) : undefined;
}
