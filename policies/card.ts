/**
 * Policy cards: the marketers' small, readable rules. compileCard() checks a card once and turns it into
 * plain data plus compiled predicates, so the engine does no parsing while events flow.
 *
 *   policy: address-change-mortgage
 *   title: { de: "...", en: "..." }
 *   when: event address-changed via call-center [where <conditions>]
 *   if: customer.tier == "platinum"
 *   then: web-offer mortgage to web within 30d; call-task to sales-rep within 1d
 *   limits: { per-customer: 1 per 7d, global: 200 per day }
 *   priority: 60
 */
import { CHANNELS, INTERACTION_EVENT_FIELDS, type Channel } from '../mappings/canonical/types';
import { compileCondition, ExpressionError, type CompiledCondition } from './expression';

export type PolicyMode = 'trigger' | 'lurking';

export interface PolicyLimits {
  /** e.g. "1 per 7d" */
  'per-customer'?: string;
  /** e.g. "200 per day" */
  global?: string;
}

export interface PolicyCard {
  /** kebab-case id, e.g. "address-change-mortgage" */
  policy: string;
  title: { de: string; en: string };
  /** `event <type> [via <channel>] [where <conditions>]` */
  when: string;
  /** conditions on the customer's golden record, e.g. `customer.tier == "platinum"`; empty means none */
  if?: string;
  /** `<action> [<offer>] to <channel-or-recipient> [within <duration>]`, several separated by `;` */
  then: string;
  limits?: PolicyLimits;
  /** higher wins when several policies fire */
  priority: number;
  mode?: PolicyMode;
}

export interface PolicyAction {
  /** e.g. "web-offer", "call-task" */
  action: string;
  /** what is offered, e.g. "mortgage"; absent for actions like "call-task to sales-rep" */
  offer?: string;
  /** the channel or recipient, e.g. "web", "sales-rep" */
  to: string;
  /** as written, e.g. "30d" */
  within?: string;
  withinMs?: number;
}

export interface Limit {
  count: number;
  windowMs: number;
  /** as written, e.g. "1 per 7d" */
  text: string;
}

export interface CompiledPolicy {
  id: string;
  title: { de: string; en: string };
  priority: number;
  mode: PolicyMode;
  eventType: string;
  channel?: Channel;
  /** the `where` part of `when`, evaluated against the event */
  where?: CompiledCondition;
  /** the `if` field, evaluated against { customer, event } */
  condition?: CompiledCondition;
  actions: PolicyAction[];
  limits: { perCustomer?: Limit; global?: Limit };
  card: PolicyCard;
}

export class PolicyCardError extends Error {
  constructor(
    /** the card's id when it has one */
    readonly policy: string | undefined,
    /** the card field at fault, e.g. "when", "limits.per-customer" */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`policy ${policy ? `"${policy}"` : '(no id)'}: ${field}: ${problem}`);
    this.name = 'PolicyCardError';
  }
}

const CARD_KEYS = new Set(['policy', 'title', 'when', 'if', 'then', 'limits', 'priority', 'mode']);
const NOT_YET_SUPPORTED = new Set(['history', 'schedule', 'holdout', 'score']);
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const WHEN = /^event\s+(\S+)(?:\s+via\s+(\S+))?(?:\s+where\s+([\s\S]+))?$/;
const ACTION = /^([a-z][a-z0-9-]*)(?:\s+(\S+))?\s+to\s+(\S+)(?:\s+within\s+(\S+))?$/;
const IF_ROOTS = ['customer', 'event'];

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const UNIT_WORDS: Record<string, string> = {
  second: 's',
  seconds: 's',
  minute: 'm',
  minutes: 'm',
  hour: 'h',
  hours: 'h',
  day: 'd',
  days: 'd',
  week: 'w',
  weeks: 'w',
};

/** "30m", "12h", "1d", "7d", "2w", "day", "7 days" -> milliseconds; m means minutes. */
export function parseDuration(text: string): number {
  const match = /^(\d+)?\s*([a-z]+)$/.exec(String(text).trim());
  const unit = match ? (UNIT_WORDS[match[2]] ?? match[2]) : undefined;
  const count = match?.[1] === undefined ? 1 : Number(match[1]);
  if (!match || !unit || !Object.hasOwn(UNIT_MS, unit) || count <= 0) {
    throw new Error(`"${text}" is not a duration like 30m, 12h, 1d, 7d, 2w or day`);
  }
  return count * UNIT_MS[unit];
}

export function compileCard(card: PolicyCard): CompiledPolicy {
  if (typeof card !== 'object' || card === null || Array.isArray(card)) {
    throw new PolicyCardError(undefined, 'card', 'must be an object');
  }
  const id = typeof card.policy === 'string' && KEBAB.test(card.policy) ? card.policy : undefined;
  if (!id)
    throw new PolicyCardError(
      undefined,
      'policy',
      `must be a kebab-case id, got ${JSON.stringify(card.policy)}`,
    );
  const fail = (field: string, problem: string): never => {
    throw new PolicyCardError(id, field, problem);
  };

  for (const key of Object.keys(card)) {
    if (NOT_YET_SUPPORTED.has(key)) fail(key, 'is not supported yet by this engine');
    if (!CARD_KEYS.has(key)) fail(key, `unknown field (allowed: ${[...CARD_KEYS].join(', ')})`);
  }

  const title = card.title as unknown;
  if (typeof title !== 'object' || title === null) fail('title', 'must be { de: "...", en: "..." }');
  for (const lang of ['de', 'en'] as const) {
    const text = (title as Record<string, unknown>)[lang];
    if (typeof text !== 'string' || text.trim() === '') fail(`title.${lang}`, 'must be a non-empty text');
  }

  if (typeof card.priority !== 'number' || !Number.isFinite(card.priority)) {
    fail('priority', `must be a number, got ${JSON.stringify(card.priority)}`);
  }
  const mode = card.mode ?? 'trigger';
  if (mode !== 'trigger' && mode !== 'lurking')
    fail('mode', `must be "trigger" or "lurking", got ${JSON.stringify(mode)}`);

  const trigger = compileWhen(card.when, fail);
  const condition = compileIf(card.if, fail);
  const actions = compileThen(card.then, fail);
  const limits = compileLimits(card.limits, fail);

  return {
    id,
    title: { de: card.title.de, en: card.title.en },
    priority: card.priority,
    mode,
    ...trigger,
    ...(condition ? { condition } : {}),
    actions,
    limits,
    card,
  };
}

