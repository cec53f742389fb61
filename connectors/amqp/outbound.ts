import { randomUUID } from 'node:crypto';
import { CANONICAL_EVENT_KEY, routingKeyFor } from './routing-key';

export interface Publication {
  routingKey: string;
  messageId: string;
  body: Buffer;
  contentType: string;
}

/** What a message may say about its own publication (amqp-out reads msg.messageId, msg.contentType). */
export interface PublicationHints {
  /** used instead of the payload's eventId: a flow that derives a stable id (crm.out.<system> updates) */
  messageId?: unknown;
  /**
   * the content type of a text payload that is a document of its own (IDoc XML, a CSV line): the text
   * is published as it is; without one, a string payload is published as a JSON string as before
   */
  contentType?: unknown;
}

/**
 * What an outbound message becomes on the bus. The routing key comes from the node's template, else
 * from the message's own routingKey, else `event.{type}.{channel}`. The message id is the message's
 * own (hints.messageId), else the event's eventId, so consumers deduplicate on it and a retry after
 * `outcome-unknown` stays deduplicable; documents without one (customers) get a fresh id.
 */
export function publicationOf(
  payload: unknown,
  template: string,
  routingKey: unknown,
  hints: PublicationHints = {},
): Publication {
  const key = template
    ? routingKeyFor(template, payload)
    : typeof routingKey === 'string' && routingKey
      ? routingKey
      : routingKeyFor(CANONICAL_EVENT_KEY, payload);
  return { routingKey: key, messageId: messageIdOf(payload, hints.messageId), ...bodyOf(payload, hints) };
}

function messageIdOf(payload: unknown, own: unknown): string {
  if (typeof own === 'string' && own) return own;
  const eventId = (payload as { eventId?: unknown } | null)?.eventId;
  return typeof eventId === 'string' && eventId ? eventId : randomUUID();
}

function bodyOf(payload: unknown, hints: PublicationHints): Pick<Publication, 'body' | 'contentType'> {
  const contentType = typeof hints.contentType === 'string' && hints.contentType ? hints.contentType : '';
  if (Buffer.isBuffer(payload))
    return { body: payload, contentType: contentType || 'application/octet-stream' };
  if (typeof payload === 'string' && contentType) return { body: Buffer.from(payload, 'utf8'), contentType };
  return { body: Buffer.from(JSON.stringify(payload)), contentType: 'application/json' };
}
