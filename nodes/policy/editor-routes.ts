import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError, route } from '../../app/api/api-error';
import { compileBodyCard } from '../../app/api/policies-api';
import { compileCard, PolicyCardError, type CompiledPolicy, type PolicyCard } from '../../policies/card';
import { describeCardBoth } from '../../policies/card-plain-language';
import type { ContactPolicySettings } from '../../policies/contact/contact-policy';
import { dryRun } from '../../policies/dry-run';
import { hubRuntime } from '../shared/hub-runtime';
import { firstTimeFor } from '../shared/once';
import { errorMessage, type RED } from '../shared/red';
import { cardFromConfig, type PolicyDef } from './card-config';

/** what reading the policies in the editor needs; Node-RED's "read" scope grants it */
export const POLICIES_READ_PERMISSION = 'crm-hub.read';
/** the longest look back the editor's dry-run offers */
export const MAX_EDITOR_DRY_RUN_DAYS = 93;
/** the editor's dry-runs running at once */
export const MAX_EDITOR_DRY_RUNS = 2;
/** a card from the dialog, all fields together; Node-RED's own body limit is several MB */
const MAX_CARD_CHARS = 64 * 1024;
const DAY_MS = 86_400_000;
/** the policy dialog's text fields: what a card is spelled in (see card-config.ts) */
const CARD_FIELDS = [
  'name', 'policyId', 'titleEn', 'titleDe', 'descriptionEn', 'descriptionDe', 'cardVersion', 'when',
  'condition', 'history', 'then', 'escalation', 'perCustomer', 'perChannel', 'global', 'cooldown',
  'priority', 'scorePropensity', 'scoreValue', 'scoreWeight', 'scheduleFrom', 'scheduleTo',
  'scheduleHours', 'scheduleTimeZone', 'holdout', 'mode',
] as const; // prettier-ignore

/**
 * The policy dialog and the CRM Hub sidebar on the admin API, behind the editor's own log-in:
 *
 *   GET  /crm-hub/policies             the deployed cards with their switch and counts (the sidebar)
 *   POST /crm-hub/policies/describe    {card} → the card in plain German and English
 *   POST /crm-hub/policies/dry-run     {card, days: 7} → what it would have done
 *
 * The card is the dialog's unsaved fields, so a draft is read and replayed before it is deployed, or a
 * card as README and the REST dry-run spell it: YAML text or the card object.
 */
export function ensurePolicyEditorRoutes(RED: RED): void {
  const admin = RED.httpAdmin;
  if (!admin || !firstTimeFor(admin, 'policy-editor-routes')) return;
  const read = RED.auth.needsPermission(POLICIES_READ_PERMISSION);
  const routes = express.Router();

  routes.get(
    '/',
    read,
    route(async (_req, res) => {
      const policies = hubRuntime.policyRegistry.list();
      res.json({ policies, store: hubRuntime.store() !== undefined });
    }),
  );

  routes.post(
    '/describe',
    read,
    route(async (req, res) => {
      const { card } = draftOf(req);
      res.json({ policyId: card.policy, ...describeCardBoth(card) });
    }),
  );

  // each replays up to MAX_EDITOR_DRY_RUN_DAYS of events in memory: a few at once, not one per click
  let dryRunning = 0;
  routes.post(
    '/dry-run',
    read,
    route(async (req, res) => {
      const { compiled } = draftOf(req);
      const days = daysOf((req.body as { days?: unknown }).days);
      const store = hubRuntime.store();
      if (!store)
        throw new ApiError(503, 'no-store', 'no hub-store is deployed, so there are no recorded events');
      if (dryRunning >= MAX_EDITOR_DRY_RUNS) {
        res.setHeader('Retry-After', '5');
        throw new ApiError(429, 'dry-run-busy', 'other dry-runs are running; try again when they are done');
      }
      dryRunning += 1;
      try {
        const to = Date.now();
        const settings = RED.settings as unknown as { crmHub?: { contactPolicy?: ContactPolicySettings } };
        const report = await dryRun({
          card: compiled,
          from: new Date(to - days * DAY_MS).toISOString(),
          to: new Date(to).toISOString(),
          store,
          contactPolicy: settings.crmHub?.contactPolicy ?? {},
        });
        res.json(report);
      } finally {
        dryRunning -= 1;
      }
    }),
  );

  routes.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof ApiError) return void res.status(err.status).json(err.body());
    res.status(500).json({ error: 'failed', message: errorMessage(err) });
  });
  admin.use('/crm-hub/policies', routes);
}

/** The body's card compiled, so a mistake names its field before anything runs. */
function draftOf(req: Request): { card: PolicyCard; compiled: CompiledPolicy } {
  const tooLarge = () => new ApiError(413, 'too-large', 'a policy card from the dialog is at most 64 kB');
  if (Number(req.headers['content-length'] ?? 0) > MAX_CARD_CHARS) throw tooLarge();
  const fields = (req.body as { card?: unknown } | undefined)?.card;
  if (typeof fields === 'string' || isCardObject(fields)) {
    // a chunked body declares no length: the card itself is counted too
    if ((typeof fields === 'string' ? fields : JSON.stringify(fields)).length > MAX_CARD_CHARS)
      throw tooLarge();
    const compiled = compileBodyCard(fields);
    return { card: compiled.card, compiled };
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new ApiError(
      400,
      'invalid-body',
      'body must be {"card": <the policy dialog fields, a card object or its YAML text>}',
      'card',
    );
  }
  const config: Record<string, string> = { id: 'draft' };
  // a chunked body declares no length: the fields themselves are counted too
  let chars = 0;
  for (const key of CARD_FIELDS) {
    const value = (fields as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') {
      throw new ApiError(400, 'invalid-card', `${key} must be text or a number`, key);
    }
    config[key] = String(value);
    chars += config[key].length;
    if (chars > MAX_CARD_CHARS) throw tooLarge();
  }
  if (!config.policyId) throw new ApiError(400, 'invalid-card', 'the card needs a policy id', 'policyId');
  try {
    const card = cardFromConfig(config as unknown as PolicyDef);
    return { card, compiled: compileCard(card) };
  } catch (err) {
    if (err instanceof PolicyCardError) throw new ApiError(400, 'invalid-card', err.message, err.field);
    throw new ApiError(400, 'invalid-card', errorMessage(err), 'card');
  }
}

/** A card as written (`policy:`), not the dialog's fields (`policyId`). */
function isCardObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.hasOwn(value, 'policy') &&
    !Object.hasOwn(value, 'policyId')
  );
}

function daysOf(value: unknown): number {
  if (value === undefined) return 7;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_EDITOR_DRY_RUN_DAYS) {
    throw new ApiError(
      400,
      'invalid-days',
      `days must be a whole number from 1 to ${MAX_EDITOR_DRY_RUN_DAYS}`,
      'days',
    );
  }
  return value;
}
