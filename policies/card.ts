/**
 * Policy cards: the marketers' small, readable rules. compileCard() checks a card once and turns it into
 * plain data plus compiled predicates, so the engine does no parsing while events flow. The language is
 * documented in docs/policies.md.
 *
 *   policy: address-change-mortgage
 *   version: 2
 *   title: { de: "...", en: "..." }
 *   mode: trigger                                   # or lurking
 *   when: event address-changed via call-center [where <conditions>]   # where amount > 10000 [EUR]
 *   if: customer.tier == "platinum"
 *   history: [count complaint within 30d >= 2, no complaint-answered within 2d]
 *   then: web-offer mortgage to web within 30d; call-task to sales-rep within 1d
 *   escalation: { until: complaint-answered, steps: [regional-manager within 2d, head-of-service] }
 *   limits: { per-customer: 1 per 7d, per-channel: 3 per 7d, global: 200 per day, cooldown: 30d after reject }
 *   priority: 60
 *   score: { propensity: 0.05, value: 450, weight: 1 }
 *   schedule: { from: 2025-04-01, to: 2025-06-30, hours: Mon-Fri 09:00-18:00, time-zone: Europe/Berlin }
 *   holdout: 10%
 */
import { CHANNELS, INTERACTION_EVENT_FIELDS, type Channel } from '../mappings/canonical/types';
import { parseDuration } from './duration';
import {
  compileEscalation,
  EscalationError,
  type CompiledEscalation,
  type EscalationSpec,
} from './escalation-card';
import { EVENT_SCHEMA, IF_SCHEMAS, impossibleComparison, type SchemaOf } from './condition-types';
import { allOf, compileCondition, ExpressionError, type CompiledCondition } from './expression';
import {
  compileHistoryCondition,
  HistoryConditionError,
  historyNeeds,
  type CompiledHistoryCondition,
  type HistoryNeeds,
  type ResponseOutcome,
} from './history';
import { parseHoldout } from './holdout';
import { baseCurrencyOf, DEFAULT_BASE_CURRENCY } from './money';
import { compileSchedule, ScheduleError, type CompiledSchedule, type ScheduleSpec } from './schedule';
import { compileScore, ScoreError, type CompiledScore, type ScoreSpec } from './score';
import { contentHash, type CardVersion } from './version';

export { parseDuration } from './duration';

export type PolicyMode = 'trigger' | 'lurking';

export interface PolicyLimits {
  /** e.g. "1 per 7d": this card's actions for one customer */
  'per-customer'?: string;
  /** e.g. "3 per 7d" for every channel the card acts on, or { sms: "1 per 7d", web: "5 per day" } */
  'per-channel'?: string | Record<string, string>;
  /** e.g. "200 per day": this card's actions for all customers together */
  global?: string;
  /** e.g. "30d after reject": no action while the customer's last rejection of this card is this recent */
  cooldown?: string;
}

