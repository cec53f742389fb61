/**
 * One customer's kept events in the hot history (StoredHistory), packed into a single array of numbers.
 * A million customers then cost a million small arrays, not tens of millions of entry objects, date
 * strings, event ids, Maps and Sets. Records follow one another, oldest first:
 *
 *   [atMs, kind, idHash, ...values]
 *
 * `kind` is a code in the EventKinds table of the history: the event type, the summed fields whose
 * values follow the header (one each, in order) and, for an answer to an action, its policy and
 * outcome. `idHash` stands in for the event id when telling a redelivered event from a new one.
 *
 * A log is never grown in place: V8 grows a pushed-to array by half its length plus 16 slots, which for
 * the one or two records most customers have would be most of its memory. Every change builds a new
 * array of the exact length, which is cheap for the few records a window holds.
 */
import type { HistoryEntry } from '../records/store';
import { idHash } from './compact-ids';
import type { HistoryView, ResponseOutcome, SumCurrency } from './history';

export type EventLog = readonly number[];

export const EMPTY_LOG: EventLog = Object.freeze([]);

const AT = 0;
const KIND = 1;
const ID = 2;
const HEADER = 3;

export interface EventKind {
  readonly type: string;
  /** the summed fields whose values a record of this kind carries, in order */
  readonly fields: readonly string[];
  /** set for a customer's answer to a policy's action */
  readonly response?: { readonly policyId: string; readonly outcome: string };
}

/** The kinds of records of one history; few (types × field sets, policies × outcomes), never dropped. */
export class EventKinds {
  private readonly kinds: EventKind[] = [];
  /** the record width per code, read for every record a scan passes */
  private readonly widths: number[] = [];
  private readonly codes = new Map<string, number>();

  codeOf(type: string, fields: readonly string[], response?: EventKind['response']): number {
    const name = response
      ? `answer\u001f${type}\u001f${response.policyId}\u001f${response.outcome}`
      : `event\u001f${type}\u001f${fields.join('\u001f')}`;
    let code = this.codes.get(name);
    if (code === undefined) {
      code = this.kinds.length;
      const kind: EventKind = response
        ? { type, fields: [], response: { policyId: response.policyId, outcome: response.outcome } }
        : { type, fields: [...fields] };
      this.kinds.push(kind);
      this.widths.push(HEADER + kind.fields.length);
      this.codes.set(name, code);
    }
    return code;
  }

  get(code: number): EventKind {
    return this.kinds[code];
  }

  width(code: number): number {
    return this.widths[code];
  }
}

/** The record of a history entry, as written to the store or read back from it. */
export function recordOf(entry: HistoryEntry, kinds: EventKinds): number[] {
  const values = entry.values ?? {};
  const fields = entry.response ? [] : Object.keys(values);
  const kind = kinds.codeOf(entry.type, fields, entry.response);
  const record = [Date.parse(entry.occurredAt), kind, idHash(entry.eventId)];
  for (const field of fields) {
    const value = values[field];
    record.push(Number.isFinite(value) ? value : 0);
  }
  return record;
}

/** whether the log holds a record with the id hash of `record` */
export function holdsRecord(log: EventLog, kinds: EventKinds, record: readonly number[]): boolean {
  for (let i = 0; i < log.length; i += kinds.width(log[i + KIND])) {
    if (log[i + ID] === record[ID]) return true;
  }
  return false;
}

/** which records stay: false for one that has left every window its kind is read over */
export type KeepRecord = (kind: EventKind, atMs: number) => boolean;

/**
 * A new log with `records` added in time order (after those of the same time) and only the records
 * `keep` accepts, the added ones included.
 */
export function logWith(
  log: EventLog,
  kinds: EventKinds,
  records: readonly (readonly number[])[],
  keep: KeepRecord,
): EventLog {
  // Stable, so records of one time keep their order: the store's, then arrival.
  const added = records.filter((r) => keep(kinds.get(r[KIND]), r[AT])).sort((a, b) => a[AT] - b[AT]);
  const kept: number[] = [];
  let length = 0;
  for (let i = 0; i < log.length; i += kinds.width(log[i + KIND])) {
    if (keep(kinds.get(log[i + KIND]), log[i + AT])) {
      kept.push(i);
      length += kinds.width(log[i + KIND]);
    }
  }
  for (const record of added) length += record.length;
  if (length === 0) return EMPTY_LOG;
  const out = new Array<number>(length);
  let o = 0;
  let next = 0;
  for (const start of kept) {
    for (; next < added.length && added[next][AT] < log[start + AT]; next++) o = copy(added[next], 0, out, o);
    const end = start + kinds.width(log[start + KIND]);
    for (let i = start; i < end; i++) out[o++] = log[i];
  }
  for (; next < added.length; next++) o = copy(added[next], 0, out, o);
  return out;
}

