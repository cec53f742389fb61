/**
 * A customer's answer to an offer (the canonical response document) as the hub keeps it: a decline
 * starts the cooldown for the offer's policy and its offer code, the stored offer is closed, and the
 * response ledger counts it for the policy's report and learned propensity.
 */
import {
  canonicalOutcome,
  type OfferResponse,
  type ResponseOutcomeWord,
} from '../../mappings/canonical/types';
import type { HubStore, OfferOutcome } from '../../records/store';
import type { ResponseAttribution, ResponseLedger } from '../response-ledger';
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

/** The status an answer gives the stored offer: taken, or turned down; other answers leave it open. */
const OFFER_STATUS: Partial<Record<string, OfferOutcome>> = {
  accepted: 'accepted',
  converted: 'accepted',
  rejected: 'rejected',
};

/**
 * Records the answer (idempotent by responseId). The offer's policy and code come from the stored
 * offer when the response does not carry its policy; true when the answer was new. With a ledger, the
 * answer is counted for the policy's report too, and a response to an action that was never stored
 * (an SMS, a call task) finds its policy there.
 */
export async function recordOfferResponse(
  policy: ContactPolicy,
  store: ResponseStore,
  response: OfferResponse,
  ledger?: Pick<ResponseLedger, 'recordResponse'>,
): Promise<boolean> {
  return (await recordResponse(policy, store, response, ledger)).added;
}

/** recordOfferResponse, with what the ledger made of the answer. */
export async function recordResponse(
  policy: ContactPolicy,
  store: ResponseStore,
  response: OfferResponse,
  ledger?: Pick<ResponseLedger, 'recordResponse'>,
): Promise<{ added: boolean; attribution?: ResponseAttribution }> {
  const outcome = canonicalOutcome(response.outcome as ResponseOutcomeWord);
  const offers = await store.listOffers(response.customerRef, { includeClosed: true });
  const stored = offers.find((offer) => offer.offerId === response.offerId);
  const attribution = await ledger?.recordResponse({
    ...response,
    ...(response.policyId || !stored ? {} : { policyId: stored.policyId }),
  });
  const added = await policy.recordResponse(store, {
    customerRef: response.customerRef,
    responseId: response.responseId,
    policyId: response.policyId ?? stored?.policyId ?? attribution?.policyId,
    offer: stored?.offer,
    outcome,
    occurredAt: response.occurredAt,
  });
  const status = OFFER_STATUS[outcome];
  if (stored && status) await store.updateOfferStatus(stored.offerId, status);
  return { added, ...(attribution ? { attribution } : {}) };
}
