import type { InteractionEvent } from '../mappings/canonical/types';
import type { HubStore } from '../records/store';

/** The part of the hub store a card's `if` reads customers from. */
export type CustomerReader = Pick<HubStore, 'getCustomer'>;

/**
 * The customer a card's `if` conditions see. A customer the message carries wins: the flow chose it,
 * e.g. fresher than the store. Otherwise the golden record stored for the event's customer, if any.
 * The store is asked for lazily because opening it may still be under way (a database not up yet),
 * and a message that carries its customer should not wait for that.
 */
export async function customerProfile(
  event: Pick<InteractionEvent, 'customer'>,
  carried: Record<string, unknown> | undefined,
  store?: () => Promise<CustomerReader>,
): Promise<Record<string, unknown> | undefined> {
  if (carried) return carried;
  const ref = event.customer?.ref;
  if (!store || typeof ref !== 'string' || ref === '') return undefined;
  return (await (await store()).getCustomer(ref))?.document;
}
