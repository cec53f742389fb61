import { canonicalUuid } from '../../mappings/canonical/event-id';
import express, { type Request, type Response, type Router } from 'express';
import { errorMessage } from '../../formats/error-message';
import {
  StoreNotOpenError,
  UnknownPolicyError,
  type Actor,
  type AuditEntry,
  type PolicyRegistry,
} from '../../policies/registry';
import type { CompiledPolicy, PolicyCard } from '../../policies/card';
import { PolicyCardError } from '../../policies/card';
import { CardFileError } from '../../policies/card-files';
import { ContactPolicyError, type ContactPolicySettings } from '../../policies/contact/contact-policy';
import { compileDryRunCard, dryRun, type DryRunReport, type DryRunStore } from '../../policies/dry-run';
import {
  ResponseLedgerError,
  type PolicyReport,
  type ResponseAttribution,
} from '../../policies/response-ledger';
import type { OfferResponse } from '../../mappings/canonical/types';
import { compileValidator } from '../../mappings/validate';
import { calendarDateProblem } from '../../policies/schedule';
import {
  ApiError,
  apiErrors,
  isStoreUnreachable,
  methodNotAllowed,
  numberQuery,
  requireStore,
  route,
  storeNotOpen,
  storeUnavailable,
  type StoreSource,
} from './api-error';
import { batchItems } from './batch-body';
import { CUSTOMER_REF } from './golden-customer';
import { strictJsonBody } from './json-body';

/**
 * The policies as the marketers' console sees them, under /api/v1:
 *
 *   GET  /policies                          every deployed card: title, mode, version, on/off, counts,
 *                                           and its report (fires, deliveries, suppressions, responses,
 *                                           uplift) from the response ledger
 *   GET  /policies/:id?days=30              one card; its report charts `days` days (default 7, at most 90)
 *   POST /policies/:id/toggle               flips the switch; {"enabled": bool} sets it instead
 *   PUT  /policies/:id/state                {"enabled": bool}
 *   GET  /policies/:id/audit                who switched it, when and from where; newest first
 *   GET  /policies/:id/explain?customer=    the engine's explanations for the customer's recent events
 *   GET  /decisions/:decisionId             the evaluation that made a recent decision
 *   POST /policies/dry-run                  {card | policyId, from, to}: replays the card over the period
 *   POST /responses                         canonical responses (one or an array): cooldown, offer status,
 *                                           and the report; 202 with the response ids
 *
 * Switching goes through the same switch as the policy node's button in the editor, takes effect at
 * once and is kept in the hub store. It is a write: with authentication configured it records the
 * authenticated user; without, only a client on loopback may switch, recorded as anonymous@<address>.
 */
export interface PoliciesBackend {
  registry: PolicyRegistry;
  /** true when the REST endpoints sit behind authentication (Node-RED's httpNodeAuth) */
  authConfigured(): boolean;
  /** the deployment's contact policy settings (settings.js crmHub.contactPolicy) a dry-run applies */
  contactPolicy?(): ContactPolicySettings | undefined;
  /** the response ledger's reports; without it the policies carry no report */
  reports?(options: { policyIds: string[]; days?: number }): Promise<Map<string, PolicyReport>>;
  /** keeps a customer's answer (cooldown, offer status, ledger); throws while no store is deployed */
  recordResponse?(response: OfferResponse): Promise<{ added: boolean; attribution?: ResponseAttribution }>;
}

export interface PoliciesApiContext {
  policies?: () => PoliciesBackend | undefined;
  /** the hub store a dry-run reads recorded events and customers from */
  store?: () => DryRunStore | undefined;
  /** tells a hub-store that is deployed but not open from none at all */
  health?: StoreSource<DryRunStore>['health'];
}

/** the longest period one dry-run replays */
export const MAX_DRY_RUN_DAYS = 93;
const DAY_MS = 86_400_000;

const POLICY_ID = /^[a-z0-9][a-z0-9-]{0,127}$/;
const DECISION_ID = /^[0-9a-f]{32}$/;
/** most responses in one POST /responses */
export const MAX_RESPONSE_BATCH = 100;
const LOOPBACK = new Set(['127.0.0.1', '::1']);

