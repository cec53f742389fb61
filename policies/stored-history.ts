/**
 * The history the engine reads, kept hot in memory per customer and written through to the hub store:
 * it survives a restart, and hub instances on PostgreSQL share it. Evaluation stays synchronous because
 * a customer's window is loaded once, when the customer is first seen, and every later event is appended
 * to the store and to the hot copy before the engine looks at it.
 *
 * The hot copy holds, per customer, only what some card reads: the types, the summed values, and only
 * as long as the longest window over each type, packed into one array of numbers (event-log.ts). The
 * event ids stay in the store; the hot copy tells a redelivered event by a hash of its id.
 *
 * A summed value in a currency is kept under `<field>@<currency>` (`amount@JPY`), so sums add only
 * amounts of one currency; a value that states none (and every value kept before currencies were) is
 * kept under the field's name and read in the base currency.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import { compileGetter } from '../mappings/path';
import type { HistoryEntry, PolicyStateStore } from '../records/store';
import { detachedString } from './compact-ids';
import {
  EMPTY_LOG,
  EventKinds,
  EventLogView,
  holdsRecord,
  logWith,
  recordOf,
  type EventLog,
  type KeepRecord,
} from './event-log';
import type { HistoryNeeds, HistoryView, ResponseOutcome } from './history';
import { amountOf } from './money';

export const RESPONSE_TYPE = 'response';

export interface StoredHistoryOptions {
  store: PolicyStateStore;
  /** which event types to keep, how long, and which fields to sum; asked at every write and load */
  needs: () => HistoryNeeds;
  /** how long answers to actions are kept (the longest cooldown) */
  responseRetentionMs: () => number;
}

export class StoredHistory {
  private readonly store: PolicyStateStore;
  private readonly needs: () => HistoryNeeds;
  private readonly responseRetentionMs: () => number;
  /** customer ref -> the customer's kept events */
  private readonly hot = new Map<string, EventLog>();
  private readonly loading = new Map<string, Promise<EventLog>>();
  private readonly kinds = new EventKinds();
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
      const log = await pending;
      // A ref from a parsed message may be a view into the whole message; the key lives as long as the state.
      this.hot.set(this.hot.has(customerRef) ? customerRef : detachedString(customerRef), log);
    } finally {
      if (this.loading.get(customerRef) === pending) this.loading.delete(customerRef);
    }
  }

  /**
   * Reads a hot customer again from the store, after something wrote to their history on another path
   * (a response recorded by the contact policy): the hot copy would not show it until a restart.
   */
  async refresh(customerRef: string, nowMs: number): Promise<void> {
    if (this.hot.has(customerRef)) await this.load(customerRef, nowMs, { fresh: true });
  }

  /**
   * A view for judging a "no B within T" wait that started at triggeredAtMs, read fresh from the store
   * (the B that cancels it may have reached another instance). The hot copy keeps each type only T back
   * from now, so a B early in the wait is gone from it by the time a sweep that runs late (or after the
   * hub was down) judges the wait; this view keeps every kept type back to the trigger as well. It is
   * the wait's own copy: the hot one is refreshed beside it, trimmed as usual.
   */
  async viewSince(customerRef: string, triggeredAtMs: number, nowMs: number): Promise<HistoryView> {
    const entries = await this.entriesSince(customerRef, Math.min(triggeredAtMs, this.longestBack(nowMs)));
    const retention = this.retentionOf();
    const records = entries.map((entry) => recordOf(entry, this.kinds));
    const log = logWith(EMPTY_LOG, this.kinds, records, (kind, atMs) => {
      const ms = retention(kind.type);
      return ms !== undefined && (atMs > nowMs - ms || atMs > triggeredAtMs);
    });
    this.hot.set(
      this.hot.has(customerRef) ? customerRef : detachedString(customerRef),
      logWith(EMPTY_LOG, this.kinds, records, this.keptAt(nowMs)),
    );
    return new EventLogView(this.kinds, () => log);
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
      const amount = amountOf(this.getter(field)(event));
      if (!amount || !Number.isFinite(amount.value)) continue;
      values[amount.currency === undefined ? field : currencyKey(field, amount.currency)] = amount.value;
    }
    if (Object.keys(values).length > 0) entry.values = values;
    return this.append(entry, nowMs);
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
    return this.append(entry, nowMs);
  }

  /** The synchronous view the engine reads; the customer must have been loaded (record() loads). */
  view(customerRef: string): HistoryView {
    if (!this.hot.has(customerRef)) {
      throw new Error(`StoredHistory.view: customer ${customerRef} is not loaded; call load() first`);
    }
    return new EventLogView(this.kinds, () => this.hot.get(customerRef) ?? EMPTY_LOG);
  }

  private async append(entry: HistoryEntry, nowMs: number): Promise<boolean> {
    // The store first: a hot entry the store lacks would vanish at the next restart.
    const appended = await this.store.appendHistory(entry);
    const log = this.hot.get(entry.customerRef);
    if (!log) return appended;
    // Also when the store says it is new: two deliveries of one event may both have passed load().
    const record = recordOf(entry, this.kinds);
    if (holdsRecord(log, this.kinds, record)) return appended;
    // Rebuilt anyway, so whatever has left its window goes too, of every type (those no card reads now
    // stay until the customer is read again: a card that comes back finds them).
    const retention = this.retentionOf();
    const keep: KeepRecord = (kind, atMs) => {
      const ms = retention(kind.type);
      return ms === undefined || atMs > nowMs - ms;
    };
    this.hot.set(entry.customerRef, logWith(log, this.kinds, [record], keep));
    return appended;
  }

  private async read(customerRef: string, nowMs: number): Promise<EventLog> {
    const records = (await this.entriesSince(customerRef, this.longestBack(nowMs))).map((entry) =>
      recordOf(entry, this.kinds),
    );
    return logWith(EMPTY_LOG, this.kinds, records, this.keptAt(nowMs));
  }

  private entriesSince(customerRef: string, sinceMs: number): Promise<HistoryEntry[]> {
    return this.store.listHistory(customerRef, new Date(sinceMs).toISOString());
  }

  /** the earliest time any kept type still reaches back to at nowMs */
  private longestBack(nowMs: number): number {
    const needs = this.needs();
    return nowMs - Math.max(0, this.responseRetentionMs(), ...Object.values(needs.retentionMs));
  }

  /** what a freshly read hot copy keeps: each type only its own retention back from nowMs */
  private keptAt(nowMs: number): KeepRecord {
    const retention = this.retentionOf();
    return (kind, atMs) => {
      const ms = retention(kind.type);
      return ms !== undefined && atMs > nowMs - ms;
    };
  }

  /** how long each type is kept now: what the cards read, and answers for the longest cooldown */
  private retentionOf(): (type: string) => number | undefined {
    const { retentionMs } = this.needs();
    const responses = this.responseRetentionMs();
    return (type) => (type === RESPONSE_TYPE ? responses : retentionMs[type]);
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

/** the key of a summed value in a currency, e.g. `amount@JPY` (paths never hold an `@`) */
export function currencyKey(field: string, currency: string): string {
  return `${field}@${currency}`;
}
