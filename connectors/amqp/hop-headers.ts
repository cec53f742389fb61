import type { BusMessage } from './bus';
import { messageIdOf } from './message-id';
import { childTraceparent, continueTrace, TRACEPARENT } from '../http/trace-context';

/**
 * What every message the hub publishes because of another one carries on: the W3C trace and the id
 * of the event that started it all. A DEBMAS IDoc on crm.inbound, the golden-record change it caused
 * on crm.golden, and the Siebel and Salesforce messages in crm.out.<system> then share one trace id
 * and one event id, whichever hop a person or a tracer looks at.
 */
export const EVENT_ID_HEADER = 'x-crm-event-id';

export interface Cause {
  /** the trace the cause belongs to (its own traceparent, or a new trace when it came without) */
  traceparent: string;
  /** the id of the first event of the chain: the cause's x-crm-event-id, else its message id */
  eventId: string;
}

// One cause per delivery: a message that came without traceparent gets one new trace, not one per
// message published because of it.
const causes = new WeakMap<BusMessage, Cause>();

export function causeOf(message: BusMessage): Cause {
  let cause = causes.get(message);
  if (!cause) {
    cause = {
      traceparent: continueTrace(text(message.headers[TRACEPARENT])),
      eventId: text(message.headers[EVENT_ID_HEADER]) || messageIdOf(message),
    };
    causes.set(message, cause);
  }
  return cause;
}

/**
 * The headers of a message published because of `cause` (a delivery, or its Cause): `extra`, then the
 * trace as a child of the cause's (same trace id, new parent id) and the event id. These two come last
 * so a flow's own headers cannot break the chain.
 */
export function causedHeaders(
  cause: BusMessage | Cause,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const c = 'body' in cause ? causeOf(cause) : cause;
  return { ...extra, [TRACEPARENT]: childTraceparent(c.traceparent), [EVENT_ID_HEADER]: c.eventId };
}

/** AMQP header values arrive as strings from most clients and as bytes from some. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