export interface PolicyCard {
  /** kebab-case id, e.g. "address-change-mortgage" */
  policy: string;
  /** the card's version number, counted up by whoever edits it; 1 when left out */
  version?: number;
  title: { de: string; en: string };
  description?: { de?: string; en?: string };
  mode?: PolicyMode;
  /**
   * `event <type>[, <type>…] [via <channel>[, <channel>…]] [where <conditions>]`, or
   * `contact [via …] [where …]` for any event; optional for lurking cards (any contact)
   */
  when?: string;
  /** conditions on the customer's golden record, e.g. `customer.tier == "platinum"`; a list must all hold */
  if?: string | string[];
  /** conditions over the customer's history; a list must all hold */
  history?: string | string[];
  /** `<action> [<offer>] to <channel-or-recipient> [within <duration>]`, several separated by `;` or listed */
  then: string | string[];
  /** the ladder after the card's `escalation to …` action: `{ until, steps }` or one `;`-separated text */
  escalation?: EscalationSpec | string;
  limits?: PolicyLimits;
  /** higher wins when several policies fire; 0 … 1000 */
  priority: number;
  score?: ScoreSpec;
  schedule?: ScheduleSpec;
  /** a control group: `10%` of customers (stable per customer and policy) get no action */
  holdout?: string | number;
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

export interface Cooldown {
  windowMs: number;
  /** the response outcomes that start it */
  after: ResponseOutcome[];
  /** as written, e.g. "30d after reject" */
  text: string;
}

/** `event` cards list their types; `contact` cards take any event, marked by this type. */
export const ANY_EVENT = '*';

export interface CompileCardOptions {
  /**
   * the currency of a money threshold that names none (`amount > 10000`); CRM_HUB_BASE_CURRENCY, else
   * EUR, when left out
   */
  baseCurrency?: string;
}

export interface CompiledPolicy {
  id: string;
  /** the currency the card's money thresholds without a currency of their own are in */
  baseCurrency: string;
  version: CardVersion;
  title: { de: string; en: string };
  description?: { de?: string; en?: string };
  priority: number;
  mode: PolicyMode;
  /** the first of eventTypes, or ANY_EVENT for a `contact` card */
  eventType: string;
  /** empty for a `contact` card: any type */
  eventTypes: string[];
  /** set when the card names exactly one channel */
  channel?: Channel;
  /** the channels of `via`; absent means any */
  channels?: Channel[];
  /** the `where` part of `when`, evaluated against the event */
  where?: CompiledCondition;
  /** the `if` field, evaluated against { customer, event } */
  condition?: CompiledCondition;
  /** history conditions judged when the event arrives */
  history: CompiledHistoryCondition[];
  /** `no <type> within <T>`: judged once deferMs has passed after the triggering event */
  deferred: CompiledHistoryCondition[];
  /** how long the card waits after the triggering event before it can fire; 0 for most cards */
  deferMs: number;
  /** what the history store must keep for this card */
  historyNeeds: HistoryNeeds;
  actions: PolicyAction[];
  /** the levels after the card's escalation action, and the events that answer the case */
  escalation?: CompiledEscalation;
  limits: {
    perCustomer?: Limit;
    perChannel?: Record<string, Limit>;
    global?: Limit;
    cooldown?: Cooldown;
    /**
     * lurking cards: an offer the customer accepted or converted on is closed, not shown again for the
     * offer's validity (the action's `within`, else 30d), unless the card's own cooldown names those
     * outcomes
     */
    closed?: Cooldown;
  };
  score?: CompiledScore;
  schedule?: CompiledSchedule;
  /** the control-group percentage; 0 for none */
  holdout: number;
  card: PolicyCard;
}

export class PolicyCardError extends Error {
  constructor(
    /** the card's id when it has one */
    readonly policy: string | undefined,
    /** the card field at fault, e.g. "when", "limits.per-customer", "history[2]" (lists count from 1) */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`policy ${policy ? `"${policy}"` : '(no id)'}: ${field}: ${problem}`);
    this.name = 'PolicyCardError';
  }
}

export const CARD_FIELDS = [
  'policy',
  'version',
  'title',
  'description',
  'mode',
  'when',
  'if',
  'history',
  'then',
  'escalation',
  'limits',
  'priority',
  'score',
  'schedule',
  'holdout',
] as const;
const LIMIT_KEYS = ['per-customer', 'per-channel', 'global', 'cooldown'];
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const WHEN = /^(?:event\s+(.+?)|(contact))(?:\s+via\s+(.+?))?(?:\s+where\s+([\s\S]+))?$/;
const ACTION = /^([a-z][a-z0-9-]*)(?:\s+(\S+))?\s+to\s+(\S+)(?:\s+within\s+(\S+))?$/;
const LIST_SEPARATOR = /\s*,\s*|\s+or\s+/;
const IF_ROOTS = ['customer', 'event'];
/** "declined" is the word of the issue and of marketers; the response schema says "rejected". */
const OUTCOME_WORDS: Record<string, ResponseOutcome> = {
  reject: 'rejected',
  rejected: 'rejected',
  rejection: 'rejected',
  decline: 'rejected',
  declined: 'rejected',
  ignore: 'ignored',
  ignored: 'ignored',
  accept: 'accepted',
  accepted: 'accepted',
  click: 'clicked',
  clicked: 'clicked',
};

