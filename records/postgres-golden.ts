/**
 * The golden store in PostgreSQL, for PostgresStore, shared by several hub instances. A change locks
 * the rows of the golden ids it names (in id order, so two changes cannot deadlock on them), reads the
 * state, asks golden-change-plan.ts for the writes and makes them in the same transaction.
 */
import type { Pool, PoolClient } from 'pg';
import type { InteractionEvent } from '../mappings/canonical/types';
import { goldenIdFor } from './cross-reference';
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
import { upsertCustomer } from './postgres-customers';
import type {
  GoldenApplyResult,
  GoldenCause,
  GoldenContext,
  GoldenDocumentRead,
  GoldenEvent,
  GoldenOutboxEntry,
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
  compareReviews,
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
  reviewListQuery,
  reviewPair,
  reviewStatusOf,
  sortedKeys,
  sourceRecordPage,
} from './golden-store-input';
import { inTransaction, withClient } from './postgres-transaction';
import { acceptVersion, type SourceRecord, type SourceKey } from './source-versions';
import { requireId } from './store-input';
import { maySourceDeletionBeKnown } from './event-sources';
import type { GoldenRecord } from './survivorship';

type Table = (name: string) => string;

/** deadlock, serialization failure, unique violation: another writer came first */
const LOST_RACE = new Set(['40P01', '40001', '23505']);
const PUT_ATTEMPTS = 5;

class ConflictError extends Error {}

const lostRace = (err: unknown): boolean =>
  err instanceof ConflictError || LOST_RACE.has((err as { code?: string })?.code ?? '');

export async function createGoldenTables(client: PoolClient, table: Table): Promise<void> {
  await client.query(`create table if not exists ${table('golden_source_records')} (
    system text not null,
    source_id text not null,
    rec jsonb not null,
    primary key (system, source_id))`);
  await client.query(`create table if not exists ${table('golden_source_events')} (
    event_id text primary key,
    system text not null,
    source_id text not null,
    occurred_at timestamptz not null,
    event jsonb not null)`);
  await client.query(
    `create index if not exists golden_source_events_key on ${table('golden_source_events')} (system, source_id)`,
  );
  await client.query(`create table if not exists ${table('golden_xref')} (
    system text not null,
    source_id text not null,
    golden_id text not null,
    primary key (system, source_id))`);
  await client.query(`create index if not exists golden_xref_golden on ${table('golden_xref')} (golden_id)`);
  await client.query(`create table if not exists ${table('golden_issued_ids')} (
    golden_id text primary key,
    system text not null,
    source_id text not null)`);
  await client.query(`create table if not exists ${table('goldens')} (
    golden_id text primary key,
    revision integer not null,
    current boolean not null,
    recompute_needed boolean not null,
    record jsonb,
    updated_at timestamptz)`);
  await client.query(`create table if not exists ${table('golden_reviews')} (
    review_id text primary key,
    status text not null,
    proposed_at timestamptz not null,
    item jsonb not null)`);
  await client.query(
    `create index if not exists golden_reviews_status
     on ${table('golden_reviews')} (status, proposed_at, review_id collate "C")`,
  );
  await client.query(`create table if not exists ${table('golden_outbox')} (
    seq bigserial primary key,
    golden_id text not null,
    event jsonb not null,
    created_at timestamptz not null default now())`);
  // added after the table: a database made before keeps its entries, which then have no cause
  await client.query(`alter table ${table('golden_outbox')} add column if not exists cause jsonb`);
}

interface GoldenDbRow {
  golden_id: string;
  revision: number;
  current: boolean;
  recompute_needed: boolean;
  record: GoldenRecord | null;
  updated_at: Date | null;
}

function rowOf(row: GoldenDbRow): GoldenRow {
  const golden: GoldenRow = {
    revision: row.revision,
    current: row.current,
    recomputeNeeded: row.recompute_needed,
  };
  if (row.record) golden.record = row.record;
  if (row.updated_at) golden.updatedAt = row.updated_at.toISOString();
  return golden;
}

const keyColumns = (keys: readonly SourceKey[]): [string[], string[]] => [
  keys.map((k) => k.system),
  keys.map((k) => k.sourceId),
];

export class PostgresGolden implements GoldenStore {
  constructor(
    private readonly pool: () => Pool,
    private readonly table: Table,
  ) {}

