/**
 * The golden store in LMDB, for EmbeddedStore. Every check and its write run inside one LMDB write
 * transaction: LMDB has a single writer, so a check cannot be overtaken between reading and writing.
 */
import type { Database, RootDatabase } from 'lmdb';
import { DOCUMENTS } from './lmdb-documents';
import { durable } from './lmdb-durable';
import { writeCustomer } from './embedded-customers';
import type { VersionedCustomer } from './store';
import type { InteractionEvent } from '../mappings/canonical/types';
import { goldenIdFor } from './cross-reference';
import { SettledReadCache } from './settled-read-cache';
import {
  appliedResult,
  checkLink,
  checkMerge,
  checkUnmerge,
  planChange,
  type CheckedChange,
  type GoldenRow,
  type GoldenWritePlan,
  type PlanState,
} from './golden-change-plan';
import type {
  GoldenApplyResult,
  GoldenCause,
  GoldenContext,
  GoldenDocumentRead,
  GoldenOutboxEntry,
  GoldenEvent,
  GoldenState,
  GoldenStore,
  LinkChange,
  MergeChange,
  ReviewDecision,
  ReviewItem,
  ReviewListOptions,
  ReviewProposal,
  ReviewProposalResult,
  ReviewResolution,
  SourceRecordListOptions,
  SourceRecordWrite,
  StoredGolden,
  StoredSourceRecord,
  UnmergeChange,
} from './golden-store';
import {
  compareSourceEvents,
  contextGoldenIds,
  contextHolders,
  contextKeys,
  goldenContextQuery,
  normalizeProposal,
  normalizeSourceEvent,
  normalizeSourceRecord,
  parseIdOrRef,
  requireOutboxLimit,
  requireSeqs,
  requireSourceKey,
  resolutionInstant,
  reproposedItem,
  resolvedItem,
  reviewListQuery,
  reviewPair,
  sortedKeys,
  sourceRecordPage,
} from './golden-store-input';
import { acceptVersion, compareSourceKeys, type SourceKey } from './source-versions';
import { setBounded } from './bounded-map';
import { requireId } from './store-input';
import { frozenCopyData } from '../formats/copy-data';
import { maySourceDeletionBeKnown } from './event-sources';

type Key = string[];
// Sorts after every id we store, so [prefix, END] closes a range (as in embedded-store.ts).
const END = '\uffff';
const OUTBOX_SEQ = 'golden-outbox-seq';
const MEMBER_LISTS_KEPT = 10_000;
const OUTBOX_ENTRIES_KEPT = 10_000;

const keyOf = (key: SourceKey): Key => [key.system, key.sourceId];
const copyKeys = (keys: readonly SourceKey[]): SourceKey[] => keys.map((k) => ({ ...k }));

/** a row of a golden id in use, with its record: the only rows the read cache keeps */
type CurrentRow = GoldenRow & { current: true; record: NonNullable<GoldenRow['record']> };

function deletionPossible(row: CurrentRow): boolean {
  return maySourceDeletionBeKnown(row.record.ignoredEvents, row.recomputeNeeded);
}

interface Writes {
  touched: string[];
  rows: Map<string, { token: symbol; row: GoldenRow }>;
  /** the members of the current rows written, at their new revisions */
  members: Map<string, MemberList>;
  /** the outbox entries written */
  outbox: { seq: number; value: OutboxValue }[];
}

interface MemberList {
  revision: number;
  members: SourceKey[];
}

interface OutboxValue {
  goldenId: string;
  event: GoldenEvent;
  /** absent in entries written before causes were kept, and for changes without one */
  cause?: GoldenCause;
}

