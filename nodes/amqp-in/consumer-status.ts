import type { Node } from 'node-red';
import { errorMessage, type RED } from '../shared/red';

/** amqp-in's status dot, and for a setting it cannot use the reason in the log beside it. */
export function consumerStatus(RED: RED, node: Node) {
  // a setting the runtime cannot use: red status, the reason in the log, nothing consumed
  const refused = (status: string, error: string, params?: Record<string, string | number>): void => {
    node.status({ fill: 'red', shape: 'ring', text: RED._(status) });
    node.error(RED._(error, params));
  };
  return {
    noBroker: () => refused('amqp-in.status.no-broker', 'amqp-in.errors.no-broker'),
    badSetting: (status: string, err: unknown) =>
      refused(status, 'amqp-in.errors.bad-output', { error: errorMessage(err) }),
    // the bus consumes named queues only; said once here, not at every connect
    noQueue: () => refused('amqp-in.status.no-queue', 'amqp-in.errors.no-queue'),
    // topology "record sync: a target's queue" consumes crm.out.<system> only
    notTarget: (queue: string) =>
      refused('amqp-in.status.not-target', 'amqp-in.errors.not-target', { queue }),
    consuming: (queue: string) =>
      node.status({ fill: 'green', shape: 'dot', text: RED._('amqp-in.status.consuming', { queue }) }),
  };
}
