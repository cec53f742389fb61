import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import {
  DEAD_LETTER_EXCHANGE,
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  REASON_HEADER,
} from '../../connectors/amqp/bus';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { topicMatches } from '../../connectors/amqp/topic-match';
import { TcpProxy } from './amqp-tcp-proxy';
import { collector, nextState } from './bus-waits';

const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = `test.${randomBytes(4).toString('hex')}`;
const EXCHANGE = `${run}.events`;
const queues: string[] = [];
const exchanges: string[] = [EXCHANGE];
const execFileAsync = promisify(execFile);

function queueName(suffix: string): string {
  const name = `${run}.${suffix}`;
  queues.push(name);
  return name;
}

describe('RabbitMqBus against RabbitMQ', () => {
  let bus: RabbitMqBus;
  let admin: amqp.ChannelModel;

  beforeAll(async () => {
    admin = await amqp.connect(URL);
    bus = new RabbitMqBus({ url: URL, reconnectDelayMs: { initial: 100, max: 1000 }, connectionName: run });
    await bus.start();
    await bus.declareExchange(EXCHANGE);
  });

  afterAll(async () => {
    await bus?.close();
    if (!admin) return;
    const ch = await admin.createChannel();
    for (const q of queues) await ch.deleteQueue(q);
    for (const e of exchanges) await ch.deleteExchange(e);
    await admin.close();
  });

  it('connects and describes itself without the password', () => {
    expect(bus.state()).toBe('connected');
    expect(bus.describe()).toBe('RabbitMQ amqp://127.0.0.1:5672/ (user guest)');
  });

  it('publishes with confirm and consumes with manual ack', async () => {
    const queue = queueName('roundtrip');
    const c = collector();
    const sub = await bus.consume(
      { queue, bindings: [{ exchange: EXCHANGE, pattern: 'order.*' }] },
      c.handler,
    );
    await bus.publish(EXCHANGE, 'order.created', Buffer.from('{"id":7}'), {
      headers: { 'x-tenant': 'acme' },
      messageId: 'rt-1',
      correlationId: 'corr-1',
      contentType: 'application/json',
    });
    const [d] = await c.next(1);
    expect(d.body.toString()).toBe('{"id":7}');
    expect(d.exchange).toBe(EXCHANGE);
    expect(d.routingKey).toBe('order.created');
    expect(d.headers['x-tenant']).toBe('acme');
    expect(d.messageId).toBe('rt-1');
    expect(d.correlationId).toBe('corr-1');
    expect(d.contentType).toBe('application/json');
    expect(d.redelivered).toBe(false);
    d.ack();
    d.ack();
    await sub.cancel();

    // acked means gone: the queue is empty and durable quorum
    const ch = await admin.createChannel();
    const info = await ch.checkQueue(queue);
    expect(info.messageCount).toBe(0);
    await ch.close();
  });

  it('rejects an unroutable mandatory publish and a publish to a missing exchange', async () => {
    await expect(bus.publish(EXCHANGE, 'nobody.is.bound', Buffer.from('x'))).rejects.toThrow(
      `message to exchange '${EXCHANGE}' with routing key 'nobody.is.bound' is unroutable: the broker returned it (312 NO_ROUTE)`,
    );
    await expect(
      bus.publish(EXCHANGE, 'nobody.is.bound', Buffer.from('x'), { mandatory: false }),
    ).resolves.toBeUndefined();
    await expect(bus.publish(`${run}.missing`, 'k', Buffer.from('x'))).rejects.toThrow(
      /NOT_FOUND - no exchange/,
    );
    // the publishing channel comes back after the broker closed it
    const queue = queueName('after-404');
    const c = collector();
    const sub = await bus.consume(
      { queue, bindings: [{ exchange: EXCHANGE, pattern: 'after.404' }] },
      c.handler,
    );
    await bus.publish(EXCHANGE, 'after.404', Buffer.from('ok'));
    const [d] = await c.next(1);
    expect(d.body.toString()).toBe('ok');
    d.ack();
    await sub.cancel();
  });

  it('requeue redelivers with redelivered=true', async () => {
    const queue = queueName('requeue');
    const c = collector();
    const sub = await bus.consume({ queue, bindings: [{ exchange: EXCHANGE, pattern: 'rq' }] }, c.handler);
    await bus.publish(EXCHANGE, 'rq', Buffer.from('again'));
    const [first] = await c.next(1);
    expect(first.redelivered).toBe(false);
    first.requeue();
    first.ack();
    const [, second] = await c.next(2);
    expect(second.body.toString()).toBe('again');
    expect(second.redelivered).toBe(true);
    second.ack();
    await sub.cancel();
  });

  it('deadLetter puts the message with the reason on the dead-letter exchange, then acks', async () => {
    const key = `${run}.dl.bad`;
    const queue = queueName('dl-source');
    const deadQueue = queueName('dl-watch');
    const dead = collector();
    const deadSub = await bus.consume(
      { queue: deadQueue, bindings: [{ exchange: DEAD_LETTER_EXCHANGE, pattern: key }] },
      dead.handler,
    );
    const c = collector();
    const sub = await bus.consume({ queue, bindings: [{ exchange: EXCHANGE, pattern: key }] }, c.handler);
    await bus.publish(EXCHANGE, key, Buffer.from('poison'), { headers: { keep: 'me' }, messageId: 'dl-1' });
    const [d] = await c.next(1);
    await d.deadLetter('amount is not a number');
    d.requeue();

    const [x] = await dead.next(1);
    expect(x.body.toString()).toBe('poison');
    expect(x.routingKey).toBe(key);
    expect(x.messageId).toBe('dl-1');
    expect(x.headers).toMatchObject({
      keep: 'me',
      [REASON_HEADER]: 'amount is not a number',
      [ORIGINAL_ROUTING_KEY_HEADER]: key,
      [ORIGINAL_QUEUE_HEADER]: queue,
    });
    x.ack();
    await sub.cancel();
    await deadSub.cancel();

    const ch = await admin.createChannel();
    expect((await ch.checkQueue(queue)).messageCount).toBe(0);
    // the hub-wide dead-letter queue exists as declared by consume
    await expect(ch.checkQueue('crm.dead-letter')).resolves.toMatchObject({ queue: 'crm.dead-letter' });
    await ch.close();
    // crm.dead-letter is shared with other runs; drain our copy so it does not pile up
    await drainDeadLetterCopies(key);
  });

  it('says the broker blocked it (a memory or disk alarm) until the broker unblocks it', async () => {
    const proxy = await TcpProxy.start();
    const netBus = new RabbitMqBus({ url: proxy.url(), connectionName: `${run}.blocked` });
    try {
      await netBus.start();
      expect(netBus.blockedBy()).toBeUndefined();
      const blocked = new Promise((resolve) => netBus.once('blocked', resolve));
      proxy.block('low on memory');
      await blocked;
      expect(netBus.blockedBy()).toBe('low on memory');
      expect(netBus.state()).toBe('connected');
      const unblocked = new Promise((resolve) => netBus.once('unblocked', resolve));
      proxy.unblock();
      await unblocked;
      expect(netBus.blockedBy()).toBeUndefined();
    } finally {
      await netBus.close();
      await proxy.close();
    }
  });

  it('refuses a publish at once while the broker blocks it, and takes publishes again once it unblocks', async () => {
    // Before, a publish under the alarm waited publishTimeoutMs (30 s) for a confirm, and a SOAP or
    // REST caller with it: the test's 30 s ran out with 10 of 10 still waiting.
    const proxy = await TcpProxy.start();
    const netBus = new RabbitMqBus({ url: proxy.url(), connectionName: `${run}.blocked-publish` });
    const queue = queueName('blocked');
    try {
      await netBus.start();
      const c = collector((d) => d.ack());
      await netBus.consume({ queue, bindings: [{ exchange: EXCHANGE, pattern: 'blocked.*' }] }, c.handler);
      await netBus.publish(EXCHANGE, 'blocked.before', Buffer.from('before'), { messageId: 'b-0' });
      const blocked = new Promise((resolve) => netBus.once('blocked', resolve));
      proxy.block('low on disk');
      await blocked;

      const startedAt = Date.now();
      const refused = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          netBus.publish(EXCHANGE, 'blocked.during', Buffer.from(`during ${i}`), { messageId: `b-${i + 1}` }),
        ),
      );
      expect(Date.now() - startedAt).toBeLessThan(1000);
      for (const outcome of refused) {
        expect(outcome).toMatchObject({ status: 'rejected', reason: { kind: 'blocked', code: 'blocked' } });
      }
      expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(
        /blocks publishing \(low on disk\): nothing was sent/,
      );

      const unblocked = new Promise((resolve) => netBus.once('unblocked', resolve));
      proxy.unblock();
      await unblocked;
      await netBus.publish(EXCHANGE, 'blocked.after', Buffer.from('after'), { messageId: 'b-after' });
      const got = await c.next(2);
      // nothing refused reached the queue: only the publish before the block and the one after it
      expect(got.map((d) => d.messageId)).toEqual(['b-0', 'b-after']);
    } finally {
      await netBus.close();
      await proxy.close();
    }
  });

  it('fails a publish on its way when the broker blocks the connection at once, as outcome-unknown', async () => {
    // RabbitMQ blocks a connection when it publishes under the alarm and reads nothing more from it:
    // the publish that ran into the alarm waited the full publishTimeoutMs (30 s) for its confirm.
    const proxy = await TcpProxy.start();
    const netBus = new RabbitMqBus({ url: proxy.url(), connectionName: `${run}.blocked-in-flight` });
    try {
      await netBus.start();
      // the broker takes it, but its confirm does not come back before the block
      proxy.holdReplies();
      const onItsWay = netBus.publish(EXCHANGE, 'blocked.none', Buffer.from('x'), { mandatory: false });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const startedAt = Date.now();
      proxy.block('low on memory');
      await expect(onItsWay).rejects.toMatchObject({
        kind: 'outcome-unknown',
        message: expect.stringMatching(/blocked the connection \(low on memory\) before it confirmed/),
      });
      expect(Date.now() - startedAt).toBeLessThan(1000);
    } finally {
      await netBus.close();
      await proxy.close();
    }
  });

  it('keeps consuming after the network drops the connection, and publishes wait for the reconnect', async () => {
    // the bus reaches RabbitMQ through a TCP hop this test cuts, as a failed network would
    const proxy = await TcpProxy.start();
    const netBus = new RabbitMqBus({
      url: proxy.url(),
      reconnectDelayMs: { initial: 100, max: 1000 },
      connectionName: `${run}.net`,
    });
    try {
      await netBus.start();
      await netBus.declareExchange(EXCHANGE);
      const queue = queueName('reconnect');
      const c = collector();
      const sub = await netBus.consume(
        { queue, bindings: [{ exchange: EXCHANGE, pattern: 'rc' }] },
        c.handler,
      );
      const states: string[] = [];
      const record = (s: string): number => states.push(s);
      netBus.on('state', record);
      const lost = nextState(netBus, 'disconnected');
      const back = nextState(netBus, 'connected');
      proxy.cut();
      await lost;
      // published while disconnected: waits for the reconnect instead of failing
      const published = netBus.publish(EXCHANGE, 'rc', Buffer.from('after reconnect'));
      await back;
      await published;
      netBus.off('state', record);
      expect(states).toEqual(['disconnected', 'connecting', 'connected']);
      const [d] = await c.next(1);
      expect(d.body.toString()).toBe('after reconnect');
      d.ack();
      await sub.cancel();
    } finally {
      await netBus.close();
      await proxy.close();
    }
  });

  it('replays the one setup list after a reconnect: exchange, queue, binding, prefetch and consumer', async () => {
    const proxy = await TcpProxy.start();
    const netBus = new RabbitMqBus({
      url: proxy.url(),
      reconnectDelayMs: { initial: 100, max: 1000 },
      connectionName: `${run}.replay`,
    });
    const exchange = `${run}.replay`;
    exchanges.push(exchange);
    const queue = queueName('replay');
    try {
      await netBus.start();
      await netBus.declareExchange(exchange);
      const c = collector();
      const sub = await netBus.consume(
        { queue, bindings: [{ exchange, pattern: 'replay.#' }], prefetch: 3 },
        c.handler,
      );
      // while the hub is cut off, the broker loses everything it declared
      const lost = nextState(netBus, 'disconnected');
      proxy.cut({ refuse: true });
      await lost;
      const ch = await admin.createChannel();
      await ch.deleteQueue(queue);
      await ch.deleteExchange(exchange);
      await ch.close();
      const back = nextState(netBus, 'connected');
      proxy.acceptAgain();
      await back;

      await netBus.publish(exchange, 'replay.one', Buffer.from('routed again'));
      const [d] = await c.next(1);
      expect(d.body.toString()).toBe('routed again');
      d.ack();
      const { stdout } = await execFileAsync('rabbitmqctl', [
        '-q',
        'list_consumers',
        'queue_name',
        'prefetch_count',
        '--formatter',
        'json',
      ]);
      const consumers = JSON.parse(stdout) as { queue_name: string; prefetch_count: number }[];
      expect(consumers.filter((x) => x.queue_name === queue)).toEqual([
        { queue_name: queue, prefetch_count: 3 },
      ]);
      await sub.cancel();
    } finally {
      await netBus.close();
      await proxy.close();
    }
  });

  it('brings back a consumer whose queue refused it while the connection was being restored', async () => {
    // A consumer's step fails during the restore and is retried on its own; until the steps after it
    // are done the bus is not connected yet. A retry due then must wait, not give up: before, it did,
    // and the queue stayed without its consumer for good (a stalled stream after a broker restart).
    const proxy = await TcpProxy.start();
    const netBus = new RabbitMqBus({
      url: proxy.url(),
      reconnectDelayMs: { initial: 100, max: 1000 },
      connectionName: `${run}.refused-on-restore`,
    });
    const queue = queueName('refused-on-restore');
    try {
      await netBus.start();
      const c = collector();
      const sub = await netBus.consume({ queue, bindings: [] }, c.handler);
      // steps after the consumer's, which a slow link makes take seconds to replay
      for (let i = 0; i < 4; i++) await netBus.declareQueue({ queue: queueName(`after-${i}`), bindings: [] });
      const lost = nextState(netBus, 'disconnected');
      proxy.cut({ refuse: true });
      await lost;
      // meanwhile someone declared the queue as a classic queue: the consumer's declaration is refused
      const ch = await admin.createChannel();
      ch.on('error', () => undefined);
      await ch.deleteQueue(queue);
      await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
      const refused = new Promise<void>((resolve) =>
        netBus.on('consumer-error', (_err: unknown, q: string) => {
          if (q === queue) resolve();
        }),
      );
      const back = nextState(netBus, 'connected');
      proxy.delayReplies(100);
      proxy.acceptAgain();
      await refused;
      // set right: from now on the consumer's declaration succeeds
      await ch.deleteQueue(queue);
      await back;
      proxy.delayReplies(0);
      await ch.close();
      // a missing queue closes the channel that asked: one channel per look
      const consumersOf = async (): Promise<number> => {
        const look = await admin.createChannel();
        look.on('error', () => undefined);
        const count = await look
          .checkQueue(queue)
          .then((q) => q.consumerCount)
          .catch(() => 0);
        await look.close().catch(() => undefined);
        return count;
      };
      let consumers = 0;
      for (let i = 0; i < 150 && consumers === 0; i++) {
        consumers = await consumersOf();
        if (consumers === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(consumers).toBe(1);
      await netBus.publish('', queue, Buffer.from('consumed again'));
      const [d] = await c.next(1);
      expect(d.body.toString()).toBe('consumed again');
      d.ack();
      await sub.cancel();
    } finally {
      await netBus.close();
      await proxy.close();
    }
  }, 60_000);

  it('keeps consuming after the broker closes the connection (rabbitmqctl close_connection)', async () => {
    const queue = queueName('forced');
    const c = collector();
    const sub = await bus.consume(
      { queue, bindings: [{ exchange: EXCHANGE, pattern: 'forced' }] },
      c.handler,
    );
    const reasons: unknown[] = [];
    const record = (s: string, detail: unknown): void => {
      if (s === 'disconnected') reasons.push(detail);
    };
    bus.on('state', record);
    const back = nextState(bus, 'connected');
    // Table output, because close_connection wants the <rabbit@host...> pid form the JSON formatter lacks.
    const { stdout } = await execFileAsync('rabbitmqctl', [
      '-q',
      'list_connections',
      'pid',
      'client_properties',
    ]);
    const ours = stdout.split('\n').filter((line) => line.includes(`"${run}"`));
    expect(ours).toHaveLength(1);
    const pid = ours[0].split('\t')[0];
    await execFileAsync('rabbitmqctl', ['close_connection', pid, 'test forced close']);
    await back;
    bus.off('state', record);
    expect(String(reasons[0])).toMatch(/CONNECTION_FORCED/);
    await bus.publish(EXCHANGE, 'forced', Buffer.from('still here'));
    const [d] = await c.next(1);
    expect(d.body.toString()).toBe('still here');
    d.ack();
    await sub.cancel();
  });

  it('receives a message published by the independent amqp-publish client', async () => {
    const queue = queueName('interop');
    const c = collector();
    const sub = await bus.consume(
      { queue, bindings: [{ exchange: EXCHANGE, pattern: 'interop.#' }] },
      c.handler,
    );
    await execFileAsync('/usr/bin/amqp-publish', [
      `--url=${URL}`,
      '-e',
      EXCHANGE,
      '-r',
      'interop.from.cli',
      '-b',
      'hello from amqp-tools',
    ]);
    const [d] = await c.next(1);
    expect(d.body.toString()).toBe('hello from amqp-tools');
    expect(d.routingKey).toBe('interop.from.cli');
    d.ack();
    await sub.cancel();
  });

  it('topic matching agrees with the broker', async () => {
    const patterns = ['a.*.c', 'a.#', '#.c', '*', '#', 'a.#.c', '*.#.*', 'a.*', '#.*'];
    const keys = ['a.b.c', 'a', 'c', 'a.c', 'a.x.y.c', 'b', 'a..c', 'x.y', ''];
    const exchange = `${run}.parity`;
    exchanges.push(exchange);
    const ch = await admin.createConfirmChannel();
    await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    const names: string[] = [];
    for (const pattern of patterns) {
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, exchange, pattern);
      names.push(queue);
    }
    for (const key of keys) ch.publish(exchange, key, Buffer.from(key));
    await ch.waitForConfirms();
    for (const [i, pattern] of patterns.entries()) {
      const got: string[] = [];
      for (let m = await ch.get(names[i], { noAck: true }); m; m = await ch.get(names[i], { noAck: true })) {
        got.push(m.content.toString());
      }
      expect({ pattern, keys: got }).toEqual({ pattern, keys: keys.filter((k) => topicMatches(pattern, k)) });
    }
    await ch.close();
  });

  async function drainDeadLetterCopies(key: string): Promise<void> {
    const ch = await admin.createChannel();
    // Only our messages are taken; other runs' copies are requeued untouched.
    const others: amqp.GetMessage[] = [];
    for (let m = await ch.get('crm.dead-letter'); m; m = await ch.get('crm.dead-letter')) {
      if (m.fields.routingKey === key) ch.ack(m);
      else others.push(m);
    }
    for (const m of others) ch.nack(m, false, true);
    await ch.close();
  }
});

