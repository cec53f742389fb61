/**
 * Link, merge, unmerge and event application against a GoldenStore: read the state, decide with the
 * cross-reference and survivorship libraries, and apply the result with the revisions read. When
 * another writer (another hub instance) came first, read again and decide again.
 *
 * This is what the golden-record node, the REST API and the review band call; they never assemble a
 * LinkChange by hand.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import { CrossReference, recompute, type CrossReferenceEntry, type SourceLookup } from './cross-reference';
import { eventContribution, SOURCE_DELETION } from './event-sources';
import type {
  GoldenApplyResult,
  GoldenCause,
  GoldenContext,
  GoldenEvent,
  GoldenExpectation,
  GoldenStore,
  ReviewItem,
  StoredSourceRecord,
} from './golden-store';
import {
  compareSourceKeys,
  compareText,
  parseSourceRef,
  sourceRef,
  type SourceKey,
  type SourceRecord,
  type StaleVersion,
} from './source-versions';
import { acceptVersion } from './source-versions';
import { reviewPair } from './golden-store-input';
import { DEFAULT_MATCH_CONFIG } from './matching/match-config';
import type { TrustConfig, TrustLookup } from './trust';
import type { CustomerWriteResult, StoredCustomer } from './store';

export interface GoldenOperationOptions {
  /** source trust per attribute, from the legacy-system nodes */
  trust?: TrustConfig | TrustLookup;
  /** when the change is made; defaults to now */
  at?: string;
  /** reads after losing to another writer before giving up; default 8 */
  attempts?: number;
  /** the message that caused the change: kept with its outbox entries, for the trace they go out on */
  cause?: GoldenCause;
}

export type LinkOutcome =
  | {
      status: 'applied';
      goldenId: string;
      events: GoldenEvent[];
      /** how the `customer` given was written with the link */
      customer?: CustomerWriteResult;
    }
  /** older than, or a repeat of, the version held: nothing changed */
  | { status: 'stale'; stale: StaleVersion; held: StoredSourceRecord };

export type EventOutcome =
  | { status: 'applied'; goldenId: string; events: GoldenEvent[] }
  /** no golden record holds its source record yet: kept, and applied when the record arrives */
  | { status: 'held' }
  | { status: 'repeat' }
  /** the event type carries no customer data (event-sources.ts) */
  | { status: 'ignored' };

export type MergeOutcome =
  | { status: 'applied'; survivor: string; retired: string; events: GoldenEvent[] }
  /** both already belong to one golden record */
  | { status: 'same'; goldenId: string }
  /** a steward kept a member of one apart from a member of the other; `force` links all the same */
  | { status: 'kept-apart'; review: ReviewItem }
  | { status: 'review-closed'; review?: ReviewItem };

const DEFAULT_ATTEMPTS = 8;

/** The cross-reference of the current golden ids in a context. */
export function crossReferenceOf(context: GoldenContext): CrossReference {
  const entries: CrossReferenceEntry[] = context.goldens
    .filter((g) => g.current)
    .flatMap((g) => g.members.map((key) => ({ ...key, goldenId: g.goldenId })));
  return new CrossReference(entries);
}

/** Survivorship's inputs from a context, with versions not yet stored taking the place of held ones. */
export function lookupOf(
  context: GoldenContext,
  incoming: readonly SourceRecord[] = [],
  events: readonly InteractionEvent[] = [],
): SourceLookup {
  const records = new Map<string, SourceRecord>(context.records.map((r) => [sourceRef(r), r]));
  for (const record of incoming) records.set(sourceRef(record), record);
  const byRef = new Map<string, InteractionEvent[]>();
  const seen = new Set<string>();
  for (const event of [...context.events, ...events]) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const list = byRef.get(event.customer.ref) ?? [];
    list.push(event);
    byRef.set(event.customer.ref, list);
  }
  return {
    recordsOf: (key) => {
      const record = records.get(sourceRef(key));
      return record ? [record] : [];
    },
    eventsOf: (key) => byRef.get(sourceRef(key)) ?? [],
  };
}

