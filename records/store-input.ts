import type {
  CapClaim,
  HistoryEntry,
  OfferOutcome,
  PendingWait,
  StoredCustomer,
  StoredInteraction,
  StoredOffer,
} from './store';
import { errorMessage } from '../formats/error-message';

/**
 * What a caller sent that the store cannot keep: an id of neither form, a NUL character, a time
 * without a zone. The REST API answers it as a 400 with this message, not as its own failure.
 */
export class StoreInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreInputError';
  }
}

/** Checks shared by both store backends, so bad input fails the same way whichever store is configured. */

const OFFER_STATUSES: ReadonlySet<string> = new Set(['open', 'accepted', 'rejected', 'expired']);
const OFFER_OUTCOMES: ReadonlySet<string> = new Set(['accepted', 'rejected', 'expired']);
// Two ids plus a timestamp form one embedded-store key; at 3 UTF-8 bytes per character this keeps the key
// under LMDB's 1978-byte limit.
const MAX_ID_LENGTH = 256;
const MAX_LIST_LIMIT = 1000;
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function requireId(value: unknown, field: string): string {
  const problem = idProblem(value, field);
  if (problem !== undefined) throw new StoreInputError(problem);
  return value as string;
}

/**
 * Whether requireId would take the value: for callers that pass over an id the store could not keep,
 * on every message, where a thrown error's stack trace cost more than the check itself.
 */
export function isStoreId(value: unknown): value is string {
  return idProblem(value, 'id') === undefined;
}

function idProblem(value: unknown, field: string): string | undefined {
  if (typeof value !== 'string' || value === '') return `store: ${field} must be a non-empty string`;
  // The embedded store uses NUL as the separator inside composite keys.
  if (value.includes('\u0000')) return `store: ${field} must not contain a NUL character`;
  const lone = loneSurrogateIn(value);
  if (lone) return `store: ${field} must not contain a lone surrogate (${lone})`;
  if (value.length > MAX_ID_LENGTH)
    return `store: ${field} must be at most ${MAX_ID_LENGTH} characters, got ${value.length}`;
  return undefined;
}

function requireTimestamp(value: unknown, field: string): void {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new StoreInputError(`store: ${field} must be an ISO 8601 timestamp, got ${JSON.stringify(value)}`);
  }
}

/**
 * An ISO 8601 instant with a zone, returned in UTC with millisecond precision. Both backends store this
 * form, so they order equal instants alike and a zone-less time never depends on a server's time zone.
 */
export function requireInstant(value: unknown, field: string): string {
  const match = typeof value === 'string' ? ISO_INSTANT.exec(value) : null;
  const millis = match ? Date.parse(match[0]) : Number.NaN;
  const normalized = Number.isNaN(millis) ? '' : new Date(millis).toISOString();
  if (!match || normalized.length !== 24 || !isRealDate(match)) {
    throw new StoreInputError(
      `store: ${field} must be an ISO 8601 timestamp with a zone, e.g. 2025-01-01T10:00:00Z; got ${JSON.stringify(value)}`,
    );
  }
  return normalized;
}

