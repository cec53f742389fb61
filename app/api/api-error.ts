import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { jsonDepth, MAX_JSON_DEPTH, numberOutOfRangeAt } from '../../formats/json-depth';
import { isStoreUnavailable, STORE_WAIT_MS } from '../../records/store-unavailable';
import { StoreInputError } from '../../records/store-input';
import { hasFormType, isWrite } from './local-only';

/**
 * What every router of the REST API answers when a request fails: JSON of the form
 * `{ error: <code>, message, field?, ...extra }` with the status the error names.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** the request field at fault; left out of the body when empty */
    readonly field?: string,
    /** more members of the body, after error, message and field */
    readonly extra: Record<string, unknown> = {},
    /** response headers the answer carries (Retry-After) */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      error: this.code,
      message: this.message,
      ...(this.field ? { field: this.field } : {}),
      ...this.extra,
    };
  }
}

// Express 4 does not forward rejected promises to the error handler by itself.
export function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };
}

/**
 * The body parser's other refusals (an unknown charset or encoding, bytes that are no UTF-8, an aborted
 * upload) are the client's fault and keep their 4xx status.
 */
export function clientBodyError(err: unknown): ApiError | undefined {
  const e = err as { status?: unknown; type?: unknown; message?: unknown } | null;
  if (typeof e?.type !== 'string' || typeof e.status !== 'number') return undefined;
  if (e.type === 'entity.too.large' || e.type === 'entity.parse.failed') return undefined;
  if (e.status < 400 || e.status > 499) return undefined;
  if (e.type === 'charset.unsupported') {
    return new ApiError(415, 'unsupported-media-type', `${String(e.message)}: send JSON in UTF-8`);
  }
  // bytes that are no UTF-8 (json-body.ts), which a lenient decoder would have stored as U+FFFD
  if (e.type === 'encoding.invalid') return new ApiError(400, 'invalid-encoding', String(e.message));
  const code = e.status === 415 ? 'unsupported-media-type' : 'invalid-body';
  return new ApiError(e.status, code, typeof e.message === 'string' ? e.message : e.type);
}

/** How long a client waits before asking again while the store is away (the store's own connect bound). */
export const STORE_RETRY_AFTER_SECONDS = STORE_WAIT_MS / 1000;

/**
 * The 503 for a store that cannot be reached. The driver's message names the database's host and
 * port, which are no client's business, so the answer says only what the client can do.
 */
export function storeUnavailable(message = 'the hub store cannot be reached; try again later'): ApiError {
  return new ApiError(
    503,
    'store-unavailable',
    message,
    undefined,
    {},
    {
      'Retry-After': String(STORE_RETRY_AFTER_SECONDS),
    },
  );
}

/** A hub-store node is deployed, but its database has not been reached since the deploy. */
export function storeNotOpen(): ApiError {
  return storeUnavailable(
    'the hub store is deployed but not open yet (its database cannot be reached); try again later',
  );
}

/**
 * Every deployed hub-store node has settings it cannot use. Not "cannot be reached": no retry will
 * mend it, so no Retry-After either. The reason, which may name the URL, is in the hub's log and
 * /healthz, not in an answer to a client.
 */
export function storeMisconfigured(): ApiError {
  return new ApiError(
    503,
    'store-misconfigured',
    "the hub-store settings are invalid (the hub's log says why), so nothing that needs the store can be served until they are fixed and the flows redeployed",
  );
}

/**
 * Whether an error means the store's database could not be reached (rather than that it refused the
 * request); the same judgement amqp-in makes before it gives a message back to its queue.
 */
export const isStoreUnreachable = isStoreUnavailable;

/** Where a router finds the store, and whether a hub-store node is deployed while there is none open. */
export interface StoreSource<S> {
  store(): S | undefined;
  /** the health probes know every deployed hub-store node, open or not, and which cannot open at all */
  health?: { storeDeployed(): boolean; storeMisconfigured?(): boolean };
}

/**
 * The store a route works on; 503 while there is none. A hub-store node that is deployed but has not
 * reached its database yet is named as such: "no hub-store is deployed" would send the operator
 * looking for a node that is there; one whose settings cannot be used at all is named as that.
 */
