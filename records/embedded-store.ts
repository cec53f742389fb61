import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
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
import { writeCustomer } from './embedded-customers';
import { EmbeddedGolden } from './embedded-golden';
import { DOCUMENTS } from './lmdb-documents';
import { durable } from './lmdb-durable';
import { SettledReadCache } from './settled-read-cache';
import type * as Golden from './golden-store';
import type { SourceKey, SourceRecord } from './source-versions';
import type { InteractionEvent } from '../mappings/canonical/types';

interface PolicySwitch {
  enabled: boolean;
  updatedAt: string;
}

interface OpenDatabases {
  root: RootDatabase;
  /** `consumer NUL eventId` -> when it was recorded */
  processed: Database<string, string>;
  /** key `[recordedAt, consumer, eventId]`: the retention reads the oldest first, one range */
  processedByTime: Database<true, CompositeKey>;
  eventDigests: Database<string, string>;
  /** key `[recordedAt, eventId]`, as processedByTime */
  eventDigestsByTime: Database<true, CompositeKey>;
  /** how far the time indexes above were filled from entries written before they existed */
  idempotencyIndexed: Database<string, string>;
  /** key `customerId NUL offerId`, so one customer's offers are one contiguous key range */
  offers: Database<StoredOffer, CompositeKey>;
  /** offerId -> customerId, to find the old index entry when a replaced offer moves to another customer */
  offerOwners: Database<string, string>;
  /**
   * customerId -> a number moved by every write of that customer's offers: says whether a cached list
   * is still the stored one, whoever wrote since (another store instance on the same files too)
   */
  offerListVersions: Database<number, string>;
  policies: Database<PolicySwitch, string>;
  customers: Database<VersionedCustomer, string>;
  /** key `customerRef NUL occurredAt NUL eventId`: one customer's history is one range, oldest to newest */
  interactions: Database<StoredInteraction, CompositeKey>;
  /** eventId -> its key in interactions, so a redelivered event is recognised whatever it carries */
  interactionKeys: Database<CompositeKey, string>;
  /** key `occurredAt NUL eventId` -> customerRef: every customer's interactions in time order */
  interactionTimes: Database<string, CompositeKey>;
  /** key `customerRef NUL occurredAt NUL eventId`: a customer's window is one range, oldest first */
  history: Database<HistoryEntry, CompositeKey>;
  /** key `customerRef NUL eventId`, so a redelivered event is appended once */
  historyIds: Database<string, CompositeKey>;
  /** key `capKey NUL at NUL hitId`: a cap's window is one range */
  capHits: Database<number, CompositeKey>;
  /** key `capKey NUL hitId` -> at, so a redelivered decision is not counted twice */
  capHitIds: Database<string, CompositeKey>;
  waits: Database<WaitRecord, string>;
  /** key `dueAt NUL waitId` for waits not yet done, so a sweep reads only what is due */
  waitsDue: Database<string, CompositeKey>;
  /** key `counterKey NUL day` -> total: one key's days are one range, and keys sharing a prefix too */
  counters: Database<number, CompositeKey>;
  /** addCounters ids applied -> when, so a redelivered write counts once */
  counterIds: Database<string, string>;
  processes: Database<StoredProcess, string>;
  /** key `customerRef NUL processId`, so one customer's processes are one range */
  processesByCustomer: Database<string, CompositeKey>;
  /** source records, cross-reference, golden documents, review band and outbox (embedded-golden.ts) */
  golden: EmbeddedGolden;
}

interface WaitRecord {
  wait: PendingWait;
  claimedBy?: string;
  claimedUntil?: string;
  doneAt?: string;
}

/**
 * Composite keys are arrays: LMDB's ordered-binary key encoding uses NUL as its element separator, so a
 * NUL inside a string key turns into an array on read and breaks range scans.
 */
type CompositeKey = string[];
// Sorts after every id and timestamp we store (U+FFFF encodes as EF BF BF), so [prefix, END] closes a range.
const END = '\uffff';
const SEP = '\u0000';

/** lmdb-js reads the files' mode at open (its src/env.cpp, 0664 by default); its types omit it. */
interface PrivateRootOptions extends RootDatabaseOptionsWithPath {
  permissionsMode: number;
}

