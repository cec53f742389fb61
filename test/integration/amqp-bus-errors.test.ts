import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { BusError, type BusErrorKind } from '../../connectors/amqp/bus-error';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { TcpProxy } from './amqp-tcp-proxy';
import { nextState } from './bus-waits';

/**
 * Every way a publish can fail on RabbitMQ, produced for real, comes back as a BusError whose kind
 * says what the caller may do next (amqp-out hands it to a Catch node as is).
 */
const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = `test.kinds.${randomBytes(4).toString('hex')}`;
const EXCHANGE = `${run}.events`;
const queues: string[] = [];
let admin: amqp.ChannelModel;
let bus: RabbitMqBus;

async function failure(promise: Promise<unknown>): Promise<BusError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof BusError)) throw new Error(`expected a BusError, got ${String(err)}`);
  return err;
}

function expectKind(err: BusError, kind: BusErrorKind): void {
  expect({ name: err.name, kind: err.kind, code: err.code }).toEqual({ name: 'BusError', kind, code: kind });
}

/** A queue of the test's own next to the bus, so what reached the broker can be counted. */
async function watchQueue(suffix: string, key: string, args: Record<string, unknown> = {}): Promise<string> {
  const name = `${run}.${suffix}`;
  queues.push(name);
  const ch = await admin.createChannel();
  await ch.assertQueue(name, { durable: false, arguments: args });
  await ch.bindQueue(name, EXCHANGE, key);
  await ch.close();
  return name;
}

async function depth(queue: string): Promise<number> {
  const ch = await admin.createChannel();
  const { messageCount } = await ch.checkQueue(queue);
  await ch.close();
  return messageCount;
}

beforeAll(async () => {
  admin = await amqp.connect(URL);
  bus = new RabbitMqBus({ url: URL, connectionName: run });
  await bus.start();
  await bus.declareExchange(EXCHANGE);
});

afterAll(async () => {
  await bus.close();
  const ch = await admin.createChannel();
  for (const q of queues) await ch.deleteQueue(q);
  await ch.deleteExchange(EXCHANGE);
  await admin.close();
});

describe('RabbitMqBus publish failures by kind', () => {
  it('unroutable: no queue is bound to the routing key (mandatory), with the reply code', async () => {
    const err = await failure(bus.publish(EXCHANGE, 'nobody.listens', Buffer.from('x')));
    expectKind(err, 'unroutable');
    expect(err.replyCode).toBe(312);
    expect(err.message).toContain('NO_ROUTE');
  });

  it('nacked: a full queue with overflow reject-publish refuses the message', async () => {
    const queue = await watchQueue('full', 'full', { 'x-max-length': 1, 'x-overflow': 'reject-publish' });
    await bus.publish(EXCHANGE, 'full', Buffer.from('fits'));
    const err = await failure(bus.publish(EXCHANGE, 'full', Buffer.from('does not fit')));
    expectKind(err, 'nacked');
    expect(await depth(queue)).toBe(1);
  });

  it('refused: the broker closes the channel (missing exchange 404, queue arguments that differ 406)', async () => {
    const missing = await failure(bus.publish(`${run}.missing`, 'k', Buffer.from('x')));
    expectKind(missing, 'refused');
    expect(missing.replyCode).toBe(404);
    // a classic queue of that name exists; the bus asks for a quorum queue
    const classic = await watchQueue('classic', 'classic');
    const mismatch = await failure(bus.consume({ queue: classic, bindings: [] }, () => undefined));
    expectKind(mismatch, 'refused');
    expect(mismatch.replyCode).toBe(406);
    // and the bus goes on publishing
    await bus.publish(EXCHANGE, 'classic', Buffer.from('after the refusals'));
    expect(await depth(classic)).toBe(1);
  });

  it('a publish to a missing exchange is refused; the others it closed the shared channel under are not (outcome-unknown, sent again)', async () => {
    const queue = await watchQueue('bystanders', 'bystander');
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => 'delivered',
        (e: unknown) => (e instanceof BusError ? e : new BusError('refused', String(e))),
      );
    const before = Array.from({ length: 50 }, () =>
      settle(bus.publish(EXCHANGE, 'bystander', Buffer.from('b'))),
    );
    const missing = settle(bus.publish(`${run}.gone`, 'k', Buffer.from('x')));
    const after = Array.from({ length: 50 }, () =>
      settle(bus.publish(EXCHANGE, 'bystander', Buffer.from('a'))),
    );
    const culprit = await missing;
    expect(culprit).toBeInstanceOf(BusError);
    expectKind(culprit as BusError, 'refused');
    expect((culprit as BusError).replyCode).toBe(404);
    const bystanders = await Promise.all([...before, ...after]);
    const failed = bystanders.filter((b): b is BusError => b instanceof BusError);
    // the publishes behind it went out on the channel the broker closed: their outcome is unknown
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((e) => e.kind === 'refused').map((e) => e.message)).toEqual([]);
    for (const e of failed) expect(['outcome-unknown', 'not-connected']).toContain(e.kind);
    // and none of them is lost by being said to be refused: what reached the queue is what succeeded, or more
    expect(await depth(queue)).toBeGreaterThanOrEqual(bystanders.length - failed.length);
  });

  it('closed: nothing is sent once the bus is closed', async () => {
    const closing = new RabbitMqBus({ url: URL, connectionName: `${run}.closed` });
    await closing.start();
    await closing.close();
    expectKind(await failure(closing.publish(EXCHANGE, 'k', Buffer.from('x'))), 'closed');
  });
});

