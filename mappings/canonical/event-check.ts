import { compileValidator, type FieldError } from '../validate';

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

/**
 * What is wrong with an event, by the canonical schema (the validator POST /api/v1/events uses, so the
 * bus accepts what REST accepts): its field errors, none for a valid event.
 */
export function eventProblems(event: unknown): FieldError[] {
  const verdict = validateEvent(event);
  return verdict.ok ? [] : verdict.errors;
}

/** The problems in one line, e.g. "amount.currency is required; amount.value must be a number". */
export function describeProblems(problems: readonly FieldError[], most = 3): string {
  const shown = problems.slice(0, most).map((p) => `${p.field || 'event'} ${p.message}`);
  const more = problems.length > most ? `; ${problems.length - most} more` : '';
  return shown.join('; ') + more;
}
