/**
 * Checks and normal forms of the golden store's input, shared by both backends, so a bad write fails
 * the same way whichever store is configured and stores nothing.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import { compileValidator } from '../mappings/validate';
import { contentDigest, uuidFromName } from './content-hash';
import { goldenIdFor, isGoldenId } from './cross-reference';
import {
  compareSourceKeys,
  compareText,
  parseSourceRef,
  type SourceKey,
  type SourceRecord,
} from './source-versions';
import type {
  GoldenContext,
  GoldenState,
  ReviewDecision,
  ReviewItem,
  ReviewListOptions,
  ReviewProposal,
  ReviewStatus,
} from './golden-store';
import {
  plainCopyOf,
  rejectNul,
  requireId,
  requireInstant,
  requireObject,
  StoreInputError,
} from './store-input';

// The embedded store keys an event by system, source id and event id: with a short system id the key
// stays under LMDB's 1978-byte limit at 3 UTF-8 bytes per character.
const MAX_SYSTEM_LENGTH = 64;
const MAX_REVIEW_LIMIT = 1000;
const DEFAULT_REVIEW_LIMIT = 100;
export const MAX_OUTBOX_LIMIT = 1000;
const REVIEW_STATUSES: readonly ReviewStatus[] = ['open', 'linked', 'kept-apart'];

export function requireSystemId(value: unknown, field: string): string {
  const system = requireId(value, field);
  if (system.includes(':'))
    throw new StoreInputError(`store: ${field} must not contain a colon, got ${JSON.stringify(system)}`);
  if (system.length > MAX_SYSTEM_LENGTH) {
    throw new StoreInputError(
      `store: ${field} must be at most ${MAX_SYSTEM_LENGTH} characters, got ${system.length}`,
    );
  }
  return system;
}

export function requireSourceKey(value: unknown, field: string): SourceKey {
  if (typeof value !== 'object' || value === null)
    throw new StoreInputError(`store: ${field} must be { system, sourceId }`);
  const key = value as Partial<SourceKey>;
  // the cross-reference keys ids in NFC, so the composed and the decomposed form of one id are one record
  return {
    system: requireSystemId(key.system, `${field}.system`).normalize('NFC'),
    sourceId: requireId(key.sourceId, `${field}.sourceId`).normalize('NFC'),
  };
}

export function requireGoldenId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isGoldenId(value)) {
    throw new StoreInputError(
      `store: ${field} must be a golden id "g-" and 26 base-32 characters, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** "g-…" or "<system>:<source id>", as the API takes them. */
export function parseIdOrRef(value: unknown, field: string): { goldenId: string } | { key: SourceKey } {
  if (typeof value === 'string' && isGoldenId(value)) return { goldenId: value };
  if (typeof value !== 'string' || value.indexOf(':') <= 0 || value.endsWith(':')) {
    throw new StoreInputError(
      `store: ${field} must be a golden id ("g-…") or "<system>:<source id>", got ${JSON.stringify(value)}`,
    );
  }
  return { key: requireSourceKey(parseSourceRef(value), field) };
}

