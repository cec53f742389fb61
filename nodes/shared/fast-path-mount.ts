import type { IncomingMessage } from 'node:http';
import {
  AcceptedCredentials,
  nextBestOfferFastPath,
  type NextBestOfferFastPathContext,
  type RawHandler,
} from '../../app/api/next-best-offer-fast-path';
import type { RED } from './red';

/** The parts of an express app (Node-RED's own copies of express) the mount reads. */
interface ExpressApp {
  parent?: ExpressApp;
  _router?: { stack: unknown[] };
  use(handler: RawHandler): unknown;
  enabled(setting: string): boolean;
  get(setting: string): unknown;
}

interface NodeRedHttpSettings {
  httpNodeRoot?: string | false;
  httpAdminRoot?: string | false;
  httpAdminAuth?: unknown;
  httpAdminMiddleware?: { passesHubEndpoints?: boolean };
  httpNodeAuth?: unknown;
}

export type FastPathContext = Omit<NextBestOfferFastPathContext, 'admits' | 'headers'>;

/**
 * Puts the next best offer's fast path (app/api/next-best-offer-fast-path.ts) first in the Node-RED
 * server's express stack, as Node-RED's http-in node does with its raw-body capture, when nothing on
 * the way to the route changes an answer in a way the fast path does not repeat:
 * - the node endpoints sit at `/`, and settings.js's httpAdminMiddleware sends the hub's endpoints past
 *   the editor's admin app (it marks itself `passesHubEndpoints`), so of that app only its CORS handler
 *   applies: `Access-Control-Allow-Origin: *`, which the fast path adds;
 * - no deprecated httpAdminAuth; httpNodeAuth is none, or Node-RED's basic auth (`{ user, pass }`),
 *   whose accepted headers the route reports (`credentialsAccepted`); a custom auth function keeps every
 *   request on the long way;
 * - express's defaults for what `res.json` writes (weak ETag, no JSON spacing or replacer, no
 *   X-Powered-By).
 * Returns the route's `credentialsAccepted` when installed, undefined when the route stays the only way.
 */
export function mountNextBestOfferFastPath(
  RED: RED,
  context: FastPathContext,
): ((authorization: string) => void) | undefined {
  const node = RED.httpNode as unknown as ExpressApp;
  const root = rootOf(node);
  const settings = RED.settings as unknown as NodeRedHttpSettings;
  const why = refusal(root, node, RED.httpAdmin as unknown as ExpressApp, settings);
  if (why) {
    RED.log.debug(`CRM Hub: next best offer without fast path: ${why}`);
    return undefined;
  }
  const credentials = new AcceptedCredentials();
  const auth = settings.httpNodeAuth;
  const admits = (req: IncomingMessage) => auth === undefined || credentials.has(req.headers.authorization);
  const fastPath = nextBestOfferFastPath({
    ...context,
    admits,
    // the editor's admin app at / runs cors({ origin: '*' }) for every request before it lets one pass
    headers: settings.httpAdminRoot === '/' ? { 'Access-Control-Allow-Origin': '*' } : {},
  });
  root.use(fastPath);
  const stack = root._router?.stack;
  if (stack) stack.unshift(stack.pop());
  return auth === undefined ? undefined : (authorization) => credentials.accept(authorization);
}

function rootOf(app: ExpressApp): ExpressApp {
  let root = app;
  while (root.parent) root = root.parent;
  return root;
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
  if (auth !== undefined && (typeof auth !== 'object' || auth === null || Array.isArray(auth))) {
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
