import type { DefaultOffer, LurkingOffers } from '../../records/customer-view';
import { hubRuntime } from '../shared/hub-runtime';
import type { RED } from '../shared/red';

/** The deployed policy engines' lurking cards, for the REST API and the next-best-offer node alike. */
export const deployedLurkingOffers: LurkingOffers = (customer, contact) =>
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