type Fail = (field: string, problem: string) => never;

export function compileCard(card: PolicyCard, options: CompileCardOptions = {}): CompiledPolicy {
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
  const fail: Fail = (field, problem) => {
    throw new PolicyCardError(id, field, problem);
  };
  let baseCurrency = options.baseCurrency;
  if (baseCurrency === undefined) {
    try {
      baseCurrency = baseCurrencyOf();
    } catch (error) {
      return fail('base currency', (error as Error).message);
    }
  }

  for (const key of Object.keys(card)) {
    if (!(CARD_FIELDS as readonly string[]).includes(key)) {
      fail(key, `unknown field (allowed: ${CARD_FIELDS.join(', ')})`);
    }
  }

  const versionNumber = card.version ?? 1;
  if (typeof versionNumber !== 'number' || !Number.isInteger(versionNumber) || versionNumber < 1) {
    fail('version', `must be a whole number from 1, got ${JSON.stringify(card.version)}`);
  }
  const title = compileTexts('title', card.title, true, fail) as { de: string; en: string };
  const description =
    card.description === undefined ? undefined : compileTexts('description', card.description, false, fail);

  if (card.priority === undefined) fail('priority', 'is required: a whole number from 0 to 1000');
  if (
    typeof card.priority !== 'number' ||
    !Number.isInteger(card.priority) ||
    card.priority < 0 ||
    card.priority > 1000
  ) {
    fail('priority', `must be a number, a whole one from 0 to 1000, got ${JSON.stringify(card.priority)}`);
  }
  const mode = card.mode ?? 'trigger';
  if (mode !== 'trigger' && mode !== 'lurking')
    fail('mode', `must be "trigger" or "lurking", got ${JSON.stringify(mode)}`);

  const trigger = compileWhen(card.when, mode, baseCurrency, fail);
  const condition = compileIf(card.if, baseCurrency, fail);
  const { history, deferred } = compileHistory(card.history, mode, baseCurrency, fail);
  const actions = compileThen(card.then, fail);
  const limits = compileLimits(card.limits, actions, fail);
  const escalation = compileLadder(card.escalation, actions, trigger.eventTypes, mode, fail);
  if (mode === 'lurking') closeLurkingOffers(limits, actions, fail);

  const holdout =
    card.holdout === undefined ? 0 : translate('holdout', () => parseHoldout(card.holdout), fail);

  const policy: CompiledPolicy = {
    id,
    version: {
      number: versionNumber,
      hash: contentHash(hashedContent(card, escalation, holdout, baseCurrency)),
    },
    baseCurrency,
    title,
    priority: card.priority,
    mode,
    ...trigger,
    history,
    deferred,
    deferMs: Math.max(0, ...deferred.map((item) => item.requirement.windowMs)),
    historyNeeds: historyNeeds([...history, ...deferred]),
    actions,
    limits,
    holdout,
    card,
  };
  if (description) policy.description = description;
  if (condition) policy.condition = condition;
  if (escalation) policy.escalation = escalation;
  if (card.score !== undefined) policy.score = translate('score', () => compileScore(card.score), fail);
  if (card.schedule !== undefined) {
    policy.schedule = translate('schedule', () => compileSchedule(card.schedule), fail);
  }
  return policy;
}

/**
 * One meaning, one hash: what a policy node and a YAML file may write differently is hashed in one
 * shape. The ladder in its canonical form (one line or a map), `mode: trigger` as the default it is, a
 * list of one condition or action as that text, and the holdout as `<n>%` (`5`, `5%` and `5 %`).
 */
