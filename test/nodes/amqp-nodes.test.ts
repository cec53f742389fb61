import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { NodeMessage } from 'node-red';
import { execFileSync } from 'node:child_process';
import amqplib from 'amqplib';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import { brokerUrls } from '../../nodes/amqp-broker/amqp-broker';
import { migrations as brokerMigrations } from '../../nodes/amqp-broker/migrations';
import { migrations as inMigrations } from '../../nodes/amqp-in/migrations';
import { migrations as outMigrations } from '../../nodes/amqp-out/migrations';
import { migrate } from '../../nodes/shared/migrate';
import { REASON_HEADER, type Delivery } from '../../connectors/amqp/bus';
import { BusError } from '../../connectors/amqp/bus-error';
import request from 'supertest';
import {
  all,
  captured,
  core,
  helper,
  loggedWarnings,
  nextInput,
  RABBIT_URL,
  tempDir,
  useHelper,
  load,
  type FlowNode,
} from './harness';
import { flakyStoreNode, sinkNode, whenStatus } from './amqp-test-nodes';

useHelper();
const nodes = [...all, sinkNode];

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
    { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
    {
      id: 'out',
      type: 'amqp-out',
      broker: 'broker',
      exchange,
      routingKey: '',
      wires: [['published']],
      version: 1,
    },
    { id: 'published', type: 'amqp-test-sink' },
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
      version: 1,
    },
    { id: 'got', type: 'amqp-test-sink' },
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

  /** Once amqp-in consumes, a warm-up message goes through; resolves with it where it arrived. */
  async function whenConsuming(receiver = 'got'): Promise<{ payload: unknown }> {
    await whenStatus('in', 'amqp-in.status.consuming');
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    const warm = nextInput<{ payload: unknown }>(receiver);
    await broker.bus.publish(exchange, 'event.address-changed.warmup', Buffer.from('{"warmup":true}'));
    return warm;
  }

  it('publishes with confirm, routes by event.{type}.{channel}, and delivers the parsed event to amqp-in', async () => {
    await load(nodes, flow());
    const warm = await whenConsuming();
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

  it('hands the body on as it came with output "buffer", the properties as with "auto"', async () => {
    const asBytes = flow().map((n) => (n.id === 'in' ? { ...n, output: 'buffer', version: 3 } : n));
    await load(nodes, asBytes);
    const warm = await whenConsuming();
    expect(Buffer.isBuffer(warm.payload)).toBe(true);
    const got = nextInput<{ payload: Buffer; amqp: Record<string, unknown> }>('got');
    helper.getNode('out').receive({ payload: event('e-bytes') });
    const msg = await got;
    expect(JSON.parse(msg.payload.toString('utf8'))).toEqual(event('e-bytes'));
    expect(msg.amqp).toMatchObject({ routingKey: 'event.address-changed.call-center', messageId: 'e-bytes' });
  });

  it('refuses a delivery limit that is no whole number with a red status, and consumes nothing', async () => {
    await load(
      nodes,
      flow().map((n) => (n.id === 'in' ? { ...n, deliveryLimit: 'many', version: 4 } : n)),
    );
    await whenStatus('in', 'amqp-in.status.bad-delivery-limit');
  });

  it('refuses an output it does not know with a red status and an error, and consumes nothing', async () => {
    await load(
      nodes,
      flow().map((n) => (n.id === 'in' ? { ...n, output: 'xml', version: 3 } : n)),
    );
    await whenStatus('in', 'amqp-in.status.bad-output');
    const errors = (
      helper.getNode('in').error as unknown as { getCalls(): { args: unknown[] }[] }
    ).getCalls();
    // the text names the value and the choices (payloadOutputOf, unit-tested)
    expect(errors.map((c) => String(c.args[0]))).toEqual(['amqp-in.errors.bad-output']);
    const statuses = (
      helper.getNode('in').status as unknown as { getCalls(): { args: unknown[] }[] }
    ).getCalls();
    expect(statuses.map((c) => JSON.stringify(c.args[0]))).not.toContainEqual(
      expect.stringContaining('amqp-in.status.consuming'),
    );
  });

  it('hands an unroutable message (mandatory) to done(err) as the BusError, which a Catch node routes on by kind', async () => {
    const catcher = { id: 'catcher', type: 'catch', scope: ['out'], uncaught: false, wires: [['caught']] };
    await load([...nodes, core.catchNode], flow([catcher, { id: 'caught', type: 'amqp-test-sink' }]));
    await whenConsuming();
    const out = helper.getNode('out');
    const reported = new Promise<unknown>((resolve) =>
      out.once('call:error', (call: { args: unknown[] }) => resolve(call.args[0])),
    );
    const caught = nextInput<{ error: { message: string; code?: string }; payload: unknown }>('caught');
    const payload = { eventId: 'x', type: 'nobody-listens', channel: 'web' };
    out.receive({ payload });
    // the original error, not a copy: class and kind survive
    const err = await reported;
    expect(err).toBeInstanceOf(BusError);
    expect(err).toMatchObject({ kind: 'unroutable', replyCode: 312 });
    const msg = await caught;
    expect(msg.payload).toEqual(payload);
    expect(msg.error.code).toBe('unroutable');
    expect(msg.error.message).toMatch(/unroutable/);
  });

  it('skips a message id it processed before, with the idempotency store (recorded after the flow)', async () => {
    const store = { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('amqp-idem') };
    const nodesOfFlow = flow([store]).map((n) =>
      // prefetch 1: the second copy is delivered only after the first was recorded and acked
      n.id === 'in' ? { ...n, store: 'store', prefetch: '1' } : n,
    );
    await load(nodes, nodesOfFlow);
    await whenConsuming();
    const seen: string[] = [];
    const got = helper.getNode('got');
    const twoSeen = new Promise<void>((resolve) =>
      got.on('input', (msg: NodeMessage) => {
        if (seen.push((msg.payload as { eventId: string }).eventId) === 2) resolve();
      }),
    );
    const out = helper.getNode('out');
    for (const id of ['e-dup', 'e-dup', 'e-after']) out.receive({ payload: event(id) });
    await twoSeen;
    expect(seen).toEqual(['e-dup', 'e-after']);
  });

  it('gives a message back to the queue when the store was away while the flow ran, and it comes again', async () => {
    // the first delivery meets a database that refuses connections, the second one gets through
    const flaky = { id: 'flaky', type: 'store-outage-test', wires: [['got']] };
    await load([...nodes, flakyStoreNode], flow([flaky], ['flaky']));
    await whenConsuming();
    const again = new Promise<{ seen: number }>((resolve) =>
      (helper.getNode('got') as unknown as EventEmitter).on(
        'input',
        (msg: { payload: { eventId?: string }; seen: number }) => {
          if (msg.payload.eventId === 'e-outage') resolve(msg);
        },
      ),
    );
    helper.getNode('out').receive({ payload: event('e-outage') });
    expect((await again).seen).toBe(2);
    expect(loggedWarnings('in').join('\n')).toContain('amqp-in.errors.passing');
  });

  it('dead-letters a message whose handling failed, with the reason', async () => {
    const failing = {
      id: 'fail',
      type: 'function',
      func: 'throw new Error("no mortgage for " + msg.payload.eventId);',
      wires: [],
    };
    await load([...nodes, core.fn], flow([failing], ['fail']));
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    const deadQueue = `test.nodes.dlq.${run}`;
    let arrived: (d: Delivery) => void = () => undefined;
    const letter = new Promise<Delivery>((resolve) => (arrived = resolve));
    // our own queue on the dead-letter exchange, so parallel runs do not read each other's messages
    await broker.register(helper.getNode('broker'));
    await broker.bus.declareExchange('crm.dlx');
    const sub = await broker.bus.consume(
      { queue: deadQueue, bindings: [{ exchange: 'crm.dlx', pattern: 'event.address-changed.#' }] },
      (d) => {
        d.ack();
        if (d.messageId === 'e-bad') arrived(d);
      },
    );
    try {
      await whenConsuming('fail');
      helper.getNode('out').receive({ payload: event('e-bad') });
      expect((await letter).headers[REASON_HEADER]).toContain('no mortgage for e-bad');
      // logged once the dead-letter exchange confirmed it, which may be after the letter arrived here
      for (let i = 0; i < 50 && !loggedWarnings('in').some((w) => w.includes('dead-lettered')); i++)
        await new Promise((resolve) => setTimeout(resolve, 40));
      expect(loggedWarnings('in').join('\n')).toContain('amqp-in.errors.dead-lettered');
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

describe('amqp-in queue arguments on RabbitMQ', () => {
  const queue = `test.nodes.limited.${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    const conn = await amqplib.connect(RABBIT_URL);
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await conn.close();
  });

  it('declares its queue with the delivery limit and at-least-once dead-lettering it is given', async () => {
    await load(nodes, [
      { id: 'broker', type: 'amqp-broker', urls: RABBIT_URL, heartbeat: '30', version: 2 },
      {
        id: 'in',
        type: 'amqp-in',
        broker: 'broker',
        queue,
        bindings: 'event.limited.#',
        prefetch: '5',
        ack: 'flow',
        timeout: '5000',
        store: '',
        deliveryLimit: '7',
        atLeastOnce: true,
        wires: [['got']],
        version: 4,
      },
      { id: 'got', type: 'amqp-test-sink' },
    ]);
    await whenStatus('in', 'amqp-in.status.consuming');
    const listed = execFileSync('rabbitmqctl', ['-q', 'list_queues', 'name', 'arguments'], {
      encoding: 'utf8',
    });
    const line = listed.split('\n').find((l) => l.startsWith(`${queue}\t`)) ?? '';
    expect(line).toContain('{"x-delivery-limit",7}');
    expect(line).toContain('reject-publish');
    expect(line).toContain('at-least-once');
  });
});

describe('amqp-broker', () => {
  it('keeps user and password out of the URLs in the flow and puts them in from credentials', () => {
    expect(brokerUrls('amqp://127.0.0.1:5672', { user: 'hub', password: 's3cr:t' })).toEqual([
      'amqp://hub:s3cr%3At@127.0.0.1:5672',
    ]);
    expect(
      brokerUrls('amqp://mq-1:5672\n amqp://mq-2:5672 , amqp://mq-3:5672', { user: 'hub', password: 'pw' }),
    ).toEqual(['amqp://hub:pw@mq-1:5672', 'amqp://hub:pw@mq-2:5672', 'amqp://hub:pw@mq-3:5672']);
    // without credentials in the store, those of the URL (e.g. from AMQP_URL) stay
    expect(brokerUrls('amqp://app:x@mq-1', {})).toEqual(['amqp://app:x@mq-1']);
    expect(brokerUrls('', { user: 'hub' })).toEqual([]);
    expect(brokerUrls('${CRM_HUB_TEST_UNSET}', { user: 'hub' })).toEqual([]);
  });

  it('uses the embedded bus when AMQP_URL is not set and says so', async () => {
    delete process.env.CRM_HUB_TEST_UNSET;
    await load(all, [
      { id: 'broker', type: 'amqp-broker', urls: '${CRM_HUB_TEST_UNSET}', heartbeat: '30', version: 2 },
    ]);
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    expect(broker.bus.kind).toBe('embedded');
    expect(broker.bus.describe()).toContain('embedded');
  });

  it('shows the connection state on its clients in words from the locales', async () => {
    await load(all, [
      { id: 'broker', type: 'amqp-broker', urls: RABBIT_URL, heartbeat: '30', version: 2 },
      { id: 'out', type: 'amqp-out', broker: 'broker', exchange: 'crm.events', routingKey: '', wires: [[]] },
    ]);
    const out = helper.getNode('out');
    const texts: string[] = [];
    const connected = new Promise<void>((resolve) =>
      (out as unknown as EventEmitter).on('call:status', (call: { args: unknown[] }) => {
        const text = String((call.args[0] as { text?: unknown }).text);
        texts.push(text);
        if (text === 'node-red:common.status.connected') resolve();
      }),
    );
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    await broker.register(out);
    await connected;
    expect(texts).toContain('node-red:common.status.connected');
  });
});

describe('amqp-broker with several broker URLs', () => {
  const run = randomUUID().slice(0, 8);
  const exchange = `test.nodes.failover.${run}`;
  const queue = `test.nodes.failover.${run}`;

  afterAll(async () => {
    const conn = await amqplib.connect(RABBIT_URL);
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
    await conn.close();
  });

  it('fails over: with the first URL unreachable the hub publishes and consumes through the second', async () => {
    // user and password come from the node's credentials and apply to every URL of the list
    const urls = `amqp://127.0.0.1:5673\n${RABBIT_URL.replace(/\/\/[^@]*@/, '//')}`;
    await load(
      nodes,
      [
        { id: 'broker', type: 'amqp-broker', urls, heartbeat: '30', version: 2 },
        { id: 'out', type: 'amqp-out', broker: 'broker', exchange, routingKey: '', wires: [['published']] },
        { id: 'published', type: 'amqp-test-sink' },
        {
          id: 'in',
          type: 'amqp-in',
          broker: 'broker',
          queue,
          bindings: `${exchange} event.#`,
          prefetch: '5',
          ack: 'flow',
          timeout: '5000',
          store: '',
          wires: [['got']],
        },
        { id: 'got', type: 'amqp-test-sink' },
      ],
      { broker: { user: 'guest', password: 'guest' } },
    );
    await whenStatus('in', 'amqp-in.status.consuming');
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    expect(broker.bus.describe()).toBe('RabbitMQ amqp://127.0.0.1:5672/ (user guest), broker 2 of 2');
    const got = nextInput<{ payload: { eventId: string } }>('got');
    helper.getNode('out').receive({ payload: { eventId: 'fo-1', type: 'visit', channel: 'web' } });
    expect((await got).payload.eventId).toBe('fo-1');
  });
});

describe('AMQP node config versions', () => {
  it('amqp-broker: a single url saved before versions existed becomes the list of URLs, and connects', async () => {
    const saved = { id: 'broker', type: 'amqp-broker', name: 'hub bus', url: RABBIT_URL, heartbeat: '30' };
    expect(migrate(saved, brokerMigrations)).toEqual({
      id: 'broker',
      type: 'amqp-broker',
      name: 'hub bus',
      urls: RABBIT_URL,
      heartbeat: '30',
      version: 2,
    });
    // the editor (version 2) saves the list, and an empty legacy url next to it
    const edited = { ...saved, url: '', urls: `${RABBIT_URL}\namqp://127.0.0.1:5673`, version: 2 };
    expect(migrate(edited, brokerMigrations)).toEqual(edited);

    await load(all, [saved]);
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    expect(broker.bus.describe()).toBe('RabbitMQ amqp://127.0.0.1:5672/ (user guest)');
    await broker.register(helper.getNode('broker'));
    expect(broker.bus.state()).toBe('connected');
  });

  it('amqp-in and amqp-out: configs saved before versions existed load unchanged, at the current version', () => {
    const amqpIn = {
      id: 'in',
      type: 'amqp-in',
      broker: 'broker',
      queue: 'q',
      bindings: 'event.#',
      prefetch: '5',
      ack: 'flow',
      timeout: '5000',
      store: '',
      singleActive: false,
    };
    const amqpOut = { id: 'out', type: 'amqp-out', broker: 'broker', exchange: 'crm.events', routingKey: '' };
    // version 2 added the record-sync options, off: the same queue, the same exchange; version 3 the
    // payload output, decoded as before; version 4 the poison-message arguments, none: RabbitMQ would
    // refuse to declare the queue it declared before with others
    expect(migrate(amqpIn, inMigrations)).toEqual({
      ...amqpIn,
      topology: '',
      output: 'auto',
      deliveryLimit: '',
      atLeastOnce: false,
      version: 4,
    });
    expect(migrate(amqpOut, outMigrations)).toEqual({
      ...amqpOut,
      destination: 'exchange',
      queue: '',
      version: 2,
    });
  });
});

describe('amqp-in / amqp-out when RabbitMQ is not reachable at deploy time', () => {
  it('start consuming and publishing once the broker becomes reachable, without a redeploy', async () => {
    // a virtual host that does not exist yet refuses the connection, like a broker that is still down
    const vhost = `crm-hub-late-${randomUUID().slice(0, 8)}`;
    const url = `${RABBIT_URL}/${vhost}`;
    await load(nodes, [
      { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
      {
        id: 'out',
        type: 'amqp-out',
        broker: 'broker',
        exchange: 'crm.events',
        routingKey: '',
        wires: [['published']],
      },
      { id: 'published', type: 'amqp-test-sink' },
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
      { id: 'got', type: 'amqp-test-sink' },
    ]);
    const out = helper.getNode('out');
    const refused = new Promise<unknown>((resolve) =>
      out.once('call:error', (call: { args: unknown[] }) => resolve(call.args[0])),
    );
    out.receive({ payload: { eventId: 'early', type: 'visit', channel: 'web' } });
    expect(await refused).toMatchObject({ name: 'BusError', kind: 'not-connected' });
    // not ready while nothing is consumed: a load balancer sends no traffic that would have nowhere to go
    const waiting = await request(captured.red!.httpNode).get('/healthz');
    expect(waiting.status).toBe(503);
    expect(waiting.body.consumers).toEqual([
      expect.objectContaining({ kind: 'amqp-in', name: 'late.q', ok: false, state: 'waiting' }),
    ]);
    expect(waiting.body.consumers[0].detail).toMatch(/^not consuming late\.q yet: .+/);

    execFileSync('rabbitmqctl', ['-q', 'add_vhost', vhost]);
    execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
    try {
      // the bus reconnects with backoff; amqp-in says when it consumes, without a redeploy
      await whenStatus('in', 'amqp-in.status.consuming');
      const ready = await request(captured.red!.httpNode).get('/healthz');
      expect(ready.body.consumers).toEqual([
        expect.objectContaining({ ok: true, state: 'consuming', detail: 'consuming late.q' }),
      ]);
      const got = nextInput<{ payload: { eventId: string } }>('got');
      const published = nextInput<{ amqp: { confirmed: boolean } }>('published');
      out.receive({ payload: { eventId: 'late', type: 'visit', channel: 'web' } });
      expect((await published).amqp.confirmed).toBe(true);
      expect((await got).payload.eventId).toBe('late');
    } finally {
      await helper.unload();
      execFileSync('rabbitmqctl', ['-q', 'delete_vhost', vhost]);
    }
  }, 60000);
});
