import express, { type Request, type Response, type Router } from 'express';
import { errorMessage } from '../../formats/error-message';
import { UnknownPolicyError, type Actor, type PolicyRegistry } from '../../policies/registry';
import { ApiError, apiErrors, route } from './api-error';

/**
 * The policies as the marketers' console sees them, under /api/v1:
 *
 *   GET  /policies                          every deployed card: title, mode, version, on/off, counts
 *   GET  /policies/:id                      one card
 *   POST /policies/:id/toggle               flips the switch; {"enabled": bool} sets it instead
 *   PUT  /policies/:id/state                {"enabled": bool}
 *   GET  /policies/:id/audit                who switched it, when and from where; newest first
 *   GET  /policies/:id/explain?customer=    the engine's explanations for the customer's recent events
 *   GET  /decisions/:decisionId             the evaluation that made a recent decision
 *
 * Switching goes through the same switch as the policy node's button in the editor, takes effect at
 * once and is kept in the hub store. It is a write: with authentication configured it records the
 * authenticated user; without, only a client on loopback may switch, recorded as anonymous@<address>.
 */
export interface PoliciesBackend {
  registry: PolicyRegistry;
  /** true when the REST endpoints sit behind authentication (Node-RED's httpNodeAuth) */
  authConfigured(): boolean;
}

export interface PoliciesApiContext {
  policies?: () => PoliciesBackend | undefined;
}

const POLICY_ID = /^[a-z0-9][a-z0-9-]{0,127}$/;
const CUSTOMER_REF = /^[a-z0-9-]+:[^\s/]{1,64}$/;
const DECISION_ID = /^[0-9a-f]{32}$/;
const LOOPBACK = new Set(['127.0.0.1', '::1']);

export function createPoliciesApi(context: PoliciesApiContext = {}): Router {
  const api = express.Router();
  // the hub API parses bodies before this router; this parser serves the router on its own
  api.use('/policies', express.json({ limit: '1kb' }));
  const backend = (): PoliciesBackend => {
    const found = context.policies?.();
    if (!found) throw new ApiError(503, 'no-policies', 'the policy runtime is not loaded');
    return found;
  };

  api.get(
    '/policies',
    route(async (_req, res) => {
      res.json({ policies: backend().registry.list() });
    }),
  );

  api.get(
    '/policies/:id',
    route(async (req, res) => {
      const { registry } = backend();
      const summary = registry.get(policyIdParam(req));
      if (!summary) throw unknownPolicy(req.params.id);
      res.json(summary);
    }),
  );

  api.post(
    '/policies/:id/toggle',
    route(async (req, res) => {
      const { registry } = backend();
      const policyId = policyIdParam(req);
      const summary = registry.get(policyId);
      if (!summary) throw unknownPolicy(policyId);
      const asked = (req.body as { enabled?: unknown } | undefined)?.enabled;
      if (asked !== undefined && typeof asked !== 'boolean') {
        throw new ApiError(400, 'invalid-body', 'enabled must be true or false', 'enabled');
      }
      await switchTo(req, res, policyId, asked ?? !summary.enabled);
    }),
  );

  api.put(
    '/policies/:id/state',
    route(async (req, res) => {
      const policyId = policyIdParam(req);
      const enabled = (req.body as { enabled?: unknown } | undefined)?.enabled;
      if (typeof enabled !== 'boolean') {
        throw new ApiError(400, 'invalid-body', 'body must be {"enabled": true|false}', 'enabled');
      }
      await switchTo(req, res, policyId, enabled);
    }),
  );

  api.get(
    '/policies/:id/audit',
    route(async (req, res) => {
      const { registry } = backend();
      const policyId = policyIdParam(req);
      const limit = limitParam(req);
      const entries = await registry.audit(policyId, limit);
      if (entries.length === 0 && !registry.has(policyId)) throw unknownPolicy(policyId);
      res.json({ policyId, entries });
    }),
  );

  api.get(
    '/policies/:id/explain',
    route(async (req, res) => {
      const { registry } = backend();
      const policyId = policyIdParam(req);
      const customerRef = typeof req.query.customer === 'string' ? req.query.customer : '';
      if (!CUSTOMER_REF.test(customerRef)) {
        throw new ApiError(
          400,
          'invalid-customer',
          'query parameter customer is required, of the form <system>:<id>, e.g. ?customer=crm:4711',
          'customer',
        );
      }
      const explanation = registry.explain(policyId, customerRef);
      if (explanation.evaluations.length === 0) {
        if (!registry.has(policyId)) throw unknownPolicy(policyId);
        const kept = registry.retention();
        throw new ApiError(
          404,
          'no-evaluation',
          `the engine has not checked policy ${policyId} for customer ${customerRef} since ${kept.since} ` +
            `(it keeps the last ${kept.perCustomer} evaluations of the ${kept.customers} customers seen last)`,
          'customer',
        );
      }
      res.json(explanation);
    }),
  );

  api.get(
    '/decisions/:decisionId',
    route(async (req, res) => {
      const { registry } = backend();
      const decisionId = req.params.decisionId;
      if (!DECISION_ID.test(decisionId)) {
        throw new ApiError(400, 'invalid-decision-id', 'a decision id is 32 hex digits', 'decisionId');
      }
      const found = registry.decision(decisionId);
      if (!found) {
        throw new ApiError(
          404,
          'unknown-decision',
          `decision ${decisionId} is not among the recent evaluations this hub keeps`,
          'decisionId',
        );
      }
      res.json(found);
    }),
  );

  async function switchTo(req: Request, res: Response, policyId: string, enabled: boolean): Promise<void> {
    const { registry, authConfigured } = backend();
    const actor = actorOf(req, authConfigured(), 'api');
    try {
      const entry = await registry.setEnabled(policyId, enabled, actor);
      res.json({ policyId, enabled, previous: entry.previous, audit: entry });
    } catch (err) {
      if (err instanceof UnknownPolicyError) throw unknownPolicy(policyId);
      throw new ApiError(
        500,
        'store-failed',
        `switching ${policyId} ${enabled ? 'on' : 'off'} was not completely kept: ${errorMessage(err)}`,
      );
    }
  }

  api.use(apiErrors);
  return api;
}

