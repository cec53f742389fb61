import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import {
  customerOffers,
  InvalidChannelError,
  isContactChannel,
  nextBestOffer,
  NBO_MAX_LIMIT,
  type DefaultOffer,
  type ListedOffer,
  type LurkingOffers,
  type NextBestOfferOptions,
  type PolicySwitchedOff,
} from '../../records/customer-view';
import { CHANNELS, type Channel } from '../../mappings/canonical/types';
import type { ServiceLevelRules } from '../../records/service-level';
import type { HubStore } from '../../records/store';
import {
  ApiError,
  jsonBodiesOnly,
  jsonDepthLimit,
  jsonNumbersInRange,
  jsonErrors,
  methodNotAllowed,
  notFound,
  route,
  requireStore as storeOf,
  storeUnreachableError,
} from './api-error';
import type { HealthRegistry } from './health';
import { strictJsonBody } from './json-body';
import { createEventsApi, type EventsApiContext } from './events-api';
import { createPoliciesApi, type PoliciesApiContext } from './policies-api';
import { createDeadLettersApi } from './dead-letters-api';
import { customerAnswer, customerIdParam, customerKeyParam, shown } from './golden-customer';
import { createProcessesApi, type ProcessesApiContext } from './processes-api';
import { createReviewsApi, type ReviewsApiContext } from './reviews-api';
import { PERSONAL_DATA_CACHING } from './personal-data';

/** The REST API under /api/v1 and the health endpoint. Errors are always JSON with a clear reason. */
export interface HubApiContext
  extends EventsApiContext, PoliciesApiContext, ReviewsApiContext, ProcessesApiContext {
  store(): HubStore | undefined;
  health: HealthRegistry;
  /** the admin check for /dead-letters (Node-RED's needsPermission, passed by the glue) */
  deadLettersAdmin?: RequestHandler;
  /** the deployed lurking cards a contact wakes (the glue passes the policy engines'); none when left out */
  lurking?: LurkingOffers;
  /**
   * the deployed policies switched off now: their stored offers are held back from the next best offer
   * and from the open offers of /customers/{id}/offers (listed apart there), and listed as such in the
   * customer 360; none held back when left out
   */
  switchedOff?: PolicySwitchedOff;
  /** the offer to show when nothing applies (settings.js crmHub.defaultOffer); none when left out */
  defaultOffer?: () => DefaultOffer | undefined;
  /** the service level's rules (settings.js crmHub.serviceLevel); the defaults when left out */
  serviceLevelRules?: () => ServiceLevelRules;
  /**
   * Told the Authorization header of every next-best-offer request that reached the route, so past
   * Node-RED's httpNodeAuth (the glue passes it to the route's fast path, which admits that header later)
   */
  credentialsAccepted?: (authorization: string) => void;
}

const POINT = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const EVENT_TYPE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export { ApiError } from './api-error';

export function createHubApi(context: HubApiContext): Router {
  const api = express.Router();
  // a write with a body sends JSON, in UTF-8; one nested past reason is refused before a route walks it
  api.use(
    jsonBodiesOnly,
    strictJsonBody({ limit: '256kb', type: ['application/json', 'application/*+json'] }),
    jsonDepthLimit,
    jsonNumbersInRange,
  );

  api.get(
    '/customers/:id/offers',
    route(async (req, res) => {
      // a golden id too: the offers under every member
      const customerId = customerKeyParam(req.params.id);
      const asked = req.query.channel;
      // one of the channels, checked as the next best offer checks it; left out, every channel's offers
      const channel = asked === undefined ? undefined : channelParam(asked);
      // every member's, as the customer 360 and the next best offer see them
      const stored = await customerOffers(requireStore(context), customerId, channel);
      // a switched-off policy's offers are not shown (as the next best offer holds them back), but
      // listed apart, so a page that shows `offers` as they come shows none of them
      const { switchedOff } = context;
      const offers: ListedOffer[] = [];
      const heldBack: ListedOffer[] = [];
      for (const o of stored)
        if (switchedOff?.(o.policyId)) heldBack.push({ ...o, heldBack: 'switched-off' });
        else offers.push(o);
      res.set('Cache-Control', PERSONAL_DATA_CACHING);
      res.json({ customerId, channel: channel ?? null, offers, heldBack });
    }),
  );

  // a golden id or <system>:<source id>, resolved through the cross-reference (golden-customer.ts)
  api.get(
    '/customers/:id',
    route(async (req, res) => {
      res.set('Cache-Control', PERSONAL_DATA_CACHING);
      res.json(
        await customerAnswer(
          requireStore(context),
          customerIdParam(req.params.id),
          context.serviceLevelRules?.(),
          context.switchedOff,
        ),
      );
    }),
  );

  api.get(
    '/customers/:id/next-best-offer',
    route(async (req, res) => {
      const asked = nextBestOfferRequest(req.params.id, req.query, context);
      // this request got past Node-RED's httpNodeAuth: its credentials may take the fast path later
      if (req.headers.authorization !== undefined) context.credentialsAccepted?.(req.headers.authorization);
      res.json(await nextBestOffer(requireStore(context), asked.customerRef, asked.channel, asked.options));
    }),
  );

  api.all('/customers/:id', methodNotAllowed('GET, HEAD'));
  api.all('/customers/:id/offers', methodNotAllowed('GET, HEAD'));
  api.all('/customers/:id/next-best-offer', methodNotAllowed('GET, HEAD'));

  api.use(
    createEventsApi(context),
    createPoliciesApi(context),
    createReviewsApi(context),
    createProcessesApi(context),
  );
  api.use(
    '/dead-letters',
    createDeadLettersApi({
      ...(context.deadLettersAdmin ? { adminOnly: context.deadLettersAdmin } : {}),
      ...(context.logError ? { logError: context.logError } : {}),
    }),
  );

  api.use(notFound);
  // past the routers above, an error that is no ApiError came from the store (dead letters answer
  // their own, the broker's, inside their router)
  api.use(jsonErrors(storeUnreachableError, context.logError));
  return api;
}

