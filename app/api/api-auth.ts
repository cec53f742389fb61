import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { NextFunction, Request, Response } from 'express';
import { LoginLimiter } from '../console/login-limiter';

/**
 * The API user's check (settings.js httpNodeAuth): what Node-RED's own basic auth for
 * `httpNodeAuth: { user, pass }` does (red.js basicAuthMiddleware with the `basic-auth` parser), so
 * the fast paths may keep admitting a header it let through once (nodes/shared/fast-path-mount.ts),
 * with one difference: Node-RED refuses in plain text ("Unauthorized"), while the REST API,
 * /healthz, /readyz and /metrics answer every error as JSON. Their refusal is `{"error": "unauthenticated", "message"}`
 * with the same challenge; the SOAP endpoints and a flow's own `http in` endpoints keep Node-RED's.
 * GET and HEAD /livez pass unchecked (LIVENESS_PROBE).
 */
export interface ApiBasicAuth {
  (req: Request, res: Response, next: NextFunction): void;
  /** the mark nodes/shared/fast-path-mount.ts looks for: accepts exactly what Node-RED's basic auth accepts */
  readonly hubBasicAuth: true;
}

// basic-auth 2.0.1, which Node-RED parses with: the scheme in any case, the token, blanks around
const CREDENTIALS = /^ *(?:[Bb][Aa][Ss][Ii][Cc]) +([A-Za-z0-9._~+/-]+=*) *$/;
const USER_PASS = /^([^:]*):(.*)$/;
/** the hub's JSON endpoints below the node root (express strips the mount path) */
const JSON_ENDPOINT = /^\/(?:api\/v1|healthz|readyz|livez|metrics)(?:[/?]|$)/i;
/** the probes and /metrics, named in a refusal */
const PROBE = /^\/(healthz|readyz|livez|metrics)(?:[/?]|$)/i;
/**
 * Kubernetes' liveness probe, exactly as its route (nodes/shared/mount.ts) takes it: a password spray
 * against the API user made it answer 429 to the kubelet, which restarted the hub, whose restart
 * cleared the limiter's memory, and again. It tells only that the process answers ({status,
 * uptimeSeconds}), so it needs no credentials and never reaches the limiter.
 */
const LIVENESS_PROBE = /^\/livez\/?(?:\?|$)/i;
const CHALLENGE = 'Basic realm="Authorization Required"';

export function basicCredentials(header: string | undefined): { name: string; pass: string } | undefined {
  const token = header === undefined ? undefined : CREDENTIALS.exec(header)?.[1];
  const pair = token === undefined ? null : USER_PASS.exec(Buffer.from(token, 'base64').toString());
  return pair ? { name: pair[1], pass: pair[2] } : undefined;
}

export interface ApiBasicAuthOptions {
  /** counts the failures (default: one of its own, as the console's log-in) */
  limiter?: LoginLimiter;
}

/** bcrypt compares the first 72 bytes only; a longer password given is no password of the user's */
const BCRYPT_MAX_BYTES = 72;

/**
 * `hash`: a bcrypt hash (settings.js makes one of a plain password). The compare runs asynchronously
 * (bcryptjs's sync compare held the event loop some 100 ms per guess: 200 guesses in parallel delayed
 * every other request by seconds); a name that is not the API user's is compared against a decoy hash
 * of the same cost, so the answer takes as long (3 ms against 120 ms told the user name); and failures
 * are limited as the console's log-ins are (app/console/login-limiter.ts): per client address and user
 * name, with bounds per address and per name, answered 429 with Retry-After.
 */
export function apiBasicAuth(user: string, hash: string, options: ApiBasicAuthOptions = {}): ApiBasicAuth {
  const limiter = options.limiter ?? new LoginLimiter();
  // the password cannot change while the hub runs: Node-RED caches the one it checked last, and so
  // does this (bcrypt costs some 50 ms a request), as a digest compared in constant time
  let checked: Buffer | undefined;
  let decoy: Promise<string> | undefined;
  const decoyHash = (): Promise<string> =>
    (decoy ??= bcrypt.genSalt(bcrypt.getRounds(hash)).then((salt) => bcrypt.hash('decoy', salt)));
  const known = (pass: string): boolean => {
    const digest = sha256(pass);
    return checked !== undefined && timingSafeEqual(checked, digest);
  };
  const passwordIs = async (name: string, pass: string): Promise<boolean> => {
    const isUser = name === user;
    const ok = await bcrypt.compare(pass, isUser ? hash : await decoyHash());
    return ok && isUser && Buffer.byteLength(pass) <= BCRYPT_MAX_BYTES;
  };
  const refuse = (req: Request, res: Response, gaveBasic: boolean): void => {
    res.set('WWW-Authenticate', CHALLENGE);
    if (!JSON_ENDPOINT.test(req.url)) {
      res.sendStatus(401);
      return;
    }
    res
      .status(401)
      .set('Cache-Control', 'no-store')
      .json({ error: 'unauthenticated', message: refusal(req, gaveBasic) });
  };
  const check = (req: Request, res: Response, next: NextFunction): void => {
    // a preflight carries no credentials; Node-RED lets it through too
    if (req.method === 'OPTIONS') return next();
    if ((req.method === 'GET' || req.method === 'HEAD') && LIVENESS_PROBE.test(req.url)) return next();
    const given = basicCredentials(req.headers.authorization);
    if (!given) return refuse(req, res, false);
    if (given.name === user && known(given.pass)) return next();
    const address = clientAddress(req);
    // counted before the compare, so guesses sent in parallel cannot all pass while it runs
    const wait = limiter.begin(address, given.name);
    if (wait > 0) return tooMany(req, res, wait);
    passwordIs(given.name, given.pass).then(
      (ok) => {
        if (!ok) return refuse(req, res, true);
        limiter.succeeded(given.name, address);
        checked = sha256(given.pass);
        next();
      },
      (err: unknown) => next(err),
    );
  };
  return Object.assign(check, { hubBasicAuth: true as const });
}

function tooMany(req: Request, res: Response, wait: number): void {
  res.set('Retry-After', String(wait));
  if (!JSON_ENDPOINT.test(req.url)) {
    res.sendStatus(429);
    return;
  }
  res
    .status(429)
    .set('Cache-Control', 'no-store')
    .json({
      error: 'too-many-attempts',
      message: `too many failed log-ins from this address; try again in ${Math.ceil(wait / 60)} minute(s)`,
      retryAfterSeconds: wait,
    });
}

/** the client's address: req.ip follows settings.js's trust proxy (CRM_HUB_TRUST_PROXY) behind a proxy */
function clientAddress(req: Request): string {
  const raw = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
  return raw.startsWith('::ffff:') ? raw.slice('::ffff:'.length) : raw;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function refusal(req: Request, gaveBasic: boolean): string {
  const probe = PROBE.exec(req.url)?.[1];
  const what = probe ? `/${probe.toLowerCase()}` : "the hub's REST API";
  const needs = `${what} needs the API user's credentials (CRM_HUB_API_USER), sent as HTTP Basic: Authorization: Basic <base64 of user:password>`;
  if (gaveBasic) return `these Basic credentials are not the API user's: ${needs}`;
  const scheme = /^\s*(\S+)/.exec(req.headers.authorization ?? '')?.[1];
  if (scheme?.toLowerCase() === 'bearer') {
    // an admin route's token: it goes beside the API user, not in place of it
    return `${needs}; an admin's token does not replace them: send it as well, as ?access_token=<token> (percent-encoded, + as %2B)`;
  }
  return needs;
}
