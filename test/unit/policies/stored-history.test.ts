import type { InteractionEvent } from '../../../mappings/canonical/types';
import type { HistoryEntry, PolicyStateStore } from '../../../records/store';
import { StoredHistory } from '../../../policies/stored-history';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');

/** keeps the history it is given; nothing else */
function historyStore(): PolicyStateStore & { entries: HistoryEntry[] } {
  const entries: HistoryEntry[] = [];
  const unused = () => Promise.reject(new Error('not used'));
  return {
    entries,
    appendHistory: async (entry) => {
      if (entries.some((e) => e.customerRef === entry.customerRef && e.eventId === entry.eventId))
        return false;
      entries.push(structuredClone(entry));
      return true;
    },
    listHistory: async (ref, since) =>
      entries
        .filter((e) => e.customerRef === ref && Date.parse(e.occurredAt) > Date.parse(since))
        .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt)),
    takeCaps: unused,
    countCap: unused,
    putWait: unused,
    claimDueWaits: unused,
    completeWait: unused,
  };
}

function event(eventId: string, type: string, atMs: number, amount?: number): InteractionEvent {
  return {
    eventId,
    schemaVersion: '1.0',
    type,
    occurredAt: new Date(atMs).toISOString(),
    channel: 'web',
    source: { system: 'web' },
    customer: { ref: 'c1', identifiers: [] },
    data: amount === undefined ? {} : { amount },
  } as unknown as InteractionEvent;
}

describe('StoredHistory', () => {
  const needs = () => ({
    retentionMs: { withdrawal: 7 * DAY, deposit: 2 * DAY },
    sumFields: { withdrawal: ['data.amount'] },
    timestamps: ['deposit'],
  });

  it('keeps the first event of a customer the store knows nothing about, and every later one', async () => {
    const history = new StoredHistory({ store: historyStore(), needs, responseRetentionMs: () => DAY });
    expect(await history.record(event('e1', 'withdrawal', T0, 100), T0)).toBe(true);
    expect(history.view('c1').count('withdrawal', T0 - DAY, T0)).toBe(1);
    await history.record(event('e2', 'deposit', T0 + 1000), T0 + 1000);
    await history.record(event('e3', 'withdrawal', T0 + 2000, 250.5), T0 + 2000);
    await history.record(event('e3', 'withdrawal', T0 + 2000, 250.5), T0 + 2000);
    await history.record(event('e4', 'login', T0 + 3000), T0 + 3000);
    const view = history.view('c1');
    expect(view.count('withdrawal', T0 - DAY, T0 + 2000)).toBe(2);
    expect(view.sum('withdrawal', 'data.amount', T0 - DAY, T0 + 2000)).toBe(350.5);
    expect(view.sum('withdrawal', 'data.other', T0 - DAY, T0 + 2000)).toBe(0);
    expect(view.sum('deposit', 'data.amount', T0 - DAY, T0 + 2000)).toBe(0);
    expect(view.times('withdrawal', T0, T0 + 2000)).toEqual([T0 + 2000]);
    expect(view.lastAt('deposit', T0 + 5000)).toBe(T0 + 1000);
    expect(view.lastAt('login', T0 + 5000)).toBeUndefined();
  });

  it('drops what left the window and reads the same window back from the store', async () => {
    const store = historyStore();
    const history = new StoredHistory({ store, needs, responseRetentionMs: () => DAY });
    await history.record(event('d1', 'deposit', T0), T0);
    await history.record(event('w1', 'withdrawal', T0, 10), T0);
    await history.record(event('d2', 'deposit', T0 + 3 * DAY), T0 + 3 * DAY);
    await history.recordResponse(
      'c1',
      'r1',
      { policyId: 'p', outcome: 'rejected' },
      T0 + 3 * DAY,
      T0 + 3 * DAY,
    );
    const view = history.view('c1');
    expect(view.count('deposit', -Infinity, Infinity)).toBe(1);
    expect(view.sum('withdrawal', 'data.amount', -Infinity, Infinity)).toBe(10);
    expect(view.lastResponseAt('p', ['rejected'], T0 + 3 * DAY)).toBe(T0 + 3 * DAY);
    expect(view.lastResponseAt('p', ['accepted'], T0 + 3 * DAY)).toBeUndefined();
    const again = new StoredHistory({ store, needs, responseRetentionMs: () => DAY });
    await again.load('c1', T0 + 3 * DAY);
    const reread = again.view('c1');
    expect(reread.count('deposit', -Infinity, Infinity)).toBe(1);
    expect(reread.sum('withdrawal', 'data.amount', -Infinity, Infinity)).toBe(10);
    expect(reread.lastResponseAt('p', ['rejected'], T0 + 3 * DAY)).toBe(T0 + 3 * DAY);
  });
});
