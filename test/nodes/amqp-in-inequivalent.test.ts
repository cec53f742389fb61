import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { all, load, loggedWarnings, RABBIT_URL, useHelper } from './harness';
import { sinkNode, whenStatus } from './amqp-test-nodes';

useHelper();

/** an amqp-in with the queue and bindings typed in (no topology), as an integrator sets one up */
function loadTypedIn(queue: string, bindings: string): Promise<void> {
  return load(
    [...all, sinkNode],
    [
      { id: 'broker', type: 'amqp-broker', urls: RABBIT_URL, heartbeat: '30', version: 2 },
      {
        id: 'in',
        type: 'amqp-in',
        broker: 'broker',
        queue,
        bindings,
        prefetch: '5',
        ack: 'flow',
        timeout: '5000',
        store: '',
        topology: '',
        output: 'auto',
        deliveryLimit: '20',
        atLeastOnce: true,
        wires: [['got']],
        version: 4,
      },
      { id: 'got', type: 'amqp-test-sink' },
    ],
  );
}

describe('amqp-in on a queue an older version declared with other arguments', () => {
  const queue = `test.inequivalent.${randomUUID().slice(0, 8)}`;
  const exchange = queue;
  let conn: amqplib.ChannelModel;

  beforeAll(async () => {
    conn = await amqplib.connect(RABBIT_URL);
    const ch = await conn.createChannel();
    await ch.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'crm.dlx' },
    });
    await ch.close();
  });
  afterAll(async () => {
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
    await conn.close();
  });

  it('names the differing argument and the upgrade command in its status and log', async () => {
    await loadTypedIn(queue, `${exchange} event.#`);
    await whenStatus('in', 'amqp-in.status.inequivalent');
    expect(loggedWarnings('in')).toContain('amqp-in.errors.inequivalent');
    expect(loggedWarnings('in')).not.toContain('amqp-in.errors.consume');
  });
});

describe('amqp-in on a record-sync target queue (crm.out.<system>), which the topology declared', () => {
  const system = `t-${randomUUID().slice(0, 8)}`;
  const queue = `crm.out.${system}`;
  let conn: amqplib.ChannelModel;

  beforeAll(async () => {
    conn = await amqplib.connect(RABBIT_URL);
    const ch = await conn.createChannel();
    // as SyncTopology.targetDeclaration declares it
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': 'crm.dlx',
        'x-dead-letter-routing-key': queue,
        'x-delivery-limit': 20,
        'x-overflow': 'reject-publish',
        'x-dead-letter-strategy': 'at-least-once',
      },
    });
    await ch.close();
  });
  afterAll(async () => {
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await ch.deleteExchange(queue);
    await conn.close();
  });

  it("says the queue is the topology's, not an older version's, and does not send the integrator to queues upgrade", async () => {
    await loadTypedIn(queue, `${queue} none`);
    await whenStatus('in', 'amqp-in.status.sync-target');
    expect(loggedWarnings('in')).toContain('amqp-in.errors.sync-target');
    expect(loggedWarnings('in')).not.toContain('amqp-in.errors.inequivalent');
  });
});