/**
 * The revisions the golden records a merge or unmerge works on have now: part of its event's id, so
 * the same merge made again after an unmerge (a steward undoing it) is a new event, while the change's
 * own retries read the same revisions, and a republished outbox entry keeps its stored id anyway.
 */
const occurrenceOf = (context: GoldenContext, goldenIds: readonly string[]): string =>
  goldenIds.map((id) => `${id}@${context.goldens.find((g) => g.goldenId === id)?.revision ?? 0}`).join(',');

const expectationsOf = (context: GoldenContext): GoldenExpectation[] =>
  context.goldens.map((g) => ({ goldenId: g.goldenId, revision: g.revision }));

async function untilApplied<T>(
  options: GoldenOperationOptions,
  what: string,
  attempt: () => Promise<{ done: T } | { retry: string }>,
): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  let last = '';
  for (let i = 0; i < attempts; i++) {
    const outcome = await attempt();
    if ('done' in outcome) return outcome.done;
    last = outcome.retry;
  }
  throw new Error(`golden record: ${what} lost to other writers ${attempts} times (last: ${last})`);
}

function conflictOf(result: GoldenApplyResult): { retry: string } | undefined {
  return !result.applied && result.reason === 'conflict' ? { retry: result.message } : undefined;
}

/**
 * Stores a version of a source record and recomputes the golden record it belongs to: the one that
 * holds it, or `into` (matching linked it there; a golden id or a member's ref), or a new one.
 * `customer`, the record per customerRef the message carried, is written in the link's transaction
 * (one durable commit instead of two); a stale version writes no link, and the caller writes it then.
 */
export async function linkSourceRecord(
  store: GoldenStore,
  record: SourceRecord,
  into?: string,
  options: GoldenOperationOptions & { customer?: StoredCustomer } = {},
): Promise<LinkOutcome> {
  const key: SourceKey = { system: record.system, sourceId: record.sourceId };
  return untilApplied<LinkOutcome>(options, `linking ${sourceRef(key)}`, async () => {
    const target = into === undefined ? undefined : await store.resolveGoldenId(into);
    if (into !== undefined && target === undefined)
      throw new Error(`golden record: no golden record ${JSON.stringify(into)}`);
    const context = await store.readGoldenContext(target ? [target] : [], [key]);
    const held = context.records.find((r) => compareSourceKeys(r, key) === 0);
    const verdict = acceptVersion(held, record);
    if (!verdict.accept)
      return { done: { status: 'stale', stale: verdict.stale, held: held as StoredSourceRecord } };
    const xref = crossReferenceOf(context);
    const attached = xref.attach(key, target, options.at);
    const golden = recompute(xref, attached.goldenId, lookupOf(context, [record]), options.trust);
    const result = await store.applyLink({
      key,
      goldenId: attached.goldenId,
      events: attached.events,
      record,
      expected: expectationsOf(context),
      goldens: [golden],
      ...(options.at ? { at: options.at } : {}),
      ...(options.cause ? { cause: options.cause } : {}),
      ...(options.customer ? { customer: options.customer } : {}),
    });
    if (result.applied) {
      const { events, customer } = result;
      return {
        done: { status: 'applied', goldenId: attached.goldenId, events, ...(customer ? { customer } : {}) },
      };
    }
    if (result.reason === 'stale')
      return { done: { status: 'stale', stale: result.stale, held: result.held } };
    return conflictOf(result) ?? { retry: `unexpected ${result.reason}` };
  });
}

/**
 * Applies an event that carries customer data (address-changed) to the golden record of the source
 * record it is about, and keeps it so every later recompute sees it.
 */
