import type { BusState, Delivery } from '../../connectors/amqp/bus';
import type { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';

/**
 * What the RabbitMQ bus tests wait for instead of timing anything: the bus reaching a state, and the
 * n-th delivery of a consumer.
 */
export function nextState(bus: RabbitMqBus, wanted: BusState): Promise<void> {
  return new Promise((resolve) => {
    const listener = (state: BusState): void => {
      if (state !== wanted) return;
      bus.off('state', listener);
      resolve();
    };
    bus.on('state', listener);
  });
}

export interface Collector {
  items: Delivery[];
  handler: (d: Delivery) => void;
  /** the first n deliveries, once there are n */
  next(n: number): Promise<Delivery[]>;
}

/** Collects deliveries; `onDelivery` sees each one (and its index) as it arrives, e.g. to settle it. */
export function collector(onDelivery: (d: Delivery, index: number) => void = () => undefined): Collector {
  const items: Delivery[] = [];
  const wakers: (() => void)[] = [];
  return {
    items,
    handler: (d) => {
      items.push(d);
      onDelivery(d, items.length - 1);
      wakers.splice(0).forEach((wake) => wake());
    },
    async next(n) {
      while (items.length < n) await new Promise<void>((resolve) => wakers.push(resolve));
      return items.slice(0, n);
    },
  };
}
