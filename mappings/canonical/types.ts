/**
 * TypeScript view of canonical/interaction-event.schema.json. The schema is the contract; these types
 * follow it, and test/unit/canonical-types.test.ts fails when the two drift apart.
 */

export const CHANNELS = [
  'call-center',
  'web',
  'app',
  'branch',
  'erp',
  'core-banking',
  'email',
  'sms',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const INTERACTION_EVENT_SCHEMA_VERSION = '1.0';

export interface EventSource {
  /** legacy system id, e.g. "crm" */
  system: string;
  /** e.g. the SOAP operation "ReportAddressChange" */
  operation?: string;
  /** the record's id in the source system, when it has one */
  recordId?: string;
}

export interface CustomerIdentifier {
  system: string;
  id: string;
}

export interface EventCustomer {
  /** "<system>:<id>", e.g. "crm:4711" */
  ref: string;
  identifiers: CustomerIdentifier[];
}

export interface Money {
  value: number;
  /** ISO 4217, e.g. "EUR" */
  currency: string;
}

export interface Address {
  street: string;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2, e.g. "DE" */
  country: string;
}

/** Event-type specific payload; open, because each event type brings its own attributes. */
export interface EventData {
  /** required when type is "address-changed" */
  address?: Address;
  [key: string]: unknown;
}

export interface InteractionEvent {
  eventId: string;
  schemaVersion: typeof INTERACTION_EVENT_SCHEMA_VERSION;
  /** kebab-case, e.g. "address-changed", "withdrawal" */
  type: string;
  /** ISO 8601 date-time */
  occurredAt: string;
  channel: Channel;
  source: EventSource;
  customer: EventCustomer;
  amount?: Money;
  data: EventData;
}

/** Top-level fields of an event, e.g. for checking the paths of policy conditions at compile time. */
export const INTERACTION_EVENT_FIELDS = [
  'eventId',
  'schemaVersion',
  'type',
  'occurredAt',
  'channel',
  'source',
  'customer',
  'amount',
  'data',
] as const satisfies readonly (keyof InteractionEvent)[];

/** Canonical documents by schema name; grows as schemas are added. */
export interface CanonicalDocuments {
  'interaction-event': InteractionEvent;
}
export type CanonicalSchemaName = keyof CanonicalDocuments;
export type CanonicalDocument = CanonicalDocuments[CanonicalSchemaName];
