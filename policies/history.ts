/**
 * History conditions: what the customer did before, over rolling windows.
 *
 *   count complaint within 30d >= 2            how many events of a type in the last 30 days
 *   sum withdrawal.amount within 7d > 20000    the total of a field over them (money counts as its value,
 *                                              only in the threshold's currency: `> 20000 CHF`, else the
 *                                              base currency; amounts in others are left out, named)
 *   address-changed then web-visit within 7d   an A and, at most 7 days later, a B; the B in the last 7d
 *   no complaint-answered within 2d            after the triggering event, no B for 2 days: the card
 *                                              waits, and fires when the time has passed
 *
 * Each condition compiles to a declarative requirement (which event types, which windows, which kind)
 * for whoever keeps the history, and to a synchronous predicate over a HistoryView of one customer.
 * Windows are half-open, (now - T, now]: an event exactly T ago has left the window, like the caps.
 */
import { compileGetter, parsePath } from '../mappings/path';
import { INTERACTION_EVENT_FIELDS, RESPONSE_OUTCOMES } from '../mappings/canonical/types';
import { fieldSchema } from '../mappings/schema-paths';
import { parseDuration } from './duration';
import type { Check } from './expression';
import { amountOf, DEFAULT_BASE_CURRENCY, isCurrencyCode, type MoneyCheck } from './money';

export type ResponseOutcome = (typeof RESPONSE_OUTCOMES)[number];

/**
 * One customer's history, as the engine reads it. The triggering event is already in it (the state
 * layer writes an event before the engine evaluates it), so "the second complaint within 30 days" is
 * `count complaint within 30d >= 2` on the second complaint. Ranges are (afterMs, untilMs].
 */
/** Which amounts a sum adds: those in `currency`, where one without a currency is in `base`. */
export interface SumCurrency {
  currency: string;
  base: string;
}

export interface HistoryView {
  count(type: string, afterMs: number, untilMs: number): number;
  /**
   * The numeric field summed over the events of the range; a money object counts as its value. With
   * `in`, only the amounts in that currency; without, every one (a field that is no money).
   */
  sum(type: string, field: string, afterMs: number, untilMs: number, within?: SumCurrency): number;
  /** the amounts of the range a sum in `within.currency` leaves out, totalled per currency */
  leftOut(
    type: string,
    field: string,
    afterMs: number,
    untilMs: number,
    within: SumCurrency,
  ): Record<string, number>;
  /** the times of the events of the range, oldest first (for sequences) */
  times(type: string, afterMs: number, untilMs: number): readonly number[];
  /** the time of the latest event of the type at or before untilMs */
  lastAt(type: string, untilMs: number): number | undefined;
  /** when the customer last answered an action of the policy with one of the outcomes (for cooldowns) */
  lastResponseAt(policyId: string, outcomes: readonly ResponseOutcome[], untilMs: number): number | undefined;
}

export type HistoryRequirement =
  | { kind: 'count'; eventType: string; windowMs: number }
  /** currency: the threshold's, as written or the base currency */
  | { kind: 'sum'; eventType: string; field: string; windowMs: number; currency: string }
  /** both types are needed for up to 2 × windowMs: the A may precede a B at the window's far edge */
  | { kind: 'sequence'; first: string; then: string; windowMs: number }
  /** measured from the triggering event forward, not backward from now */
  | { kind: 'absence'; eventType: string; windowMs: number };

export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';

export interface CompiledHistoryCondition {
  /** as written */
  source: string;
  requirement: HistoryRequirement;
  /**
   * Backward-looking conditions are judged at now. An absence is judged over (triggeredAtMs,
   * triggeredAtMs + T] and only holds once now has reached the end of that time.
   */
  check(view: HistoryView, nowMs: number, triggeredAtMs?: number): Check;
  test(view: HistoryView, nowMs: number, triggeredAtMs?: number): boolean;
}

/** How long each event type must be kept, and which fields summed, for a set of history conditions. */
export interface HistoryNeeds {
  /** event type -> the longest time back any condition looks */
  retentionMs: Record<string, number>;
  /** event type -> the fields some condition sums */
  sumFields: Record<string, string[]>;
  /** event types whose single event times are needed (sequences), not only counts per window */
  timestamps: string[];
}

export class HistoryConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryConditionError';
  }
}

