import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { NextFunction, Request, Response } from 'express';
import { LoginLimiter } from '../console/login-limiter';
import { addressOf } from './policies-api';

/**
 * The editor's log-in, POST /auth/token, answered by the hub in place of Node-RED's (settings.js puts
 * it before Node-RED's route when adminAuth lists users). Node-RED counts every attempt per user name
 * from anywhere and refuses the 6th within 10 minutes with a 500, so six wrong guesses from anyone
 * locked the admin out of the editor, again and again. Here the failures are counted as the console's
 * log-ins are (app/console/login-limiter.ts): per client address and name, the one who fails waits,
 * answered 429 with Retry-After; Node-RED's counter is never reached.
 *
 * Everything else is what Node-RED's route (ensureClientSecret, the client password strategy,
 * oauth2orize's password exchange, passwordTokenExchange) answers: the same clients, the same checks
 * in the same order, the same statuses and OAuth2 error bodies, and the token made by Node-RED's own
 * token store, which its bearer checks and /auth/revoke use. Where Node-RED answered without JSON or
 * with a 5xx for a client's mistake, the answer is a 4xx with an OAuth2 error body (see README.md,
 * "Security defaults").
 */

/** A user of settings.js's adminAuth: the bcrypt hash in `password`, as Node-RED takes them. */
export interface EditorUser {
  readonly username: string;
  readonly password: string;
  readonly permissions: unknown;
}

/** The part of Node-RED's token store (editor-api lib/auth/tokens) the log-in uses. */
export interface EditorTokens {
  create(user: string, client: string, scope: unknown): Promise<{ accessToken: string; expires_in: number }>;
}

export interface EditorLoginOptions {
  users: readonly EditorUser[];
  tokens: EditorTokens;
  /** Node-RED's permission check (editor-api lib/auth/permissions), which its bearer check applies too */
  hasPermission(userScope: unknown, scope: unknown): boolean;
  /** Node-RED's audit log (log.audit of @node-red/util) */
  audit?(event: Record<string, unknown>): void;
  limiter?: LoginLimiter;
}

/**
 * Answers POST /auth/token and passes every other request on. `bodyError` is what the body guard
 * before it passed on (JSON that does not parse), which this route answers as a 400 of its own.
 */
export type EditorLogin = (req: Request, res: Response, next: NextFunction, bodyError?: unknown) => void;

/** express routes Node-RED's `/auth/token` case-insensitively, with or without a trailing slash */
const TOKEN_ROUTE = /^\/auth\/token\/?$/i;
/** Node-RED's clients (editor-api lib/auth/clients): the editor and node-red-admin, with no secret */
const CLIENTS: readonly string[] = ['node-red-editor', 'node-red-admin'];
const NO_SECRET = 'not_available';
const BCRYPT_COST = /^\$2[aby]?\$(\d\d)\$/;

export function editorLogin(options: EditorLoginOptions): EditorLogin {
  const users = new Map(options.users.map((user) => [user.username, user]));
  const limiter = options.limiter ?? new LoginLimiter();
  const audit = options.audit ?? (() => undefined);
  let decoy: Promise<string> | undefined;
  // a name no user has costs the same bcrypt as a known one (Node-RED answered it at once, which told
  // the admin's name apart)
  const decoyHash = (): Promise<string> => {
    const cost = Number(BCRYPT_COST.exec(options.users[0]?.password ?? '')?.[1] ?? 10);
    decoy ??= bcrypt.hash(randomBytes(24).toString('base64'), cost);
    return decoy;
  };
  const authenticate = async (username: unknown, password: unknown): Promise<EditorUser | undefined> => {
    const user = typeof username === 'string' ? users.get(username) : undefined;
    const hash = user?.password ?? (await decoyHash());
    // bcryptjs throws on a password that is no string (a JSON number): a wrong password, as for Node-RED
    const matches = typeof password === 'string' && (await bcrypt.compare(password, hash).catch(() => false));
    return matches ? user : undefined;
  };

  const grant = async (req: Request, res: Response): Promise<void> => {
    const body = isRecord(req.body) ? req.body : {};
    const client = body.client_id;
    const secret = body.client_secret || NO_SECRET;
    if (!client) {
      const how = 'send client_id=node-red-editor in a form or JSON body';
      return oauthError(res, 401, 'invalid_client', `Client authentication failed: no client_id (${how})`);
    }
    if (typeof client !== 'string' || !CLIENTS.includes(client) || secret !== NO_SECRET) {
      audit({ event: 'auth.invalid-client', client });
      return oauthError(res, 401, 'invalid_client', 'Client authentication failed');
    }
    if (body.grant_type !== 'password') {
      const type = describe(body.grant_type);
      return oauthError(res, 400, 'unsupported_grant_type', `Unsupported grant type: ${type}`);
    }
    const { username, password } = body;
    if (!username) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: username');
    if (!password) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: password');
    let scope: unknown = body.scope;
    if (scope) {
      if (typeof scope !== 'string') {
        return oauthError(res, 400, 'invalid_request', 'Invalid parameter: scope must be a string');
      }
      // the token keeps the scope as oauth2orize hands it on: a list, split at spaces
      scope = scope.split(' ');
    }

    const name = typeof username === 'string' ? username : '';
    const address = addressOf(req) ?? 'unknown';
    // counted before the bcrypt, so guesses sent in parallel cannot all pass while it runs
    const wait = limiter.begin(address, name);
    if (wait > 0) {
      audit({ event: 'auth.login.fail.too-many-attempts', username, client });
      res
        .status(429)
        .set({ 'Retry-After': String(wait), 'Cache-Control': 'no-store' })
        .json({
          error: 'too-many-attempts',
          message: `too many failed log-ins; try again in ${Math.ceil(wait / 60)} minute(s)`,
          retryAfterSeconds: wait,
        });
      return;
    }
    const user = await authenticate(username, password);
    if (!user) {
      audit({ event: 'auth.login.fail.credentials', username, client, scope });
      return oauthError(res, 403, 'invalid_grant', 'Invalid resource owner credentials');
    }
    if (scope === '') scope = user.permissions;
    if (!options.hasPermission(user.permissions, scope)) {
      audit({ event: 'auth.login.fail.permissions', username, client, scope });
      return oauthError(res, 403, 'invalid_grant', 'Invalid resource owner credentials');
    }
    limiter.succeeded(name, address);
    const token = await options.tokens.create(user.username, client, scope);
    audit({
      event: 'auth.login',
      user: { username: user.username, permissions: user.permissions },
      username: user.username,
      client,
      scope,
    });
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.end(
      JSON.stringify({ access_token: token.accessToken, expires_in: token.expires_in, token_type: 'Bearer' }),
    );
  };

  return (req, res, next, bodyError) => {
    if (req.method !== 'POST' || !TOKEN_ROUTE.test(req.path)) return next(bodyError);
    if (bodyError !== undefined) {
      const status = (bodyError as { status?: unknown } | null)?.status;
      if (typeof status !== 'number' || status < 400 || status > 499) return next(bodyError);
      const parse = (bodyError as { type?: unknown }).type === 'entity.parse.failed';
      const message = parse ? 'the body is not valid JSON' : String((bodyError as Error).message);
      return oauthError(res, status, 'invalid_request', message);
    }
    grant(req, res).catch(next);
  };
}

/** an error as oauth2orize's error handler answers it at the token endpoint */
function oauthError(res: Response, status: number, error: string, description: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ error, error_description: description }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** how oauth2orize names the grant type in its refusal (a string concatenation), short */
function describe(value: unknown): string {
  let text: string;
  try {
    text = String(value);
  } catch {
    text = typeof value;
  }
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
