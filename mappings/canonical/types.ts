/**
 * TypeScript view of the canonical JSON Schemas in this folder. The schemas are the contract; these
 * types follow them, and test/unit/canonical-*.test.ts fail when property names and type keys drift
 * apart at any level.
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
  /** the system's own sequence for the record (an IDoc number): higher is newer */
  version?: number;
  /**
   * the updatedAt the system stated when it lay in the future: the hub took the record as of the time
   * it arrived (updatedAt), and the golden record's dataQuality names it in futureDated
   */
  statedUpdatedAt?: string;
}

export interface CustomerIdentifier {
  system: string;
  id: string;
}

/** "<system>:<id>", e.g. "crm:4711" or "core-banking:0012345678" */
export type Ref = string;

export const ACCOUNT_TYPES = [
  'current',
  'savings',
  'deposit',
  'loan',
  'mortgage',
  'card',
  'securities',
  'other',
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** The account an event is about, e.g. the one a withdrawal came from. */
export interface EventAccount {
  ref: Ref;
  type?: AccountType;
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
  account?: EventAccount;
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
  'account',
  'amount',
  'data',
] as const satisfies readonly (keyof InteractionEvent)[];

/** Who last told the hub about a document or a fact (common.schema.json#/$defs/Source). */
export type Source = EventSource;

/** Text for the console and the channels (common.schema.json#/$defs/LocalizedText). */
export interface LocalizedText {
  de: string;
  en: string;
}

// ---- customer.schema.json ----

export const CUSTOMER_TIERS = ['basic', 'silver', 'gold', 'platinum'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

export interface PersonName {
  /** e.g. "Frau", "Herr", "Ms" */
  salutation?: string;
  /** academic or honorary title, e.g. "Dr." */
  title?: string;
  givenName?: string;
  middleNames?: string[];
  /** optional: a legacy record without one is taken in and flagged in dataQuality */
  familyName?: string;
}

export interface OrganizationName {
  /** optional like every name part: a gap is flagged in dataQuality */
  legalName?: string;
  /** the name as printed on letters, line by line (SAP NAME1..NAME4) */
  nameLines?: string[];
}

export const ADDRESS_TYPES = ['postal', 'billing', 'shipping', 'home'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

/** A customer's address; richer than the event's Address, which carries only what changed. */
export interface CustomerAddress {
  type: AddressType;
  street?: string;
  houseNumber?: string;
  /** free address lines when the source does not split street and number */
  streetLines?: string[];
  postalCode?: string;
  /** optional: a street without a city is data with a gap (dataQuality), not an error */
  city?: string;
  /** state or province */
  region?: string;
  /** ISO 3166-1 alpha-2 */
  country?: string;
  /** full-date, e.g. "2025-02-01" */
  validFrom?: string;
}

export const PHONE_TYPES = ['mobile', 'home', 'work', 'fax', 'other'] as const;
export interface Phone {
  /** E.164, e.g. "+4917112345678" */
  number: string;
  type: (typeof PHONE_TYPES)[number];
  preferred?: boolean;
}

export const EMAIL_TYPES = ['home', 'work', 'other'] as const;
export interface Email {
  /** lower case */
  address: string;
  type: (typeof EMAIL_TYPES)[number];
  preferred?: boolean;
}

export const CONSENT_CHANNELS = ['email', 'sms', 'phone', 'post', 'web', 'app'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];
export const CONSENT_STATUSES = ['granted', 'denied', 'withdrawn'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export interface Consent {
  channel: ConsentChannel;
  /** kebab-case, e.g. "marketing", "profiling" */
  purpose: string;
  status: ConsentStatus;
  /** when it was given, denied or withdrawn (date-time) */
  at: string;
  source: Source;
}

export interface Customer {
  schemaVersion: '1.0';
  customerRef: Ref;
  kind: 'person' | 'organization';
  /** required for kind "person", not allowed otherwise */
  person?: PersonName;
  /** required for kind "organization", not allowed otherwise */
  organization?: OrganizationName;
  /** full-date; persons only */
  birthDate?: string;
  tier?: CustomerTier;
  /** the ERP sales area the tier is kept in (SAP VKORG/VTWEG/SPART); a source record's own key */
  salesArea?: SalesArea;
  /** kebab-case, e.g. "young-professionals" */
  segment?: string;
  addresses?: CustomerAddress[];
  phones?: Phone[];
  emails?: Email[];
  consents?: Consent[];
  /** at least one */
  identifiers: CustomerIdentifier[];
  /** set by the hub on the golden record: what is missing (records/data-quality.ts) */
  dataQuality?: DataQuality;
  updatedAt: string;
  source: Source;
}

export interface SalesArea {
  /** SAP VKORG */
  salesOrg: string;
  /** SAP VTWEG */
  distributionChannel: string;
  /** SAP SPART */
  division: string;
}

export interface DataQuality {
  /** true when gaps is empty */
  complete: boolean;
  /** paths of missing values, e.g. "person.familyName", "addresses[0].city", "contact" */
  gaps: string[];
  /** 0..1, the weighted share of the checks met */
  score: number;
  /** source refs whose record stated an updatedAt in the future (source.statedUpdatedAt); absent when none */
  futureDated?: string[];
}

// ---- account.schema.json ----

export const ACCOUNT_STATUSES = ['open', 'blocked', 'dormant', 'closed'] as const;

export interface Account {
  schemaVersion: '1.0';
  accountRef: Ref;
  customerRef: Ref;
  type: AccountType;
  /** electronic form, no spaces */
  iban?: string;
  /** ISO 4217 */
  currency: string;
  balance?: Money;
  /** full-date */
  openedOn?: string;
  /** full-date */
  closedOn?: string;
  status: (typeof ACCOUNT_STATUSES)[number];
  /** at least one */
  identifiers: CustomerIdentifier[];
  updatedAt: string;
  source: Source;
}

// ---- offer.schema.json ----

export const OFFER_ACTIONS = ['web-offer', 'call-task', 'sms', 'email', 'escalation'] as const;
export type OfferAction = (typeof OFFER_ACTIONS)[number];
export const OFFER_STATUSES = ['open', 'delivered', 'accepted', 'rejected', 'expired', 'cancelled'] as const;

export interface Offer {
  schemaVersion: '1.0';
  /** uuid */
  offerId: string;
  customerRef: Ref;
  channel: Channel;
  action: OfferAction;
  /** product or offer code, kebab-case, e.g. "mortgage-top-up" */
  offerCode?: string;
  /** who carries out a call task or escalation, e.g. "sales-rep" */
  assignee?: string;
  policyId: string;
  /** uuid of the triggering interaction event */
  eventId?: string;
  /** integer 0..1000; higher wins arbitration */
  priority: number;
  title: LocalizedText;
  createdAt: string;
  expiresAt?: string;
  status: (typeof OFFER_STATUSES)[number];
}

// ---- response.schema.json ----

/**
 * "rejected" is the canonical word for a decline: cooldowns, offer statuses and stored history use it.
 * "declined" (the marketers' word) is accepted on input and stored as "rejected" (canonicalOutcome).
 */
export const RESPONSE_OUTCOMES = [
  'accepted',
  'rejected',
  'ignored',
  'clicked',
  'converted',
  'declined',
] as const;
export type ResponseOutcomeWord = (typeof RESPONSE_OUTCOMES)[number];
/** the outcomes the hub keeps: every input word but the synonym "declined" */
export type CanonicalResponseOutcome = Exclude<ResponseOutcomeWord, 'declined'>;

/** "declined" -> "rejected"; every other outcome stays as it is. */
export function canonicalOutcome(outcome: ResponseOutcomeWord): CanonicalResponseOutcome {
  return outcome === 'declined' ? 'rejected' : outcome;
}

export interface OfferResponse {
  schemaVersion: '1.0';
  /** uuid */
  responseId: string;
  /** uuid, or the 32 hex digits of a hub decision id */
  offerId: string;
  /** copied from the offer, so a cooldown after a reject needs no look-up */
  policyId?: string;
  customerRef: Ref;
  channel: Channel;
  outcome: ResponseOutcomeWord;
  occurredAt: string;
}

// ---- process-state.schema.json ----

export const PROCESS_STATUSES = ['open', 'submitted', 'abandoned', 'completed'] as const;

export interface ProcessState {
  schemaVersion: '1.0';
  /** uuid */
  processId: string;
  customerRef: Ref;
  /** kebab-case, e.g. "mortgage-application" */
  kind: string;
  startedOn: Channel;
  lastChannel: Channel;
  /** where to resume, e.g. "income-details" */
  step: string;
  status: (typeof PROCESS_STATUSES)[number];
  /** what the customer entered so far; its shape belongs to the process kind */
  data: Record<string, unknown>;
  startedAt?: string;
  updatedAt: string;
  expiresAt?: string;
}

/** Canonical documents by schema name; grows as schemas are added. */
export interface CanonicalDocuments {
  'interaction-event': InteractionEvent;
  customer: Customer;
  account: Account;
  offer: Offer;
  response: OfferResponse;
  'process-state': ProcessState;
}
export type CanonicalSchemaName = keyof CanonicalDocuments;
export type AnyCanonicalDocument = CanonicalDocuments[CanonicalSchemaName];
/**
 * What compileMapping() yields by default. It stays the interaction event, which every mapping spec
 * produces today, so callers can read event fields without narrowing; widen it to
 * AnyCanonicalDocument once the engine types its result by the spec's "produces".
 */
export type CanonicalDocument = InteractionEvent;
