import type { Node } from 'node-red';
import { ACTIONS_EXCHANGE } from '../../connectors/amqp/bus';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import { errorMessage, type RED } from '../shared/red';
import type { ActionPublication } from './action-message';

/** Where an action went, on msg.amqp, as amqp-out reports it. */
export interface Published {
  exchange: string;
  routingKey: string;
  messageId: string;
  confirmed: true;
}

export interface ActionPublisher {
  /** resolves once the broker confirmed; rejects with the bus's BusError (its kind is msg.error.code) */
  publish(publication: ActionPublication): Promise<Published>;
  close(done: () => void): void;
}

/**
 * channel-action's side of the broker: it registers as a client, declares crm.actions (a step of the
 * broker's setup list, replayed on every reconnect) on first use and again after a failure, and
 * publishes persistent, mandatory and confirmed.
 */
export function actionPublisher(RED: RED, node: Node, broker: AmqpBrokerNode): ActionPublisher {
  let ready: Promise<void> | undefined;
  const ensureReady = () =>
    (ready ??= broker
      .register(node)
      .then(() => broker.bus.declareExchange(ACTIONS_EXCHANGE))
      .catch((err: unknown) => {
        ready = undefined;
        throw err;
      }));
  ensureReady().catch((err: unknown) =>
    node.warn(RED._('channel-action.errors.connect', { error: errorMessage(err) })),
  );
  return {
    async publish(publication) {
      await ensureReady();
      await broker.bus.publish(ACTIONS_EXCHANGE, publication.routingKey, publication.body, {
        contentType: 'application/json',
        messageId: publication.messageId,
        headers: publication.headers,
      });
      return {
        exchange: ACTIONS_EXCHANGE,
        routingKey: publication.routingKey,
        messageId: publication.messageId,
        confirmed: true,
      };
    },
    close(done) {
      void broker.deregister(node).finally(() => done());
    },
  };
}