describe('RabbitMqBus without a broker', () => {
  it('start() rejects with the reason and the bus keeps retrying until closed', async () => {
    const bus = new RabbitMqBus({
      url: 'amqp://guest:hidden@127.0.0.1:1',
      reconnectDelayMs: { initial: 50, max: 100 },
      connectWaitMs: 200,
    });
    const states: string[] = [];
    bus.on('state', (s: string) => states.push(s));
    const error = await bus.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(String(error)).toMatch(
      /cannot connect to RabbitMQ amqp:\/\/127\.0\.0\.1:1\/ \(user guest\): .*ECONNREFUSED/,
    );
    expect(String(error)).not.toContain('hidden');
    await nextState(bus, 'connecting');
    await expect(bus.publish('x', 'y', Buffer.from(''))).rejects.toThrow(
      /not connected to RabbitMQ amqp:\/\/127\.0\.0\.1:1\/ \(user guest\) within 200 ms \(last error: .*ECONNREFUSED/,
    );
    await bus.close();
    expect(bus.state()).toBe('closed');
    expect(states.slice(0, 2)).toEqual(['connecting', 'disconnected']);
  });

  it("a virtual host that does not exist: start(), the state and every wait say so, not amqplib's handshake words", async () => {
    const vhost = `${run}.no-such-vhost`;
    const bus = new RabbitMqBus({
      url: `${URL}/${encodeURIComponent(vhost)}`,
      reconnectDelayMs: { initial: 50, max: 100 },
      connectWaitMs: 200,
    });
    const details: string[] = [];
    bus.on('state', (_state: string, detail?: string) => detail && details.push(detail));
    try {
      const error = await bus.start().then(
        () => undefined,
        (err: unknown) => err,
      );
      const says = `the broker refused to open virtual host '${vhost}': it does not exist, or user guest may not use it (RabbitMQ 530 NOT_ALLOWED`;
      expect(error).toMatchObject({ name: 'BusError', kind: 'not-connected' });
      expect(String(error)).toContain(says);
      expect(String(error)).not.toContain('ConnectionOpenOk');
      await expect(bus.publish('x', 'y', Buffer.from(''))).rejects.toThrow(says);
      expect(details[0]).toContain(says);
    } finally {
      await bus.close();
    }
  });
});
