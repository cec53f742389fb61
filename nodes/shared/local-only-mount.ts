import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { withoutCrossOrigin } from '../../app/api/cross-origin';
import { localOnlyPages, refuseForeignUpgrades, type LocalOnlyParts } from '../../app/api/local-only';
import { allowedMethods, type RoutedApp } from '../../app/api/allowed-methods';
import type { RED } from './red';
import { rootOf, type ExpressApp, type NodeRedHttpSettings } from './server-stack';

/**
 * Puts app/api/cross-origin.ts first in the Node-RED server's stack: no CORS for the hub's endpoints,
 * whatever the editor's app at / adds, and without httpNodeAuth none of them for clients beyond this
 * machine or for another site's writes. False when the node endpoints are not in a server of their own.
 */
export function mountWithoutCrossOrigin(RED: RED): boolean {
  const root = rootOf(RED.httpNode as unknown as ExpressApp);
  const stack = root._router?.stack;
  const settings = RED.settings as unknown as NodeRedHttpSettings;
  const nodeRoot = settings.httpNodeRoot ?? '/';
  if (root === (RED.httpNode as unknown as ExpressApp) || !stack || nodeRoot === false) return false;
  const node = RED.httpNode as unknown as RoutedApp;
  // an OPTIONS names what the routes take, read from them when it comes (flows add http-in routes)
  const allow = (path: string) => allowedMethods(node, path);
  root.use(withoutCrossOrigin(nodeRoot, { localOnly: !settings.httpNodeAuth, allow }));
  stack.unshift(stack.pop());
  return true;
}

/**
 * Under CRM Hub's own settings.js (its httpAdminMiddleware marks itself `passesHubEndpoints`), with the
 * editor and the node endpoints at /: app/api/local-only.ts's localOnlyPages first in the server's
 * stack and its upgrade check before every other upgrade listener, for the parts without
 * credentials. A stock Node-RED the package is installed into keeps its own rules. False when not
 * installed.
 */
export function mountLocalOnlyPages(RED: RED): boolean {
  const root = rootOf(RED.httpNode as unknown as ExpressApp);
  const stack = root._router?.stack;
  const settings = RED.settings as unknown as NodeRedHttpSettings;
  if (root === (RED.httpNode as unknown as ExpressApp) || !stack) return false;
  if (settings.httpAdminMiddleware?.passesHubEndpoints !== true) return false;
  if ((settings.httpAdminRoot ?? '/') !== '/' || (settings.httpNodeRoot ?? '/') !== '/') return false;
  const parts: LocalOnlyParts = {
    editor: !settings.adminAuth,
    flows: !settings.httpNodeAuth,
    flowCors: Boolean(settings.httpNodeCors),
  };
  if (!parts.editor && !parts.flows) return false;
  root.use(localOnlyPages(parts));
  stack.unshift(stack.pop());
  RED.server?.prependListener('upgrade', (req: IncomingMessage, socket: Duplex) => {
    refuseForeignUpgrades(req, socket, parts);
  });
  return true;
}
