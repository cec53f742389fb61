import type { ErrorRequestHandler } from 'express';
import type { RawHandler } from '../../app/api/fast-path';

/** The parts of an express app (Node-RED's own copies of express) the mounts read. */
export interface ExpressApp {
  parent?: ExpressApp;
  _router?: { stack: unknown[] };
  use(handler: RawHandler | ErrorRequestHandler): unknown;
  enabled(setting: string): boolean;
  get(setting: string): unknown;
}

/** The settings.js entries that decide what the mounts may put in front of Node-RED's apps. */
export interface NodeRedHttpSettings {
  adminAuth?: unknown;
  httpNodeCors?: unknown;
  httpNodeRoot?: string | false;
  httpAdminRoot?: string | false;
  httpAdminAuth?: unknown;
  httpAdminMiddleware?: { passesHubEndpoints?: boolean };
  httpNodeAuth?: unknown;
}

/** The Node-RED server's own app, whose stack every request passes first. */
export function rootOf(app: ExpressApp): ExpressApp {
  let root = app;
  while (root.parent) root = root.parent;
  return root;
}
