import request from 'supertest';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { migrations as goldenRecordMigrations } from '../../nodes/golden-record/migrations';
import { migrations as nextBestOfferMigrations } from '../../nodes/next-best-offer/migrations';
import { migrate } from '../../nodes/shared/migrate';
import { all, captured, helper, load, nextError, nextInput, tempDir, useHelper } from './harness';
import { statusMatching, watchStatus } from './node-status';

useHelper();

const customer = (updatedAt: string, tier: string, consents: unknown[] = []) => ({
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  tier,
  consents,
  identifiers: [{ system: 'crm', id: '4711' }],
  updatedAt,
  source: { system: 'crm' },
});

const addressChanged = (eventId: string) => ({
  eventId,
  type: 'address-changed',
  channel: 'call-center',
  occurredAt: '2026-11-22T10:05:00Z',
  customer: { ref: 'crm:4711' },
});

const offer = (offerId: string, priority: number, name: string) => ({
  offerId,
  customerId: 'crm:4711',
  channel: 'web',
  action: 'web-offer',
  offer: name,
  policyId: `p-${name}`,
  eventId: `e-${offerId}`,
  priority,
  createdAt: '2026-11-22T10:00:00.000Z',
  status: 'open' as const,
});

const flow = () => [
  { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('golden') },
  { id: 'golden', type: 'golden-record', store: 'store', wires: [['stored']] },
  { id: 'stored', type: 'helper' },
  {
    id: 'nbo',
    type: 'next-best-offer',
    store: 'store',
    answer: 'next-best-offer',
    channel: 'web',
    wires: [['answer']],
  },
  {
    id: 'c360',
    type: 'next-best-offer',
    store: 'store',
    answer: 'customer-360',
    channel: 'web',
    wires: [['answer']],
  },
  { id: 'answer', type: 'helper' },
];

async function send(nodeId: string, payload: unknown, outId: string) {
  const out = nextInput<Record<string, unknown>>(outId);
  helper.getNode(nodeId).receive({ payload });
  return out;
}