/**
 * The store without a server: LMDB files under the Node-RED user directory. A write resolves only after
 * LMDB reports it flushed, so a resolved write survives kill -9 and power loss alike.
 */
export class EmbeddedStore implements HubStore {
  readonly kind = 'embedded' as const;
  private readonly directory: string;
  private readonly now: () => number;
  private dbs: OpenDatabases | undefined;
  /** each customer's offers, newest first: the next best offer reads them at every page view */
  private offerLists = new SettledReadCache<{ version: number; offers: StoredOffer[] }>();

  /** `now`: the clock idempotency entries are stamped with (ms since the epoch); Date.now by default */
  constructor(options: { directory: string; now?: () => number }) {
    if (typeof options?.directory !== 'string' || options.directory.trim() === '') {
      throw new Error('EmbeddedStore: directory must be a non-empty path');
    }
    this.directory = options.directory;
    this.now = options.now ?? Date.now;
  }

  describe(): string {
    return `embedded LMDB store at ${this.directory}`;
  }

  async open(): Promise<void> {
    if (this.dbs) return;
    // a store opened again may find other files than it cached from
    this.offerLists = new SettledReadCache<{ version: number; offers: StoredOffer[] }>();
    // customer data: the store's files are its owner's alone (LMDB's default is 0664)
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    // LMDB's default of 12 named databases is too few; the number only sizes a table, so headroom is free.
    const options: PrivateRootOptions = {
      path: this.directory,
      compression: false,
      maxDbs: 64,
      permissionsMode: 0o600,
    };
    const root = open(options);
    const customers = root.openDB<VersionedCustomer, string>('customers', DOCUMENTS);
    this.dbs = {
      root,
      processed: root.openDB<string, string>('processed-events', {}),
      processedByTime: root.openDB<true, CompositeKey>('processed-events-by-time', {}),
      eventDigests: root.openDB<string, string>('event-digests', {}),
      eventDigestsByTime: root.openDB<true, CompositeKey>('event-digests-by-time', {}),
      idempotencyIndexed: root.openDB<string, string>('idempotency-indexed', {}),
      offers: root.openDB<StoredOffer, CompositeKey>('offers', {}),
      offerOwners: root.openDB<string, string>('offer-owners', {}),
      offerListVersions: root.openDB<number, string>('offer-list-versions', {}),
      policies: root.openDB<PolicySwitch, string>('policy-switches', {}),
      customers,
      interactions: root.openDB<StoredInteraction, CompositeKey>('interactions', {}),
      interactionKeys: root.openDB<CompositeKey, string>('interaction-keys', {}),
      interactionTimes: root.openDB<string, CompositeKey>('interactions-by-time', {}),
      history: root.openDB<HistoryEntry, CompositeKey>('policy-history', {}),
      historyIds: root.openDB<string, CompositeKey>('policy-history-ids', {}),
      capHits: root.openDB<number, CompositeKey>('cap-hits', {}),
      capHitIds: root.openDB<string, CompositeKey>('cap-hit-ids', {}),
      waits: root.openDB<WaitRecord, string>('pending-waits', {}),
      waitsDue: root.openDB<string, CompositeKey>('pending-waits-due', {}),
      counters: root.openDB<number, CompositeKey>('counters', {}),
      counterIds: root.openDB<string, string>('counter-ids', {}),
      processes: root.openDB<StoredProcess, string>('processes', {}),
      processesByCustomer: root.openDB<string, CompositeKey>('processes-by-customer', {}),
      golden: new EmbeddedGolden(root, customers),
    };
    await indexInteractionTimes(this.dbs);
    await indexIdempotencyTimes(this.dbs, new Date(this.now()).toISOString());
    await this.dbs.golden.indexRevisions();
  }

  async close(): Promise<void> {
    const dbs = this.dbs;
    if (!dbs) return;
    this.dbs = undefined;
    await dbs.root.flushed;
    await dbs.root.close();
  }

  async health(): Promise<StoreHealth> {
    if (!this.dbs) return { ok: false, kind: this.kind, detail: `${this.describe()}: not open` };
    try {
      // A read through a fresh transaction proves the environment is still usable.
      this.dbs.policies.get('\u0000health');
      return { ok: true, kind: this.kind, detail: this.describe() };
    } catch (err) {
      return { ok: false, kind: this.kind, detail: `${this.describe()}: ${errorMessage(err)}` };
    }
  }