describe('RabbitMqBus when the network fails', () => {
  let proxy: TcpProxy;
  let netBus: RabbitMqBus;

  beforeEach(async () => {
    proxy = await TcpProxy.start();
    netBus = new RabbitMqBus({
      url: proxy.url(),
      connectWaitMs: 300,
      reconnectDelayMs: { initial: 50, max: 200 },
      connectionName: `${run}.net`,
    });
    await netBus.start();
  });

  afterEach(async () => {
    await netBus.close();
    await proxy.close();
  });

  it('outcome-unknown: the connection drops after the broker took the message, before its confirm came back', async () => {
    const queue = await watchQueue('unknown', 'unknown');
    proxy.holdReplies();
    const published = failure(netBus.publish(EXCHANGE, 'unknown', Buffer.from('sent')));
    // the broker has it; only the confirm is missing
    while ((await depth(queue)) === 0);
    proxy.cut();
    const err = await published;
    expectKind(err, 'outcome-unknown');
    expect(err.message).toMatch(/may or may not have been delivered/);
    expect(await depth(queue)).toBe(1);
  });

  it('outcome-unknown: no confirm within publishTimeoutMs while the connection stays up; the bus goes on', async () => {
    const queue = await watchQueue('unconfirmed', 'unconfirmed');
    const slow = new RabbitMqBus({ url: proxy.url(), publishTimeoutMs: 400, connectionName: `${run}.slow` });
    try {
      await slow.start();
      proxy.holdReplies();
      const published = failure(slow.publish(EXCHANGE, 'unconfirmed', Buffer.from('sent')));
      while ((await depth(queue)) === 0);
      const err = await published;
      expectKind(err, 'outcome-unknown');
      expect(err.message).toMatch(
        /no confirm from RabbitMQ .* within 400 ms; it may or may not have been delivered/,
      );
      // only the confirm is missing: the broker has the message, and the connection was not given up
      expect(await depth(queue)).toBe(1);
      expect(slow.state()).toBe('connected');
    } finally {
      // the held replies include the close handshake's: cut the link, then close
      proxy.cut();
      await slow.close();
    }
  });

  it('a broker that takes the connection and then answers nothing: the restore gives up after restoreTimeoutMs, the next attempt connects', async () => {
    const queue = await watchQueue('restored', 'restored');
    // a link of its own: the bus of beforeEach would reconnect into the silence too
    const link = await TcpProxy.start();
    const restoring = new RabbitMqBus({
      url: link.url(),
      restoreTimeoutMs: 500,
      reconnectDelayMs: { initial: 50, max: 200 },
      connectionName: `${run}.restore`,
    });
    try {
      await restoring.start();
      await restoring.declareExchange(EXCHANGE);
      const reasons: string[] = [];
      restoring.on('state', (state: string, detail?: string) => {
        if (state === 'disconnected' && detail) reasons.push(detail);
      });
      const gaveUp = new Promise<void>((resolve) =>
        restoring.on('state', (state: string, detail?: string) => {
          if (state === 'disconnected' && detail?.includes('did not answer')) resolve();
        }),
      );
      link.holdRepliesAfterOpen();
      link.cut();
      await gaveUp;
      expect(reasons).toContainEqual(
        expect.stringMatching(
          /^RabbitMQ amqp:\/\/127\.0\.0\.1:\d+\/ \(user guest\) did not answer within 500 ms while the bus restored its channels and topology$/,
        ),
      );
      expect(restoring.state()).not.toBe('connected');
      link.answerNewConnections();
      await nextState(restoring, 'connected');
      // the connection given up was closed, not left open beside the new one
      expect(link.connections).toBe(1);
      await restoring.publish(EXCHANGE, 'restored', Buffer.from('after the silent broker'));
      expect(await depth(queue)).toBe(1);
    } finally {
      await restoring.close();
      await link.close();
    }
  });

  it('close() with a broker that stopped answering: the close handshake is given up after its bound and the socket dropped', async () => {
    const link = await TcpProxy.start();
    const quiet = new RabbitMqBus({ url: link.url(), connectionName: `${run}.quiet` });
    try {
      await quiet.start();
      expect(link.connections).toBe(1);
      link.holdReplies();
      await quiet.close();
      expect(quiet.state()).toBe('closed');
      // the proxy sees the client's end of the link go
      while (link.connections > 0) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      await link.close();
    }
  });

  it('refuses a restoreTimeoutMs that is not a positive number of milliseconds', () => {
    for (const restoreTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RabbitMqBus({ url: URL, restoreTimeoutMs })).toThrow(
        'restoreTimeoutMs must be a positive number of milliseconds',
      );
    }
  });

  it('refuses a publishTimeoutMs that is not a positive number of milliseconds', () => {
    for (const publishTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RabbitMqBus({ url: URL, publishTimeoutMs })).toThrow(
        'publishTimeoutMs must be a positive number of milliseconds',
      );
    }
  });

  it('not-connected: no connection within connectWaitMs, nothing sent; publishing works again once it is back', async () => {
    const queue = await watchQueue('later', 'later');
    const lost = nextState(netBus, 'disconnected');
    proxy.cut({ refuse: true });
    await lost;
    const err = await failure(netBus.publish(EXCHANGE, 'later', Buffer.from('too early')));
    expectKind(err, 'not-connected');
    expect(err.message).toMatch(
      /not connected to RabbitMQ amqp:\/\/127\.0\.0\.1:\d+\/ \(user guest\) within 300 ms/,
    );
    const back = nextState(netBus, 'connected');
    proxy.acceptAgain();
    await back;
    await netBus.publish(EXCHANGE, 'later', Buffer.from('in time'));
    expect(await depth(queue)).toBe(1);
  });

  it('not-connected: a bus that was never started', async () => {
    const idle = new RabbitMqBus({ url: proxy.url() });
    expectKind(await failure(idle.publish(EXCHANGE, 'k', Buffer.from('x'))), 'not-connected');
    await idle.close();
  });
});
