import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import type {
  CustomerWriteResult,
  HubStore,
  OfferOutcome,
  StoreHealth,
  StoredCustomer,
  StoredInteraction,
  StoredOffer,
  VersionedCustomer,
} from './store';
import {
  sameJsonDocument,
  compareInteractionsNewestFirst,
  compareNewestFirst,
  normalizeCustomer,
  normalizeInteraction,
  plainCopy,
  requireEnabledFlag,
  requireId,
  requireLimit,
  requireOfferOutcome,
  validateOffer,
} from './store-input';
import { errorMessage } from '../formats/error-message';

interface PolicySwitch {
  enabled: boolean;
  updatedAt: string;
}

interface OpenDatabases {
  root: RootDatabase;
  processed: Database<string, string>;
  /** key `customerId NUL offerId`, so one customer's offers are one contiguous key range */
  offers: Database<StoredOffer, CompositeKey>;
  /** offerId -> customerId, to find the old index entry when a replaced offer moves to another customer */
  offerOwners: Database<string, string>;
  policies: Database<PolicySwitch, string>;
  customers: Database<VersionedCustomer, string>;
  /** key `customerRef NUL occurredAt NUL eventId`: one customer's history is one range, oldest to newest */
  interactions: Database<StoredInteraction, CompositeKey>;
  /** eventId -> its key in interactions, so a redelivered event is recognised whatever it carries */
  interactionKeys: Database<CompositeKey, string>;
}

/**
 * Composite keys are arrays: LMDB's ordered-binary key encoding uses NUL as its element separator, so a
 * NUL inside a string key turns into an array on read and breaks range scans.
 */
type CompositeKey = string[];
// Sorts after every id and timestamp we store (U+FFFF encodes as EF BF BF), so [prefix, END] closes a range.
const END = '\uffff';
const SEP = '\u0000';

/**
 * The store without a server: LMDB files under the Node-RED user directory. A write resolves only after
 * LMDB reports it flushed, so a resolved write survives kill -9 and power loss alike.
 */
export class EmbeddedStore implements HubStore {
  readonly kind = 'embedded' as const;
  private readonly directory: string;
  private dbs: OpenDatabases | undefined;

  constructor(options: { directory: string }) {
    if (typeof options?.directory !== 'string' || options.directory.trim() === '') {
      throw new Error('EmbeddedStore: directory must be a non-empty path');
    }
    this.directory = options.directory;
  }

  describe(): string {
    return `embedded LMDB store at ${this.directory}`;
  }

  async open(): Promise<void> {
    if (this.dbs) return;
    mkdirSync(this.directory, { recursive: true });
    const root = open({ path: this.directory, compression: false });
    this.dbs = {
      root,
      processed: root.openDB<string, string>('processed-events', {}),
      offers: root.openDB<StoredOffer, CompositeKey>('offers', {}),
      offerOwners: root.openDB<string, string>('offer-owners', {}),
      policies: root.openDB<PolicySwitch, string>('policy-switches', {}),
      customers: root.openDB<VersionedCustomer, string>('customers', {}),
      interactions: root.openDB<StoredInteraction, CompositeKey>('interactions', {}),
      interactionKeys: root.openDB<CompositeKey, string>('interaction-keys', {}),
    };
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
    const { root, processed } = this.require();
    const key = processedKey(consumer, eventId);
    // Checked and written inside LMDB's single writer, so concurrent callers cannot both win.
    const inserted = await processed.ifNoExists(key, () => {
      void processed.put(key, new Date().toISOString());
    });
    await root.flushed;
    return inserted;
  }

  async wasProcessed(consumer: string, eventId: string): Promise<boolean> {
    const { processed } = this.require();
    return processed.doesExist(processedKey(consumer, eventId));
  }

