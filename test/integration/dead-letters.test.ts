import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import {
  DEAD_LETTER_QUEUE,
  DEFAULT_EXCHANGE,
  ORIGINAL_EXCHANGE_HEADER,
  REASON_HEADER,
  type Delivery,
} from '../../connectors/amqp/bus';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { DeadLetterError, DeadLetterQueue } from '../../connectors/amqp/dead-letters';
import { createVhost, deleteVhost } from '../e2e/hub-process';

/**
 * The dead-letter queue on the real RabbitMQ, in a virtual host of its own: the hub's topology is
 * declared by the hub's own bus (crm.dlx, the quorum queue crm.dead-letter, a quorum source queue that
 * dead-letters to crm.dlx), poison messages die both ways the hub knows (its consumer gives up with a
 * reason, or the broker dead-letters a rejected message with x-death), and the commands work on them.
 */
const vhost = `crm-hub-dl-${randomUUID().slice(0, 8)}`;
const SOURCE = 'dl-test.orders';
const execFileAsync = promisify(execFile);
let url: string;
let bus: RabbitMqBus;
let conn: amqp.ChannelModel;
let ch: amqp.ConfirmChannel;
const dlqs: DeadLetterQueue[] = [];

function deadLetters(): DeadLetterQueue {
  const dlq = new DeadLetterQueue({ url });
  dlqs.push(dlq);
  return dlq;
}

/** Waits (in broker round trips, no clock) until the queue holds n ready messages. */
async function untilQueueHolds(queue: string, n: number): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    if ((await ch.checkQueue(queue)).messageCount >= n) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`queue ${queue} never reached ${n} messages`);
}

/** Publishes to the source queue's exchange and rejects the message there: the broker dead-letters it. */
async function rejectedByBroker(
  routingKey: string,
  body: Buffer,
  properties: amqp.Options.Publish,
): Promise<void> {
  const before = (await ch.checkQueue(DEAD_LETTER_QUEUE)).messageCount;
  ch.publish(DEFAULT_EXCHANGE, routingKey, body, { persistent: true, ...properties });
  await ch.waitForConfirms();
  const got = await ch.get(SOURCE, { noAck: false });
  if (!got) throw new Error('the published message did not reach the source queue');
  ch.nack(got, false, false);
  await untilQueueHolds(DEAD_LETTER_QUEUE, before + 1);
}

beforeAll(async () => {
  url = createVhost(vhost);
  bus = new RabbitMqBus({ url });
  await bus.start();
  await bus.declareExchange(DEFAULT_EXCHANGE);
  // The hub's consumer: it gives up on poison with a reason (amqp-in does the same on a flow error).
  const handled: Delivery[] = [];
  let wake: (() => void) | undefined;
  const sub = await bus.consume(
    { queue: SOURCE, bindings: [{ exchange: DEFAULT_EXCHANGE, pattern: 'event.#' }] },
    (delivery) => {
      void delivery
        .deadLetter(`to-canonical: field 'postalCode' is missing (${delivery.messageId})`)
        .then(() => {
          handled.push(delivery);
          wake?.();
        });
    },
  );
  for (const id of ['order-1', 'order-2', 'order-3']) {
    await bus.publish(DEFAULT_EXCHANGE, 'event.order-placed.web', Buffer.from(JSON.stringify({ id })), {
      messageId: id,
      contentType: 'application/json',
      headers: { 'x-tenant': 'de' },
    });
  }
  while (handled.length < 3) await new Promise<void>((resolve) => (wake = resolve));
  await sub.cancel();

  conn = await amqp.connect(url);
  ch = await conn.createConfirmChannel();
  // One the broker dead-letters itself (x-death, reason rejected), with a binary body.
  await rejectedByBroker('event.payment.app', Buffer.from([0xff, 0x00, 0xfe, 0x01]), {
    messageId: 'payment-9',
    contentType: 'application/octet-stream',
    headers: { 'x-tenant': 'at' },
  });
}, 60_000);

afterAll(async () => {
  for (const dlq of dlqs) await dlq.close();
  await conn?.close().catch(() => undefined);
  await bus?.close();
  deleteVhost(vhost);
});

