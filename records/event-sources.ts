/**
 * Interaction events that carry customer data apply to the golden record as pseudo-sources: the
 * event is a source `{ system: <event's source system>, sourceId: <eventId> }` holding only the
 * attributes it reports, at the time it occurred, reported via its channel.
 *
 * Of the event types the shipped mappings produce, only `address-changed` carries customer data
 * (crm ReportAddressChange, app-events AddressChanged). `customer-deleted` (SAP) says that one
 * system dropped its view; it changes no attribute. `page-view` and `form-submitted` describe
 * behaviour, not the customer. A new type is added by giving it a reader here.
 */
import type { Channel, CustomerAddress, InteractionEvent } from '../mappings/canonical/types';
import type { Customer } from '../mappings/canonical/types';
import { splitStreet } from '../mappings/names';
import { instant } from './source-versions';

/**
 * The event type by which a system says it deleted its record (SAP's DEBMAS with MSGFN 003). It changes
 * no attribute, but is kept about that record: the record stays a member of its golden record (the hub
 * erases nothing because one system dropped its view), and no more changes are sent to that system for
 * it, until a newer version of the record arrives (isDeletedInSource).
 */
export const SOURCE_DELETION = 'customer-deleted';

/** Why survivorship sets an event of this type aside (a golden record's ignoredEvents). */
export function noAttributesReason(type: string): string {
  return `a ${type} event carries no customer attributes`;
}

/**
 * Whether a golden record may know of a source deletion of one of its records: one is listed among its
 * ignoredEvents, or an event was stored since it was computed (a recompute is due), which may be one.
 * When not, no member's event history needs to be read to know that none of them was deleted.
 */
export function maySourceDeletionBeKnown(
  ignoredEvents: readonly { reason: string }[],
  recomputeNeeded: boolean,
): boolean {
  const reason = noAttributesReason(SOURCE_DELETION);
  return recomputeNeeded || ignoredEvents.some((e) => e.reason === reason);
}

/**
 * Whether the system deleted its record after the version held: a deletion by the record's own system
 * at or after the held version's updatedAt.
 */
export function isDeletedInSource(
  key: { system: string },
  held: { updatedAt: string } | undefined,
  events: readonly InteractionEvent[],
): boolean {
  const since = held ? instant(held.updatedAt, 'updatedAt') : -Infinity;
  return events.some(
    (e) =>
      e.type === SOURCE_DELETION &&
      e.source?.system === key.system &&
      instant(e.occurredAt, () => `occurredAt of ${e.eventId}`) >= since,
  );
}

/** An event read as a source of customer attributes. */
export interface EventContribution {
  system: string;
  /** the eventId */
  sourceId: string;
  /** the attributes the event reports; the address comes without a type (survivorship gives it one) */
  document: Partial<Customer>;
  /** occurredAt */
  updatedAt: string;
  channel: Channel;
  /** the source ref ("crm:4711") the event is about: it follows that record through merge and unmerge */
  customerRef: string;
}

type EventReader = (data: InteractionEvent['data']) => Partial<Customer> | undefined;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** The reported address; `type` is filled in by survivorship from the address it replaces. */
function readAddress(data: InteractionEvent['data']): Partial<Customer> | undefined {
  const address = data?.address;
  if (!address || typeof address !== 'object') return undefined;
  const parts: Omit<CustomerAddress, 'type'> = {};
  const street = text(address.street);
  const postalCode = text(address.postalCode);
  const city = text(address.city);
  const country = text(address.country);
  // An event carries the street line as typed ("Leopoldstraße 12"); records carry street and house
  // number apart, as their mappings split them. Split alike, a system echoing the reported address
  // back leaves the golden record as it is instead of rewriting it and sending it to every target.
  const line = street ? splitStreet(street) : undefined;
  if (line) Object.assign(parts, line);
  if (postalCode) parts.postalCode = postalCode;
  if (city) parts.city = city;
  if (country) parts.country = country;
  if (Object.keys(parts).length === 0) return undefined;
  return { addresses: [parts as CustomerAddress] };
}

export const EVENT_READERS: Readonly<Record<string, EventReader>> = {
  'address-changed': readAddress,
};

/** The event as a pseudo-source, or undefined when its type carries no customer data. */
export function eventContribution(event: InteractionEvent): EventContribution | undefined {
  const reader = EVENT_READERS[event.type];
  if (!reader) return undefined;
  const document = reader(event.data);
  if (!document) return undefined;
  instant(event.occurredAt, () => `occurredAt of event ${event.eventId}`);
  return {
    system: event.source.system,
    sourceId: event.eventId,
    document,
    updatedAt: event.occurredAt,
    channel: event.channel,
    customerRef: event.customer.ref,
  };
}