export class EmbeddedGolden implements GoldenStore {
  /** [system, sourceId] -> the held version */
  private readonly records: Database<StoredSourceRecord, Key>;
  /** [system, sourceId, eventId] -> the event: one record's events are one range */
  private readonly events: Database<InteractionEvent, Key>;
  /** eventId -> its key in events, so a redelivered event is recognised whatever it says */
  private readonly eventIds: Database<Key, string>;
  /** [system, sourceId] -> golden id */
  private readonly xref: Database<string, Key>;
  /** [goldenId, system, sourceId]: one golden id's members are one range */
  private readonly members: Database<number, Key>;
  /** every golden id ever issued -> the source record it was made from, so a retired id still resolves */
  private readonly issued: Database<Key, string>;
  private readonly goldens: Database<GoldenRow, string>;
  /**
   * goldenId -> the revision of its row, written with the row: a small value that says whether a cached
   * document is still the stored one, whoever wrote since (another store instance or process on the
   * same files too), without decoding the row
   */
  private readonly revisions: Database<number, string>;
  /** the members of the golden ids read last, each at the revision it was read at */
  private readonly memberLists = new Map<string, MemberList>();
  /**
   * the current golden rows read or written last, frozen: policies and the next best offer read the
   * document at every event and page view, and the next change of a golden id reads its row again in
   * its transaction (decoding a row with its lineage cost more than the copy kept at each write)
   */
  private readonly rows = new SettledReadCache<CurrentRow>();
  /** the golden rows the transaction body running now writes, and each id once per write (see write) */
  private writes: Writes | undefined;
  private readonly reviews: Database<ReviewItem, string>;
  /** [status, proposedAt, reviewId]: the band of one status in listing order */
  private readonly reviewsByStatus: Database<string, Key>;
  private readonly outbox: Database<OutboxValue, number>;
  /**
   * golden.changed entries this instance wrote, by seq, frozen: the publisher lists each one right after
   * its change, and decoding it again (a document with its lineage) cost more than building it of the
   * frozen row copy the write keeps anyway. An entry never changes once written and its seq is never
   * issued again, so a kept one is the stored one for as long as its key is there.
   */
  private readonly outboxKept = new Map<number, GoldenOutboxEntry>();
  private readonly counters: Database<number, string>;

  /**
   * `customers`: EmbeddedStore's records per customerRef, which a link carrying one (LinkChange.customer)
   * writes in its transaction
   */
  constructor(
    private readonly root: RootDatabase,
    private readonly customers: Database<VersionedCustomer, string>,
  ) {
    this.records = root.openDB('golden-source-records', DOCUMENTS);
    this.events = root.openDB('golden-source-events', DOCUMENTS);
    this.eventIds = root.openDB('golden-source-event-ids', {});
    this.xref = root.openDB('golden-xref', {});
    this.members = root.openDB('golden-members', {});
    this.issued = root.openDB('golden-issued-ids', {});
    this.goldens = root.openDB('goldens', DOCUMENTS);
    this.revisions = root.openDB('golden-revisions', {});
    this.reviews = root.openDB('golden-reviews', DOCUMENTS);
    this.reviewsByStatus = root.openDB('golden-reviews-by-status', {});
    this.outbox = root.openDB('golden-outbox', DOCUMENTS);
    this.counters = root.openDB('golden-counters', {});
  }

  /**
   * Stores written before the revisions table existed get it once, at open, in one transaction: until
   * then no cached document or member list of theirs could be used.
   */
  async indexRevisions(): Promise<void> {
    for (const _ of this.revisions.getKeys({ limit: 1 })) return;
    let any = false;
    for (const _ of this.goldens.getKeys({ limit: 1 })) any = true;
    if (!any) return;
    await durable(
      this.root,
      this.root.transaction(() => {
        for (const { key, value } of this.goldens.getRange({})) void this.revisions.put(key, value.revision);
      }),
    );
  }

