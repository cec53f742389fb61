import type { InteractionEvent } from '../mappings/canonical/types';
import { customerDocument, type CustomerDocumentReader } from '../records/customer-view';

/** The part of the hub store a card's `if` reads customers from: golden records, else per-ref copies. */
export type CustomerReader = CustomerDocumentReader;

/**
 * The customer a card's `if` conditions see. A customer the message carries wins: the flow chose it,
 * e.g. fresher than the store. Otherwise the golden document of the golden record that holds the
 * event's customer ref, with what every member system contributed (records/customer-view.ts
 * customerDocument); a customer not in any golden record is read as its system sent it.
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
  return customerDocument(await store(), ref);
}
