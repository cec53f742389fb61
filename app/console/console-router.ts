import fs from 'node:fs';
import path from 'node:path';
import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type Response,
  type Router,
} from 'express';
import { CUSTOMER_REF, customerAnswer, customerIdParam } from '../api/golden-customer';
import { strictJsonBody } from '../api/json-body';
import { isLoopbackRequest } from '../api/local-only';
import {
  ApiError,
  jsonErrors,
  notFound,
  requireStore,
  route,
  storeUnreachableError,
  type StoreSource,
} from '../api/api-error';
import {
  addressOf,
  daysParam,
  dryRunAnswer,
  policyIdParam,
  switchPolicy,
  type PoliciesBackend,
} from '../api/policies-api';
import {
  nextBestOffer,
  type DefaultOffer,
  type LurkingOffers,
  type NextBestOffer,
  type PolicySwitchedOff,
} from '../../records/customer-view';
import { isGoldenId } from '../../records/cross-reference';
import type { ServiceLevelRules } from '../../records/service-level';
import { sourceRef } from '../../records/source-versions';
import type { HubStore } from '../../records/store';
import { ConsoleUsers, ConsoleUsersError, parseConsoleUsers, type ConsoleRole } from './console-users';
import { auditTrail, explainCustomer, policyViews } from './console-views';
import { CSRF_HEADER, csrfTokenMatches, needsCsrfCheck } from './csrf';
import { clearSessionCookie, noStore, securityHeaders, sessionIdOf, setSessionCookie } from './http-security';
import { LiveHub } from './live-hub';
import { LoginLimiter } from './login-limiter';
import { SessionStore, type ConsoleSession } from './session-store';

/**
 * The marketers' policy console under /console: the built page and its files, and its JSON API under
 * /console/api with a log-in of its own (see docs in README.md, "Policy console"). It composes the
 * libraries the REST API uses (the policy registry, the dry-run, the customer 360) and adds the
 * session, the CSRF check, the log-in rate limit and the live stream.
 */
export interface ConsoleRouterOptions {
  /** settings.js crmHub.consoleUsers as configured; none means no log-in (loopback only) */
  users: unknown;
  policies: () => PoliciesBackend | undefined;
  store: () => HubStore | undefined;
  /** tells a hub-store that is deployed but not open from none at all */
  health?: StoreSource<HubStore>['health'];
  lurking?: LurkingOffers;
  /** the deployed policies switched off now: their stored offers are held back, and listed as such */
  switchedOff?: PolicySwitchedOff;
  defaultOffer?: () => DefaultOffer | undefined;
  /** the service level's rules (settings.js crmHub.serviceLevel); the defaults when left out */
  serviceLevelRules?: () => ServiceLevelRules;
  /** the built front end (dist/console): index.html and the files it loads */
  staticDir: string;
  sessions?: SessionStore;
  limiter?: LoginLimiter;
  live?: LiveHub;
  /** told once why crmHub.consoleUsers is wrong (the API answers only that it is, without names) */
  warn?: (message: string) => void;
  /** the time a card's schedule is judged at; Date.now, as the engine's */
  clock?: () => number;
}

/** the largest JSON body the console API takes; a card in YAML is a few hundred bytes */
export const CONSOLE_BODY_LIMIT = 16 * 1024;
const AUDIT_MAX = 500;
/** dry-runs running at once across all sessions */
export const MAX_DRY_RUNS = 2;
const ANONYMOUS = 'anonymous';

type WithSession = Request & { consoleSession?: ConsoleSession };

