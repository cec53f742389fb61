import bcrypt from 'bcryptjs';
import type { NextFunction, Request, Response } from 'express';

/**
 * The API user's check (settings.js httpNodeAuth): what Node-RED's own basic auth for
 * `httpNodeAuth: { user, pass }` does (red.js basicAuthMiddleware with the `basic-auth` parser), so
 * the fast paths may keep admitting a header it let through once (nodes/shared/fast-path-mount.ts),
 * with one difference: Node-RED refuses in plain text ("Unauthorized"), while the REST API and
 * /healthz answer every error as JSON. Their refusal is `{"error": "unauthenticated", "message"}`
 * with the same challenge; the SOAP endpoints and a flow's own `http in` endpoints keep Node-RED's.
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
const JSON_ENDPOINT = /^\/(?:api\/v1|healthz)(?:[/?]|$)/i;
const CHALLENGE = 'Basic realm="Authorization Required"';

export function basicCredentials(header: string | undefined): { name: string; pass: string } | undefined {
  const token = header === undefined ? undefined : CREDENTIALS.exec(header)?.[1];
  const pair = token === undefined ? null : USER_PASS.exec(Buffer.from(token, 'base64').toString());
  return pair ? { name: pair[1], pass: pair[2] } : undefined;
}

/** `hash`: a bcrypt hash (settings.js makes one of a plain password). */
export function apiBasicAuth(user: string, hash: string): ApiBasicAuth {
  // the password cannot change while the hub runs: Node-RED caches the one it checked last, and so
  // does this (bcrypt costs some 50 ms a request)
  let checked: string | undefined;
  const passwordIs = (pass: string): boolean => {
    if (checked === pass) return true;
    const ok = bcrypt.compareSync(pass, hash);
    if (ok) checked = pass;
    return ok;
  };
  const check = (req: Request, res: Response, next: NextFunction): void => {
    // a preflight carries no credentials; Node-RED lets it through too
    if (req.method === 'OPTIONS') return next();
    const given = basicCredentials(req.headers.authorization);
    if (given && given.name === user && passwordIs(given.pass)) return next();
    res.set('WWW-Authenticate', CHALLENGE);
    if (!JSON_ENDPOINT.test(req.url)) {
      res.sendStatus(401);
      return;
    }
    res
      .status(401)
      .set('Cache-Control', 'no-store')
      .json({ error: 'unauthenticated', message: refusal(req, given !== undefined) });
  };
  return Object.assign(check, { hubBasicAuth: true as const });
}

function refusal(req: Request, gaveBasic: boolean): string {
  const what = /^\/healthz/i.test(req.url) ? '/healthz' : "the hub's REST API";
  const needs = `${what} needs the API user's credentials (CRM_HUB_API_USER), sent as HTTP Basic: Authorization: Basic <base64 of user:password>`;
  if (gaveBasic) return `these Basic credentials are not the API user's: ${needs}`;
  const scheme = /^\s*(\S+)/.exec(req.headers.authorization ?? '')?.[1];
  if (scheme?.toLowerCase() === 'bearer') {
    // an admin route's token: it goes beside the API user, not in place of it
    return `${needs}; an admin's token does not replace them: send it as well, as ?access_token=<token> (percent-encoded, + as %2B)`;
  }
  return needs;
}