  async putSourceRecord(record: SourceRecord): Promise<SourceRecordWrite> {
    const { record: incoming, contentHash } = normalizeSourceRecord(record);
    return this.retrying(() =>
      this.transaction(
        async (client): Promise<SourceRecordWrite> => {
          const home = await this.lockHome(client, incoming);
          const held = await this.heldRecord(client, incoming);
          if (held) {
            const verdict = acceptVersion(held, incoming);
            if (!verdict.accept) return { accepted: false, stale: verdict.stale, record: held };
          }
          const stored: StoredSourceRecord = { ...incoming, contentHash, storedAt: new Date().toISOString() };
          await this.writeRecord(client, stored);
          await this.touch(client, home);
          return { accepted: true, created: held === undefined, record: stored };
        },
        (result) => result.accepted,
      ),
    );
  }

  async getSourceRecord(key: SourceKey): Promise<StoredSourceRecord | undefined> {
    const checked = requireSourceKey(key, 'key');
    const result = await this.pool().query<{ rec: StoredSourceRecord }>(
      `select rec from ${this.table('golden_source_records')} where system = $1 and source_id = $2`,
      [checked.system, checked.sourceId],
    );
    return result.rows[0]?.rec;
  }

  async listSourceRecords(options?: SourceRecordListOptions): Promise<StoredSourceRecord[]> {
    const { after, limit } = sourceRecordPage(options);
    // the primary key's own order (the database's collation), so each page is an index range scan
    const result = await this.pool().query<{ rec: StoredSourceRecord }>(
      `select rec from ${this.table('golden_source_records')}
        where $1::text is null or (system, source_id) > ($1::text, $2::text)
        order by system, source_id limit $3`,
      [after?.system ?? null, after?.sourceId ?? null, limit],
    );
    return result.rows.map((row) => row.rec);
  }

  async putSourceEvent(event: InteractionEvent): Promise<boolean> {
    const { event: doc, key } = normalizeSourceEvent(event);
    return this.retrying(() =>
      this.transaction(
        async (client) => {
          const home = await this.lockHome(client, key);
          if (!(await this.insertEvents(client, [{ event: doc, key }]))) return false;
          await this.touch(client, home);
          return true;
        },
        (inserted) => inserted,
      ),
    );
  }

  async listSourceEvents(key: SourceKey): Promise<InteractionEvent[]> {
    const checked = requireSourceKey(key, 'key');
    const result = await this.pool().query<{ event: InteractionEvent }>(
      `select event from ${this.table('golden_source_events')} where system = $1 and source_id = $2`,
      [checked.system, checked.sourceId],
    );
    return result.rows.map((row) => row.event).sort(compareSourceEvents);
  }

  async resolveGoldenId(idOrRef: string): Promise<string | undefined> {
    const parsed = parseIdOrRef(idOrRef, 'idOrRef');
    const result =
      'key' in parsed
        ? await this.pool().query<{ golden_id: string }>(
            `select golden_id from ${this.table('golden_xref')} where system = $1 and source_id = $2`,
            [parsed.key.system, parsed.key.sourceId],
          )
        : await this.pool().query<{ golden_id: string }>(
            `select x.golden_id from ${this.table('golden_issued_ids')} i
             join ${this.table('golden_xref')} x using (system, source_id) where i.golden_id = $1`,
            [parsed.goldenId],
          );
    return result.rows[0]?.golden_id;
  }

  async getGoldenDocument(idOrRef: string): Promise<GoldenDocumentRead | undefined> {
    const parsed = parseIdOrRef(idOrRef, 'idOrRef');
    const goldenId = await this.resolveGoldenId(idOrRef);
    if (goldenId === undefined) return undefined;
    // the document only: the lineage, sources and events stay in the database
    const found = await this.pool().query<{
      revision: number;
      document: GoldenDocumentRead['document'];
      ignored: GoldenRecord['ignoredEvents'] | null;
      recompute_needed: boolean;
    }>(
      `select revision, record->'document' as document, record->'ignoredEvents' as ignored, recompute_needed
       from ${this.table('goldens')} where golden_id = $1 and current and record is not null`,
      [goldenId],
    );
    const row = found.rows[0];
    if (!row?.document) return undefined;
    const read: GoldenDocumentRead = {
      goldenId,
      revision: row.revision,
      document: row.document,
      sourceDeletionPossible: maySourceDeletionBeKnown(row.ignored ?? [], row.recompute_needed),
    };
    if ('key' in parsed) read.key = parsed.key;
    return read;
  }

