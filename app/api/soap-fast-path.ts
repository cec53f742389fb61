import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawHandler } from './fast-path';

/**
 * `POST /soap/<service>` (and `GET /soap/<service>?wsdl`) on Node's own request and response, ahead of
 * Node-RED's express apps. On the long way a call passes the server's express app, the editor's (its
 * CORS handler and settings.js's httpAdminMiddleware, which sends /soap/ on), Node-RED's basic auth
 * and the node endpoints' app, each of which swaps the prototypes of the request and the response;
 * after that every property Node's HTTP code reads on them is a slow lookup, the response write
 * included. The SOAP endpoint itself reads and answers on Node's request and response and needs
 * nothing express adds, so the fast path hands the same request to the same endpoint: the answer is
 * the same bytes (status, headers in their order, body), the CORS header the editor's app adds first
 * included (`headers`).
 *
 * It takes only GET and POST under `/soap/` exactly as the mount is spelt (express matches the
 * mount without regard to case; another spelling goes the long way) from a client the auth has let
 * through before (`admits`). Every other request goes on, to the route, which answers it as before:
 * OPTIONS (the editor's CORS preflight), other methods (405 from the endpoint), strangers (401).
 */
export interface SoapFastPathContext {
  /** the hub's SOAP endpoint; it never rejects, and writes `headers` first in every answer */
  soap: { handle(req: IncomingMessage, res: ServerResponse, headers?: readonly string[]): Promise<void> };
  /** false for a request that must go through Node-RED's httpNodeAuth first */
  admits(req: IncomingMessage): boolean;
  /** headers the way to the route adds before the endpoint's own, in order (the editor's CORS header) */
  headers?: Record<string, string>;
}

export const SOAP_FAST_PATH_PREFIX = '/soap/';

export function soapFastPath(context: SoapFastPathContext): RawHandler {
  // a flat list of names and values, written by Node as it is ahead of the endpoint's own
  const head: string[] = [];
  for (const name in context.headers) head.push(name, context.headers[name]);
  return (req, res, next) => {
    const { method } = req;
    if (
      (method !== 'POST' && method !== 'GET') ||
      !req.url?.startsWith(SOAP_FAST_PATH_PREFIX) ||
      !context.admits(req)
    ) {
      return next();
    }
    // what express's mount at /soap hands the endpoint: the URL below the mount
    req.url = req.url.slice(SOAP_FAST_PATH_PREFIX.length - 1);
    void context.soap.handle(req, res, head);
  };
}

/**
 * The long way's `/soap` route on the node endpoints' app: the same endpoint, and for the fast path the
 * Authorization header of every request that got this far, past Node-RED's httpNodeAuth (which lets
 * OPTIONS through unchecked, so those say nothing).
 */
export function soapRoute(
  soap: SoapFastPathContext['soap'],
  credentialsAccepted?: (authorization: string) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const { authorization } = req.headers;
    if (credentialsAccepted && authorization !== undefined && req.method !== 'OPTIONS') {
      credentialsAccepted(authorization);
    }
    void soap.handle(req, res);
  };
}