const TYPE = '[a-z0-9]+(?:-[a-z0-9]+)*';
const WITHIN = 'within\\s+(.+?)';
const COMPARE = '(>=|<=|==|!=|>|<)\\s*(-?\\d[\\d_]*(?:\\.\\d+)?)(?:\\s+([A-Za-z]{3}))?';
const COUNT = new RegExp(`^count\\s+(${TYPE})\\s+${WITHIN}\\s+${COMPARE}$`);
const SUM = new RegExp(`^sum\\s+(${TYPE})\\.(\\S+)\\s+${WITHIN}\\s+${COMPARE}$`);
const SEQUENCE = new RegExp(`^(${TYPE})\\s+then\\s+(${TYPE})\\s+${WITHIN}$`);
const ABSENCE = new RegExp(`^no\\s+(${TYPE})\\s+${WITHIN}$`);
const FORMS =
  '"count <type> within <T> >= <n>", "sum <type>.<field> within <T> > <n> [<currency>]", ' +
  '"<type> then <type> within <T>" or "no <type> within <T>"';

export interface HistoryConditionOptions {
  /** the currency of a sum's threshold that names none; EUR when left out */
  baseCurrency?: string;
}

export function compileHistoryCondition(
  text: string,
  options: HistoryConditionOptions = {},
): CompiledHistoryCondition {
  const source = String(text).trim().replace(/\s+/g, ' ');
  const base = options.baseCurrency ?? DEFAULT_BASE_CURRENCY;
  let match = COUNT.exec(source);
  if (match) {
    const [, eventType, within, op, number, currency] = match;
    if (currency !== undefined)
      throw new HistoryConditionError(`"${source}": a count is a number of events, it takes no currency`);
    const windowMs = duration(within);
    const limit = threshold(number);
    return aggregate(source, { kind: 'count', eventType, windowMs }, op as Comparison, limit, (view, now) =>
      view.count(eventType, now - windowMs, now),
    );
  }
  match = SUM.exec(source);
  if (match) {
    const [, eventType, field, within, op, number, written] = match;
    checkField(field);
    const windowMs = duration(within);
    const limit = threshold(number);
    const currency = written === undefined ? base : currencyCode(written);
    const sumCurrency: SumCurrency = { currency, base };
    const compiled = aggregate(
      source,
      { kind: 'sum', eventType, field, windowMs, currency },
      op as Comparison,
      limit,
      (view, now) => view.sum(eventType, field, now - windowMs, now, sumCurrency),
    );
    // Money speaks of its currency in an explanation, and so does a threshold that names one.
    const speaks = written !== undefined || isMoneyField(field);
    return {
      ...compiled,
      check: (view, nowMs) => {
        const check = compiled.check(view, nowMs);
        const leftOut = view.leftOut(eventType, field, nowMs - windowMs, nowMs, sumCurrency);
        const money: MoneyCheck = { currency, threshold: currency };
        if (Object.keys(leftOut).length > 0) money.leftOut = leftOut;
        return speaks || money.leftOut ? { ...check, money } : check;
      },
    };
  }
  match = SEQUENCE.exec(source);
  if (match) {
    const [, first, then, within] = match;
    return sequence(source, first, then, duration(within));
  }
  match = ABSENCE.exec(source);
  if (match) {
    const [, eventType, within] = match;
    return absence(source, eventType, duration(within));
  }
  if (/^(count|sum)\s/.test(source) && !/\swithin\s/.test(source)) {
    throw new HistoryConditionError(`"${source}" needs a window: "... within 30d ..."`);
  }
  throw new HistoryConditionError(`expected ${FORMS}, got "${source}"`);
}

/** The union of what a set of conditions needs kept, per event type. */
export function historyNeeds(conditions: readonly CompiledHistoryCondition[]): HistoryNeeds {
  const needs: HistoryNeeds = { retentionMs: {}, sumFields: {}, timestamps: [] };
  const keep = (type: string, ms: number) => {
    needs.retentionMs[type] = Math.max(needs.retentionMs[type] ?? 0, ms);
  };
  for (const { requirement: r } of conditions) {
    if (r.kind === 'sequence') {
      keep(r.first, 2 * r.windowMs);
      keep(r.then, r.windowMs);
      for (const type of [r.first, r.then]) if (!needs.timestamps.includes(type)) needs.timestamps.push(type);
    } else {
      keep(r.eventType, r.windowMs);
    }
    if (r.kind === 'sum') {
      const fields = (needs.sumFields[r.eventType] ??= []);
      if (!fields.includes(r.field)) fields.push(r.field);
    }
  }
  return needs;
}

