import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import request from 'supertest';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import type { GoldenChangedEvent, GoldenStore } from '../../records/golden-store';
import {
  all,
  captured,
  helper,
  load,
  type FlowNode,
  nextError,
  nextInput,
  tempDir,
  useHelper,
} from './harness';
import { whenStatus } from './amqp-test-nodes';

// a virtual host of its own: other suites running beside it publish golden changes on crm.golden too
const vhost = `crm-hub-golden-sync-${randomUUID().slice(0, 8)}`;
let brokerUrl = '';

beforeAll(() => {
  brokerUrl = createVhost(vhost);
});
afterAll(() => deleteVhost(vhost));

useHelper();

type Msg = { goldenRecord: { golden: Record<string, unknown> } };

/** The CRM knows Anna by her e-mail; SAP spells her family name Schmitt, a day later, with an address. */
const crmAnna = {
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  emails: [{ type: 'home', address: 'anna.schmidt@example.org' }],
  identifiers: [{ system: 'crm', id: '4711' }],
  updatedAt: '2026-11-20T10:00:00Z',
  source: { system: 'crm' },
};
const sapAnna = {
  schemaVersion: '1.0',
  customerRef: 'sap:100001',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmitt' },
  emails: [{ type: 'home', address: 'anna.schmidt@example.org' }],
  addresses: [{ type: 'postal', street: 'Alte Gasse 3', postalCode: '10115', city: 'Berlin', country: 'DE' }],
  identifiers: [{ system: 'sap', id: '100001' }],
  updatedAt: '2026-11-21T10:00:00Z',
  source: { system: 'sap', operation: 'DEBMAS' },
};
const MOVED = '6f1c2a4e-8b1d-4c3e-9a7f-2d5e8c9b0a11';
const reported = {
  eventId: MOVED,
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: '2026-11-22T09:00:00Z',
  channel: 'call-center',
  source: { system: 'crm', operation: 'ReportAddressChange' },
  customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
  data: { address: { street: 'Leopoldstraße 12', postalCode: '80802', city: 'München', country: 'DE' } },
};
/** Same names and postal code, nothing else: between the thresholds (13.6 + 2.3 bits). */
const becker = (system: string, id: string, street: string) => ({
  schemaVersion: '1.0',
  customerRef: `${system}:${id}`,
  kind: 'person',
  person: { givenName: 'Jonas', familyName: 'Becker' },
  addresses: [{ type: 'home', street, postalCode: '50667', city: 'Köln', country: 'DE' }],
  identifiers: [{ system, id }],
  updatedAt: '2026-11-20T10:00:00Z',
  source: { system },
});

const flow = (extra: FlowNode[] = [], broker = ''): FlowNode[] => [
  { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('golden-sync') },
  { id: 'golden', type: 'golden-record', store: 'store', broker, version: 2, wires: [['stored']] },
  { id: 'stored', type: 'helper' },
  ...extra,
];

/** The node's output, or its error as a rejection (so a failure names itself instead of timing out). */
async function send(payload: unknown): Promise<Msg> {
  const out = nextInput<Msg>('stored');
  const failed = nextError('golden').then((e) => Promise.reject(new Error(e)));
  helper.getNode('golden').receive({ payload });
  return Promise.race([out, failed]);
}

const storeOf = async (): Promise<GoldenStore> => (helper.getNode('store') as unknown as HubStoreNode).ready;
const api = () => request(captured.red!.httpNode);

