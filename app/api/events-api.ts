import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { DEFAULT_EXCHANGE, type Bus } from '../../connectors/amqp/bus';
import { publicationOf } from '../../connectors/amqp/outbound';
import { childTraceparent, continueTrace, TRACEPARENT } from '../../connectors/http/trace-context';
import type { InteractionEvent } from '../../mappings/canonical/types';
import { compileValidator, type FieldError } from '../../mappings/validate';
import { ApiError, apiErrors, route } from './api-error';

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
  /** for the error text when publishing fails, e.g. the bus's describe() */
  describe(): string;
  /** resolves once the broker confirmed the event; traceparent goes as the AMQP header of that name */
  publish(event: InteractionEvent, options?: { traceparent?: string }): Promise<void>;
}

export interface EventsApiContext {
  /** the publisher of the deployed flows' bus; undefined while none is deployed */
  events?: () => EventPublisher | undefined;
  /** most events in one request; default 100 */
  maxBatch?: number;
}

const DEFAULT_MAX_BATCH = 100;

export interface EventProblem extends FieldError {
  /** position in the request's array; 0 for a single object */
  index: number;
}

export function createEventsApi(context: EventsApiContext = {}): Router {
  const api = express.Router();
  const maxBatch = context.maxBatch ?? DEFAULT_MAX_BATCH;
  const validate = compileValidator('interaction-event');
  // the hub API parses bodies before this router; this parser serves the router on its own
  api.use('/events', express.json({ limit: '256kb' }));

  api.post(
    '/events',
    route(async (req, res) => {
      if (!req.is('application/json')) {
        throw new ApiError(415, 'unsupported-media-type', 'send the events as application/json');
      }
      const body: unknown = req.body;
      const items = Array.isArray(body) ? body : [body];
      if (body === undefined || body === null || (typeof body !== 'object' && !Array.isArray(body))) {
        throw new ApiError(
          400,
          'invalid-body',
          'body must be a canonical event or an array of them',
          undefined,
          { field: '' },
        );
      }
      if (items.length === 0) {
        throw new ApiError(400, 'empty-batch', 'the array holds no event', undefined, { field: '' });
      }
      if (items.length > maxBatch) {
        throw new ApiError(
          413,
          'batch-too-large',
          `at most ${maxBatch} events per request, got ${items.length}`,
          undefined,
          { limit: maxBatch },
        );
      }
      const events = items.map(withEventId);
      const problems: EventProblem[] = [];
      events.forEach((event, index) => {
        const result = validate(event);
        if (!result.ok) for (const error of result.errors) problems.push({ index, ...error });
      });
      if (problems.length > 0) {
        const [first] = problems;
        throw new ApiError(
          400,
          'invalid-event',
          `event ${first.index}: ${first.field || 'event'} ${first.message}`,
          undefined,
          { index: first.index, field: first.field, errors: problems },
        );
      }
      const publisher = context.events?.();
      if (!publisher) {
        throw new ApiError(
          503,
          'no-bus',
          'no amqp-broker is deployed, so the events cannot be published; nothing was accepted',
        );
      }
      const typed = events as unknown as InteractionEvent[];
      const eventIds = typed.map((event) => event.eventId);
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
      if (failed.length > 0) {
        throw new ApiError(
          503,
          'publish-failed',
          `${failed.length} of ${typed.length} events were not confirmed by ${publisher.describe()}: ` +
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
    describe: () => bus.describe(),
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
 * An event without an eventId gets one derived from its content: a UUID (RFC 4122 layout, version 5
 * bits) of the SHA-256 of the event's JSON with sorted keys. Sending the same event again, e.g. a retry
 * after a 503, gives the same id, so consumers that deduplicate by eventId handle it once.
 */
export function stableEventId(event: Record<string, unknown>): string {
  const { eventId: _ignored, ...content } = event;
  const hex = createHash('sha256').update(canonicalJson(content)).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function withEventId(item: unknown): unknown {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const event = item as Record<string, unknown>;
  return event.eventId === undefined ? { eventId: stableEventId(event), ...event } : event;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function reasonOf(reason: unknown): { error: string; message: string } {
  const err = reason as { kind?: unknown; message?: unknown } | undefined;
  return {
    error: typeof err?.kind === 'string' ? err.kind : 'publish-failed',
    message: typeof err?.message === 'string' ? err.message : String(reason),
  };
}