/**
 * Who is switching. A user another middleware authenticated (req.user) comes first; with Node-RED's
 * httpNodeAuth configured, the Basic user its middleware already checked before any route ran; without
 * authentication only loopback clients may write, recorded as anonymous@<address>.
 */
export function actorOf(req: Request, authConfigured: boolean, via: Actor['via']): Actor {
  const remoteAddress = addressOf(req);
  const where = remoteAddress ? { remoteAddress } : {};
  const user = (req as Request & { user?: { username?: unknown } }).user?.username;
  if (typeof user === 'string' && user) return { user, via, ...where };
  if (authConfigured) {
    const basic = basicUser(req.headers.authorization);
    if (!basic) throw new ApiError(401, 'unauthenticated', 'switching a policy needs an authenticated user');
    return { user: basic, via, ...where };
  }
  if (!remoteAddress || !LOOPBACK.has(remoteAddress)) {
    throw new ApiError(
      403,
      'authentication-required',
      `switching a policy from ${remoteAddress ?? 'an unknown address'} needs an authenticated user; ` +
        'configure CRM_HUB_API_USER and CRM_HUB_API_PASSWORD',
    );
  }
  return { user: `anonymous@${remoteAddress}`, via, ...where };
}

export function addressOf(req: Request): string | undefined {
  const raw = req.ip ?? req.socket?.remoteAddress;
  if (!raw) return undefined;
  return raw.startsWith('::ffff:') ? raw.slice('::ffff:'.length) : raw;
}

function basicUser(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : '';
  return user || undefined;
}

function policyIdParam(req: Request): string {
  const policyId = req.params.id;
  if (!POLICY_ID.test(policyId)) {
    throw new ApiError(400, 'invalid-policy-id', `'${policyId}' is not a policy id`, 'id');
  }
  return policyId;
}

function limitParam(req: Request): number {
  if (req.query.limit === undefined) return 100;
  const limit = Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ApiError(400, 'invalid-limit', 'limit must be a whole number from 1 to 1000', 'limit');
  }
  return limit;
}

function unknownPolicy(policyId: string): ApiError {
  return new ApiError(404, 'unknown-policy', `no policy '${policyId}' is deployed`, 'id');
}
