import { withUnpaddedSapNumbers } from './sap-numbers';
import type { InteractionEvent } from './types';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UPPER = /[A-F]/;

/**
 * A UUID in lower case, as RFC 9562 has it written (and compared: it is case-insensitive); anything else
 * as it is, since an id that is no UUID may tell cases apart. The ledgers key on the id, so
 * BBBBBBBB-0000-… and bbbbbbbb-0000-… must reach them as one id.
 */
export function canonicalUuid(id: string): string {
  return UPPER.test(id) && UUID.test(id) ? id.toLowerCase() : id;
}

/** The event with its eventId as canonicalUuid writes it; else itself. */
export function withCanonicalEventId(event: InteractionEvent): InteractionEvent {
  const id = (event as Partial<InteractionEvent> | null)?.eventId;
  if (typeof id !== 'string') return event;
  const canonical = canonicalUuid(id);
  return canonical === id ? event : { ...event, eventId: canonical };
}

/**
 * An event as the hub keys it wherever it comes in (REST, the golden record, the policy engine): its
 * eventId in lower case, SAP's number without the zeros SAP pads it with, and the ref in Unicode NFC.
 */
export function withCanonicalKeys(event: InteractionEvent): InteractionEvent {
  return withCanonicalEventId(withUnpaddedSapNumbers(withNfcRef(event)));
}

/** The event with its customer's ref in NFC, as the cross-reference keys source ids; else itself. */
function withNfcRef(event: InteractionEvent): InteractionEvent {
  const customer = (event as Partial<InteractionEvent> | null)?.customer;
  if (!customer || typeof customer.ref !== 'string') return event;
  const ref = customer.ref.normalize('NFC');
  return ref === customer.ref ? event : { ...event, customer: { ...customer, ref } };
}