type Fail = (field: string, problem: string) => never;

function compileWhen(when: unknown, fail: Fail): Pick<CompiledPolicy, 'eventType' | 'channel' | 'where'> {
  const text = typeof when === 'string' ? when.trim() : '';
  const match = WHEN.exec(text);
  if (!match) {
    fail('when', `expected "event <type> [via <channel>] [where <conditions>]", got ${JSON.stringify(when)}`);
  }
  const [, eventType, channel, whereText] = match as RegExpExecArray;
  if (!KEBAB.test(eventType))
    fail('when', `event type "${eventType}" must be kebab-case, e.g. address-changed`);
  if (channel !== undefined && !(CHANNELS as readonly string[]).includes(channel)) {
    fail('when', `unknown channel "${channel}" after "via" (known: ${CHANNELS.join(', ')})`);
  }
  const result: Pick<CompiledPolicy, 'eventType' | 'channel' | 'where'> = { eventType };
  if (channel !== undefined) result.channel = channel as Channel;
  if (whereText !== undefined) {
    result.where = compileConditionField('when (where)', whereText, fail);
    checkRoots('when (where)', result.where, INTERACTION_EVENT_FIELDS, fail);
  }
  return result;
}

function compileIf(text: unknown, fail: Fail): CompiledCondition | undefined {
  if (text === undefined || text === null || (typeof text === 'string' && text.trim() === ''))
    return undefined;
  if (typeof text !== 'string')
    return fail('if', 'must be a condition text, e.g. customer.tier == "platinum"');
  const condition = compileConditionField('if', text, fail);
  checkRoots('if', condition, IF_ROOTS, fail);
  return condition;
}

function compileConditionField(field: string, text: string, fail: Fail): CompiledCondition {
  try {
    return compileCondition(text);
  } catch (error) {
    if (error instanceof ExpressionError) return fail(field, `${error.message} in "${text}"`);
    throw error;
  }
}

function checkRoots(field: string, condition: CompiledCondition, roots: readonly string[], fail: Fail): void {
  for (const path of condition.paths) {
    const root = /^[^.[]+/.exec(path)?.[0] ?? path;
    if (!roots.includes(root)) fail(field, `"${path}" must start with one of: ${roots.join(', ')}`);
  }
}

function compileThen(then: unknown, fail: Fail): PolicyAction[] {
  if (typeof then !== 'string' || then.trim() === '') {
    return fail('then', 'needs at least one action like "web-offer mortgage to web within 30d"');
  }
  const parts = then.split(';').map((part) => part.trim());
  return parts.map((part, index) => {
    const field = parts.length > 1 ? `then[${index + 1}]` : 'then';
    const match = ACTION.exec(part);
    if (!match) {
      return fail(
        field,
        `expected "<action> [<offer>] to <channel-or-recipient> [within <duration>]", got "${part}"`,
      );
    }
    const [, action, offer, to, within] = match;
    if (!KEBAB.test(to)) fail(field, `"${to}" after "to" must be a kebab-case channel or recipient`);
    const result: PolicyAction = { action, to };
    if (offer !== undefined) result.offer = offer;
    if (within !== undefined) {
      result.within = within;
      try {
        result.withinMs = parseDuration(within);
      } catch (error) {
        fail(field, `within: ${(error as Error).message}`);
      }
    }
    return result;
  });
}

function compileLimits(limits: unknown, fail: Fail): CompiledPolicy['limits'] {
  const result: CompiledPolicy['limits'] = {};
  if (limits === undefined || limits === null) return result;
  if (typeof limits !== 'object' || Array.isArray(limits)) {
    return fail('limits', 'must be { per-customer: "1 per 7d", global: "200 per day" }');
  }
  for (const [key, value] of Object.entries(limits)) {
    const field = `limits.${key}`;
    if (key === 'cooldown') fail(field, 'is not supported yet by this engine');
    if (key !== 'per-customer' && key !== 'global')
      fail(field, 'unknown limit (allowed: per-customer, global)');
    const limit = parseLimit(value, field, fail);
    if (key === 'per-customer') result.perCustomer = limit;
    else result.global = limit;
  }
  return result;
}

function parseLimit(value: unknown, field: string, fail: Fail): Limit {
  const text = typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+)\s+per\s+(.+)$/.exec(text);
  if (!match)
    return fail(
      field,
      `expected "<count> per <duration>" like "1 per 7d" or "200 per day", got ${JSON.stringify(value)}`,
    );
  const count = Number(match[1]);
  if (count < 1) fail(field, 'count must be at least 1 (switch the policy off instead)');
  let windowMs = 0;
  try {
    windowMs = parseDuration(match[2]);
  } catch (error) {
    fail(field, (error as Error).message);
  }
  return { count, windowMs, text };
}
