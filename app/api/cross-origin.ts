import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderFault, soapContentType } from '../../connectors/soap/fault';
import type { RawHandler } from './fast-path';
import {
  foreignOrigin,
  isWrite,
  localOnlyRefusal,
  sendJsonRefusal,
  type LocalOnlyRefusal,
} from './local-only';

const CORS_HEADER = /^access-control-/i;

/** What gives the REST and SOAP endpoints credentials, named in a refusal. */
const API_CREDENTIALS = 'CRM_HUB_API_USER and CRM_HUB_API_PASSWORD (settings.js httpNodeAuth)';

/** The hub's own endpoints under Node-RED's httpNodeRoot, as express would route them (case-insensitive). */
function hubEndpoint(nodeRoot: string, names: string): RegExp {
  const prefix = nodeRoot.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(${prefix})/(${names})(?:[/?]|$)`, 'i');
}

export interface CrossOriginOptions {
  /**
   * The REST and SOAP endpoints have no credentials (no httpNodeAuth): they serve only clients on this
   * machine and take no write a page of another site sent (app/api/local-only.ts)
   */
  localOnly?: boolean;
  /**
   * The methods the REST API or /healthz takes at a path below the node root (allowed-methods.ts reads
   * them from the routes), undefined where no route is: an OPTIONS there is a 404 like any other method.
   * Left out, an OPTIONS is answered without Allow.
   */
  allow?: (path: string) => string | undefined;
}

/** What the SOAP endpoints take (connectors/soap/soap-server.ts answers any other method 405 with it). */
const SOAP_ALLOW = 'GET, POST';

/**
 * No other site's script may use the hub's REST, SOAP or health endpoints from a browser. Node-RED's
 * editor app sits at / and answers every request with `Access-Control-Allow-Origin: *` (with adminAuth its
 * admin API needs a bearer token; without, app/api/local-only.ts keeps the header off), and ends every preflight with a 204 that allows
 * GET, PUT, POST and DELETE with any header: a page on another site, opened on the machine the hub
 * listens on, could read a customer 360 or unmerge a golden record. Put first in the server's stack,
 * this answers a preflight for the hub's endpoints itself, without CORS headers (so the browser sends
 * nothing), and keeps the editor's from every other answer there (so no script reads it). A browser
 * page that needs the hub calls it through its own backend, or a proxy that states its origins.
 *
 * Without credentials (`localOnly`) it also refuses, ahead of the fast paths, what no CORS header
 * stops: a client beyond this machine, a page under a rebound host name, and a form's write.
 */
export function withoutCrossOrigin(nodeRoot = '/', options: CrossOriginOptions = {}): RawHandler {
  const endpoint = hubEndpoint(nodeRoot, 'soap|api/v1|healthz|readyz|livez|metrics');
  const writes = hubEndpoint(nodeRoot, 'soap|api/v1');
  const guarded = options.localOnly ? writes : undefined;
  return (req, res, next) => {
    const url = req.url ?? '';
    if (!endpoint.test(url)) return next();
    if (req.method === 'OPTIONS') return answerOptions(endpoint, url, res, options.allow);
    const kind = guarded?.exec(url)?.[2].toLowerCase();
    if (kind && refuseUnlessLocal(kind === 'soap' ? 'soap' : 'api', req, res)) return;
    // with credentials too: a page of another site may hold a browser's Basic log-in, and a body with
    // no Content-Type (fetch with a Blob) needs no preflight; the endpoints take no CORS writes anyway
    const written = !guarded && isWrite(req.method) ? writes.exec(url)?.[2].toLowerCase() : undefined;
    const origin = written ? foreignOrigin(req) : undefined;
    if (written && origin !== undefined) {
      const refusal: LocalOnlyRefusal = {
        status: 403,
        code: 'cross-origin',
        message: `the hub takes no write from a page of another site (Origin ${origin}); call it from that site's backend`,
      };
      if (written === 'soap') sendFaultRefusal(req, res, refusal);
      else sendJsonRefusal(res, refusal);
      return;
    }
    const setHeader = res.setHeader;
    res.setHeader = function (this: typeof res, name: string, value: number | string | readonly string[]) {
      return CORS_HEADER.test(name) ? this : setHeader.call(this, name, value);
    };
    next();
  };
}

/**
 * An OPTIONS to a hub endpoint, answered here so the editor's CORS handler does not: the methods the
 * resource takes (the list its 405 gives), or the API's 404 where there is none.
 */
function answerOptions(
  endpoint: RegExp,
  url: string,
  res: ServerResponse,
  allowAt: CrossOriginOptions['allow'],
): void {
  const match = endpoint.exec(url);
  const kind = match?.[2].toLowerCase();
  // the path below the node root, as the node endpoints' app routes it
  const below = url.slice(match?.[1].length ?? 0);
  const allow = kind === 'soap' ? SOAP_ALLOW : allowAt ? allowAt(below) : '';
  if (allow === undefined) {
    const path = below.split('?', 1)[0];
    sendJsonRefusal(res, {
      status: 404,
      code: 'not-found',
      message: `no API resource at OPTIONS ${path}`,
    });
    return;
  }
  res.writeHead(204, allow ? { Allow: allow, 'Content-Length': '0' } : { 'Content-Length': '0' });
  res.end();
}

/**
 * The same rule for where withoutCrossOrigin cannot go first (the node endpoints in no server of their
 * own): mounted ahead of the `/api/v1` or the `/soap` routes.
 */
export function localOnlyEndpoint(kind: 'api' | 'soap'): RawHandler {
  return (req, res, next) => {
    if (!refuseUnlessLocal(kind, req, res)) next();
  };
}

/** True when the request was refused (and answered): a JSON error for the REST API, a Fault for SOAP. */
function refuseUnlessLocal(kind: 'api' | 'soap', req: IncomingMessage, res: ServerResponse): boolean {
  const what = kind === 'soap' ? "the hub's SOAP endpoint" : "the hub's REST API";
  const refusal = localOnlyRefusal(req, what, API_CREDENTIALS);
  if (!refusal) return false;
  if (kind === 'soap') sendFaultRefusal(req, res, refusal);
  else sendJsonRefusal(res, refusal);
  return true;
}

function sendFaultRefusal(req: IncomingMessage, res: ServerResponse, refusal: LocalOnlyRefusal): void {
  const version = /application\/soap\+xml/i.test(req.headers['content-type'] ?? '') ? '1.2' : '1.1';
  const body = renderFault({ code: 'client', message: refusal.message }, version);
  res.writeHead(refusal.status, {
    'Content-Type': soapContentType(version),
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