  async getGolden(idOrRef: string): Promise<StoredGolden | undefined> {
    const goldenId = await this.resolveGoldenId(idOrRef);
    if (goldenId === undefined) return undefined;
    return this.transaction(
      async (client) => {
        const found = await client.query<GoldenDbRow>(
          `select * from ${this.table('goldens')} where golden_id = $1 and current`,
          [goldenId],
        );
        const row = found.rows[0];
        if (!row?.record) return undefined;
        const members = await this.membersOf(client, [goldenId]);
        return {
          goldenId,
          revision: row.revision,
          record: row.record,
          members: members.get(goldenId) ?? [],
          recomputeNeeded: row.recompute_needed,
          updatedAt: row.updated_at?.toISOString() ?? '',
        };
      },
      undefined,
      'repeatable read, read only',
    );
  }

  async listGoldenMembers(idOrRef: string): Promise<SourceKey[]> {
    const goldenId = await this.resolveGoldenId(idOrRef);
    if (goldenId === undefined) return [];
    return withClient(
      this.pool(),
      async (client) => (await this.membersOf(client, [goldenId])).get(goldenId) ?? [],
    );
  }

  async readGoldenContext(
    goldenIds: readonly string[],
    keys: readonly SourceKey[] = [],
  ): Promise<GoldenContext> {
    const { ids, asked } = goldenContextQuery(goldenIds, keys);
    return this.transaction(
      async (client) => {
        const holderOf = await this.holders(client, asked);
        const holders = contextHolders(asked, (key) => holderOf.get(`${key.system}:${key.sourceId}`));
        const all = contextGoldenIds(ids, holders);
        const found = await client.query<{ golden_id: string; revision: number; current: boolean }>(
          `select golden_id, revision, current from ${this.table('goldens')} where golden_id = any($1::text[])`,
          [all],
        );
        const byId = new Map(found.rows.map((row) => [row.golden_id, row]));
        const members = await this.membersOf(
          client,
          all.filter((id) => byId.get(id)?.current),
        );
        const goldens: GoldenState[] = all.map((goldenId) => ({
          goldenId,
          revision: byId.get(goldenId)?.revision ?? 0,
          current: byId.get(goldenId)?.current === true,
          members: members.get(goldenId) ?? [],
        }));
        const everyKey = contextKeys(goldens, asked);
        const [systems, sourceIds] = keyColumns(everyKey);
        const records = await client.query<{ rec: StoredSourceRecord }>(
          `select r.rec from ${this.table('golden_source_records')} r
         join unnest($1::text[], $2::text[]) as k(system, source_id) using (system, source_id)`,
          [systems, sourceIds],
        );
        const events = await client.query<{ event: InteractionEvent }>(
          `select e.event from ${this.table('golden_source_events')} e
         join unnest($1::text[], $2::text[]) as k(system, source_id) using (system, source_id)`,
          [systems, sourceIds],
        );
        return {
          goldens,
          holders,
          records: sortedRecords(records.rows.map((row) => row.rec)),
          events: events.rows.map((row) => row.event).sort(compareSourceEvents),
        };
      },
      undefined,
      'repeatable read, read only',
    );
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
    const reviews = this.table('golden_reviews');
    return this.retrying(() =>
      this.transaction(async (client): Promise<ReviewProposalResult> => {
        const found = await client.query<{ item: ReviewItem }>(
          `select item from ${reviews} where review_id = $1 for update`,
          [item.reviewId],
        );
        const held = found.rows[0]?.item;
        // a pair linked once and proposed again was unmerged since: the steward decides anew
        if (held && held.status !== 'linked') return { stored: false, item: held };
        const stored = reproposedItem(item, held);
        const written = await client.query(
          `insert into ${reviews} (review_id, status, proposed_at, item) values ($1, $2, $3, $4)
           on conflict (review_id) do update set status = excluded.status, proposed_at = excluded.proposed_at,
             item = excluded.item where ${reviews}.status = 'linked'`,
          [stored.reviewId, stored.status, stored.proposedAt, JSON.stringify(stored)],
        );
        // a second proposer of a new pair waited on the first one's insert: theirs stands
        if (written.rowCount !== 1) throw new ConflictError('proposed at the same time');
        return { stored: true, item: stored };
      }),
    );
  }

