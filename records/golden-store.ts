/**
 * The store's side of the golden record: source record versions, the cross-reference, golden
 * documents with lineage, events per source record, the review band and the outbox of crm.golden.
 * Part of HubStore; both backends run the same contract suite.
 *
 * Concurrency. Every golden id has a revision (0 for an id never stored). A change names the revision
 * it read of every golden id it touches (`expected`), and the store applies it only if they are all
 * still current, in one transaction; every named id then moves to revision + 1. So two hub instances
 * that merge the same records at once cannot both win: the loser reads again and decides again.
 *
 * "The golden id of a source record" is the one that holds it, or for a record no golden id holds
 * yet, the id it would found (goldenIdFor). A change to a record's inputs (its version, its events,
 * its membership) moves that id's revision, so a change computed from an older read is refused.
 */
import type { Customer, InteractionEvent } from '../mappings/canonical/types';
import type { MatchExplanation } from './matching/match-decision';
import type { GoldenMergedEvent, GoldenIdentityEvent, GoldenUnmergedEvent } from './cross-reference';
import type { SourceKey, SourceRecord, StaleVersion } from './source-versions';
import type { AttributeLineage, GoldenRecord } from './survivorship';
import type { CustomerWriteResult, StoredCustomer } from './store';

/** The version of a source record the store holds: the newest accepted. */
export interface StoredSourceRecord extends SourceRecord {
  /** UTC with millisecond precision */
  updatedAt: string;
  /** hex SHA-256 of the canonical JSON of the document */
  contentHash: string;
  /** when the store accepted this version (UTC) */
  storedAt: string;
}

export type SourceRecordWrite =
  | { accepted: true; created: boolean; record: StoredSourceRecord }
  /** older than the held version, or a repeat of it: nothing written, `record` is the held one */
  | { accepted: false; stale: StaleVersion; record: StoredSourceRecord };

/** A golden id as the store holds it. */
export interface GoldenState {
  goldenId: string;
  /** 0 for an id never stored */
  revision: number;
  /** false for an id retired by a merge, or one that never held records */
  current: boolean;
  /** the source records it holds (sorted); empty unless current */
  members: SourceKey[];
}

/** What a recompute needs, read consistently: the golden ids, and their members' records and events. */
export interface GoldenContext {
  /** the ids asked for, and the golden id of every key asked for, sorted */
  goldens: GoldenState[];
  /** per key asked for: the golden id holding it, if any */
  holders: { key: SourceKey; goldenId?: string }[];
  /** the held version of every member and every key asked for, sorted by key */
  records: StoredSourceRecord[];
  /** the events about them, by key, then occurredAt, then eventId */
  events: InteractionEvent[];
}

export interface StoredGolden {
  goldenId: string;
  revision: number;
  /** as computed by survivorship: document, lineage per attribute, sources, events, stale, ignored */
  record: GoldenRecord;
  /** the cross-reference of this golden id: every source record it holds, sorted */
  members: SourceKey[];
  /** a member's record or event was stored after the document was computed: a recompute is due */
  recomputeNeeded: boolean;
  /** when the document was written (UTC) */
  updatedAt: string;
}

/** The current golden document of a golden id, as getGoldenDocument reads it. */
export interface GoldenDocumentRead {
  goldenId: string;
  revision: number;
  /** shared with later reads (the embedded store caches it): frozen, never to be changed */
  document: GoldenRecord['document'];
  /** the source record asked for ("<system>:<source id>"), a member of the golden record; absent for a golden id */
  key?: SourceKey;
  /**
   * false when no member's record can be deleted in its source (maySourceDeletionBeKnown): the sync
   * targets then read no event history; true says only that one may be
   */
  sourceDeletionPossible: boolean;
}

export interface GoldenExpectation {
  goldenId: string;
  /** as read (GoldenContext); 0 for an id never stored */
  revision: number;
}

/**
 * The message that caused a change: its W3C trace and the id of the first event of the chain. Kept
 * with each outbox entry the change writes, so the publisher, whichever drain or hub instance lists
 * the entry, sends the golden event on that trace.
 */
export interface GoldenCause {
  traceparent: string;
  eventId?: string;
}

interface GoldenChangeBase {
  /** the message that caused the change, kept with every outbox entry it writes */
  cause?: GoldenCause;
  /** every golden id the change reads or writes, at the revision read */
  expected: readonly GoldenExpectation[];
  /** the recomputed golden records of the ids the change leaves current (survivorship) */
  goldens: readonly GoldenRecord[];
  /** when the change is made; defaults to now */
  at?: string;
}

