import { compileValidator, type FieldError, type Validator } from '../validate';

/**
 * An event that is not a canonical interaction event: `kind` "invalid-event" (a Catch node routes on
 * msg.error.code), and the field the schema refused, e.g. "amount.value".
 */
export class InvalidEventError extends Error {
  readonly kind = 'invalid-event';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

const validateEvent = compileValidator('interaction-event');

export const MAX_FUTURE_VARIABLE = 'CRM_HUB_MAX_FUTURE_SECONDS';
export const DEFAULT_MAX_FUTURE_SECONDS = 300;

/**
 * How far a stated time may lie ahead of the hub's clock: clocks of the systems drift by seconds, but
 * an event dated next year is a typo or a test, and taken it would win every recency contest until
 * then (CRM_HUB_MAX_FUTURE_SECONDS, 300 by default; settings.js refuses a bad value at start).
 */
export function maxFutureMs(env: NodeJS.ProcessEnv = process.env): number {
  const given = env[MAX_FUTURE_VARIABLE]?.trim();
  const seconds = given && /^\d{1,9}$/.test(given) ? Number(given) : DEFAULT_MAX_FUTURE_SECONDS;
  return seconds * 1000;
}

/** Whether an instant lies more than the allowed skew after `now` (ms); an unreadable time is not. */
export function isFutureDated(time: unknown, now = Date.now(), skewMs = maxFutureMs()): boolean {
  if (typeof time !== 'string') return false;
  const ms = Date.parse(time);
  return Number.isFinite(ms) && ms > now + skewMs;
}

/** The occurredAt problem of an event dated too far ahead, or undefined. */
export function futureProblem(
  event: unknown,
  now = Date.now(),
  skewMs = maxFutureMs(),
): FieldError | undefined {
  const occurredAt = (event as { occurredAt?: unknown } | null)?.occurredAt;
  if (!isFutureDated(occurredAt, now, skewMs)) return undefined;
  return {
    field: 'occurredAt',
    message: `lies in the future (${String(occurredAt)}, more than ${skewMs / 1000} s after the hub's clock ${new Date(now).toISOString()}); an event is reported once it happened`,
    rule: 'not-future',
  };
}

/** The validator, then the occurredAt check: what REST, SOAP and the mappings refuse alike. */
export function refusingFuture(validator: Validator): Validator {
  return (doc) => {
    const verdict = validator(doc);
    if (!verdict.ok) return verdict;
    const future = futureProblem(doc);
    return future ? { ok: false, errors: [future] } : verdict;
  };
}

/**
 * What is wrong with an event, by the canonical schema (the validator POST /api/v1/events uses, so the
 * bus accepts what REST accepts), and an occurredAt too far in the future: its field errors, none for a
 * valid event.
 */
export function eventProblems(event: unknown, now = Date.now()): FieldError[] {
  const verdict = validateEvent(event);
  if (!verdict.ok) return verdict.errors;
  const future = futureProblem(event, now);
  return future ? [future] : [];
}

/** The problems in one line, e.g. "amount.currency is required; amount.value must be a number". */
export function describeProblems(problems: readonly FieldError[], most = 3): string {
  const shown = problems.slice(0, most).map((p) => `${p.field || 'event'} ${p.message}`);
  const more = problems.length > most ? `; ${problems.length - most} more` : '';
  return shown.join('; ') + more;
}
