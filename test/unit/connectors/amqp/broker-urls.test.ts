import { describeBrokerUrl, parseBrokerUrls, withCredentials } from '../../../../connectors/amqp/broker-urls';
import { RabbitMqBus } from '../../../../connectors/amqp/rabbitmq-bus';
import { createBus } from '../../../../connectors/amqp/index';

describe('broker URLs', () => {
  it('reads one URL per line or comma separated, and a list given as an array', () => {
    expect(parseBrokerUrls(' amqp://a:5672 \n\n amqp://b:5672,amqp://c:5672 ,')).toEqual([
      'amqp://a:5672',
      'amqp://b:5672',
      'amqp://c:5672',
    ]);
    expect(parseBrokerUrls(['amqp://a', 'amqp://b, amqp://c'])).toEqual(['amqp://a', 'amqp://b', 'amqp://c']);
    expect(parseBrokerUrls(undefined)).toEqual([]);
    // a password with a comma, as single URLs had before lists existed, stays one URL
    expect(parseBrokerUrls('amqp://hub:pa,ss@rabbit:5672')).toEqual(['amqp://hub:pa,ss@rabbit:5672']);
    expect(parseBrokerUrls('amqp://hub:pa,ss@a:5672, AMQPS://b:5671')).toEqual([
      'amqp://hub:pa,ss@a:5672',
      'AMQPS://b:5671',
    ]);
    expect(parseBrokerUrls('  ')).toEqual([]);
  });

  it('puts credentials from the credential store into a URL, encoded, and keeps the URL own without them', () => {
    expect(withCredentials('amqp://mq:5672/crm', { user: 'hub', password: 'p@ss:w/rd' })).toBe(
      'amqp://hub:p%40ss%3Aw%2Frd@mq:5672/crm',
    );
    expect(withCredentials('amqp://app:own@mq', { password: 'ignored without a user' })).toBe(
      'amqp://app:own@mq',
    );
  });

  it('describes a URL without its password and refuses what is not amqp(s)', () => {
    expect(describeBrokerUrl('amqps://app:secret@mq.example/prod')).toEqual({
      where: 'amqps://mq.example:5671/prod',
      user: 'app',
    });
    expect(() => describeBrokerUrl('http://x:secretpw@host')).toThrow('must start with amqp:// or amqps://');
    expect(() => describeBrokerUrl('amqp://u:secretpw@[bad')).toThrow(/not a valid URL/);
  });

  it('a bus over several URLs starts on the first and says how many there are', () => {
    const bus = createBus('amqp://guest:s3cret@mq-1:5672\namqp://guest:s3cret@mq-2:5672');
    expect(bus).toBeInstanceOf(RabbitMqBus);
    expect(bus.describe()).toBe('RabbitMQ amqp://mq-1:5672/ (user guest), broker 1 of 2');
    expect(bus.describe()).not.toContain('s3cret');
    expect(() => new RabbitMqBus({ url: [] })).toThrow('RabbitMQ url must be a non-empty string');
    expect(() => new RabbitMqBus({ url: ['amqp://ok', 'http://bad'] })).toThrow('must start with amqp://');
  });
});