export function createConsoleRouter(options: ConsoleRouterOptions): Router {
  const sessions = options.sessions ?? new SessionStore();
  const now = options.clock ?? Date.now;
  const limiter = options.limiter ?? new LoginLimiter();
  let users: ConsoleUsers | undefined;
  let usersProblem: string | undefined;
  try {
    users = new ConsoleUsers(parseConsoleUsers(options.users));
  } catch (err) {
    if (!(err instanceof ConsoleUsersError)) throw err;
    usersProblem =
      "the console's users in settings.js (crmHub.consoleUsers) are wrong, so nobody can log in; " +
      "the hub's log says why";
    options.warn?.(`policy console: ${err.message}`);
  }
  const live =
    options.live ??
    new LiveHub({
      stillAllowed: (sessionId) => sessions.isLive(sessionId),
      subscribe: (hub) => {
        const registry = options.policies()?.registry;
        if (!registry) return () => undefined;
        const offDecision = registry.onDecision((decision) => hub.decision(decision));
        const offSwitch = registry.onSwitch((entry) => hub.toggle(entry));
        return () => {
          offDecision();
          offSwitch();
        };
      },
    });

  const router = express.Router();
  router.use(securityHeaders, withoutCors, (req, res, next) => {
    // where the console is mounted (/console below an admin root of /), the path of its cookie
    res.locals.consoleRoot = req.baseUrl || '/console';
    next();
  });

  // the page, and its files under /console/assets
  const indexFile = path.join(options.staticDir, 'index.html');
  router.get('/', noStore, (_req, res, next) => {
    fs.access(indexFile, fs.constants.R_OK, (missing) => {
      if (missing) {
        res.status(503).json({
          error: 'console-not-built',
          message: 'the policy console was not built: run `npm run build` and restart the hub',
        });
        return;
      }
      res.sendFile(indexFile, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }, (err) => {
        if (err) next(err);
      });
    });
  });
  router.use(
    '/assets',
    express.static(options.staticDir, {
      index: false,
      dotfiles: 'ignore',
      redirect: false,
      // the file names carry no hash: revalidate every time (ETag), which costs a 304
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
    (req: Request) => notFound(req),
  );

  const api = express.Router();
  router.use('/api', api);
  api.use(noStore, bodyLimit, strictJsonBody({ limit: CONSOLE_BODY_LIMIT }));
  api.use((_req, _res, next) => {
    if (usersProblem) return next(new ApiError(503, 'console-misconfigured', usersProblem));
    next();
  });

  api.post(
    '/login',
    route(async (req, res) => {
      const found = users!;
      if (!found.required) {
        throw new ApiError(
          400,
          'no-login',
          'the console has no users configured, so there is nothing to log in to',
        );
      }
      const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
      const username = typeof body.username === 'string' ? body.username : '';
      const address = addressOf(req) ?? 'unknown';
      // counted before the password check, so parallel attempts cannot all slip under the limit
      const wait = limiter.begin(address, username);
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        throw new ApiError(
          429,
          'too-many-attempts',
          `too many failed log-ins; try again in ${Math.ceil(wait / 60)} minute(s)`,
          '',
          { retryAfterSeconds: wait },
        );
      }
      const user = await found.verify(username, body.password);
      if (!user) throw new ApiError(401, 'invalid-credentials', 'user name or password is wrong');
      limiter.succeeded(username, address);
      // a new id at every log-in, so an id planted before cannot ride along (session fixation); the
      // old session's live streams end with it
      const previous = sessionIdOf(req);
      sessions.destroy(previous);
      if (previous) live.close(previous);
      const session = sessions.create(user.username, user.role);
      setSessionCookie(req, res, session.id);
      res.json(sessionBody(session, true));
    }),
  );

  api.get('/session', (req, res, next) => {
    const session = sessionOf(req, res);
    if (!session) return next(noSession());
    res.json(sessionBody(session, users!.required));
  });

  // everything below needs a session; writes need its CSRF token
  api.use((req: WithSession, res, next) => {
    const session = sessionOf(req, res);
    if (!session) return next(noSession());
    if (needsCsrfCheck(req.method) && !csrfTokenMatches(session.csrfToken, req.get(CSRF_HEADER))) {
      return next(
        new ApiError(403, 'csrf', `this request needs the session's token in the ${CSRF_HEADER} header`),
      );
    }
    req.consoleSession = session;
    next();
  });

  api.post('/logout', (req: WithSession, res) => {
    const session = req.consoleSession!;
    sessions.destroy(session.id);
    live.close(session.id);
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  const backend = (): PoliciesBackend => {
    const found = options.policies();
    if (!found) throw new ApiError(503, 'no-policies', 'the policy runtime is not loaded');
    return found;
  };

  api.get(
    '/policies',
    route(async (_req, res) => {
      const found = backend();
      res.json({ policies: await policyViews(found, found.registry.list(), undefined, now()) });
    }),
  );

  api.get(
    '/policies/:id',
    route(async (req, res) => {
      const found = backend();
      const summary = found.registry.get(policyIdParam(req));
      if (!summary)
        throw new ApiError(404, 'unknown-policy', `no policy '${req.params.id}' is deployed`, 'id');
      const [view] = await policyViews(found, [summary], daysParam(req), now());
      res.json(view);
    }),
  );

  api.put(
    '/policies/:id/state',
    route(async (req: WithSession, res) => {
      const policyId = policyIdParam(req);
      const enabled = (req.body as { enabled?: unknown } | undefined)?.enabled;
      if (typeof enabled !== 'boolean') {
        throw new ApiError(400, 'invalid-body', 'body must be {"enabled": true|false}', 'enabled');
      }
      const remoteAddress = addressOf(req);
      const actor = {
        user: req.consoleSession!.user,
        via: 'console' as const,
        ...(remoteAddress ? { remoteAddress } : {}),
      };
      res.json(await switchPolicy(backend().registry, policyId, enabled, actor));
    }),
  );

  api.get(
    '/audit',
    route(async (req, res) => {
      res.json(await auditTrail(backend().registry, auditLimit(req.query.limit)));
    }),
  );

  // A dry-run replays up to 93 days of recorded events in memory: one at a time per session and a
  // few at once in all, so a held-down button or a script cannot starve the engine of CPU and memory.
  const dryRunning = new Set<string>();
  api.post(
    '/dry-run',
    route(async (req: WithSession, res) => {
      const sessionId = req.consoleSession!.id;
      if (dryRunning.has(sessionId) || dryRunning.size >= MAX_DRY_RUNS) {
        res.setHeader('Retry-After', '5');
        throw new ApiError(429, 'dry-run-busy', 'a dry-run is already running; try again when it is done');
      }
      dryRunning.add(sessionId);
      try {
        res.json(await dryRunAnswer(backend, options, req.body));
      } finally {
        dryRunning.delete(sessionId);
      }
    }),
  );

  api.get(
    '/explain',
    route(async (req, res) => {
      const asked = explainedCustomer(req.query.customer);
      const golden = goldenIdOf(asked);
      // the engine keeps its evaluations per source record, so a golden id is explained as its first
      // member, the one the next best offer judges a contact by golden id as (records/customer-view.ts)
      const members = golden ? await goldenMembers(golden) : undefined;
      const customerRef = members ? members[0] : asked;
      const explanation = explainCustomer(backend().registry, customerRef);
      const offer = await webOffer(asked);
      res.json({
        ...explanation,
        ...(golden && members ? { goldenId: golden, members } : {}),
        ...(offer ? { nextBestOffer: offer } : {}),
      });
    }),
  );

  api.get(
    '/customers/:id',
    route(async (req, res) => {
      const store = requireStore(options, 'no hub-store is deployed, so there is nothing to read');
      const answer = await customerAnswer(
        store,
        customerIdParam(req.params.id),
        options.serviceLevelRules?.(),
        options.switchedOff,
      );
      // a golden id has no channel contact of its own: the offer is asked for by its first source record
      const ref = CUSTOMER_REF.test(req.params.id) ? req.params.id : answer.xrefs?.[0];
      const offer = ref ? await webOffer(ref) : undefined;
      res.json({ ...answer, ...(offer ? { nextBestOffer: offer } : {}) });
    }),
  );

  api.get('/live', (req: WithSession, res, next) => {
    // express routes HEAD here too: it would hold a stream open that never carries an event
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return next(new ApiError(405, 'method-not-allowed', 'the live stream is read with GET'));
    }
    const sessionId = req.consoleSession!.id;
    if (!live.hasRoomFor(sessionId)) {
      return next(
        new ApiError(429, 'too-many-streams', 'this session has its most live views open; close one first'),
      );
    }
    if (!live.hasRoom()) {
      return next(new ApiError(503, 'too-many-streams', 'too many live views are open; try again later'));
    }
    live.add(res, sessionId);
  });

  api.use(notFound);
  // a database that cannot be reached is a 503 to try again, not a 500 naming its address
  api.use(jsonErrors(storeUnreachableError, options.warn));

  /** The golden record's source records as "<system>:<id>", sorted; a 404 when there is none. */
  async function goldenMembers(goldenId: string): Promise<string[]> {
    const store = requireStore(options, 'no hub-store is deployed, so a golden id cannot be resolved');
    const members = (await store.listGoldenMembers(goldenId)).map(sourceRef);
    if (members.length === 0) {
      throw new ApiError(404, 'unknown-customer', `no golden record ${goldenId} is known`, 'customer');
    }
    return members;
  }

  /** The next best offer on the web for the customer, as a web page would get it now; none without a store. */
  async function webOffer(customerRef: string): Promise<NextBestOffer | undefined> {
    const store = options.store();
    if (!store) return undefined;
    const defaultOffer = options.defaultOffer?.();
    return nextBestOffer(store, customerRef, 'web', {
      limit: 3,
      ...(options.lurking ? { lurking: options.lurking } : {}),
      ...(options.switchedOff ? { switchedOff: options.switchedOff } : {}),
      ...(defaultOffer ? { defaultOffer } : {}),
    });
  }

  /**
   * The request's session. Without configured users a loopback client gets one of its own on first
   * use (user "anonymous", role integrator), so the CSRF check works the same way; a client from
   * elsewhere gets none, as the hub's settings refuse to listen beyond loopback without credentials.
   */
  function sessionOf(req: Request, res: Response): ConsoleSession | undefined {
    const id = sessionIdOf(req);
    const session = sessions.get(id);
    if (session || users!.required) return session;
    if (!isLoopbackRequest(req)) return undefined;
    const created = sessions.create(ANONYMOUS, 'integrator');
    setSessionCookie(req, res, created.id);
    return created;
  }

  /** Why a request has no session: not logged in, or, without users, not from this machine. */
  function noSession(): ApiError {
    if (users!.required) return new ApiError(401, 'unauthenticated', 'log in to the console first');
    return new ApiError(
      403,
      'loopback-only',
      'the console has no users (set CRM_HUB_ADMIN_USER or CRM_HUB_MARKETER_USER), so it serves only ' +
        'browsers on this machine at http://127.0.0.1 or http://localhost',
    );
  }

  router.use(notFound);
  router.use(jsonErrors(undefined, options.warn));
  return router;
}

/**
 * For behind the router where it is mounted: Node-RED's admin app parses bodies before the console is
 * reached, and its parser's refusals (broken JSON, too large) skip the router and would end as
 * express's HTML page with a stack trace. This answers them as the console's JSON errors.
 */
export function consoleBodyErrors(): ErrorRequestHandler {
  const render = jsonErrors();
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    securityHeaders(req, res, () => undefined);
    res.setHeader('Cache-Control', 'no-store');
    withoutCors(req, res, () => undefined);
    render(err, req, res, next);
  };
}