export function requireStore<S>(source: StoreSource<S>, missing: string): S {
  const store = source.store();
  if (store) return store;
  if (source.health?.storeMisconfigured?.()) throw storeMisconfigured();
  if (source.health?.storeDeployed()) throw storeNotOpen();
  throw new ApiError(503, 'no-store', missing);
}

/**
 * The 503 for an error of a router whose only connection is the store (a bus or a queue router has
 * its own: ECONNREFUSED there is the broker's).
 */
export function storeUnreachableError(err: unknown): ApiError | undefined {
  return isStoreUnreachable(err) ? storeUnavailable() : undefined;
}

/**
 * Express could not decode a path parameter (`%FF`, an overlong `%C0%AE`, a lone surrogate `%ED%A0%80`):
 * its URIError carries status 400, and the path is the caller's to fix.
 */
function pathDecodeError(err: unknown): ApiError | undefined {
  if (!(err instanceof URIError) || (err as URIError & { status?: unknown }).status !== 400) return undefined;
  return new ApiError(
    400,
    'invalid-path',
    `the path is not valid percent-encoded UTF-8 (${err.message}): encode each character's UTF-8 bytes`,
  );
}

/**
 * An id or a value the store cannot keep (a NUL character, an id of neither form) is the caller's,
 * with the field its message starts with (`store: process.data.note must not …`) as `field`.
 */
export function storeInputError(err: unknown, fieldOf = (field: string) => field): ApiError | undefined {
  if (!(err instanceof StoreInputError)) return undefined;
  const message = err.message.replace(/^store: /, '');
  const field = /^([\w$-]+(?:\[\d+\]|\.[\w$-]+)*) (?:must|has|is)\b/.exec(message)?.[1];
  return new ApiError(400, 'invalid-input', message, field === undefined ? undefined : fieldOf(field));
}

/**
 * A write that carries a body must send JSON (or a +json type), and no write may name a type a form
 * sends, body or not: an HTML form from another site cannot send JSON.
 */
export const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  const declared = Number(req.headers['content-length'] ?? 0);
  const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
  // the header itself, not req.is(), which answers null for a request without a body: a
  // `<form method=POST>` with no fields sends application/x-www-form-urlencoded and no body
  const formWrite = isWrite(req.method) && hasFormType(req);
  if (formWrite || (hasBody && !req.is(['application/json', 'application/*+json']))) {
    return next(new ApiError(415, 'unsupported-media-type', 'send the body as application/json'));
  }
  next();
};

/**
 * A query parameter read as a number: NaN for anything but one string, as qs makes ?x[]=1 a list and
 * ?x[toString]=1 an object, which Number() would read as 1 or fail on.
 */
export function numberQuery(value: unknown): number {
  return typeof value === 'string' ? Number(value) : NaN;
}

/** A 400 for a body nested deeper than MAX_JSON_DEPTH, before any route walks it. */
export const jsonDepthLimit: RequestHandler = (req, _res, next) => {
  const depth = jsonDepth(req.body as unknown);
  if (depth > MAX_JSON_DEPTH) {
    return next(
      new ApiError(
        400,
        'too-deep',
        `the body is nested ${depth} levels deep; at most ${MAX_JSON_DEPTH} are taken`,
      ),
    );
  }
  next();
};

/** A 400 for a number beyond a double (1e400), which JSON.parse makes Infinity and storing would make null. */
export const jsonNumbersInRange: RequestHandler = (req, _res, next) => {
  const field = numberOutOfRangeAt(req.body as unknown);
  if (field === undefined) return next();
  next(
    new ApiError(
      400,
      'number-out-of-range',
      `${field || 'the body'} is out of range: a number must lie within ±${Number.MAX_VALUE}`,
      field,
    ),
  );
};

/**
 * After a resource's routes: any other method is a JSON 405 naming the ones it takes (RFC 9110), and
 * OPTIONS a 204 naming the same. The handler carries the list as `allow`, for an OPTIONS answered
 * before the routes (allowed-methods.ts).
 */
export function methodNotAllowed(allow: string): RequestHandler & { allow: string } {
  const handler: RequestHandler = (req, res, next) => {
    res.set('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(
      new ApiError(
        405,
        'method-not-allowed',
        `${req.method} is not allowed here; this resource takes ${allow}`,
      ),
    );
  };
  return Object.assign(handler, { allow });
}

