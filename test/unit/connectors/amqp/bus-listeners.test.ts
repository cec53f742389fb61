/**
 * Every node on a broker listens to its bus's state until its setup succeeded (set-up-on-connect.ts),
 * so a flow with eleven amqp nodes had Node print "Possible EventEmitter memory leak detected" at start.
 */
import { EmbeddedBus } from '../../../../connectors/amqp/embedded-bus';
import { RabbitMqBus } from '../../../../connectors/amqp/rabbitmq-bus';
import { setUpOnConnect } from '../../../../connectors/amqp/set-up-on-connect';

describe('a bus followed by many nodes', () => {
  it.each([
    ['RabbitMQ', () => new RabbitMqBus({ url: 'amqp://guest:guest@127.0.0.1:1/none' })],
    ['embedded', () => new EmbeddedBus()],
  ])('takes fifty state listeners on the %s bus without a leak warning', async (_kind, create) => {
    const bus = create();
    // setups that wait for a connect that does not come here: each keeps its listener
    const stops = Array.from({ length: 50 }, () =>
      setUpOnConnect(
        bus,
        () => Promise.reject(new Error('not connected')),
        () => undefined,
      ),
    );
    expect(bus.listenerCount('state')).toBe(50);
    // Node warns past getMaxListeners() (10 by default) from its own process object, which a test's
    // sandboxed process does not see; 0 is "no limit"
    expect(bus.getMaxListeners()).toBe(0);
    await Promise.all(stops.map((stop) => stop()));
    expect(bus.listenerCount('state')).toBe(0);
  });
});
