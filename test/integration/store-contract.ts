import type { HubStore, StoredOffer } from '../../records/store';
import { offerIdFor } from '../../records/offer-id';

/**
 * One behavioural suite for every HubStore backend. `makeStore` returns a fresh, unopened store; called
 * again within the same test it must return a new instance on the same data (directory or schema).
 */
export function describeStoreContract(
  name: string,
  makeStore: () => HubStore,
  lifecycle: { beforeEach?: () => Promise<void> | void; afterEach?: () => Promise<void> | void } = {},
): void {
  describe(`${name}: HubStore contract`, () => {
    let store: HubStore;
    const opened: HubStore[] = [];

    async function openStore(): Promise<HubStore> {
      const s = makeStore();
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

    it('keeps optional fields absent rather than undefined', async () => {
      const o = offer({ eventId: 'e1', expiresAt: '2025-02-01T00:00:00.000Z' });
      delete o.title;
      await store.putOffer(o);
      const [stored] = await store.listOffers('crm:4711');
      expect(stored).toEqual(o);
      expect(Object.keys(stored)).not.toContain('title');
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
      await store.close();

      const reopened = await openStore();
      expect(await reopened.wasProcessed('golden-record', 'evt-1')).toBe(true);
      expect(await reopened.markProcessed('golden-record', 'evt-1')).toBe(false);
      expect(await reopened.listOffers('crm:4711')).toEqual([o]);
      expect(await reopened.getPolicyEnabled('p1')).toBe(false);
    });
  });
}