// Date.parse rolls 2025-02-30 over to March; PostgreSQL would reject it, so both backends reject it here.
function isRealDate(match: RegExpExecArray): boolean {
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** a plain object, not null or an array; its members are the caller's to check */
export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StoreInputError(`store: ${field} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * JSON.parse(JSON.stringify(value)) in one pass, for data that is plain JSON already and holds no NUL
 * character or lone surrogate; undefined for anything else (JSON.parse never gives undefined), which the caller copies
 * the slow way, with the same outcome and the errors worded there.
 */
export function plainCopyOf(value: unknown): unknown {
  try {
    const copy = plainJsonCopy(value, 0);
    return copy === NOT_PLAIN ? undefined : copy;
  } catch {
    // a getter that throws: the slow way reports it
    return undefined;
  }
}

/** a JSON object both backends can store alike (PostgreSQL jsonb refuses NUL characters) */
function requireJsonObject(value: unknown, field: string): Record<string, unknown> {
  requireObject(value, field);
  // Documents as they come off the bus (JSON.parse) take one pass; anything else, and every failure,
  // goes the way of JSON.stringify and JSON.parse below, which also words the errors.
  const fast = plainCopyOf(value);
  if (fast !== undefined) return fast as Record<string, unknown>;
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(value));
  } catch (err) {
    throw new StoreInputError(`store: ${field} must be JSON-serialisable: ${errorMessage(err)}`);
  }
  const object = requireObject(copy, field);
  rejectNul(object, field);
  return object;
}

const NOT_PLAIN = Symbol('not plain JSON');
const MAX_FAST_DEPTH = 200;

/**
 * What JSON.parse(JSON.stringify(value)) gives, for data that is plain JSON already (plain objects and
 * arrays, strings without NUL, finite numbers, booleans, null), in one pass and without the text in
 * between; NOT_PLAIN for anything else (undefined, functions, dates and other classes, toJSON,
 * non-finite numbers, sparse arrays, a `__proto__` key, NUL characters, lone surrogates, cycles or very
 * deep nesting), which the caller then handles the slow way with the same outcome as before.
 */
function plainJsonCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return value.includes('\u0000') || LONE_SURROGATE.test(value) ? NOT_PLAIN : value;
    case 'number':
      // JSON has no -0: the round trip makes it 0
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : NOT_PLAIN;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (depth > MAX_FAST_DEPTH) return NOT_PLAIN;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
      if (Array.isArray(value)) {
        const out: unknown[] = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return NOT_PLAIN;
          const item = plainJsonCopy(value[i], depth + 1);
          if (item === NOT_PLAIN) return NOT_PLAIN;
          out[i] = item;
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key in source) {
        if (!Object.hasOwn(source, key)) continue;
        if (!isPlainKey(key)) return NOT_PLAIN;
        const item = plainJsonCopy(source[key], depth + 1);
        if (item === NOT_PLAIN) return NOT_PLAIN;
        out[key] = item;
      }
      return out;
    }
    default:
      return NOT_PLAIN;
  }
}

/**
 * Keys that passed isPlainKey's checks: documents of one schema repeat the same few keys in every
 * record, and the surrogate test of each was a good part of copying one. Ids used as keys are seen
 * once, so the set stops growing at a bound rather than keep every id.
 */
const plainKeys = new Set<string>();
const MAX_PLAIN_KEYS = 4096;

function isPlainKey(key: string): boolean {
  if (plainKeys.has(key)) return true;
  if (key === '__proto__' || key.includes('\u0000') || LONE_SURROGATE.test(key)) return false;
  if (plainKeys.size < MAX_PLAIN_KEYS) plainKeys.add(key);
  return true;
}

/**
 * Half of a UTF-16 surrogate pair without the other half: in u mode a whole pair reads as one code
 * point, so only a lone half matches. PostgreSQL's jsonb refuses its \uXXXX escape, and UTF-8 (LMDB,
 * PostgreSQL text) cannot encode it at all: the driver would keep U+FFFD instead, silently.
 */
const LONE_SURROGATE = /\p{Cs}/u;

function loneSurrogateIn(value: string): string | undefined {
  const match = LONE_SURROGATE.exec(value);
  return match ? `\\u${match[0].charCodeAt(0).toString(16)}` : undefined;
}

function rejectLoneSurrogate(value: string, field: string): void {
  const lone = loneSurrogateIn(value);
  if (lone) throw new StoreInputError(`store: ${field} must not contain a lone surrogate (${lone})`);
}

/**
 * PostgreSQL's jsonb refuses NUL characters and lone surrogates in strings and keys, so both backends
 * do, naming the field.
 */
export function rejectNul(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      throw new StoreInputError(`store: ${path} must not contain a NUL character`);
    rejectLoneSurrogate(value, path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => rejectNul(item, `${path}[${i}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) throw new StoreInputError(`store: ${path} has a key with a NUL character`);
      const lone = loneSurrogateIn(key);
      if (lone) throw new StoreInputError(`store: ${path} has a key with a lone surrogate (${lone})`);
      rejectNul(item, `${path}.${key}`);
    }
  }
}

/**
 * The checked customer as both backends store it: a plain copy with updatedAt in UTC. `copied`, when
 * given, is the store's own checked copy of this very document, made for another part of the same
 * write (a golden link's source record), so the document is not walked and copied a second time.
 */