function copy(from: readonly number[], start: number, to: number[], at: number): number {
  for (let i = start; i < from.length; i++) to[at++] = from[i];
  return at;
}

/**
 * A HistoryView over the log `current()` returns: looked up at every call, so a view stays true to
 * events recorded (and logs read again) after it was made.
 */
export class EventLogView implements HistoryView {
  constructor(
    private readonly kinds: EventKinds,
    private readonly current: () => EventLog,
  ) {}

  count(type: string, afterMs: number, untilMs: number): number {
    const { kinds } = this;
    const log = this.current();
    let n = 0;
    for (let i = 0; i < log.length && log[i + AT] <= untilMs; i += kinds.width(log[i + KIND])) {
      if (log[i + AT] > afterMs && kinds.get(log[i + KIND]).type === type) n++;
    }
    return n;
  }

  /**
   * Values are kept under the field (no currency stated: the base currency) or `<field>@<currency>`
   * (stored-history.ts); a record holds one of them per field.
   */
  sum(type: string, field: string, afterMs: number, untilMs: number, within?: SumCurrency): number {
    const { kinds } = this;
    const log = this.current();
    const inCurrency = within ? `${field}@${within.currency}` : undefined;
    const plain = !within || within.currency === within.base;
    const prefix = `${field}@`;
    let total = 0;
    for (let i = 0; i < log.length && log[i + AT] <= untilMs; i += kinds.width(log[i + KIND])) {
      const kind = kinds.get(log[i + KIND]);
      if (log[i + AT] <= afterMs || kind.type !== type) continue;
      const { fields } = kind;
      for (let f = 0; f < fields.length; f++) {
        const name = fields[f];
        const counts =
          name === field ? plain : inCurrency === undefined ? name.startsWith(prefix) : name === inCurrency;
        if (counts) total += log[i + HEADER + f];
      }
    }
    return total;
  }

  leftOut(
    type: string,
    field: string,
    afterMs: number,
    untilMs: number,
    within: SumCurrency,
  ): Record<string, number> {
    const { kinds } = this;
    const log = this.current();
    const prefix = `${field}@`;
    const out: Record<string, number> = {};
    for (let i = 0; i < log.length && log[i + AT] <= untilMs; i += kinds.width(log[i + KIND])) {
      const kind = kinds.get(log[i + KIND]);
      if (log[i + AT] <= afterMs || kind.type !== type) continue;
      kind.fields.forEach((name, f) => {
        const currency =
          name === field ? within.base : name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
        if (currency !== undefined && currency !== within.currency)
          out[currency] = (out[currency] ?? 0) + log[i + HEADER + f];
      });
    }
    return out;
  }

  times(type: string, afterMs: number, untilMs: number): number[] {
    const { kinds } = this;
    const log = this.current();
    const out: number[] = [];
    for (let i = 0; i < log.length && log[i + AT] <= untilMs; i += kinds.width(log[i + KIND])) {
      if (log[i + AT] > afterMs && kinds.get(log[i + KIND]).type === type) out.push(log[i + AT]);
    }
    return out;
  }

  lastAt(type: string, untilMs: number): number | undefined {
    const { kinds } = this;
    const log = this.current();
    let last: number | undefined;
    for (let i = 0; i < log.length && log[i + AT] <= untilMs; i += kinds.width(log[i + KIND])) {
      if (kinds.get(log[i + KIND]).type === type) last = log[i + AT];
    }
    return last;
  }

  lastResponseAt(
    policyId: string,
    outcomes: readonly ResponseOutcome[],
    untilMs: number,
  ): number | undefined {
    const { kinds } = this;
    const log = this.current();
    let last: number | undefined;
    for (let i = 0; i < log.length && log[i + AT] <= untilMs; i += kinds.width(log[i + KIND])) {
      const response = kinds.get(log[i + KIND]).response;
      if (response?.policyId === policyId && (outcomes as readonly string[]).includes(response.outcome)) {
        last = log[i + AT];
      }
    }
    return last;
  }
}