export async function applySourceEvent(
  store: GoldenStore,
  event: InteractionEvent,
  options: GoldenOperationOptions = {},
): Promise<EventOutcome> {
  if (!eventContribution(event) && event.type !== SOURCE_DELETION) return { status: 'ignored' };
  const key = parseSourceRef(event.customer.ref);
  return untilApplied<EventOutcome>(options, `applying event ${event.eventId}`, async () => {
    const context = await store.readGoldenContext([], [key]);
    if (context.events.some((e) => e.eventId === event.eventId)) return { done: { status: 'repeat' } };
    const holder = context.holders[0]?.goldenId;
    if (holder === undefined) {
      return { done: (await store.putSourceEvent(event)) ? { status: 'held' } : { status: 'repeat' } };
    }
    const xref = crossReferenceOf(context);
    const golden = recompute(xref, holder, lookupOf(context, [], [event]), options.trust);
    const result = await store.applyLink({
      key,
      goldenId: holder,
      events: [],
      sourceEvents: [event],
      expected: expectationsOf(context),
      goldens: [golden],
      ...(options.at ? { at: options.at } : {}),
      ...(options.cause ? { cause: options.cause } : {}),
    });
    if (result.applied) return { done: { status: 'applied', goldenId: holder, events: result.events } };
    return conflictOf(result) ?? { retry: `unexpected ${result.reason}` };
  });
}

/**
 * Joins the golden records of `a` and `b` (golden ids or refs), e.g. when a steward links a review
 * item: pass the item as `review` and it is resolved in the same transaction. A pair a steward kept
 * apart across the two refuses the merge unless `force`; forced, those items are linked in the same
 * transaction by the review's steward (or `by`), their keep-apart kept in `earlier`.
 */
export async function mergeGoldenRecords(
  store: GoldenStore,
  a: string,
  b: string,
  options: GoldenOperationOptions & {
    review?: { reviewId: string; by: string };
    force?: boolean;
    /** who forces the merge: the kept-apart items between the two are linked in their name */
    by?: string;
  } = {},
): Promise<MergeOutcome> {
  return untilApplied<MergeOutcome>(options, `merging ${a} and ${b}`, async () => {
    const [first, second] = [await store.resolveGoldenId(a), await store.resolveGoldenId(b)];
    for (const [asked, found] of [
      [a, first],
      [b, second],
    ]) {
      if (found === undefined) throw new Error(`golden record: no golden record ${JSON.stringify(asked)}`);
    }
    if (first === second) {
      if (options.review)
        await store.resolveReview(options.review.reviewId, 'link', options.review.by, options.at);
      return { done: { status: 'same', goldenId: first as string } };
    }
    const context = await store.readGoldenContext([first as string, second as string]);
    // a steward's "not the same customer" holds for the golden records they are in now: a link through
    // a third record must not join the two behind the decision
    // (the item being linked, if closed meanwhile, is the transaction's to refuse: review-closed)
    const keptApart = await keptApartAcross(
      store,
      context,
      first as string,
      second as string,
      options.review?.reviewId,
      options.force === true,
    );
    if (!options.force && keptApart.length > 0)
      return { done: { status: 'kept-apart', review: keptApart[0] } };
    // Forced, the decisions it overrules are linked with it: left kept apart inside one record, the
    // band would show a decision that no longer holds, and a later unmerge would not find the link it
    // undoes (its retry then answered as a stranger's, unmergedBefore).
    const by = options.review?.by ?? options.by ?? 'merge';
    const overrule = keptApart.length > 0 ? { reviewIds: keptApart.map((i) => i.reviewId), by } : undefined;
    const xref = crossReferenceOf(context);
    const { survivor, retired, events } = xref.merge(
      first as string,
      second as string,
      options.at,
      occurrenceOf(context, [first as string, second as string]),
    );
    const golden = recompute(xref, survivor, lookupOf(context), options.trust);
    const result = await store.applyMerge({
      survivor,
      retired,
      events,
      expected: expectationsOf(context),
      goldens: [golden],
      ...(options.review ? { review: options.review } : {}),
      ...(overrule ? { overrule } : {}),
      ...(options.at ? { at: options.at } : {}),
      ...(options.cause ? { cause: options.cause } : {}),
    });
    if (result.applied) return { done: { status: 'applied', survivor, retired, events: result.events } };
    if (result.reason === 'review-closed') {
      return { done: { status: 'review-closed', ...(result.review ? { review: result.review } : {}) } };
    }
    return conflictOf(result) ?? { retry: `unexpected ${result.reason}` };
  });
}

