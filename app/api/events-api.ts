import express, { type Router } from 'express';
import { DEFAULT_EXCHANGE, type Bus } from '../../connectors/amqp/bus';
import { busFailureForCaller } from '../../connectors/amqp/bus-error';
import { publicationOf } from '../../connectors/amqp/outbound';
import { childTraceparent, continueTrace, TRACEPARENT } from '../../connectors/http/trace-context';
import type { InteractionEvent } from '../../mappings/canonical/types';
import { compileValidator } from '../../mappings/validate';
import { contentDigest } from '../../records/content-hash';
import type { EventDigest, HubStore } from '../../records/store';
import {
  ApiError,
  apiErrors,
  methodNotAllowed,
  route,
  storeMisconfigured,
  storeNotOpen,
  storeUnreachableError,
} from './api-error';
import { withCanonicalKeys } from '../../mappings/canonical/event-id';
import { refusingFuture } from '../../mappings/canonical/event-check';
import { batchItems } from './batch-body';
import { strictJsonBody } from './json-body';
import { errorMessage } from '../../formats/error-message';

/** the content-derived id an event without eventId gets (batch-body.ts), for clients and tests */
export { stableEventId } from './batch-body';

/**
 * POST /api/v1/events: canonical interaction events from a client (the marketers' console, a web
 * shop) onto the bus, where SOAP ReportInteraction and the amqp-in consumers' events go: the topic
 * exchange crm.events, routing key event.<type>.<channel>, message id = eventId. A 202 is sent only
 * after the broker confirmed every event of the request, so nothing acknowledged can be lost; a
 * failed publish answers 503 and the client sends the same request again (the ids are stable, and
 * every consumer is idempotent by eventId). The request's W3C traceparent travels with each event as
 * the AMQP header traceparent; without one the request starts a trace, named in `traceresponse`.
 */
export interface EventPublisher {
  /** resolves once the broker confirmed the event; traceparent goes as the AMQP header of that name */
  publish(event: InteractionEvent, options?: { traceparent?: string }): Promise<void>;
}

export interface EventsApiContext {
  /** the publisher of the deployed flows' bus; undefined while none is deployed */
  events?: () => EventPublisher | undefined;
  /** most events in one request; default 100 */
  maxBatch?: number;
  /** told a failed publish's own error, which the caller learns only by its kind; console.error by default */
  logError?: (message: string) => void;
  /**
   * where the event ids taken are recorded with their content's digest, so one that comes back with
   * other content is a 409; without a hub-store no id is known, and none is refused as reused
   */
  store?: () => Pick<HubStore, 'recordEventDigests'> | undefined;
  /** whether a hub-store is deployed that is not open yet (or cannot open): then events wait (503) */
  health?: { storeDeployed(): boolean; storeMisconfigured?(): boolean };
}

const DEFAULT_MAX_BATCH = 100;

export function createEventsApi(context: EventsApiContext = {}): Router {
  const api = express.Router();
  const maxBatch = context.maxBatch ?? DEFAULT_MAX_BATCH;
  // an event dated more than CRM_HUB_MAX_FUTURE_SECONDS ahead would win every recency contest (the
  // golden address, a service level's window) until then: 400 naming occurredAt
  const validate = refusingFuture(compileValidator('interaction-event'));
  // the hub API parses bodies before this router; this parser serves the router on its own
  api.use('/events', strictJsonBody({ limit: '256kb' }));

  api.post(
    '/events',
    route(async (req, res) => {
      const events = batchItems(req, {
        noun: 'event',
        max: maxBatch,
        validate,
        idKey: 'eventId',
        alwaysNameField: true,
      });
      const publisher = context.events?.();
      if (!publisher) {
        throw new ApiError(
          503,
          'no-bus',
          'no amqp-broker is deployed, so the events cannot be published; nothing was accepted',
        );
      }
      // SAP's number as SAP shows it (sap:0000104711) reaches the customer the hub keys as sap:104711,
      // and an eventId in capitals is the same UUID as in lower case, so a replay in capitals is one event
      const typed = (events as unknown as InteractionEvent[]).map(withCanonicalKeys);
      const eventIds = typed.map((event) => event.eventId);
      await refuseReusedIds(typed, eventIds, context);
      // the client's W3C trace (a new one without it); each publish is a child of it
      const trace = continueTrace(req.get(TRACEPARENT));
      const outcomes = await Promise.allSettled(
        typed.map((event) => publisher.publish(event, { traceparent: childTraceparent(trace) })),
      );
      const failed = outcomes.flatMap((outcome, index) =>
        outcome.status === 'rejected'
          ? [{ index, eventId: eventIds[index], ...reasonOf(outcome.reason) }]
          : [],
      );
      const first = outcomes.find((outcome) => outcome.status === 'rejected');
      if (first) (context.logError ?? console.error)(`POST /events: ${errorMessage(first.reason)}`);
      if (failed.length > 0) {
        throw new ApiError(
          503,
          'publish-failed',
          `${failed.length} of ${typed.length} events were not confirmed by the message bus: ` +
            `${failed[0].message}; send the same request again (event ids are stable, consumers deduplicate)`,
          undefined,
          {
            eventIds,
            published: eventIds.filter((_, index) => outcomes[index].status === 'fulfilled'),
            failed,
          },
        );
      }
      // Trace Context Level 2's response header, so a client that sent no traceparent learns its trace
      res.setHeader('traceresponse', trace);
      res.status(202).json({ eventIds });
    }),
  );
  api.all('/events', methodNotAllowed('POST'));

  api.use(apiErrors);
  return api;
}