describe('dead letters on RabbitMQ', () => {
  it('lists every dead letter with where it came from and why, page by page, in a stable order', async () => {
    const page = await deadLetters().list();
    expect(page.total).toBe(4);
    expect(page.items.map((d) => [d.position, d.id])).toEqual([
      [1, 'order-1'],
      [2, 'order-2'],
      [3, 'order-3'],
      [4, 'payment-9'],
    ]);
    expect(page.items[0]).toMatchObject({
      messageId: 'order-1',
      exchange: DEFAULT_EXCHANGE,
      routingKey: 'event.order-placed.web',
      queue: SOURCE,
      reason: "to-canonical: field 'postalCode' is missing (order-1)",
      hubReason: "to-canonical: field 'postalCode' is missing (order-1)",
      deathReason: null,
      count: 1,
      size: Buffer.byteLength('{"id":"order-1"}'),
      contentType: 'application/json',
    });
    expect(page.items[3]).toMatchObject({
      exchange: DEFAULT_EXCHANGE,
      routingKey: 'event.payment.app',
      queue: SOURCE,
      reason: 'rejected',
      hubReason: null,
      deathReason: 'rejected',
      count: 1,
      size: 4,
      contentType: 'application/octet-stream',
    });
    expect(Date.parse(page.items[3].time as string)).not.toBeNaN();

    const second = await deadLetters().list({ limit: 2, offset: 2 });
    expect(second).toMatchObject({ total: 4, offset: 2, limit: 2 });
    expect(second.items.map((d) => [d.position, d.id])).toEqual([
      [3, 'order-3'],
      [4, 'payment-9'],
    ]);
  });

  it('reads the queue more often than a quorum queue delivery limit allows without losing or reordering', async () => {
    const dlq = deadLetters();
    for (let i = 0; i < 25; i++) await dlq.list();
    const page = await dlq.list();
    expect(page.items.map((d) => d.id)).toEqual(['order-1', 'order-2', 'order-3', 'payment-9']);
    const detail = await dlq.show('order-2');
    expect(detail.headers['x-delivery-count']).toBeUndefined();
  });

  it('shows headers, reason and body: text as text, anything else as base64', async () => {
    const dlq = deadLetters();
    const order = await dlq.show('order-2');
    expect(order).toMatchObject({
      id: 'order-2',
      reason: "to-canonical: field 'postalCode' is missing (order-2)",
      body: '{"id":"order-2"}',
      bodyEncoding: 'utf8',
      properties: { messageId: 'order-2', contentType: 'application/json', deliveryMode: 2 },
    });
    expect(order.headers).toMatchObject({
      'x-tenant': 'de',
      [REASON_HEADER]: "to-canonical: field 'postalCode' is missing (order-2)",
      [ORIGINAL_EXCHANGE_HEADER]: DEFAULT_EXCHANGE,
    });
    const payment = await dlq.show('payment-9');
    expect(payment).toMatchObject({ body: '/wD+AQ==', bodyEncoding: 'base64', deathReason: 'rejected' });
    expect(payment.headers['x-death']).toEqual([
      expect.objectContaining({
        reason: 'rejected',
        queue: SOURCE,
        count: 1,
        'routing-keys': ['event.payment.app'],
      }),
    ]);
    await expect(dlq.show('no-such-id')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('keeps a dead letter whose replay the broker refuses, with a clear error', async () => {
    const dlq = deadLetters();
    const missing = await dlq.replay(
      { id: 'order-3' },
      { to: { exchange: 'no.such.exchange', routingKey: 'x' } },
    );
    expect(missing.replayed).toEqual([]);
    expect(missing.failed).toEqual([
      {
        id: 'order-3',
        position: 3,
        code: 'refused',
        error: expect.stringContaining("no exchange 'no.such.exchange'"),
      },
    ]);
    // An exchange that exists but where nothing is bound: the broker returns it (mandatory).
    const unroutable = await dlq.replay(
      { id: 'order-3' },
      { to: { exchange: DEFAULT_EXCHANGE, routingKey: 'nobody.listens' } },
    );
    expect(unroutable.failed).toEqual([expect.objectContaining({ id: 'order-3', code: 'unroutable' })]);
    const page = await dlq.list();
    expect(page.items.map((d) => d.id)).toEqual(['order-1', 'order-2', 'order-3', 'payment-9']);
    expect((await dlq.show('order-3')).hubReason).toContain('postalCode');
  });

  it('replays a fixed message to where it came from, with its message id and headers, and only then removes it', async () => {
    const dlq = deadLetters();
    const result = await dlq.replay({ id: 'order-2' });
    expect(result).toEqual({
      replayed: [
        { id: 'order-2', position: 2, exchange: DEFAULT_EXCHANGE, routingKey: 'event.order-placed.web' },
      ],
      failed: [],
    });
    const back = await ch.get(SOURCE, { noAck: false });
    if (!back) throw new Error('the replayed message is not in its queue');
    ch.ack(back);
    expect(back.content.toString()).toBe('{"id":"order-2"}');
    expect(back.fields).toMatchObject({ exchange: DEFAULT_EXCHANGE, routingKey: 'event.order-placed.web' });
    expect(back.properties).toMatchObject({
      messageId: 'order-2',
      contentType: 'application/json',
      deliveryMode: 2,
    });
    const headers = back.properties.headers as Record<string, unknown>;
    expect(headers['x-tenant']).toBe('de');
    for (const gone of ['x-death', REASON_HEADER, ORIGINAL_EXCHANGE_HEADER])
      expect(headers[gone]).toBeUndefined();
    expect((await dlq.list()).items.map((d) => d.id)).toEqual(['order-1', 'order-3', 'payment-9']);
    await expect(dlq.replay({ id: 'order-2' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('replays a message the broker dead-lettered to the exchange and routing key in x-death', async () => {
    const dlq = deadLetters();
    const result = await dlq.replay({ id: 'payment-9' });
    expect(result).toEqual({
      replayed: [
        { id: 'payment-9', position: 3, exchange: DEFAULT_EXCHANGE, routingKey: 'event.payment.app' },
      ],
      failed: [],
    });
    const back = await ch.get(SOURCE, { noAck: false });
    if (!back) throw new Error('the replayed message is not in its queue');
    ch.ack(back);
    expect(back.content).toEqual(Buffer.from([0xff, 0x00, 0xfe, 0x01]));
    expect(back.properties.messageId).toBe('payment-9');
    expect((back.properties.headers as Record<string, unknown>)['x-death']).toBeUndefined();
  });

  it('purges one dead letter by id, and all of them', async () => {
    const dlq = deadLetters();
    expect(await dlq.purge('order-1')).toBe(1);
    await expect(dlq.purge('order-1')).rejects.toBeInstanceOf(DeadLetterError);
    expect((await dlq.list()).items.map((d) => d.id)).toEqual(['order-3']);
    expect(await dlq.purgeAll()).toBe(1);
    expect(await dlq.list()).toMatchObject({ total: 0, items: [] });
  });

  it('works with a message from Debian amqp-tools: no message id, replayed and read back by amqp-get', async () => {
    // amqp-publish sets no message id; the dead letter gets a stable sha256: id instead.
    await execFileAsync('/usr/bin/amqp-publish', [
      `--url=${url}`,
      '-e',
      DEFAULT_EXCHANGE,
      '-r',
      'event.legacy.cli',
      '-p',
      '-C',
      'text/plain',
      '-b',
      'Grüße from amqp-publish',
    ]);
    const got = await ch.get(SOURCE, { noAck: false });
    if (!got) throw new Error('amqp-publish did not reach the source queue');
    ch.nack(got, false, false);
    await untilQueueHolds(DEAD_LETTER_QUEUE, 1);

    const dlq = deadLetters();
    const [item] = (await dlq.list()).items;
    expect(item).toMatchObject({
      messageId: null,
      exchange: DEFAULT_EXCHANGE,
      routingKey: 'event.legacy.cli',
      deathReason: 'rejected',
      contentType: 'text/plain',
    });
    expect(item.id).toMatch(/^sha256:[0-9a-f]{24}$/);
    expect((await dlq.list()).items[0].id).toBe(item.id);
    expect((await dlq.show(item.id)).body).toBe('Grüße from amqp-publish');

    expect((await dlq.replay({ id: item.id })).replayed).toHaveLength(1);
    const { stdout } = await execFileAsync('/usr/bin/amqp-get', [`--url=${url}`, '-q', SOURCE]);
    expect(stdout).toBe('Grüße from amqp-publish');
    expect((await dlq.list()).total).toBe(0);
  });

  it('says that a queue does not exist, naming it and the virtual host, and needs RabbitMQ', async () => {
    const other = new DeadLetterQueue({ url, queue: 'dl-test.never-declared' });
    dlqs.push(other);
    const vhostOfUrl = decodeURIComponent(new URL(url).pathname.slice(1));
    for (const attempt of [() => other.list(), () => other.purgeAll()])
      await expect(attempt()).rejects.toMatchObject({
        code: 'not-found',
        field: 'queue',
        message: expect.stringContaining(
          `queue 'dl-test.never-declared' does not exist in virtual host '${vhostOfUrl}'`,
        ),
      });
    expect(() => new DeadLetterQueue({ url: undefined })).toThrow(/dead letters need RabbitMQ: set AMQP_URL/);
    const unreachable = new DeadLetterQueue({ url: 'amqp://guest:secret@127.0.0.1:1/' });
    await expect(unreachable.list()).rejects.toMatchObject({ code: 'not-connected' });
    await expect(unreachable.list()).rejects.toThrow(/^(?!.*secret)/);
  });
});
