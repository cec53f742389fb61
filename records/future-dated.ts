/**
 * Times stated ahead of the hub's clock. An event dated next year is refused where it enters (REST,
 * SOAP, the bus: mappings/canonical/event-check.ts): it reports something that has not happened. A
 * legacy record dated ahead is still the system's data (a wrong clock, a typo in a batch file), so it
 * is taken, but as of the moment it arrived: otherwise it would outrank every true update of its
 * attributes until that date, and its wrong address would be sent to every target.
 */
import { InvalidEventError, futureProblem, isFutureDated } from '../mappings/canonical/event-check';
import type { Customer } from '../mappings/canonical/types';

/** The customer as the hub takes it: updatedAt no later than now, the stated time kept in source. */
export function takenAsOfNow<T extends Partial<Customer>>(customer: T, now = Date.now()): T {
  if (!isFutureDated(customer.updatedAt, now)) return customer;
  const source = { ...(customer.source ?? { system: '' }), statedUpdatedAt: customer.updatedAt as string };
  return { ...customer, updatedAt: new Date(now).toISOString(), source };
}

/** Throws InvalidEventError (field occurredAt) for an event dated too far ahead; amqp-in dead-letters it. */
export function refuseFutureEvent(
  event: { eventId?: unknown; occurredAt?: unknown },
  now = Date.now(),
): void {
  const problem = futureProblem(event, now);
  if (!problem) return;
  throw new InvalidEventError(
    `invalid-event: event ${String(event.eventId)}: occurredAt ${problem.message}`,
    problem.field,
  );
}
