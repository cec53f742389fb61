/**
 * A customer's answer to an offer (the canonical response document) as the contact policy keeps it: a
 * decline starts the cooldown for the offer's policy and its offer code, and the stored offer is closed.
 */
import type { OfferResponse } from '../../mappings/canonical/types';
import type { HubStore } from '../../records/store';
import type { ContactPolicy } from './contact-policy';

export type ResponseStore = Pick<HubStore, 'appendHistory' | 'listOffers' | 'updateOfferStatus'>;

/** Whether a payload is a response document rather than a decision to carry out. */
export function isOfferResponse(payload: unknown): payload is OfferResponse {
  const p = payload as Partial<OfferResponse> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.responseId === 'string' &&
    typeof p.offerId === 'string' &&
    typeof p.outcome === 'string'
  );
}

/**
 * Records the answer (idempotent by responseId). The offer's policy and code come from the stored
 * offer when the response does not carry its policy; true when the answer was new.
 */
export async function recordOfferResponse(
  policy: ContactPolicy,
  store: ResponseStore,
  response: OfferResponse,
): Promise<boolean> {
  const offers = await store.listOffers(response.customerRef, { includeClosed: true });
  const stored = offers.find((offer) => offer.offerId === response.offerId);
  const added = await policy.recordResponse(store, {
    customerRef: response.customerRef,
    responseId: response.responseId,
    policyId: response.policyId ?? stored?.policyId,
    offer: stored?.offer,
    outcome: response.outcome,
    occurredAt: response.occurredAt,
  });
  if (stored && (response.outcome === 'accepted' || response.outcome === 'rejected')) {
    await store.updateOfferStatus(stored.offerId, response.outcome);
  }
  return added;
}