export function createHealthHandler(health: HealthRegistry) {
  return async (_req: Request, res: Response): Promise<void> => {
    const report = await health.report();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  };
}

export interface NextBestOfferRequest {
  customerRef: string;
  channel: string;
  options: NextBestOfferOptions;
}

/**
 * What `GET /customers/{id}/next-best-offer` asks for: the path's id (decoded) and the parsed query,
 * checked in the order the answers name them (id, channel, limit, point, eventType); an ApiError 400
 * for the first that does not fit. Shared by the express route and its fast path.
 */
export function nextBestOfferRequest(
  id: string,
  query: Record<string, unknown>,
  context: Pick<HubApiContext, 'lurking' | 'switchedOff' | 'defaultOffer'>,
): NextBestOfferRequest {
  // any member's ref, or the golden id (g-…, hub:g-…): the offers of every member
  const customerRef = customerKeyParam(id);
  const channel = channelParam(query.channel);
  const options: NextBestOfferOptions = { limit: limitParam(query.limit) };
  const point = optionalParam(query, 'point', POINT, 'a contact point like home');
  if (point !== undefined) options.point = point;
  const eventType = optionalParam(query, 'eventType', EVENT_TYPE, 'a kebab-case event type like web-visit');
  if (eventType !== undefined) options.eventType = eventType;
  if (context.lurking) options.lurking = context.lurking;
  if (context.switchedOff) options.switchedOff = context.switchedOff;
  const defaultOffer = context.defaultOffer?.();
  if (defaultOffer) options.defaultOffer = defaultOffer;
  return { customerRef, channel, options };
}

/**
 * ?channel=web: one of the canonical channels, as events carry them (lower case); the cards' `via`
 * and the lurking offers know no other, so another name would only ever answer the default offer.
 */
function channelParam(value: unknown): Channel {
  const known = CHANNELS.join(', ');
  if (value === undefined || value === '') {
    throw new ApiError(
      400,
      'invalid-channel',
      `query parameter channel is required, e.g. ?channel=web (one of: ${known})`,
      'channel',
    );
  }
  // qs makes ?channel=web&channel=app an array, which no check below would name for what it is
  if (Array.isArray(value)) {
    throw new ApiError(400, 'invalid-channel', 'give channel once, e.g. ?channel=web', 'channel');
  }
  if (!isContactChannel(value)) {
    const refused = new InvalidChannelError(value);
    throw new ApiError(400, refused.kind, refused.message, refused.field);
  }
  return value;
}

/** ?limit=3: a whole number from 1 to NBO_MAX_LIMIT; 1 when left out. */
function limitParam(value: unknown): number {
  if (value === undefined) return 1;
  const text = typeof value === 'string' ? value : '';
  const limit = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= NBO_MAX_LIMIT)) {
    throw new ApiError(
      400,
      'invalid-limit',
      `limit must be a whole number from 1 to ${NBO_MAX_LIMIT}, got ${queryShown(value)}`,
      'limit',
    );
  }
  return limit;
}

function optionalParam(
  query: Record<string, unknown>,
  name: string,
  pattern: RegExp,
  expected: string,
): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new ApiError(
      400,
      `invalid-${name === 'eventType' ? 'event-type' : name}`,
      `${name} must be ${expected}, got ${queryShown(value)}`,
      name,
    );
  }
  return value;
}

/**
 * A query value as an answer quotes it. qs makes ?x[]=1 a list and ?x[toString]=1 an object, which
 * String() cannot even turn into text.
 */
function queryShown(value: unknown): string {
  if (typeof value === 'string') return `'${shown(value)}'`;
  return Array.isArray(value) ? 'a list (give it once)' : 'an object (give it as ?name=value)';
}

function requireStore(context: HubApiContext): HubStore {
  return storeOf(context, 'no hub-store is deployed, so there is nothing to read');
}
