import { CircuitOpenError } from '../resilience';

/**
 * What went wrong with an outbound HTTP call, in the words a flow routes on (msg.error.code):
 * - http: the server answered with a status that is not 2xx
 * - network: no answer (refused, reset, DNS, socket hang up)
 * - timeout: no complete answer within the timeout
 * - tls: the server's certificate was not accepted (a retry cannot fix that)
 * - request: the request could not be built (a path parameter missing, body over the limit, bad header)
 * - response: the answer could not be used (body over the limit, JSON that does not parse)
 */
export type RestErrorKind = 'http' | 'network' | 'timeout' | 'tls' | 'request' | 'response';

export interface RestErrorDetails {
  statusCode?: number;
  /** the answer's headers and parsed body, for an http error */
  headers?: Record<string, string | string[]>;
  body?: unknown;
  /** what the server asked us to wait (Retry-After), in ms */
  retryAfterMs?: number;
  /** the system error code (ECONNREFUSED, CERT_HAS_EXPIRED, ...) */
  code?: string;
  cause?: unknown;
}

export class RestCallError extends Error {
  /** set by the resilient client: how many attempts were made */
  attempts?: number;
  /**
   * The kind again, as an own property: Node-RED copies an error's `code` (not `kind`) to msg.error, so
   * a switch after a Catch node can route on msg.error.code.
   */
  readonly code: RestErrorKind;
  constructor(
    message: string,
    readonly kind: RestErrorKind,
    /** a retry of the same request may succeed */
    readonly transient: boolean,
    readonly details: RestErrorDetails = {},
  ) {
    super(message);
    this.name = 'RestCallError';
    this.code = kind;
  }

  get statusCode(): number | undefined {
    return this.details.statusCode;
  }

  /**
   * The endpoint failed to serve us (no answer, a 5xx, 429 overload): counts towards opening its
   * circuit. A 4xx is the caller's mistake and a refused certificate a configuration problem: the
   * endpoint is alive, so neither does.
   */
  get endpointFailed(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    const status = this.details.statusCode;
    return this.kind === 'http' && status !== undefined && (status >= 500 || status === 429);
  }
}

/** What failed, in the words a flow routes on: a RestCallError's kind, circuit-open, or error. */
export function restErrorKind(err: unknown): RestErrorKind | 'circuit-open' | 'error' {
  if (err instanceof RestCallError) return err.kind;
  if (err instanceof CircuitOpenError) return err.kind;
  return 'error';
}
