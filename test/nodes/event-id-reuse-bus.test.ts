/**
 * An event id names one event on the bus as it does over REST: a canonical event that comes back on
 * crm.events with its id and other content is dead-lettered with the reason `event-id-reused` by each
 * consumer of canonical events (the shipped hub's two: amqp-in with the idempotency store before the
 * policy engine, amqp-in without one before the golden record), neither dropped as a redelivery nor
 * applied; the same event again stays a redelivery that changes nothing. On RabbitMQ, in a virtual
 * host of the test's own.
 */
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import type { NodeMessage } from 'node-red';
import { ORIGINAL_QUEUE_HEADER, REASON_HEADER } from '../../connectors/amqp/bus';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { createVhost, deleteVhost, eventually } from '../e2e/hub-process';
import { all, helper, load, tempDir, useHelper, type FlowNode } from './harness';
import { sinkNode, whenStatus } from './amqp-test-nodes';

useHelper();

let vhost = '';
let url = '';
beforeEach(() => {
  vhost = `crm-hub-event-reuse-${randomUUID().slice(0, 8)}`;
  url = createVhost(vhost);
});
afterEach(() => deleteVhost(vhost));

/** the shipped hub's consumers of canonical events (flows/hub.json: consume-events, svc-golden-in) */
const flow = (): FlowNode[] => [
  { id: 'cfg-broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
  { id: 'cfg-store', type: 'hub-store', databaseUrl: '', directory: tempDir('event-reuse'), version: 1 },
  {
    id: 'consume-events',
    type: 'amqp-in',
    broker: 'cfg-broker',
    queue: 'crm-hub.policy-engine',
    bindings: 'event.#',
    // one at a time: a message is settled before the next is delivered, so the order is the test's
    prefetch: '1',
    ack: 'flow',
    timeout: '10000',
    store: 'cfg-store',
    wires: [['engine']],
    version: 1,
  },
  { id: 'engine', type: 'policy-engine', store: 'cfg-store', wires: [['evaluated']] },
  { id: 'evaluated', type: 'amqp-test-sink' },
  {
    id: 'svc-golden-in',
    type: 'amqp-in',
    broker: 'cfg-broker',
    queue: 'crm-hub.golden-record',
    bindings: '#',
    prefetch: '1',
    ack: 'flow',
    timeout: '10000',
    store: '',
    wires: [['svc-golden']],
    version: 1,
  },
  { id: 'svc-golden', type: 'golden-record', store: 'cfg-store', wires: [['golden-out']] },
  { id: 'golden-out', type: 'amqp-test-sink' },
];

const addressChanged = (eventId: string, street: string) => ({
  eventId,
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: '2026-11-22T10:05:00Z',
  channel: 'call-center',
  source: { system: 'crm' },
  customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
  data: { address: { street, postalCode: '80331', city: 'München', country: 'DE' } },
});

/** the event ids a node received, in order */
function received(nodeId: string): string[] {
  const ids: string[] = [];
  helper
    .getNode(nodeId)
    .on('input', (msg: NodeMessage) => ids.push((msg.payload as { eventId: string }).eventId));
  return ids;
}

describe('an event id reused with other content on crm.events', () => {
  it('is dead-lettered as event-id-reused by both consumers, while the same event again changes nothing', async () => {
    await load([...all, sinkNode], flow());
    await whenStatus('consume-events', 'amqp-in.status.consuming');
    await whenStatus('svc-golden-in', 'amqp-in.status.consuming');
    const broker = helper.getNode('cfg-broker') as unknown as AmqpBrokerNode;
    const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
    const evaluated = received('evaluated');
    const golden = received('golden-out');
    const publish = (event: ReturnType<typeof addressChanged>) =>
      broker.bus.publish(
        'crm.events',
        'event.address-changed.call-center',
        Buffer.from(JSON.stringify(event)),
        {
          messageId: event.eventId,
          contentType: 'application/json',
        },
      );

    const id = randomUUID();
    const last = randomUUID();
    await publish(addressChanged(id, 'Ring 1'));
    await publish(addressChanged(id, 'Ring 1')); // a redelivery: the same event
    await publish(addressChanged(id, 'Leopoldstraße 9')); // the id again, for another event
    await publish(addressChanged(last, 'Ring 1'));
    await eventually(
      async () => (evaluated.includes(last) && golden.includes(last) ? true : undefined),
      'the last event at both consumers',
    );

    // the policy engine evaluated the event once; the golden record took the redelivery as one
    expect(evaluated).toEqual([id, last]);
    expect(golden).toEqual([id, id, last]);
    const events = await store.listSourceEvents({ system: 'crm', sourceId: '4711' });
    expect(events.filter((e) => e.eventId === id).map((e) => e.data.address?.street)).toEqual(['Ring 1']);

    const connection = await amqplib.connect(url);
    try {
      const channel = await connection.createChannel();
      const letters: { queue: unknown; reason: string; messageId: unknown }[] = [];
      await eventually(async () => {
        const got = await channel.get('crm.dead-letter', { noAck: true });
        if (got) {
          const headers = got.properties.headers ?? {};
          letters.push({
            queue: headers[ORIGINAL_QUEUE_HEADER],
            reason: String(headers[REASON_HEADER]),
            messageId: got.properties.messageId,
          });
        }
        return letters.length === 2 ? true : undefined;
      }, 'two dead letters');
      expect(letters.map((l) => l.queue).sort()).toEqual(['crm-hub.golden-record', 'crm-hub.policy-engine']);
      for (const letter of letters) {
        expect(letter.messageId).toBe(id);
        expect(letter.reason).toMatch(/^event-id-reused: /);
        expect(letter.reason).toContain(id);
      }
      // nothing else: the redelivery was no dead letter
      expect(await channel.get('crm.dead-letter')).toBe(false);
    } finally {
      await connection.close();
    }
  });
});