  async markProcessed(consumer: string, eventId: string): Promise<boolean> {
    const { root, processed, processedByTime } = this.require();
    const key = processedKey(consumer, eventId);
    const at = new Date(this.now()).toISOString();
    // Checked and written inside LMDB's single writer, so concurrent callers cannot both win.
    return durable(
      root,
      processed.ifNoExists(key, () => {
        void processed.put(key, at);
        void processedByTime.put([at, consumer, eventId], true);
      }),
    );
  }

  async wasProcessed(consumer: string, eventId: string): Promise<boolean> {
    const { processed } = this.require();
    return processed.doesExist(processedKey(consumer, eventId));
  }

  async recordEventDigests(entries: readonly EventDigest[]): Promise<string[]> {
    const checked = entries.map((entry, i) => ({
      eventId: requireId(entry?.eventId, `entries[${i}].eventId`),
      digest: requireId(entry?.digest, `entries[${i}].digest`),
    }));
    if (checked.length === 0) return [];
    const { root, eventDigests, eventDigestsByTime } = this.require();
    // Every consumer of an event claims its id (records/event-id-claim.ts): after the first, all ids
    // are known, and a read answers without a write transaction and a flush. A digest once recorded
    // only changes by the retention removing it, which makes the id new either way.
    const known = checked.map(({ eventId }) => eventDigests.get(eventId));
    if (known.every((digest) => digest !== undefined)) return known as string[];
    const at = new Date(this.now()).toISOString();
    const held = await durable(
      root,
      root.transaction(() =>
        checked.map(({ eventId, digest }) => {
          const known = eventDigests.get(eventId);
          if (known !== undefined) return known;
          void eventDigests.put(eventId, digest);
          void eventDigestsByTime.put([at, eventId], true);
          return digest;
        }),
      ),
    );
    return held;
  }

  async pruneIdempotency(before: string, limit: number): Promise<IdempotencyPruned> {
    const cutoff = requireInstant(before, 'before');
    requirePruneLimit(limit);
    const { root, processed, processedByTime, eventDigests, eventDigestsByTime } = this.require();
    // One small write transaction per table: LMDB has one writer, and a long one would hold up every
    // event the hub is taking meanwhile. `end: [cutoff]` closes the range before the first entry
    // stamped at the cutoff.
    const processedRemoved = await root.transaction(() => {
      // read first, then remove: a cursor does not walk over its own deletions
      const doomed = [...processedByTime.getKeys({ end: [cutoff], limit })];
      for (const key of doomed) {
        const [at, consumer, eventId] = key;
        void processedByTime.remove(key);
        const entry = consumer + SEP + eventId;
        if (processed.get(entry) === at) void processed.remove(entry);
      }
      return doomed.length;
    });
    const digestsRemoved = await durable(
      root,
      root.transaction(() => {
        const doomed = [...eventDigestsByTime.getKeys({ end: [cutoff], limit })];
        for (const key of doomed) {
          void eventDigestsByTime.remove(key);
          void eventDigests.remove(key[1]);
        }
        return doomed.length;
      }),
    );
    return { processed: processedRemoved, digests: digestsRemoved };
  }

  async putOffer(offer: StoredOffer): Promise<void> {
    validateOffer(offer);
    const { root, offers, offerOwners, offerListVersions } = this.require();
    const doc = plainCopy(offer);
    await this.writingOffers(root, offerListVersions, [doc.customerId], (touched) =>
      root.transaction(() => {
        const previousOwner = offerOwners.get(doc.offerId);
        if (previousOwner !== undefined && previousOwner !== doc.customerId) {
          touched(previousOwner);
          void offers.remove(offerKey(previousOwner, doc.offerId));
        }
        offerListChanged(offerListVersions, doc.customerId);
        void offers.put(offerKey(doc.customerId, doc.offerId), doc);
        void offerOwners.put(doc.offerId, doc.customerId);
      }),
    );
  }

