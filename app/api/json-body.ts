import express, { type RequestHandler } from 'express';
import { invalidUtf8At } from '../../formats/utf8';
import { ApiError, clientBodyError } from './api-error';

/**
 * The JSON body parser of every router that takes one (the hub API, its events and policies routers on
 * their own, the console): UTF-8 only, strictly. express.json decodes leniently, so a Latin-1 "Köln"
 * became "K\uFFFDln" and went on to the golden record; and it reads any utf-* charset, so a UTF-16 body
 * was taken too. JSON exchanged between systems is UTF-8 (RFC 8259 §8.1): anything else is refused,
 * naming what was wrong, before a route sees it.
 */
export function strictJsonBody(options: {
  limit: string | number;
  type?: string | string[];
}): RequestHandler[] {
  const parse = express.json({ ...options, verify: (_req, _res, bytes) => refuseInvalidUtf8(bytes) });
  // as an ApiError at once, so a router that renders only those (the events router on its own) names it too
  const parseJson: RequestHandler = (req, res, next) =>
    parse(req, res, (err?: unknown) => next(err === undefined ? undefined : (clientBodyError(err) ?? err)));
  return [utf8CharsetOnly, parseJson];
}

/** What body-parser's verify throws; clientBodyError (api-error.ts) makes it the 400 invalid-encoding. */
export class BodyEncodingError extends Error {
  /** body-parser keeps a thrown error's status and type */
  readonly status = 400;
  readonly type = 'encoding.invalid';

  constructor(
    readonly offset: number,
    readonly byte: number,
  ) {
    super(
      `the body is not valid UTF-8 at byte ${offset} (0x${byte.toString(16).toUpperCase().padStart(2, '0')}): send JSON in UTF-8 (RFC 8259)`,
    );
    this.name = 'BodyEncodingError';
  }
}

function refuseInvalidUtf8(bytes: Buffer): void {
  const bad = invalidUtf8At(bytes);
  if (bad === undefined) return;
  // a sequence cut short at the end has no byte at `bad`+1; name the one that starts it
  throw new BodyEncodingError(bad, bytes[Math.min(bad, bytes.length - 1)]);
}

// a parameter of a media type (RFC 9110 §5.6.6): a token, =, and a token or a quoted string
const PARAMETER = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/g;

/** The charset a Content-Type names, unquoted; undefined when it names none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  for (const [, name, value] of contentType.matchAll(PARAMETER)) {
    if (name.toLowerCase() !== 'charset') continue;
    return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return undefined;
}

/**
 * A charset other than UTF-8 is a 415, however it is spelt. body-parser refuses those that do not start
 * with "utf-" only, and reads UTF-16 and UTF-32 bodies as they say.
 */
export const utf8CharsetOnly: RequestHandler = (req, _res, next) => {
  // as body-parser: a request without a body has nothing to decode
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const charset = hasBody ? charsetOf(req.headers['content-type']) : undefined;
  if (charset === undefined || charset.toLowerCase() === 'utf-8') return next();
  next(
    new ApiError(
      415,
      'unsupported-media-type',
      `unsupported charset "${charset.slice(0, 40).toUpperCase()}": send JSON in UTF-8`,
    ),
  );
};