function duration(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new HistoryConditionError(`within: ${(error as Error).message}`);
  }
}

function threshold(text: string): number {
  if (/_$|__|_\./.test(text)) throw new HistoryConditionError(`misplaced "_" in number ${text}`);
  return Number(text.replace(/_/g, ''));
}

function currencyCode(code: string): string {
  if (!isCurrencyCode(code))
    throw new HistoryConditionError(
      `unknown currency "${code}": expected an ISO 4217 code in capitals like EUR, USD, JPY`,
    );
  return code;
}

/** whether the canonical event schema says the field is money ({value, currency}) */
function isMoneyField(field: string): boolean {
  const node = fieldSchema('interaction-event', parsePath(field));
  const properties = node?.properties as Record<string, unknown> | undefined;
  return node?.type === 'object' && properties?.value !== undefined && properties.currency !== undefined;
}

function checkField(field: string): void {
  let segments;
  try {
    segments = parsePath(field);
  } catch (error) {
    throw new HistoryConditionError((error as Error).message);
  }
  const root = String(segments[0]);
  if (!(INTERACTION_EVENT_FIELDS as readonly string[]).includes(root)) {
    throw new HistoryConditionError(
      `"${field}" is not an event field (fields start with one of: ${INTERACTION_EVENT_FIELDS.join(', ')})`,
    );
  }
}

