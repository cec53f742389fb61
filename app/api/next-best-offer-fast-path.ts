import * as crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  nextBestOffer,
  type DefaultOffer,
  type LurkingOffers,
  type PolicySwitchedOff,
} from '../../records/customer-view';
import type { HubStore } from '../../records/store';
import type { RawHandler } from './fast-path';
import { nextBestOfferRequest } from './hub-api';

export { AcceptedCredentials, type RawHandler } from './fast-path';

/**
 * `GET /api/v1/customers/{id}/next-best-offer` on Node's own request and response, ahead of Node-RED's
 * express apps. A web page asks it at every visit, and on the way to the express route a request
 * passes three express apps (the server's, the editor's, the node endpoints'), each of which swaps the
 * prototypes of the request and the response; after that, every property Node's HTTP code reads on
 * them is a slow lookup. Under the benchmark that chain cost about 200 of the route's 300 µs of CPU.
 *
 * It answers only a request the express route would answer with 200 and an answer it can reproduce byte
 * for byte (status, headers in their order, body): every other request goes on (`next()`) to the route,
 * which answers it as before. That is a query that is not plain (an unknown, repeated or encoded
 * parameter), a request the route refuses (400), a conditional request (If-None-Match,
 * If-Modified-Since: express answers 304), a request whose credentials are not yet known, no store, and
 * a failed read (the route reads again and renders the error; the next best offer writes nothing).
 */
export interface NextBestOfferFastPathContext {
  store(): HubStore | undefined;
  lurking?: LurkingOffers;
  switchedOff?: PolicySwitchedOff;
  defaultOffer?: () => DefaultOffer | undefined;
  /** false for a request that must go through Node-RED's httpNodeAuth first */
  admits(req: IncomingMessage): boolean;
  /** headers the way to the route adds before the route's own, in order (the editor's CORS header) */
  headers?: Record<string, string>;
}

const PATH = /^\/api\/v1\/customers\/([^/?#]+)\/next-best-offer(?:\?([^#]*))?$/;
// Parameters the route reads; another name could mean something to qs (brackets, prototypes), so it goes on.
const PARAMETERS = new Set(['channel', 'point', 'limit', 'eventType']);
// Characters qs leaves as they are (no %, no +), so the value is the one req.query would hold.
const PLAIN_VALUE = /^[A-Za-z0-9._~-]*$/;

export function nextBestOfferFastPath(context: NextBestOfferFastPathContext): RawHandler {
  return (req, res, next) => {
    // every request to Node-RED passes here: the first two tests turn the others away
    const match = req.method === 'GET' ? PATH.exec(req.url ?? '') : null;
    if (!match) return next();
    const query = plainQuery(match[2]);
    const id = decodedSegment(match[1]);
    const store = context.store();
    const { headers } = req;
    if (
      !query ||
      id === undefined ||
      !store ||
      // a body (express.json would read it, and refuse bad JSON) or a conditional request
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      headers['if-none-match'] !== undefined ||
      headers['if-modified-since'] !== undefined ||
      !context.admits(req)
    ) {
      return next();
    }
    let asked;
    try {
      asked = nextBestOfferRequest(id, query, context);
    } catch {
      return next();
    }
    nextBestOffer(store, asked.customerRef, asked.channel, asked.options).then(
      (answer) => {
        let body: string;
        try {
          body = JSON.stringify(answer);
        } catch {
          return next();
        }
        try {
          sendJson(res, body, context.headers);
        } catch (error) {
          // nothing sent yet: the route answers; else the connection goes, not the process
          if (!res.headersSent) return next();
          res.destroy(error instanceof Error ? error : new Error(String(error)));
        }
      },
      () => next(),
    );
  };
}

/** The query as qs would parse it, when every parameter is one the route reads, once, with a plain value. */
function plainQuery(search: string | undefined): Record<string, string> | undefined {
  const query: Record<string, string> = {};
  if (search === undefined || search === '') return query;
  for (const pair of search.split('&')) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (eq < 0 || !PARAMETERS.has(name) || name in query || !PLAIN_VALUE.test(value)) return undefined;
    query[name] = value;
  }
  return query;
}

/** The path segment as express decodes a route parameter; undefined where express answers 400. */
function decodedSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * What express's `res.json` sends for a 200 under its default settings (the glue checks them): the
 * JSON, `application/json; charset=utf-8`, the length and express's weak ETag (SHA-1 of the bytes).
 */
// one-shot where Node has it (20.12 on): no Hash object per answer
const sha1Base64: (data: Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha1', data, 'base64')
    : (data) => crypto.createHash('sha1').update(data).digest('base64');

function sendJson(res: ServerResponse, json: string, headers: Record<string, string> = {}): void {
  // encoded once: the hash, the length and the socket all take these bytes
  const body = Buffer.from(json, 'utf8');
  const hash = sha1Base64(body).substring(0, 27);
  // a flat list of names and values: Node writes it as it is, with no object to build and walk
  const head: string[] = [];
  for (const name in headers) head.push(name, headers[name]);
  head.push(
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(body.length),
    'ETag',
    `W/"${body.length.toString(16)}-${hash}"`,
  );
  res.writeHead(200, head);
  res.end(body);
}