  async getReview(reviewId: string): Promise<ReviewItem | undefined> {
    requireId(reviewId, 'reviewId');
    const result = await this.pool().query<{ item: ReviewItem }>(
      `select item from ${this.table('golden_reviews')} where review_id = $1`,
      [reviewId],
    );
    return result.rows[0]?.item;
  }

  async listReviews(options: ReviewListOptions = {}): Promise<ReviewItem[]> {
    const { status, limit, after } = reviewListQuery(options);
    const result = await this.pool().query<{ item: ReviewItem }>(
      `select item from ${this.table('golden_reviews')}
       where status = $1
         and ($2::timestamptz is null or proposed_at > $2
              or (proposed_at = $2 and review_id collate "C" > $3::text collate "C"))
       order by proposed_at, review_id collate "C" limit $4`,
      [status, after?.proposedAt ?? null, after?.reviewId ?? null, limit],
    );
    return result.rows.map((row) => row.item).sort(compareReviews);
  }

  async resolveReview(
    reviewId: string,
    decision: ReviewDecision,
    by: string,
    at?: string,
  ): Promise<ReviewResolution> {
    const when = resolutionInstant(reviewId, decision, by, at);
    const status = reviewStatusOf(decision);
    // One statement: of two stewards deciding at once, the second finds the item no longer open.
    const updated = await this.pool().query<{ item: ReviewItem }>(
      `update ${this.table('golden_reviews')}
       set status = $2, item = item || jsonb_build_object('status', $2::text, 'resolvedBy', $3::text, 'resolvedAt', $4::text)
       where review_id = $1 and status = 'open' returning item`,
      [reviewId, status, by, when],
    );
    if (updated.rows[0]) return { outcome: 'resolved', item: updated.rows[0].item };
    const item = await this.getReview(reviewId);
    return item ? { outcome: 'already-resolved', item } : { outcome: 'not-found' };
  }

  async isKeptApart(a: string, b: string): Promise<boolean> {
    return (await this.getReview(reviewPair(a, b).reviewId))?.status === 'kept-apart';
  }

  async listGoldenOutbox(limit?: number, except?: readonly number[]): Promise<GoldenOutboxEntry[]> {
    const max = requireOutboxLimit(limit);
    const left = except === undefined ? [] : requireSeqs(except);
    const result = await this.pool().query<{
      seq: string;
      golden_id: string;
      event: GoldenEvent;
      cause: GoldenCause | null;
    }>(
      `select seq::text as seq, golden_id, event, cause from ${this.table('golden_outbox')}
       where seq <> all($2::bigint[]) order by seq limit $1`,
      [max, left],
    );
    return result.rows.map((row) => ({
      seq: Number(row.seq),
      goldenId: row.golden_id,
      event: row.event,
      ...(row.cause ? { cause: row.cause } : {}),
    }));
  }

  async markGoldenPublished(seqs: readonly number[]): Promise<number> {
    const checked = requireSeqs(seqs);
    const result = await this.pool().query(
      `delete from ${this.table('golden_outbox')} where seq = any($1::bigint[])`,
      [checked],
    );
    return result.rowCount ?? 0;
  }

  private async apply(change: CheckedChange): Promise<GoldenApplyResult> {
    const now = new Date().toISOString();
    try {
      return await this.transaction(
        async (client): Promise<GoldenApplyResult> => {
          const outcome = planChange(change, await this.planState(client, change), now);
          if ('refused' in outcome) return outcome.refused;
          await this.writePlan(client, outcome.plan, [...change.expected.keys()]);
          // last, after the golden rows: every transaction that locks both takes them in this order, so
          // none waits for a golden row while holding a customer row
          const { customer } = outcome.plan;
          return appliedResult(
            outcome.plan,
            customer && (await upsertCustomer(client, this.table('customers'), customer)),
          );
        },
        (result) => result.applied,
      );
    } catch (err) {
      if (!lostRace(err)) throw err;
      return {
        applied: false,
        reason: 'conflict',
        message: `another writer came first: ${(err as Error).message}`,
      };
    }
  }

