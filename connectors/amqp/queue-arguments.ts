import { DEAD_LETTER_QUEUE } from './bus';
import type { CheckedQueueOptions } from './validate';

/**
 * The x-arguments RabbitMQ gets for a hub queue. Only what was asked for is set, so a queue declared
 * with no options has exactly the arguments it had before options existed (quorum, crm.dlx, maybe
 * single active consumer) and an existing queue is not refused as inequivalent after an upgrade.
 */
export function queueArguments(queue: string, options: CheckedQueueOptions): Record<string, unknown> {
  const args: Record<string, unknown> = { 'x-queue-type': 'quorum' };
  // The dead-letter queue must not dead-letter into itself.
  if (queue !== DEAD_LETTER_QUEUE) args['x-dead-letter-exchange'] = options.deadLetterExchange;
  if (options.deadLetterRoutingKey !== undefined)
    args['x-dead-letter-routing-key'] = options.deadLetterRoutingKey;
  if (options.singleActiveConsumer) args['x-single-active-consumer'] = true;
  if (options.deliveryLimit !== undefined) args['x-delivery-limit'] = options.deliveryLimit;
  if (options.messageTtlMs !== undefined) args['x-message-ttl'] = options.messageTtlMs;
  if (options.atLeastOnceDeadLettering) {
    // RabbitMQ falls back to at-most-once unless overflow is reject-publish: with drop-head a full
    // queue would drop the messages at-least-once dead-lettering promises to keep.
    args['x-overflow'] = 'reject-publish';
    args['x-dead-letter-strategy'] = 'at-least-once';
  }
  return args;
}
