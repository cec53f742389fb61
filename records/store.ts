/**
 * The hub's state behind one interface with two backends: embedded (LMDB under the Node-RED user
 * directory, survives kill -9) and PostgreSQL (shared by several hub instances).
 */
import { compileValidator } from '../mappings/validate';
import type { ProcessState } from '../mappings/canonical/types';
import { rejectNul, requireId, requireInstant, StoreInputError } from './store-input';
import type { GoldenStore } from './golden-store';

export type StoreKind = 'embedded' | 'postgres';

/** An event id and the digest of its event's content (the canonical JSON's SHA-256). */
export interface EventDigest {
  eventId: string;
  digest: string;
}

/** What one pruneIdempotency call removed. */
export interface IdempotencyPruned {
  /** processed-event ledger entries (consumer and event id) */
  processed: number;
  /** event ids with their digest */
  digests: number;
}

/** An action decided for a customer on one channel, e.g. a mortgage offer on the web page. */
export interface StoredOffer {
  /** deterministic: derived from policy id and event id, so a redelivered event stores nothing twice */
  offerId: string;
  /** canonical customer reference, e.g. "crm:4711" */
  customerId: string;
  channel: string;
  /** the kind of action, e.g. "web-offer" */
  action: string;
  /** what is offered, e.g. "mortgage" */
  offer: string;
  policyId: string;
  eventId: string;
  priority: number;
  title?: Record<string, string>;
  createdAt: string;
  expiresAt?: string;
  status: 'open' | 'accepted' | 'rejected' | 'expired';
}

/** The canonical customer as last sent by a source system (UpsertCustomer, golden-record changes). */
export interface StoredCustomer {
  /** canonical customer reference, e.g. "crm:4711" */
  customerRef: string;
  /** the canonical customer JSON, stored as sent */
  document: Record<string, unknown>;
  /**
   * when the source changed the customer (ISO 8601 with a zone). Orders the writes: an older one is ignored.
   * Stored and returned in UTC with millisecond precision, e.g. "2025-01-01T10:00:00.000Z".
   */
  updatedAt: string;
  /** the legacy system that sent this version, e.g. "crm" */
  sourceSystem: string;
}

export interface VersionedCustomer extends StoredCustomer {
  /** 1 when created, +1 on every applied change */
  version: number;
}

export interface CustomerWriteResult {
  /** true only for the write that created the customer */
  created: boolean;
  /** false when the write was older than the stored customer or repeated it exactly */
  changed: boolean;
  /** the stored version after the write */
  version: number;
}

/** One contact with a customer (a withdrawal, a web visit, a call), for history and the customer 360 view. */
export interface StoredInteraction {
  customerRef: string;
  /** unique across the hub; a redelivered event is stored once */
  eventId: string;
  /** e.g. "withdrawal" */
  type: string;
  channel: string;
  /** ISO 8601 with a zone; stored and returned in UTC with millisecond precision */
  occurredAt: string;
  summary?: Record<string, unknown>;
}

export interface InteractionPeriodOptions {
  /** default 1000, at most MAX_PERIOD_LIMIT */
  limit?: number;
  /** the last item of the previous page: the listing goes on after it */
  after?: { occurredAt: string; eventId: string };
}

export const MAX_PERIOD_LIMIT = 10_000;
const DEFAULT_PERIOD_LIMIT = 1000;

/** A period listing's arguments, checked and normalised the same way by both backends. */
export interface InteractionPeriodQuery {
  /** UTC, millisecond precision, inclusive */
  from: string;
  /** UTC, millisecond precision, exclusive */
  to: string;
  limit: number;
  after?: { occurredAt: string; eventId: string };
}

export function interactionPeriodQuery(
  from: string,
  to: string,
  options: InteractionPeriodOptions = {},
): InteractionPeriodQuery {
  const query: InteractionPeriodQuery = {
    from: requireInstant(from, 'from'),
    to: requireInstant(to, 'to'),
    limit: DEFAULT_PERIOD_LIMIT,
  };
  if (query.to < query.from) throw new Error(`store: to (${query.to}) is before from (${query.from})`);
  const limit = options?.limit;
  if (limit !== undefined) {
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PERIOD_LIMIT) {
      throw new Error(
        `store: options.limit must be an integer from 1 to ${MAX_PERIOD_LIMIT}, got ${JSON.stringify(limit)}`,
      );
    }
    query.limit = limit;
  }
  if (options?.after !== undefined) {
    query.after = {
      occurredAt: requireInstant(options.after?.occurredAt, 'options.after.occurredAt'),
      eventId: requireId(options.after?.eventId, 'options.after.eventId'),
    };
  }
  return query;
}

/** The statuses an open offer can move to once the customer (or time) answered it. */
export type OfferOutcome = 'accepted' | 'rejected' | 'expired';