export function normalizeCustomer(
  customer: StoredCustomer,
  copied?: Record<string, unknown>,
): StoredCustomer {
  if (typeof customer !== 'object' || customer === null) {
    throw new StoreInputError('store: customer must be an object');
  }
  return {
    // NFC, as the cross-reference keys it: a decomposed ü is the same customer
    customerRef: requireId(customer.customerRef, 'customer.customerRef').normalize('NFC'),
    document:
      copied === undefined
        ? requireJsonObject(customer.document, 'customer.document')
        : requireObject(copied, 'customer.document'),
    updatedAt: requireInstant(customer.updatedAt, 'customer.updatedAt'),
    sourceSystem: requireId(customer.sourceSystem, 'customer.sourceSystem'),
  };
}

/** the checked interaction as both backends store it: a plain copy, occurredAt in UTC, no undefined summary */
export function normalizeInteraction(interaction: StoredInteraction): StoredInteraction {
  if (typeof interaction !== 'object' || interaction === null) {
    throw new StoreInputError('store: interaction must be an object');
  }
  const normalized: StoredInteraction = {
    customerRef: requireId(interaction.customerRef, 'interaction.customerRef'),
    eventId: requireId(interaction.eventId, 'interaction.eventId'),
    type: requireId(interaction.type, 'interaction.type'),
    channel: requireId(interaction.channel, 'interaction.channel'),
    occurredAt: requireInstant(interaction.occurredAt, 'interaction.occurredAt'),
  };
  if (interaction.summary !== undefined) {
    normalized.summary = requireJsonObject(interaction.summary, 'interaction.summary');
  }
  return normalized;
}

