/**
 * Service-level differentiation (the seeds' example, as Bertelsmann runs it): when a customer calls,
 * the agent sees at once how the company serves them, matched to their standing. The level comes from
 * three things the hub holds, and the answer says which of them decided it:
 *
 * - the tier of the golden record: platinum is served at premium, gold at priority, the rest standard;
 * - the value: what the customer moved in the last 365 days (from the start of that UTC day), the
 *   amounts of their interactions in the hub's currency (EUR), under every member of the golden record.
 *   25,000 raises to priority, 100,000 to premium;
 * - open complaints: complaints of the last 90 days that no `complaint-answered` came after. Any raise
 *   the level one step (at most to premium): an unhappy customer is the one to serve first.
 *
 * The level is the higher of tier and value, then raised for open complaints. The numbers, the
 * currency and the event types are the defaults below; settings.js `crmHub.serviceLevel` changes any
 * of them (serviceLevelRules).
 */
import { CUSTOMER_TIERS, type CustomerTier } from '../mappings/canonical/types';
import type { StoredInteraction } from './store';

export const SERVICE_LEVELS = ['standard', 'priority', 'premium'] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

export interface ServiceLevelRules {
  tiers: Record<CustomerTier, ServiceLevel>;
  value: { currency: string; days: number; priority: number; premium: number };
  complaints: { days: number; type: string; answered: string };
}

export const DEFAULT_SERVICE_LEVEL_RULES: ServiceLevelRules = {
  tiers: { basic: 'standard', silver: 'standard', gold: 'priority', platinum: 'premium' },
  value: { currency: 'EUR', days: 365, priority: 25_000, premium: 100_000 },
  complaints: { days: 90, type: 'complaint', answered: 'complaint-answered' },
};

/**
 * The rules settings.js `crmHub.serviceLevel` states, over the defaults: any part may be left out,
 * e.g. `{ value: { currency: 'CHF', premium: 250000 } }`. Throws, naming the setting, for a value
 * that is not one (an unknown key, a tier or level misspelt, thresholds out of order).
 */
export function serviceLevelRules(settings: unknown): ServiceLevelRules {
  if (settings === undefined || settings === null) return DEFAULT_SERVICE_LEVEL_RULES;
  const top = section(settings, 'crmHub.serviceLevel', ['tiers', 'value', 'complaints']);
  const tiers = { ...DEFAULT_SERVICE_LEVEL_RULES.tiers };
  if (top.tiers !== undefined) {
    for (const [tier, level] of Object.entries(
      section(top.tiers, 'crmHub.serviceLevel.tiers', CUSTOMER_TIERS),
    )) {
      if (!SERVICE_LEVELS.includes(level as ServiceLevel)) {
        throw new Error(
          `crmHub.serviceLevel.tiers.${tier} must be one of ${SERVICE_LEVELS.join(', ')}, not ${JSON.stringify(level)}`,
        );
      }
      tiers[tier as CustomerTier] = level as ServiceLevel;
    }
  }
  const value = { ...DEFAULT_SERVICE_LEVEL_RULES.value };
  if (top.value !== undefined) {
    const given = section(top.value, 'crmHub.serviceLevel.value', [
      'currency',
      'days',
      'priority',
      'premium',
    ]);
    if (given.currency !== undefined)
      value.currency = matching(given.currency, CURRENCY, 'value.currency', 'a currency code like EUR');
    if (given.days !== undefined) value.days = days(given.days, 'value.days');
    if (given.priority !== undefined) value.priority = amount(given.priority, 'value.priority');
    if (given.premium !== undefined) value.premium = amount(given.premium, 'value.premium');
    if (value.priority > value.premium) {
      throw new Error(
        `crmHub.serviceLevel.value: priority (${value.priority}) must not be above premium (${value.premium})`,
      );
    }
  }
  const complaints = { ...DEFAULT_SERVICE_LEVEL_RULES.complaints };
  if (top.complaints !== undefined) {
    const given = section(top.complaints, 'crmHub.serviceLevel.complaints', ['days', 'type', 'answered']);
    if (given.days !== undefined) complaints.days = days(given.days, 'complaints.days');
    if (given.type !== undefined)
      complaints.type = matching(given.type, EVENT_TYPE, 'complaints.type', 'an event type like complaint');
    if (given.answered !== undefined) {
      complaints.answered = matching(
        given.answered,
        EVENT_TYPE,
        'complaints.answered',
        'an event type like complaint-answered',
      );
    }
  }
  return { tiers, value, complaints };
}

