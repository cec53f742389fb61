import type { NodeMessage } from 'node-red';
import { RestCallError, restErrorKind, type RestResponse } from '../../connectors/http';
import { errorMessage } from '../shared/red';

export type RestMessage = NodeMessage & {
  params?: unknown;
  headers?: unknown;
  idempotencyKey?: unknown;
  policyId?: unknown;
  decisionId?: unknown;
  cardVersion?: unknown;
  statusCode?: number;
  rest?: Record<string, unknown>;
};

function key(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/**
 * The Idempotency-Key of a message: msg.idempotencyKey, else the canonical event's eventId or the
 * decision's decisionId in msg.payload (stable across redeliveries from the bus), else msg._msgid
 * (stable across our own retries only).
 */
export function idempotencyKeyOf(msg: RestMessage): string | undefined {
  const payload = (msg.payload && typeof msg.payload === 'object' ? msg.payload : {}) as {
    eventId?: unknown;
    decisionId?: unknown;
  };
  return key(msg.idempotencyKey) ?? key(payload.eventId) ?? key(payload.decisionId) ?? key(msg._msgid);
}

/** A card version as a header value: 3, "3", or {number: 3, hash: "9f2c…"} as 3@9f2c…. */
function cardVersionText(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const { number, hash } = value as { number?: unknown; hash?: unknown };
    const n = key(number);
    if (!n) return undefined;
    return key(hash) ? `${n}@${key(hash)}` : n;
  }
  return key(value);
}

/**
 * Every action carries the policy, decision and card version that caused it, so the gateway's logs
 * trace back to the card: X-CRM-Policy, X-CRM-Decision, X-CRM-Card-Version, from msg when present.
 */
export function traceHeaders(msg: RestMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const policy = key(msg.policyId);
  const decision = key(msg.decisionId);
  const version = cardVersionText(msg.cardVersion);
  if (policy) headers['X-CRM-Policy'] = policy;
  if (decision) headers['X-CRM-Decision'] = decision;
  if (version) headers['X-CRM-Card-Version'] = version;
  return headers;
}

/** msg.headers (when an object) with the trace headers over them. */
export function requestHeaders(msg: RestMessage): Record<string, unknown> {
  const own =
    msg.headers && typeof msg.headers === 'object' && !Array.isArray(msg.headers)
      ? (msg.headers as Record<string, unknown>)
      : {};
  return { ...own, ...traceHeaders(msg) };
}

/** The answer on the msg: payload, statusCode, headers, and msg.rest for logs. */
export function answered(msg: RestMessage, res: RestResponse): void {
  msg.payload = res.body;
  msg.statusCode = res.statusCode;
  msg.headers = res.headers;
  msg.rest = {
    method: res.method,
    url: res.url,
    attempts: res.attempts,
    idempotencyKey: res.idempotencyKey,
    traceparent: res.traceparent,
  };
}

/**
 * What failed, on the msg a Catch node gets: msg.rest.error is the kind (http, network, timeout, tls,
 * request, response, circuit-open); for an http error msg.statusCode and msg.rest.response hold the
 * answer. msg.payload stays the request's, so a flow can dead-letter or resend it.
 */
export function failed(
  msg: RestMessage,
  method: string,
  idempotencyKey: string | undefined,
  err: unknown,
): void {
  const rest: Record<string, unknown> = {
    method,
    attempts: err instanceof RestCallError ? (err.attempts ?? 0) : 0,
    idempotencyKey,
    error: restErrorKind(err),
    reason: errorMessage(err),
  };
  if (err instanceof RestCallError && err.statusCode !== undefined) {
    msg.statusCode = err.statusCode;
    rest.response = { statusCode: err.statusCode, headers: err.details.headers, body: err.details.body };
  }
  msg.rest = rest;
}