/** CrossReference.attach persisted: a source record joins a golden record (or founds one). */
export interface LinkChange extends GoldenChangeBase {
  key: SourceKey;
  /** attach's goldenId */
  goldenId: string;
  /** attach's events: a golden.merged when the id moved to the record's smaller ref */
  events: readonly GoldenMergedEvent[];
  /** the record's new version: stored in the same transaction, and the change refused if it is stale */
  record?: SourceRecord;
  /** events about this record (e.g. address-changed), stored in the same transaction */
  sourceEvents?: readonly InteractionEvent[];
  /**
   * the record per customerRef (HubStore.putCustomer, by its rule) written in the same transaction
   * when the change is applied; a refused change writes it no more than the rest
   */
  customer?: StoredCustomer;
}

/** CrossReference.merge persisted. */
export interface MergeChange extends GoldenChangeBase {
  survivor: string;
  retired: string;
  events: readonly GoldenMergedEvent[];
  /** a review item this merge resolves as "link", in the same transaction */
  review?: { reviewId: string; by: string };
  /**
   * kept-apart items between the two a forced merge overrules: linked by `by` in the same transaction,
   * the keep-apart kept in `earlier`, so the band shows the pair as one record and a later unmerge
   * finds the link it undoes (an item no longer kept apart is left as it is)
   */
  overrule?: { reviewIds: readonly string[]; by: string };
}

/** CrossReference.unmerge persisted. */
export interface UnmergeChange extends GoldenChangeBase {
  from: string;
  parts: readonly { goldenId: string; sources: readonly SourceKey[] }[];
  events: readonly GoldenUnmergedEvent[];
}

/** Published for every golden record whose document or lineage a change altered. */
export interface GoldenChangedEvent {
  type: 'golden.changed';
  /** from golden id and revision: the same change, the same id */
  eventId: string;
  goldenId: string;
  revision: number;
  document: Customer;
  lineage: Record<string, AttributeLineage>;
  members: SourceKey[];
  at: string;
}

export type GoldenEvent = GoldenIdentityEvent | GoldenChangedEvent;

export type GoldenApplyResult =
  | {
      applied: true;
      revisions: GoldenExpectation[];
      events: GoldenEvent[];
      /** how the link's `customer` was written, as putCustomer answers */
      customer?: CustomerWriteResult;
    }
  /** another writer came first: read again and decide again */
  | { applied: false; reason: 'conflict'; message: string }
  /** the carried record is older than (or repeats) the held version */
  | { applied: false; reason: 'stale'; stale: StaleVersion; held: StoredSourceRecord }
  /** the review item named is not open any more */
  | { applied: false; reason: 'review-closed'; review?: ReviewItem };

/** One event waiting to be published on crm.golden, in the order the changes were made. */
export interface GoldenOutboxEntry {
  /** increasing; the entries of one golden id in the order their changes were committed */
  seq: number;
  /** the golden id it concerns (survivor, the id split, or the changed one): the routing and ordering key */
  goldenId: string;
  event: GoldenEvent;
  /** as the change was written with; absent for a change without one (a steward's, an older entry) */
  cause?: GoldenCause;
}

/** A pair matching put between the two thresholds, for a data steward. */
export interface ReviewProposal {
  /** golden ids ("g-…") or source refs ("crm:4711"); order does not matter */
  a: string;
  b: string;
  /** the total weight in bits */
  score: number;
  /** decide-pair's explanation */
  explanation: MatchExplanation;
  proposedAt: string;
}

export type ReviewStatus = 'open' | 'linked' | 'kept-apart';
export type ReviewDecision = 'link' | 'keep-apart';

export interface ReviewItem extends ReviewProposal {
  /** from the pair: the same pair, the same id, whichever side is a */
  reviewId: string;
  status: ReviewStatus;
  resolvedBy?: string;
  resolvedAt?: string;
  /**
   * the decisions on this pair before it came up again (linked, then split by an unmerge) or was
   * overruled (kept apart, then joined by a forced merge), oldest first: the steward's trail is not
   * overwritten by the new decision
   */
  earlier?: { status: ReviewStatus; proposedAt: string; resolvedBy?: string; resolvedAt?: string }[];
}

export type ReviewProposalResult =
  | { stored: true; item: ReviewItem }
  /** already open, or kept apart by a steward: not proposed again */
  | { stored: false; item: ReviewItem };

export type ReviewResolution =
  | { outcome: 'resolved'; item: ReviewItem }
  | { outcome: 'already-resolved'; item: ReviewItem }
  | { outcome: 'not-found' };

