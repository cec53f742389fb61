import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { RED } from '../../../../nodes/shared/red';
import { withoutCrossOrigin } from '../../../../app/api/cross-origin';

const SETTINGS = path.join(__dirname, '../../../../settings.js');

export interface ShapeOptions {
  /** the Authorization header Node-RED's basic auth accepts; none: no httpNodeAuth */
  auth?: string;
  settings?: Record<string, unknown>;
  /**
   * the editor app as it meets a POST: cors answers a preflight itself, basic auth lets it through,
   * and the editor's JSON and form body parsers run (the SOAP fast path's concern)
   */
  editorBodies?: boolean;
  /** what the node app notes of each request it sees; default its url */
  note?: (req: Request) => string;
}

export interface NodeRedShape {
  root: express.Express;
  /** Node-RED's httpNode: the glue mounts routes here */
  node: express.Express;
  /** the RED the glue's fast-path mount gets */
  red: RED;
  /** requests that reached the node app: the ones a fast path passed on, or all without it */
  reachedNodeApp: string[];
  /** listens on 127.0.0.1; `installed`: something was put in front of the node app since the shape was made */
  listen(): Promise<{ url: string; installed: boolean; close(): Promise<void> }>;
}

/**
 * A server of Node-RED's shape, the layers Node-RED's red.js stacks, in its order: a server app; the
 * editor's app at / with its CORS header and settings.js's httpAdminMiddleware; optionally basic auth;
 * the node app. The fast-path tests mount the glue on it and compare with the same shape without.
 */
export function nodeRedShape(options: ShapeOptions): NodeRedShape {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require(SETTINGS) as { httpAdminMiddleware: express.RequestHandler };
  const root = express();
  const admin = express();
  const node = express();
  for (const app of [root, admin, node]) app.disable('x-powered-by');
  // what ensureHubRoutes puts first: no CORS for the hub's endpoints (app/api/cross-origin.ts)
  root.use(withoutCrossOrigin());
  admin.use((req: Request, res: Response, next: NextFunction) => {
    // the editor's cors({ origin: '*' }): a preflight ends here
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (options.editorBodies && req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET,PUT,POST,DELETE');
      res.statusCode = 204;
      res.setHeader('Content-Length', '0');
      res.end();
      return;
    }
    next();
  });
  admin.use(settings.httpAdminMiddleware);
  // the editor's body parsers, which read what a request that got this far carries as JSON or a form
  if (options.editorBodies) admin.use(express.json(), express.urlencoded({ extended: true }));
  admin.get('/flows', (_req, res) => void res.json([]));
  root.use('/', admin);
  if (options.auth) {
    root.use('/', (req: Request, res: Response, next: NextFunction) => {
      const preflight = options.editorBodies && req.method === 'OPTIONS';
      if (preflight || req.headers.authorization === options.auth) return next();
      res.set('WWW-Authenticate', 'Basic realm="Authorization Required"');
      res.sendStatus(401);
    });
  }
  const reachedNodeApp: string[] = [];
  const note = options.note ?? ((req: Request) => req.url);
  node.use((req, _res, next) => {
    reachedNodeApp.push(note(req));
    next();
  });
  root.use('/', node);
  const before = stackOf(root).length;
  const red = {
    httpNode: node,
    httpAdmin: admin,
    settings: {
      httpNodeRoot: '/',
      httpAdminRoot: '/',
      httpAdminMiddleware: settings.httpAdminMiddleware,
      ...(options.auth ? { httpNodeAuth: { user: 'api', pass: '$2b$10$hash' } } : {}),
      ...options.settings,
    },
    log: { debug: () => undefined },
  } as unknown as RED;
  return {
    root,
    node,
    red,
    reachedNodeApp,
    async listen() {
      const server = http.createServer(root);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        installed: stackOf(root).length > before,
        close: () => new Promise((resolve) => server.close(() => resolve())),
      };
    },
  };
}

/** The layers an express app holds, to see whether a mount added one. */
export function stackOf(app: express.Express): unknown[] {
  return (app as unknown as { _router?: { stack: unknown[] } })._router?.stack ?? [];
}

/** An HTTP answer as the wire had it: status, raw headers (name, value, ...) and body. */
export interface Answer {
  status: number;
  headers: string[];
  body: string;
}
