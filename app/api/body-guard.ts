import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { jsonTextDepth, MAX_JSON_DEPTH } from '../../formats/json-depth';
import { ApiError, jsonErrors } from './api-error';

export interface BodyGuardOptions {
  /** the largest body, in bytes, this request may send */
  limitFor(req: Request): number;
  /**
   * Whether the limit is below what the parsers after the guard take (the log-ins: 16 KB before
   * Node-RED's 1 MiB): a form is then read and parsed here too, under the limit, and a body of another
   * type sent without a Content-Length is a 411, as nothing here can count it for those parsers.
   */
  strictFor?(req: Request): boolean;
}

/**
 * What runs before Node-RED's own body parsers: the editor's admin app (the editor, its admin API and
 * the policy console) and every `http in` node parse a body before any credential is checked, inflating
 * gzip up to apiMaxLength and parsing JSON of any depth. 4.7 KB of gzip inflated to 4.8 MB of nested
 * brackets, and JSON.parse spent 12 s on them: one unauthenticated request froze the hub.
 *
 * Here, before those parsers:
 * - a `Content-Encoding` other than identity is a 415: neither the editor nor a shipped flow sends
 *   compressed bodies, so none is inflated;
 * - a declared length over the request's limit is a 413, before a byte is read;
 * - a JSON body (the type Node-RED's parser takes) is read up to the limit, its nesting counted on the
 *   bytes (a 400 past MAX_JSON_DEPTH, unparsed), and only then parsed, with the options of Node-RED's
 *   parser, which then finds it parsed and leaves it (body-parser skips a request marked `_body`).
 * - where the limit is below the parsers' after it (`strictFor`), a form is read and parsed the same
 *   way, and a body of another type must declare its length.
 * Other types go on to Node-RED's parsers, which apiMaxLength limits. These refusals are JSON
 * (`{"error", "message"}`), as the hub's other endpoints answer; JSON that does not parse goes on as
 * Node-RED's parser's error would have.
 */
export function guardBodies(options: BodyGuardOptions): RequestHandler {
  const parsers = new Map<number, RequestHandler>();
  const formParsers = new Map<number, RequestHandler>();
  const render = jsonErrors();
  const parserFor = (limit: number): RequestHandler => {
    let parser = parsers.get(limit);
    if (!parser) {
      parser = express.json({ limit, inflate: false, verify: (_req, _res, bytes) => refuseDeepJson(bytes) });
      parsers.set(limit, parser);
    }
    return parser;
  };
  // Node-RED's form parser's options (editor-api's and the http in node's), but inflating nothing
  const formParserFor = (limit: number): RequestHandler => {
    let parser = formParsers.get(limit);
    if (!parser) {
      parser = express.urlencoded({ limit, extended: true, inflate: false });
      formParsers.set(limit, parser);
    }
    return parser;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if ((req as Request & { _body?: boolean })._body === true || !hasBody(req)) return next();
    const refuse = (err: unknown): void => render(err, req, res, next);
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      return refuse(
        new ApiError(
          415,
          'unsupported-encoding',
          `Content-Encoding "${encoding.slice(0, 40)}" is not taken here: send the body uncompressed`,
        ),
      );
    }
    const limit = options.limitFor(req);
    if (Number(req.headers['content-length']) > limit) return refuse(tooLarge(limit));
    const json = Boolean(req.is('application/json'));
    const strict = options.strictFor?.(req) === true;
    const form = strict && !json && Boolean(req.is('application/x-www-form-urlencoded'));
    if (strict && !json && !form && Number.isNaN(Number(req.headers['content-length']))) {
      return refuse(
        new ApiError(
          411,
          'length-required',
          `a body of this type needs a Content-Length here (at most ${limit} bytes)`,
        ),
      );
    }
    if (!json && !form) return next();
    (json ? parserFor(limit) : formParserFor(limit))(req, res, (err?: unknown) => {
      if (err === undefined) return next();
      if (err instanceof TooDeepError) return refuse(err.apiError());
      if ((err as { type?: unknown }).type === 'entity.too.large') return refuse(tooLarge(limit));
      // what Node-RED's parser would have refused (broken JSON): answered as it would have been
      next(err);
    });
  };
}

/** a request with a body, as body-parser (type-is) tells one */
function hasBody(req: Request): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']))
  );
}

function tooLarge(limit: number): ApiError {
  return new ApiError(
    413,
    'too-large',
    `the request body exceeds the size limit of ${Math.floor(limit / 1024)} kB (${limit} bytes) here`,
    undefined,
    { limit },
  );
}

/** What body-parser's verify throws for JSON nested too deep; the guard answers it as a 400. */
class TooDeepError extends Error {
  /** body-parser keeps a thrown error's status */
  readonly status = 400;
  readonly type = 'entity.too.deep';

  constructor(readonly depth: number) {
    super(`the body is nested more than ${MAX_JSON_DEPTH} levels deep; at most ${MAX_JSON_DEPTH} are taken`);
  }

  apiError(): ApiError {
    return new ApiError(400, 'too-deep', this.message);
  }
}

function refuseDeepJson(bytes: Buffer): void {
  const depth = jsonTextDepth(bytes, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) throw new TooDeepError(depth);
}