  async putSourceRecord(record: Parameters<GoldenStore['putSourceRecord']>[0]): Promise<SourceRecordWrite> {
    const { record: incoming, contentHash } = normalizeSourceRecord(record);
    const now = new Date().toISOString();
    return this.write((): SourceRecordWrite => {
      const held = this.records.get(keyOf(incoming));
      if (held) {
        const verdict = acceptVersion(held, incoming);
        if (!verdict.accept) return { accepted: false, stale: verdict.stale, record: held };
      }
      const stored: StoredSourceRecord = { ...incoming, contentHash, storedAt: now };
      void this.records.put(keyOf(incoming), stored);
      this.touchHome(incoming);
      return { accepted: true, created: held === undefined, record: stored };
    });
  }

  async getSourceRecord(key: SourceKey): Promise<StoredSourceRecord | undefined> {
    return this.records.get(keyOf(requireSourceKey(key, 'key')));
  }

  async listSourceRecords(options?: SourceRecordListOptions): Promise<StoredSourceRecord[]> {
    const { after, limit } = sourceRecordPage(options);
    // the range starts at `after` inclusive: one more is read and `after` itself left out
    const rows = this.records.getRange({ ...(after ? { start: keyOf(after) } : {}), limit: limit + 1 });
    const page: StoredSourceRecord[] = [];
    for (const { value } of rows) {
      if (after && compareSourceKeys(value, after) <= 0) continue;
      if (page.length === limit) break;
      page.push(value);
    }
    return page;
  }

  async putSourceEvent(event: InteractionEvent): Promise<boolean> {
    const { event: doc, key } = normalizeSourceEvent(event);
    return this.write(() => {
      if (this.eventIds.doesExist(doc.eventId)) return false;
      this.storeEvent(doc, key);
      this.touchHome(key);
      return true;
    });
  }

  async listSourceEvents(key: SourceKey): Promise<InteractionEvent[]> {
    return this.eventsOf(requireSourceKey(key, 'key')).sort(compareSourceEvents);
  }

  async resolveGoldenId(idOrRef: string): Promise<string | undefined> {
    const parsed = parseIdOrRef(idOrRef, 'idOrRef');
    const key = 'key' in parsed ? keyOf(parsed.key) : this.issued.get(parsed.goldenId);
    return key && this.xref.get(key);
  }

  async getGolden(idOrRef: string): Promise<StoredGolden | undefined> {
    const goldenId = await this.resolveGoldenId(idOrRef);
    const row = goldenId === undefined ? undefined : this.goldens.get(goldenId);
    if (goldenId === undefined || !row?.current || !row.record) return undefined;
    return {
      goldenId,
      revision: row.revision,
      record: row.record,
      members: this.currentMembers(goldenId, row.revision),
      recomputeNeeded: row.recomputeNeeded,
      updatedAt: row.updatedAt ?? '',
    };
  }

  async getGoldenDocument(idOrRef: string): Promise<GoldenDocumentRead | undefined> {
    const parsed = parseIdOrRef(idOrRef, 'idOrRef');
    const kept = this.keptById(parsed);
    if (kept)
      return {
        goldenId: kept.goldenId,
        revision: kept.row.revision,
        document: kept.row.record.document,
        sourceDeletionPossible: deletionPossible(kept.row),
      };
    const key = 'key' in parsed ? keyOf(parsed.key) : this.issued.get(parsed.goldenId);
    const goldenId = key && this.xref.get(key);
    if (!goldenId) return undefined;
    let row = this.cachedRow(goldenId);
    if (!row) {
      const stored = this.goldens.get(goldenId);
      if (!stored?.current || !stored.record) return undefined;
      row = this.rows.keep(goldenId, { ...stored, current: true, record: stored.record });
    }
    const { revision, record } = row;
    const read: GoldenDocumentRead = {
      goldenId,
      revision,
      document: record.document,
      sourceDeletionPossible: deletionPossible(row),
    };
    if ('key' in parsed) read.key = parsed.key;
    return read;
  }

  async listGoldenMembers(idOrRef: string): Promise<SourceKey[]> {
    const kept = this.keptById(parseIdOrRef(idOrRef, 'idOrRef'));
    if (kept) return this.currentMembers(kept.goldenId, kept.row.revision);
    const goldenId = await this.resolveGoldenId(idOrRef);
    return goldenId === undefined ? [] : this.currentMembers(goldenId);
  }

