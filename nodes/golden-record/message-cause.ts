import type { NodeMessage } from 'node-red';
import { EVENT_ID_HEADER } from '../../connectors/amqp/hop-headers';
import { continueTrace } from '../../connectors/http/trace-context';
import { traceparentOf } from '../shared/trace';
import type { GoldenCause } from '../../records/golden-store';
import { isStoreId } from '../../records/store-input';

/**
 * The cause the golden changes of a message are written with: its trace (a new one when it carries
 * none) and the id of the first event of its chain (the hop header, else the event's own id, else the
 * AMQP message id).
 */
export function causeOf(msg: NodeMessage): GoldenCause {
  const m = msg as { amqp?: { headers?: Record<string, unknown>; messageId?: unknown }; payload?: unknown };
  const header = m.amqp?.headers?.[EVENT_ID_HEADER];
  const payloadEventId = (m.payload as { eventId?: unknown } | undefined)?.eventId;
  // an id the store could not keep (a stray header) is passed over: a trace never refuses the record
  const eventId = [header, payloadEventId, m.amqp?.messageId].find(isStoreId);
  return { traceparent: continueTrace(traceparentOf(msg)), ...(eventId ? { eventId } : {}) };
}
