/**
 * The history the engine reads, kept hot in memory per customer and written through to the hub store:
 * it survives a restart, and hub instances on PostgreSQL share it. Evaluation stays synchronous because
 * a customer's window is loaded once, when the customer is first seen, and every later event is appended
 * to the store and to the hot copy before the engine looks at it.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import { compileGetter } from '../mappings/path';
import type { HistoryEntry, PolicyStateStore } from '../records/store';
import { moneyValue } from './expression';
import type { HistoryNeeds, HistoryView, ResponseOutcome } from './history';

export const RESPONSE_TYPE = 'response';

export interface StoredHistoryOptions {
  store: PolicyStateStore;
  /** which event types to keep, how long, and which fields to sum; asked at every write and load */
  needs: () => HistoryNeeds;
  /** how long answers to actions are kept (the longest cooldown) */
  responseRetentionMs: () => number;
}

interface Hot {
  /** event type -> entries, oldest first */
  byType: Map<string, HistoryEntry[]>;
  /** times in ms parallel to byType, so window scans do not parse dates */
  times: Map<string, number[]>;
  eventIds: Set<string>;
}

export class StoredHistory {
  private readonly store: PolicyStateStore;
  private readonly needs: () => HistoryNeeds;
  private readonly responseRetentionMs: () => number;
  private readonly hot = new Map<string, Hot>();
  private readonly loading = new Map<string, Promise<Hot>>();
  private readonly getters = new Map<string, (event: unknown) => unknown>();

  constructor(options: StoredHistoryOptions) {
    this.store = options.store;
    this.needs = options.needs;
    this.responseRetentionMs = options.responseRetentionMs;
  }

  isLoaded(customerRef: string): boolean {
    return this.hot.has(customerRef);
  }

  /**
   * Reads the customer's window from the store unless it is already hot. `fresh` reads it again, for a
   * decision that must see what other instances appended meanwhile (the end of a wait).
   */
  async load(customerRef: string, nowMs: number, options: { fresh?: boolean } = {}): Promise<void> {
    if (!options.fresh && this.hot.has(customerRef)) return;
    // Concurrent first events of one customer share one read instead of racing two into the map.
    let pending = options.fresh ? undefined : this.loading.get(customerRef);
    if (!pending) {
      pending = this.read(customerRef, nowMs);
      this.loading.set(customerRef, pending);
    }
    try {
      this.hot.set(customerRef, await pending);
    } finally {
      if (this.loading.get(customerRef) === pending) this.loading.delete(customerRef);
    }
  }

  /** drops the hot copy, e.g. when the customer's shard moved to another instance */
  forget(customerRef: string): void {
    this.hot.delete(customerRef);
  }

  /**
   * Appends the event to the store, then to the hot window. Only types some card reads are kept, with
   * only the fields some card sums. Idempotent by event id; false when not kept or already there.
   */
  async record(event: InteractionEvent, nowMs: number): Promise<boolean> {
    const ref = event.customer.ref;
    await this.load(ref, nowMs);
    const needs = this.needs();
    const retention = needs.retentionMs[event.type];
    if (retention === undefined) return false;
    const entry: HistoryEntry = {
      customerRef: ref,
      eventId: event.eventId,
      type: event.type,
      occurredAt: event.occurredAt,
    };
    const values: Record<string, number> = {};
    for (const field of needs.sumFields[event.type] ?? []) {
      const value = moneyValue(this.getter(field)(event));
      if (typeof value === 'number' && Number.isFinite(value)) values[field] = value;
    }
    if (Object.keys(values).length > 0) entry.values = values;
    return this.append(entry, retention, nowMs);
  }

  /** An answer to a policy's action, for cooldowns; idempotent by the answer's event id. */
  async recordResponse(
    customerRef: string,
    eventId: string,
    response: { policyId: string; outcome: ResponseOutcome },
    atMs: number,
    nowMs: number,
  ): Promise<boolean> {
    await this.load(customerRef, nowMs);
    const entry: HistoryEntry = {
      customerRef,
      eventId,
      type: RESPONSE_TYPE,
      occurredAt: new Date(atMs).toISOString(),
      response: { ...response },
    };
    return this.append(entry, this.responseRetentionMs(), nowMs);
  }

