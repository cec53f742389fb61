import type { ProcessState } from '../../mappings/canonical/types';
import type {
  HistoryEntry,
  HubStore,
  PendingWait,
  StoredCustomer,
  StoredInteraction,
  StoredOffer,
} from '../../records/store';
import { offerIdFor } from '../../policies/decision-id';
import { describeGoldenStoreContract } from './golden-store-contract';

/** What the suite may set on a store it makes: the clock it stamps entries with (ms since the epoch). */
export interface ContractStoreOptions {
  now?: () => number;
}

/**
 * One behavioural suite for every HubStore backend. `makeStore` returns a fresh, unopened store; called
 * again within the same test it must return a new instance on the same data (directory or schema).
 */
export function describeStoreContract(
  name: string,
  makeStore: (options?: ContractStoreOptions) => HubStore,
  lifecycle: { beforeEach?: () => Promise<void> | void; afterEach?: () => Promise<void> | void } = {},
): void {
  describe(`${name}: HubStore contract`, () => {
    let store: HubStore;
    const opened: HubStore[] = [];

    async function openStore(options?: ContractStoreOptions): Promise<HubStore> {
      const s = makeStore(options);
      await s.open();
      opened.push(s);
      return s;
    }

    beforeEach(async () => {
      await lifecycle.beforeEach?.();
      store = await openStore();
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await lifecycle.afterEach?.();
    });

    describeGoldenStoreContract(() => store, openStore);

    function offer(overrides: Partial<StoredOffer> & { eventId: string }): StoredOffer {
      const policyId = overrides.policyId ?? 'mortgage-web';
      return {
        offerId: offerIdFor(policyId, overrides.eventId),
        customerId: 'crm:4711',
        channel: 'web',
        action: 'web-offer',
        offer: 'mortgage',
        policyId,
        priority: 50,
        title: { de: 'Baufinanzierung', en: 'Mortgage' },
        createdAt: '2025-01-01T10:00:00.000Z',
        status: 'open',
        ...overrides,
      };
    }

    function customer(overrides: Partial<StoredCustomer> = {}): StoredCustomer {
      return {
        customerRef: 'crm:4711',
        document: { name: { family: 'Meier', given: 'Anna' }, tier: 'gold', emails: ['anna@example.org'] },
        updatedAt: '2025-01-01T10:00:00.000Z',
        sourceSystem: 'crm',
        ...overrides,
      };
    }

    function interaction(overrides: Partial<StoredInteraction> & { eventId: string }): StoredInteraction {
      return {
        customerRef: 'crm:4711',
        type: 'withdrawal',
        channel: 'branch',
        occurredAt: '2025-01-01T10:00:00.000Z',
        ...overrides,
      };
    }

    it('marks an event processed once: true the first time, false after', async () => {
      expect(await store.wasProcessed('golden-record', 'evt-1')).toBe(false);
      expect(await store.markProcessed('golden-record', 'evt-1')).toBe(true);
      expect(await store.markProcessed('golden-record', 'evt-1')).toBe(false);
      expect(await store.wasProcessed('golden-record', 'evt-1')).toBe(true);
      // The ledger is per consumer: another consumer still gets to process the same event.
      expect(await store.markProcessed('policy-engine', 'evt-1')).toBe(true);
    });

    it('lets exactly one of 20 concurrent markProcessed calls for the same key win', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.markProcessed('golden-record', 'evt-race')),
      );
      expect(results.filter((r) => r)).toHaveLength(1);
    });

    it('records an event id with its digest the first time, and answers the digest it holds after', async () => {
      expect(
        await store.recordEventDigests([
          { eventId: 'evt-1', digest: 'aaa' },
          { eventId: 'evt-2', digest: 'bbb' },
        ]),
      ).toEqual(['aaa', 'bbb']);
      // an id that comes back answers the digest it came with first, whatever it carries now
      expect(
        await store.recordEventDigests([
          { eventId: 'evt-2', digest: 'ccc' },
          { eventId: 'evt-1', digest: 'aaa' },
          { eventId: 'evt-3', digest: 'ddd' },
        ]),
      ).toEqual(['bbb', 'aaa', 'ddd']);
      expect(await store.recordEventDigests([])).toEqual([]);
      await expect(store.recordEventDigests([{ eventId: '', digest: 'x' }])).rejects.toThrow(/eventId/);
    });

    it('lets one digest win when 20 calls record one event id at once', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.recordEventDigests([{ eventId: 'evt-race', digest: `d${i}` }]),
        ),
      );
      const held = results.map(([digest]) => digest);
      expect(new Set(held).size).toBe(1);
    });

    describe('idempotency retention', () => {
      const DAY = 24 * 60 * 60 * 1000;
      const iso = (ms: number) => new Date(ms).toISOString();

      /** a store whose clock the test moves: entries are stamped with it */
      async function storeAt(start: string): Promise<{ s: HubStore; clock: { now: number } }> {
        const clock = { now: Date.parse(start) };
        return { s: await openStore({ now: () => clock.now }), clock };
      }

      it('removes what was recorded before the cutoff, oldest first and in batches, and keeps the rest', async () => {
        const { s, clock } = await storeAt('2025-01-01T00:00:00.000Z');
        await s.markProcessed('crm-hub.policy-engine', 'evt-old-1');
        await s.markProcessed('crm-hub.golden-record', 'evt-old-1');
        await s.recordEventDigests([{ eventId: 'evt-old-1', digest: 'a1' }]);
        clock.now += DAY;
        await s.markProcessed('crm-hub.policy-engine', 'evt-old-2');
        await s.recordEventDigests([{ eventId: 'evt-old-2', digest: 'a2' }]);
        clock.now += 30 * DAY;
        await s.markProcessed('crm-hub.policy-engine', 'evt-new');
        await s.recordEventDigests([{ eventId: 'evt-new', digest: 'n1' }]);
        const cutoff = iso(clock.now - 30 * DAY); // 2025-01-02: evt-old-2 was recorded at it and stays

        expect(await s.pruneIdempotency(cutoff, 1)).toEqual({ processed: 1, digests: 1 });
        expect(await s.pruneIdempotency(cutoff, 1)).toEqual({ processed: 1, digests: 0 });
        expect(await s.pruneIdempotency(cutoff, 1)).toEqual({ processed: 0, digests: 0 });
        expect(await s.wasProcessed('crm-hub.policy-engine', 'evt-old-1')).toBe(false);
        expect(await s.wasProcessed('crm-hub.golden-record', 'evt-old-1')).toBe(false);
        expect(await s.wasProcessed('crm-hub.policy-engine', 'evt-old-2')).toBe(true);
        expect(await s.wasProcessed('crm-hub.policy-engine', 'evt-new')).toBe(true);

        // inside the window the ledger and the digests still hold
        expect(await s.markProcessed('crm-hub.policy-engine', 'evt-new')).toBe(false);
        expect(await s.recordEventDigests([{ eventId: 'evt-new', digest: 'other' }])).toEqual(['n1']);
        expect(await s.recordEventDigests([{ eventId: 'evt-old-2', digest: 'other' }])).toEqual(['a2']);
        // past it an id is new again: that is the trade-off the window's length decides
        expect(await s.recordEventDigests([{ eventId: 'evt-old-1', digest: 'b1' }])).toEqual(['b1']);
        expect(await s.markProcessed('crm-hub.policy-engine', 'evt-old-1')).toBe(true);

        // what was stamped again is judged by its new stamp: only evt-old-2 is older than it
        clock.now += 30 * DAY;
        expect(await s.pruneIdempotency(iso(clock.now - 30 * DAY), 100)).toEqual({
          processed: 1,
          digests: 1,
        });
        expect(await s.wasProcessed('crm-hub.policy-engine', 'evt-old-1')).toBe(true);
        expect(await s.recordEventDigests([{ eventId: 'evt-old-1', digest: 'c1' }])).toEqual(['b1']);
      });

      it('removes each entry once when two instances prune at the same time', async () => {
        const { s, clock } = await storeAt('2025-01-01T00:00:00.000Z');
        const ids = Array.from({ length: 30 }, (_, i) => `evt-${i}`);
        for (const id of ids) await s.markProcessed('q', id);
        await s.recordEventDigests(ids.map((eventId) => ({ eventId, digest: `d-${eventId}` })));
        clock.now += 40 * DAY;
        const other = await openStore({ now: () => clock.now });
        const cutoff = iso(clock.now - 30 * DAY);
        const pruneAll = async (on: HubStore) => {
          const total = { processed: 0, digests: 0 };
          for (;;) {
            const got = await on.pruneIdempotency(cutoff, 4);
            total.processed += got.processed;
            total.digests += got.digests;
            if (got.processed < 4 && got.digests < 4) return total;
          }
        };
        const [a, b] = await Promise.all([pruneAll(s), pruneAll(other)]);
        expect(a.processed + b.processed).toBe(30);
        expect(a.digests + b.digests).toBe(30);
        for (const id of ids) expect(await other.wasProcessed('q', id)).toBe(false);
      });

      it('refuses a cutoff that is no instant and a limit that is no positive integer, naming them', async () => {
        await expect(store.pruneIdempotency('30 days ago', 10)).rejects.toThrow(/before/);
        await expect(store.pruneIdempotency('2025-01-01T00:00:00Z', 0)).rejects.toThrow(/limit/);
        await expect(store.pruneIdempotency('2025-01-01T00:00:00Z', 10_001)).rejects.toThrow(/limit/);
      });
    });

    it('rejects empty ids with an error naming the field', async () => {
      await expect(store.markProcessed('', 'evt-1')).rejects.toThrow(/consumer/);
      await expect(store.markProcessed('c', '')).rejects.toThrow(/eventId/);
      await expect(store.putOffer({ ...offer({ eventId: 'e' }), channel: '' })).rejects.toThrow(
        /offer\.channel/,
      );
      await expect(store.putOffer({ ...offer({ eventId: 'e' }), createdAt: 'yesterday' })).rejects.toThrow(
        /offer\.createdAt/,
      );
    });

    it('lists open offers newest first, filtered by channel', async () => {
      const older = offer({ eventId: 'e1', createdAt: '2025-01-01T10:00:00.000Z' });
      const newer = offer({ eventId: 'e2', createdAt: '2025-01-02T10:00:00.000Z' });
      const sms = offer({ eventId: 'e3', channel: 'sms', createdAt: '2025-01-03T10:00:00.000Z' });
      const otherCustomer = offer({ eventId: 'e4', customerId: 'crm:4712' });
      for (const o of [older, sms, newer, otherCustomer]) await store.putOffer(o);

      expect(await store.listOffers('crm:4711')).toEqual([sms, newer, older]);
      expect(await store.listOffers('crm:4711', { channel: 'web' })).toEqual([newer, older]);
      expect(await store.listOffers('crm:4712')).toEqual([otherCustomer]);
      expect(await store.listOffers('crm:4711', { channel: 'call-center' })).toEqual([]);
      expect(await store.listOffers('crm:47')).toEqual([]);
    });

    it('replaces an offer with the same offerId and hides closed offers', async () => {
      const first = offer({ eventId: 'e1' });
      await store.putOffer(first);
      await store.putOffer({ ...first }); // a redelivered event stores nothing twice
      expect(await store.listOffers('crm:4711')).toEqual([first]);

      const accepted: StoredOffer = { ...first, status: 'accepted' };
      await store.putOffer(accepted);
      expect(await store.listOffers('crm:4711')).toEqual([]);
      expect(await store.listOffers('crm:4711', { includeClosed: true })).toEqual([accepted]);
    });

    it('moves a replaced offer when its customer changes', async () => {
      const first = offer({ eventId: 'e1' });
      await store.putOffer(first);
      const moved = { ...first, customerId: 'crm:9999' };
      await store.putOffer(moved);
      expect(await store.listOffers('crm:4711', { includeClosed: true })).toEqual([]);
      expect(await store.listOffers('crm:9999')).toEqual([moved]);
    });

    it('shows in the next list what another instance on the same data wrote since', async () => {
      const first = offer({ eventId: 'e1' });
      await store.putOffer(first);
      expect(await store.listOffers('crm:4711')).toEqual([first]);
      const other = await openStore();
      const accepted: StoredOffer = { ...first, status: 'accepted' };
      await other.putOffer(accepted);
      expect(await store.listOffers('crm:4711')).toEqual([]);
      expect(await store.listOffers('crm:4711', { includeClosed: true })).toEqual([accepted]);
      const second = offer({ eventId: 'e2' });
      await other.putOffer(second);
      expect(await other.updateOfferStatus(second.offerId, 'rejected')).toBe(true);
      expect(await store.listOffers('crm:4711', { includeClosed: true })).toContainEqual({
        ...second,
        status: 'rejected',
      });
    });

    it('shows every write in the next list, also of lists read before it and while it was in flight', async () => {
      // the embedded store keeps the lists it read: each read here comes before the write it checks
      const first = offer({ eventId: 'e1' });
      expect(await store.listOffers('crm:4711')).toEqual([]);
      await store.putOffer(first);
      expect(await store.listOffers('crm:4711')).toEqual([first]);
      expect(await store.listOffers('crm:9999', { includeClosed: true })).toEqual([]);

      const moved = { ...first, customerId: 'crm:9999' };
      const moving = store.putOffer(moved);
      // read while the write is on its way: either list may still be the old one, not later
      await store.listOffers('crm:4711');
      await store.listOffers('crm:9999');
      await moving;
      expect(await store.listOffers('crm:4711', { includeClosed: true })).toEqual([]);
      expect(await store.listOffers('crm:9999')).toEqual([moved]);

      const closing = store.updateOfferStatus(moved.offerId, 'accepted');
      await store.listOffers('crm:9999');
      expect(await closing).toBe(true);
      expect(await store.listOffers('crm:9999')).toEqual([]);
      expect(await store.listOffers('crm:9999', { includeClosed: true })).toEqual([
        { ...moved, status: 'accepted' },
      ]);
    });

    it('hands out lists a caller may not change in place, and a new array each time', async () => {
      await store.putOffer(offer({ eventId: 'e1' }));
      const [a] = await store.listOffers('crm:4711');
      const list = await store.listOffers('crm:4711');
      list.pop();
      expect(await store.listOffers('crm:4711')).toHaveLength(1);
      // a caller that changed an offer it read must not change what the next caller reads
      try {
        (a as { offer: string }).offer = 'changed';
      } catch {
        // frozen: changing it throws in strict mode
      }
      expect((await store.listOffers('crm:4711'))[0].offer).not.toBe('changed');
    });

    it('keeps optional fields absent rather than undefined', async () => {
      const o = offer({ eventId: 'e1', expiresAt: '2025-02-01T00:00:00.000Z' });
      delete o.title;
      await store.putOffer(o);
      const [stored] = await store.listOffers('crm:4711');
      expect(stored).toEqual(o);
      expect(Object.keys(stored)).not.toContain('title');
    });

    it('creates a customer at version 1 and counts every change', async () => {
      const first = customer();
      expect(await store.putCustomer(first)).toEqual({ created: true, changed: true, version: 1 });
      expect(await store.getCustomer('crm:4711')).toEqual({ ...first, version: 1 });

      const second = customer({ document: { tier: 'platinum' }, updatedAt: '2025-01-02T10:00:00.000Z' });
      expect(await store.putCustomer(second)).toEqual({ created: false, changed: true, version: 2 });
      const third = { ...second, updatedAt: '2025-01-03T10:00:00.000Z', document: { tier: 'silver' } };
      expect(await store.putCustomer(third)).toEqual({ created: false, changed: true, version: 3 });
      expect(await store.getCustomer('crm:4711')).toEqual({ ...third, version: 3 });
    });

    it("orders a customer's versions by the system's sequence (source.version) before updatedAt", async () => {
      // two IDocs of one second: DOCNUM 3002 was made after 3001, whatever order they arrive in
      const at = '2025-12-01T12:00:00.000Z';
      const newer = customer({
        updatedAt: at,
        document: { street: 'Neuer Weg 2', source: { version: 3002 } },
      });
      const older = customer({
        updatedAt: at,
        document: { street: 'Alter Weg 1', source: { version: 3001 } },
      });
      await store.putCustomer(newer);
      expect(await store.putCustomer(older)).toEqual({ created: false, changed: false, version: 1 });
      expect((await store.getCustomer('crm:4711'))?.document).toEqual(newer.document);
      // the sequence decides over time too, as in the golden record
      const later = customer({
        updatedAt: '2025-12-01T12:00:05.000Z',
        document: { street: 'Alter Weg 1', source: { version: 3000 } },
      });
      expect(await store.putCustomer(later)).toEqual({ created: false, changed: false, version: 1 });
    });

    it('ends two versions of one instant without a sequence the same in either arrival order', async () => {
      const a = customer({ customerRef: 'crm:1', document: { tier: 'silver' } });
      const b = customer({ customerRef: 'crm:1', document: { tier: 'platinum' } });
      await store.putCustomer(a);
      await store.putCustomer(b);
      const c = { ...a, customerRef: 'crm:2' };
      const d = { ...b, customerRef: 'crm:2' };
      await store.putCustomer(d);
      await store.putCustomer(c);
      const [first, second] = [await store.getCustomer('crm:1'), await store.getCustomer('crm:2')];
      expect(first?.document).toEqual(second?.document);
    });

    it('ignores a customer write older than the stored one, and an exact repeat', async () => {
      const current = customer({ updatedAt: '2025-03-01T00:00:00.000Z', document: { tier: 'platinum' } });
      await store.putCustomer(current);
      const stale = customer({ updatedAt: '2025-02-28T23:59:59.999Z', document: { tier: 'bronze' } });
      expect(await store.putCustomer(stale)).toEqual({ created: false, changed: false, version: 1 });
      // A redelivery with the keys in another order is the same document.
      expect(await store.putCustomer({ ...current, document: { tier: 'platinum' } })).toEqual({
        created: false,
        changed: false,
        version: 1,
      });
      expect(await store.getCustomer('crm:4711')).toEqual({ ...current, version: 1 });
    });

    it('compares customer instants across time zones and returns them in UTC', async () => {
      await store.putCustomer(customer({ updatedAt: '2025-01-01T12:00:00+02:00', document: { v: 1 } }));
      // 10:30Z is after 12:00+02:00 (10:00Z), although it reads as earlier.
      const result = await store.putCustomer(
        customer({ updatedAt: '2025-01-01T10:30:00Z', document: { v: 2 } }),
      );
      expect(result).toEqual({ created: false, changed: true, version: 2 });
      const stored = await store.getCustomer('crm:4711');
      expect(stored?.updatedAt).toBe('2025-01-01T10:30:00.000Z');
      expect(stored?.document).toEqual({ v: 2 });
    });

    it('returns undefined for an unknown customer', async () => {
      await store.putCustomer(customer());
      expect(await store.getCustomer('crm:9999')).toBeUndefined();
      expect(await store.getCustomer('crm:47')).toBeUndefined();
    });

    it('ends 20 concurrent writes of one customer with the newest document', async () => {
      const writes = Array.from({ length: 20 }, (_, i) =>
        customer({
          updatedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
          document: { revision: i },
        }),
      );
      // Arrival order unlike time order: odd revisions first, backwards.
      const shuffled = [
        ...writes.filter((_, i) => i % 2 === 1).reverse(),
        ...writes.filter((_, i) => i % 2 === 0),
      ];
      const results = await Promise.all(shuffled.map((w) => store.putCustomer(w)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = await store.getCustomer('crm:4711');
      expect(stored?.document).toEqual({ revision: 19 });
      expect(stored?.updatedAt).toBe(writes[19].updatedAt);
      // Each applied write counted once, and the stored version is the highest one handed out.
      const applied = results.filter((r) => r.changed);
      expect(stored?.version).toBe(applied.length);
      expect(Math.max(...results.map((r) => r.version))).toBe(stored?.version);
    });

    it('finds interactions and offers whose ids are UUIDs and hex digests starting with a digit', async () => {
      // regression: such ids once vanished from range scans of the embedded store's composite keys
      const uuid = '9e5b9564-1342-428f-b01f-e9d9de31b7e6';
      expect(await store.recordInteraction(interaction({ eventId: uuid }))).toBe(true);
      expect((await store.listInteractions('crm:4711')).map((i) => i.eventId)).toEqual([uuid]);
      await store.putOffer(offer({ offerId: '3f9a0c51e2b84d7aa1c0e9f3b2d4c6e8', eventId: uuid }));
      expect((await store.listOffers('crm:4711')).map((o) => o.offerId)).toEqual([
        '3f9a0c51e2b84d7aa1c0e9f3b2d4c6e8',
      ]);
    });

    it('records an interaction once per eventId', async () => {
      const first = interaction({ eventId: 'evt-1', summary: { amount: 12000, currency: 'EUR' } });
      expect(await store.recordInteraction(first)).toBe(true);
      expect(await store.recordInteraction({ ...first })).toBe(false);
      // A redelivery is recognised by its eventId even when it claims another time.
      expect(await store.recordInteraction({ ...first, occurredAt: '2025-06-01T00:00:00Z' })).toBe(false);
      expect(await store.listInteractions('crm:4711')).toEqual([first]);
    });

    it('lists interactions newest first, ties by eventId, per customer, within the limit', async () => {
      const oldest = interaction({ eventId: 'evt-a', occurredAt: '2025-01-01T08:00:00.000Z' });
      const tieB = interaction({ eventId: 'evt-b', occurredAt: '2025-01-02T08:00:00.000Z', channel: 'web' });
      const tieC = interaction({ eventId: 'evt-c', occurredAt: '2025-01-02T08:00:00.000Z' });
      const newest = interaction({ eventId: 'evt-d', occurredAt: '2025-01-03T08:00:00.000Z', type: 'login' });
      const other = interaction({ eventId: 'evt-e', customerRef: 'crm:47' });
      for (const i of [tieC, other, oldest, newest, tieB]) await store.recordInteraction(i);

      const all = await store.listInteractions('crm:4711');
      expect(all).toEqual([newest, tieB, tieC, oldest]);
      expect(Object.keys(all[0])).not.toContain('summary');
      expect(await store.listInteractions('crm:4711', { limit: 2 })).toEqual([newest, tieB]);
      expect(await store.listInteractions('crm:4711', { limit: 1 })).toEqual([newest]);
      expect(await store.listInteractions('crm:47')).toEqual([other]);
      expect(await store.listInteractions('crm:0')).toEqual([]);
    });

    it('returns 20 interactions unless asked for more', async () => {
      for (let n = 0; n < 25; n++) {
        await store.recordInteraction(
          interaction({
            eventId: `evt-${String(n).padStart(2, '0')}`,
            occurredAt: new Date(Date.UTC(2025, 0, 1, n)).toISOString(),
          }),
        );
      }
      const page = await store.listInteractions('crm:4711');
      expect(page).toHaveLength(20);
      expect(page[0].eventId).toBe('evt-24');
      expect(page[19].eventId).toBe('evt-05');
      expect(await store.listInteractions('crm:4711', { limit: 100 })).toHaveLength(25);
    });

    it("lists every customer's interactions of a period oldest first, from inclusive, to exclusive", async () => {
      const before = interaction({ eventId: 'p-0', occurredAt: '2025-01-31T23:59:59.999Z' });
      const atFrom = interaction({ eventId: 'p-1', occurredAt: '2025-02-01T00:00:00.000Z' });
      const tieB = interaction({
        eventId: 'p-b',
        customerRef: 'crm:47',
        occurredAt: '2025-02-02T08:00:00.000Z',
      });
      const tieA = interaction({
        eventId: 'p-a',
        customerRef: 'sap:0001',
        channel: 'web',
        occurredAt: '2025-02-02T09:00:00+01:00',
        summary: { amount: { value: 12000, currency: 'EUR' } },
      });
      const last = interaction({ eventId: 'p-9', occurredAt: '2025-02-28T23:59:59.999Z', type: 'login' });
      const atTo = interaction({ eventId: 'p-x', occurredAt: '2025-03-01T00:00:00.000Z' });
      for (const i of [last, atTo, tieB, before, tieA, atFrom]) await store.recordInteraction(i);

      const period = await store.listInteractionsBetween('2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z');
      const tieAStored = { ...tieA, occurredAt: '2025-02-02T08:00:00.000Z' };
      expect(period).toEqual([atFrom, tieAStored, tieB, last]);
      // a redelivery is listed once, and an empty period lists nothing
      expect(await store.recordInteraction({ ...tieB })).toBe(false);
      expect(
        await store.listInteractionsBetween('2025-02-02T08:00:00.000Z', '2025-02-02T08:00:00.001Z'),
      ).toEqual([tieAStored, tieB]);
      expect(await store.listInteractionsBetween('2025-02-01T00:00:00Z', '2025-02-01T00:00:00Z')).toEqual([]);
      expect(await store.listInteractionsBetween('2024-01-01T00:00:00Z', '2024-12-31T00:00:00Z')).toEqual([]);
    });

    it('pages a period with limit and after, the page boundary inside a tie', async () => {
      const times = ['2025-02-01T10:00:00.000Z', '2025-02-01T11:00:00.000Z', '2025-02-01T11:00:00.000Z'];
      const ids = ['q-2', 'q-1', 'q-10'];
      const all = ids.map((eventId, n) =>
        interaction({ eventId, customerRef: `crm:${n}`, occurredAt: times[n] }),
      );
      for (const i of all) await store.recordInteraction(i);
      for (let n = 0; n < 3; n++) {
        await store.recordInteraction(
          interaction({ eventId: `q-late-${n}`, occurredAt: `2025-02-02T0${n}:00:00.000Z` }),
        );
      }
      const from = '2025-02-01T00:00:00Z';
      const to = '2025-02-03T00:00:00Z';
      const first = await store.listInteractionsBetween(from, to, { limit: 2 });
      expect(first.map((i) => i.eventId)).toEqual(['q-2', 'q-1']);
      const second = await store.listInteractionsBetween(from, to, { limit: 2, after: first[1] });
      expect(second.map((i) => i.eventId)).toEqual(['q-10', 'q-late-0']);
      const third = await store.listInteractionsBetween(from, to, { limit: 2, after: second[1] });
      expect(third.map((i) => i.eventId)).toEqual(['q-late-1', 'q-late-2']);
      expect(await store.listInteractionsBetween(from, to, { after: third[1] })).toEqual([]);
      // a cursor before the period starts the period from its beginning
      const early = { occurredAt: '2025-01-01T00:00:00.000Z', eventId: 'zzz' };
      expect((await store.listInteractionsBetween(from, to, { after: early })).map((i) => i.eventId)).toEqual(
        ['q-2', 'q-1', 'q-10', 'q-late-0', 'q-late-1', 'q-late-2'],
      );
    });

    it('refuses a period listing with bad bounds or limits, naming the field', async () => {
      await expect(store.listInteractionsBetween('yesterday', '2025-01-01T00:00:00Z')).rejects.toThrow(
        /from/,
      );
      await expect(store.listInteractionsBetween('2025-01-01T00:00:00Z', '')).rejects.toThrow(/\bto\b/);
      await expect(
        store.listInteractionsBetween('2025-01-02T00:00:00Z', '2025-01-01T00:00:00Z'),
      ).rejects.toThrow(/before/);
      const period = ['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z'] as const;
      await expect(store.listInteractionsBetween(...period, { limit: 0 })).rejects.toThrow(/options\.limit/);
      await expect(store.listInteractionsBetween(...period, { limit: 10_001 })).rejects.toThrow(
        /options\.limit/,
      );
      await expect(
        store.listInteractionsBetween(...period, { after: { occurredAt: 'now', eventId: 'e' } }),
      ).rejects.toThrow(/options\.after\.occurredAt/);
      expect(await store.listInteractionsBetween(...period, { limit: 10_000 })).toEqual([]);
    });

    it('closes an offer by status so that it no longer counts as open', async () => {
      const web = offer({ eventId: 'e1' });
      const sms = offer({ eventId: 'e2', channel: 'sms' });
      await store.putOffer(web);
      await store.putOffer(sms);
      expect(await store.updateOfferStatus(web.offerId, 'accepted')).toBe(true);
      expect(await store.listOffers('crm:4711')).toEqual([sms]);
      expect(await store.listOffers('crm:4711', { channel: 'web' })).toEqual([]);
      expect(await store.listOffers('crm:4711', { includeClosed: true })).toEqual([
        { ...web, status: 'accepted' },
        sms,
      ]);
      expect(await store.updateOfferStatus(web.offerId, 'expired')).toBe(true);
      expect(await store.listOffers('crm:4711', { channel: 'web', includeClosed: true })).toEqual([
        { ...web, status: 'expired' },
      ]);
      expect(await store.updateOfferStatus('no-such-offer', 'rejected')).toBe(false);
    });

    it('rejects bad customers, interactions and status updates with an error naming the field', async () => {
      await expect(store.putCustomer(customer({ customerRef: '' }))).rejects.toThrow(
        'store: customer.customerRef must be a non-empty string',
      );
      await expect(store.putCustomer(customer({ customerRef: 'x'.repeat(300) }))).rejects.toThrow(
        /customer\.customerRef must be at most 256 characters/,
      );
      await expect(store.putCustomer(customer({ updatedAt: '2025-01-01 10:00' }))).rejects.toThrow(
        /customer\.updatedAt must be an ISO 8601 timestamp with a zone/,
      );
      await expect(store.putCustomer(customer({ updatedAt: '2025-02-30T10:00:00Z' }))).rejects.toThrow(
        /customer\.updatedAt/,
      );
      await expect(store.putCustomer(customer({ sourceSystem: '' }))).rejects.toThrow(
        /customer\.sourceSystem/,
      );
      const notObject = [1, 2] as unknown as Record<string, unknown>;
      await expect(store.putCustomer(customer({ document: notObject }))).rejects.toThrow(
        'store: customer.document must be a JSON object',
      );
      await expect(
        store.putCustomer(customer({ document: { name: { family: 'a\u0000b' } } })),
      ).rejects.toThrow('store: customer.document.name.family must not contain a NUL character');
      await expect(store.getCustomer('')).rejects.toThrow(/customerRef/);
      await expect(store.recordInteraction(interaction({ eventId: '' }))).rejects.toThrow(
        /interaction\.eventId/,
      );
      await expect(
        store.recordInteraction(interaction({ eventId: 'e', occurredAt: 'yesterday' })),
      ).rejects.toThrow(/interaction\.occurredAt/);
      await expect(store.recordInteraction(interaction({ eventId: 'e', channel: '' }))).rejects.toThrow(
        /interaction\.channel/,
      );
      await expect(store.listInteractions('crm:4711', { limit: 0 })).rejects.toThrow(/options\.limit/);
      await expect(store.listInteractions('crm:4711', { limit: 2.5 })).rejects.toThrow(/options\.limit/);
      const reopened = 'open' as unknown as 'accepted';
      await expect(store.updateOfferStatus('o1', reopened)).rejects.toThrow(
        'store: status must be one of accepted, rejected, expired, got "open"',
      );
      await expect(store.updateOfferStatus('', 'accepted')).rejects.toThrow(/offerId/);
      // Nothing bad was stored on the way.
      expect(await store.getCustomer('crm:4711')).toBeUndefined();
      expect(await store.listInteractions('crm:4711')).toEqual([]);
    });

    it('reads policy switches as undefined until set', async () => {
      expect(await store.getPolicyEnabled('platinum-large-withdrawal')).toBeUndefined();
      await store.setPolicyEnabled('platinum-large-withdrawal', true);
      expect(await store.getPolicyEnabled('platinum-large-withdrawal')).toBe(true);
      await store.setPolicyEnabled('platinum-large-withdrawal', false);
      expect(await store.getPolicyEnabled('platinum-large-withdrawal')).toBe(false);
      expect(await store.getPolicyEnabled('other-policy')).toBeUndefined();
    });

    it('reports health ok while open and not ok after close', async () => {
      const health = await store.health();
      expect(health).toEqual({ ok: true, kind: store.kind, detail: expect.any(String) });
      await store.close();
      expect((await store.health()).ok).toBe(false);
      await expect(store.markProcessed('c', 'e')).rejects.toThrow(/not open/);
    });

    it('keeps its data when closed and opened again', async () => {
      const o = offer({ eventId: 'e1' });
      await store.markProcessed('golden-record', 'evt-1');
      await store.putOffer(o);
      await store.setPolicyEnabled('p1', false);
      await store.putCustomer(customer());
      await store.putCustomer(
        customer({ updatedAt: '2025-01-05T00:00:00.000Z', document: { tier: 'platinum' } }),
      );
      const visit = interaction({ eventId: 'evt-visit', summary: { page: '/mortgage' } });
      await store.recordInteraction(visit);
      const closed = offer({ eventId: 'e2', channel: 'sms' });
      await store.putOffer(closed);
      await store.updateOfferStatus(closed.offerId, 'rejected');
      await store.close();

      const reopened = await openStore();
      expect(await reopened.wasProcessed('golden-record', 'evt-1')).toBe(true);
      expect(await reopened.markProcessed('golden-record', 'evt-1')).toBe(false);
      expect(await reopened.listOffers('crm:4711')).toEqual([o]);
      expect(await reopened.getPolicyEnabled('p1')).toBe(false);
      expect(await reopened.getCustomer('crm:4711')).toEqual({
        ...customer({ updatedAt: '2025-01-05T00:00:00.000Z', document: { tier: 'platinum' } }),
        version: 2,
      });
      expect(await reopened.listInteractions('crm:4711')).toEqual([visit]);
      expect(await reopened.listInteractionsBetween('2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z')).toEqual([
        visit,
      ]);
      expect(await reopened.recordInteraction(visit)).toBe(false);
      expect(await reopened.listOffers('crm:4711', { channel: 'sms', includeClosed: true })).toEqual([
        { ...closed, status: 'rejected' },
      ]);
    });

    describe('counters', () => {
      const inc = (key: string, day: string, n = 1) => ({ key, day, n });

      it('adds counters once per id, summed per key and day', async () => {
        expect(
          await store.addCounters('d1', [inc('p1|delivered', '2025-03-01'), inc('p1|due', '2025-03-08')]),
        ).toBe(true);
        expect(await store.addCounters('d2', [inc('p1|delivered', '2025-03-01', 2)])).toBe(true);
        // the same id again (a redelivery), even with other increments, counts nothing
        expect(await store.addCounters('d1', [inc('p1|delivered', '2025-03-01', 5)])).toBe(false);
        // one key and day twice in one write is one change of the sum
        expect(
          await store.addCounters('d3', [
            inc('p1|delivered', '2025-03-02'),
            inc('p1|delivered', '2025-03-02', -3),
          ]),
        ).toBe(true);
        expect(await store.readCounters('p1|', '2025-01-01', '2025-12-31')).toEqual([
          inc('p1|delivered', '2025-03-01', 3),
          inc('p1|delivered', '2025-03-02', -2),
          inc('p1|due', '2025-03-08'),
        ]);
      });

      it('reads by key prefix and an inclusive day range, by key in code point order then day', async () => {
        await store.addCounters('w1', [
          inc('b', '2025-03-02'),
          inc('ab', '2025-03-01'),
          inc('ab', '2025-03-03'),
          inc('ab\u001fz', '2025-03-02'),
          inc('abc', '2025-03-02'),
          inc('aB', '2025-03-02'),
          inc('ac', '2025-03-02'),
          inc('a\u00e9', '2025-03-02'),
        ]);
        expect(await store.readCounters('ab', '2025-03-01', '2025-03-02')).toEqual([
          inc('ab', '2025-03-01'),
          inc('ab\u001fz', '2025-03-02'),
          inc('abc', '2025-03-02'),
        ]);
        expect((await store.readCounters('', '2025-03-02', '2025-03-02')).map((c) => c.key)).toEqual([
          'aB',
          'ab\u001fz',
          'abc',
          'ac',
          'a\u00e9',
          'b',
        ]);
        expect(await store.readCounters('nothing', '2025-01-01', '2025-12-31')).toEqual([]);
      });

      it('applies exactly one of 20 concurrent writes of one id, and every one of 20 distinct ids', async () => {
        await Promise.all(
          Array.from({ length: 20 }, () => store.readCounters('warm', '2025-03-01', '2025-03-01')),
        );
        const same = await Promise.all(
          Array.from({ length: 20 }, () => store.addCounters('once', [inc('k', '2025-03-01')])),
        );
        expect(same.filter((applied) => applied)).toHaveLength(1);
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.addCounters(`each-${i}`, [inc('k', '2025-03-01')])),
        );
        expect(await store.readCounters('k', '2025-03-01', '2025-03-01')).toEqual([
          inc('k', '2025-03-01', 21),
        ]);
      });

      it('keeps counters and applied ids when closed and opened again', async () => {
        await store.addCounters('d1', [inc('p1|delivered', '2025-03-01')]);
        await store.close();
        const reopened = await openStore();
        expect(await reopened.addCounters('d1', [inc('p1|delivered', '2025-03-01')])).toBe(false);
        expect(await reopened.readCounters('p1|', '2025-03-01', '2025-03-01')).toEqual([
          inc('p1|delivered', '2025-03-01'),
        ]);
      });

      it('refuses bad ids, keys, days and amounts, naming the field', async () => {
        await expect(store.addCounters('', [])).rejects.toThrow(/id must be a non-empty string/);
        await expect(store.addCounters('x', [inc('', '2025-03-01')])).rejects.toThrow(/increments\[0\]\.key/);
        await expect(store.addCounters('x', [inc('k', '2025-02-30')])).rejects.toThrow(
          /increments\[0\]\.day/,
        );
        await expect(store.addCounters('x', [inc('k', '2025-03-01', 1.5)])).rejects.toThrow(
          /increments\[0\]\.n/,
        );
        await expect(store.readCounters('k', '1.3.2025', '2025-03-01')).rejects.toThrow(/from must be a day/);
        // nothing of a refused write was kept, not even its id
        expect(await store.addCounters('x', [inc('k', '2025-03-01')])).toBe(true);
      });
    });

    describe('policy state', () => {
      const DAY = 86_400_000;
      const T0 = Date.parse('2025-03-01T12:00:00.000Z');
      const iso = (ms: number) => new Date(ms).toISOString();

      function entry(overrides: Partial<HistoryEntry> & { eventId: string }): HistoryEntry {
        return { customerRef: 'crm:4711', type: 'withdrawal', occurredAt: iso(T0), ...overrides };
      }

      function wait(overrides: Partial<PendingWait> & { waitId: string }): PendingWait {
        return {
          policyId: 'unanswered-complaint',
          customerRef: 'crm:4711',
          dueAt: iso(T0 + 2 * DAY),
          cardVersion: { number: 1, hash: '0123456789abcdef' },
          payload: { event: { eventId: 'evt-complaint', type: 'complaint' } },
          ...overrides,
        };
      }

      it('appends a history entry once per customer and event, and lists those after T oldest first', async () => {
        const early = entry({ eventId: 'w1', occurredAt: iso(T0 - 10 * DAY), values: { amount: 12_000 } });
        const atT = entry({ eventId: 'w2', occurredAt: iso(T0 - 7 * DAY), values: { amount: 5 } });
        // a summed amount in a currency is kept under <field>@<currency> (policies/stored-history.ts)
        const late = entry({
          eventId: 'w3',
          occurredAt: '2025-03-01T14:00:00+02:00',
          values: { amount: 0.5, 'amount@JPY': 10_001 },
        });
        const answer = entry({
          eventId: 'r1',
          type: 'response',
          occurredAt: iso(T0 - DAY),
          response: { policyId: 'p1', outcome: 'rejected' },
        });
        for (const e of [late, answer, early, atT]) expect(await store.appendHistory(e)).toBe(true);
        // the same event again, even with other content, is not appended twice
        expect(await store.appendHistory({ ...early, occurredAt: iso(T0) })).toBe(false);
        // another customer's history is its own
        expect(await store.appendHistory(entry({ eventId: 'w1', customerRef: 'crm:42' }))).toBe(true);

        // (since, ...]: an entry exactly at `since` has left the window
        expect(await store.listHistory('crm:4711', iso(T0 - 7 * DAY))).toEqual([
          answer,
          { ...late, occurredAt: iso(T0) },
        ]);
        expect(await store.listHistory('crm:4711', iso(T0 - 30 * DAY))).toEqual([
          early,
          atT,
          answer,
          { ...late, occurredAt: iso(T0) },
        ]);
        expect(await store.listHistory('crm:42', iso(0))).toHaveLength(1);
        expect(await store.listHistory('crm:nobody', iso(0))).toEqual([]);
      });

      it('rejects a history entry whose values are not numbers, naming the field', async () => {
        await expect(
          store.appendHistory(entry({ eventId: 'x', values: { amount: 'many' as unknown as number } })),
        ).rejects.toThrow(/history\.values\.amount must be a finite number/);
        await expect(store.appendHistory(entry({ eventId: 'x', occurredAt: 'yesterday' }))).rejects.toThrow(
          /history\.occurredAt/,
        );
        await expect(store.listHistory('crm:4711', 'soon')).rejects.toThrow(/since/);
      });

      it('takes a cap while it has room, in a window that slides, and all claims or none', async () => {
        const perCustomer = { key: 'p1:customer:crm:4711', limit: 2, windowMs: 7 * DAY };
        const global = { key: 'p1:global', limit: 3, windowMs: DAY };
        expect(await store.takeCaps([perCustomer, global], 'd1', iso(T0 - 7 * DAY))).toEqual({
          granted: true,
          counts: [1, 1],
        });
        expect(await store.takeCaps([perCustomer, global], 'd2', iso(T0 - DAY))).toEqual({
          granted: true,
          counts: [2, 1],
        });
        // d1 lies exactly 7 days back: it has left the per-customer window
        expect(await store.takeCaps([perCustomer, global], 'd3', iso(T0))).toEqual({
          granted: true,
          counts: [2, 1],
        });
        // full per customer: refused, and the global claim took nothing either
        expect(await store.takeCaps([perCustomer, global], 'd4', iso(T0 + 1000))).toEqual({
          granted: false,
          counts: [2, 1],
          refused: 0,
        });
        expect(await store.countCap(global.key, global.windowMs, iso(T0 + 1000))).toBe(1);
        // a redelivered decision is granted again without counting twice
        expect(await store.takeCaps([perCustomer, global], 'd3', iso(T0 + 2000))).toEqual({
          granted: true,
          counts: [2, 1],
        });
        expect(await store.countCap(perCustomer.key, perCustomer.windowMs, iso(T0 + 7 * DAY))).toBe(0);
        await expect(store.takeCaps([{ ...global, limit: 0 }], 'd5', iso(T0))).rejects.toThrow(
          /claims\[0\]\.limit/,
        );
      });

      it('counts a hit stamped after the take too: two instances whose clocks stamp the later take first', async () => {
        const claim = { key: 'p1:customer:crm:4712', limit: 1, windowMs: 7 * DAY };
        expect(await store.takeCaps([claim], 'later', iso(T0 + 50))).toEqual({ granted: true, counts: [1] });
        expect(await store.takeCaps([claim], 'earlier', iso(T0))).toEqual({
          granted: false,
          counts: [1],
          refused: 0,
        });
        // a hit a whole window away on either side does not count
        expect(await store.takeCaps([claim], 'next-week', iso(T0 + 50 + 7 * DAY))).toEqual({
          granted: true,
          counts: [1],
        });
      });

      it('gives back a hit under each key it is held, and nothing else', async () => {
        const perCustomer = { key: 'p2:customer:crm:4713', limit: 1, windowMs: 7 * DAY };
        const global = { key: 'p2:global', limit: 5, windowMs: DAY };
        await store.takeCaps([perCustomer, global], 'h1', iso(T0));
        await store.takeCaps([global], 'h2', iso(T0));
        await store.releaseCaps([perCustomer.key, global.key], 'h1');
        expect(await store.countCap(perCustomer.key, perCustomer.windowMs, iso(T0))).toBe(0);
        expect(await store.countCap(global.key, global.windowMs, iso(T0))).toBe(1);
        // released and unknown ids are nothing to give back
        await store.releaseCaps([perCustomer.key], 'h1');
        await store.releaseCaps([perCustomer.key], 'nobody');
        expect(await store.takeCaps([perCustomer], 'h3', iso(T0 + 1000))).toEqual({
          granted: true,
          counts: [1],
        });
      });

      it('lets exactly one of 20 concurrent takers through a cap of 1', async () => {
        const claim = { key: 'p1:global', limit: 1, windowMs: DAY };
        // Warm connections first, so the takers really run side by side rather than one per new connection.
        await Promise.all(
          Array.from({ length: 20 }, () => store.countCap(claim.key, claim.windowMs, iso(T0))),
        );
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.takeCaps([claim], `d${i}`, iso(T0))),
        );
        expect(results.filter((r) => r.granted)).toHaveLength(1);
        expect(await store.countCap(claim.key, claim.windowMs, iso(T0))).toBe(1);
      });

      it('stores a wait once and hands out only the due ones, oldest due first', async () => {
        const later = wait({ waitId: 'w-later', dueAt: iso(T0 + 3 * DAY) });
        const sooner = wait({ waitId: 'w-sooner', dueAt: '2025-03-03T14:00:00+02:00' });
        expect(await store.putWait(later)).toBe(true);
        expect(await store.putWait(sooner)).toBe(true);
        expect(await store.putWait(later)).toBe(false);

        expect(await store.claimDueWaits(iso(T0 + DAY), 'hub-a', 60_000, 10)).toEqual([]);
        expect(await store.claimDueWaits(iso(T0 + 5 * DAY), 'hub-a', 60_000, 10)).toEqual([
          { ...sooner, dueAt: iso(T0 + 2 * DAY) },
          later,
        ]);
      });

      it('lets exactly one of 10 concurrent sweeps on two instances claim a due wait', async () => {
        await store.putWait(wait({ waitId: 'w1' }));
        const other = await openStore();
        const hubs = [store, other];
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => hubs[i % 2].countCap('warm-up', DAY, iso(T0))),
        );
        const claims = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            hubs[i % 2].claimDueWaits(iso(T0 + 2 * DAY), `hub-${i}`, 60_000, 10),
          ),
        );
        expect(claims.flat()).toHaveLength(1);
      });

      it('does not hand out a claimed wait again after a reopen, nor a completed one ever', async () => {
        const w = wait({ waitId: 'w1' });
        await store.putWait(w);
        const due = T0 + 2 * DAY;
        expect(await store.claimDueWaits(iso(due), 'hub-a', 60_000, 10)).toEqual([w]);
        await store.close();

        const reopened = await openStore();
        // within the lease nobody else gets it
        expect(await reopened.claimDueWaits(iso(due + 59_999), 'hub-b', 60_000, 10)).toEqual([]);
        // hub-a died without completing: after the lease another instance gets it, and hub-a cannot complete it
        expect(await reopened.claimDueWaits(iso(due + 60_000), 'hub-b', 60_000, 10)).toEqual([w]);
        expect(await reopened.completeWait('w1', 'hub-a', iso(due + 60_001))).toBe(false);
        expect(await reopened.completeWait('w1', 'hub-b', iso(due + 60_001))).toBe(true);
        expect(await reopened.completeWait('w1', 'hub-b', iso(due + 60_002))).toBe(false);
        await reopened.close();

        const again = await openStore();
        expect(await again.claimDueWaits(iso(due + 30 * DAY), 'hub-c', 60_000, 10)).toEqual([]);
        // the same wait stored again (a redelivered event) does not wait a second time
        expect(await again.putWait(w)).toBe(false);
      });

      it('keeps history and caps when closed and opened again', async () => {
        const e = entry({ eventId: 'w1', values: { amount: 7 } });
        await store.appendHistory(e);
        const claim = { key: 'p1:global', limit: 1, windowMs: DAY };
        expect((await store.takeCaps([claim], 'd1', iso(T0))).granted).toBe(true);
        await store.close();

        const reopened = await openStore();
        expect(await reopened.listHistory('crm:4711', iso(T0 - DAY))).toEqual([e]);
        expect(await reopened.appendHistory(e)).toBe(false);
        expect(await reopened.takeCaps([claim], 'd2', iso(T0 + 1))).toEqual({
          granted: false,
          counts: [1],
          refused: 0,
        });
      });
    });

    describe('processes', () => {
      function process(overrides: Partial<ProcessState> = {}): ProcessState {
        return {
          schemaVersion: '1.0',
          processId: '8d3c2f1a-4b5e-4c6d-8e7f-0a1b2c3d4e5f',
          customerRef: 'crm:4711',
          kind: 'escalation',
          startedOn: 'call-center',
          lastChannel: 'call-center',
          step: 'branch-manager',
          status: 'open',
          data: { policyId: 'second-complaint', level: 0 },
          startedAt: '2025-03-01T12:00:00.000Z',
          updatedAt: '2025-03-01T12:00:00.000Z',
          ...overrides,
        };
      }
      const other = '1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b';

      it('stores a process once and reads it back at revision 1, times in UTC', async () => {
        const p = process({ expiresAt: '2025-03-03T14:00:00+02:00' });
        expect(await store.putProcess(p)).toBe(true);
        expect(await store.putProcess({ ...p, step: 'regional-manager' })).toBe(false);
        expect(await store.getProcess(p.processId)).toEqual({
          process: { ...p, expiresAt: '2025-03-03T12:00:00.000Z' },
          revision: 1,
        });
        expect(await store.getProcess(other)).toBeUndefined();
      });

      it('refuses a lone surrogate in process data, naming the field, and stores nothing', async () => {
        // jsonb refuses it, LMDB would keep U+FFFD: both refuse it alike
        await expect(store.putProcess(process({ data: { x: '\ud800' } }))).rejects.toThrow(
          'store: process.data.x must not contain a lone surrogate (\\ud800)',
        );
        expect(await store.getProcess(process().processId)).toBeUndefined();
      });

      it('updates a process only at the revision it was read at', async () => {
        const p = process();
        await store.putProcess(p);
        const next = { ...p, step: 'regional-manager', updatedAt: '2025-03-03T12:00:00.000Z' };
        expect(await store.updateProcess(next, 1)).toBe(true);
        // a writer that read revision 1 lost: it must read again
        expect(await store.updateProcess({ ...p, status: 'completed' }, 1)).toBe(false);
        expect(await store.getProcess(p.processId)).toEqual({ process: next, revision: 2 });
        expect(await store.updateProcess(process({ processId: other }), 1)).toBe(false);
      });

      it('lets exactly one of 10 concurrent updates at one revision win, on two instances', async () => {
        await store.putProcess(process());
        const second = await openStore();
        const hubs = [store, second];
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => hubs[i % 2].updateProcess(process({ step: `level-${i}` }), 1)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const stored = await second.getProcess(process().processId);
        expect(stored?.revision).toBe(2);
        expect(stored?.process.step).toBe(`level-${results.indexOf(true)}`);
      });

      it("lists a customer's processes last updated first, by status, and keeps them over a reopen", async () => {
        const older = process({ updatedAt: '2025-03-01T12:00:00.000Z' });
        const newer = process({
          processId: other,
          status: 'completed',
          updatedAt: '2025-03-02T12:00:00.000Z',
        });
        const elsewhere = process({
          processId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
          customerRef: 'crm:47',
        });
        for (const p of [older, newer, elsewhere]) await store.putProcess(p);
        expect((await store.listProcesses('crm:4711')).map((s) => s.process)).toEqual([newer, older]);
        expect((await store.listProcesses('crm:4711', { status: 'open' })).map((s) => s.process)).toEqual([
          older,
        ]);
        expect(await store.listProcesses('crm:47')).toEqual([{ process: elsewhere, revision: 1 }]);
        expect(await store.listProcesses('crm:nobody')).toEqual([]);
        await store.close();

        const reopened = await openStore();
        expect(await reopened.listProcesses('crm:4711', { status: 'completed' })).toEqual([
          { process: newer, revision: 1 },
        ]);
      });

      it('refuses a process that is not a valid process-state, or moves to another customer, naming the field', async () => {
        await expect(
          store.putProcess(process({ status: 'pending' as ProcessState['status'] })),
        ).rejects.toThrow(/process\.status must be one of: open/);
        await expect(store.putProcess(process({ updatedAt: 'yesterday' }))).rejects.toThrow(
          /process\.updatedAt/,
        );
        await store.putProcess(process());
        await expect(store.updateProcess(process({ customerRef: 'crm:42' }), 1)).rejects.toThrow(
          /process\.customerRef cannot change/,
        );
        await expect(store.getProcess('')).rejects.toThrow(/processId/);
      });
    });
  });
}