function hashedContent(
  card: PolicyCard,
  escalation: CompiledEscalation | undefined,
  holdout: number,
  baseCurrency: string,
): object {
  const content: Record<string, unknown> = { ...card };
  // A bare threshold (`amount > 10000`) means the base currency: another one decides otherwise, so it
  // is another version. The default leaves the hash as it was before currencies were judged.
  if (baseCurrency !== DEFAULT_BASE_CURRENCY) content.baseCurrency = baseCurrency;
  if (escalation) content.escalation = escalation.canonical;
  if (content.mode === 'trigger') delete content.mode;
  for (const key of ['if', 'history', 'then'] as const) {
    const value = card[key];
    if (Array.isArray(value) && value.length === 1) content[key] = value[0];
  }
  if (holdout > 0) content.holdout = `${holdout}%`;
  else delete content.holdout;
  return content;
}

function compileLadder(
  value: unknown,
  actions: PolicyAction[],
  eventTypes: string[],
  mode: PolicyMode,
  fail: Fail,
): CompiledEscalation | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return compileEscalation(value, { actions, eventTypes, mode });
  } catch (error) {
    if (error instanceof EscalationError) return fail(error.field, error.message);
    throw error;
  }
}

/** Runs a sub-compiler and turns its error into one naming the card field (e.g. schedule.hours). */
function translate<T>(field: string, compile: () => T, fail: Fail): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof ScheduleError || error instanceof ScoreError) {
      return fail(error.key ? `${field}.${error.key}` : field, error.message);
    }
    if (error instanceof Error) return fail(field, error.message);
    throw error;
  }
}

function compileTexts(
  field: string,
  value: unknown,
  required: boolean,
  fail: Fail,
): { de?: string; en?: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(field, 'must be { de: "...", en: "..." }');
  }
  for (const key of Object.keys(value)) {
    if (key !== 'de' && key !== 'en') fail(`${field}.${key}`, 'unknown language (allowed: de, en)');
  }
  const out: { de?: string; en?: string } = {};
  for (const lang of ['de', 'en'] as const) {
    const text = (value as Record<string, unknown>)[lang];
    if (text === undefined && !required) continue;
    if (typeof text !== 'string' || text.trim() === '') fail(`${field}.${lang}`, 'must be a non-empty text');
    out[lang] = text as string;
  }
  return out;
}

type Trigger = Pick<CompiledPolicy, 'eventType' | 'eventTypes' | 'channel' | 'channels' | 'where'>;

function compileWhen(when: unknown, mode: PolicyMode, baseCurrency: string, fail: Fail): Trigger {
  // A lurking card without `when` answers any contact on any channel.
  if (when === undefined && mode === 'lurking') return { eventType: ANY_EVENT, eventTypes: [] };
  const text = typeof when === 'string' ? when.trim() : '';
  const match = WHEN.exec(text);
  if (!match) {
    return fail(
      'when',
      `expected "event <type> [via <channel>] [where <conditions>]" or "contact [via <channel>] [where <conditions>]", got ${JSON.stringify(when)}`,
    );
  }
  const [, typeText, , channelText, whereText] = match;
  const eventTypes = typeText === undefined ? [] : unique(typeText.split(LIST_SEPARATOR));
  for (const type of eventTypes) {
    if (!KEBAB.test(type)) fail('when', `event type "${type}" must be kebab-case, e.g. address-changed`);
  }
  const result: Trigger = { eventType: eventTypes[0] ?? ANY_EVENT, eventTypes };
  if (channelText !== undefined) {
    const channels = unique(channelText.split(LIST_SEPARATOR));
    for (const channel of channels) {
      if (!(CHANNELS as readonly string[]).includes(channel)) {
        fail('when', `unknown channel "${channel}" after "via" (known: ${CHANNELS.join(', ')})`);
      }
    }
    result.channels = channels as Channel[];
    if (channels.length === 1) result.channel = channels[0] as Channel;
  }
  if (whereText !== undefined) {
    result.where = compileConditionField('when (where)', whereText, baseCurrency, fail);
    checkRoots('when (where)', result.where, INTERACTION_EVENT_FIELDS, fail);
    checkTypes('when (where)', result.where, EVENT_SCHEMA, fail);
  }
  return result;
}