/**
 * The review items between a member of one golden record and a member of the other (current golden
 * ids): the decisions and proposals that cover the pair of golden records.
 */
export async function reviewsAcross(
  store: GoldenStore,
  first: string,
  second: string,
): Promise<ReviewItem[]> {
  // Under concurrent intake (PostgreSQL, several consumers) the partner may have been merged into this
  // golden record, or a member read in both lists while it moves: a record is no pair with itself.
  if (first === second) return [];
  const [mine, theirs] = [await store.listGoldenMembers(first), await store.listGoldenMembers(second)];
  const found: ReviewItem[] = [];
  for (const x of mine) {
    for (const y of theirs) {
      if (sourceRef(x) === sourceRef(y)) continue;
      const item = await store.getReview(reviewPair(sourceRef(x), sourceRef(y)).reviewId);
      if (item) found.push(item);
    }
  }
  return found;
}

/**
 * The reviews a steward decided "keep apart" between a member of `first` and one of `second`: the
 * first found, or with `all` every one.
 */
async function keptApartAcross(
  store: GoldenStore,
  context: GoldenContext,
  first: string,
  second: string,
  deciding: string | undefined,
  all: boolean,
): Promise<ReviewItem[]> {
  const membersOf = (goldenId: string) =>
    (context.goldens.find((g) => g.goldenId === goldenId)?.members ?? []).map(sourceRef);
  const found: ReviewItem[] = [];
  for (const x of membersOf(first)) {
    for (const y of membersOf(second)) {
      const { reviewId } = reviewPair(x, y);
      if (reviewId === deciding) continue;
      const review = await store.getReview(reviewId);
      if (review?.status !== 'kept-apart') continue;
      found.push(review);
      if (!all) return found;
    }
  }
  return found;
}

/**
 * Splits `split` off the golden record of `idOrRef`; each part is recomputed from its own records.
 * The split is a steward's "not the same customer": the pairs across it that were linked (or open) are
 * decided "keep apart" by `by`, or, where none was, one pair of the two parts' smallest refs, so
 * matching never joins the parts again by itself and a link through a third record answers kept-apart.
 */
export async function unmergeGoldenRecord(
  store: GoldenStore,
  idOrRef: string,
  split: readonly SourceKey[],
  options: GoldenOperationOptions & { by?: string } = {},
): Promise<{ parts: { goldenId: string; sources: SourceKey[] }[]; events: GoldenEvent[] }> {
  const done = await untilApplied<{
    parts: { goldenId: string; sources: SourceKey[] }[];
    events: GoldenEvent[];
    rest: SourceKey[];
  }>(options, `unmerging ${idOrRef}`, async () => {
    const from = await store.resolveGoldenId(idOrRef);
    if (from === undefined) throw new Error(`golden record: no golden record ${JSON.stringify(idOrRef)}`);
    const context = await store.readGoldenContext([from]);
    const xref = crossReferenceOf(context);
    const { parts, events } = xref.unmerge(from, split, options.at, occurrenceOf(context, [from]));
    // the part that gets its old id back: that id's revision (it was retired) is part of the change
    const revived = await store.readGoldenContext(parts.map((p) => p.goldenId).filter((id) => id !== from));
    const lookup = lookupOf(context);
    const result = await store.applyUnmerge({
      from,
      parts,
      events,
      expected: [...expectationsOf(context), ...expectationsOf(revived)],
      goldens: parts.map((part) => recompute(xref, part.goldenId, lookup, options.trust)),
      ...(options.at ? { at: options.at } : {}),
      ...(options.cause ? { cause: options.cause } : {}),
    });
    const splitRefs = new Set(split.map(sourceRef));
    const rest = parts
      .filter((p) => !p.sources.some((k) => splitRefs.has(sourceRef(k))))
      .flatMap((p) => p.sources);
    if (result.applied) return { done: { parts, events: result.events, rest } };
    return conflictOf(result) ?? { retry: `unexpected ${result.reason}` };
  });
  await keepApartAfterUnmerge(store, split, done.rest, options.by ?? 'unmerge', options.at);
  return { parts: done.parts, events: done.events };
}

