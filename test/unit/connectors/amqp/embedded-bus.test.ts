import {
  DEAD_LETTER_QUEUE,
  ORIGINAL_EXCHANGE_HEADER,
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  REASON_HEADER,
  type Delivery,
} from '../../../../connectors/amqp/bus';
import { BusError } from '../../../../connectors/amqp/bus-error';
import { EmbeddedBus } from '../../../../connectors/amqp/embedded-bus';
import { createBus } from '../../../../connectors/amqp/index';
import { RabbitMqBus } from '../../../../connectors/amqp/rabbitmq-bus';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick();
}

/** Collects deliveries and lets a test wait for the n-th one without timing anything. */
function collector(): {
  items: Delivery[];
  handler: (d: Delivery) => void;
  next(n: number): Promise<Delivery[]>;
} {
  const items: Delivery[] = [];
  let wake: (() => void) | undefined;
  return {
    items,
    handler: (d) => {
      items.push(d);
      wake?.();
    },
    async next(n) {
      while (items.length < n) await new Promise<void>((resolve) => (wake = resolve));
      return items.slice(0, n);
    },
  };
}

describe('EmbeddedBus', () => {
  let bus: EmbeddedBus;
  beforeEach(async () => {
    bus = new EmbeddedBus();
    await bus.start();
    await bus.declareExchange('ex');
  });
  afterEach(async () => bus.close());

  it('says it is the embedded bus and reports its state', async () => {
    expect(bus.kind).toBe('embedded');
    expect(bus.describe()).toBe('embedded in-process bus (not persistent; set AMQP_URL to use RabbitMQ)');
    expect(bus.state()).toBe('connected');
    const states: unknown[] = [];
    bus.on('state', (s) => states.push(s));
    const closed = jest.fn();
    bus.on('closed', closed);
    await bus.close();
    expect(states).toEqual(['closed']);
    expect(closed).toHaveBeenCalledTimes(1);
    await expect(bus.publish('ex', 'a', Buffer.from('x'))).rejects.toThrow('embedded bus is closed');
  });

  it('routes by topic pattern and delivers message properties asynchronously', async () => {
    const c = collector();
    await bus.consume({ queue: 'q.orders', bindings: [{ exchange: 'ex', pattern: 'order.*' }] }, c.handler);
    await bus.publish('ex', 'order.created', Buffer.from('{"id":1}'), {
      headers: { 'x-a': 1 },
      messageId: 'm-1',
      correlationId: 'c-1',
      contentType: 'application/json',
    });
    // delivery never happens inside publish
    expect(c.items).toHaveLength(0);
    const [d] = await c.next(1);
    expect(d.exchange).toBe('ex');
    expect(d.routingKey).toBe('order.created');
    expect(d.body.toString()).toBe('{"id":1}');
    expect(d.headers).toEqual({ 'x-a': 1 });
    expect(d.messageId).toBe('m-1');
    expect(d.correlationId).toBe('c-1');
    expect(d.contentType).toBe('application/json');
    expect(d.redelivered).toBe(false);
    d.ack();
    await expect(bus.publish('ex', 'order.created.late', Buffer.from('x'))).rejects.toThrow(/unroutable/);
  });

  it('rejects an unroutable mandatory publish, accepts it with mandatory:false', async () => {
    await expect(bus.publish('ex', 'nobody.listens', Buffer.from('x'))).rejects.toThrow(
      "message to exchange 'ex' with routing key 'nobody.listens' is unroutable: no queue is bound to match it",
    );
    await expect(
      bus.publish('ex', 'nobody.listens', Buffer.from('x'), { mandatory: false }),
    ).resolves.toBeUndefined();
    await expect(bus.publish('missing', 'a', Buffer.from('x'))).rejects.toThrow(
      "exchange 'missing' is not declared",
    );
  });

  it('shares a queue between consumers round robin and keeps the queue after cancel', async () => {
    const a = collector();
    const b = collector();
    const bindings = [{ exchange: 'ex', pattern: 'job.#' }];
    const subA = await bus.consume({ queue: 'q.jobs', bindings }, a.handler);
    await bus.consume({ queue: 'q.jobs', bindings }, b.handler);
    for (let i = 0; i < 4; i++) await bus.publish('ex', 'job.run', Buffer.from(String(i)));
    await a.next(2);
    await b.next(2);
    expect(a.items.map((d) => d.body.toString())).toEqual(['0', '2']);
    expect(b.items.map((d) => d.body.toString())).toEqual(['1', '3']);
    [...a.items, ...b.items].forEach((d) => d.ack());

    await subA.cancel();
    await bus.publish('ex', 'job.run', Buffer.from('after-cancel'));
    const [, , third] = await b.next(3);
    expect(third.body.toString()).toBe('after-cancel');
  });

  it('keeps messages in a queue whose only consumer cancelled', async () => {
    const a = collector();
    const sub = await bus.consume(
      { queue: 'q.keep', bindings: [{ exchange: 'ex', pattern: 'keep' }] },
      a.handler,
    );
    await sub.cancel();
    await bus.publish('ex', 'keep', Buffer.from('kept'));
    expect(bus.queueDepth('q.keep')).toBe(1);
    const b = collector();
    await bus.consume({ queue: 'q.keep', bindings: [] }, b.handler);
    const [d] = await b.next(1);
    expect(d.body.toString()).toBe('kept');
    expect(a.items).toHaveLength(0);
  });

  it('honours prefetch', async () => {
    const c = collector();
    await bus.consume(
      { queue: 'q.pf', bindings: [{ exchange: 'ex', pattern: 'pf' }], prefetch: 2 },
      c.handler,
    );
    for (let i = 0; i < 5; i++) await bus.publish('ex', 'pf', Buffer.from(String(i)));
    await c.next(2);
    await settle();
    expect(c.items).toHaveLength(2);
    c.items[0].ack();
    await c.next(3);
    await settle();
    expect(c.items).toHaveLength(3);
    expect(bus.queueDepth('q.pf')).toBe(2);
  });

  it('requeue redelivers with redelivered=true; settling twice is a no-op', async () => {
    const c = collector();
    await bus.consume({ queue: 'q.rq', bindings: [{ exchange: 'ex', pattern: 'rq' }] }, c.handler);
    await bus.publish('ex', 'rq', Buffer.from('again'));
    const [first] = await c.next(1);
    first.requeue();
    first.requeue();
    first.ack();
    const [, second] = await c.next(2);
    expect(second.body.toString()).toBe('again');
    expect(second.redelivered).toBe(true);
    second.ack();
    await settle();
    expect(c.items).toHaveLength(2);
  });

  it('dead-letters with the reason and original headers onto crm.dead-letter', async () => {
    const c = collector();
    await bus.consume({ queue: 'q.dl', bindings: [{ exchange: 'ex', pattern: 'dl.*' }] }, c.handler);
    await bus.publish('ex', 'dl.bad', Buffer.from('poison'), { headers: { keep: 'me' }, messageId: 'p-1' });
    const [d] = await c.next(1);
    await d.deadLetter('schema invalid: amount missing');
    d.ack();
    d.requeue();
    await expect(d.deadLetter('again')).resolves.toBeUndefined();

    const dead = collector();
    await bus.consume({ queue: DEAD_LETTER_QUEUE, bindings: [] }, dead.handler);
    const [x] = await dead.next(1);
    expect(x.body.toString()).toBe('poison');
    expect(x.routingKey).toBe('dl.bad');
    expect(x.messageId).toBe('p-1');
    expect(x.headers).toMatchObject({
      keep: 'me',
      [REASON_HEADER]: 'schema invalid: amount missing',
      [ORIGINAL_EXCHANGE_HEADER]: 'ex',
      [ORIGINAL_ROUTING_KEY_HEADER]: 'dl.bad',
      [ORIGINAL_QUEUE_HEADER]: 'q.dl',
    });
    await settle();
    expect(dead.items).toHaveLength(1);
    expect(c.items).toHaveLength(1);
  });

  it('gives unsettled deliveries back when their consumer cancels', async () => {
    const a = collector();
    const sub = await bus.consume(
      { queue: 'q.back', bindings: [{ exchange: 'ex', pattern: 'back' }] },
      a.handler,
    );
    await bus.publish('ex', 'back', Buffer.from('inflight'));
    const [d] = await a.next(1);
    await sub.cancel();
    d.ack(); // too late: it already went back
    const b = collector();
    await bus.consume({ queue: 'q.back', bindings: [] }, b.handler);
    const [again] = await b.next(1);
    expect(again.body.toString()).toBe('inflight');
    expect(again.redelivered).toBe(true);
  });

  it('drains on cancel: no new deliveries, and waits up to drainMs for those in hand to be settled', async () => {
    const a = collector();
    const sub = await bus.consume(
      { queue: 'q.drain', bindings: [{ exchange: 'ex', pattern: 'drain' }], prefetch: 2, drainMs: 60_000 },
      a.handler,
    );
    for (const body of ['one', 'two', 'three']) await bus.publish('ex', 'drain', Buffer.from(body));
    const [one, two] = await a.next(2);
    let cancelled = false;
    const cancelling = sub.cancel().then(() => (cancelled = true));
    expect(sub.cancel()).toBe(sub.cancel());
    one.ack();
    await settle();
    // 'three' is not handed to a consumer that is going away, and 'two' is still in hand
    expect(a.items).toHaveLength(2);
    expect(cancelled).toBe(false);
    await two.deadLetter('not wanted');
    await cancelling;
    // only 'three' waits in the queue: the two in hand were settled, not given back
    expect(bus.queueDepth('q.drain')).toBe(1);
    expect(bus.queueDepth(DEAD_LETTER_QUEUE)).toBe(1);
  });

  it('gives back what is still unsettled when drainMs runs out', async () => {
    const a = collector();
    const sub = await bus.consume(
      { queue: 'q.bound', bindings: [{ exchange: 'ex', pattern: 'bound' }], drainMs: 1 },
      a.handler,
    );
    await bus.publish('ex', 'bound', Buffer.from('stuck'));
    const [stuck] = await a.next(1);
    await sub.cancel();
    stuck.ack(); // too late: it went back
    expect(bus.queueDepth('q.bound')).toBe(1);
  });

  it('fails with a BusError whose kind a flow can route on', async () => {
    const kindOf = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (err: BusError) => `${err.kind}${err.replyCode ? ` ${err.replyCode}` : ''}`,
      );
    expect(await kindOf(bus.publish('ex', 'nobody.listens', Buffer.from('x')))).toBe('unroutable 312');
    expect(await kindOf(bus.publish('missing', 'k', Buffer.from('x')))).toBe('refused 404');
    expect(
      await kindOf(
        bus.consume({ queue: 'q.k', bindings: [{ exchange: 'missing', pattern: '#' }] }, () => undefined),
      ),
    ).toBe('refused 404');
    await bus.consume({ queue: 'q.k', bindings: [], singleActiveConsumer: true }, () => undefined);
    expect(await kindOf(bus.consume({ queue: 'q.k', bindings: [] }, () => undefined))).toBe('refused 406');
    expect(await kindOf(new EmbeddedBus().publish('ex', 'k', Buffer.from('x')))).toBe('not-connected');
    await bus.close();
    const closed = await bus.publish('ex', 'k', Buffer.from('x')).catch((err: unknown) => err);
    expect(closed).toBeInstanceOf(BusError);
    expect(closed).toMatchObject({ kind: 'closed', code: 'closed', name: 'BusError' });
  });

  it('dead-letters a message whose handler throws', async () => {
    const errors: unknown[] = [];
    bus.on('handler-error', (e) => errors.push(e));
    await bus.consume({ queue: 'q.throw', bindings: [{ exchange: 'ex', pattern: 'boom' }] }, () => {
      throw new Error('kaboom');
    });
    await bus.publish('ex', 'boom', Buffer.from('x'));
    const dead = collector();
    await bus.consume({ queue: DEAD_LETTER_QUEUE, bindings: [] }, dead.handler);
    const [x] = await dead.next(1);
    expect(x.headers[REASON_HEADER]).toBe('consumer handler threw: kaboom');
    expect(errors).toHaveLength(1);
  });

  it('only one consumer is active on a single-active-consumer queue', async () => {
    const a = collector();
    const b = collector();
    const opts = {
      queue: 'q.sac',
      bindings: [{ exchange: 'ex', pattern: 'sac' }],
      singleActiveConsumer: true,
    };
    const subA = await bus.consume(opts, a.handler);
    await bus.consume(opts, b.handler);
    for (let i = 0; i < 3; i++) await bus.publish('ex', 'sac', Buffer.from(String(i)));
    (await a.next(3)).forEach((d) => d.ack());
    expect(b.items).toHaveLength(0);
    await subA.cancel();
    await bus.publish('ex', 'sac', Buffer.from('3'));
    const [d] = await b.next(1);
    expect(d.body.toString()).toBe('3');
    await expect(bus.consume({ ...opts, singleActiveConsumer: false }, b.handler)).rejects.toThrow(
      "queue 'q.sac' already exists with singleActiveConsumer=true",
    );
  });

  it('rejects bad arguments with specific errors', async () => {
    const h = (): void => undefined;
    await expect(bus.publish('ex', 'k', 'text' as unknown as Buffer)).rejects.toThrow(
      'publish body must be a Buffer, got string',
    );
    await expect(bus.declareExchange('')).rejects.toThrow('exchange name must not be empty');
    await expect(bus.consume({ queue: '', bindings: [] }, h)).rejects.toThrow(
      'consume queue must not be empty',
    );
    await expect(bus.consume({ queue: 'q', bindings: [], prefetch: 0 }, h)).rejects.toThrow(
      'consume prefetch must be an integer from 1 to 65535, got 0',
    );
    await expect(
      bus.consume({ queue: 'q', bindings: [{ exchange: 'nope', pattern: '#' }] }, h),
    ).rejects.toThrow("cannot bind queue 'q': exchange 'nope' is not declared");
    await expect(
      bus.consume({ queue: 'q', bindings: [{ exchange: 'ex', pattern: 5 }] } as never, h),
    ).rejects.toThrow('consume bindings[0].pattern must be a string, got number');
    const fresh = new EmbeddedBus();
    await expect(fresh.publish('ex', 'k', Buffer.from(''))).rejects.toThrow(
      'not started; call start() first',
    );
  });
});

describe('createBus', () => {
  it('picks RabbitMQ for a URL and the embedded bus otherwise, never leaking the password', () => {
    expect(createBus(undefined).kind).toBe('embedded');
    expect(createBus('  ').kind).toBe('embedded');
    const rabbit = createBus('amqp://guest:s3cret@127.0.0.1:5672');
    expect(rabbit).toBeInstanceOf(RabbitMqBus);
    expect(rabbit.describe()).toBe('RabbitMQ amqp://127.0.0.1:5672/ (user guest)');
    expect(rabbit.describe()).not.toContain('s3cret');
    expect(new RabbitMqBus({ url: 'amqps://app:pw@mq.example/prod' }).describe()).toBe(
      'RabbitMQ amqps://mq.example:5671/prod (user app)',
    );
    expect(() => createBus('http://x:secretpw@host')).toThrow('must start with amqp:// or amqps://');
    expect(() => createBus('amqp://u:secretpw@[bad')).toThrow(/not a valid URL/);
    try {
      createBus('amqp://u:secretpw@[bad');
    } catch (err) {
      expect(String(err)).not.toContain('secretpw');
    }
  });
});
