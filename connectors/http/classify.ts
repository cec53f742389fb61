import { RestCallError } from './errors';

/**
 * Which failures a retry can fix. Only these are redelivered: no answer at all (network, timeout), an
 * overloaded server (429, honouring Retry-After within a cap) and gateway trouble (502, 503, 504). Any
 * other status is the server's considered answer: a 4xx is the caller's mistake, and a 500 may mean the
 * server did part of the work.
 */
export const TRANSIENT_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

/**
 * Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date; the wait in ms, undefined when the
 * header is absent or unreadable. A date in the past is no wait.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const trimmed = String(text).trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, at - now);
}

export interface StatusErrorInput {
  statusCode: number;
  statusText?: string;
  headers: Record<string, string | string[]>;
  body: unknown;
  method: string;
  url: string;
  /** a Retry-After longer than this is not waited for: the call fails at once */
  retryAfterMaxMs: number;
  now?: number;
}

/** The error for an answer that is not 2xx. */
export function statusError(input: StatusErrorInput): RestCallError {
  const { statusCode, headers, body } = input;
  const where = `${input.method} ${input.url}`;
  const base = { statusCode, headers, body };
  if (statusCode >= 300 && statusCode < 400) {
    const location = headers.location;
    return new RestCallError(
      `HTTP ${statusCode} from ${where}: redirects are not followed (they would carry the credentials elsewhere); set the base URL to ${location ?? 'the final address'}`,
      'http',
      false,
      base,
    );
  }
  const transient = TRANSIENT_STATUS.has(statusCode);
  const retryAfterMs =
    transient && headers['retry-after'] !== undefined
      ? parseRetryAfter(headers['retry-after'], input.now)
      : undefined;
  const reason = `HTTP ${statusCode}${input.statusText ? ` ${input.statusText}` : ''} from ${where}`;
  if (retryAfterMs !== undefined && retryAfterMs > input.retryAfterMaxMs) {
    return new RestCallError(
      `${reason}: Retry-After asks for ${Math.ceil(retryAfterMs / 1000)} s, more than the ${Math.ceil(input.retryAfterMaxMs / 1000)} s allowed, so it is not retried`,
      'http',
      false,
      { ...base, retryAfterMs },
    );
  }
  return new RestCallError(reason, 'http', transient, {
    ...base,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** An error thrown by the transport (axios, node:http) before any usable answer: network, timeout, tls. */
export function transportError(err: unknown, where: string, timeoutMs: number): RestCallError {
  if (err instanceof RestCallError) return err;
  const e = (err ?? {}) as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code =
    typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout of \d+ms exceeded/.test(message)) {
    return new RestCallError(`no answer from ${where} within ${timeoutMs} ms`, 'timeout', true, {
      code,
      cause: err,
    });
  }
  if (code && TLS_CODES.test(code)) {
    return new RestCallError(`TLS: the certificate of ${where} was not accepted: ${message}`, 'tls', false, {
      code,
      cause: err,
    });
  }
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(message)) {
    return new RestCallError(
      `the answer of ${where} is larger than the response limit (${message})`,
      'response',
      false,
      { code, cause: err },
    );
  }
  if ((code && NETWORK_CODES.has(code)) || /socket hang up|network error/i.test(message)) {
    return new RestCallError(`network error calling ${where}: ${message}`, 'network', true, {
      code,
      cause: err,
    });
  }
  return new RestCallError(`cannot call ${where}: ${message}`, 'request', false, { code, cause: err });
}