function sessionBody(
  session: ConsoleSession,
  authRequired: boolean,
): { authRequired: boolean; user: string; role: ConsoleRole; csrfToken: string } {
  return { authRequired, user: session.user, role: session.role, csrfToken: session.csrfToken };
}

/**
 * Node-RED's admin app answers every request with `Access-Control-Allow-Origin: *`. The console's
 * answers are for its own page only: without the header no other site's script can read them (and so
 * never learns a CSRF token).
 */
function withoutCors(_req: Request, res: Response, next: NextFunction): void {
  res.removeHeader('Access-Control-Allow-Origin');
  res.removeHeader('Access-Control-Allow-Methods');
  next();
}

/**
 * The body limit, also where Node-RED's admin app parsed the body before this router (with its own
 * limit of several MB): by the declared length, or by the parsed body's size when none was declared.
 */
function bodyLimit(req: Request, _res: Response, next: NextFunction): void {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const parsed = (req as Request & { _body?: boolean })._body === true;
  const size = Number.isFinite(declared)
    ? declared
    : parsed
      ? Buffer.byteLength(JSON.stringify(req.body ?? null))
      : 0;
  if (size > CONSOLE_BODY_LIMIT) {
    return next(
      new ApiError(413, 'too-large', `a console request body has at most ${CONSOLE_BODY_LIMIT} bytes`),
    );
  }
  if (needsBody(req) && !req.is('application/json')) {
    return next(new ApiError(415, 'unsupported-media-type', 'send the body as application/json'));
  }
  next();
}