/**
 * A publisher on a bus: the event as JSON, persistent and mandatory, routed by type and channel,
 * resolved only after the broker's confirm (Bus.publish). The exchange is declared once per bus.
 */
export function busEventPublisher(bus: Bus, exchange = DEFAULT_EXCHANGE): EventPublisher {
  let declared: Promise<void> | undefined;
  const ensureExchange = () =>
    (declared ??= bus.declareExchange(exchange).catch((err: unknown) => {
      declared = undefined;
      throw err;
    }));
  return {
    async publish(event, options = {}) {
      await ensureExchange();
      const out = publicationOf(event, '', undefined);
      await bus.publish(exchange, out.routingKey, out.body, {
        contentType: out.contentType,
        messageId: out.messageId,
        ...(options.traceparent ? { headers: { [TRACEPARENT]: options.traceparent } } : {}),
      });
    },
  };
}

/**
 * An event id names one event (Stripe's idempotency keys work alike): the same event again, a retry, is
 * taken and published again for the idempotent consumers to skip; an id that comes with other content
 * is refused, since every consumer would drop that event silently as a redelivery. Within the request a
 * 400 (the batch contradicts itself), against the ids taken before a 409. The digest is of the event as
 * the hub keys it (SAP number unpadded, id in lower case), so the retry of either spelling is the same.
 */
async function refuseReusedIds(
  events: readonly InteractionEvent[],
  eventIds: readonly string[],
  context: EventsApiContext,
): Promise<void> {
  const entries: EventDigest[] = [];
  const firstOf = new Map<string, number>();
  for (const [index, event] of events.entries()) {
    const digest = contentDigest(event);
    const first = firstOf.get(event.eventId);
    if (first === undefined) {
      firstOf.set(event.eventId, entries.length);
      entries.push({ eventId: event.eventId, digest });
    } else if (entries[first].digest !== digest) {
      const earlier = eventIds.indexOf(event.eventId);
      const message = `event ${index}: eventId ${event.eventId} is event ${earlier}'s too, with other content; give each event its own id`;
      throw new ApiError(400, 'invalid-event', message, undefined, {
        index,
        field: 'eventId',
        errors: [{ index, field: 'eventId', message: `is event ${earlier}'s too, with other content` }],
      });
    }
  }
  const ledger = digestLedger(context);
  if (!ledger) return;
  let held: string[];
  try {
    held = await ledger.recordEventDigests(entries);
  } catch (err) {
    throw storeUnreachableError(err) ?? err;
  }
  const reused = entries.findIndex((entry, i) => held[i] !== entry.digest);
  if (reused < 0) return;
  const { eventId } = entries[reused];
  const index = eventIds.indexOf(eventId);
  throw new ApiError(
    409,
    'event-id-reused',
    `event ${index}: eventId ${eventId} was taken before with other content; an event id names one event, so give this one its own id (or leave eventId out for one made from its content). Nothing of this request was published`,
    'eventId',
    { index, eventId },
  );
}

/** The store that knows the ids taken; undefined without a hub-store, a 503 while the deployed one is not open. */
function digestLedger(context: EventsApiContext): Pick<HubStore, 'recordEventDigests'> | undefined {
  const store = context.store?.();
  if (store) return store;
  if (context.health?.storeMisconfigured?.()) throw storeMisconfigured();
  if (context.health?.storeDeployed()) throw storeNotOpen();
  return undefined;
}

/** the caller learns the kind of failure, never the broker's address (the bus logs that) */
function reasonOf(reason: unknown): { error: string; message: string } {
  const known = busFailureForCaller(reason);
  return known
    ? { error: known.kind, message: known.message }
    : { error: 'publish-failed', message: 'the event was not published' };
}