  async readGoldenContext(
    goldenIds: readonly string[],
    keys: readonly SourceKey[] = [],
  ): Promise<GoldenContext> {
    const { ids, asked } = goldenContextQuery(goldenIds, keys);
    const holders = contextHolders(asked, (key) => this.xref.get(keyOf(key)));
    const goldens: GoldenState[] = contextGoldenIds(ids, holders).map((goldenId) => {
      // a cached row is a current one: its revision spares decoding the whole row (the transaction
      // checks the revision again)
      const cached = this.cachedRow(goldenId);
      if (cached)
        return {
          goldenId,
          revision: cached.revision,
          current: true,
          members: this.currentMembers(goldenId, cached.revision),
        };
      const row = this.goldens.get(goldenId);
      const current = row?.current === true;
      return {
        goldenId,
        revision: row?.revision ?? 0,
        current,
        members: current ? this.currentMembers(goldenId, row.revision) : [],
      };
    });
    const everyKey = contextKeys(goldens, asked);
    return {
      goldens,
      holders,
      records: everyKey.flatMap((key) => this.records.get(keyOf(key)) ?? []),
      events: everyKey.flatMap((key) => this.eventsOf(key)).sort(compareSourceEvents),
    };
  }

  applyLink(change: LinkChange): Promise<GoldenApplyResult> {
    return this.apply(checkLink(change));
  }

  applyMerge(change: MergeChange): Promise<GoldenApplyResult> {
    return this.apply(checkMerge(change));
  }

  applyUnmerge(change: UnmergeChange): Promise<GoldenApplyResult> {
    return this.apply(checkUnmerge(change));
  }

  async proposeReview(proposal: ReviewProposal): Promise<ReviewProposalResult> {
    const item = normalizeProposal(proposal);
    return this.write((): ReviewProposalResult => {
      const found = this.reviews.get(item.reviewId);
      // a pair linked once and proposed again was unmerged since: the steward decides anew
      if (found && found.status !== 'linked') return { stored: false, item: found };
      const stored = reproposedItem(item, found);
      this.putReview(stored, found);
      return { stored: true, item: stored };
    });
  }

  async getReview(reviewId: string): Promise<ReviewItem | undefined> {
    return this.reviews.get(requireId(reviewId, 'reviewId'));
  }

  async listReviews(options: ReviewListOptions = {}): Promise<ReviewItem[]> {
    const { status, limit, after } = reviewListQuery(options);
    const found: ReviewItem[] = [];
    const start = after ? [status, after.proposedAt, after.reviewId] : [status];
    for (const { key, value } of this.reviewsByStatus.getRange({ start, end: [status, END] })) {
      if (after && key[1] === after.proposedAt && key[2] === after.reviewId) continue;
      const item = this.reviews.get(value);
      if (item) found.push(item);
      if (found.length >= limit) break;
    }
    return found;
  }

  async resolveReview(
    reviewId: string,
    decision: ReviewDecision,
    by: string,
    at?: string,
  ): Promise<ReviewResolution> {
    const when = resolutionInstant(reviewId, decision, by, at);
    return this.write((): ReviewResolution => {
      const item = this.reviews.get(reviewId);
      if (!item) return { outcome: 'not-found' };
      if (item.status !== 'open') return { outcome: 'already-resolved', item };
      const resolved = resolvedItem(item, decision, by, when);
      this.putReview(resolved, item);
      return { outcome: 'resolved', item: resolved };
    });
  }

  async isKeptApart(a: string, b: string): Promise<boolean> {
    return this.reviews.get(reviewPair(a, b).reviewId)?.status === 'kept-apart';
  }

