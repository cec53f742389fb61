/**
 * The hub's state behind one interface with two backends: embedded (LMDB under the Node-RED user
 * directory, survives kill -9) and PostgreSQL (shared by several hub instances).
 */
export type StoreKind = 'embedded' | 'postgres';

/** An action decided for a customer on one channel, e.g. a mortgage offer on the web page. */
export interface StoredOffer {
  /** deterministic: derived from policy id and event id, so a redelivered event stores nothing twice */
  offerId: string;
  /** canonical customer reference, e.g. "crm:4711" */
  customerId: string;
  channel: string;
  /** the kind of action, e.g. "web-offer" */
  action: string;
  /** what is offered, e.g. "mortgage" */
  offer: string;
  policyId: string;
  eventId: string;
  priority: number;
  title?: Record<string, string>;
  createdAt: string;
  expiresAt?: string;
  status: 'open' | 'accepted' | 'rejected' | 'expired';
}

export interface StoreHealth {
  ok: boolean;
  kind: StoreKind;
  detail: string;
}

export interface HubStore {
  readonly kind: StoreKind;
  /** for logs and /healthz; never contains credentials */
  describe(): string;
  open(): Promise<void>;
  close(): Promise<void>;
  health(): Promise<StoreHealth>;

  /**
   * Idempotent-consumer ledger. Records that `consumer` has processed `eventId`.
   * Returns true the first time, false when it was already recorded.
   */
  markProcessed(consumer: string, eventId: string): Promise<boolean>;
  wasProcessed(consumer: string, eventId: string): Promise<boolean>;

  /** insert or replace by offerId */
  putOffer(offer: StoredOffer): Promise<void>;
  /** newest first; channel filters when given; only status "open" unless includeClosed */
  listOffers(
    customerId: string,
    options?: { channel?: string; includeClosed?: boolean },
  ): Promise<StoredOffer[]>;

  /** policy on/off switches, shared by the editor button and the console; undefined when never set */
  getPolicyEnabled(policyId: string): Promise<boolean | undefined>;
  setPolicyEnabled(policyId: string, enabled: boolean): Promise<void>;
}
