import type { InteractionEvent } from '../../../mappings/canonical/types';
import type { HistoryEntry, PolicyStateStore } from '../../../records/store';
import {
  compileHistoryCondition,
  historyNeeds,
  InMemoryHistory,
  type HistoryNeeds,
} from '../../../policies/history';
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
    releaseCaps: unused,
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

  it('keeps events in time order whatever order they arrive in, and reads them back the same', async () => {
    const store = historyStore();
    const history = new StoredHistory({ store, needs, responseRetentionMs: () => DAY });
    await history.record(event('w3', 'withdrawal', T0 + 3000, 3), T0 + 3000);
    await history.record(event('w1', 'withdrawal', T0 + 1000, 1), T0 + 3000);
    await history.record(event('d2', 'deposit', T0 + 2000), T0 + 3000);
    await history.record(event('w2', 'withdrawal', T0 + 2000, 2), T0 + 3000);
    const expectWindows = (view: ReturnType<StoredHistory['view']>) => {
      expect(view.times('withdrawal', -Infinity, Infinity)).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
      expect(view.times('deposit', -Infinity, Infinity)).toEqual([T0 + 2000]);
      // (after, until]: the event at `after` is out, the one at `until` in
      expect(view.count('withdrawal', T0 + 1000, T0 + 2000)).toBe(1);
      expect(view.sum('withdrawal', 'data.amount', T0 + 1000, T0 + 3000)).toBe(5);
      expect(view.lastAt('withdrawal', T0 + 2999)).toBe(T0 + 2000);
      expect(view.lastAt('withdrawal', T0 + 999)).toBeUndefined();
    };
    expectWindows(history.view('c1'));
    const again = new StoredHistory({ store, needs, responseRetentionMs: () => DAY });
    await again.load('c1', T0 + 3000);
    expectWindows(again.view('c1'));
  });

  it('holds a redelivered event once even when the store calls every append new', async () => {
    const store = historyStore();
    const history = new StoredHistory({
      store: { ...store, appendHistory: async (entry) => (await store.appendHistory(entry)) || true },
      needs,
      responseRetentionMs: () => DAY,
    });
    const withdrawal = event('w1', 'withdrawal', T0, 100);
    // both deliveries pass load() before either is appended
    expect(await Promise.all([history.record(withdrawal, T0), history.record(withdrawal, T0)])).toEqual([
      true,
      true,
    ]);
    await history.record(event('w2', 'withdrawal', T0, 50), T0);
    const view = history.view('c1');
    expect(view.count('withdrawal', T0 - DAY, T0)).toBe(2);
    expect(view.sum('withdrawal', 'data.amount', T0 - DAY, T0)).toBe(150);
  });

  it('takes in an event another instance appended after this one read the customer', async () => {
    const store = historyStore();
    const history = new StoredHistory({ store, needs, responseRetentionMs: () => DAY });
    await history.record(event('w1', 'withdrawal', T0, 10), T0);
    // the other instance's append, straight to the shared store
    await store.appendHistory({
      customerRef: 'c1',
      eventId: 'w2',
      type: 'withdrawal',
      occurredAt: new Date(T0 + 1000).toISOString(),
      values: { 'data.amount': 20 },
    });
    // the same event reaches this instance too: the store has it, the hot window not yet
    expect(await history.record(event('w2', 'withdrawal', T0 + 1000, 20), T0 + 1000)).toBe(false);
    expect(history.view('c1').sum('withdrawal', 'data.amount', T0 - DAY, T0 + 1000)).toBe(30);
  });

  it('answers a view made before later events with those events too', async () => {
    const history = new StoredHistory({ store: historyStore(), needs, responseRetentionMs: () => DAY });
    await history.record(event('w1', 'withdrawal', T0, 10), T0);
    const view = history.view('c1');
    await history.record(event('w2', 'withdrawal', T0 + 1000, 20), T0 + 1000);
    await history.recordResponse('c1', 'r1', { policyId: 'p', outcome: 'accepted' }, T0 + 1000, T0 + 1000);
    expect(view.count('withdrawal', T0 - DAY, T0 + 1000)).toBe(2);
    expect(view.lastResponseAt('p', ['rejected', 'accepted'], T0 + 1000)).toBe(T0 + 1000);
    expect(view.lastResponseAt('q', ['accepted'], T0 + 1000)).toBeUndefined();
    expect(() => history.view('c2')).toThrow(/c2 is not loaded/);
  });

  it('judges every kind of history condition as the history that keeps every event does', async () => {
    const conditions = [
      'count withdrawal within 3d >= 2',
      'sum withdrawal.data.amount within 2d > 150',
      'deposit then transfer within 1d',
      'transfer then transfer within 12h',
      'no deposit within 1d',
    ].map((text) => compileHistoryCondition(text));
    const history = new StoredHistory({
      store: historyStore(),
      needs: () => historyNeeds(conditions),
      responseRetentionMs: () => DAY,
    });
    const everything = new InMemoryHistory();
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const types = ['withdrawal', 'deposit', 'transfer', 'login'];
    let at = T0;
    const differences: unknown[] = [];
    const held = new Map<string, number>();
    // a sequence that does not hold names the last A and B, which only the full history still has
    const comparable = (kind: string, check: { held: boolean }) =>
      JSON.stringify(kind === 'sequence' && !check.held ? check.held : check);
    for (let i = 0; i < 400; i++) {
      at += Math.floor(random() * 8 * 3_600_000);
      const e = event(`e${i}`, types[Math.floor(random() * types.length)], at, Math.round(random() * 100));
      await history.record(e, at);
      everything.record(e);
      // a wait is judged when it is due: triggered a day ago
      for (const condition of conditions) {
        const ours = condition.check(history.view('c1'), at, at - DAY);
        const all = condition.check(everything.view('c1'), at, at - DAY);
        const kind = condition.requirement.kind;
        if (comparable(kind, ours) !== comparable(kind, all))
          differences.push([i, condition.source, ours, all]);
        if (ours.held) held.set(condition.source, (held.get(condition.source) ?? 0) + 1);
      }
    }
    expect(differences).toEqual([]);
    // each condition held now and then, and not always
    for (const { source } of conditions) expect(held.get(source)).toBeGreaterThan(10);
    for (const { source } of conditions) expect(held.get(source)).toBeLessThan(390);
  });

  it('drops what left its window of every type when an event comes, and keeps types no card reads now', async () => {
    let current: HistoryNeeds = needs();
    const history = new StoredHistory({
      store: historyStore(),
      needs: () => current,
      responseRetentionMs: () => DAY,
    });
    await history.record(event('d1', 'deposit', T0), T0);
    await history.record(event('w1', 'withdrawal', T0, 10), T0);
    await history.recordResponse('c1', 'r1', { policyId: 'p', outcome: 'rejected' }, T0, T0);
    // the deposit card is gone for now: its events stay, for when it comes back
    current = {
      retentionMs: { withdrawal: 7 * DAY },
      sumFields: { withdrawal: ['data.amount'] },
      timestamps: [],
    };
    await history.record(event('w2', 'withdrawal', T0 + 3 * DAY, 20), T0 + 3 * DAY);
    const view = history.view('c1');
    expect(view.count('deposit', -Infinity, Infinity)).toBe(1);
    expect(view.lastResponseAt('p', ['rejected'], Infinity)).toBeUndefined();
    expect(view.sum('withdrawal', 'data.amount', -Infinity, Infinity)).toBe(30);
    await history.record(event('w3', 'withdrawal', T0 + 7 * DAY, 40), T0 + 7 * DAY);
    expect(view.times('withdrawal', -Infinity, Infinity)).toEqual([T0 + 3 * DAY, T0 + 7 * DAY]);
  });
});
