import type { RawHandler } from './fast-path';

const CORS_HEADER = /^access-control-/i;

/** The hub's own endpoints under Node-RED's httpNodeRoot, as express would route them (case-insensitive). */
function hubEndpoint(nodeRoot: string): RegExp {
  const prefix = nodeRoot.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${prefix}/(?:soap|api/v1|healthz)(?:[/?]|$)`, 'i');
}

/**
 * No other site's script may use the hub's REST, SOAP or health endpoints from a browser. Node-RED's
 * editor app sits at / and answers every request with `Access-Control-Allow-Origin: *` (its admin API
 * needs a bearer token, so that is harmless there), and ends every preflight with a 204 that allows
 * GET, PUT, POST and DELETE with any header: a page on another site, opened on the machine the hub
 * listens on, could read a customer 360 or unmerge a golden record. Put first in the server's stack,
 * this answers a preflight for the hub's endpoints itself, without CORS headers (so the browser sends
 * nothing), and keeps the editor's from every other answer there (so no script reads it). A browser
 * page that needs the hub calls it through its own backend, or a proxy that states its origins.
 */
export function withoutCrossOrigin(nodeRoot = '/'): RawHandler {
  const endpoint = hubEndpoint(nodeRoot);
  return (req, res, next) => {
    if (!endpoint.test(req.url ?? '')) return next();
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { Allow: 'GET, HEAD, POST, PUT, DELETE', 'Content-Length': '0' });
      res.end();
      return;
    }
    const setHeader = res.setHeader;
    res.setHeader = function (this: typeof res, name: string, value: number | string | readonly string[]) {
      return CORS_HEADER.test(name) ? this : setHeader.call(this, name, value);
    };
    next();
  };
}
