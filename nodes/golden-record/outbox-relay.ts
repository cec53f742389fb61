import type { Node } from 'node-red';
import { GOLDEN_EXCHANGE, type BusState } from '../../connectors/amqp/bus';
import type { GoldenEvent, GoldenStore } from '../../records/golden-store';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import { hubRuntime } from '../shared/hub-runtime';
import { errorMessage, type RED } from '../shared/red';
import { GoldenPublisher } from './golden-publisher';

const RETRY_MS = 5000;

export interface OutboxRelay {
  /**
   * publishes what a message changed (and whatever else waits), in the background; the events carry
   * their cause in the outbox, so a drain running already may send them first, on the right trace
   */
  changed(events: readonly GoldenEvent[]): void;
  close(done: () => void): void;
}

/**
 * golden-record's side of the broker: declares crm.golden on every connect, drains the outbox then
 * (what a crash or an outage left), after every change, and again a little later when a publish
 * failed. The change itself is already stored when this runs, so a broker that is away delays the
 * events but loses none.
 */
export function outboxRelay(
  RED: RED,
  node: Node,
  broker: AmqpBrokerNode,
  store: Promise<GoldenStore>,
): OutboxRelay {
  let publisher: GoldenPublisher | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  // The setup waits for the store, which may never open (a database refusing the role retries for
  // ever); the close ends that wait instead of sitting in Node-RED's 15 s close timeout.
  let release = (): void => undefined;
  const closing = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));

  const drain = () => {
    // while the broker is away the outbox waits; the next 'connected' drains it
    if (closed || !publisher || broker.bus.state() !== 'connected') return;
    publisher.drain().catch((err: unknown) => {
      node.warn(RED._('golden-record.errors.publish', { error: errorMessage(err) }));
      if (!closed && !retry) retry = setTimeout(() => ((retry = undefined), drain()), RETRY_MS);
    });
  };
  const onState = (state: BusState) => {
    if (state === 'connected') drain();
  };
  // a steward's link or unmerge over REST writes to the outbox without passing this node
  const unlisten = hubRuntime.onGoldenOutboxChanged(() => drain());
  const stop = broker.whenConnected(
    node,
    async () => {
      await broker.bus.declareExchange(GOLDEN_EXCHANGE);
      const opened = await Promise.race([store, closing]);
      if (!opened || closed) return;
      publisher ??= new GoldenPublisher(opened, broker.bus);
      broker.bus.on('state', onState);
      drain();
    },
    (err) => node.warn(RED._('golden-record.errors.publish', { error: errorMessage(err) })),
    // the node shows the bus state beside its counts (shared/bus-count-status.ts)
    { ownStatus: true },
  );

  return {
    changed(events) {
      if (events.length > 0) drain();
    },
    close(done) {
      closed = true;
      release();
      unlisten();
      clearTimeout(retry);
      broker.bus.off('state', onState);
      void stop()
        .then(() => broker.deregister(node))
        .finally(() => done());
    },
  };
}