/** A write with a body must send JSON: an HTML form from another site cannot. */
function needsBody(req: Request): boolean {
  const declared = Number(req.headers['content-length'] ?? 0);
  return needsCsrfCheck(req.method) && (declared > 0 || req.headers['transfer-encoding'] !== undefined);
}

/**
 * ?customer= as the REST API takes a customer (golden-customer.ts): a golden id (g-…, also hub:g-…, in
 * either case) or <system>:<id>; a 400 naming the parameter for anything else.
 */
function explainedCustomer(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  try {
    return customerIdParam(text);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw new ApiError(
      400,
      'invalid-customer',
      'query parameter customer is required: a golden id (g-…) or <system>:<id>, e.g. ?customer=crm:4711',
      'customer',
    );
  }
}

/** The golden id of a customer id customerIdParam answered, or undefined for a source ref. */
function goldenIdOf(id: string): string | undefined {
  const bare = id.startsWith('hub:') ? id.slice('hub:'.length) : id;
  return isGoldenId(bare) ? bare : undefined;
}

function auditLimit(value: unknown): number {
  if (value === undefined) return 50;
  const limit = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= AUDIT_MAX)) {
    throw new ApiError(400, 'invalid-limit', `limit must be a whole number from 1 to ${AUDIT_MAX}`, 'limit');
  }
  return limit;
}
