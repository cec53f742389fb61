import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';

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
  res.status(err.status).json(err.body());
};

/**
 * Renders every error as JSON: ApiErrors (and what `translate` makes one of, a library's own errors),
 * the body parser's (too large, not JSON), and anything else as a 500.
 */
export function jsonErrors(translate?: (err: unknown) => ApiError | undefined): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err instanceof ApiError ? err : translate?.(err);
    if (known) {
      res.status(known.status).json(known.body());
      return;
    }
    const e = err as { type?: string; message?: string };
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: 'too-large', message: 'request body exceeds the size limit' });
    } else if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid-json', message: e.message });
    } else {
      res.status(500).json({ error: 'internal', message: e.message ?? String(err) });
    }
  };
}