function unique(items: string[]): string[] {
  return [...new Set(items.filter((item) => item !== ''))];
}

/** A text, or a list of texts that must all hold; yields [field name, text] with lists counted from 1. */
function textItems(field: string, value: unknown, example: string, fail: Fail): [string, string][] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.trim() === '' ? [] : [[field, value]];
  if (!Array.isArray(value)) return fail(field, `must be a text or a list of texts, e.g. ${example}`);
  return value.map((item, index): [string, string] => {
    const name = `${field}[${index + 1}]`;
    if (typeof item !== 'string' || item.trim() === '') return fail(name, `must be a text, e.g. ${example}`);
    return [name, item];
  });
}

function compileIf(value: unknown, baseCurrency: string, fail: Fail): CompiledCondition | undefined {
  const items = textItems('if', value, 'customer.tier == "platinum"', fail);
  if (items.length === 0) return undefined;
  const conditions = items.map(([field, text]) => {
    const condition = compileConditionField(field, text, baseCurrency, fail);
    checkRoots(field, condition, IF_ROOTS, fail);
    checkTypes(field, condition, IF_SCHEMAS, fail);
    return condition;
  });
  return allOf(conditions);
}

function compileHistory(
  value: unknown,
  mode: PolicyMode,
  baseCurrency: string,
  fail: Fail,
): { history: CompiledHistoryCondition[]; deferred: CompiledHistoryCondition[] } {
  const history: CompiledHistoryCondition[] = [];
  const deferred: CompiledHistoryCondition[] = [];
  for (const [field, text] of textItems('history', value, 'count complaint within 30d >= 2', fail)) {
    let condition: CompiledHistoryCondition;
    try {
      condition = compileHistoryCondition(text, { baseCurrency });
    } catch (error) {
      if (error instanceof HistoryConditionError) return fail(field, error.message);
      throw error;
    }
    if (condition.requirement.kind === 'absence') {
      // A lurking card has no triggering event to wait from.
      if (mode === 'lurking')
        fail(field, '"no <type> within <T>" waits after a triggering event; a lurking card has none');
      deferred.push(condition);
    } else {
      history.push(condition);
    }
  }
  return { history, deferred };
}

