/**
 * What a message on crm.golden says about its golden event without its body being read: the hub's
 * publisher (nodes/golden-record/golden-publisher.ts) sends every event with routing key = event type,
 * message id = event id, and the golden id in a header. A consumer that needs only which golden record
 * changed (the record sync reads the document from the store) can take the body as raw bytes, whose
 * copies for each target Node-RED makes share the bytes, instead of deep-copying a parsed event.
 */
export const GOLDEN_ID_HEADER = 'x-crm-golden-id';

/** The routing keys the publisher uses: a message that came another way (a replay straight to a queue) is read from its body. */
const GOLDEN_EVENT_TYPES = new Set(['golden.changed', 'golden.merged', 'golden.unmerged']);

export interface GoldenEventRef {
  type: string;
  goldenId: string;
  eventId: string;
}

interface MessageProperties {
  routingKey?: unknown;
  messageId?: unknown;
  headers?: Record<string, unknown>;
}

/**
 * The golden event of a message: a payload that is an object already is taken as it is; raw bytes
 * or text are read from the message's properties when it carries all three and its routing key is a
 * golden event type, else parsed as JSON (`crm-hub dead-letters replay --to /<queue>` sends a message
 * through the default exchange, with the queue's name as routing key).
 */
export function goldenEventOf(payload: unknown, amqp?: MessageProperties): unknown {
  if (!Buffer.isBuffer(payload) && typeof payload !== 'string') return payload;
  const type = amqp?.routingKey;
  const eventId = amqp?.messageId;
  const goldenId = amqp?.headers?.[GOLDEN_ID_HEADER];
  if (nonEmpty(type) && GOLDEN_EVENT_TYPES.has(type) && nonEmpty(eventId) && nonEmpty(goldenId)) {
    const ref: GoldenEventRef = { type, goldenId, eventId };
    return ref;
  }
  const text = Buffer.isBuffer(payload) ? payload.toString('utf8') : payload;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(
      `the golden event is neither in the message's properties (routing key, message id, ${GOLDEN_ID_HEADER}) nor JSON in its body: ${(err as Error).message}`,
    );
  }
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
