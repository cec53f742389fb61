import express from 'express';
import request from 'supertest';
import { HealthRegistry } from '../../../../app/api/health';
import { createHubApi, type HubApiContext } from '../../../../app/api/hub-api';
import type { ContactOffer, NextBestOfferContact } from '../../../../records/customer-view';
import type { HubStore, StoredOffer } from '../../../../records/store';

const FUTURE = '2999-01-01T00:00:00.000Z';

const stored = (offerId: string, priority: number, offer: string, createdAt: string): StoredOffer => ({
  offerId,
  customerId: 'crm:4711',
  channel: 'web',
  action: 'web-offer',
  offer,
  policyId: `p-${offer}`,
  eventId: `e-${offerId}`,
  priority,
  createdAt,
  expiresAt: FUTURE,
  status: 'open',
});

const lurkingOffer = (policyId: string, priority: number, score?: number): ContactOffer => ({
  offerId: `l-${policyId}`,
  policyId,
  title: { de: policyId, en: policyId },
  priority,
  ...(score === undefined ? {} : { score: { score } }),
  action: 'web-offer',
  offer: policyId.replace(/^lurk-/, ''),
  channel: 'web',
  decidedAt: '2999-01-01T00:00:00.000Z',
  reasons: [{ condition: 'customer.segment == "young-families"', held: true, actual: 'young-families' }],
});

/** a store with what the next best offer reads: the customer and the open offers */
function fakeStore(offers: StoredOffer[], document: Record<string, unknown> = { tier: 'gold' }): HubStore {
  return {
    getCustomer: async (ref: string) => ({ customerRef: ref, version: 1, document }),
    listOffers: async () => offers,
  } as unknown as HubStore;
}

function app(store: HubStore, extra: Partial<HubApiContext> = {}) {
  const server = express();
  server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry(), ...extra }));
  return server;
}

const get = (server: express.Express, query: string) =>
  request(server).get(`/api/v1/customers/crm:4711/next-best-offer?${query}`);

