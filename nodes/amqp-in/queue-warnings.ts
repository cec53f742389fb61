import type { Node } from 'node-red';
import { inequivalentArgument } from '../../connectors/amqp/queue-upgrade';
import { targetSystemOf } from '../../connectors/amqp/sync-topology';
import { errorMessage, type RED } from '../shared/red';
import { unprotectedAfterMigration } from './migrations';

/** a config from before the poison-message options keeps its queue's arguments; say what that costs */
export function warnIfUnprotected(
  RED: RED,
  node: Node,
  queue: string,
  saved: object,
  config: { topology?: string; atLeastOnce?: boolean },
  deliveryLimit: number | undefined,
): void {
  if (unprotectedAfterMigration(saved, config, deliveryLimit))
    node.warn(RED._('amqp-in.warnings.unprotected', { queue }));
}

/**
 * Why the queue is not consumed (retried when the bus connects), in the status and the log; a queue
 * an older version declared with other arguments (PRECONDITION_FAILED) names the differing one and
 * the way out.
 */
export function warnConsumeFailed(
  RED: RED,
  node: Node,
  queue: string,
  err: unknown,
  topology?: string,
): void {
  const consumeError = errorMessage(err);
  const arg = inequivalentArgument(consumeError);
  // crm.out.<system> differs because the record-sync topology declared it, not an older version:
  // `queues upgrade` is no way out there, it would take the topology's arguments away
  const system = arg === undefined ? undefined : targetSystemOf(queue);
  // this node declares it as the topology does: something else declared it first, with other arguments
  if (arg !== undefined && system !== undefined && topology === 'sync-target') {
    node.status({ fill: 'red', shape: 'ring', text: RED._('amqp-in.status.target-inequivalent', { arg }) });
    node.warn(RED._('amqp-in.errors.target-inequivalent', { queue, arg, error: consumeError }));
    return;
  }
  if (arg !== undefined && system !== undefined) {
    node.status({ fill: 'red', shape: 'ring', text: RED._('amqp-in.status.sync-target', { arg }) });
    node.warn(RED._('amqp-in.errors.sync-target', { queue, system, arg, error: consumeError }));
    return;
  }
  if (arg !== undefined) {
    node.status({ fill: 'red', shape: 'ring', text: RED._('amqp-in.status.inequivalent', { arg }) });
    node.warn(RED._('amqp-in.errors.inequivalent', { queue, arg, error: consumeError }));
    return;
  }
  node.status({ fill: 'red', shape: 'ring', text: errorMessage(err) });
  node.warn(RED._('amqp-in.errors.consume', { queue, error: errorMessage(err) }));
}