describe('golden-record: the golden path', () => {
  it("joins two systems' records of one person into one golden record with lineage per attribute", async () => {
    await load(all, flow());
    const first = await send(crmAnna);
    const second = await send(sapAnna);
    expect(first.goldenRecord.golden).toMatchObject({ status: 'applied', reviews: [] });
    const goldenId = first.goldenRecord.golden.goldenId;
    expect(second.goldenRecord.golden).toMatchObject({
      status: 'applied',
      goldenId,
      matched: { ref: 'crm:4711', rule: 'email' },
    });
    const golden = await (await storeOf()).getGolden('sap:100001');
    expect(golden?.goldenId).toBe(goldenId);
    expect(golden?.members).toEqual([
      { system: 'crm', sourceId: '4711' },
      { system: 'sap', sourceId: '100001' },
    ]);
    // no trust configured: the later SAP record wins the name, the only address is SAP's
    expect(golden?.record.document.person?.familyName).toBe('Schmitt');
    expect(golden?.record.lineage['person.familyName']).toMatchObject({
      source: { system: 'sap', sourceId: '100001' },
      rule: 'recency',
    });
    expect(golden?.record.lineage['addresses[0]']).toMatchObject({
      source: { system: 'sap' },
      rule: 'sole-source',
    });
    // the document per customerRef is kept as before
    expect(
      (
        await (helper.getNode('store') as unknown as HubStoreNode).ready.then((s) =>
          s.getCustomer('crm:4711'),
        )
      )?.document,
    ).toMatchObject({ customerRef: 'crm:4711' });
  });

  it('applies an address-changed event to the golden address, with lineage "reported via call-center"', async () => {
    await load(all, flow());
    await send(crmAnna);
    await send(sapAnna);
    const applied = await send(reported);
    expect(applied.goldenRecord).toMatchObject({
      kind: 'interaction',
      recorded: true,
      golden: { status: 'applied' },
    });
    const golden = await (await storeOf()).getGolden('crm:4711');
    expect(golden?.record.document.addresses?.[0]).toMatchObject({
      street: 'Leopoldstraße',
      houseNumber: '12',
      city: 'München',
    });
    expect(golden?.record.lineage['addresses[0]']).toMatchObject({
      source: { system: 'crm', sourceId: MOVED },
      rule: 'event',
      via: 'call-center',
      note: 'reported via call-center',
    });
    const again = await send({ ...reported });
    expect(again.goldenRecord).toMatchObject({ recorded: false, golden: { status: 'repeat' } });
  });

  it("applies an event another flow sent with SAP's padded number to the customer the hub keys without the zeros", async () => {
    await load(all, flow());
    await send(sapAnna);
    const padded = {
      ...reported,
      source: { system: 'sap' },
      customer: { ref: 'sap:0000100001', identifiers: [{ system: 'sap', id: '0000100001' }] },
    };
    const applied = await send(padded);
    expect(applied.goldenRecord).toMatchObject({ kind: 'interaction', golden: { status: 'applied' } });
    const golden = await (await storeOf()).getGolden('sap:100001');
    expect(golden?.record.document.addresses?.[0]).toMatchObject({
      street: 'Leopoldstraße',
      houseNumber: '12',
    });
    expect(await (await storeOf()).getGolden('sap:0000100001')).toBeUndefined();
  });

  it('refuses a customer that is no valid canonical customer, naming the field, and writes nothing', async () => {
    await load(all, flow());
    const err = nextError('golden');
    helper.getNode('golden').receive({
      payload: {
        ...crmAnna,
        customerRef: 'crm:9999',
        identifiers: [{ system: 'crm', id: '9999' }],
        addresses: [{ type: 'postal', street: 'X 1', postalCode: '1', city: 'Y', country: 'Germany' }],
      },
    });
    expect(await err).toContain(
      'golden record: customer crm:9999 is no valid canonical customer: addresses[0].country must be an ISO 3166-1 alpha-2 country code',
    );
    const store = await storeOf();
    expect(await store.getGolden('crm:9999')).toBeUndefined();
    expect(
      await (helper.getNode('store') as unknown as HubStoreNode).ready.then((s) => s.getCustomer('crm:9999')),
    ).toBeUndefined();
  });

  it('refuses a lone surrogate as both stores do, naming the customer and the field, and writes nothing', async () => {
    await load(all, flow());
    const err = nextError('golden');
    helper.getNode('golden').receive({
      payload: {
        ...crmAnna,
        customerRef: 'crm:9998',
        identifiers: [{ system: 'crm', id: '9998' }],
        person: { givenName: 'An\ud800na', familyName: 'Schmidt' },
      },
    });
    expect(await err).toContain(
      'golden record: customer crm:9998: customer.document.person.givenName must not contain a lone surrogate (\\ud800)',
    );
    expect(
      await (helper.getNode('store') as unknown as HubStoreNode).ready.then((s) => s.getCustomer('crm:9998')),
    ).toBeUndefined();
  });

  it('refuses a customer it cannot key, writing nothing', async () => {
    await load(all, flow());
    const err = nextError('golden');
    helper.getNode('golden').receive({ payload: { ...crmAnna, customerRef: 'x:1', identifiers: [] } });
    expect(await err).toContain('has neither a customerRef "crm:<id>" nor an identifier of crm');
    expect(
      await (helper.getNode('store') as unknown as HubStoreNode).ready.then((s) => s.getCustomer('x:1')),
    ).toBeUndefined();
  });

  it('matches a record against those held before a redeploy (the index is filled from the store)', async () => {
    const directory = tempDir('golden-restart');
    const stored = [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory },
      { id: 'golden', type: 'golden-record', store: 'store', version: 2, wires: [['stored']] },
      { id: 'stored', type: 'helper' },
    ];
    await load(all, stored);
    const first = await send(crmAnna);
    await helper.unload();
    await load(all, stored);
    const second = await send(sapAnna);
    expect(second.goldenRecord.golden).toMatchObject({ goldenId: first.goldenRecord.golden.goldenId });
  });
});

