import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import amqplib from 'amqplib';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import { brokerUrl } from '../../nodes/amqp-broker/amqp-broker';
import { REASON_HEADER, type Delivery } from '../../connectors/amqp/bus';
import {
  all,
  core,
  helper,
  nextError,
  nextInput,
  RABBIT_URL,
  useHelper,
  load,
  type FlowNode,
} from './harness';

useHelper();

/** Runs the same node behaviour on the embedded bus and on the real RabbitMQ. */
const buses = [
  ['embedded bus', ''],
  ['RabbitMQ', RABBIT_URL],
] as const;

describe.each(buses)('amqp-in / amqp-out on the %s', (_name, url) => {
  const run = randomUUID().slice(0, 8);
  const exchange = `test.nodes.${run}`;
  const queue = `test.nodes.${run}`;

  const flow = (extra: FlowNode[] = [], inWires: string[] = ['got']) => [
    { id: 'broker', type: 'amqp-broker', url, heartbeat: '30' },
    { id: 'out', type: 'amqp-out', broker: 'broker', exchange, routingKey: '', wires: [['published']] },
    { id: 'published', type: 'helper' },
    {
      id: 'in',
      type: 'amqp-in',
      broker: 'broker',
      queue,
      bindings: `${exchange} event.address-changed.*`,
      prefetch: '5',
      ack: 'flow',
      timeout: '5000',
      store: '',
      wires: [inWires],
    },
    { id: 'got', type: 'helper' },
    ...extra,
  ];

  afterAll(async () => {
    if (!url) return;
    // remove what this run declared on the real broker
    const conn = await amqplib.connect(url);
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
    await conn.close();
  });

  const event = (id: string) => ({
    eventId: id,
    type: 'address-changed',
    channel: 'call-center',
    customer: { ref: 'crm:1' },
  });

  async function whenConsuming(): Promise<void> {
    // the consumer is set up asynchronously after deploy; poll the broker node's bus until it routes
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    for (let i = 0; i < 100; i++) {
      try {
        await broker.bus.publish(exchange, 'probe.none', Buffer.from('{}'), { mandatory: false });
        if (broker.bus.state() === 'connected') {
          await broker.bus.publish(exchange, 'event.address-changed.warmup', Buffer.from('{"warmup":true}'));
          return;
        }
      } catch {
        /* not yet declared */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('consumer never became ready');
  }

  it('publishes with confirm, routes by event.{type}.{channel}, and delivers the parsed event to amqp-in', async () => {
    await load(all, flow());
    await whenConsuming();
    const warm = await nextInput<{ payload: Record<string, unknown> }>('got');
    expect(warm.payload).toEqual({ warmup: true });

    const published = nextInput<{ amqp: Record<string, unknown> }>('published');
    const got = nextInput<{ payload: Record<string, unknown>; amqp: Record<string, unknown> }>('got');
    helper.getNode('out').receive({ payload: event('e-1') });
    expect((await published).amqp).toEqual({
      exchange,
      routingKey: 'event.address-changed.call-center',
      messageId: 'e-1',
      confirmed: true,
    });
    const msg = await got;
    expect(msg.payload).toEqual(event('e-1'));
    expect(msg.amqp).toMatchObject({
      routingKey: 'event.address-changed.call-center',
      messageId: 'e-1',
      queue,
    });
  });

  it('reports an unroutable message as a publish error (mandatory)', async () => {
    await load(all, flow());
    await whenConsuming();
    const err = nextError('out');
    helper.getNode('out').receive({ payload: { eventId: 'x', type: 'nobody-listens', channel: 'web' } });
    expect(await err).toContain('amqp-out.errors.publish');
  });

  it('dead-letters a message whose handling failed, with the reason', async () => {
    const failing = {
      id: 'fail',
      type: 'function',
      func: 'throw new Error("no mortgage for " + msg.payload.eventId);',
      wires: [],
    };
    await load([...all, core.fn], flow([failing], ['fail']));
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    const deadQueue = `test.nodes.dlq.${run}`;
    const dead: Delivery[] = [];
    // our own queue on the dead-letter exchange, so parallel runs do not read each other's messages
    await broker.register(helper.getNode('broker'));
    await broker.bus.declareExchange('crm.dlx');
    const sub = await broker.bus.consume(
      { queue: deadQueue, bindings: [{ exchange: 'crm.dlx', pattern: 'event.address-changed.#' }] },
      (d) => {
        dead.push(d);
        d.ack();
      },
    );
    try {
      await whenConsuming();
      helper.getNode('out').receive({ payload: event('e-bad') });
      for (let i = 0; i < 100 && !dead.some((d) => d.messageId === 'e-bad'); i++)
        await new Promise((r) => setTimeout(r, 50));
      const letter = dead.find((d) => d.messageId === 'e-bad');
      expect(letter?.headers[REASON_HEADER]).toContain('no mortgage for e-bad');
    } finally {
      await sub.cancel();
      if (url) {
        const conn = await amqplib.connect(url);
        const ch = await conn.createChannel();
        await ch.deleteQueue(deadQueue);
        await conn.close();
      }
    }
  });
});

describe('amqp-broker', () => {
  it('keeps user and password out of the URL in the flow and puts them in from credentials', () => {
    expect(brokerUrl('amqp://127.0.0.1:5672', { user: 'hub', password: 's3cr:t' })).toBe(
      'amqp://hub:s3cr%3At@127.0.0.1:5672',
    );
    expect(brokerUrl('', { user: 'hub' })).toBe('');
  });

  it('uses the embedded bus when AMQP_URL is not set and says so', async () => {
    delete process.env.CRM_HUB_TEST_UNSET;
    await load(all, [{ id: 'broker', type: 'amqp-broker', url: '${CRM_HUB_TEST_UNSET}', heartbeat: '30' }]);
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    expect(broker.bus.kind).toBe('embedded');
    expect(broker.bus.describe()).toContain('embedded');
  });
});

describe('amqp-in / amqp-out when RabbitMQ is not reachable at deploy time', () => {
  it('start consuming and publishing once the broker becomes reachable, without a redeploy', async () => {
    // a virtual host that does not exist yet refuses the connection, like a broker that is still down
    const vhost = `crm-hub-late-${randomUUID().slice(0, 8)}`;
    const url = `${RABBIT_URL}/${vhost}`;
    await load(all, [
      { id: 'broker', type: 'amqp-broker', url, heartbeat: '30' },
      { id: 'out', type: 'amqp-out', broker: 'broker', exchange: 'crm.events', routingKey: '', wires: [[]] },
      {
        id: 'in',
        type: 'amqp-in',
        broker: 'broker',
        queue: 'late.q',
        bindings: 'event.#',
        prefetch: '5',
        ack: 'flow',
        timeout: '5000',
        store: '',
        wires: [['got']],
      },
      { id: 'got', type: 'helper' },
    ]);
    const refused = nextError('out');
    helper.getNode('out').receive({ payload: { eventId: 'early', type: 'visit', channel: 'web' } });
    expect(await refused).toContain('amqp-out.errors.publish');

    execFileSync('rabbitmqctl', ['-q', 'add_vhost', vhost]);
    execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
    try {
      const got = nextInput<{ payload: { eventId: string } }>('got');
      // publish until the consumer is there: the bus reconnects with backoff
      let delivered = false;
      void got.then(() => (delivered = true));
      for (let i = 0; i < 120 && !delivered; i++) {
        helper.getNode('out').receive({ payload: { eventId: `late-${i}`, type: 'visit', channel: 'web' } });
        await new Promise((r) => setTimeout(r, 250));
      }
      expect((await got).payload.eventId).toMatch(/^late-/);
    } finally {
      await helper.unload();
      execFileSync('rabbitmqctl', ['-q', 'delete_vhost', vhost]);
    }
  }, 60000);
});