/** The last route of a router: a path no route took is a JSON 404. */
export function notFound(req: Request): never {
  throw new ApiError(404, 'not-found', `no API resource at ${req.method} ${req.baseUrl}${req.path}`);
}

/**
 * Renders ApiErrors and passes every other error on, for a router that sits inside the hub API, whose
 * handler renders the rest.
 */
export const apiErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent || !(err instanceof ApiError)) return next(err);
  send(res, err);
};

/**
 * Renders every error as JSON: ApiErrors (and what `translate` makes one of, a library's own errors),
 * the body parser's (too large, not JSON, a charset it cannot read), a path express cannot decode and
 * what the store refuses to keep (400s), and anything else as a 500. A 500's own text can name a
 * database's schema, a host or a file of the install, which is no client's business: the client gets an
 * incident id, and `log` gets the id with the error, so an operator finds one from the other.
 */
export function jsonErrors(
  translate?: (err: unknown) => ApiError | undefined,
  log: (message: string) => void = (message) => console.error(message),
): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const known =
      err instanceof ApiError
        ? err
        : (translate?.(err) ?? clientBodyError(err) ?? pathDecodeError(err) ?? storeInputError(err));
    if (known) {
      send(res, known);
      return;
    }
    const e = err as { type?: string; message?: string };
    if (e.type === 'entity.too.large') {
      const limit = (err as { limit?: unknown }).limit;
      const stated = typeof limit === 'number' ? ` of ${Math.floor(limit / 1024)} kB (${limit} bytes)` : '';
      res.status(413).json({
        error: 'too-large',
        message: `the request body exceeds the size limit${stated}`,
      });
    } else if (e.type === 'entity.parse.failed') {
      // the strict parser takes objects and arrays only: null, 5 and "x" are JSON, but no body here
      const scalar = /^\s*(null|true|false|-?\d|")/.test((err as { body?: string }).body ?? '');
      res.status(400).json({
        error: 'invalid-json',
        message: scalar ? 'the body must be a JSON object' : e.message,
      });
    } else {
      const incident = randomUUID();
      // the path without its query, which may carry an access_token
      const stack = (err as { stack?: unknown } | null)?.stack;
      log(
        `${req.method} ${req.baseUrl}${req.path}: incident ${incident}: ${String(stack ?? e.message ?? err)}`,
      );
      res.status(500).json({
        error: 'internal',
        message: `the hub failed on this request; its log names the cause under incident ${incident}`,
        incident,
      });
    }
  };
}

function send(res: Response, err: ApiError): void {
  res.set(err.headers).status(err.status).json(err.body());
}

/**
 * The last error handler of the Node-RED server: what no router answered itself (the editor's body
 * parser, the http-in node's, a route's own throw) is answered with its status and a short text, never
 * the stack. Express's own final handler writes the stack, with the install's paths, unless NODE_ENV is
 * `production`, and nothing makes sure it is: a hub started from a shell, a test or a service unit
 * leaks it to any client. A client's error (4xx) says what the parser said; a server's (5xx) only its
 * status, and its stack goes to `log`.
 */
export function errorsWithoutStack(log: (message: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    // nothing can be said any more: express's own handler ends the connection, writing nothing
    if (res.headersSent) return next(err);
    const e = (typeof err === 'object' && err !== null ? err : {}) as {
      status?: unknown;
      statusCode?: unknown;
      expose?: unknown;
      message?: unknown;
      headers?: unknown;
      stack?: unknown;
    };
    const given = typeof e.status === 'number' ? e.status : e.statusCode;
    const status = typeof given === 'number' && given >= 400 && given <= 599 ? given : 500;
    if (status >= 500) log(`${req.method} ${req.path}: ${String(e.stack ?? e.message ?? err)}`);
    const reason = STATUS_CODES[status] ?? 'Error';
    const text =
      status < 500 && e.expose === true && typeof e.message === 'string' ? `${reason}: ${e.message}` : reason;
    if (status < 500 && typeof e.headers === 'object' && e.headers !== null) {
      res.set(e.headers as Record<string, string>);
    }
    res
      .status(status)
      .set({
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Security-Policy': "default-src 'none'",
        'X-Content-Type-Options': 'nosniff',
      })
      .send(`${text}\n`);
  };
}