  async listOffers(
    customerId: string,
    options: { channel?: string; includeClosed?: boolean } = {},
  ): Promise<StoredOffer[]> {
    requireId(customerId, 'customerId');
    if (options.channel !== undefined) requireId(options.channel, 'options.channel');
    const { offers, offerListVersions } = this.require();
    const version = offerListVersions.get(customerId) ?? 0;
    let all = this.offerLists.get(customerId);
    if (all?.version !== version) {
      const read: StoredOffer[] = [];
      for (const { value } of offers.getRange({ start: [customerId], end: [customerId, END] }))
        read.push(value);
      all = this.offerLists.keep(customerId, { version, offers: read.sort(compareNewestFirst) });
    }
    const { channel, includeClosed } = options;
    return all.offers.filter(
      (o) => (channel === undefined || o.channel === channel) && (includeClosed || o.status === 'open'),
    );
  }

  async updateOfferStatus(offerId: string, status: OfferOutcome): Promise<boolean> {
    requireId(offerId, 'offerId');
    requireOfferOutcome(status);
    const { root, offers, offerOwners, offerListVersions } = this.require();
    return this.writingOffers(root, offerListVersions, [], (touched) =>
      root.transaction(() => {
        const owner = offerOwners.get(offerId);
        const current = owner === undefined ? undefined : offers.get(offerKey(owner, offerId));
        if (owner === undefined || current === undefined) return false;
        touched(owner);
        void offers.put(offerKey(owner, offerId), { ...current, status });
        return true;
      }),
    );
  }

  /**
   * Runs a write of offers and waits until it is flushed, with the offer lists of the customers it
   * touches (known before, or found inside the transaction, before it writes) kept out of the cache
   * until it settled.
   */
  private async writingOffers<T>(
    root: RootDatabase,
    offerListVersions: OpenDatabases['offerListVersions'],
    customerIds: string[],
    write: (touched: (customerId: string) => void) => Promise<T>,
  ): Promise<T> {
    const touched = [...customerIds];
    for (const id of touched) this.offerLists.writing(id);
    try {
      // the root the write began on: a close meanwhile must not fail a write that committed
      return await durable(
        root,
        write((id) => {
          this.offerLists.writing(id);
          touched.push(id);
          offerListChanged(offerListVersions, id);
        }),
      );
    } finally {
      this.offerLists.settled(touched);
    }
  }

  async putCustomer(customer: StoredCustomer): Promise<CustomerWriteResult> {
    const next = normalizeCustomer(customer);
    const { root, customers } = this.require();
    // Read and write in one LMDB write transaction: concurrent writers are serialised, none is lost.
    return durable(
      root,
      root.transaction(() => writeCustomer(customers, next)),
    );
  }

  async getCustomer(customerRef: string): Promise<VersionedCustomer | undefined> {
    return this.require().customers.get(requireId(customerRef, 'customerRef').normalize('NFC'));
  }

  async recordInteraction(interaction: StoredInteraction): Promise<boolean> {
    const doc = normalizeInteraction(interaction);
    const { root, interactions, interactionKeys, interactionTimes } = this.require();
    const key = interactionKey(doc);
    const inserted = await durable(
      root,
      root.transaction(() => {
        if (interactionKeys.doesExist(doc.eventId)) return false;
        void interactions.put(key, doc);
        void interactionKeys.put(doc.eventId, key);
        void interactionTimes.put([doc.occurredAt, doc.eventId], doc.customerRef);
        return true;
      }),
    );
    return inserted;
  }

  async listInteractions(
    customerRef: string,
    options: { limit?: number } = {},
  ): Promise<StoredInteraction[]> {
    requireId(customerRef, 'customerRef');
    const limit = requireLimit(options?.limit);
    const { interactions } = this.require();
    const found: StoredInteraction[] = [];
    // Walking backwards yields newest first but ties in reverse event-id order, so the walk goes on until
    // the instant at the cut-off changes and the final order comes from the shared comparator.
    for (const { value } of interactions.getRange({
      start: [customerRef, END],
      end: [customerRef],
      reverse: true,
    })) {
      if (found.length >= limit && value.occurredAt !== found[found.length - 1].occurredAt) break;
      found.push(value);
    }
    return found.sort(compareInteractionsNewestFirst).slice(0, limit);
  }

