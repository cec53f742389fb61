import { Pool } from 'pg';
import type {
  CapClaim,
  CapTakeResult,
  CounterIncrement,
  CounterValue,
  CustomerWriteResult,
  EventDigest,
  HistoryEntry,
  IdempotencyPruned,
  HubStore,
  InteractionPeriodOptions,
  OfferOutcome,
  PendingWait,
  StoredProcess,
  StoreHealth,
  StoredCustomer,
  StoredInteraction,
  StoredOffer,
  VersionedCustomer,
} from './store';
import { compareProcessesLatestFirst, interactionPeriodQuery, normalizeProcess } from './store';
import { compareCounters, counterIncrements, counterRange, prefixEnd } from './store';
import type { ProcessState } from '../mappings/canonical/types';
import {
  compareHistoryOldestFirst,
  compareWaitsDueFirst,
  normalizeHistoryEntry,
  normalizeWait,
  requireInstant,
  requirePositiveInteger,
  validateCapClaims,
  windowStart,
  capSpanEnd,
  compareInteractionsNewestFirst,
  compareNewestFirst,
  normalizeCustomer,
  normalizeInteraction,
  plainCopy,
  requireEnabledFlag,
  requireId,
  requireLimit,
  requireOfferOutcome,
  requirePruneLimit,
  validateOffer,
} from './store-input';
import { errorMessage } from '../formats/error-message';
import { withTimeout } from '../formats/with-timeout';
import { createGoldenTables, PostgresGolden } from './postgres-golden';
import { upsertCustomer, type CustomerRow } from './postgres-customers';
import { inTransaction, listenToEveryClient } from './postgres-transaction';
import type * as Golden from './golden-store';
import type { SourceKey, SourceRecord } from './source-versions';
import type { InteractionEvent } from '../mappings/canonical/types';

export interface PostgresStoreOptions {
  connectionString: string;
  /** default 'crm_hub'; lets several hubs (or test runs) share one database */
  schema?: string;
  poolSize?: number;
  /**
   * default 30 000: the server cancels a statement that runs longer, and the client gives up
   * QUERY_GRACE_MS later when the server does not answer at all. DATABASE_URL's own
   * `?statement_timeout=` and `?query_timeout=` take precedence (node-postgres reads them from the URL).
   */
  statementTimeoutMs?: number;
  /**
   * the clock idempotency entries are stamped with (ms since the epoch); Date.now by default. The
   * hub's clock rather than the server's now(), so the retention's cutoff and the stamps it compares
   * come from one clock.
   */
  now?: () => number;
}

const HEALTH_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 5000;
// Without bounds a database that stops answering held a request and its connection indefinitely, and
// once every connection was held all later requests failed waiting for one until the hub restarted.
const STATEMENT_TIMEOUT_MS = 30_000;
// The client-side limit trails the server's so a slow statement ends with the server's cancellation,
// which keeps the connection usable; the client's own limit only fires when nothing answers at all,
// and node-postgres then discards that connection.
const QUERY_GRACE_MS = 5000;
// Idle connections are closed after this long so a restarted server or a failover leaves none behind.
const IDLE_TIMEOUT_MS = 30_000;
// Identifiers cannot be query parameters, so the schema name is restricted to what is safe to quote.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The shared store: several hub instances read and write the same PostgreSQL schema. */
export class PostgresStore implements HubStore {
  readonly kind = 'postgres' as const;
  private readonly connectionString: string;
  private readonly schema: string;
  private readonly poolSize: number;
  private readonly statementTimeoutMs: number;
  private readonly now: () => number;
  private readonly location: string;
  private pool: Pool | undefined;
  private lastPoolError: string | undefined;
  /** source records, cross-reference, golden documents, review band and outbox (postgres-golden.ts) */
  private readonly golden = new PostgresGolden(
    () => this.requirePool(),
    (name) => this.table(name),
  );