export function createPoliciesApi(context: PoliciesApiContext = {}): Router {
  const api = express.Router();
  // the hub API parses bodies before this router; this parser serves the router on its own
  api.use('/policies/dry-run', strictJsonBody({ limit: '64kb' }));
  api.use('/policies', strictJsonBody({ limit: '1kb' }));
  api.use('/responses', strictJsonBody({ limit: '256kb' }));
  const backend = (): PoliciesBackend => {
    const found = context.policies?.();
    if (!found) throw new ApiError(503, 'no-policies', 'the policy runtime is not loaded');
    return found;
  };

  api.get(
    '/policies',
    route(async (_req, res) => {
      const found = backend();
      const policies = found.registry.list();
      res.json({ policies: await withReports(found, policies) });
    }),
  );

  api.post(
    '/policies/dry-run',
    route(async (req, res) => {
      const store = { store: () => context.store?.(), health: context.health };
      res.json(await dryRunAnswer(backend, store, req.body));
    }),
  );
  // here, not with the others below: a GET of it would otherwise be read as the card named dry-run
  api.all('/policies/dry-run', methodNotAllowed('POST'));

  api.get(
    '/policies/:id',
    route(async (req, res) => {
      const found = backend();
      const summary = found.registry.get(policyIdParam(req));
      if (!summary) throw unknownPolicy(req.params.id);
      const [withReport] = await withReports(found, [summary], daysParam(req));
      res.json(withReport);
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
      // the engine writes lower case; a ticket or a spreadsheet may have upper-cased the same digits
      const decisionId = req.params.decisionId.toLowerCase();
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

  const validateResponse = compileValidator('response');
  api.post(
    '/responses',
    route(async (req, res) => {
      const responses = batchItems(req, {
        noun: 'response',
        max: MAX_RESPONSE_BATCH,
        validate: validateResponse,
        idKey: 'responseId',
      });
      const found = backend();
      if (!found.recordResponse) throw new ApiError(503, 'no-responses', 'the hub records no responses here');
      // UUIDs compare without case (RFC 9562): a retry in capitals is the response already recorded
      const typed = (responses as unknown as OfferResponse[]).map((response) => ({
        ...response,
        responseId: canonicalUuid(response.responseId),
        ...(typeof response.offerId === 'string' ? { offerId: canonicalUuid(response.offerId) } : {}),
      }));
      const results = [];
      for (const [index, response] of typed.entries()) {
        try {
          const { added, attribution } = await found.recordResponse(response);
          results.push({
            responseId: response.responseId,
            new: added,
            ...(attribution?.policyId ? { policyId: attribution.policyId } : {}),
            ...(attribution?.group ? { group: attribution.group } : {}),
            ...(attribution?.inTime === undefined ? {} : { inTime: attribution.inTime }),
          });
        } catch (err) {
          throw responseError(err, index, typed.map((r) => r.responseId).slice(0, index));
        }
      }
      res.status(202).json({ responseIds: typed.map((response) => response.responseId), responses: results });
    }),
  );

  api.all('/policies', methodNotAllowed('GET, HEAD'));
  api.all('/policies/:id', methodNotAllowed('GET, HEAD'));
  api.all('/policies/:id/toggle', methodNotAllowed('POST'));
  api.all('/policies/:id/state', methodNotAllowed('PUT'));
  api.all('/policies/:id/audit', methodNotAllowed('GET, HEAD'));
  api.all('/policies/:id/explain', methodNotAllowed('GET, HEAD'));
  api.all('/decisions/:decisionId', methodNotAllowed('GET, HEAD'));
  api.all('/responses', methodNotAllowed('POST'));

  async function switchTo(req: Request, res: Response, policyId: string, enabled: boolean): Promise<void> {
    const { registry, authConfigured } = backend();
    res.json(await switchPolicy(registry, policyId, enabled, actorOf(req, authConfigured(), 'api')));
  }

  api.use(apiErrors);
  return api;
}

/**
 * A dry-run as POST /policies/dry-run answers it, for any router that offers one (the console's too):
 * the body's card (YAML text or an object) or a deployed card's policyId, replayed over from..to.
 */
export async function dryRunAnswer(
  backendOf: () => PoliciesBackend,
  storeSource: StoreSource<DryRunStore>,
  requestBody: unknown,
): Promise<DryRunReport> {
  const body = (requestBody ?? {}) as Record<string, unknown>;
  const { from, to } = periodOf(body);
  const limit = body.limit === undefined ? undefined : dryRunLimit(body.limit);
  const backend = backendOf();
  let policy: CompiledPolicy;
  if (body.card !== undefined) {
    policy = compileBodyCard(body.card);
  } else if (typeof body.policyId === 'string') {
    if (!POLICY_ID.test(body.policyId)) {
      throw new ApiError(400, 'invalid-policy-id', `'${body.policyId}' is not a policy id`, 'policyId');
    }
    const found = deployedCard(backend, body.policyId);
    if (!found)
      throw new ApiError(404, 'unknown-policy', `no policy '${body.policyId}' is deployed`, 'policyId');
    policy = found;
  } else {
    throw new ApiError(
      400,
      'invalid-body',
      'body must name a card (YAML text or an object) or the policyId of a deployed card',
      'card',
    );
  }
  const store = requireStore(storeSource, 'no hub-store is deployed, so there are no recorded events');
  const report = await dryRun({
    card: policy,
    from,
    to,
    store,
    contactPolicy: backend.contactPolicy?.() ?? {},
    ...(limit === undefined ? {} : { maxEvents: limit }),
  });
  return report;
}

/** What a switch answers: `audit` is the entry it wrote, and there is none when nothing changed. */
export interface SwitchAnswer {
  policyId: string;
  enabled: boolean;
  previous: boolean;
  changed: boolean;
  audit?: AuditEntry;
}

/**
 * Switches a policy as PUT /policies/:id/state does, for any router (the console's too), with the
 * answer {policyId, enabled, previous, changed, audit}; an ApiError for an unknown policy or a store
 * failure. A switch to the state the card is already in changes nothing, so it is answered with that
 * state and not audited (the registry makes it no switch). A switch the store could not keep did not
 * take effect either (the registry keeps it first): 503 while the store cannot be reached, so the
 * client retries the same request.
 */
export async function switchPolicy(
  registry: PolicyRegistry,
  policyId: string,
  enabled: boolean,
  actor: Actor,
): Promise<SwitchAnswer> {
  try {
    // the registry judges "no change" inside its per-policy turn, after any switch under way
    const entry = await registry.setEnabled(policyId, enabled, actor);
    if (!entry) return { policyId, enabled, previous: enabled, changed: false };
    return { policyId, enabled, previous: entry.previous, changed: true, audit: entry };
  } catch (err) {
    throw switchError(err, policyId, enabled);
  }
}

/** Why a switch was refused, as the REST API and the editor's button answer it. */
export function switchError(err: unknown, policyId: string, enabled: boolean): ApiError {
  if (err instanceof UnknownPolicyError) return unknownPolicy(policyId);
  if (err instanceof StoreNotOpenError) return storeNotOpen();
  if (isStoreUnreachable(err)) return storeUnavailable();
  return new ApiError(
    500,
    'store-failed',
    `switching ${policyId} ${enabled ? 'on' : 'off'} was not kept, so it did not take effect: ${errorMessage(err)}`,
  );
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

export function policyIdParam(req: Request): string {
  const policyId = req.params.id;
  if (!POLICY_ID.test(policyId)) {
    throw new ApiError(400, 'invalid-policy-id', `'${policyId}' is not a policy id`, 'id');
  }
  return policyId;
}

function limitParam(req: Request): number {
  if (req.query.limit === undefined) return 100;
  const limit = numberQuery(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ApiError(400, 'invalid-limit', 'limit must be a whole number from 1 to 1000', 'limit');
  }
  return limit;
}

/** A request's card, YAML text or a card object, compiled; a mistake is a 400 naming its field (and line). */
export function compileBodyCard(card: unknown): CompiledPolicy {
  if (typeof card !== 'string' && (typeof card !== 'object' || card === null || Array.isArray(card))) {
    throw new ApiError(400, 'invalid-card', 'card must be YAML text or a card object', 'card');
  }
  try {
    return compileDryRunCard(card as string | PolicyCard);
  } catch (err) {
    if (err instanceof CardFileError) {
      throw new ApiError(400, 'invalid-card', err.message.replace(/^card: /, ''), err.field, {
        ...(err.line === undefined ? {} : { line: err.line }),
      });
    }
    if (err instanceof PolicyCardError) throw new ApiError(400, 'invalid-card', err.message, err.field);
    throw new ApiError(400, 'invalid-card', errorMessage(err), 'card');
  }
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function periodOf(body: Record<string, unknown>): { from: string; to: string } {
  const at = (field: 'from' | 'to'): number => {
    const value = body[field];
    if (value === undefined || value === null || value === '')
      throw new ApiError(400, 'invalid-period', `${field} is required: a date such as 2025-01-01`, field);
    const instant = typeof value === 'string' ? INSTANT.exec(value) : null;
    if (instant) {
      const [y, m, d] = instant.slice(1, 4).map(Number);
      const problem = calendarDateProblem(instant[0], y, m, d);
      if (problem) throw new ApiError(400, 'invalid-period', `${field}: ${problem}`, field);
    }
    const ms = instant ? Date.parse(instant[0]) : Number.NaN;
    if (Number.isNaN(ms)) {
      throw new ApiError(
        400,
        'invalid-period',
        `${field} must be an ISO 8601 date or date-time with a zone, e.g. 2025-01-01 or 2025-01-01T00:00:00Z`,
        field,
      );
    }
    return ms;
  };
  const from = at('from');
  const to = at('to');
  if (to <= from) throw new ApiError(400, 'invalid-period', 'to must be after from', 'to');
  if (to - from > MAX_DRY_RUN_DAYS * DAY_MS) {
    throw new ApiError(
      400,
      'period-too-long',
      `a dry-run replays at most ${MAX_DRY_RUN_DAYS} days; split the period`,
      'to',
    );
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

function dryRunLimit(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
    throw new ApiError(400, 'invalid-limit', 'limit must be a whole number from 1 to 1000000', 'limit');
  }
  return value;
}

function deployedCard(backend: PoliciesBackend, policyId: string): CompiledPolicy | undefined {
  return backend.registry.card(policyId);
}

/** The summaries with their reports, when the backend has a ledger; the summaries as they are otherwise. */
export async function withReports<T extends { policyId: string }>(
  backend: PoliciesBackend,
  summaries: T[],
  days?: number,
): Promise<(T & { report?: PolicyReport; reportError?: string })[]> {
  if (!backend.reports || summaries.length === 0) return summaries;
  let reports: Map<string, PolicyReport>;
  try {
    reports = await backend.reports({
      policyIds: summaries.map((summary) => summary.policyId),
      ...(days === undefined ? {} : { days }),
    });
  } catch (err) {
    // the cards and their switches are still worth showing while the store cannot be read
    return summaries.map((summary) => ({ ...summary, reportError: errorMessage(err) }));
  }
  return summaries.map((summary) => {
    const report = reports.get(summary.policyId);
    return report ? { ...summary, report } : summary;
  });
}

export function daysParam(req: Request): number | undefined {
  if (req.query.days === undefined) return undefined;
  const days = numberQuery(req.query.days);
  if (!Number.isInteger(days) || days < 1 || days > 90) {
    throw new ApiError(400, 'invalid-days', 'days must be a whole number from 1 to 90', 'days');
  }
  return days;
}

function responseError(err: unknown, index: number, kept: string[]): ApiError {
  const done = { index, recorded: kept };
  if (err instanceof ResponseLedgerError) {
    return new ApiError(400, 'invalid-response', `response ${index}: ${err.message}`, err.field, done);
  }
  if (err instanceof ContactPolicyError) {
    // the one thing the contact policy refuses after the schema passed: an answer to nothing it knows
    return new ApiError(
      400,
      'unattributable-response',
      `response ${index}: ${err.message}`,
      'policyId',
      done,
    );
  }
  return new ApiError(
    503,
    'not-recorded',
    `response ${index}: ${errorMessage(err)}; send it again`,
    '',
    done,
  );
}

function unknownPolicy(policyId: string): ApiError {
  return new ApiError(404, 'unknown-policy', `no policy '${policyId}' is deployed`, 'id');
}