  async listInteractionsBetween(
    from: string,
    to: string,
    options: InteractionPeriodOptions = {},
  ): Promise<StoredInteraction[]> {
    const query = interactionPeriodQuery(from, to, options);
    const { interactions, interactionTimes } = this.require();
    const found: StoredInteraction[] = [];
    if (query.from >= query.to) return found;
    const { after } = query;
    const start = after && after.occurredAt >= query.from ? [after.occurredAt, after.eventId] : [query.from];
    for (const { key, value: customerRef } of interactionTimes.getRange({ start, end: [query.to] })) {
      const [occurredAt, eventId] = key;
      // the page goes on after the last item of the previous one, which the range starts at
      if (after && occurredAt === after.occurredAt && eventId === after.eventId) continue;
      const interaction = interactions.get([customerRef, occurredAt, eventId]);
      if (interaction) found.push(interaction);
      if (found.length >= query.limit) break;
    }
    return found;
  }

  async getPolicyEnabled(policyId: string): Promise<boolean | undefined> {
    requireId(policyId, 'policyId');
    return this.require().policies.get(policyId)?.enabled;
  }

  async setPolicyEnabled(policyId: string, enabled: boolean): Promise<void> {
    requireId(policyId, 'policyId');
    requireEnabledFlag(enabled);
    const { root, policies } = this.require();
    await durable(root, policies.put(policyId, { enabled, updatedAt: new Date().toISOString() }));
  }

  async appendHistory(entry: HistoryEntry): Promise<boolean> {
    const doc = normalizeHistoryEntry(entry);
    const { root, history, historyIds } = this.require();
    const inserted = await durable(
      root,
      root.transaction(() => {
        const idKey = [doc.customerRef, doc.eventId];
        if (historyIds.doesExist(idKey)) return false;
        void history.put([doc.customerRef, doc.occurredAt, doc.eventId], doc);
        void historyIds.put(idKey, doc.occurredAt);
        return true;
      }),
    );
    return inserted;
  }

  async listHistory(customerRef: string, since: string): Promise<HistoryEntry[]> {
    requireId(customerRef, 'customerRef');
    const after = requireInstant(since, 'since');
    const found: HistoryEntry[] = [];
    // [ref, after, END] sorts after every entry at exactly `after`, so the range is (after, ...).
    for (const { value } of this.require().history.getRange({
      start: [customerRef, after, END],
      end: [customerRef, END],
    })) {
      found.push(value);
    }
    return found.sort(compareHistoryOldestFirst);
  }

  async takeCaps(claims: readonly CapClaim[], hitId: string, at: string): Promise<CapTakeResult> {
    validateCapClaims(claims);
    requireId(hitId, 'hitId');
    const when = requireInstant(at, 'at');
    const { root, capHits, capHitIds } = this.require();
    // One LMDB write transaction: the single writer serialises takers, so a cap of 1 lets one through.
    const result = await durable(
      root,
      root.transaction((): CapTakeResult => {
        // (when - window, when + window): a hit another instance stamped later counts too (capSpanEnd)
        const counts = claims.map((claim) =>
          countHits(capHits, claim.key, claim.windowMs, when, [claim.key, capSpanEnd(when, claim.windowMs)]),
        );
        const fresh = claims.map((claim) => !capHitIds.doesExist([claim.key, hitId]));
        const refused = claims.findIndex((claim, i) => fresh[i] && counts[i] >= claim.limit);
        if (refused >= 0) return { granted: false, counts, refused };
        claims.forEach((claim, i) => {
          if (!fresh[i]) return;
          void capHits.put([claim.key, when, hitId], 1);
          void capHitIds.put([claim.key, hitId], when);
          counts[i] += 1;
        });
        return { granted: true, counts };
      }),
    );
    return result;
  }

  async releaseCaps(keys: readonly string[], hitId: string): Promise<void> {
    keys.forEach((key, i) => requireId(key, `keys[${i}]`));
    requireId(hitId, 'hitId');
    const { root, capHits, capHitIds } = this.require();
    await durable(
      root,
      root.transaction(() => {
        for (const key of keys) {
          const at = capHitIds.get([key, hitId]);
          if (at === undefined) continue;
          void capHits.remove([key, at, hitId]);
          void capHitIds.remove([key, hitId]);
        }
      }),
    );
  }

  async countCap(key: string, windowMs: number, at: string): Promise<number> {
    requireId(key, 'key');
    requirePositiveInteger(windowMs, 'windowMs');
    return countHits(this.require().capHits, key, windowMs, requireInstant(at, 'at'));
  }