  async listGoldenOutbox(limit?: number, except?: readonly number[]): Promise<GoldenOutboxEntry[]> {
    const max = requireOutboxLimit(limit);
    const left = new Set(except === undefined ? [] : requireSeqs(except));
    // keys first, so an entry left out or kept is never decoded
    const entries: GoldenOutboxEntry[] = [];
    for (const seq of this.outbox.getKeys()) {
      if (left.has(seq)) continue;
      const entry = this.outboxKept.get(seq) ?? this.readOutboxEntry(seq);
      if (entry) entries.push(entry);
      if (entries.length === max) break;
    }
    return entries;
  }

  private readOutboxEntry(seq: number): GoldenOutboxEntry | undefined {
    const value = this.outbox.get(seq);
    // gone since the keys were read: it was marked published meanwhile
    return value && { seq, ...value };
  }

  async markGoldenPublished(seqs: readonly number[]): Promise<number> {
    const checked = requireSeqs(seqs);
    // a mark that fails leaves the entries stored, and the listing decodes them again
    for (const seq of checked) this.outboxKept.delete(seq);
    return this.write(() => {
      let removed = 0;
      for (const seq of checked) {
        if (!this.outbox.doesExist(seq)) continue;
        void this.outbox.remove(seq);
        removed++;
      }
      return removed;
    });
  }

  private async apply(change: CheckedChange): Promise<GoldenApplyResult> {
    const now = new Date().toISOString();
    // A plan that throws aborts the transaction before anything is written.
    return this.write((): GoldenApplyResult => {
      const outcome = planChange(change, this.planState(change), now);
      if ('refused' in outcome) return outcome.refused;
      this.writePlan(outcome.plan);
      const { customer } = outcome.plan;
      return appliedResult(outcome.plan, customer && writeCustomer(this.customers, customer));
    });
  }

  private planState(change: CheckedChange): PlanState {
    const rows = new Map<string, GoldenRow | undefined>();
    const members = new Map<string, SourceKey[]>();
    for (const goldenId of change.expected.keys()) {
      // inside the transaction: the revision read here is the newest, whoever wrote it; the plan only
      // reads the rows, so a frozen cached one serves
      const row = this.cachedRow(goldenId) ?? this.goldens.get(goldenId);
      rows.set(goldenId, row);
      members.set(goldenId, row?.current ? this.membersAt(goldenId, row.revision) : []);
    }
    const state: PlanState = { rows, members };
    if (change.kind === 'link') {
      const holder = this.xref.get(keyOf(change.key));
      if (holder !== undefined) state.holder = holder;
      const held = change.record ? this.records.get(keyOf(change.key)) : undefined;
      if (held) state.held = held;
    }
    if (change.kind === 'merge' && change.review) {
      const review = this.reviews.get(change.review.reviewId);
      if (review) state.review = review;
    }
    if (change.kind === 'merge' && change.overrule) {
      state.overruled = change.overrule.reviewIds.flatMap((id) => this.reviews.get(id) ?? []);
    }
    return state;
  }

  private writePlan(plan: GoldenWritePlan): void {
    if (plan.record) void this.records.put(keyOf(plan.record), plan.record);
    for (const { event, key } of plan.sourceEvents) {
      if (!this.eventIds.doesExist(event.eventId)) this.storeEvent(event, key);
    }
    // the cached member lists rely on it: a record moves only between golden ids whose rows (and
    // revisions) the same change writes
    const written = new Set(plan.rows.map((r) => r.goldenId));
    for (const { key, goldenId } of plan.xref) {
      const before = this.xref.get(keyOf(key));
      if (before !== goldenId && (!written.has(goldenId) || (before !== undefined && !written.has(before))))
        throw new Error(
          `store: a change moves ${key.system}:${key.sourceId} from ${before ?? 'no golden record'} to ${goldenId} without writing both`,
        );
      if (before !== goldenId) {
        if (before !== undefined) void this.members.remove([before, key.system, key.sourceId]);
        void this.xref.put(keyOf(key), goldenId);
        void this.members.put([goldenId, key.system, key.sourceId], 1);
      }
      const issued = goldenIdFor(key);
      if (!this.issued.doesExist(issued)) void this.issued.put(issued, keyOf(key));
    }
    for (const { goldenId, row, members } of plan.rows) {
      this.putGoldenRow(goldenId, row);
      if (members) this.writes?.members.set(goldenId, { revision: row.revision, members });
    }
    let seq = this.counters.get(OUTBOX_SEQ) ?? 0;
    for (const entry of plan.outbox) {
      void this.outbox.put(++seq, entry);
      this.writes?.outbox.push({ seq, value: entry });
    }
    void this.counters.put(OUTBOX_SEQ, seq);
    if (plan.review) this.putReview(plan.review, this.reviews.get(plan.review.reviewId));
    for (const item of plan.overruled ?? []) this.putReview(item, this.reviews.get(item.reviewId));
  }

