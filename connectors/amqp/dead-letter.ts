import {
  ORIGINAL_EXCHANGE_HEADER,
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  REASON_HEADER,
  type BusMessage,
} from './bus';

/** The headers a dead-lettered copy carries: everything it had, plus where it came from and why. */
export function deadLetterHeaders(
  message: BusMessage,
  queue: string,
  reason: string,
): Record<string, unknown> {
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new TypeError('deadLetter reason must be a non-empty string');
  }
  return {
    ...message.headers,
    [REASON_HEADER]: reason,
    [ORIGINAL_EXCHANGE_HEADER]: message.exchange,
    [ORIGINAL_ROUTING_KEY_HEADER]: message.routingKey,
    [ORIGINAL_QUEUE_HEADER]: queue,
  };
}