/** A plain JSON copy; PostgreSQL's jsonb refuses NUL characters, so both backends do. */
export function jsonCopy<T>(value: T, field: string): T {
  // golden records, documents and events as the hub builds them are plain JSON: one pass, no text
  const fast = plainCopyOf(value);
  if (fast !== undefined) return fast as T;
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(value)) as unknown;
  } catch (err) {
    throw new StoreInputError(`store: ${field} must be JSON-serialisable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  rejectNul(copy, field);
  return copy as T;
}

/** The record as stored: times in UTC, a plain copy of the document, and its content hash. */
export function normalizeSourceRecord(
  record: SourceRecord,
  field = 'record',
): { record: SourceRecord; contentHash: string } {
  requireObject(record, field);
  const key = requireSourceKey(record, field);
  const document = jsonCopy(requireObject(record.document, `${field}.document`), `${field}.document`);
  const normalized: SourceRecord = {
    ...key,
    document,
    updatedAt: requireInstant(record.updatedAt, `${field}.updatedAt`),
  };
  if (record.version !== undefined) {
    if (typeof record.version !== 'number' || !Number.isFinite(record.version)) {
      throw new StoreInputError(
        `store: ${field}.version must be a finite number, got ${JSON.stringify(record.version)}`,
      );
    }
    normalized.version = record.version;
  }
  return { record: normalized, contentHash: contentDigest(document) };
}

/** A valid interaction event with occurredAt in UTC, and the source record it is about (customer.ref). */
export function normalizeSourceEvent(
  event: InteractionEvent,
  field = 'event',
): { event: InteractionEvent; key: SourceKey } {
  requireObject(event, field);
  const verdict = compileValidator('interaction-event')(event);
  if (!verdict.ok) {
    const [first] = verdict.errors;
    throw new StoreInputError(`store: ${field}${first.field ? `.${first.field}` : ''} ${first.message}`);
  }
  const copy = jsonCopy(event, field);
  requireId(copy.eventId, `${field}.eventId`);
  copy.occurredAt = requireInstant(copy.occurredAt, `${field}.occurredAt`);
  const ref = copy.customer?.ref;
  if (typeof ref !== 'string' || ref.indexOf(':') <= 0 || ref.endsWith(':')) {
    throw new StoreInputError(
      `store: ${field}.customer.ref must be the source record "<system>:<source id>" the event is about, got ${JSON.stringify(ref)}`,
    );
  }
  return { event: copy, key: requireSourceKey(parseSourceRef(ref), `${field}.customer.ref`) };
}

/** by key, then occurredAt, then eventId: the order listSourceEvents and readGoldenContext return */
export function compareSourceEvents(a: InteractionEvent, b: InteractionEvent): number {
  return (
    compareSourceKeys(parseSourceRef(a.customer.ref), parseSourceRef(b.customer.ref)) ||
    compareText(a.occurredAt, b.occurredAt) ||
    compareText(a.eventId, b.eventId)
  );
}

/** The arguments of readGoldenContext, checked alike for both backends. */
export function goldenContextQuery(
  goldenIds: readonly string[],
  keys: readonly SourceKey[],
): { ids: string[]; asked: SourceKey[] } {
  return {
    ids: goldenIds.map((id, i) => requireGoldenId(id, `goldenIds[${i}]`)),
    asked: keys.map((key, i) => requireSourceKey(key, `keys[${i}]`)),
  };
}

/** Per key asked for, the golden id holding it (`holderOf`), if any. */
export function contextHolders(
  asked: readonly SourceKey[],
  holderOf: (key: SourceKey) => string | undefined,
): GoldenContext['holders'] {
  return asked.map((key) => {
    const goldenId = holderOf(key);
    return goldenId === undefined ? { key } : { key, goldenId };
  });
}

/** The golden ids a context reads, sorted: those asked for, and per key the holder or the id it would found. */
export function contextGoldenIds(ids: readonly string[], holders: GoldenContext['holders']): string[] {
  return [...new Set([...ids, ...holders.map((h) => h.goldenId ?? goldenIdFor(h.key))])].sort();
}

/** Every key whose record and events a context returns: the current goldens' members and the keys asked for. */
export function contextKeys(goldens: readonly GoldenState[], asked: readonly SourceKey[]): SourceKey[] {
  return sortedKeys([...goldens.flatMap((g) => g.members), ...asked]);
}

export function sortedKeys(keys: Iterable<SourceKey>): SourceKey[] {
  const unique = new Map<string, SourceKey>();
  for (const key of keys)
    unique.set(`${key.system}:${key.sourceId}`, { system: key.system, sourceId: key.sourceId });
  return [...unique.values()].sort(compareSourceKeys);
}

function requirePairSide(value: unknown, field: string): string {
  parseIdOrRef(value, field);
  return value as string;
}

/** The id of a review pair: the same for (a, b) and (b, a). */
export function reviewIdFor(a: string, b: string): string {
  const [x, y] = [a, b].sort(compareText);
  return uuidFromName(`golden.review|${x}|${y}`);
}

/** The pair in code-unit order, checked. */
export function reviewPair(a: unknown, b: unknown): { a: string; b: string; reviewId: string } {
  const [x, y] = [requirePairSide(a, 'review.a'), requirePairSide(b, 'review.b')].sort(compareText);
  if (x === y)
    throw new StoreInputError(`store: review.a and review.b must differ, both are ${JSON.stringify(x)}`);
  return { a: x, b: y, reviewId: reviewIdFor(x, y) };
}

export function normalizeProposal(proposal: ReviewProposal): ReviewItem {
  requireObject(proposal, 'review');
  const pair = reviewPair(proposal.a, proposal.b);
  if (typeof proposal.score !== 'number' || !Number.isFinite(proposal.score)) {
    throw new StoreInputError(
      `store: review.score must be a finite number, got ${JSON.stringify(proposal.score)}`,
    );
  }
  const explanation = jsonCopy(
    requireObject(proposal.explanation, 'review.explanation'),
    'review.explanation',
  );
  return {
    reviewId: pair.reviewId,
    a: pair.a,
    b: pair.b,
    score: proposal.score,
    explanation: explanation as unknown as ReviewProposal['explanation'],
    proposedAt: requireInstant(proposal.proposedAt, 'review.proposedAt'),
    status: 'open',
  };
}

export function requireDecision(value: unknown): ReviewDecision {
  if (value !== 'link' && value !== 'keep-apart') {
    throw new StoreInputError(`store: decision must be "link" or "keep-apart", got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The arguments of resolveReview, checked alike for both backends; the instant decided at (now if left out). */
export function resolutionInstant(reviewId: unknown, decision: unknown, by: unknown, at: unknown): string {
  requireId(reviewId, 'reviewId');
  requireDecision(decision);
  requireId(by, 'by');
  return at === undefined ? new Date().toISOString() : requireInstant(at, 'at');
}

export function reviewStatusOf(decision: ReviewDecision): ReviewStatus {
  return decision === 'link' ? 'linked' : 'kept-apart';
}

/** A pair proposed again after it was linked: the new item, with the decision before it kept. */
export function reproposedItem(item: ReviewItem, held: ReviewItem | undefined): ReviewItem {
  if (!held || held.status !== 'linked') return item;
  return { ...item, earlier: [...(held.earlier ?? []), decisionOf(held)] };
}

/** A kept-apart item a forced merge overrules: linked now, the keep-apart kept in `earlier`. */
export function overruledItem(item: ReviewItem, by: string, at: string): ReviewItem {
  return {
    ...item,
    status: 'linked',
    resolvedBy: by,
    resolvedAt: at,
    earlier: [...(item.earlier ?? []), decisionOf(item)],
  };
}

function decisionOf(item: ReviewItem): NonNullable<ReviewItem['earlier']>[number] {
  const { status, proposedAt, resolvedBy, resolvedAt } = item;
  return { status, proposedAt, ...(resolvedBy ? { resolvedBy } : {}), ...(resolvedAt ? { resolvedAt } : {}) };
}

export function resolvedItem(item: ReviewItem, decision: ReviewDecision, by: string, at: string): ReviewItem {
  return { ...item, status: reviewStatusOf(decision), resolvedBy: by, resolvedAt: at };
}

/** The arguments of a review listing, checked alike for both backends. */
export function reviewListQuery(options: ReviewListOptions = {}): {
  status: ReviewStatus;
  limit: number;
  after?: { proposedAt: string; reviewId: string };
} {
  const status = options?.status ?? 'open';
  if (!REVIEW_STATUSES.includes(status)) {
    throw new StoreInputError(
      `store: options.status must be one of ${REVIEW_STATUSES.join(', ')}, got ${JSON.stringify(status)}`,
    );
  }
  const limit = options?.limit ?? DEFAULT_REVIEW_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REVIEW_LIMIT) {
    throw new StoreInputError(
      `store: options.limit must be an integer from 1 to ${MAX_REVIEW_LIMIT}, got ${JSON.stringify(limit)}`,
    );
  }
  if (options?.after === undefined) return { status, limit };
  return {
    status,
    limit,
    after: {
      proposedAt: requireInstant(options.after?.proposedAt, 'options.after.proposedAt'),
      reviewId: requireId(options.after?.reviewId, 'options.after.reviewId'),
    },
  };
}

/** oldest proposed first, ties by reviewId */
export function compareReviews(a: ReviewItem, b: ReviewItem): number {
  return compareText(a.proposedAt, b.proposedAt) || compareText(a.reviewId, b.reviewId);
}

export const MAX_SOURCE_RECORD_PAGE = 10000;

/** A page of listSourceRecords: the key to start after, if any, and the page size. */
export function sourceRecordPage(options: unknown): { after?: SourceKey; limit: number } {
  const { after, limit = 1000 } = (options ?? {}) as { after?: unknown; limit?: unknown };
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SOURCE_RECORD_PAGE) {
    throw new StoreInputError(
      `store: limit must be an integer from 1 to ${MAX_SOURCE_RECORD_PAGE}, got ${JSON.stringify(limit)}`,
    );
  }
  return after === undefined ? { limit } : { after: requireSourceKey(after, 'after'), limit };
}

export function requireOutboxLimit(value: unknown): number {
  const limit = value ?? 100;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_OUTBOX_LIMIT) {
    throw new StoreInputError(
      `store: limit must be an integer from 1 to ${MAX_OUTBOX_LIMIT}, got ${JSON.stringify(value)}`,
    );
  }
  return limit;
}

export function requireSeqs(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((seq) => Number.isSafeInteger(seq) && (seq as number) > 0)) {
    throw new StoreInputError('store: seqs must be an array of positive whole numbers');
  }
  return [...new Set(value as number[])].sort((x, y) => x - y);
}
