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