  async putWait(wait: PendingWait): Promise<boolean> {
    const doc = normalizeWait(wait);
    const { root, waits, waitsDue } = this.require();
    const inserted = await durable(
      root,
      root.transaction(() => {
        if (waits.doesExist(doc.waitId)) return false;
        void waits.put(doc.waitId, { wait: doc });
        void waitsDue.put([doc.dueAt, doc.waitId], doc.waitId);
        return true;
      }),
    );
    return inserted;
  }

  async claimDueWaits(now: string, owner: string, leaseMs: number, limit: number): Promise<PendingWait[]> {
    const at = requireInstant(now, 'now');
    requireId(owner, 'owner');
    const until = new Date(Date.parse(at) + requirePositiveInteger(leaseMs, 'leaseMs')).toISOString();
    requirePositiveInteger(limit, 'limit');
    const { root, waits, waitsDue } = this.require();
    const claimed = await durable(
      root,
      root.transaction((): PendingWait[] => {
        const taken: PendingWait[] = [];
        const due = [...waitsDue.getRange({ end: [at, END] })].map(({ value }) => value);
        for (const waitId of due) {
          if (taken.length >= limit) break;
          const record = waits.get(waitId);
          if (!record || record.doneAt !== undefined) continue;
          if (record.claimedUntil !== undefined && record.claimedUntil > at) continue;
          void waits.put(waitId, { ...record, claimedBy: owner, claimedUntil: until });
          taken.push(record.wait);
        }
        return taken;
      }),
    );
    return claimed;
  }

  async completeWait(waitId: string, owner: string, now: string): Promise<boolean> {
    requireId(waitId, 'waitId');
    requireId(owner, 'owner');
    const at = requireInstant(now, 'now');
    const { root, waits, waitsDue } = this.require();
    const completed = await durable(
      root,
      root.transaction(() => {
        const record = waits.get(waitId);
        if (!record || record.doneAt !== undefined || record.claimedBy !== owner) return false;
        // The record stays, so the same wait stored again (a redelivered event) is refused by putWait.
        void waits.put(waitId, { ...record, doneAt: at });
        void waitsDue.remove([record.wait.dueAt, waitId]);
        return true;
      }),
    );
    return completed;
  }

  async putProcess(process: ProcessState): Promise<boolean> {
    const doc = normalizeProcess(process);
    const { root, processes, processesByCustomer } = this.require();
    const inserted = await durable(
      root,
      root.transaction(() => {
        if (processes.doesExist(doc.processId)) return false;
        void processes.put(doc.processId, { process: doc, revision: 1 });
        void processesByCustomer.put([doc.customerRef, doc.processId], doc.processId);
        return true;
      }),
    );
    return inserted;
  }

  async getProcess(processId: string): Promise<StoredProcess | undefined> {
    requireId(processId, 'processId');
    return this.require().processes.get(processId);
  }

  async updateProcess(process: ProcessState, revision: number): Promise<boolean> {
    const doc = normalizeProcess(process);
    requirePositiveInteger(revision, 'revision');
    const { root, processes } = this.require();
    // One write transaction: of two updates naming the same revision, the second finds it moved on.
    const updated = await durable(
      root,
      root.transaction(() => {
        const stored = processes.get(doc.processId);
        if (!stored || stored.revision !== revision) return false;
        if (stored.process.customerRef !== doc.customerRef) {
          throw new Error(
            `store: process.customerRef cannot change (process ${doc.processId} is ${stored.process.customerRef}'s)`,
          );
        }
        void processes.put(doc.processId, { process: doc, revision: revision + 1 });
        return true;
      }),
    );
    return updated;
  }

  async listProcesses(
    customerRef: string,
    options: { status?: ProcessState['status'] } = {},
  ): Promise<StoredProcess[]> {
    requireId(customerRef, 'customerRef');
    const { processes, processesByCustomer } = this.require();
    const found: StoredProcess[] = [];
    for (const { value } of processesByCustomer.getRange({ start: [customerRef], end: [customerRef, END] })) {
      const stored = processes.get(value);
      if (stored && (options?.status === undefined || stored.process.status === options.status)) {
        found.push(stored);
      }
    }
    return found.sort(compareProcessesLatestFirst);
  }

