import { createHash } from 'node:crypto';
import type { BusMessage } from './bus';

/**
 * Ids for messages that arrive without one. A legacy system publishing to crm.inbound with a plain
 * AMQP client often sets no message-id; the hub then takes an id from what the message says, so the
 * same IDoc sent twice is the same message to the idempotent consumer, on every redelivery and after
 * a replay from the dead-letter queue.
 */
export const DERIVED_ID_PREFIX = 'body-sha256:';

/**
 * SHA-256 over the content type and the body. The content type counts because the same bytes as
 * XML and as an opaque blob are different messages to the mapping; the NUL keeps `a` + `bc` apart
 * from `ab` + `c`. Headers and routing key do not count: a resend by another client or tool that
 * adds a header of its own is still the same message.
 */
export function stableMessageId(body: Buffer, contentType?: string): string {
  const hash = createHash('sha256')
    .update(contentType ?? '', 'utf8')
    .update('\u0000')
    .update(body)
    .digest('hex');
  return `${DERIVED_ID_PREFIX}${hash}`;
}

/** The message's own id, or the one derived from its body when it came without (or with an empty one). */
export function messageIdOf(message: Pick<BusMessage, 'messageId' | 'body' | 'contentType'>): string {
  return message.messageId ? message.messageId : stableMessageId(message.body, message.contentType);
}