describe('golden-record over REST', () => {
  it('resolves sap:0000100001, sap:100001 and the golden id to the same record; 400 and 404 as JSON', async () => {
    await load(all, flow());
    await send(crmAnna);
    const { goldenRecord } = await send(sapAnna);
    const goldenId = goldenRecord.golden.goldenId as string;
    const bySap = await api().get('/api/v1/customers/sap:0000100001');
    const byId = await api().get(`/api/v1/customers/${goldenId}`);
    expect(bySap.status).toBe(200);
    expect(byId.status).toBe(200);
    for (const body of [bySap.body, byId.body]) {
      expect(body).toMatchObject({
        goldenId,
        xrefs: ['crm:4711', 'sap:100001'],
        document: { person: { familyName: 'Schmitt' } },
        lineage: { 'person.familyName': { source: { system: 'sap' } } },
        dataQuality: { complete: false },
      });
    }
    expect(byId.body.dataQuality.gaps).toContain('birthDate');
    const byCrm = await api().get('/api/v1/customers/crm:4711');
    expect(byCrm.body).toMatchObject({ goldenId, customer: { document: { customerRef: 'crm:4711' } } });

    const malformed = await api().get('/api/v1/customers/not an id');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'invalid-customer-id', field: 'id' });
    const unknown = await api().get(`/api/v1/customers/g-${'0'.repeat(26)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown-customer');
  });

  it('lists a review-band pair and links it, keeps another apart, and unmerges', async () => {
    await load(all, flow());
    await send(becker('crm', '5001', 'Domkloster 1'));
    const web = await send(becker('web', 'u-9', 'Hohe Straße 9'));
    const reviews = web.goldenRecord.golden.reviews as string[];
    expect(reviews).toHaveLength(1);
    const listed = await api().get('/api/v1/reviews');
    expect(listed.status).toBe(200);
    expect(listed.body.reviews).toMatchObject([{ reviewId: reviews[0], status: 'open' }]);

    const bad = await api().post(`/api/v1/reviews/${reviews[0]}`).send({ decision: 'merge' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('decision');
    const linked = await api().post(`/api/v1/reviews/${reviews[0]}`).send({ decision: 'link' });
    expect(linked.status).toBe(200);
    expect(linked.body.review).toMatchObject({ status: 'linked' });
    const goldenId = linked.body.goldenId as string;
    expect((await api().get('/api/v1/customers/web:u-9')).body.xrefs).toEqual(['crm:5001', 'web:u-9']);
    const twice = await api().post(`/api/v1/reviews/${reviews[0]}`).send({ decision: 'keep-apart' });
    expect(twice.status).toBe(409);

    const split = await api()
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['web:u-9'] });
    expect(split.status).toBe(200);
    expect(split.body.parts).toHaveLength(2);
    expect((await api().get('/api/v1/customers/web:u-9')).body.xrefs).toEqual(['web:u-9']);
    // the split is a decision: the pair linked before is kept apart now, the link in its trail
    expect((await api().get('/api/v1/reviews?status=kept-apart')).body.reviews).toMatchObject([
      { reviewId: reviews[0], status: 'kept-apart', earlier: [{ status: 'linked' }] },
    ]);
    const foreign = await api()
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['sap:1'] });
    expect(foreign.status).toBe(400);

    // a third Jonas Becker is proposed with both; the one kept apart leaves the open band
    const shop = await send(becker('shop', 's-3', 'Breite Straße 3'));
    const proposed = shop.goldenRecord.golden.reviews as string[];
    expect(proposed).toHaveLength(2);
    const kept = await api().post(`/api/v1/reviews/${proposed[0]}`).send({ decision: 'keep-apart' });
    expect(kept.body.review).toMatchObject({ status: 'kept-apart' });
    const open = await api().get('/api/v1/reviews');
    expect(open.body.reviews.map((r: { reviewId: string }) => r.reviewId)).toEqual([proposed[1]]);
    const apart = await api().get('/api/v1/reviews?status=kept-apart');
    expect(apart.body.reviews.map((r: { reviewId: string }) => r.reviewId)).toEqual([
      reviews[0],
      proposed[0],
    ]);
    expect((await api().get('/api/v1/reviews?status=bogus')).status).toBe(400);
  });
});

describe('golden-record on real RabbitMQ', () => {
  const queue = `test.golden.${process.pid}`;
  let connection: amqp.ChannelModel | undefined;

  afterEach(async () => {
    await connection?.close();
    connection = undefined;
  });

  it('publishes the golden outbox on crm.golden, confirmed, and empties the outbox', async () => {
    connection = await amqp.connect(brokerUrl);
    const channel = await connection.createChannel();
    await channel.assertExchange('crm.golden', 'topic', { durable: true });
    await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'crm.golden', 'golden.#');
    const received: amqp.ConsumeMessage[] = [];
    const two = new Promise<void>((resolve) => {
      void channel.consume(queue, (m) => {
        if (!m) return;
        received.push(m);
        channel.ack(m);
        if (received.length === 2) resolve();
      });
    });

    await load(all, [
      { id: 'broker', type: 'amqp-broker', urls: brokerUrl, heartbeat: '30', version: 2 },
      ...flow([], 'broker'),
    ]);
    await whenStatus('golden', 'golden-record.status.ready');
    await send(crmAnna);
    await send(sapAnna);
    await two;
    const events = received.map((m) => JSON.parse(m.content.toString()) as GoldenChangedEvent);
    expect(received.map((m) => m.fields.routingKey)).toEqual(['golden.changed', 'golden.changed']);
    expect(received.map((m) => m.properties.messageId)).toEqual(events.map((e) => e.eventId));
    expect(events[1]).toMatchObject({
      type: 'golden.changed',
      revision: 2,
      members: [{ system: 'crm' }, { system: 'sap' }],
    });
    expect(received[0].properties.headers?.['x-crm-golden-id']).toBe(events[0].goldenId);
    const store = await storeOf();
    // the outbox is marked after the confirm, which may come a moment after the consumer got it
    for (let i = 0; i < 50 && (await store.listGoldenOutbox()).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await store.listGoldenOutbox()).toEqual([]);
  });

  it('publishes what a REST unmerge wrote to the outbox at once, without waiting for another change', async () => {
    const unmergeQueue = `${queue}.unmerge`;
    connection = await amqp.connect(brokerUrl);
    const channel = await connection.createChannel();
    await channel.assertExchange('crm.golden', 'topic', { durable: true });
    await channel.assertQueue(unmergeQueue, { exclusive: true, autoDelete: true });
    await channel.bindQueue(unmergeQueue, 'crm.golden', 'golden.#');
    const received: amqp.ConsumeMessage[] = [];
    await channel.consume(unmergeQueue, (m) => {
      if (!m) return;
      received.push(m);
      channel.ack(m);
    });
    await load(all, [
      { id: 'broker', type: 'amqp-broker', urls: brokerUrl, heartbeat: '30', version: 2 },
      ...flow([], 'broker'),
    ]);
    await whenStatus('golden', 'golden-record.status.ready');
    const { goldenRecord } = await send(crmAnna);
    await send(sapAnna);
    const goldenId = String(goldenRecord.golden.goldenId);
    const settled = async (count: number) => {
      for (let i = 0; i < 100 && received.length < count; i++) await new Promise((r) => setTimeout(r, 20));
    };
    await settled(2);
    expect(received).toHaveLength(2);

    const unmerged = await request(captured.red!.httpNode)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['sap:100001'] });
    expect(unmerged.status).toBe(200);
    const written = (unmerged.body as { events: { eventId: string }[] }).events.map((e) => e.eventId);
    expect(written.length).toBeGreaterThan(0);
    // the relay drains after every change and every few seconds only after a failed publish: well
    // within that, with nothing else happening, the events are on crm.golden
    await settled(2 + written.length);
    const after = received.slice(2);
    expect(after.map((m) => m.properties.messageId).sort()).toEqual([...written].sort());
    expect(after.map((m) => m.fields.routingKey)).toContain('golden.unmerged');
  });
});