/** The pairs across an unmerge decided "keep apart" (unmergeGoldenRecord). */
async function keepApartAfterUnmerge(
  store: GoldenStore,
  split: readonly SourceKey[],
  rest: readonly SourceKey[],
  by: string,
  at: string | undefined,
): Promise<void> {
  const across: ReviewItem[] = [];
  for (const x of split) {
    for (const y of rest) {
      const item = await store.getReview(reviewPair(sourceRef(x), sourceRef(y)).reviewId);
      if (item) across.push(item);
    }
  }
  const decided = across.filter((item) => item.status !== 'kept-apart');
  // a steward kept the parts apart already, and nothing across says otherwise
  if (decided.length === 0 && across.length > 0) return;
  const now = at ?? new Date().toISOString();
  const pairs =
    decided.length > 0
      ? decided.map((item) => ({ a: item.a, b: item.b, score: item.score, explanation: item.explanation }))
      : [
          {
            a: sourceRef(split[0]),
            b: sourceRef(rest[0]),
            score: 0,
            explanation: unmergeExplanation(by, now),
          },
        ];
  for (const pair of pairs) {
    // a linked pair is proposed again (its link kept in `earlier`), then closed as kept apart
    const proposed = await store.proposeReview({ ...pair, proposedAt: now });
    if (proposed.item.status !== 'open') continue;
    // An item still open across the split keeps matching's explanation and gains no `earlier` link:
    // only who closed it can tell a retry (unmergedBefore) it was one record, not a steward's
    // keep-apart between two records that never were one.
    const closer = proposed.stored ? by : unmergeCloser(by);
    await store.resolveReview(proposed.item.reviewId, 'keep-apart', closer, now);
  }
}

/** how an unmerge names itself as the closer of an item that was still open across the split */
const UNMERGE_CLOSER = ' (unmerge)';

function unmergeCloser(by: string): string {
  return by.endsWith(UNMERGE_CLOSER) ? by : `${by}${UNMERGE_CLOSER}`;
}

/** how an unmerge's own keep-apart item begins its summary (unmergedBefore reads it) */
const UNMERGE_SUMMARY = 'split by an unmerge (';

function unmergeExplanation(by: string, at: string): ReviewItem['explanation'] {
  const { linkThreshold, reviewThreshold } = DEFAULT_MATCH_CONFIG;
  return {
    rule: 'weights',
    summary: `${UNMERGE_SUMMARY}${by}, ${at}): kept apart`,
    comparisons: [],
    nameOrder: 'as-given',
    conflicts: [],
    totalWeight: 0,
    thresholds: { link: linkThreshold, review: reviewThreshold },
  };
}

/**
 * The golden records as they are now, when an unmerge of `split` from the golden record of `idOrRef`
 * was applied before and nothing of it is left to do: a client's retry of a lost answer. Undefined
 * when the sources never belonged to it (or belong to it still), so the caller refuses as before.
 *
 * An unmerge leaves no record of itself but its keep-apart items (keepApartAfterUnmerge), so "was split
 * off" reads as: the sources are held by other golden records, each kept apart from this one by an
 * item that shows the two were one record (a link the split undid, the unmerge's own item, or one it
 * closed while still open). A pair a steward only kept apart, never linked, was never one record:
 * that stays a refusal.
 * When the split took the record's own id along (its smallest ref), the rest moved to an id the
 * request does not name: the kept-apart items are read to find it.
 */
export async function unmergedBefore(
  store: GoldenStore,
  idOrRef: string,
  split: readonly SourceKey[],
): Promise<{ goldenId: string; sources: SourceKey[] }[] | undefined> {
  const from = await store.resolveGoldenId(idOrRef);
  if (from === undefined || split.length === 0) return undefined;
  const members = await store.listGoldenMembers(from);
  const held = new Set(members.map(sourceRef));
  const asked = new Set(split.map(sourceRef));
  let others: Set<string>;
  if ([...asked].every((ref) => !held.has(ref))) {
    others = new Set<string>();
    for (const ref of asked) {
      const now = await store.resolveGoldenId(ref);
      if (now === undefined || now === from) return undefined;
      others.add(now);
    }
    for (const other of others) {
      const across = await reviewsAcross(store, other, from);
      if (!across.some(splitByUnmerge)) return undefined;
    }
  } else if (asked.size === held.size && [...asked].every((ref) => held.has(ref))) {
    others = await splitOffFrom(store, from, held);
    if (others.size === 0) return undefined;
  } else {
    return undefined;
  }
  const parts = [{ goldenId: from, sources: members }];
  for (const goldenId of others) parts.push({ goldenId, sources: await store.listGoldenMembers(goldenId) });
  return parts.sort((x, y) => compareText(x.goldenId, y.goldenId));
}

