import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import {
  DeadLetterError,
  DeadLetterQueue,
  parseDestination,
  replayResultBrief,
  type DeadLetterErrorCode,
  type Destination,
} from '../../connectors/amqp/dead-letters';
import { errorMessage } from '../../formats/error-message';
import { jsonPermission, refuseWhileAdminAuthConfigured } from './admin-only';
import { ApiError, jsonErrors, methodNotAllowed, notFound } from './api-error';
import { personalData } from './personal-data';

/**
 * /api/v1/dead-letters: the dead-letter queue over HTTP, for admins only (the same operations as
 * `crm-hub dead-letters`). Dead letters hold customer data and replaying one re-runs its effects, so
 * the router sits behind the editor's admin authentication: the Node-RED glue passes
 * `RED.auth.needsPermission(DEAD_LETTERS_PERMISSION)` as `adminOnly`. It asks for an admin token (Authorization:
 * Bearer, or ?access_token= when the API user's Basic credentials take the header); the permission is
 * neither a read nor a write scope, so only a full admin ('*') has it. Without such a check the router
 * refuses every request while admin credentials are configured, and is open only when the hub has no
 * admin credentials at all, as Node-RED's own admin routes are (the hub then listens on loopback only).
 * Refusals are JSON like every other error of the API: 401 `unauthenticated`, 403 `admin-only`.
 */
export const DEAD_LETTERS_PERMISSION = 'crm-hub.dead-letters';

export interface DeadLettersApiOptions {
  /** the admin check (the glue passes Node-RED's needsPermission); default: see above */
  adminOnly?: RequestHandler;
  /** the broker URL(s); default AMQP_URL, as the hub's amqp-broker node reads it */
  brokerUrl?: () => string | readonly string[] | undefined;
  /** default crm.dead-letter */
  queue?: string;
  env?: NodeJS.ProcessEnv;
  /** where a failure no status fits is logged with the incident id its 500 names; default console.error */
  logError?: (message: string) => void;
}

const STATUS: Record<DeadLetterErrorCode, number> = {
  'invalid-argument': 400,
  'not-found': 404,
  'no-destination': 409,
  unroutable: 409,
  refused: 409,
  nacked: 409,
  'outcome-unknown': 502,
  'not-connected': 502,
  'no-broker': 503,
};

export function createDeadLettersApi(options: DeadLettersApiOptions = {}): Router {
  const env = options.env ?? process.env;
  const api = express.Router();
  const fallback = refuseWhileAdminAuthConfigured(
    env,
    'the dead-letter API is for admins, and this hub has no admin check wired for it; use `crm-hub dead-letters`',
  );
  api.use(options.adminOnly ? jsonPermission(options.adminOnly, 'the dead-letter API') : fallback);
  api.use(express.json({ limit: '16kb' }), personalData);

  // Every request makes a pass over the queue: each message off the head, a copy back at the tail.
  // Two passes at once see each other's copies and list a dead letter twice or miss it, so within this
  // hub they run one at a time (other processes, such as the CLI, are not covered: see the README).
  const oneAtATime = serially();
  const withQueue =
    (work: (dlq: DeadLetterQueue, req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      oneAtATime(async () => {
        const dlq = new DeadLetterQueue({
          url: (options.brokerUrl ?? (() => env.AMQP_URL))(),
          queue: options.queue,
        });
        try {
          await work(dlq, req, res);
        } finally {
          await dlq.close();
        }
      }).catch(next);
    };

  api.get(
    '/',
    withQueue(async (dlq, req, res) => {
      const limit = queryCount(req, 'limit');
      const offset = queryCount(req, 'offset');
      res.json(await dlq.list({ limit, offset }));
    }),
  );

  // Before /:id, so "replay" is not taken for an id.
  api.post(
    '/replay',
    refuseUnknownReplayFields('all'),
    withQueue(async (dlq, req, res) => {
      const result = replayResultBrief(await dlq.replay({ all: true }, { to: destination(req) }));
      if (result.failed.length > 0) {
        throw new ApiError(
          409,
          'replay-failed',
          `${result.failed.length} of ${result.failed.length + result.replayed.length} dead letters could not be replayed and stay in the queue`,
          undefined,
          { ...result },
        );
      }
      res.json(result);
    }),
  );

  api.all('/', methodNotAllowed('GET, HEAD'));
  // before /:id, which would read "replay" as a message id
  api.all('/replay', methodNotAllowed('POST'));

  api.get(
    '/:id',
    withQueue(async (dlq, req, res) => {
      res.json(await dlq.show(req.params.id));
    }),
  );

  api.post(
    '/:id/replay',
    refuseUnknownReplayFields('one'),
    withQueue(async (dlq, req, res) => {
      const result = replayResultBrief(await dlq.replay({ id: req.params.id }, { to: destination(req) }));
      if (result.failed.length > 0) {
        const first = result.failed[0];
        throw new ApiError(
          STATUS[first.code] ?? 409,
          'replay-failed',
          `dead letter '${req.params.id}' was not replayed and stays in the queue: ${first.error}`,
          first.code === 'no-destination' ? 'to' : undefined,
          { ...result },
        );
      }
      res.json(result);
    }),
  );

  api.delete(
    '/:id',
    withQueue(async (dlq, req, res) => {
      res.json({ id: req.params.id, purged: await dlq.purge(req.params.id) });
    }),
  );

  api.all('/:id', methodNotAllowed('GET, HEAD, DELETE'));
  api.all('/:id/replay', methodNotAllowed('POST'));
  api.use(notFound);
  api.use(jsonErrors(deadLetterError, options.logError));
  return api;
}

/** Runs the tasks given to it one after the other, in the order given; a failed one does not stop the next. */
function serially(): (task: () => Promise<void>) => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return (task) => {
    const run = last.then(task);
    last = run.catch(() => undefined);
    return run;
  };
}

