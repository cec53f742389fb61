import { DEFAULT_EXCHANGE } from '../../connectors/amqp/bus';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';

/**
 * Dead letters as the hub makes them: the hub's topology declared by its bus, a consumer on `queue`
 * that dead-letters every message with `reason`, and one message per id published with `routingKey`
 * (body {"id": <id>}); resolves once all are in the dead-letter queue.
 */
export async function seedDeadLetters(
  url: string,
  seed: { queue: string; routingKey: string; reason: string; ids: string[] },
): Promise<void> {
  const bus = new RabbitMqBus({ url });
  await bus.start();
  await bus.declareExchange(DEFAULT_EXCHANGE);
  let done = 0;
  let wake: (() => void) | undefined;
  const sub = await bus.consume(
    { queue: seed.queue, bindings: [{ exchange: DEFAULT_EXCHANGE, pattern: 'event.#' }] },
    (delivery) =>
      void delivery.deadLetter(seed.reason).then(() => {
        done++;
        wake?.();
      }),
  );
  for (const id of seed.ids) {
    await bus.publish(DEFAULT_EXCHANGE, seed.routingKey, Buffer.from(`{"id":"${id}"}`), {
      messageId: id,
      contentType: 'application/json',
    });
  }
  while (done < seed.ids.length) await new Promise<void>((resolve) => (wake = resolve));
  await sub.cancel();
  await bus.close();
}
