import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import {
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_QUEUE,
  ORIGINAL_QUEUE_HEADER,
  REASON_HEADER,
} from '../../connectors/amqp/bus';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { createVhost, deleteVhost, eventually } from '../e2e/hub-process';
import { collector } from './bus-waits';

/**
 * crm.dlx deleted while the hub runs (an operator's delete_exchange, a definitions import without it).
 * The bus's own dead-letter publish came back 404, the message was rejected onto the queue's
 * dead-lettering, and at-least-once dead-lettering held it in the quorum queue, out of every
 * consumer's sight, until a reconnect declared crm.dlx again: 10 s and 20 s after the reject the
 * broker still counted the message in the source queue (0 ready, 60 s later none handed to the
 * consumer again), and crm.dead-letter stayed empty. In its own vhost, since it deletes the hub-wide
 * exchange.
 */
let vhost = '';
let url = '';
let bus: RabbitMqBus | undefined;
let admin: amqplib.ChannelModel | undefined;

beforeEach(async () => {
  vhost = `crm-hub-dlx-lost-${randomUUID().slice(0, 8)}`;
  url = createVhost(vhost);
  admin = await amqplib.connect(url);
});
afterEach(async () => {
  await bus?.close();
  await admin?.close();
  deleteVhost(vhost);
});

it('declares crm.dlx again when it is gone and dead-letters the message with its reason', async () => {
  bus = new RabbitMqBus({ url, connectionName: 'dlx-lost' });
  await bus.start();
  await bus.declareExchange('crm.events');
  // a flow's own watch on the dead letters: its binding to crm.dlx went with the exchange
  const watched = collector();
  await bus.consume(
    { queue: 'watch', bindings: [{ exchange: DEAD_LETTER_EXCHANGE, pattern: 'order.#' }] },
    watched.handler,
  );
  const c = collector();
  await bus.consume(
    {
      queue: 'orders',
      bindings: [{ exchange: 'crm.events', pattern: 'order.#' }],
      atLeastOnceDeadLettering: true,
      deliveryLimit: 5,
    },
    c.handler,
  );
  const ch = await admin!.createChannel();
  await ch.deleteExchange(DEAD_LETTER_EXCHANGE);

  await bus.publish('crm.events', 'order.created', Buffer.from('{"amount":"x"}'), { messageId: 'o-1' });
  const [d] = await c.next(1);
  const startedAt = Date.now();
  await d.deadLetter('amount is not a number');

  const dead = await eventually(
    async () => (await ch.get(DEAD_LETTER_QUEUE)) || undefined,
    'the dead letter',
  );
  expect(Date.now() - startedAt).toBeLessThan(5000);
  expect(dead.properties.messageId).toBe('o-1');
  expect(dead.properties.headers).toMatchObject({
    [REASON_HEADER]: 'amount is not a number',
    [ORIGINAL_QUEUE_HEADER]: 'orders',
  });
  const [copy] = await watched.next(1);
  expect(copy.headers[REASON_HEADER]).toBe('amount is not a number');
  copy.ack();
  expect((await ch.checkQueue('orders')).messageCount).toBe(0);
}, 30000);