export interface StoreHealth {
  ok: boolean;
  kind: StoreKind;
  detail: string;
}

export interface HubStore extends PolicyStateStore, ProcessStore, CounterStore, GoldenStore {
  readonly kind: StoreKind;
  /** for logs and /healthz; never contains credentials */
  describe(): string;
  open(): Promise<void>;
  close(): Promise<void>;
  health(): Promise<StoreHealth>;

  /**
   * Idempotent-consumer ledger. Records that `consumer` has processed `eventId`.
   * Returns true the first time, false when it was already recorded.
   */
  markProcessed(consumer: string, eventId: string): Promise<boolean>;
  wasProcessed(consumer: string, eventId: string): Promise<boolean>;

  /**
   * The event ids the hub took in with a digest of each event's content (the REST API's, and every
   * canonical event's off the bus: records/event-id-claim.ts), so an id that comes back with other
   * content is refused (409, or a dead letter) rather than dropped by the idempotent consumers as a
   * redelivery. Records each entry's digest under its id unless the id holds one already, atomically
   * (also across hub instances); answers, per entry, the digest its id holds now (its own when new).
   */
  recordEventDigests(entries: readonly EventDigest[]): Promise<string[]>;

  /**
   * The idempotency retention (records/idempotency-retention.ts runs it): removes the oldest entries
   * of the processed-event ledger and of the event digests recorded before `before` (an instant; an
   * entry recorded at it stays), at most `limit` of each per call, so no call holds a lock or an LMDB
   * write transaction for long. Answers how many of each it removed: fewer than `limit` means none
   * older is left. After that, a redelivery of a removed id counts as new.
   */
  pruneIdempotency(before: string, limit: number): Promise<IdempotencyPruned>;

  /** insert or replace by offerId */
  putOffer(offer: StoredOffer): Promise<void>;
  /**
   * newest first; channel filters when given; only status "open" unless includeClosed. A new array
   * each time, but the offers in it may be shared with later reads and frozen (the embedded store
   * keeps them decoded): copy one before changing it, as the next-best-offer node does for flows.
   */
  listOffers(
    customerId: string,
    options?: { channel?: string; includeClosed?: boolean },
  ): Promise<StoredOffer[]>;

  /** sets the status of a stored offer; false when no offer has this id */
  updateOfferStatus(offerId: string, status: OfferOutcome): Promise<boolean>;

  /**
   * Insert or update by customerRef, atomically. Writes are ordered by updatedAt, not by arrival: one
   * older than the stored customer is ignored, so a redelivered or overtaken message never rolls a
   * customer back. An exact repeat (same updatedAt, document and source) changes nothing either.
   */
  putCustomer(customer: StoredCustomer): Promise<CustomerWriteResult>;
  getCustomer(customerRef: string): Promise<VersionedCustomer | undefined>;

  /** idempotent by eventId: true the first time, false when that event was already recorded */
  recordInteraction(interaction: StoredInteraction): Promise<boolean>;
  /** newest first by occurredAt, ties by eventId; limit defaults to 20 (at most 1000) */
  listInteractions(customerRef: string, options?: { limit?: number }): Promise<StoredInteraction[]>;
  /**
   * Every customer's interactions with from <= occurredAt < to, oldest first, ties by eventId (code
   * point order), e.g. for replaying a period in a policy dry-run. `after` continues a listing after
   * the last item of its previous page. limit defaults to 1000 (at most 10000).
   */
  listInteractionsBetween(
    from: string,
    to: string,
    options?: InteractionPeriodOptions,
  ): Promise<StoredInteraction[]>;

  /** policy on/off switches, shared by the editor button and the console; undefined when never set */
  getPolicyEnabled(policyId: string): Promise<boolean | undefined>;
  setPolicyEnabled(policyId: string, enabled: boolean): Promise<void>;
}

/**
 * One event in a customer's policy history: only what rolling windows count and sum, so a customer's
 * history stays small however large the events were.
 */
export interface HistoryEntry {
  customerRef: string;
  /** unique per customer; a redelivered event is appended once */
  eventId: string;
  /** e.g. "withdrawal", or "response" for an answer to a policy's action */
  type: string;
  /** ISO 8601 with a zone; stored and returned in UTC with millisecond precision */
  occurredAt: string;
  /** the numbers sum windows read, by field path, e.g. { "amount": 12000 } (money as its value) */
  values?: Record<string, number>;
  /** set on a customer's answer to a policy's action, for cooldowns */
  response?: { policyId: string; outcome: string };
}

/** One limit a decision must fit under: at most `limit` hits under `key` in (at - windowMs, at]. */
export interface CapClaim {
  key: string;
  limit: number;
  windowMs: number;
}