  /** A record's inputs changed outside a change: its golden id's revision moves, and its document is due. */
  private touchHome(key: SourceKey): void {
    const home = this.xref.get(keyOf(key)) ?? goldenIdFor(key);
    const row = this.goldens.get(home);
    const next: GoldenRow = {
      ...(row ?? { current: false }),
      revision: (row?.revision ?? 0) + 1,
      recomputeNeeded: row?.current === true,
    };
    this.putGoldenRow(home, next);
  }

  private storeEvent(event: InteractionEvent, key: SourceKey): void {
    const at = [key.system, key.sourceId, event.eventId];
    void this.events.put(at, event);
    void this.eventIds.put(event.eventId, at);
  }

  private putReview(item: ReviewItem, before: ReviewItem | undefined): void {
    if (before) void this.reviewsByStatus.remove([before.status, before.proposedAt, before.reviewId]);
    void this.reviews.put(item.reviewId, item);
    void this.reviewsByStatus.put([item.status, item.proposedAt, item.reviewId], item.reviewId);
  }

  /**
   * Outside a transaction: the members, read once per revision. Every sync target reads them at every
   * change, and the members of a golden id change only in a change that moves its revision. A caller
   * that read the row or a valid cached document in the same step passes the revision it saw.
   */
  private currentMembers(goldenId: string, revision = this.revisions.get(goldenId)): SourceKey[] {
    if (revision === undefined) return this.membersOf(goldenId);
    const kept = this.keptMembers(goldenId, revision);
    if (kept) return kept;
    const members = this.membersOf(goldenId);
    this.keepMembers(goldenId, revision, members);
    return members;
  }

  /**
   * Inside a transaction: the members at the revision its row has there, kept ones if a write of this
   * instance settled them at that revision. Nothing is kept from here: what a transaction reads may
   * be the uncommitted write of another change in the same commit.
   */
  private membersAt(goldenId: string, revision: number): SourceKey[] {
    return this.keptMembers(goldenId, revision) ?? this.membersOf(goldenId);
  }

  /** Kept and handed out as copies: callers build events of them, which reach flows. */
  private keptMembers(goldenId: string, revision: number): SourceKey[] | undefined {
    const kept = this.memberLists.get(goldenId);
    return kept?.revision === revision ? copyKeys(kept.members) : undefined;
  }

  private keepMembers(goldenId: string, revision: number, members: readonly SourceKey[]): void {
    setBounded(this.memberLists, goldenId, { revision, members: copyKeys(members) }, MEMBER_LISTS_KEPT);
  }

  private membersOf(goldenId: string): SourceKey[] {
    const found: SourceKey[] = [];
    for (const key of this.members.getKeys({ start: [goldenId], end: [goldenId, END] })) {
      found.push({ system: key[1], sourceId: key[2] });
    }
    return sortedKeys(found);
  }

  private eventsOf(key: SourceKey): InteractionEvent[] {
    return [...this.events.getRange({ start: keyOf(key), end: [key.system, key.sourceId, END] })].map(
      ({ value }) => value,
    );
  }