function compileConditionField(
  field: string,
  text: string,
  baseCurrency: string,
  fail: Fail,
): CompiledCondition {
  try {
    return compileCondition(text, { baseCurrency });
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

function checkTypes(field: string, condition: CompiledCondition, schemaOf: SchemaOf, fail: Fail): void {
  const problem = impossibleComparison(condition.comparisons, schemaOf);
  if (problem !== undefined) fail(field, problem);
}

function compileThen(then: unknown, fail: Fail): PolicyAction[] {
  const example = 'web-offer mortgage to web within 30d';
  let parts: [string, string][];
  if (Array.isArray(then)) {
    parts = textItems('then', then, example, fail);
  } else if (typeof then === 'string') {
    const split = then.split(';').map((part) => part.trim());
    parts = split.map((part, index) => [split.length > 1 ? `then[${index + 1}]` : 'then', part]);
  } else {
    parts = [];
  }
  if (parts.length === 0 || (parts.length === 1 && parts[0][1] === '')) {
    return fail('then', `needs at least one action like "${example}"`);
  }
  return parts.map(([field, text]) => {
    const part = text.trim();
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

function compileLimits(limits: unknown, actions: PolicyAction[], fail: Fail): CompiledPolicy['limits'] {
  const result: CompiledPolicy['limits'] = {};
  if (limits === undefined || limits === null) return result;
  if (typeof limits !== 'object' || Array.isArray(limits)) {
    return fail('limits', 'must be { per-customer: "1 per 7d", global: "200 per day" }');
  }
  for (const [key, value] of Object.entries(limits)) {
    const field = `limits.${key}`;
    if (!LIMIT_KEYS.includes(key)) fail(field, `unknown limit (allowed: ${LIMIT_KEYS.join(', ')})`);
    if (key === 'per-customer') result.perCustomer = parseLimit(value, field, fail);
    else if (key === 'global') result.global = parseLimit(value, field, fail);
    else if (key === 'cooldown') result.cooldown = parseCooldown(value, field, fail);
    else result.perChannel = parsePerChannel(value, field, actions, fail);
  }
  return result;
}

const CLOSING_OUTCOMES: ResponseOutcome[] = ['accepted', 'converted'];
const DEFAULT_CLOSED_MS = 30 * 24 * 3_600_000;

/**
 * A lurking card is never fired, only shown: a cap would count nothing and never apply, so one is
 * refused rather than left to mislead. And a customer who took the offer is not offered it again
 * while it is valid (Pega suppresses an accepted proposition the same way).
 */
function closeLurkingOffers(limits: CompiledPolicy['limits'], actions: PolicyAction[], fail: Fail): void {
  const caps: [keyof CompiledPolicy['limits'], string][] = [
    ['perCustomer', 'per-customer'],
    ['perChannel', 'per-channel'],
    ['global', 'global'],
  ];
  for (const [key, name] of caps) {
    if (limits[key] !== undefined)
      fail(
        `limits.${name}`,
        'a lurking card takes no caps: showing its offer is counted nowhere, so a cap would never apply; use a cooldown such as "30d after reject"',
      );
  }
  if (limits.cooldown?.after.some((outcome) => CLOSING_OUTCOMES.includes(outcome))) return;
  const offer = actions.find((action) => action.offer !== undefined) ?? actions[0];
  const valid = offer?.withinMs !== undefined && offer.within !== undefined;
  limits.closed = {
    windowMs: valid ? (offer.withinMs as number) : DEFAULT_CLOSED_MS,
    after: CLOSING_OUTCOMES,
    text: `${valid ? (offer.within as string) : '30d'} after accepted or converted`,
  };
}

function parsePerChannel(
  value: unknown,
  field: string,
  actions: PolicyAction[],
  fail: Fail,
): Record<string, Limit> {
  const targets = unique(actions.map((action) => action.to));
  const out: Record<string, Limit> = {};
  if (typeof value === 'string') {
    const limit = parseLimit(value, field, fail);
    for (const to of targets) out[to] = limit;
    return out;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(
      field,
      'must be a limit like "3 per 7d" for every channel, or { sms: "1 per 7d", web: "5 per day" }',
    );
  }
  for (const [to, text] of Object.entries(value)) {
    if (!targets.includes(to)) {
      fail(`${field}.${to}`, `the card does not act on "${to}" (its then goes to: ${targets.join(', ')})`);
    }
    out[to] = parseLimit(text, `${field}.${to}`, fail);
  }
  return out;
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

function parseCooldown(value: unknown, field: string, fail: Fail): Cooldown {
  const text = typeof value === 'string' ? value.trim().replace(/\s+/g, ' ') : '';
  const match = /^(.+?) after (?:an? )?(.+)$/.exec(text);
  if (!match) {
    return fail(
      field,
      `expected "<duration> after reject" like "30d after reject", got ${JSON.stringify(value)}`,
    );
  }
  let windowMs = 0;
  try {
    windowMs = parseDuration(match[1]);
  } catch (error) {
    fail(field, (error as Error).message);
  }
  const after: ResponseOutcome[] = [];
  for (const word of match[2].split(LIST_SEPARATOR)) {
    const outcome = OUTCOME_WORDS[word];
    if (!outcome) {
      fail(field, `"${word}" is not a response (use reject, decline, ignore, accept or click)`);
    }
    if (!after.includes(outcome)) after.push(outcome);
  }
  return { windowMs, after, text };
}