/**
 * A kept-apart item between two records that were one: linked before, written by an unmerge, or
 * closed by one while still open.
 */
function splitByUnmerge(item: ReviewItem): boolean {
  if (item.status !== 'kept-apart') return false;
  return (
    item.earlier?.some((e) => e.status === 'linked') === true ||
    item.explanation.summary.startsWith(UNMERGE_SUMMARY) ||
    item.resolvedBy?.endsWith(UNMERGE_CLOSER) === true
  );
}

/** The golden records an unmerge split off from `held` (by its kept-apart items), other than `from`. */
async function splitOffFrom(
  store: GoldenStore,
  from: string,
  held: ReadonlySet<string>,
): Promise<Set<string>> {
  // each golden record found, with the instant of the latest item that split it off
  const found = new Map<string, string>();
  // no index by member: the kept-apart band is read a page at a time (a steward's decisions, not many)
  const limit = 1000;
  let after: { proposedAt: string; reviewId: string } | undefined;
  for (;;) {
    const page = await store.listReviews({ status: 'kept-apart', limit, ...(after ? { after } : {}) });
    for (const item of page) {
      if (held.has(item.a) === held.has(item.b) || !splitByUnmerge(item)) continue;
      const other = await store.resolveGoldenId(held.has(item.a) ? item.b : item.a);
      const at = item.resolvedAt ?? '';
      if (other !== undefined && other !== from && (found.get(other) ?? '') <= at) found.set(other, at);
    }
    if (page.length < limit) return latestOf(found);
    const last = page[page.length - 1];
    after = { proposedAt: last.proposedAt, reviewId: last.reviewId };
  }
}

/**
 * The golden records split off by the latest unmerge among those found: every item one unmerge
 * decides carries its one instant (keepApartAfterUnmerge), and a member split off by an earlier
 * unmerge is no part of the one sent again.
 */
function latestOf(found: ReadonlyMap<string, string>): Set<string> {
  const latest = [...found.values()].reduce((x, y) => (x > y ? x : y), '');
  return new Set([...found].filter(([, at]) => at === latest).map(([goldenId]) => goldenId));
}

/** Computes a golden record again from what is stored (after a trust change, or when recomputeNeeded). */
export async function recomputeGoldenRecord(
  store: GoldenStore,
  idOrRef: string,
  options: GoldenOperationOptions = {},
): Promise<{ goldenId: string; events: GoldenEvent[] }> {
  return untilApplied<{ goldenId: string; events: GoldenEvent[] }>(
    options,
    `recomputing ${idOrRef}`,
    async () => {
      const goldenId = await store.resolveGoldenId(idOrRef);
      if (goldenId === undefined)
        throw new Error(`golden record: no golden record ${JSON.stringify(idOrRef)}`);
      const context = await store.readGoldenContext([goldenId]);
      const xref = crossReferenceOf(context);
      const [first] = xref.sourcesOf(goldenId);
      if (!first) return { retry: `${goldenId} was retired meanwhile` };
      const result = await store.applyLink({
        key: first,
        goldenId,
        events: [],
        expected: expectationsOf(context),
        goldens: [recompute(xref, goldenId, lookupOf(context), options.trust)],
        ...(options.at ? { at: options.at } : {}),
        ...(options.cause ? { cause: options.cause } : {}),
      });
      if (result.applied) return { done: { goldenId, events: result.events } };
      return conflictOf(result) ?? { retry: `unexpected ${result.reason}` };
    },
  );
}