export interface CapTakeResult {
  /** true when every claim had room (or this hit was already recorded: a redelivery) */
  granted: boolean;
  /** hits per claim within its window, in claim order: after the take when granted, as found when not */
  counts: number[];
  /** the index of the first claim that was full, when refused */
  refused?: number;
}

/** A card waiting for "no B within T", kept until it is due and fired by exactly one hub instance. */
export interface PendingWait {
  /** deterministic from policy, card version and triggering event, so a redelivered event waits once */
  waitId: string;
  policyId: string;
  customerRef: string;
  /** ISO 8601 with a zone; stored and returned in UTC with millisecond precision */
  dueAt: string;
  cardVersion: { number: number; hash: string };
  /** what the engine needs to finish the wait (the triggering event), as JSON */
  payload: Record<string, unknown>;
}

/** The store's side of policy state: histories, caps and waits. Part of HubStore. */
export interface PolicyStateStore {
  /** idempotent by (customerRef, eventId): true the first time, false when already appended */
  appendHistory(entry: HistoryEntry): Promise<boolean>;
  /** a customer's entries with occurredAt after `since` (exclusive), oldest first, ties by eventId */
  listHistory(customerRef: string, since: string): Promise<HistoryEntry[]>;

  /**
   * Atomically, also across hub instances: when every claim has fewer than `limit` hits in
   * (at - windowMs, at], records `hitId` under every key and grants; otherwise records nothing. A hitId
   * already recorded under a key is granted again without counting twice, so a redelivered event that
   * made a decision is not capped by its own first delivery.
   */
  takeCaps(claims: readonly CapClaim[], hitId: string, at: string): Promise<CapTakeResult>;
  /**
   * Gives back the hit hitId under each key (nothing where it has none): a firing the store granted
   * that did not go out after all (policies/policy-state.ts judges an event again when a cap refuses).
   */
  releaseCaps(keys: readonly string[], hitId: string): Promise<void>;
  /** hits under key in (at - windowMs, at] */
  countCap(key: string, windowMs: number, at: string): Promise<number>;

  /** idempotent by waitId: true the first time, false when that wait was already stored (even if done) */
  putWait(wait: PendingWait): Promise<boolean>;
  /**
   * Claims up to `limit` waits due at `now` (dueAt <= now) for `owner`, oldest due first. A claimed wait
   * is not handed out again until `leaseMs` has passed without completeWait, so an instance that died
   * between claim and fire does not lose the wait; a completed wait is never handed out again.
   */
  claimDueWaits(now: string, owner: string, leaseMs: number, limit: number): Promise<PendingWait[]>;
  /** marks a claimed wait done; false when it is not claimed by `owner` (its lease went to another) */
  completeWait(waitId: string, owner: string, now: string): Promise<boolean>;
}

/** One change of a named counter in one UTC day, e.g. { key: 'm␟p1␟*␟delivered', day: '2025-03-01', n: 1 }. */
export interface CounterIncrement {
  /** 1 to MAX_COUNTER_KEY_LENGTH characters, no NUL; readCounters finds keys by prefix */
  key: string;
  /** YYYY-MM-DD */
  day: string;
  /** a whole number; negative takes away */
  n: number;
}

/** A counter's total in one day. */
export type CounterValue = CounterIncrement;

/**
 * Named counters per day, e.g. the response ledger's fires, deliveries and responses per policy. A
 * write names an id and is applied once: a redelivered message that adds the same id again counts
 * nothing, so statistics fed from an at-least-once bus stay exact. Part of HubStore.
 */
export interface CounterStore {
  /**
   * Adds every increment atomically (also across hub instances), once per id: true when applied, false
   * when this id was applied before (whatever increments it carries now). An empty list only marks the id.
   */
  addCounters(id: string, increments: readonly CounterIncrement[]): Promise<boolean>;
  /** every counter whose key starts with `prefix` ('' for all), from <= day <= to, by key (code point order) then day */
  readCounters(prefix: string, from: string, to: string): Promise<CounterValue[]>;
}

export const MAX_COUNTER_KEY_LENGTH = 512;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The increments of one addCounters call, checked alike for both backends and merged per key and day
 * (a write changes each row once), in key and day order so concurrent writers lock rows in one order.
 */
export function counterIncrements(id: string, increments: readonly CounterIncrement[]): CounterIncrement[] {
  requireId(id, 'id');
  if (!Array.isArray(increments)) throw new Error('store: increments must be an array');
  const merged = new Map<string, CounterIncrement>();
  increments.forEach((increment, index) => {
    const at = `increments[${index}]`;
    if (typeof increment !== 'object' || increment === null)
      throw new Error(`store: ${at} must be an object`);
    const key = requireCounterKey(increment.key, `${at}.key`);
    const day = requireDay(increment.day, `${at}.day`);
    if (!Number.isSafeInteger(increment.n)) {
      throw new Error(`store: ${at}.n must be a whole number, got ${JSON.stringify(increment.n)}`);
    }
    const both = `${key}\u0000${day}`;
    const found = merged.get(both);
    if (found) found.n += increment.n;
    else merged.set(both, { key, day, n: increment.n });
  });
  return [...merged.values()].sort(compareCounters);
}