describe('GET /api/v1/customers/{id}/next-best-offer', () => {
  const offers = [
    stored('o1', 40, 'credit-card', '2026-11-22T10:00:00.000Z'),
    stored('o2', 60, 'savings', '2026-11-20T10:00:00.000Z'),
    stored('o3', 60, 'insurance', '2026-11-21T10:00:00.000Z'),
  ];

  it('merges stored offers and woken lurking cards, ranked by priority, score, newest', async () => {
    const seen: unknown[] = [];
    const lurking = (customer: Record<string, unknown> | undefined, contact: NextBestOfferContact) => {
      seen.push([customer, contact]);
      return [lurkingOffer('lurk-mortgage', 60, 30), lurkingOffer('lurk-loan', 80)];
    };
    const res = await get(app(fakeStore(offers), { lurking }), 'channel=web&point=home&limit=10');
    expect(res.status).toBe(200);
    expect(seen).toEqual([[{ tier: 'gold' }, { customerRef: 'crm:4711', channel: 'web', point: 'home' }]]);
    expect(res.body).toMatchObject({ customerRef: 'crm:4711', channel: 'web', point: 'home' });
    // 80; then 60 with a score before 60 without; then the newer of two equal stored offers; then 40
    expect(res.body.offers.map((o: { offerId: string; source: string }) => [o.offerId, o.source])).toEqual([
      ['l-lurk-loan', 'lurking'],
      ['l-lurk-mortgage', 'lurking'],
      ['o3', 'stored'],
      ['o2', 'stored'],
      ['o1', 'stored'],
    ]);
    expect(res.body.offers[1]).toMatchObject({ policyId: 'lurk-mortgage', offer: 'mortgage', score: 30 });
    expect(res.body.offers[2].reasons[0].condition).toBe('open offer decided on event e-o3');
    // the single offer of earlier callers is the first of the list
    expect(res.body.offer).toMatchObject({ offerId: 'l-lurk-loan', offer: 'loan', status: 'open' });
    expect(res.body.explanation).toContain(
      'loan from lurking policy lurk-loan (priority 80) is the highest of 5',
    );
    expect(res.body).not.toHaveProperty('default');
  });

  it('answers one offer unless a limit is asked for', async () => {
    const one = await get(app(fakeStore(offers)), 'channel=web');
    expect(one.body.offers).toHaveLength(1);
    expect(one.body.offers[0].offerId).toBe('o3');
    expect(one.body.offer.offerId).toBe('o3');
    expect(one.body.explanation).toContain('is the highest of 3 open offers on web');
    const two = await get(app(fakeStore(offers)), 'channel=web&limit=2');
    expect(two.body.offers.map((o: { offerId: string }) => o.offerId)).toEqual(['o3', 'o2']);
  });

  it('answers the configured default offer with the reason when nothing applies', async () => {
    const expired = {
      ...stored('o9', 90, 'old', '2026-01-01T00:00:00.000Z'),
      expiresAt: '2026-02-01T00:00:00.000Z',
    };
    const res = await get(
      app(fakeStore([expired]), {
        lurking: () => [],
        defaultOffer: () => ({ offer: 'newsletter', title: { en: 'Our newsletter' } }),
      }),
      'channel=web&point=home',
    );
    expect(res.status).toBe(200);
    expect(res.body.offers).toEqual([]);
    expect(res.body).not.toHaveProperty('offer');
    expect(res.body.default).toEqual({
      offer: 'newsletter',
      title: { en: 'Our newsletter' },
      reason: 'no open offer on web for crm:4711 (1 expired) and no lurking card matched this contact',
    });
    expect(res.body.explanation).toMatch(/^default offer newsletter: no open offer/);
    const none = await get(app(fakeStore([])), 'channel=web');
    expect(none.body).not.toHaveProperty('default');
    expect(none.body.explanation).toBe('no open offer on web for crm:4711');
  });

  it('offers nothing, not even the default, on a channel the customer opted out of', async () => {
    const consents = [{ channel: 'web', purpose: 'marketing', status: 'denied' }];
    const res = await get(
      app(fakeStore(offers, { consents }), {
        lurking: () => [lurkingOffer('lurk-mortgage', 60)],
        defaultOffer: () => ({ offer: 'newsletter' }),
      }),
      'channel=web',
    );
    expect(res.body).toEqual({
      customerRef: 'crm:4711',
      channel: 'web',
      offers: [],
      explanation: 'no offer: the customer denied marketing on web',
    });
  });

  it('tells the lurking cards which of their offers the answer shows, after the ranking and the limit', async () => {
    const told: string[][] = [];
    const lurking = () => ({
      offers: [lurkingOffer('lurk-loan', 80), lurkingOffer('lurk-mortgage', 50)],
      shown: (shown: readonly ContactOffer[]) => told.push(shown.map((o) => o.offerId)),
    });
    const server = app(fakeStore(offers), { lurking });
    await get(server, 'channel=web');
    await get(server, 'channel=web&limit=3');
    await get(server, 'channel=web&limit=10');
    // the loan (80) leads; the mortgage (50) comes after the stored 60s and shows only with room for it
    expect(told).toEqual([['l-lurk-loan'], ['l-lurk-loan'], ['l-lurk-loan', 'l-lurk-mortgage']]);
    // with nothing shown it is told so (the control group still counts); opted out, it is not asked
    await get(
      app(fakeStore([]), { lurking: () => ({ offers: [], shown: () => told.push([]) }) }),
      'channel=web',
    );
    const consents = [{ channel: 'web', purpose: 'marketing', status: 'withdrawn' }];
    await get(app(fakeStore(offers, { consents }), { lurking }), 'channel=web');
    expect(told.slice(3)).toEqual([[]]);
  });

  it('holds back the stored offers of a switched-off policy and says so', async () => {
    const expired = {
      ...stored('o9', 90, 'old', '2026-01-01T00:00:00.000Z'),
      expiresAt: '2026-02-01T00:00:00.000Z',
    };
    const switchedOff = (policyId: string) => policyId === 'p-savings' || policyId === 'p-insurance';
    const some = await get(app(fakeStore(offers), { switchedOff }), 'channel=web&limit=3');
    expect(some.body.offers.map((o: { offerId: string }) => o.offerId)).toEqual(['o1']);
    expect(some.body.explanation).toBe(
      'credit-card from policy p-credit-card (priority 40) is the only open offer on web ' +
        '(2 held back: p-savings switched off; p-insurance switched off)',
    );
    const none = await get(
      app(fakeStore([offers[1], expired]), { switchedOff, lurking: () => [] }),
      'channel=web',
    );
    expect(none.body.offers).toEqual([]);
    expect(none.body.explanation).toBe(
      'no open offer on web for crm:4711 (1 expired; 1 held back: p-savings switched off) ' +
        'and no lurking card matched this contact',
    );
  });

  it('still answers the stored offers when the lurking cards fail, and says so', async () => {
    const res = await get(
      app(fakeStore(offers), {
        lurking: () => {
          throw new Error('engine gone');
        },
      }),
      'channel=web',
    );
    expect(res.status).toBe(200);
    expect(res.body.offers[0].offerId).toBe('o3');
    expect(res.body.explanation).toContain('(lurking cards not evaluated: engine gone)');
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=11', 'limit'],
    ['limit=two', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=', 'limit'],
    ['point=Home%20Page', 'point'],
    ['eventType=Web_Visit', 'eventType'],
  ])('answers 400 for %s', async (query, field) => {
    const res = await get(app(fakeStore(offers)), `channel=web&${query}`);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
    expect(res.body.error).toMatch(/^invalid-/);
  });

  it('answers 400 naming what is wrong with the channel: none, twice, or none of the canonical ones', async () => {
    const known = 'call-center, web, app, branch, erp, core-banking, email, sms';
    for (const [query, message] of [
      ['', `query parameter channel is required, e.g. ?channel=web (one of: ${known})`],
      ['channel=', `query parameter channel is required, e.g. ?channel=web (one of: ${known})`],
      ['channel=web&channel=app', 'give channel once, e.g. ?channel=web'],
      ['channel=web&channel=web', 'give channel once, e.g. ?channel=web'],
      // the canonical channels are lower case, as events carry them
      ['channel=WEB', `channel must be one of: ${known}; got 'WEB'`],
      ['channel=fax', `channel must be one of: ${known}; got 'fax'`],
      ['channel[a]=web', `channel must be one of: ${known}`],
    ]) {
      const res = await get(app(fakeStore(offers)), query);
      expect({ query, status: res.status, body: res.body }).toEqual({
        query,
        status: 400,
        body: { error: 'invalid-channel', field: 'channel', message },
      });
    }
    for (const channel of ['web', 'call-center', 'core-banking', 'sms']) {
      expect((await get(app(fakeStore(offers)), `channel=${channel}`)).status).toBe(200);
    }
  });

  it('answers 400 without a channel and for a bad customer id', async () => {
    const noChannel = await request(app(fakeStore(offers))).get('/api/v1/customers/crm:4711/next-best-offer');
    expect(noChannel.status).toBe(400);
    expect(noChannel.body.field).toBe('channel');
    const badId = await request(app(fakeStore(offers))).get(
      '/api/v1/customers/4711/next-best-offer?channel=web',
    );
    expect(badId.status).toBe(400);
    expect(badId.body.field).toBe('id');
  });
});

describe('GET /api/v1/customers/{id}/offers with a switched-off policy', () => {
  const offers = [
    stored('o1', 40, 'credit-card', '2026-11-22T10:00:00.000Z'),
    stored('o2', 60, 'savings', '2026-11-20T10:00:00.000Z'),
  ];
  const offersOf = (server: express.Express) =>
    request(server).get('/api/v1/customers/crm:4711/offers?channel=web');

  it('leaves its offers out of the open offers to show and lists them apart with heldBack "switched-off"', async () => {
    const switchedOff = (policyId: string) => policyId === 'p-savings';
    const res = await offersOf(app(fakeStore(offers), { switchedOff }));
    expect(res.status).toBe(200);
    expect(res.body.offers.map((o: StoredOffer) => o.offerId)).toEqual(['o1']);
    expect(res.body.offers[0].heldBack).toBeUndefined();
    expect(res.body.heldBack).toEqual([
      expect.objectContaining({ offerId: 'o2', status: 'open', heldBack: 'switched-off' }),
    ]);
  });

  it('lists every offer as open while no policy is switched off', async () => {
    const res = await offersOf(app(fakeStore(offers), { switchedOff: () => false }));
    expect(res.body.offers.map((o: StoredOffer) => o.offerId)).toEqual(['o1', 'o2']);
    expect(res.body.heldBack).toEqual([]);
  });
});

describe('SAP’s padded number on the offers routes', () => {
  /** a fakeStore that notes the refs the offers are read under */
  const noting = (asked: string[]): HubStore =>
    ({
      getCustomer: async (ref: string) => ({ customerRef: ref, version: 1, document: { tier: 'gold' } }),
      listOffers: async (ref: string) => {
        asked.push(ref);
        return [{ ...stored('o1', 40, 'savings', '2026-11-22T10:00:00.000Z'), customerId: ref }];
      },
    }) as unknown as HubStore;

  it('names the customer as the hub keys it, without the zeros, in /offers and the next best offer', async () => {
    const asked: string[] = [];
    const server = app(noting(asked));
    const offers = await request(server).get('/api/v1/customers/sap:0000004711/offers');
    expect(offers.status).toBe(200);
    expect(offers.body).toMatchObject({ customerId: 'sap:4711', offers: [{ customerId: 'sap:4711' }] });
    const best = await request(server).get('/api/v1/customers/sap:0000004711/next-best-offer?channel=web');
    expect(best.status).toBe(200);
    expect(best.body).toMatchObject({ customerRef: 'sap:4711', offers: [{ offerId: 'o1' }] });
    expect(new Set(asked)).toEqual(new Set(['sap:4711']));
  });

  it('keeps another system’s zeros: crm:0004711 is not crm:4711', async () => {
    const offers = await request(app(noting([]))).get('/api/v1/customers/crm:0004711/offers');
    expect(offers.body.customerId).toBe('crm:0004711');
  });
});