  private async planState(client: PoolClient, change: CheckedChange): Promise<PlanState> {
    const ids = [...change.expected.keys()];
    const goldens = this.table('goldens');
    // Rows of ids never stored are created (and rolled back with a refused change) so they can be locked:
    // two writers founding the same golden id then queue on its row like any other.
    await client.query(
      `insert into ${goldens} (golden_id, revision, current, recompute_needed)
       select id, 0, false, false from unnest($1::text[]) as id order by id on conflict do nothing`,
      [ids],
    );
    const locked = await client.query<GoldenDbRow>(
      `select * from ${goldens} where golden_id = any($1::text[]) order by golden_id for update`,
      [ids],
    );
    const rows = new Map<string, GoldenRow | undefined>(
      locked.rows.map((row) => [row.golden_id, rowOf(row)]),
    );
    const members = await this.membersOf(
      client,
      ids.filter((id) => rows.get(id)?.current),
    );
    const state: PlanState = { rows, members };
    if (change.kind === 'link') {
      const holder = (await this.holders(client, [change.key])).get(
        `${change.key.system}:${change.key.sourceId}`,
      );
      if (holder !== undefined) state.holder = holder;
      const held = change.record ? await this.heldRecord(client, change.key) : undefined;
      if (held) state.held = held;
    }
    if (change.kind === 'merge' && change.review) {
      const found = await client.query<{ item: ReviewItem }>(
        `select item from ${this.table('golden_reviews')} where review_id = $1 for update`,
        [change.review.reviewId],
      );
      if (found.rows[0]) state.review = found.rows[0].item;
    }
    if (change.kind === 'merge' && change.overrule && change.overrule.reviewIds.length > 0) {
      // locked as the item a link resolves is: a steward deciding one meanwhile waits for this change
      const found = await client.query<{ item: ReviewItem }>(
        `select item from ${this.table('golden_reviews')} where review_id = any($1::text[])
         order by review_id collate "C" for update`,
        [change.overrule.reviewIds],
      );
      state.overruled = found.rows.map((row) => row.item);
    }
    return state;
  }

  private async writePlan(client: PoolClient, plan: GoldenWritePlan, expected: string[]): Promise<void> {
    if (plan.record) await this.writeRecord(client, plan.record);
    await this.insertEvents(client, plan.sourceEvents);
    if (plan.xref.length > 0) {
      const keys = plan.xref.map((x) => x.key);
      const [systems, sourceIds] = keyColumns(keys);
      const xref = this.table('golden_xref');
      // The guard re-checks, on the row as committed, that the record still belongs to a locked id.
      const moved = await client.query(
        `insert into ${xref} (system, source_id, golden_id)
         select * from unnest($1::text[], $2::text[], $3::text[])
         on conflict (system, source_id) do update set golden_id = excluded.golden_id
         where ${xref}.golden_id = any($4::text[])`,
        [systems, sourceIds, plan.xref.map((x) => x.goldenId), expected],
      );
      if (moved.rowCount !== plan.xref.length)
        throw new ConflictError('a source record moved to another golden id');
      await client.query(
        `insert into ${this.table('golden_issued_ids')} (golden_id, system, source_id)
         select * from unnest($1::text[], $2::text[], $3::text[]) on conflict do nothing`,
        [keys.map(goldenIdFor), systems, sourceIds],
      );
    }
    for (const { goldenId, row } of plan.rows) {
      await client.query(
        `update ${this.table('goldens')} set revision = $2, current = $3, recompute_needed = $4, record = $5,
           updated_at = $6 where golden_id = $1`,
        [
          goldenId,
          row.revision,
          row.current,
          row.recomputeNeeded,
          row.record ? JSON.stringify(row.record) : null,
          row.updatedAt ?? null,
        ],
      );
    }
    for (const entry of plan.outbox) {
      await client.query(
        `insert into ${this.table('golden_outbox')} (golden_id, event, cause) values ($1, $2, $3)`,
        [entry.goldenId, JSON.stringify(entry.event), entry.cause ? JSON.stringify(entry.cause) : null],
      );
    }
    for (const item of [...(plan.review ? [plan.review] : []), ...(plan.overruled ?? [])]) {
      await client.query(
        `update ${this.table('golden_reviews')} set status = $2, item = $3 where review_id = $1`,
        [item.reviewId, item.status, JSON.stringify(item)],
      );
    }
  }

