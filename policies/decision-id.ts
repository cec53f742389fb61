import crypto from 'node:crypto';

/** crypto.hash (Node 20.12+) hashes a short string without building a Hash object. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string, encoding: 'hex') => string })
  .hash;

function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

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
  return sha256Hex(`${policyId}\u0000${eventId}`).slice(0, 32);
}
