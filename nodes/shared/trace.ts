import { parseTraceparent, TRACEPARENT, type TraceParent } from '../../connectors/http/trace-context';

/**
 * Where a msg carries its W3C trace context, first match wins:
 * - msg.traceparent: set by soap-in and channel-action, or by a flow that knows better;
 * - msg.payload.traceparent: a decision of the policy engine;
 * - msg.amqp.headers.traceparent: what amqp-in received;
 * - msg.req.headers.traceparent: what Node-RED's http in received.
 * Values that are no valid traceparent are passed over.
 */
export function traceparentOf(msg: unknown): string | undefined {
  return found(msg)?.value;
}

/** The trace traceparentOf finds, read: for a child of it without reading the value twice. */
export function traceOf(msg: unknown): TraceParent | undefined {
  return found(msg)?.trace;
}

function found(msg: unknown): { value: string; trace: TraceParent } | undefined {
  if (!msg || typeof msg !== 'object') return undefined;
  const m = msg as {
    traceparent?: unknown;
    payload?: unknown;
    amqp?: { headers?: Record<string, unknown> };
    req?: { headers?: Record<string, unknown> };
  };
  // one place after the other, stopping at the first that holds one (amqp-out asks for every message)
  const payload = m.payload;
  return (
    read(m.traceparent) ??
    (payload && typeof payload === 'object'
      ? read((payload as { traceparent?: unknown }).traceparent)
      : undefined) ??
    read(m.amqp?.headers?.[TRACEPARENT]) ??
    read(m.req?.headers?.[TRACEPARENT])
  );
}

function read(value: unknown): { value: string; trace: TraceParent } | undefined {
  const trace = parseTraceparent(value);
  return trace && { value: value as string, trace };
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
