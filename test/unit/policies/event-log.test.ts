import type { HistoryEntry } from '../../../records/store';
import {
  EMPTY_LOG,
  EventKinds,
  EventLogView,
  holdsRecord,
  logWith,
  recordOf,
  type EventLog,
} from '../../../policies/event-log';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const keepAll = () => true;

function entry(eventId: string, type: string, atMs: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return { customerRef: 'c1', eventId, type, occurredAt: new Date(atMs).toISOString(), ...extra };
}

describe('the packed event log', () => {
  it('packs each entry with its summed values or its answer, and reads them back through a view', () => {
    const kinds = new EventKinds();
    const entries = [
      entry('w1', 'withdrawal', T0, { values: { 'data.amount': 100, 'data.fee': 2 } }),
      entry('w2', 'withdrawal', T0 + 1, { values: { 'data.amount': 50 } }),
      entry('l1', 'login', T0 + 2),
      entry('r1', 'response', T0 + 3, { response: { policyId: 'p', outcome: 'declined' } }),
      entry('r2', 'response', T0 + 4, { response: { policyId: 'q', outcome: 'accepted' } }),
    ];
    const log = logWith(
      EMPTY_LOG,
      kinds,
      entries.map((e) => recordOf(e, kinds)),
      keepAll,
    );
    // 3 numbers a record, and one per summed value
    expect(log).toHaveLength(5 * 3 + 3);
    expect(log.every((n) => typeof n === 'number')).toBe(true);
    const view = new EventLogView(kinds, () => log);
    expect(view.sum('withdrawal', 'data.amount', -Infinity, Infinity)).toBe(150);
    expect(view.sum('withdrawal', 'data.fee', -Infinity, Infinity)).toBe(2);
    expect(view.sum('login', 'data.amount', -Infinity, Infinity)).toBe(0);
    expect(view.count('login', -Infinity, Infinity)).toBe(1);
    expect(view.count('response', -Infinity, Infinity)).toBe(2);
    expect(view.lastResponseAt('p', ['declined'], Infinity)).toBe(T0 + 3);
    expect(view.lastResponseAt('p', ['accepted'], Infinity)).toBeUndefined();
    expect(view.lastResponseAt('q', ['declined', 'accepted'], T0 + 3)).toBeUndefined();
    expect(view.lastResponseAt('q', ['declined', 'accepted'], T0 + 4)).toBe(T0 + 4);
    // one kind per type and set of fields, and per policy and outcome
    expect(kinds.codeOf('withdrawal', ['data.amount'])).toBe(log[3 + 2 + 1]);
    expect(kinds.get(log[1])).toEqual({ type: 'withdrawal', fields: ['data.amount', 'data.fee'] });
  });

  it('adds in time order after records of the same time, and keeps only what `keep` accepts', () => {
    const kinds = new EventKinds();
    const at = (e: HistoryEntry) => recordOf(e, kinds);
    let log: EventLog = logWith(
      EMPTY_LOG,
      kinds,
      [at(entry('b', 'x', T0 + 10)), at(entry('a', 'x', T0))],
      keepAll,
    );
    log = logWith(log, kinds, [at(entry('c', 'y', T0 + 10))], keepAll);
    log = logWith(log, kinds, [at(entry('d', 'x', T0 + 5))], keepAll);
    const view = new EventLogView(kinds, () => log);
    expect(view.times('x', -Infinity, Infinity)).toEqual([T0, T0 + 5, T0 + 10]);
    expect(view.lastAt('y', Infinity)).toBe(T0 + 10);
    expect(holdsRecord(log, kinds, at(entry('c', 'y', T0 + 10)))).toBe(true);
    expect(holdsRecord(log, kinds, at(entry('e', 'y', T0 + 10)))).toBe(false);
    // the records of one time stay in the order they came: the x at T0 + 10 first
    expect(log.slice(-6).filter((_, i) => i % 3 === 1)).toEqual([
      kinds.codeOf('x', []),
      kinds.codeOf('y', []),
    ]);
    const older = logWith(
      log,
      kinds,
      [at(entry('f', 'y', T0 + 1))],
      (kind, ms) => kind.type === 'y' || ms > T0,
    );
    const kept = new EventLogView(kinds, () => older);
    expect(kept.times('x', -Infinity, Infinity)).toEqual([T0 + 5, T0 + 10]);
    expect(kept.times('y', -Infinity, Infinity)).toEqual([T0 + 1, T0 + 10]);
    expect(logWith(log, kinds, [], () => false)).toBe(EMPTY_LOG);
  });
});
