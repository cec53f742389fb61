import { parseTraceparent, TRACEPARENT } from '../../connectors/http/trace-context';

/**
 * Where a msg carries its W3C trace context, first match wins:
 * - msg.traceparent: set by soap-in and channel-action, or by a flow that knows better;
 * - msg.payload.traceparent: a decision of the policy engine;
 * - msg.amqp.headers.traceparent: what amqp-in received;
 * - msg.req.headers.traceparent: what Node-RED's http in received.
 * Values that are no valid traceparent are passed over.
 */
export function traceparentOf(msg: unknown): string | undefined {
  if (!msg || typeof msg !== 'object') return undefined;
  const m = msg as {
    traceparent?: unknown;
    payload?: unknown;
    amqp?: { headers?: Record<string, unknown> };
    req?: { headers?: Record<string, unknown> };
  };
  // one place after the other, stopping at the first that holds one (amqp-out asks for every message)
  if (parseTraceparent(m.traceparent)) return m.traceparent as string;
  const payload = m.payload;
  if (payload && typeof payload === 'object') {
    const own = (payload as { traceparent?: unknown }).traceparent;
    if (parseTraceparent(own)) return own as string;
  }
  const received = m.amqp?.headers?.[TRACEPARENT];
  if (parseTraceparent(received)) return received as string;
  const requested = m.req?.headers?.[TRACEPARENT];
  return parseTraceparent(requested) ? (requested as string) : undefined;
}

/**
 * The AMQP headers of a publication: the msg's own headers, with `traceparent` the given one (the
 * publisher's child of the msg's trace) when there is one.
 */
export function withTraceHeader(
  headers: unknown,
  traceparent: string | undefined,
): Record<string, unknown> | undefined {
  const own =
    headers && typeof headers === 'object' && !Array.isArray(headers)
      ? (headers as Record<string, unknown>)
      : undefined;
  return traceparent ? { ...own, [TRACEPARENT]: traceparent } : own;
}