export function requireOfferOutcome(value: unknown): OfferOutcome {
  if (typeof value !== 'string' || !OFFER_OUTCOMES.has(value)) {
    throw new StoreInputError(
      `store: status must be one of ${[...OFFER_OUTCOMES].join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as OfferOutcome;
}

export function requireLimit(value: unknown): number {
  if (value === undefined) return 20;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LIST_LIMIT) {
    throw new StoreInputError(
      `store: options.limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Equality of two stored JSON documents the way PostgreSQL jsonb compares them: key order does not
 * count, array order does. A structural compare, so the golden record does not serialise both
 * documents on every write.
 */
export function sameJsonDocument(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJsonDocument(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // Not util.isDeepStrictEqual: it compares prototypes, and the embedded store's decoder gives
  // documents read back a prototype of their own.
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(right, key) || !sameJsonDocument(left[key], right[key])) return false;
  }
  return true;
}

export function validateOffer(offer: StoredOffer): void {
  if (typeof offer !== 'object' || offer === null) {
    throw new StoreInputError('store: offer must be an object');
  }
  requireId(offer.offerId, 'offer.offerId');
  requireId(offer.customerId, 'offer.customerId');
  requireId(offer.channel, 'offer.channel');
  requireId(offer.action, 'offer.action');
  requireId(offer.offer, 'offer.offer');
  requireId(offer.policyId, 'offer.policyId');
  requireId(offer.eventId, 'offer.eventId');
  if (typeof offer.priority !== 'number' || !Number.isFinite(offer.priority)) {
    throw new StoreInputError('store: offer.priority must be a finite number');
  }
  requireTimestamp(offer.createdAt, 'offer.createdAt');
  if (offer.expiresAt !== undefined) requireTimestamp(offer.expiresAt, 'offer.expiresAt');
  if (!OFFER_STATUSES.has(offer.status)) {
    throw new StoreInputError(
      `store: offer.status must be one of ${[...OFFER_STATUSES].join(', ')}, got ${JSON.stringify(offer.status)}`,
    );
  }
}

export function requireEnabledFlag(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new StoreInputError('store: enabled must be a boolean');
  return value;
}

/** newest first; ties broken by offer id so both backends return the same order */
export function compareNewestFirst(a: StoredOffer, b: StoredOffer): number {
  const byTime = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (byTime !== 0) return byTime;
  return a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0;
}

/** drops undefined fields and foreign prototypes, so both backends hand back the same shape */
export function plainCopy(offer: StoredOffer): StoredOffer {
  return JSON.parse(JSON.stringify(offer)) as StoredOffer;
}

/** newest first; ties broken by event id so both backends return the same order */
export function compareInteractionsNewestFirst(a: StoredInteraction, b: StoredInteraction): number {
  // Normalised UTC timestamps of one length sort as strings.
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** the checked history entry as both backends store it: a plain copy, occurredAt in UTC */
export function normalizeHistoryEntry(entry: HistoryEntry): HistoryEntry {
  if (typeof entry !== 'object' || entry === null)
    throw new StoreInputError('store: history entry must be an object');
  const normalized: HistoryEntry = {
    customerRef: requireId(entry.customerRef, 'history.customerRef'),
    eventId: requireId(entry.eventId, 'history.eventId'),
    type: requireId(entry.type, 'history.type'),
    occurredAt: requireInstant(entry.occurredAt, 'history.occurredAt'),
  };
  if (entry.values !== undefined) {
    const values = requireJsonObject(entry.values, 'history.values');
    for (const [field, value] of Object.entries(values)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new StoreInputError(`store: history.values.${field} must be a finite number`);
      }
    }
    normalized.values = values as Record<string, number>;
  }
  if (entry.response !== undefined) {
    normalized.response = {
      policyId: requireId(entry.response?.policyId, 'history.response.policyId'),
      outcome: requireId(entry.response?.outcome, 'history.response.outcome'),
    };
  }
  return normalized;
}

/** oldest first; ties by event id, so both backends return one order */
export function compareHistoryOldestFirst(a: HistoryEntry, b: HistoryEntry): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** most idempotency entries of each kind one pruneIdempotency call removes */
export const MAX_PRUNE_LIMIT = 10_000;

export function requirePruneLimit(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PRUNE_LIMIT) {
    throw new StoreInputError(
      `store: limit must be an integer from 1 to ${MAX_PRUNE_LIMIT}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function requirePositiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new StoreInputError(`store: ${field} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function validateCapClaims(claims: readonly CapClaim[]): void {
  if (!Array.isArray(claims) || claims.length === 0) {
    throw new StoreInputError('store: claims must be a non-empty array');
  }
  const keys = new Set<string>();
  claims.forEach((claim, i) => {
    requireId(claim?.key, `claims[${i}].key`);
    if (keys.has(claim.key))
      throw new StoreInputError(`store: claims[${i}].key "${claim.key}" is claimed twice`);
    keys.add(claim.key);
    requirePositiveInteger(claim.limit, `claims[${i}].limit`);
    requirePositiveInteger(claim.windowMs, `claims[${i}].windowMs`);
  });
}

/** the start of the window (at - windowMs, at] as a normalised instant */
export function windowStart(at: string, windowMs: number): string {
  return new Date(Date.parse(at) - windowMs).toISOString();
}

/**
 * The end of the span a cap taken at `at` counts hits in. Not `at` itself: two hub instances stamp
 * their takes with their own clocks, and the one stamped later may commit first; a hit "after" the
 * take is as much within the window as one before, or both instances' decisions would go out.
 */
export function capSpanEnd(at: string, windowMs: number): string {
  return new Date(Date.parse(at) + windowMs).toISOString();
}

export function normalizeWait(wait: PendingWait): PendingWait {
  if (typeof wait !== 'object' || wait === null) throw new StoreInputError('store: wait must be an object');
  const version = wait.cardVersion;
  if (typeof version !== 'object' || version === null)
    throw new StoreInputError('store: wait.cardVersion must be an object');
  return {
    waitId: requireId(wait.waitId, 'wait.waitId'),
    policyId: requireId(wait.policyId, 'wait.policyId'),
    customerRef: requireId(wait.customerRef, 'wait.customerRef'),
    dueAt: requireInstant(wait.dueAt, 'wait.dueAt'),
    cardVersion: {
      number: requirePositiveInteger(version.number, 'wait.cardVersion.number'),
      hash: requireId(version.hash, 'wait.cardVersion.hash'),
    },
    payload: requireJsonObject(wait.payload, 'wait.payload'),
  };
}

/** due first; ties by wait id, so both backends hand waits out in one order */
export function compareWaitsDueFirst(a: PendingWait, b: PendingWait): number {
  if (a.dueAt !== b.dueAt) return a.dueAt < b.dueAt ? -1 : 1;
  return a.waitId < b.waitId ? -1 : a.waitId > b.waitId ? 1 : 0;
}
