import { randomBytes } from 'node:crypto';
import net from 'node:net';
import * as amqp from 'amqplib';
import type { Delivery } from '../../connectors/amqp/bus';
import { isBusError } from '../../connectors/amqp/bus-error';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { TcpProxy } from './amqp-tcp-proxy';
import { nextState } from './bus-waits';

/**
 * Broker failover: the bus takes several broker URLs and moves round robin between them, on the first
 * connect and on every reconnect (amqp-connection-manager's behaviour), replaying its setup list on
 * whichever broker it lands on.
 */
const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** nothing listens here */
const DEAD_URL = 'amqp://guest:guest@127.0.0.1:5673';
const run = `test.failover.${randomBytes(4).toString('hex')}`;
const EXCHANGE = `${run}.events`;
const queues: string[] = [];

function nextDelivery(): { handler: (d: Delivery) => void; next(): Promise<Delivery> } {
  const waiting: ((d: Delivery) => void)[] = [];
  const ready: Delivery[] = [];
  return {
    handler: (d) => {
      const take = waiting.shift();
      if (take) take(d);
      else ready.push(d);
    },
    next: () => {
      const d = ready.shift();
      return d ? Promise.resolve(d) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

afterAll(async () => {
  const admin = await amqp.connect(URL);
  const ch = await admin.createChannel();
  for (const q of queues) await ch.deleteQueue(q);
  await ch.deleteExchange(EXCHANGE);
  await admin.close();
});

describe('RabbitMqBus with several brokers', () => {
  it('connects to the second broker when the first is unreachable, and says which one it uses', async () => {
    const bus = new RabbitMqBus({ url: [DEAD_URL, URL], connectionName: `${run}.start` });
    try {
      await bus.start();
      expect(bus.state()).toBe('connected');
      expect(bus.describe()).toBe('RabbitMQ amqp://127.0.0.1:5672/ (user guest), broker 2 of 2');
      await bus.declareExchange(EXCHANGE);
      const queue = `${run}.start`;
      queues.push(queue);
      const c = nextDelivery();
      const sub = await bus.consume(
        { queue, bindings: [{ exchange: EXCHANGE, pattern: 'start' }] },
        c.handler,
      );
      await bus.publish(EXCHANGE, 'start', Buffer.from('via the second broker'));
      const d = await c.next();
      expect(d.body.toString()).toBe('via the second broker');
      d.ack();
      await sub.cancel();
    } finally {
      await bus.close();
    }
  });

  it('moves on from a broker that accepts TCP but never answers the AMQP handshake', async () => {
    // a cluster node that hangs: the socket opens, no protocol header ever comes back
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const bus = new RabbitMqBus({
      url: [`amqp://guest:guest@127.0.0.1:${port}`, URL],
      connectionName: `${run}.silent`,
      connectTimeoutMs: 300,
    });
    try {
      await bus.start();
      expect(bus.state()).toBe('connected');
      expect(bus.describe()).toContain('broker 2 of 2');
      expect(held.length).toBeGreaterThanOrEqual(1);
    } finally {
      await bus.close();
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('moves round robin to the next broker when its connection drops, and consumes there', async () => {
    // two TCP hops to the one RabbitMQ stand for two cluster nodes; cutting one is that node failing
    const first = await TcpProxy.start();
    const second = await TcpProxy.start();
    const bus = new RabbitMqBus({
      url: [first.url(), second.url()],
      reconnectDelayMs: { initial: 50, max: 200 },
      connectionName: `${run}.rr`,
    });
    const queue = `${run}.rr`;
    queues.push(queue);
    try {
      await bus.start();
      expect(bus.describe()).toMatch(/broker 1 of 2$/);
      expect([first.connections, second.connections]).toEqual([1, 0]);
      await bus.declareExchange(EXCHANGE);
      const c = nextDelivery();
      const sub = await bus.consume({ queue, bindings: [{ exchange: EXCHANGE, pattern: 'rr' }] }, c.handler);

      let back = nextState(bus, 'connected');
      first.cut({ refuse: true });
      await back;
      expect(bus.describe()).toMatch(/broker 2 of 2$/);
      expect([first.connections, second.connections]).toEqual([0, 1]);
      await bus.publish(EXCHANGE, 'rr', Buffer.from('on the second'));
      const onSecond = await c.next();
      expect(onSecond.body.toString()).toBe('on the second');
      onSecond.ack();

      first.acceptAgain();
      back = nextState(bus, 'connected');
      second.cut({ refuse: true });
      await back;
      expect(bus.describe()).toMatch(/broker 1 of 2$/);
      await bus.publish(EXCHANGE, 'rr', Buffer.from('back on the first'));
      let onFirst = await c.next();
      // the ack above may have been cut off on its way: at least once, the broker redelivers that one
      while (onFirst.redelivered && onFirst.body.toString() === 'on the second') {
        onFirst.ack();
        onFirst = await c.next();
      }
      expect(onFirst.body.toString()).toBe('back on the first');
      onFirst.ack();
      await sub.cancel();
    } finally {
      await bus.close();
      await first.close();
      await second.close();
    }
  });

  it('names every broker that failed when none answers, without passwords', async () => {
    const bus = new RabbitMqBus({
      url: [DEAD_URL.replace('guest:guest', 'guest:hidden'), 'amqp://guest:hidden@127.0.0.1:1'],
      reconnectDelayMs: { initial: 50, max: 100 },
    });
    try {
      const error = await bus.start().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isBusError(error, 'not-connected')).toBe(true);
      expect(String(error)).toMatch(
        /cannot connect to any of 2 RabbitMQ brokers: amqp:\/\/127\.0\.0\.1:5673\/: .*ECONNREFUSED.*; amqp:\/\/127\.0\.0\.1:1\/: .*ECONNREFUSED/,
      );
      expect(String(error)).not.toContain('hidden');
    } finally {
      await bus.close();
    }
  });
});
