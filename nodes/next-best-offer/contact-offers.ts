import type {
  ContactOffer,
  DefaultOffer,
  LurkingOffers,
  PolicySwitchedOff,
} from '../../records/customer-view';
import { lurkingOfferId } from '../../policies/lurking';
import { hubRuntime } from '../shared/hub-runtime';
import type { RED } from '../shared/red';

/**
 * The deployed policy engines' lurking cards at a channel's contact, for the REST API and the
 * next-best-offer node alike. What the answer shows (after the ranking and the limit) and what the
 * control group held back is counted (fires, deliveries, the control group), so a lurking campaign's
 * report has its numbers; an offer the ranking left out was never shown and is not.
 */
export const deployedLurkingOffers: LurkingOffers = async (customer, contact) => {
  const now = new Date();
  const answer = await hubRuntime.policies.lurkingAnswer(customer, contact, now);
  const shown = (offers: readonly ContactOffer[]) =>
    hubRuntime.policyRegistry.observeLurking({
      customerRef: contact.customerRef,
      ...(customer ? { customer } : {}),
      offers: [...offers],
      heldOut: answer.dormant
        .filter((card) => card.state === 'holdout')
        .map((card) => ({
          policyId: card.policyId,
          actionId: lurkingOfferId(card.policyId, contact.customerRef, now),
        })),
      at: now.getTime(),
    });
  return { ...answer, shown };
};

/**
 * The deployed policies switched off now: their stored offers are held back at every channel and in
 * the customer 360. A policy no longer deployed has no switch, so its offers show as decided.
 */
export const deployedSwitchedOff: PolicySwitchedOff = (policyId) =>
  hubRuntime.policyRegistry.isSwitchedOff(policyId);

/** The same cards as the console looks at a customer: no contact, so nothing is counted. */
export const lurkingOffersUncounted: LurkingOffers = (customer, contact) =>
  hubRuntime.policies.lurkingAnswer(customer, contact);

/**
 * settings.js `crmHub.defaultOffer`: what to show when no offer applies, as the offer's name
 * (`"newsletter"`) or `{ offer, action?, title?: { de, en } }`. None when left out or unreadable.
 */
export function defaultOfferOf(RED: RED): DefaultOffer | undefined {
  const value = (RED.settings as unknown as { crmHub?: { defaultOffer?: unknown } }).crmHub?.defaultOffer;
  if (typeof value === 'string' && value.trim()) return { offer: value.trim() };
  if (typeof value !== 'object' || value === null) return undefined;
  const { offer, action, title } = value as Record<string, unknown>;
  if (typeof offer !== 'string' || !offer.trim()) return undefined;
  const result: DefaultOffer = { offer: offer.trim() };
  if (typeof action === 'string' && action) result.action = action;
  if (typeof title === 'object' && title !== null) result.title = title as DefaultOffer['title'];
  return result;
}
