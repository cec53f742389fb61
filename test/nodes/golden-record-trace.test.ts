/**
 * Every golden change goes out on crm.golden on the trace and with the event id of the inbound
 * message that caused it, with many records in flight, on the embedded store and on PostgreSQL.
 *
 * A drain already running used to list a committed change before the node had told the publisher its
 * cause, and sent it on a new trace: a record in the review band commits its link, then writes its
 * review items, and only then did the node register the cause. The cause now goes into the outbox
 * with the change.
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import amqp from 'amqplib';
import type { GoldenChangedEvent } from '../../records/golden-store';
import { createDatabase, createVhost, deleteVhost, dropDatabase } from '../e2e/hub-process';
import { whenStatus } from './amqp-test-nodes';
import { all, helper, load, tempDir, useHelper } from './harness';

const database = `crm_hub_trace_${process.pid}_${randomBytes(4).toString('hex')}`;
let databaseUrl = '';

// a virtual host of its own: other suites running beside it publish golden changes on crm.golden too
const vhost = `crm-hub-golden-trace-${randomBytes(4).toString('hex')}`;
let brokerUrl = '';

beforeAll(async () => {
  brokerUrl = createVhost(vhost);
  databaseUrl = await createDatabase(database);
});
afterAll(async () => {
  deleteVhost(vhost);
  await dropDatabase(database);
});

useHelper();

const PAIRS = 60;
const hex = (i: number, width: number) => i.toString(16).padStart(width, '0');
/** the n-th inbound message's trace id and event id */
const traceOf = (n: number) => `1${hex(n, 31)}`;
const eventIdOf = (n: number) => `00000000-0000-4000-8000-${hex(n, 12)}`;
const FAMILIES = ['Becker', 'Hoffmann', 'Schulz', 'Koch', 'Richter', 'Wolf'];

/**
 * Pair i: same names and postal code, nothing else, so the second record lands in the review band
 * with the first (between the thresholds) and founds a golden record of its own; no two pairs alike.
 */
const person = (system: string, i: number) => ({
  schemaVersion: '1.0',
  customerRef: `${system}:p${i}`,
  kind: 'person',
  person: {
    givenName: `Jonas${'x'.repeat(i % 10)}`,
    familyName: FAMILIES[Math.floor(i / 10) % FAMILIES.length],
  },
  addresses: [
    {
      type: 'home',
      street: `${system} Weg ${i}`,
      postalCode: `${10000 + i * 97}`,
      city: 'Köln',
      country: 'DE',
    },
  ],
  identifiers: [{ system, id: `p${i}` }],
  updatedAt: '2026-11-20T10:00:00Z',
  source: { system },
});

describe.each([
  ['the embedded store', () => ''],
  ['PostgreSQL', () => databaseUrl],
])('golden-record on %s and real RabbitMQ', (_name, url) => {
  let connection: amqp.ChannelModel | undefined;

  afterEach(async () => {
    await connection?.close();
    connection = undefined;
  });

  it('publishes every golden change of many records in flight on the trace and event id of its inbound message', async () => {
    const queue = `test.golden.traced.${process.pid}.${randomBytes(3).toString('hex')}`;
    connection = await amqp.connect(brokerUrl);
    const channel = await connection.createChannel();
    await channel.assertExchange('crm.golden', 'topic', { durable: true });
    await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'crm.golden', 'golden.changed');
    const received: amqp.ConsumeMessage[] = [];
    await channel.consume(queue, (m) => {
      if (!m) return;
      received.push(m);
      channel.ack(m);
    });
    await load(all, [
      { id: 'broker', type: 'amqp-broker', urls: brokerUrl, heartbeat: '30', version: 2 },
      { id: 'store', type: 'hub-store', databaseUrl: url(), directory: tempDir('golden-trace') },
      {
        id: 'golden',
        type: 'golden-record',
        store: 'store',
        broker: 'broker',
        version: 2,
        wires: [['stored']],
      },
      { id: 'stored', type: 'helper' },
    ]);
    await whenStatus('golden', 'golden-record.status.ready');
    const numberOf = new Map<string, number>();
    type Output = { goldenRecord: { golden: { reviews: string[] } } };
    /** sends one record of every pair from `system`, all at once; resolves with the node's outputs */
    const sendAll = (system: string): Promise<Output[]> => {
      const outputs: Output[] = [];
      const stored = helper.getNode('stored') as unknown as EventEmitter;
      const done = new Promise<Output[]>((resolve) => {
        const take = (msg: Output) => {
          outputs.push(msg);
          if (outputs.length < PAIRS) return;
          stored.off('input', take);
          resolve(outputs);
        };
        stored.on('input', take);
      });
      for (let i = 0; i < PAIRS; i++) {
        const n = numberOf.size + 1;
        numberOf.set(`${system}:p${i}`, n);
        helper.getNode('golden').receive({
          payload: person(system, i),
          amqp: {
            headers: { traceparent: `00-${traceOf(n)}-${hex(n, 16)}-01`, 'x-crm-event-id': eventIdOf(n) },
          },
        });
      }
      return done;
    };
    await sendAll('web');
    const outputs = await sendAll('crm');
    // the case that opened the window: every second record was put in the review band
    expect(outputs.filter((o) => o.goldenRecord.golden.reviews.length > 0)).toHaveLength(PAIRS);
    // the consumer may get the last ones a moment after the node has passed them on
    const distinct = () => new Set(received.map((m) => m.properties.messageId as string)).size;
    for (let i = 0; i < 500 && distinct() < numberOf.size; i++) await new Promise((r) => setTimeout(r, 20));
    const carried = received.map((m) => {
      const event = JSON.parse(m.content.toString()) as GoldenChangedEvent;
      const ref = `${event.members[0].system}:${event.members[0].sourceId}`;
      const headers = m.properties.headers ?? {};
      return {
        n: numberOf.get(ref) ?? 0,
        trace: String(headers.traceparent).split('-')[1],
        eventId: headers['x-crm-event-id'],
      };
    });
    // at least once: a change may go out twice, as the same message
    expect([...new Set(carried.map((c) => c.n))].sort((a, b) => a - b)).toEqual(
      Array.from({ length: numberOf.size }, (_, i) => i + 1),
    );
    const lost = carried.filter((c) => c.trace !== traceOf(c.n) || c.eventId !== eventIdOf(c.n));
    expect(lost).toEqual([]);
  });
});