export interface ReviewListOptions {
  /** default "open" */
  status?: ReviewStatus;
  /** default 100, at most 1000 */
  limit?: number;
  /** the last item of the previous page */
  after?: { proposedAt: string; reviewId: string };
}

/**
 * A page of held source records in the store's key order (system, then source id; code-unit order in
 * LMDB, the database's collation in PostgreSQL): pages continue after the last key of the previous one.
 */
export interface SourceRecordListOptions {
  /** the last key of the previous page */
  after?: SourceKey;
  /** default 1000, at most 10000 */
  limit?: number;
}

export interface GoldenStore {
  /**
   * Stores a version of a source record if it is newer than the held one (acceptVersion), atomically
   * also across hub instances: a stale or repeated version is refused and the held one returned. An
   * accepted version moves the revision of the record's golden id and marks its document for recompute.
   */
  putSourceRecord(record: SourceRecord): Promise<SourceRecordWrite>;
  getSourceRecord(key: SourceKey): Promise<StoredSourceRecord | undefined>;
  /** the held version of every source record, a page at a time (to rebuild a match index after a restart) */
  listSourceRecords(options?: SourceRecordListOptions): Promise<StoredSourceRecord[]>;

  /**
   * Keeps an event about a source record (its customer.ref) for survivorship; idempotent by eventId
   * (true the first time). A new event moves the revision of the record's golden id, like a version.
   */
  putSourceEvent(event: InteractionEvent): Promise<boolean>;
  /** the events kept about a source record, oldest first, ties by eventId */
  listSourceEvents(key: SourceKey): Promise<InteractionEvent[]>;

  /** the current golden id for "g-…" (current or retired) or "<system>:<source id>"; undefined if unknown */
  resolveGoldenId(idOrRef: string): Promise<string | undefined>;
  /** the golden record of "g-…" or "<system>:<source id>", resolved through the cross-reference */
  getGolden(idOrRef: string): Promise<StoredGolden | undefined>;
  /**
   * Only the golden document of "g-…" or "<system>:<source id>": what the policies and the next best
   * offer read at every event and page view, without the lineage, sources and members of getGolden
   */
  getGoldenDocument(idOrRef: string): Promise<GoldenDocumentRead | undefined>;
  /** the source records of the golden record of "g-…" or "<system>:<source id>", sorted; [] if unknown */
  listGoldenMembers(idOrRef: string): Promise<SourceKey[]>;
  /** the state a change is computed from; `goldenIds` may be current, retired or new ids */
  readGoldenContext(goldenIds: readonly string[], keys?: readonly SourceKey[]): Promise<GoldenContext>;

  /** Persists attach: cross-reference, record version, events, golden documents and outbox in one transaction. */
  applyLink(change: LinkChange): Promise<GoldenApplyResult>;
  /** Persists merge: the retired id's records move to the survivor; the retired id resolves to it. */
  applyMerge(change: MergeChange): Promise<GoldenApplyResult>;
  /** Persists unmerge: each part gets its id back, with its own document and lineage. */
  applyUnmerge(change: UnmergeChange): Promise<GoldenApplyResult>;

  /** Puts a pair in the review band unless it is open already or a steward kept it apart. */
  proposeReview(proposal: ReviewProposal): Promise<ReviewProposalResult>;
  getReview(reviewId: string): Promise<ReviewItem | undefined>;
  /** oldest proposed first, ties by reviewId */
  listReviews(options?: ReviewListOptions): Promise<ReviewItem[]>;
  /**
   * Closes an open item, once (of two stewards deciding at once, one wins). "link" only records the
   * decision: the merge itself is applyMerge (which can resolve the item in its own transaction).
   */
  resolveReview(
    reviewId: string,
    decision: ReviewDecision,
    by: string,
    at?: string,
  ): Promise<ReviewResolution>;
  /** true when a steward kept this pair apart */
  isKeptApart(a: string, b: string): Promise<boolean>;

  /**
   * Events of applied changes not yet published, oldest first (limit 1 to 1000, default 100). A
   * publisher sends them, then marks them; a crash in between sends them again (at least once).
   *
   * `except`: seqs left out, the limit counting only the entries returned. A publisher names the ones
   * it has sent whose marks are not written yet: under load they are most of the outbox's head, and
   * reading them only to drop them again cost more than the listing of the new ones.
   */
  listGoldenOutbox(limit?: number, except?: readonly number[]): Promise<GoldenOutboxEntry[]>;
  /** removes published entries; returns how many were still there */
  markGoldenPublished(seqs: readonly number[]): Promise<number>;
}