/** The limit of a list, 1 to MAX_LIMIT, answered as the API's other lists answer it (invalid-limit). */
const MAX_LIMIT = 1000;

function queryCount(req: Request, name: 'limit' | 'offset'): number | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (name === 'limit' && !(count >= 1 && count <= MAX_LIMIT))
    throw new ApiError(400, 'invalid-limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`, 'limit');
  if (!Number.isSafeInteger(count))
    throw new ApiError(400, 'invalid-offset', 'offset must be a whole number from 0', 'offset');
  return count;
}

/** what a replay reads, in the body or the query; access_token is Node-RED's admin check's */
const REPLAY_FIELDS: ReadonlySet<string> = new Set(['to']);
const REPLAY_QUERY: ReadonlySet<string> = new Set(['to', 'access_token']);

/**
 * A field a replay does not read is refused before the queue is touched, as the review API refuses
 * one: {"id": "m-1"} sent to /replay would otherwise replay every dead letter, and a misspelt "too"
 * would send the message back where it failed instead of where the admin meant.
 */
function refuseUnknownReplayFields(which: 'one' | 'all'): RequestHandler {
  return (req, _res, next) => {
    const body: unknown = req.body;
    const inBody =
      body && typeof body === 'object' && !Array.isArray(body)
        ? Object.keys(body).filter((field) => !REPLAY_FIELDS.has(field))
        : [];
    const unknown = [...inBody, ...Object.keys(req.query).filter((field) => !REPLAY_QUERY.has(field))];
    if (unknown.length === 0) return next();
    const one = which === 'all' ? '; to replay one dead letter, POST /api/v1/dead-letters/{id}/replay' : '';
    next(
      new ApiError(
        400,
        'unknown-field',
        `a replay has no field ${unknown.map((field) => `'${field}'`).join(', ')}; send nothing, or to ("<exchange>/<routing key>")${one}`,
        unknown[0],
      ),
    );
  };
}

/** {"to": "<exchange>/<routing key>"} or {"to": {"exchange": …, "routingKey": …}}, or ?to=… */
function destination(req: Request): Destination | undefined {
  const body: unknown = req.body;
  const to: unknown =
    body && typeof body === 'object' && 'to' in body ? (body as { to: unknown }).to : req.query.to;
  if (to === undefined || to === null) return undefined;
  if (typeof to === 'string') {
    try {
      return parseDestination(to);
    } catch (err) {
      throw new ApiError(400, 'invalid-destination', errorMessage(err), 'to');
    }
  }
  const d = to as { exchange?: unknown; routingKey?: unknown };
  if (
    typeof to === 'object' &&
    typeof d.exchange === 'string' &&
    typeof d.routingKey === 'string' &&
    d.routingKey
  )
    return { exchange: d.exchange, routingKey: d.routingKey };
  throw new ApiError(
    400,
    'invalid-destination',
    'to must be "<exchange>/<routing key>" or {"exchange": …, "routingKey": …}',
    'to',
  );
}

/**
 * The queue's own errors, with the status their code stands for, in their brief words: the broker's
 * address, virtual host and user are the operator's (the CLI names them), not an HTTP client's.
 */
function deadLetterError(err: unknown): ApiError | undefined {
  if (!(err instanceof DeadLetterError)) return undefined;
  return new ApiError(STATUS[err.code] ?? 500, err.code, err.brief, err.field);
}