  /**
   * The cached row, only while its revision is the stored one. Every write of this instance passes
   * through the cache, but another instance on the same files does not (a row written before this
   * table existed has no entry here, and is decoded).
   */
  private cachedRow(goldenId: string): CurrentRow | undefined {
    const cached = this.rows.get(goldenId);
    return cached && this.revisions.get(goldenId) === cached.revision ? cached : undefined;
  }

  /**
   * A golden id asked for by its id whose row is kept at the stored revision is current, so it resolves
   * to itself without the issued ids and the cross-reference (the sync targets ask for the document and
   * the members of every changed one): a retired id's row is written when it retires, which drops the
   * kept one.
   */
  private keptById(
    asked: ReturnType<typeof parseIdOrRef>,
  ): { goldenId: string; row: CurrentRow } | undefined {
    if ('key' in asked) return undefined;
    const row = this.cachedRow(asked.goldenId);
    return row && { goldenId: asked.goldenId, row };
  }

  private putGoldenRow(goldenId: string, row: GoldenRow): void {
    const token = this.rows.writing(goldenId);
    this.writes?.touched.push(goldenId);
    this.writes?.rows.set(goldenId, { token, row });
    void this.goldens.put(goldenId, row);
    void this.revisions.put(goldenId, row.revision);
  }

  /** One write transaction, resolved once LMDB has flushed it (so it survives kill -9). */
  private async write<T>(body: () => T): Promise<T> {
    const writes: Writes = { touched: [], rows: new Map(), members: new Map(), outbox: [] };
    let flushed = false;
    try {
      const result = await durable(
        this.root,
        this.root.transaction(() => {
          this.writes = writes;
          try {
            return body();
          } finally {
            this.writes = undefined;
          }
        }),
      );
      flushed = true;
      return result;
    } finally {
      // The new row is kept as written: the record sync, the policies and the next best offer read its
      // document right after each change, the next change its row, and decoding it again cost more
      // than this copy (a copy, because the caller holds the written record in the events it gets back;
      // frozen as it is made, since the cache freezes what it keeps).
      const written = new Map<string, { token: symbol; value: CurrentRow }>();
      if (flushed)
        for (const [goldenId, { token, row }] of writes.rows)
          if (row.current && row.record)
            written.set(goldenId, {
              token,
              value: frozenCopyData({ ...row, current: true, record: row.record }),
            });
      this.rows.settled(writes.touched, written);
      // the fan-out of each target reads the members right after the change: a revision committed is
      // a member list known (a list of an older revision that settles later is simply never used)
      if (flushed)
        for (const [goldenId, { revision, members }] of writes.members)
          this.keepMembers(goldenId, revision, members);
      if (flushed) this.keepOutboxEntries(writes.outbox, written);
    }
  }

  /**
   * Keeps the golden.changed entries whose row the write kept frozen at their revision (the row
   * cache froze it when this write was the newest on it): the entry shares its document and lineage,
   * so keeping it costs no copy of them. The rest are decoded when listed.
   */
  private keepOutboxEntries(
    entries: Writes['outbox'],
    written: ReadonlyMap<string, { value: CurrentRow }>,
  ): void {
    for (const { seq, value } of entries) {
      const { event } = value;
      if (event.type !== 'golden.changed') continue;
      const row = written.get(event.goldenId)?.value;
      if (row?.revision !== event.revision || !Object.isFrozen(row)) continue;
      const members: SourceKey[] = event.members.map((key) => Object.freeze({ ...key }));
      Object.freeze(members);
      const kept: GoldenOutboxEntry = {
        seq,
        goldenId: value.goldenId,
        event: Object.freeze({
          ...event,
          document: row.record.document,
          lineage: row.record.lineage,
          members,
        }),
        ...(value.cause ? { cause: Object.freeze({ ...value.cause }) } : {}),
      };
      setBounded(this.outboxKept, seq, Object.freeze(kept), OUTBOX_ENTRIES_KEPT);
    }
  }
}