function compare(op: Comparison, actual: number, limit: number): boolean {
  switch (op) {
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}

function aggregate(
  source: string,
  requirement: HistoryRequirement,
  op: Comparison,
  limit: number,
  measure: (view: HistoryView, nowMs: number) => number,
): CompiledHistoryCondition {
  return {
    source,
    requirement,
    test: (view, nowMs) => compare(op, measure(view, nowMs), limit),
    check: (view, nowMs) => {
      const actual = measure(view, nowMs);
      return { condition: source, held: compare(op, actual, limit), actual };
    },
  };
}

function sequence(source: string, first: string, then: string, windowMs: number): CompiledHistoryCondition {
  const find = (view: HistoryView, nowMs: number): [number, number] | undefined => {
    const bs = view.times(then, nowMs - windowMs, nowMs);
    if (bs.length === 0) return undefined;
    if (first === then) {
      // Two distinct events of one type: a consecutive pair is the closest one can be.
      const all = view.times(first, nowMs - 2 * windowMs, nowMs);
      for (let i = all.length - 1; i > 0 && all[i] > nowMs - windowMs; i--) {
        if (all[i] - all[i - 1] <= windowMs) return [all[i - 1], all[i]];
      }
      return undefined;
    }
    const as = view.times(first, nowMs - 2 * windowMs, nowMs);
    // Latest B first: the freshest pattern is the one an explanation should show.
    for (let j = bs.length - 1; j >= 0; j--) {
      const a = latestAtOrBefore(as, bs[j]);
      if (a !== undefined && bs[j] - a <= windowMs) return [a, bs[j]];
    }
    return undefined;
  };
  return {
    source,
    requirement: { kind: 'sequence', first, then, windowMs },
    test: (view, nowMs) => find(view, nowMs) !== undefined,
    check: (view, nowMs) => {
      const pair = find(view, nowMs);
      const actual = pair
        ? {
            [first === then ? `${first} (1)` : first]: iso(pair[0]),
            [first === then ? `${then} (2)` : then]: iso(pair[1]),
          }
        : {
            [`last ${first}`]: iso(view.lastAt(first, nowMs)),
            [`last ${then}`]: iso(view.lastAt(then, nowMs)),
          };
      return { condition: source, held: pair !== undefined, actual };
    },
  };
}

function absence(source: string, eventType: string, windowMs: number): CompiledHistoryCondition {
  const judge = (view: HistoryView, nowMs: number, triggeredAtMs: number | undefined): [boolean, unknown] => {
    if (triggeredAtMs === undefined) return [false, 'no triggering event to measure from'];
    const dueMs = triggeredAtMs + windowMs;
    const seen = view.count(eventType, triggeredAtMs, Math.min(nowMs, dueMs));
    if (seen > 0) return [false, seen];
    if (nowMs < dueMs) return [false, `waiting until ${iso(dueMs)}`];
    return [true, 0];
  };
  return {
    source,
    requirement: { kind: 'absence', eventType, windowMs },
    test: (view, nowMs, triggeredAtMs) => judge(view, nowMs, triggeredAtMs)[0],
    check: (view, nowMs, triggeredAtMs) => {
      const [held, actual] = judge(view, nowMs, triggeredAtMs);
      return { condition: source, held, actual };
    },
  };
}

function latestAtOrBefore(sorted: readonly number[], limit: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : sorted[lo - 1];
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

interface Recorded {
  at: number;
  event: unknown;
}

/**
 * Histories kept in memory, one per customer: for tests and dry-runs, which replay recorded events.
 * It keeps every event it is given; the store-backed history keeps only what HistoryNeeds asks for.
 */
export class InMemoryHistory {
  private readonly events = new Map<string, Map<string, Recorded[]>>();
  private readonly responses = new Map<
    string,
    { policyId: string; outcome: ResponseOutcome; at: number }[]
  >();
  private readonly getters = new Map<string, (event: unknown) => unknown>();

  /** An interaction event: its customer.ref, type and occurredAt place it. */
  record(event: { type: string; occurredAt: string; customer: { ref: string } }): void {
    const at = Date.parse(event.occurredAt);
    if (Number.isNaN(at))
      throw new Error(`InMemoryHistory.record: occurredAt "${event.occurredAt}" is not a time`);
    const byType = this.events.get(event.customer.ref) ?? new Map<string, Recorded[]>();
    this.events.set(event.customer.ref, byType);
    const list = byType.get(event.type) ?? [];
    byType.set(event.type, list);
    insertSorted(list, { at, event }, (item) => item.at);
  }

  recordResponse(customerRef: string, policyId: string, outcome: ResponseOutcome, at: number): void {
    const list = this.responses.get(customerRef) ?? [];
    this.responses.set(customerRef, list);
    insertSorted(list, { policyId, outcome, at }, (item) => item.at);
  }

  view(customerRef: string): HistoryView {
    const of = (type: string, afterMs: number, untilMs: number): Recorded[] =>
      (this.events.get(customerRef)?.get(type) ?? []).filter(
        (item) => item.at > afterMs && item.at <= untilMs,
      );
    return {
      count: (type, afterMs, untilMs) => of(type, afterMs, untilMs).length,
      sum: (type, field, afterMs, untilMs, within) => {
        const get = this.getter(field);
        let total = 0;
        for (const item of of(type, afterMs, untilMs)) {
          const amount = amountOf(get(item.event));
          if (!amount || !Number.isFinite(amount.value)) continue;
          if (!within || (amount.currency ?? within.base) === within.currency) total += amount.value;
        }
        return total;
      },
      leftOut: (type, field, afterMs, untilMs, within) => {
        const get = this.getter(field);
        const out: Record<string, number> = {};
        for (const item of of(type, afterMs, untilMs)) {
          const amount = amountOf(get(item.event));
          if (!amount || !Number.isFinite(amount.value)) continue;
          const currency = amount.currency ?? within.base;
          if (currency !== within.currency) out[currency] = (out[currency] ?? 0) + amount.value;
        }
        return out;
      },
      times: (type, afterMs, untilMs) => of(type, afterMs, untilMs).map((item) => item.at),
      lastAt: (type, untilMs) => of(type, -Infinity, untilMs).at(-1)?.at,
      lastResponseAt: (policyId, outcomes, untilMs) =>
        (this.responses.get(customerRef) ?? [])
          .filter(
            (item) => item.policyId === policyId && outcomes.includes(item.outcome) && item.at <= untilMs,
          )
          .at(-1)?.at,
    };
  }

  private getter(field: string): (event: unknown) => unknown {
    let get = this.getters.get(field);
    if (!get) {
      get = compileGetter(field);
      this.getters.set(field, get);
    }
    return get;
  }
}

function insertSorted<T>(list: T[], item: T, at: (item: T) => number): void {
  let index = list.length;
  while (index > 0 && at(list[index - 1]) > at(item)) index--;
  list.splice(index, 0, item);
}