  async addCounters(id: string, increments: readonly CounterIncrement[]): Promise<boolean> {
    const changes = counterIncrements(id, increments);
    const { root, counters, counterIds } = this.require();
    // Read, add and mark inside LMDB's single writer: two writers of one id cannot both apply it.
    const applied = await durable(
      root,
      root.transaction(() => {
        if (counterIds.doesExist(id)) return false;
        for (const { key, day, n } of changes) {
          void counters.put([key, day], (counters.get([key, day]) ?? 0) + n);
        }
        void counterIds.put(id, new Date().toISOString());
        return true;
      }),
    );
    return applied;
  }

  async readCounters(prefix: string, from: string, to: string): Promise<CounterValue[]> {
    const range = counterRange(prefix, from, to);
    const end = prefixEnd(range.prefix);
    const found: CounterValue[] = [];
    for (const { key, value } of this.require().counters.getRange({
      start: [range.prefix],
      ...(end === undefined ? {} : { end: [end] }),
    })) {
      const [name, day] = key;
      if (!name.startsWith(range.prefix)) continue;
      if (day >= range.from && day <= range.to) found.push({ key: name, day, n: value });
    }
    return found.sort(compareCounters);
  }

  async putSourceRecord(record: SourceRecord): Promise<Golden.SourceRecordWrite> {
    return this.golden().putSourceRecord(record);
  }

  async getSourceRecord(key: SourceKey): Promise<Golden.StoredSourceRecord | undefined> {
    return this.golden().getSourceRecord(key);
  }

  async listSourceRecords(options?: Golden.SourceRecordListOptions): Promise<Golden.StoredSourceRecord[]> {
    return this.golden().listSourceRecords(options);
  }

  async putSourceEvent(event: InteractionEvent): Promise<boolean> {
    return this.golden().putSourceEvent(event);
  }

  async listSourceEvents(key: SourceKey): Promise<InteractionEvent[]> {
    return this.golden().listSourceEvents(key);
  }

  async resolveGoldenId(idOrRef: string): Promise<string | undefined> {
    return this.golden().resolveGoldenId(idOrRef);
  }

  async getGoldenDocument(idOrRef: string): Promise<Golden.GoldenDocumentRead | undefined> {
    return this.golden().getGoldenDocument(idOrRef);
  }

  async getGolden(idOrRef: string): Promise<Golden.StoredGolden | undefined> {
    return this.golden().getGolden(idOrRef);
  }

  async listGoldenMembers(idOrRef: string): Promise<SourceKey[]> {
    return this.golden().listGoldenMembers(idOrRef);
  }

  async readGoldenContext(
    goldenIds: readonly string[],
    keys?: readonly SourceKey[],
  ): Promise<Golden.GoldenContext> {
    return this.golden().readGoldenContext(goldenIds, keys);
  }

  async applyLink(change: Golden.LinkChange): Promise<Golden.GoldenApplyResult> {
    return this.golden().applyLink(change);
  }

  async applyMerge(change: Golden.MergeChange): Promise<Golden.GoldenApplyResult> {
    return this.golden().applyMerge(change);
  }

  async applyUnmerge(change: Golden.UnmergeChange): Promise<Golden.GoldenApplyResult> {
    return this.golden().applyUnmerge(change);
  }

  async proposeReview(proposal: Golden.ReviewProposal): Promise<Golden.ReviewProposalResult> {
    return this.golden().proposeReview(proposal);
  }

  async getReview(reviewId: string): Promise<Golden.ReviewItem | undefined> {
    return this.golden().getReview(reviewId);
  }

  async listReviews(options?: Golden.ReviewListOptions): Promise<Golden.ReviewItem[]> {
    return this.golden().listReviews(options);
  }

  async resolveReview(
    reviewId: string,
    decision: Golden.ReviewDecision,
    by: string,
    at?: string,
  ): Promise<Golden.ReviewResolution> {
    return this.golden().resolveReview(reviewId, decision, by, at);
  }

  async isKeptApart(a: string, b: string): Promise<boolean> {
    return this.golden().isKeptApart(a, b);
  }

  async listGoldenOutbox(limit?: number, except?: readonly number[]): Promise<Golden.GoldenOutboxEntry[]> {
    return this.golden().listGoldenOutbox(limit, except);
  }

  async markGoldenPublished(seqs: readonly number[]): Promise<number> {
    return this.golden().markGoldenPublished(seqs);
  }

  /** the golden-record part; a method rather than a field so a closed store refuses like every other call */
  private golden(): EmbeddedGolden {
    return this.require().golden;
  }