const CURRENCY = /^[A-Z]{3}$/;
const EVENT_TYPE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function section(value: unknown, name: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${name} must be an object with any of ${keys.join(', ')}`);
  }
  const unknown = Object.keys(value).filter((k) => !keys.includes(k));
  if (unknown.length > 0) {
    throw new Error(`${name} has no setting ${unknown.join(', ')}; it takes ${keys.join(', ')}`);
  }
  return value as Record<string, unknown>;
}

function matching(value: unknown, pattern: RegExp, name: string, what: string): string {
  if (typeof value === 'string' && pattern.test(value)) return value;
  throw new Error(`crmHub.serviceLevel.${name} must be ${what}, not ${JSON.stringify(value)}`);
}

function days(value: unknown, name: string): number {
  if (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 3660) return value as number;
  throw new Error(
    `crmHub.serviceLevel.${name} must be a whole number of days from 1 to 3660, not ${JSON.stringify(value)}`,
  );
}

function amount(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new Error(`crmHub.serviceLevel.${name} must be an amount of 0 or more, not ${JSON.stringify(value)}`);
}

export interface ServiceLevelAnswer {
  level: ServiceLevel;
  tier?: CustomerTier;
  /** the amounts of the window in the rules' currency (amounts in other currencies are left out) */
  value: { amount: number; currency: string; since: string };
  openComplaints: number;
  /** in plain words, one per input that counted, e.g. "tier gold: priority" */
  reasons: string[];
}

const DAY = 86_400_000;

function amountOf(interaction: StoredInteraction, currency: string): number {
  const amount = (interaction.summary as { amount?: { value?: unknown; currency?: unknown } } | undefined)
    ?.amount;
  return amount &&
    amount.currency === currency &&
    typeof amount.value === 'number' &&
    Number.isFinite(amount.value)
    ? Math.abs(amount.value)
    : 0;
}

/**
 * In cents: a sum of floats (0.1 + 0.2) is no amount a SOAP decimal takes. Past 2^53 cents a double
 * has no cents to round, and multiplying would change the amount.
 */
function inCents(amount: number): number {
  return Math.abs(amount) < Number.MAX_SAFE_INTEGER / 100 ? Math.round(amount * 100) / 100 : amount;
}

const rank = (level: ServiceLevel) => SERVICE_LEVELS.indexOf(level);
const money = (n: number, currency: string) => `${Math.round(n).toLocaleString('en-US')} ${currency}`;

/** `interactions`: the customer's, under every member, in any order; more than the windows is fine. */
export function serviceLevelOf(
  tier: CustomerTier | undefined,
  interactions: readonly StoredInteraction[],
  now: Date,
  rules: ServiceLevelRules = DEFAULT_SERVICE_LEVEL_RULES,
): ServiceLevelAnswer {
  const reasons: string[] = [];
  let level: ServiceLevel = 'standard';
  if (tier) {
    level = rules.tiers[tier] ?? 'standard';
    reasons.push(`tier ${tier}: ${level}`);
  }

  // from the start of that UTC day: a window to the millisecond changed the answer (and its ETag) with
  // every request, so no client could revalidate a customer 360
  const since = new Date(Math.floor(now.getTime() / DAY) * DAY - rules.value.days * DAY).toISOString();
  let amount = 0;
  // one dated ahead (stored before such events were refused) has not happened yet and counts nothing
  const until = now.toISOString();
  for (const i of interactions) {
    if (i.occurredAt >= since && i.occurredAt <= until) amount += amountOf(i, rules.value.currency);
  }
  const byValue: ServiceLevel =
    amount >= rules.value.premium ? 'premium' : amount >= rules.value.priority ? 'priority' : 'standard';
  if (byValue !== 'standard') {
    const threshold = byValue === 'premium' ? rules.value.premium : rules.value.priority;
    reasons.push(
      `value ${money(amount, rules.value.currency)} in ${rules.value.days} days ≥ ${money(threshold, rules.value.currency)}: ${byValue}`,
    );
    if (rank(byValue) > rank(level)) level = byValue;
  }

  // oldest first: an answer closes every complaint before it
  const complaintsSince = new Date(now.getTime() - rules.complaints.days * DAY).toISOString();
  const recent = interactions
    .filter((i) => i.occurredAt >= complaintsSince && i.occurredAt <= now.toISOString())
    .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
  let openComplaints = 0;
  for (const i of recent) {
    if (i.type === rules.complaints.type) openComplaints++;
    else if (i.type === rules.complaints.answered) openComplaints = 0;
  }
  if (openComplaints > 0) {
    const raised = SERVICE_LEVELS[Math.min(SERVICE_LEVELS.length - 1, rank(level) + 1)];
    const what = openComplaints === 1 ? '1 open complaint' : `${openComplaints} open complaints`;
    reasons.push(
      raised === level
        ? `${what} in ${rules.complaints.days} days: already ${level}`
        : `${what} in ${rules.complaints.days} days: raised from ${level} to ${raised}`,
    );
    level = raised;
  }
  if (reasons.length === 0) reasons.push('no tier, value or open complaint that raises it: standard');
  return {
    level,
    ...(tier ? { tier } : {}),
    value: { amount: inCents(amount), currency: rules.value.currency, since },
    openComplaints,
    reasons,
  };
}
