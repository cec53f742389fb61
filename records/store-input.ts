import type { StoredOffer } from './store';

/** Checks shared by both store backends, so bad input fails the same way whichever store is configured. */

const OFFER_STATUSES: ReadonlySet<string> = new Set(['open', 'accepted', 'rejected', 'expired']);

export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new Error(`store: ${field} must be a non-empty string`);
  }
  // The embedded store uses NUL as the separator inside composite keys.
  if (value.includes('\u0000')) {
    throw new Error(`store: ${field} must not contain a NUL character`);
  }
  return value;
}

function requireTimestamp(value: unknown, field: string): void {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new Error(`store: ${field} must be an ISO 8601 timestamp, got ${JSON.stringify(value)}`);
  }
}

export function validateOffer(offer: StoredOffer): void {
  if (typeof offer !== 'object' || offer === null) {
    throw new Error('store: offer must be an object');
  }
  requireId(offer.offerId, 'offer.offerId');
  requireId(offer.customerId, 'offer.customerId');
  requireId(offer.channel, 'offer.channel');
  requireId(offer.action, 'offer.action');
  requireId(offer.offer, 'offer.offer');
  requireId(offer.policyId, 'offer.policyId');
  requireId(offer.eventId, 'offer.eventId');
  if (typeof offer.priority !== 'number' || !Number.isFinite(offer.priority)) {
    throw new Error('store: offer.priority must be a finite number');
  }
  requireTimestamp(offer.createdAt, 'offer.createdAt');
  if (offer.expiresAt !== undefined) requireTimestamp(offer.expiresAt, 'offer.expiresAt');
  if (!OFFER_STATUSES.has(offer.status)) {
    throw new Error(
      `store: offer.status must be one of ${[...OFFER_STATUSES].join(', ')}, got ${JSON.stringify(offer.status)}`,
    );
  }
}

export function requireEnabledFlag(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error('store: enabled must be a boolean');
  return value;
}

/** newest first; ties broken by offer id so both backends return the same order */
export function compareNewestFirst(a: StoredOffer, b: StoredOffer): number {
  const byTime = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (byTime !== 0) return byTime;
  return a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0;
}

/** drops undefined fields and foreign prototypes, so both backends hand back the same shape */
export function plainCopy(offer: StoredOffer): StoredOffer {
  return JSON.parse(JSON.stringify(offer)) as StoredOffer;
}
