import type { InteractionEvent } from './types';

/**
 * The canonical vocabulary keys an SAP customer by its KUNNR without the leading zeros SAP pads it
 * with, as the DEBMAS mapping writes it: "sap:0000104711" is "sap:104711". A channel that sends SAP's
 * number as SAP shows it reaches the same customer.
 */
const PADDED_SAP_REF = /^sap:0+(\d+)$/;

export function unpaddedSapRef(ref: string): string {
  const padded = PADDED_SAP_REF.exec(ref);
  return padded ? `sap:${padded[1]}` : ref;
}

/** The event with its customer's SAP number unpadded, in the ref and the identifiers; else itself. */
export function withUnpaddedSapNumbers(event: InteractionEvent): InteractionEvent {
  const customer = (event as Partial<InteractionEvent> | null)?.customer;
  // not yet validated on every path: what is no event is left for the validator to name
  if (!customer || typeof customer.ref !== 'string' || !Array.isArray(customer.identifiers)) return event;
  const ref = unpaddedSapRef(customer.ref);
  let changed = ref !== customer.ref;
  const identifiers = customer.identifiers.map((i) => {
    if (i?.system !== 'sap' || typeof i.id !== 'string' || !/^0+\d+$/.test(i.id)) return i;
    changed = true;
    return { ...i, id: i.id.replace(/^0+(?=\d)/, '') };
  });
  return changed ? { ...event, customer: { ...customer, ref, identifiers } } : event;
}