/** readCounters' arguments, checked alike for both backends. */
export function counterRange(
  prefix: string,
  from: string,
  to: string,
): { prefix: string; from: string; to: string } {
  if (typeof prefix !== 'string' || prefix.includes('\u0000') || prefix.length > MAX_COUNTER_KEY_LENGTH) {
    throw new Error(
      `store: prefix must be a string of at most ${MAX_COUNTER_KEY_LENGTH} characters without NUL`,
    );
  }
  return { prefix, from: requireDay(from, 'from'), to: requireDay(to, 'to') };
}

/** The first string after every string that starts with prefix, in code point order; undefined for '' */
export function prefixEnd(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const last = prefix.codePointAt(prefix.length - 1) as number;
  // a trailing surrogate pair or U+FFFF has no simple successor: such a range is closed by the filter alone
  if (last >= 0xd800) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** by key in code point order, then day: the order readCounters returns */
export function compareCounters(a: CounterValue, b: CounterValue): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.day < b.day ? -1 : a.day > b.day ? 1 : 0;
}

function requireCounterKey(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    value === '' ||
    value.length > MAX_COUNTER_KEY_LENGTH ||
    value.includes('\u0000')
  ) {
    throw new Error(`store: ${field} must be 1 to ${MAX_COUNTER_KEY_LENGTH} characters without NUL`);
  }
  return value;
}

function requireDay(value: unknown, field: string): string {
  const match = typeof value === 'string' ? DAY.exec(value) : null;
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(2000, month - 1, day));
    date.setUTCFullYear(year);
    // 2025-02-30 would roll over to March; PostgreSQL's date type refuses it, so both backends do
    if (date.getUTCMonth() === month - 1 && date.getUTCDate() === day) return match[0];
  }
  throw new Error(`store: ${field} must be a day YYYY-MM-DD, got ${JSON.stringify(value)}`);
}

/** A process-state document as the store keeps it, with the revision an update must name. */
export interface StoredProcess {
  process: ProcessState;
  /** 1 when stored, +1 on every update: updateProcess compares it, so of two writers only one wins */
  revision: number;
}

/**
 * Processes a customer has open (an escalation case, an application to resume on another channel), as
 * canonical process-state documents. Part of HubStore.
 */
export interface ProcessStore {
  /** idempotent by processId: true the first time, false when a process with this id is stored */
  putProcess(process: ProcessState): Promise<boolean>;
  getProcess(processId: string): Promise<StoredProcess | undefined>;
  /**
   * Replaces the process when its stored revision is still `revision`; false when another write came
   * first (read it again and decide again) or no such process is stored. Its customer cannot change.
   */
  updateProcess(process: ProcessState, revision: number): Promise<boolean>;
  /** a customer's processes, last updated first, ties by processId; `status` filters */
  listProcesses(customerRef: string, options?: { status?: ProcessState['status'] }): Promise<StoredProcess[]>;
}

/** The checked process as both backends store it: a plain copy, valid against process-state, times in UTC. */
export function normalizeProcess(process: ProcessState): ProcessState {
  if (typeof process !== 'object' || process === null || Array.isArray(process)) {
    throw new StoreInputError('store: process must be an object');
  }
  const verdict = compileValidator('process-state')(process);
  if (!verdict.ok) {
    const [first] = verdict.errors;
    throw new StoreInputError(`store: process${first.field ? `.${first.field}` : ''} ${first.message}`);
  }
  const copy = JSON.parse(JSON.stringify(process)) as ProcessState;
  // PostgreSQL's jsonb cannot keep one: both backends refuse it alike
  rejectNul(copy, 'process');
  requireId(copy.processId, 'process.processId');
  requireId(copy.customerRef, 'process.customerRef');
  copy.updatedAt = requireInstant(copy.updatedAt, 'process.updatedAt');
  if (copy.startedAt !== undefined) copy.startedAt = requireInstant(copy.startedAt, 'process.startedAt');
  if (copy.expiresAt !== undefined) copy.expiresAt = requireInstant(copy.expiresAt, 'process.expiresAt');
  return copy;
}

/** last updated first; ties by process id, so both backends list in one order */
export function compareProcessesLatestFirst(a: StoredProcess, b: StoredProcess): number {
  const [x, y] = [a.process, b.process];
  if (x.updatedAt !== y.updatedAt) return x.updatedAt < y.updatedAt ? 1 : -1;
  return x.processId < y.processId ? -1 : x.processId > y.processId ? 1 : 0;
}