  private require(): OpenDatabases {
    if (!this.dbs) throw new Error(`${this.describe()} is not open; call open() first`);
    return this.dbs;
  }
}

/**
 * The hits under key after the window's start, (at - windowMs, …, up to `end`: a key range end.
 * [key, at, END] keeps the hits exactly at `at` (what countCap asks: (at - windowMs, at]); [key, t]
 * sorts before every [key, t, hitId] and leaves out those at t (a take's span, see capSpanEnd).
 */
function countHits(
  capHits: Database<number, CompositeKey>,
  key: string,
  windowMs: number,
  at: string,
  end: CompositeKey = [key, at, END],
): number {
  let count = 0;
  // [key, from, END] passes every hit exactly at the window's start
  for (const _ of capHits.getKeys({ start: [key, windowStart(at, windowMs), END], end })) count++;
  return count;
}

/**
 * Stores written before the time index existed get it once, at open: every interaction is indexed in one
 * transaction, so a crash leaves either no index or a complete one.
 */
async function indexInteractionTimes(dbs: OpenDatabases): Promise<void> {
  const { root, interactions, interactionTimes } = dbs;
  if (hasAny(interactionTimes) || !hasAny(interactions)) return;
  await durable(
    root,
    root.transaction(() => {
      for (const { value } of interactions.getRange({})) {
        void interactionTimes.put([value.occurredAt, value.eventId], value.customerRef);
      }
    }),
  );
}

/** entries indexed per write transaction when the time indexes are filled from older files */
const INDEX_BATCH = 1000;

/**
 * Files written before the retention have processed ids and digests without the time indexes. They
 * are indexed once, in batches (a progress mark after each, so a crash resumes where it stopped): a
 * processed id by the time it holds, a digest, which holds none, as recorded at the first open with
 * the index, so it is kept a whole window from the upgrade.
 */
async function indexIdempotencyTimes(dbs: OpenDatabases, openedAt: string): Promise<void> {
  const { root, processed, processedByTime, eventDigests, eventDigestsByTime, idempotencyIndexed } = dbs;
  const fill = async (
    name: string,
    source: Database<string, string>,
    index: (key: string, value: string) => void,
  ): Promise<void> => {
    for (;;) {
      const after = idempotencyIndexed.get(name);
      if (after === DONE) return;
      const done = await root.transaction(() => {
        let n = 0;
        let last: string | undefined;
        for (const { key, value } of source.getRange({
          ...(after === undefined ? {} : { start: after }),
          limit: INDEX_BATCH + 1,
        })) {
          if (key === after) continue;
          index(key, value);
          last = key;
          n += 1;
          if (n === INDEX_BATCH) break;
        }
        void idempotencyIndexed.put(name, last === undefined ? DONE : last);
        return last === undefined;
      });
      if (done) break;
    }
    await root.flushed;
  };
  await fill('processed', processed, (key, at) => {
    const [consumer, eventId] = splitProcessedKey(key);
    void processedByTime.put([at, consumer, eventId], true);
  });
  await fill('digests', eventDigests, (eventId) => {
    void eventDigestsByTime.put([openedAt, eventId], true);
  });
}

/** the progress mark of an index that is complete: sorts before no key, and no key is empty */
const DONE = '';

function splitProcessedKey(key: string): [string, string] {
  const sep = key.indexOf(SEP);
  return [key.slice(0, sep), key.slice(sep + 1)];
}

function hasAny(db: Database<unknown, CompositeKey>): boolean {
  for (const _ of db.getKeys({ limit: 1 })) return true;
  return false;
}

function processedKey(consumer: string, eventId: string): string {
  return requireId(consumer, 'consumer') + SEP + requireId(eventId, 'eventId');
}

function offerKey(customerId: string, offerId: string): CompositeKey {
  return [customerId, offerId];
}

function interactionKey(interaction: StoredInteraction): CompositeKey {
  // Normalised UTC timestamps all have one length, so key order is time order.
  return [interaction.customerRef, interaction.occurredAt, interaction.eventId];
}

/** Inside the write transaction: the customer's cached offer list, in any instance, is out of date. */
function offerListChanged(versions: OpenDatabases['offerListVersions'], customerId: string): void {
  void versions.put(customerId, (versions.get(customerId) ?? 0) + 1);
}