describe('golden-record and next-best-offer', () => {
  it('keeps the newest customer version and ignores an older redelivery', async () => {
    await load(all, flow());
    const first = await send('golden', customer('2026-11-22T10:00:00Z', 'gold'), 'stored');
    expect(first.goldenRecord).toMatchObject({ kind: 'customer', write: { created: true, version: 1 } });
    await send('golden', customer('2026-11-22T11:00:00Z', 'platinum'), 'stored');
    const older = await send('golden', customer('2026-11-22T09:00:00Z', 'basic'), 'stored');
    expect(older.goldenRecord).toMatchObject({ write: { changed: false, version: 2 } });
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect((await store.getCustomer('crm:4711'))?.document.tier).toBe('platinum');
  });

  // The hub flow's golden-record consumer keeps no processed-message ledger because of this.
  it('changes nothing when the same customer or the same event is delivered again', async () => {
    await load(all, flow());
    const doc = customer('2026-11-22T10:00:00Z', 'gold');
    await send('golden', doc, 'stored');
    const again = await send('golden', JSON.parse(JSON.stringify(doc)) as unknown, 'stored');
    expect(again.goldenRecord).toMatchObject({ write: { created: false, changed: false, version: 1 } });
    const event = addressChanged('e-redelivered');
    const first = await send('golden', event, 'stored');
    expect(first.goldenRecord).toMatchObject({ kind: 'interaction', recorded: true });
    const repeat = await send('golden', { ...event }, 'stored');
    expect(repeat.goldenRecord).toMatchObject({ kind: 'interaction', recorded: false });
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    const history = await store.listInteractions('crm:4711');
    expect(history.filter((i) => i.eventId === 'e-redelivered')).toHaveLength(1);
  });

  it('answers the next best offer by priority, explains it, and serves the same over REST', async () => {
    await load(all, flow());
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await store.putOffer(offer('o1', 40, 'credit-card'));
    await store.putOffer(offer('o2', 60, 'mortgage'));
    const answer = await send('nbo', { customerRef: 'crm:4711', channel: 'web' }, 'answer');
    expect(answer.payload).toMatchObject({ offer: { offer: 'mortgage' } });
    expect((answer.payload as { explanation: string }).explanation).toContain('highest of 2 open offers');

    const rest = await request(captured.red!.httpNode).get(
      '/api/v1/customers/crm:4711/next-best-offer?channel=web',
    );
    expect(rest.status).toBe(200);
    expect(rest.body.offer.offer).toBe('mortgage');
    const noChannel = await request(captured.red!.httpNode).get('/api/v1/customers/crm:4711/next-best-offer');
    expect(noChannel.status).toBe(400);
    expect(noChannel.body.field).toBe('channel');
  });

  it('hands flows answers of their own: changing one changes neither the store nor the next answer', async () => {
    await load(all, flow());
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await store.putOffer(offer('o2', 60, 'mortgage'));
    for (const node of ['nbo', 'c360']) {
      const first = (await send(node, { customerRef: 'crm:4711', channel: 'web' }, 'answer')).payload as {
        offer?: Record<string, unknown>;
        offers: Record<string, unknown>[];
      };
      // what a function node downstream might do; the embedded store keeps what it read frozen
      const shown = first.offer ?? first.offers[0];
      shown.offer = 'changed by a flow';
      shown.seen = true;
      const again = (await send(node, { customerRef: 'crm:4711', channel: 'web' }, 'answer')).payload as {
        offer?: Record<string, unknown>;
        offers: Record<string, unknown>[];
      };
      expect((again.offer ?? again.offers[0]).offer).toBe('mortgage');
      expect(again.offer ?? again.offers[0]).not.toHaveProperty('seen');
    }
    expect((await store.listOffers('crm:4711'))[0].offer).toBe('mortgage');
  });

  it('offers nothing on a channel where the customer withdrew marketing consent', async () => {
    await load(all, flow());
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await store.putOffer(offer('o2', 60, 'mortgage'));
    const withdrawn = [
      {
        channel: 'web',
        purpose: 'marketing',
        status: 'withdrawn',
        at: '2026-11-01T00:00:00Z',
        source: { system: 'web' },
      },
    ];
    await send('golden', customer('2026-11-22T10:00:00Z', 'gold', withdrawn), 'stored');
    const answer = await send('nbo', { customerRef: 'crm:4711' }, 'answer');
    expect(answer.payload).not.toHaveProperty('offer');
    expect((answer.payload as { explanation: string }).explanation).toContain('withdrew marketing on web');
  });

  it('answers customer 360 with the record, open offers and the interaction history', async () => {
    await load(all, flow());
    await send('golden', customer('2026-11-22T10:00:00Z', 'gold'), 'stored');
    const event = addressChanged('e-9');
    const recorded = await send('golden', event, 'stored');
    expect(recorded.goldenRecord).toMatchObject({ kind: 'interaction', recorded: true });
    const view = await send('c360', { customerRef: 'crm:4711' }, 'answer');
    expect(view.payload).toMatchObject({
      customer: { version: 1, document: { tier: 'gold' } },
      lastInteractions: [{ eventId: 'e-9', type: 'address-changed' }],
    });
    const rest = await request(captured.red!.httpNode).get('/api/v1/customers/crm:4711');
    expect(rest.body.customer.document.person.familyName).toBe('Schmidt');
    const unknown = await request(captured.red!.httpNode).get('/api/v1/customers/crm:999');
    expect(unknown.status).toBe(404);
  });

  it('rejects a payload that is neither a customer nor an event, and a query without customerRef', async () => {
    await load(all, flow());
    const golden = watchStatus('golden');
    const nbo = watchStatus('nbo');
    const err = nextError('golden');
    const rejected = statusMatching('golden', (s) => s.text === 'golden-record.status.counted-rejected');
    helper.getNode('golden').receive({ payload: { hello: 'world' } });
    expect(await err).toContain('neither a canonical customer');
    // golden-record keeps counting (never the error in red); next-best-offer shows why the last query failed
    expect(await rejected).toEqual({
      fill: 'yellow',
      shape: 'dot',
      text: 'golden-record.status.counted-rejected',
    });
    expect(golden.all.filter((s) => s.fill === 'red')).toEqual([]);
    const err2 = nextError('nbo');
    helper.getNode('nbo').receive({ payload: { channel: 'web' } });
    expect(await err2).toContain('next-best-offer.errors.no-customer');
    expect(nbo.last()).toEqual({ fill: 'red', shape: 'ring', text: 'next-best-offer.errors.no-customer' });
  });

  it('refuses a channel that is none, as REST does, instead of answering no offer', async () => {
    await load(all, flow());
    const err = nextError('nbo');
    let answered = false;
    helper.getNode('answer').on('input', () => (answered = true));
    helper.getNode('nbo').receive({ payload: { customerRef: 'crm:4711', channel: 'telepathy' } });
    expect(await err).toContain(
      "channel must be one of: call-center, web, app, branch, erp, core-banking, email, sms; got 'telepathy'",
    );
    expect(answered).toBe(false);
  });

  it('words its statuses from the locale', async () => {
    await load(all, flow());
    const nbo = watchStatus('nbo');
    // a status follows the last one shown by at least 100 ms (the node's "ready" came just before)
    const counted = statusMatching('golden', (s) => s.text === 'golden-record.status.counted');
    await send('golden', customer('2026-11-22T10:00:00Z', 'gold'), 'stored');
    expect(await counted).toEqual({ fill: 'green', shape: 'dot', text: 'golden-record.status.counted' });
    await send('nbo', { customerRef: 'crm:4711' }, 'answer');
    expect(nbo.last()).toEqual({ fill: 'green', shape: 'dot', text: 'next-best-offer.status.answered' });
  });
});

describe('golden-record and next-best-offer config versions', () => {
  it('read configs saved before versions existed in the current shape and work with them', async () => {
    const golden = { id: 'golden', type: 'golden-record', name: '', store: 'store' };
    const nbo = {
      id: 'nbo',
      type: 'next-best-offer',
      name: '',
      store: 'store',
      answer: 'customer-360',
      channel: 'web',
    };
    expect(migrate(golden, goldenRecordMigrations)).toEqual({ ...golden, broker: '', version: 2 });
    expect(migrate(nbo, nextBestOfferMigrations)).toEqual({ ...nbo, version: 1 });
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('golden') },
      { ...golden, wires: [['stored']] },
      { id: 'stored', type: 'helper' },
      { ...nbo, wires: [['answer']] },
      { id: 'answer', type: 'helper' },
    ]);
    await send('golden', customer('2026-11-22T10:00:00Z', 'gold'), 'stored');
    const view = await send('nbo', { customerRef: 'crm:4711' }, 'answer');
    expect(view.payload).toMatchObject({ customer: { document: { tier: 'gold' } } });
  });
});
