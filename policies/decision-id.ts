import { createHash } from 'node:crypto';

/**
 * The offer id a policy produces for one event. Deterministic, so a redelivered event (at-least-once bus)
 * overwrites the offer it already stored instead of adding a second one.
 */
export function offerIdFor(policyId: string, eventId: string): string {
  if (typeof policyId !== 'string' || policyId === '') {
    throw new Error('offerIdFor: policyId must be a non-empty string');
  }
  if (typeof eventId !== 'string' || eventId === '') {
    throw new Error('offerIdFor: eventId must be a non-empty string');
  }
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  return createHash('sha256').update(`${policyId}\u0000${eventId}`).digest('hex').slice(0, 32);
}
