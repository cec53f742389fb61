import type { Message } from 'amqplib';
import {
  DeadLetterError,
  DeadLetterQueue,
  idOf,
  parseDestination,
} from '../../../../connectors/amqp/dead-letters';

function message(content: string, properties: Record<string, unknown> = {}): Message {
  return {
    content: Buffer.from(content),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'crm.dlx', routingKey: 'a.b' },
    properties: { headers: {}, ...properties },
  } as unknown as Message;
}

describe('dead letters without a broker', () => {
  it('reads --to as <exchange>/<routing key>, an empty exchange being the default exchange', () => {
    expect(parseDestination('crm.events/event.address-changed.web')).toEqual({
      exchange: 'crm.events',
      routingKey: 'event.address-changed.web',
    });
    expect(parseDestination('/crm-hub.orders')).toEqual({ exchange: '', routingKey: 'crm-hub.orders' });
    expect(parseDestination('crm.events/a/b')).toEqual({ exchange: 'crm.events', routingKey: 'a/b' });
    for (const bad of ['crm.events', 'crm.events/', ''])
      expect(() => parseDestination(bad)).toThrow(
        expect.objectContaining({ code: 'invalid-argument', field: 'to' }),
      );
  });

  it('names a dead letter by its message id, else by a hash that ignores the delivery count', () => {
    expect(idOf(message('x', { messageId: 'evt-1' }))).toBe('evt-1');
    const plain = idOf(message('body', { headers: { 'x-delivery-count': 0, a: 1 }, timestamp: 1700000000 }));
    expect(plain).toMatch(/^sha256:[0-9a-f]{24}$/);
    expect(idOf(message('body', { headers: { a: 1, 'x-delivery-count': 7 }, timestamp: 1700000000 }))).toBe(
      plain,
    );
    expect(idOf(message('other', { headers: { a: 1 }, timestamp: 1700000000 }))).not.toBe(plain);
  });

  it('says that dead letters need RabbitMQ when no broker URL is configured', () => {
    for (const url of [undefined, '', ' \n ']) {
      let caught: unknown;
      try {
        new DeadLetterQueue({ url });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(DeadLetterError);
      expect(caught).toMatchObject({ code: 'no-broker', message: expect.stringContaining('set AMQP_URL') });
    }
    expect(() => new DeadLetterQueue({ url: 'http://example.org' })).toThrow(/amqp:\/\//);
  });

  it('describes where it reads without the password', () => {
    const dlq = new DeadLetterQueue({ url: 'amqp://hub:s3cret@mq.example:5672/crm' });
    expect(dlq.describe()).toBe("queue 'crm.dead-letter' on RabbitMQ amqp://mq.example:5672/crm (user hub)");
  });
});