  constructor(options: PostgresStoreOptions) {
    const {
      connectionString,
      schema = 'crm_hub',
      poolSize = 10,
      statementTimeoutMs = STATEMENT_TIMEOUT_MS,
      now = Date.now,
    } = options ?? {};
    if (typeof connectionString !== 'string' || connectionString.trim() === '') {
      throw new Error('PostgresStore: connectionString must be a non-empty postgres:// URL');
    }
    this.location = describeLocation(connectionString);
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
      throw new Error(
        `PostgresStore: schema must be 1-63 letters, digits or underscores, not starting with a digit; got ${JSON.stringify(schema)}`,
      );
    }
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new Error(`PostgresStore: poolSize must be a positive integer, got ${JSON.stringify(poolSize)}`);
    }
    if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 1) {
      throw new Error(
        `PostgresStore: statementTimeoutMs must be a positive integer, got ${JSON.stringify(statementTimeoutMs)}`,
      );
    }
    this.connectionString = connectionString;
    this.schema = schema;
    this.poolSize = poolSize;
    this.statementTimeoutMs = statementTimeoutMs;
    this.now = now;
  }

  describe(): string {
    return `PostgreSQL store at ${this.location} (schema ${this.schema})`;
  }

  async open(): Promise<void> {
    if (this.pool) return;
    const pool = new Pool({
      connectionString: this.connectionString,
      max: this.poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: this.statementTimeoutMs,
      query_timeout: this.statementTimeoutMs + QUERY_GRACE_MS,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      // A peer that vanished without closing the connection is noticed by the operating system.
      keepAlive: true,
      application_name: 'crm-hub',
    });
    // Without a listener an idle client's network error would crash the process; the pool drops that client.
    pool.on('error', (err) => {
      this.lastPoolError = err.message;
    });
    listenToEveryClient(pool, (err) => {
      this.lastPoolError = err.message;
    });
    try {
      await this.createTables(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new Error(`${this.describe()}: could not create tables: ${errorMessage(err)}`, { cause: err });
    }
    this.pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    if (!pool) return;
    this.pool = undefined;
    await pool.end();
  }

  async health(): Promise<StoreHealth> {
    if (!this.pool) return { ok: false, kind: this.kind, detail: `${this.describe()}: not open` };
    try {
      await withTimeout(
        this.pool.query('select 1'),
        HEALTH_TIMEOUT_MS,
        () => new Error(`select 1 timed out after ${HEALTH_TIMEOUT_MS} ms`),
      );
      this.lastPoolError = undefined;
      return { ok: true, kind: this.kind, detail: this.describe() };
    } catch (err) {
      const detail =
        errorMessage(err) + (this.lastPoolError ? ` (last pool error: ${this.lastPoolError})` : '');
      return { ok: false, kind: this.kind, detail: `${this.describe()}: ${detail}` };
    }
  }

  async markProcessed(consumer: string, eventId: string): Promise<boolean> {
    requireId(consumer, 'consumer');
    requireId(eventId, 'eventId');
    const result = await this.requirePool().query(
      `insert into ${this.table('processed_events')} (consumer, event_id, processed_at) values ($1, $2, $3)
       on conflict do nothing`,
      [consumer, eventId, new Date(this.now()).toISOString()],
    );
    return result.rowCount === 1;
  }

  async wasProcessed(consumer: string, eventId: string): Promise<boolean> {
    requireId(consumer, 'consumer');
    requireId(eventId, 'eventId');
    const result = await this.requirePool().query(
      `select 1 from ${this.table('processed_events')} where consumer = $1 and event_id = $2`,
      [consumer, eventId],
    );
    return result.rowCount === 1;
  }

  async recordEventDigests(entries: readonly EventDigest[]): Promise<string[]> {
    const ids = entries.map((entry, i) => requireId(entry?.eventId, `entries[${i}].eventId`));
    const digests = entries.map((entry, i) => requireId(entry?.digest, `entries[${i}].digest`));
    if (ids.length === 0) return [];
    const pool = this.requirePool();
    const heldOf = async (wanted: string[]): Promise<Map<string, string>> => {
      const held = await pool.query<{ event_id: string; digest: string }>(
        `select event_id, digest from ${this.table('event_digests')} where event_id = any($1::text[])`,
        [wanted],
      );
      return new Map(held.rows.map((row) => [row.event_id, row.digest]));
    };
    // Every consumer of an event claims its id (records/event-id-claim.ts): after the first, the ids are
    // known, and one read answers. A digest once recorded only changes by the retention removing it.
    const known = await heldOf(ids);
    const missing = ids.flatMap((id, i) => (known.has(id) ? [] : [i]));
    if (missing.length === 0) return ids.map((id) => known.get(id) as string);
    await pool.query(
      `insert into ${this.table('event_digests')} (event_id, digest, recorded_at)
       select id, digest, $3 from unnest($1::text[], $2::text[]) as e(id, digest) on conflict do nothing`,
      [missing.map((i) => ids[i]), missing.map((i) => digests[i]), new Date(this.now()).toISOString()],
    );
    // a statement of its own: it sees the rows another instance committed while the insert waited on them
    const now = await heldOf(missing.map((i) => ids[i]));
    return ids.map((id, i) => known.get(id) ?? now.get(id) ?? digests[i]);
  }

  async pruneIdempotency(before: string, limit: number): Promise<IdempotencyPruned> {
    const cutoff = requireInstant(before, 'before');
    requirePruneLimit(limit);
    const pool = this.requirePool();
    // A bounded delete per statement, oldest first by the time index, each its own short transaction:
    // no long lock on the tables the consumers write. SKIP LOCKED: another instance pruning at the
    // same moment takes other rows instead of waiting for these.
    const processed = await pool.query(
      `delete from ${this.table('processed_events')} p
       using (select consumer, event_id from ${this.table('processed_events')}
              where processed_at < $1 order by processed_at limit $2 for update skip locked) old
       where p.consumer = old.consumer and p.event_id = old.event_id`,
      [cutoff, limit],
    );
    const digests = await pool.query(
      `delete from ${this.table('event_digests')} d
       using (select event_id from ${this.table('event_digests')}
              where recorded_at < $1 order by recorded_at limit $2 for update skip locked) old
       where d.event_id = old.event_id`,
      [cutoff, limit],
    );
    return { processed: processed.rowCount ?? 0, digests: digests.rowCount ?? 0 };
  }

  async putOffer(offer: StoredOffer): Promise<void> {
    validateOffer(offer);
    const doc = plainCopy(offer);
    await this.requirePool().query(
      `insert into ${this.table('offers')} (offer_id, customer_id, channel, status, created_at, doc)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (offer_id) do update set customer_id = excluded.customer_id, channel = excluded.channel,
         status = excluded.status, created_at = excluded.created_at, doc = excluded.doc`,
      [doc.offerId, doc.customerId, doc.channel, doc.status, doc.createdAt, JSON.stringify(doc)],
    );
  }

  async listOffers(
    customerId: string,
    options: { channel?: string; includeClosed?: boolean } = {},
  ): Promise<StoredOffer[]> {
    requireId(customerId, 'customerId');
    if (options.channel !== undefined) requireId(options.channel, 'options.channel');
    const result = await this.requirePool().query<{ doc: StoredOffer }>(
      `select doc from ${this.table('offers')}
       where customer_id = $1 and ($2::text is null or channel = $2) and ($3::boolean or status = 'open')
       order by created_at desc, offer_id`,
      [customerId, options.channel ?? null, options.includeClosed === true],
    );
    // Re-sorted so ties break exactly as in the embedded store, independent of the database collation.
    return result.rows.map((row) => row.doc).sort(compareNewestFirst);
  }

  async updateOfferStatus(offerId: string, status: OfferOutcome): Promise<boolean> {
    requireId(offerId, 'offerId');
    requireOfferOutcome(status);
    const result = await this.requirePool().query(
      `update ${this.table('offers')}
       set status = $2, doc = doc || jsonb_build_object('status', $2::text)
       where offer_id = $1`,
      [offerId, status],
    );
    return result.rowCount === 1;
  }

  async putCustomer(customer: StoredCustomer): Promise<CustomerWriteResult> {
    const next = normalizeCustomer(customer);
    return inTransaction(this.requirePool(), (client) =>
      upsertCustomer(client, this.table('customers'), next),
    );
  }

  async getCustomer(customerRef: string): Promise<VersionedCustomer | undefined> {
    const ref = requireId(customerRef, 'customerRef').normalize('NFC');
    const result = await this.requirePool().query<CustomerRow>(
      `select customer_ref, version, updated_at, source_system, doc
       from ${this.table('customers')} where customer_ref = $1`,
      [ref],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      customerRef: row.customer_ref,
      document: row.doc,
      updatedAt: row.updated_at.toISOString(),
      sourceSystem: row.source_system,
      version: row.version,
    };
  }

  async recordInteraction(interaction: StoredInteraction): Promise<boolean> {
    const doc = normalizeInteraction(interaction);
    const result = await this.requirePool().query(
      `insert into ${this.table('interactions')} (event_id, customer_ref, type, channel, occurred_at, summary)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (event_id) do nothing`,
      [
        doc.eventId,
        doc.customerRef,
        doc.type,
        doc.channel,
        doc.occurredAt,
        doc.summary === undefined ? null : JSON.stringify(doc.summary),
      ],
    );
    return result.rowCount === 1;
  }

  async listInteractions(
    customerRef: string,
    options: { limit?: number } = {},
  ): Promise<StoredInteraction[]> {
    requireId(customerRef, 'customerRef');
    const limit = requireLimit(options?.limit);
    // collate "C" orders tied event ids by code point, as the embedded store's comparator does.
    const result = await this.requirePool().query<InteractionRow>(
      `select event_id, customer_ref, type, channel, occurred_at, summary
       from ${this.table('interactions')} where customer_ref = $1
       order by occurred_at desc, event_id collate "C"
       limit $2`,
      [customerRef, limit],
    );
    return result.rows.map(interactionFromRow).sort(compareInteractionsNewestFirst);
  }

  async listInteractionsBetween(
    from: string,
    to: string,
    options: InteractionPeriodOptions = {},
  ): Promise<StoredInteraction[]> {
    const query = interactionPeriodQuery(from, to, options);
    const { after } = query;
    // (occurred_at, event_id) > (after) continues after the previous page; collate "C" orders event ids
    // by code point, as the embedded store's keys do.
    const result = await this.requirePool().query<InteractionRow>(
      `select event_id, customer_ref, type, channel, occurred_at, summary
       from ${this.table('interactions')}
       where occurred_at >= $1 and occurred_at < $2
         and ($3::timestamptz is null
              or occurred_at > $3::timestamptz
              or (occurred_at = $3::timestamptz and event_id collate "C" > $4::text collate "C"))
       order by occurred_at, event_id collate "C"
       limit $5`,
      [query.from, query.to, after?.occurredAt ?? null, after?.eventId ?? null, query.limit],
    );
    return result.rows.map(interactionFromRow);
  }

  async getPolicyEnabled(policyId: string): Promise<boolean | undefined> {
    requireId(policyId, 'policyId');
    const result = await this.requirePool().query<{ enabled: boolean }>(
      `select enabled from ${this.table('policy_switches')} where policy_id = $1`,
      [policyId],
    );
    return result.rows[0]?.enabled;
  }

  async setPolicyEnabled(policyId: string, enabled: boolean): Promise<void> {
    requireId(policyId, 'policyId');
    requireEnabledFlag(enabled);
    await this.requirePool().query(
      `insert into ${this.table('policy_switches')} (policy_id, enabled, updated_at) values ($1, $2, now())
       on conflict (policy_id) do update set enabled = excluded.enabled, updated_at = excluded.updated_at`,
      [policyId, enabled],
    );
  }

  async appendHistory(entry: HistoryEntry): Promise<boolean> {
    const doc = normalizeHistoryEntry(entry);
    const result = await this.requirePool().query(
      `insert into ${this.table('policy_history')} (customer_ref, event_id, occurred_at, doc)
       values ($1, $2, $3, $4)
       on conflict do nothing`,
      [doc.customerRef, doc.eventId, doc.occurredAt, JSON.stringify(doc)],
    );
    return result.rowCount === 1;
  }

  async listHistory(customerRef: string, since: string): Promise<HistoryEntry[]> {
    requireId(customerRef, 'customerRef');
    const after = requireInstant(since, 'since');
    const result = await this.requirePool().query<{ doc: HistoryEntry }>(
      `select doc from ${this.table('policy_history')}
       where customer_ref = $1 and occurred_at > $2`,
      [customerRef, after],
    );
    // Sorted here rather than in SQL, so ties break by code point exactly as in the embedded store.
    return result.rows.map((row) => row.doc).sort(compareHistoryOldestFirst);
  }

  async takeCaps(claims: readonly CapClaim[], hitId: string, at: string): Promise<CapTakeResult> {
    validateCapClaims(claims);
    requireId(hitId, 'hitId');
    const when = requireInstant(at, 'at');
    return inTransaction(
      this.requirePool(),
      async (client): Promise<CapTakeResult> => {
        // Row locks cannot guard a count of rows that do not exist yet; an advisory lock per key serialises
        // takers of one cap across every hub instance. Taken in key order, so two takers cannot deadlock.
        for (const key of claims.map((claim) => claim.key).sort()) {
          await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`crm-hub:cap:${key}`]);
        }
        const counts: number[] = [];
        const fresh: boolean[] = [];
        for (const claim of claims) {
          const found = await client.query<{ n: number; seen: boolean }>(
            `select count(*) filter (where at > $2 and at < $3)::int as n, coalesce(bool_or(hit_id = $4), false) as seen
           from ${this.table('cap_hits')} where cap_key = $1`,
            [claim.key, windowStart(when, claim.windowMs), capSpanEnd(when, claim.windowMs), hitId],
          );
          counts.push(found.rows[0].n);
          fresh.push(!found.rows[0].seen);
        }
        const refused = claims.findIndex((claim, i) => fresh[i] && counts[i] >= claim.limit);
        if (refused >= 0) return { granted: false, counts, refused };
        for (const [i, claim] of claims.entries()) {
          if (!fresh[i]) continue;
          await client.query(
            `insert into ${this.table('cap_hits')} (cap_key, hit_id, at) values ($1, $2, $3)`,
            [claim.key, hitId, when],
          );
          counts[i] += 1;
        }
        return { granted: true, counts };
      },
      (result) => result.granted,
    );
  }

  async releaseCaps(keys: readonly string[], hitId: string): Promise<void> {
    keys.forEach((key, i) => requireId(key, `keys[${i}]`));
    requireId(hitId, 'hitId');
    await this.requirePool().query(
      `delete from ${this.table('cap_hits')} where cap_key = any($1::text[]) and hit_id = $2`,
      [[...keys], hitId],
    );
  }

  async countCap(key: string, windowMs: number, at: string): Promise<number> {
    requireId(key, 'key');
    requirePositiveInteger(windowMs, 'windowMs');
    const when = requireInstant(at, 'at');
    const result = await this.requirePool().query<{ n: number }>(
      `select count(*)::int as n from ${this.table('cap_hits')} where cap_key = $1 and at > $2 and at <= $3`,
      [key, windowStart(when, windowMs), when],
    );
    return result.rows[0].n;
  }

  async putWait(wait: PendingWait): Promise<boolean> {
    const doc = normalizeWait(wait);
    const result = await this.requirePool().query(
      `insert into ${this.table('pending_waits')} (wait_id, due_at, doc) values ($1, $2, $3)
       on conflict do nothing`,
      [doc.waitId, doc.dueAt, JSON.stringify(doc)],
    );
    return result.rowCount === 1;
  }

  async claimDueWaits(now: string, owner: string, leaseMs: number, limit: number): Promise<PendingWait[]> {
    const at = requireInstant(now, 'now');
    requireId(owner, 'owner');
    const until = new Date(Date.parse(at) + requirePositiveInteger(leaseMs, 'leaseMs')).toISOString();
    requirePositiveInteger(limit, 'limit');
    // SKIP LOCKED: a second instance sweeping at the same moment passes over the rows the first one is
    // claiming instead of waiting for them and claiming them too.
    const result = await this.requirePool().query<{ doc: PendingWait }>(
      `update ${this.table('pending_waits')} w set claimed_by = $2, claimed_until = $3
       from (select wait_id from ${this.table('pending_waits')}
             where done_at is null and due_at <= $1 and (claimed_until is null or claimed_until <= $1)
             order by due_at, wait_id collate "C" limit $4
             for update skip locked) due
       where w.wait_id = due.wait_id
       returning w.doc`,
      [at, owner, until, limit],
    );
    return result.rows.map((row) => row.doc).sort(compareWaitsDueFirst);
  }

  async completeWait(waitId: string, owner: string, now: string): Promise<boolean> {
    requireId(waitId, 'waitId');
    requireId(owner, 'owner');
    const at = requireInstant(now, 'now');
    // The row stays, so the same wait stored again (a redelivered event) is refused by putWait.
    const result = await this.requirePool().query(
      `update ${this.table('pending_waits')} set done_at = $3
       where wait_id = $1 and claimed_by = $2 and done_at is null`,
      [waitId, owner, at],
    );
    return result.rowCount === 1;
  }

  async putProcess(process: ProcessState): Promise<boolean> {
    const doc = normalizeProcess(process);
    const result = await this.requirePool().query(
      `insert into ${this.table('processes')} (process_id, customer_ref, status, updated_at, revision, doc)
       values ($1, $2, $3, $4, 1, $5) on conflict do nothing`,
      [doc.processId, doc.customerRef, doc.status, doc.updatedAt, JSON.stringify(doc)],
    );
    return result.rowCount === 1;
  }

  async getProcess(processId: string): Promise<StoredProcess | undefined> {
    requireId(processId, 'processId');
    const result = await this.requirePool().query<ProcessRow>(
      `select doc, revision from ${this.table('processes')} where process_id = $1`,
      [processId],
    );
    return result.rows[0] && processFromRow(result.rows[0]);
  }

  async updateProcess(process: ProcessState, revision: number): Promise<boolean> {
    const doc = normalizeProcess(process);
    requirePositiveInteger(revision, 'revision');
    const pool = this.requirePool();
    // The revision in the WHERE makes the update a compare-and-set: of two writers naming it, one matches.
    const result = await pool.query(
      `update ${this.table('processes')} set status = $3, updated_at = $4, doc = $5, revision = revision + 1
       where process_id = $1 and revision = $2 and customer_ref = $6`,
      [doc.processId, revision, doc.status, doc.updatedAt, JSON.stringify(doc), doc.customerRef],
    );
    if (result.rowCount === 1) return true;
    const owner = await pool.query<{ customer_ref: string }>(
      `select customer_ref from ${this.table('processes')} where process_id = $1`,
      [doc.processId],
    );
    const stored = owner.rows[0]?.customer_ref;
    if (stored !== undefined && stored !== doc.customerRef) {
      throw new Error(`store: process.customerRef cannot change (process ${doc.processId} is ${stored}'s)`);
    }
    return false;
  }

  async listProcesses(
    customerRef: string,
    options: { status?: ProcessState['status'] } = {},
  ): Promise<StoredProcess[]> {
    requireId(customerRef, 'customerRef');
    const status = options?.status;
    const result = await this.requirePool().query<ProcessRow>(
      `select doc, revision from ${this.table('processes')}
       where customer_ref = $1 and ($2::text is null or status = $2)`,
      [customerRef, status ?? null],
    );
    return result.rows.map(processFromRow).sort(compareProcessesLatestFirst);
  }

  async addCounters(id: string, increments: readonly CounterIncrement[]): Promise<boolean> {
    const changes = counterIncrements(id, increments);
    return inTransaction(
      this.requirePool(),
      async (client) => {
        // A second writer of the same id waits on the unique index until the first commits, then finds it.
        const marked = await client.query(
          `insert into ${this.table('counter_ids')} (id) values ($1) on conflict do nothing`,
          [id],
        );
        if (marked.rowCount !== 1) return false;
        if (changes.length > 0) {
          // merged per key and day and sorted (counterIncrements), so one statement touches each row once
          // and concurrent writers lock rows in the same order
          await client.query(
            `insert into ${this.table('counters')} as c (key, day, n)
           select * from unnest($1::text[], $2::date[], $3::bigint[])
           on conflict (key, day) do update set n = c.n + excluded.n`,
            [changes.map((c) => c.key), changes.map((c) => c.day), changes.map((c) => c.n)],
          );
        }
        return true;
      },
      (applied) => applied,
    );
  }

  async readCounters(prefix: string, from: string, to: string): Promise<CounterValue[]> {
    const range = counterRange(prefix, from, to);
    // The key column sorts in "C" order (code points), so a prefix is one index range.
    const result = await this.requirePool().query<{ key: string; day: string; n: string }>(
      `select key, to_char(day, 'YYYY-MM-DD') as day, n::text as n from ${this.table('counters')}
       where key >= $1 and ($2::text is null or key < $2) and day >= $3 and day <= $4`,
      [range.prefix, prefixEnd(range.prefix) ?? null, range.from, range.to],
    );
    return result.rows
      .filter((row) => row.key.startsWith(range.prefix))
      .map((row) => ({ key: row.key, day: row.day, n: Number(row.n) }))
      .sort(compareCounters);
  }

  async putSourceRecord(record: SourceRecord): Promise<Golden.SourceRecordWrite> {
    return this.golden.putSourceRecord(record);
  }

  async getSourceRecord(key: SourceKey): Promise<Golden.StoredSourceRecord | undefined> {
    return this.golden.getSourceRecord(key);
  }

  async listSourceRecords(options?: Golden.SourceRecordListOptions): Promise<Golden.StoredSourceRecord[]> {
    return this.golden.listSourceRecords(options);
  }

  async putSourceEvent(event: InteractionEvent): Promise<boolean> {
    return this.golden.putSourceEvent(event);
  }

  async listSourceEvents(key: SourceKey): Promise<InteractionEvent[]> {
    return this.golden.listSourceEvents(key);
  }

  async resolveGoldenId(idOrRef: string): Promise<string | undefined> {
    return this.golden.resolveGoldenId(idOrRef);
  }

  async getGoldenDocument(idOrRef: string): Promise<Golden.GoldenDocumentRead | undefined> {
    return this.golden.getGoldenDocument(idOrRef);
  }

  async getGolden(idOrRef: string): Promise<Golden.StoredGolden | undefined> {
    return this.golden.getGolden(idOrRef);
  }

  async listGoldenMembers(idOrRef: string): Promise<SourceKey[]> {
    return this.golden.listGoldenMembers(idOrRef);
  }

  async readGoldenContext(
    goldenIds: readonly string[],
    keys?: readonly SourceKey[],
  ): Promise<Golden.GoldenContext> {
    return this.golden.readGoldenContext(goldenIds, keys);
  }

  async applyLink(change: Golden.LinkChange): Promise<Golden.GoldenApplyResult> {
    return this.golden.applyLink(change);
  }

  async applyMerge(change: Golden.MergeChange): Promise<Golden.GoldenApplyResult> {
    return this.golden.applyMerge(change);
  }

  async applyUnmerge(change: Golden.UnmergeChange): Promise<Golden.GoldenApplyResult> {
    return this.golden.applyUnmerge(change);
  }

  async proposeReview(proposal: Golden.ReviewProposal): Promise<Golden.ReviewProposalResult> {
    return this.golden.proposeReview(proposal);
  }

  async getReview(reviewId: string): Promise<Golden.ReviewItem | undefined> {
    return this.golden.getReview(reviewId);
  }

  async listReviews(options?: Golden.ReviewListOptions): Promise<Golden.ReviewItem[]> {
    return this.golden.listReviews(options);
  }

  async resolveReview(
    reviewId: string,
    decision: Golden.ReviewDecision,
    by: string,
    at?: string,
  ): Promise<Golden.ReviewResolution> {
    return this.golden.resolveReview(reviewId, decision, by, at);
  }

  async isKeptApart(a: string, b: string): Promise<boolean> {
    return this.golden.isKeptApart(a, b);
  }

  async listGoldenOutbox(limit?: number, except?: readonly number[]): Promise<Golden.GoldenOutboxEntry[]> {
    return this.golden.listGoldenOutbox(limit, except);
  }

  async markGoldenPublished(seqs: readonly number[]): Promise<number> {
    return this.golden.markGoldenPublished(seqs);
  }

  private async createTables(pool: Pool): Promise<void> {
    await inTransaction(pool, async (client) => {
      // IF NOT EXISTS alone still races on the catalog when two hubs start at once; the lock serialises them.
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [`crm-hub:schema:${this.schema}`]);
      await client.query(`create schema if not exists ${quoteIdent(this.schema)}`);
      await client.query(`create table if not exists ${this.table('processed_events')} (
        consumer text not null,
        event_id text not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, event_id))`);
      await client.query(`create table if not exists ${this.table('event_digests')} (
        event_id text primary key,
        digest text not null,
        recorded_at timestamptz not null default now())`);
      // the retention reads the oldest entries first; on a large table of an older hub the first start
      // builds these once (measured in docs/store.md)
      await client.query(
        `create index if not exists processed_events_processed_at
         on ${this.table('processed_events')} (processed_at)`,
      );
      await client.query(
        `create index if not exists event_digests_recorded_at
         on ${this.table('event_digests')} (recorded_at)`,
      );
      await client.query(`create table if not exists ${this.table('offers')} (
        offer_id text primary key,
        customer_id text not null,
        channel text not null,
        status text not null,
        created_at timestamptz not null,
        doc jsonb not null)`);
      await client.query(
        `create index if not exists offers_customer_channel_created
         on ${this.table('offers')} (customer_id, channel, created_at desc)`,
      );
      await client.query(`create table if not exists ${this.table('policy_switches')} (
        policy_id text primary key,
        enabled boolean not null,
        updated_at timestamptz not null default now())`);
      await client.query(`create table if not exists ${this.table('customers')} (
        customer_ref text primary key,
        version integer not null,
        updated_at timestamptz not null,
        source_system text not null,
        doc jsonb not null)`);
      await client.query(`create table if not exists ${this.table('interactions')} (
        event_id text primary key,
        customer_ref text not null,
        type text not null,
        channel text not null,
        occurred_at timestamptz not null,
        summary jsonb)`);
      await client.query(
        `create index if not exists interactions_customer_occurred
         on ${this.table('interactions')} (customer_ref, occurred_at desc)`,
      );
      await client.query(
        `create index if not exists interactions_occurred
         on ${this.table('interactions')} (occurred_at, event_id collate "C")`,
      );
      await client.query(`create table if not exists ${this.table('policy_history')} (
        customer_ref text not null,
        event_id text not null,
        occurred_at timestamptz not null,
        doc jsonb not null,
        primary key (customer_ref, event_id))`);
      await client.query(
        `create index if not exists policy_history_customer_occurred
         on ${this.table('policy_history')} (customer_ref, occurred_at)`,
      );
      await client.query(`create table if not exists ${this.table('cap_hits')} (
        cap_key text not null,
        hit_id text not null,
        at timestamptz not null,
        primary key (cap_key, hit_id))`);
      await client.query(
        `create index if not exists cap_hits_key_at on ${this.table('cap_hits')} (cap_key, at)`,
      );
      await client.query(`create table if not exists ${this.table('pending_waits')} (
        wait_id text primary key,
        due_at timestamptz not null,
        doc jsonb not null,
        claimed_by text,
        claimed_until timestamptz,
        done_at timestamptz)`);
      await client.query(`create table if not exists ${this.table('counters')} (
        key text collate "C" not null,
        day date not null,
        n bigint not null,
        primary key (key, day))`);
      await client.query(`create table if not exists ${this.table('counter_ids')} (
        id text primary key,
        applied_at timestamptz not null default now())`);
      await client.query(
        `create index if not exists pending_waits_due
         on ${this.table('pending_waits')} (due_at) where done_at is null`,
      );
      await client.query(`create table if not exists ${this.table('processes')} (
        process_id text primary key,
        customer_ref text not null,
        status text not null,
        updated_at timestamptz not null,
        revision integer not null,
        doc jsonb not null)`);
      await client.query(
        `create index if not exists processes_customer on ${this.table('processes')} (customer_ref, status)`,
      );
      await createGoldenTables(client, (name) => this.table(name));
    });
  }

  private table(name: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(name)}`;
  }

  private requirePool(): Pool {
    if (!this.pool) throw new Error(`${this.describe()} is not open; call open() first`);
    return this.pool;
  }
}

interface InteractionRow {
  event_id: string;
  customer_ref: string;
  type: string;
  channel: string;
  occurred_at: Date;
  summary: Record<string, unknown> | null;
}

interface ProcessRow {
  doc: ProcessState;
  revision: number;
}

function processFromRow(row: ProcessRow): StoredProcess {
  return { process: row.doc, revision: row.revision };
}

function interactionFromRow(row: InteractionRow): StoredInteraction {
  const interaction: StoredInteraction = {
    customerRef: row.customer_ref,
    eventId: row.event_id,
    type: row.type,
    channel: row.channel,
    occurredAt: row.occurred_at.toISOString(),
  };
  if (row.summary !== null) interaction.summary = row.summary;
  return interaction;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** host:port/database for logs; the URL is parsed here so user and password never reach a log line */
function describeLocation(connectionString: string): string {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new Error(
      'PostgresStore: connectionString is not a valid URL (expected postgres://host:port/database)',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(
      `PostgresStore: connectionString must start with postgres:// or postgresql://, got ${url.protocol}//`,
    );
  }
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const port = url.port || '5432';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
  return `${host}:${port}/${database}`;
}
