import type { RequestHandler } from 'express';
import { ApiError } from './api-error';

/**
 * The admin check of a router whose glue passed none (Node-RED's needsPermission): as needsPermission
 * does without adminAuth, a request is let through while the hub has no admin credentials; with them
 * it fails closed, a 403 saying `refusal`.
 */
export function refuseWhileAdminAuthConfigured(env: NodeJS.ProcessEnv, refusal: string): RequestHandler {
  return (_req, _res, next) => {
    const adminAuth =
      !!env.CRM_HUB_ADMIN_USER && !!(env.CRM_HUB_ADMIN_PASSWORD || env.CRM_HUB_ADMIN_PASSWORD_HASH);
    if (!adminAuth) return next();
    next(new ApiError(403, 'admin-only', refusal));
  };
}

/**
 * Node-RED's needsPermission(...) as a JSON route of /api/v1. Node-RED answers a refusal itself, in
 * plain text and always as 401: passport's "Unauthorized" with `WWW-Authenticate: Bearer` when no valid
 * token came, an empty 401 when the token's user lacks the permission. This lets the check run as it
 * is, catches the answer it would write, and turns it into the API's JSON: 401 `unauthenticated` (the
 * challenge kept) or 403 `admin-only`. A request the check lets through goes on untouched.
 */
export function jsonPermission(check: RequestHandler, what: string): RequestHandler {
  return (req, res, next) => {
    let challenge: string | undefined;
    // Passport and Node-RED write the refusal through these only; the rest stays the real response's.
    const refusal = Object.create(res) as typeof res;
    Object.assign(refusal, {
      setHeader(name: string, value: number | string | readonly string[]) {
        if (name.toLowerCase() === 'www-authenticate') challenge = [value].flat().join(', ');
        return refusal;
      },
      status(code: number) {
        refusal.statusCode = code;
        return refusal;
      },
      end() {
        const user = (req as { user?: { anonymous?: boolean } }).user;
        next(
          user && !user.anonymous
            ? new ApiError(
                403,
                'admin-only',
                `${what} is for admins: this user's permissions do not include it`,
              )
            : new ApiError(
                401,
                'unauthenticated',
                tokenAdvice(req.headers.authorization, what),
                undefined,
                {},
                challenge ? { 'WWW-Authenticate': challenge } : {},
              ),
        );
        return refusal;
      },
    });
    check(req, refusal, next);
  };
}

/**
 * Where the admin's token goes. A request that reached the route with Basic credentials came past the
 * API user's check (settings.js httpNodeAuth), which wants them in the Authorization header: the token
 * can only go in the query then, and advising a Bearer header would have the API user refused.
 */
function tokenAdvice(authorization: string | undefined, what: string): string {
  const query = '?access_token=<token>, percent-encoded (+ as %2B)';
  if (/^\s*basic\s/i.test(authorization ?? '')) {
    return `${what} needs an admin's token: the Authorization header carries Basic credentials (the API user's), so send the token beside them as ${query}`;
  }
  return `${what} needs an admin's token: Authorization: Bearer <token>, or ${query}; with an API user configured (CRM_HUB_API_USER) only the query, as the Authorization header carries the API user's Basic credentials`;
}
