import { randomUUID } from 'node:crypto';
import { CANONICAL_EVENT_KEY, routingKeyFor } from './routing-key';

export interface Publication {
  routingKey: string;
  messageId: string;
  body: Buffer;
  contentType: string;
}

/**
 * What an outbound message becomes on the bus. The routing key comes from the node's template, else
 * from the message's own routingKey, else `event.{type}.{channel}`. The message id is the event's
 * eventId, so consumers deduplicate on it and a retry after `outcome-unknown` stays deduplicable;
 * documents without one (customers) get a fresh id.
 */
export function publicationOf(payload: unknown, template: string, routingKey: unknown): Publication {
  const key = template
    ? routingKeyFor(template, payload)
    : typeof routingKey === 'string' && routingKey
      ? routingKey
      : routingKeyFor(CANONICAL_EVENT_KEY, payload);
  const eventId = (payload as { eventId?: unknown } | null)?.eventId;
  const binary = Buffer.isBuffer(payload);
  return {
    routingKey: key,
    messageId: typeof eventId === 'string' && eventId ? eventId : randomUUID(),
    body: binary ? payload : Buffer.from(JSON.stringify(payload)),
    contentType: binary ? 'application/octet-stream' : 'application/json',
  };
}