  /** The synchronous view the engine reads; the customer must have been loaded (record() loads). */
  view(customerRef: string): HistoryView {
    const hot = this.hot.get(customerRef);
    if (!hot) throw new Error(`StoredHistory.view: customer ${customerRef} is not loaded; call load() first`);
    const range = (type: string, afterMs: number, untilMs: number): HistoryEntry[] => {
      const times = hot.times.get(type) ?? [];
      const entries = hot.byType.get(type) ?? [];
      return entries.slice(firstAbove(times, afterMs), firstAbove(times, untilMs));
    };
    return {
      count: (type, afterMs, untilMs) => range(type, afterMs, untilMs).length,
      sum: (type, field, afterMs, untilMs) =>
        range(type, afterMs, untilMs).reduce((total, entry) => total + (entry.values?.[field] ?? 0), 0),
      times: (type, afterMs, untilMs) => range(type, afterMs, untilMs).map((e) => Date.parse(e.occurredAt)),
      lastAt: (type, untilMs) => {
        const last = range(type, -Infinity, untilMs).at(-1);
        return last && Date.parse(last.occurredAt);
      },
      lastResponseAt: (policyId, outcomes, untilMs) => {
        const answers = range(RESPONSE_TYPE, -Infinity, untilMs);
        for (let i = answers.length - 1; i >= 0; i--) {
          const response = answers[i].response;
          if (response?.policyId === policyId && (outcomes as readonly string[]).includes(response.outcome)) {
            return Date.parse(answers[i].occurredAt);
          }
        }
        return undefined;
      },
    };
  }

  private async append(entry: HistoryEntry, retentionMs: number, nowMs: number): Promise<boolean> {
    // The store first: a hot entry the store lacks would vanish at the next restart.
    const appended = await this.store.appendHistory(entry);
    const hot = this.hot.get(entry.customerRef);
    if (!hot || hot.eventIds.has(entry.eventId)) return appended;
    insert(hot, entry);
    prune(hot, entry.type, nowMs - retentionMs);
    return appended;
  }

  private async read(customerRef: string, nowMs: number): Promise<Hot> {
    const needs = this.needs();
    const keep: Record<string, number> = {
      ...needs.retentionMs,
      [RESPONSE_TYPE]: this.responseRetentionMs(),
    };
    const longest = Math.max(0, ...Object.values(keep));
    const hot: Hot = { byType: new Map(), times: new Map(), eventIds: new Set() };
    const since = new Date(nowMs - longest).toISOString();
    for (const entry of await this.store.listHistory(customerRef, since)) {
      const retention = keep[entry.type];
      if (retention !== undefined && Date.parse(entry.occurredAt) > nowMs - retention) insert(hot, entry);
    }
    return hot;
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

function insert(hot: Hot, entry: HistoryEntry): void {
  const at = Date.parse(entry.occurredAt);
  const entries = hot.byType.get(entry.type) ?? [];
  const times = hot.times.get(entry.type) ?? [];
  hot.byType.set(entry.type, entries);
  hot.times.set(entry.type, times);
  const index = firstAbove(times, at);
  entries.splice(index, 0, entry);
  times.splice(index, 0, at);
  hot.eventIds.add(entry.eventId);
}

function prune(hot: Hot, type: string, beforeOrAtMs: number): void {
  const times = hot.times.get(type);
  const entries = hot.byType.get(type);
  if (!times || !entries) return;
  const cut = firstAbove(times, beforeOrAtMs);
  if (cut === 0) return;
  for (const gone of entries.splice(0, cut)) hot.eventIds.delete(gone.eventId);
  times.splice(0, cut);
}

/** the index of the first time greater than ms, in a sorted list */
function firstAbove(sorted: readonly number[], ms: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