  async putOffer(offer: StoredOffer): Promise<void> {
    validateOffer(offer);
    const { root, offers, offerOwners } = this.require();
    const doc = plainCopy(offer);
    await root.transaction(() => {
      const previousOwner = offerOwners.get(doc.offerId);
      if (previousOwner !== undefined && previousOwner !== doc.customerId) {
        void offers.remove(offerKey(previousOwner, doc.offerId));
      }
      void offers.put(offerKey(doc.customerId, doc.offerId), doc);
      void offerOwners.put(doc.offerId, doc.customerId);
    });
    await root.flushed;
  }

  async listOffers(
    customerId: string,
    options: { channel?: string; includeClosed?: boolean } = {},
  ): Promise<StoredOffer[]> {
    requireId(customerId, 'customerId');
    if (options.channel !== undefined) requireId(options.channel, 'options.channel');
    const { offers } = this.require();
    const result: StoredOffer[] = [];
    for (const { value } of offers.getRange({ start: [customerId], end: [customerId, END] })) {
      if (options.channel !== undefined && value.channel !== options.channel) continue;
      if (!options.includeClosed && value.status !== 'open') continue;
      result.push(value);
    }
    return result.sort(compareNewestFirst);
  }

  async updateOfferStatus(offerId: string, status: OfferOutcome): Promise<boolean> {
    requireId(offerId, 'offerId');
    requireOfferOutcome(status);
    const { root, offers, offerOwners } = this.require();
    const updated = await root.transaction(() => {
      const owner = offerOwners.get(offerId);
      const current = owner === undefined ? undefined : offers.get(offerKey(owner, offerId));
      if (owner === undefined || current === undefined) return false;
      void offers.put(offerKey(owner, offerId), { ...current, status });
      return true;
    });
    await root.flushed;
    return updated;
  }

  async putCustomer(customer: StoredCustomer): Promise<CustomerWriteResult> {
    const next = normalizeCustomer(customer);
    const { root, customers } = this.require();
    // Read and write in one LMDB write transaction: concurrent writers are serialised, none is lost.
    const result = await root.transaction((): CustomerWriteResult => {
      const stored = customers.get(next.customerRef);
      if (stored === undefined) {
        void customers.put(next.customerRef, { ...next, version: 1 });
        return { created: true, changed: true, version: 1 };
      }
      if (!supersedes(next, stored)) return { created: false, changed: false, version: stored.version };
      const version = stored.version + 1;
      void customers.put(next.customerRef, { ...next, version });
      return { created: false, changed: true, version };
    });
    await root.flushed;
    return result;
  }

  async getCustomer(customerRef: string): Promise<VersionedCustomer | undefined> {
    requireId(customerRef, 'customerRef');
    return this.require().customers.get(customerRef);
  }

  async recordInteraction(interaction: StoredInteraction): Promise<boolean> {
    const doc = normalizeInteraction(interaction);
    const { root, interactions, interactionKeys } = this.require();
    const key = interactionKey(doc);
    const inserted = await root.transaction(() => {
      if (interactionKeys.doesExist(doc.eventId)) return false;
      void interactions.put(key, doc);
      void interactionKeys.put(doc.eventId, key);
      return true;
    });
    await root.flushed;
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

  async getPolicyEnabled(policyId: string): Promise<boolean | undefined> {
    requireId(policyId, 'policyId');
    return this.require().policies.get(policyId)?.enabled;
  }

  async setPolicyEnabled(policyId: string, enabled: boolean): Promise<void> {
    requireId(policyId, 'policyId');
    requireEnabledFlag(enabled);
    const { root, policies } = this.require();
    await policies.put(policyId, { enabled, updatedAt: new Date().toISOString() });
    await root.flushed;
  }

  private require(): OpenDatabases {
    if (!this.dbs) throw new Error(`${this.describe()} is not open; call open() first`);
    return this.dbs;
  }
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

/** the same rule as the PostgreSQL upsert: newer wins; at the same instant only a real difference counts */
function supersedes(next: StoredCustomer, stored: StoredCustomer): boolean {
  if (next.updatedAt !== stored.updatedAt) return next.updatedAt > stored.updatedAt;
  return next.sourceSystem !== stored.sourceSystem || !sameJsonDocument(next.document, stored.document);
}