  /**
   * Locks the row of the golden id a record belongs to (or would found), as every change to that
   * record does: a version or an event then moves the revision a concurrent change was computed at.
   */
  private async lockHome(client: PoolClient, key: SourceKey): Promise<string> {
    const ref = `${key.system}:${key.sourceId}`;
    for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
      const home = (await this.holders(client, [key])).get(ref) ?? goldenIdFor(key);
      await client.query(
        `insert into ${this.table('goldens')} (golden_id, revision, current, recompute_needed)
         values ($1, 0, false, false) on conflict do nothing`,
        [home],
      );
      await client.query(`select 1 from ${this.table('goldens')} where golden_id = $1 for update`, [home]);
      // Once the row is locked the record cannot move away; it may have moved just before.
      if (((await this.holders(client, [key])).get(ref) ?? goldenIdFor(key)) === home) return home;
    }
    throw new ConflictError(`the golden id of ${ref} kept moving`);
  }

  private async touch(client: PoolClient, goldenId: string): Promise<void> {
    await client.query(
      `update ${this.table('goldens')} set revision = revision + 1, recompute_needed = current where golden_id = $1`,
      [goldenId],
    );
  }

  private async heldRecord(client: PoolClient, key: SourceKey): Promise<StoredSourceRecord | undefined> {
    const result = await client.query<{ rec: StoredSourceRecord }>(
      `select rec from ${this.table('golden_source_records')} where system = $1 and source_id = $2 for update`,
      [key.system, key.sourceId],
    );
    return result.rows[0]?.rec;
  }

  private async writeRecord(client: PoolClient, record: StoredSourceRecord): Promise<void> {
    await client.query(
      `insert into ${this.table('golden_source_records')} (system, source_id, rec) values ($1, $2, $3)
       on conflict (system, source_id) do update set rec = excluded.rec`,
      [record.system, record.sourceId, JSON.stringify(record)],
    );
  }

  /** true when at least one was new */
  private async insertEvents(
    client: PoolClient,
    events: readonly { event: InteractionEvent; key: SourceKey }[],
  ): Promise<boolean> {
    let inserted = 0;
    for (const { event, key } of events) {
      const result = await client.query(
        `insert into ${this.table('golden_source_events')} (event_id, system, source_id, occurred_at, event)
         values ($1, $2, $3, $4, $5) on conflict (event_id) do nothing`,
        [event.eventId, key.system, key.sourceId, event.occurredAt, JSON.stringify(event)],
      );
      inserted += result.rowCount ?? 0;
    }
    return inserted > 0;
  }

  private async holders(client: PoolClient, keys: readonly SourceKey[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const [systems, sourceIds] = keyColumns(keys);
    const result = await client.query<{ system: string; source_id: string; golden_id: string }>(
      `select x.system, x.source_id, x.golden_id from ${this.table('golden_xref')} x
       join unnest($1::text[], $2::text[]) as k(system, source_id) using (system, source_id)`,
      [systems, sourceIds],
    );
    return new Map(result.rows.map((row) => [`${row.system}:${row.source_id}`, row.golden_id]));
  }

  private async membersOf(
    client: PoolClient,
    goldenIds: readonly string[],
  ): Promise<Map<string, SourceKey[]>> {
    const members = new Map<string, SourceKey[]>();
    if (goldenIds.length === 0) return members;
    const result = await client.query<{ golden_id: string; system: string; source_id: string }>(
      `select golden_id, system, source_id from ${this.table('golden_xref')} where golden_id = any($1::text[])`,
      [goldenIds],
    );
    for (const row of result.rows) {
      const list = members.get(row.golden_id) ?? [];
      list.push({ system: row.system, sourceId: row.source_id });
      members.set(row.golden_id, list);
    }
    for (const [id, list] of members) members.set(id, sortedKeys(list));
    return members;
  }

  /** Retries a write that lost a race on a row or index another instance was creating at the same time. */
  private async retrying<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        if (!lostRace(err) || attempt >= PUT_ATTEMPTS) throw err;
      }
    }
  }

  private transaction<T>(
    body: (client: PoolClient) => Promise<T>,
    keep?: (result: T) => boolean,
    mode?: string,
  ): Promise<T> {
    return inTransaction(this.pool(), body, keep, mode);
  }
}

function sortedRecords(records: StoredSourceRecord[]): StoredSourceRecord[] {
  const keys = sortedKeys(records);
  const byRef = new Map(records.map((r) => [`${r.system}:${r.sourceId}`, r]));
  return keys.map((k) => byRef.get(`${k.system}:${k.sourceId}`) as StoredSourceRecord);
}
