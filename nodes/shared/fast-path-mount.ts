import type { IncomingMessage } from 'node:http';
import { AcceptedCredentials, type RawHandler } from '../../app/api/fast-path';
import {
  nextBestOfferFastPath,
  type NextBestOfferFastPathContext,
} from '../../app/api/next-best-offer-fast-path';
import { SOAP_FAST_PATH_PREFIX, soapFastPath, type SoapFastPathContext } from '../../app/api/soap-fast-path';
import { errorsWithoutStack } from '../../app/api/api-error';
import type { RED } from './red';
import { rootOf, type ExpressApp, type NodeRedHttpSettings } from './server-stack';

export type FastPathContext = Omit<NextBestOfferFastPathContext, 'admits' | 'headers'>;

export interface HubFastPaths {
  /** GET …/next-best-offer (app/api/next-best-offer-fast-path.ts) */
  nextBestOffer?: FastPathContext;
  /** POST /soap/<service> and GET ?wsdl (app/api/soap-fast-path.ts) */
  soap?: SoapFastPathContext['soap'];
}

const API_PREFIX = '/api/v1/';

/**
 * Puts one dispatcher for the hub's fast paths (the next best offer, the SOAP endpoint) first in the
 * Node-RED server's express stack, as Node-RED's http-in node does with its raw-body capture, when
 * nothing on the way to the routes changes an answer in a way the fast paths do not repeat:
 * - the node endpoints sit at `/`, and settings.js's httpAdminMiddleware sends the hub's endpoints past
 *   the editor's admin app (it marks itself `passesHubEndpoints`), so of that app only its CORS handler
 *   applies: `Access-Control-Allow-Origin: *`, which the fast path adds;
 * - no deprecated httpAdminAuth; httpNodeAuth is none, Node-RED's basic auth (`{ user, pass }`) or
 *   settings.js's API user check, which accepts the same headers (marked `hubBasicAuth`), whose
 *   accepted headers the route reports (`credentialsAccepted`); a custom auth function keeps every
 *   request on the long way;
 * - express's defaults for what `res.json` writes (weak ETag, no JSON spacing or replacer, no
 *   X-Powered-By).
 * Returns `credentialsAccepted`, for the routes to report the Authorization headers that reached them,
 * when installed with httpNodeAuth; undefined when the routes stay the only way or need no credentials.
 */
export function mountHubFastPaths(
  RED: RED,
  paths: HubFastPaths,
): ((authorization: string) => void) | undefined {
  const node = RED.httpNode as unknown as ExpressApp;
  const root = rootOf(node);
  const settings = RED.settings as unknown as NodeRedHttpSettings;
  const why = refusal(root, node, RED.httpAdmin as unknown as ExpressApp, settings);
  if (why) {
    RED.log.debug(`CRM Hub: no fast paths: ${why}`);
    return undefined;
  }
  const credentials = new AcceptedCredentials();
  const auth = settings.httpNodeAuth;
  const admits = (req: IncomingMessage) => auth === undefined || credentials.has(req.headers.authorization);
  // the editor's CORS header never reaches the hub's endpoints (mountWithoutCrossOrigin, local-only-mount.ts)
  const headers: Record<string, string> = {};
  const nextBestOffer = paths.nextBestOffer
    ? nextBestOfferFastPath({ ...paths.nextBestOffer, admits, headers })
    : undefined;
  const soap = paths.soap ? soapFastPath({ soap: paths.soap, admits, headers }) : undefined;
  // every request to Node-RED passes here: one look at the URL's start sends it on its way
  const dispatch: RawHandler = (req, res, next) => {
    const url = req.url ?? '';
    if (soap && url.startsWith(SOAP_FAST_PATH_PREFIX)) return soap(req, res, next);
    if (nextBestOffer && url.startsWith(API_PREFIX)) return nextBestOffer(req, res, next);
    next();
  };
  root.use(dispatch);
  const stack = root._router?.stack;
  if (stack) stack.unshift(stack.pop());
  return auth === undefined ? undefined : (authorization) => credentials.accept(authorization);
}

/** The next best offer's fast path alone (as before the SOAP endpoint had one). */
export function mountNextBestOfferFastPath(
  RED: RED,
  context: FastPathContext,
): ((authorization: string) => void) | undefined {
  return mountHubFastPaths(RED, { nextBestOffer: context });
}

/**
 * Puts a handler first in the Node-RED server's stack (ahead of the fast paths and the editor's app);
 * where the node endpoints are in no server of their own, first of what is mounted on them from now.
 */
export function mountFirst(RED: RED, handler: RawHandler): void {
  const node = RED.httpNode as unknown as ExpressApp;
  const root = rootOf(node);
  const stack = root._router?.stack;
  if (root === node || !stack) {
    node.use(handler);
    return;
  }
  root.use(handler);
  stack.unshift(stack.pop());
}

/**
 * Puts app/api/api-error.ts's errorsWithoutStack last in the Node-RED server's stack, after the editor's
 * and the node endpoints' apps (red.js mounts them before it loads any node): no error reaches a client
 * with its stack. False when the node endpoints are not in a server of their own.
 */
export function mountErrorsWithoutStack(RED: RED): boolean {
  const root = rootOf(RED.httpNode as unknown as ExpressApp);
  if (root === (RED.httpNode as unknown as ExpressApp) || !root._router) return false;
  root.use(errorsWithoutStack((message) => RED.log.error(message)));
  return true;
}

function refusal(
  root: ExpressApp,
  node: ExpressApp,
  admin: ExpressApp | undefined,
  settings: NodeRedHttpSettings,
): string | undefined {
  if (root === node || !root._router) return 'the node endpoints are not mounted in a Node-RED server';
  if (settings.httpNodeRoot !== '/') return `httpNodeRoot is ${String(settings.httpNodeRoot)}, not /`;
  if (settings.httpAdminAuth) return 'the deprecated httpAdminAuth is set';
  if (settings.httpAdminRoot === '/' && settings.httpAdminMiddleware?.passesHubEndpoints !== true) {
    return "httpAdminMiddleware is not settings.js's, which passes the hub's endpoints on";
  }
  const auth = settings.httpNodeAuth;
  // settings.js's API user check (app/api/api-auth.ts) accepts what Node-RED's basic auth accepts
  const hubBasicAuth =
    typeof auth === 'function' && (auth as { hubBasicAuth?: unknown }).hubBasicAuth === true;
  if (
    auth !== undefined &&
    !hubBasicAuth &&
    (typeof auth !== 'object' || auth === null || Array.isArray(auth))
  ) {
    return 'httpNodeAuth is a function of its own';
  }
  const apps = settings.httpAdminRoot === '/' && admin ? [root, admin, node] : [root, node];
  if (apps.some((app) => app.enabled('x-powered-by'))) return 'an express app sends X-Powered-By';
  if (node.get('etag') !== 'weak') return `express's etag setting is ${String(node.get('etag'))}`;
  for (const setting of ['json spaces', 'json replacer', 'json escape']) {
    if (node.get(setting) !== undefined) return `express's ${setting} is set`;
  }
  return undefined;
}
