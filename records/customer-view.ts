import type { HubStore, StoredInteraction, StoredOffer, VersionedCustomer } from './store';

/**
 * What a touchpoint asks for at contact time: the customer's current record with open offers and recent
 * interactions (customer 360), and the one offer to show now on a channel (next best offer).
 */
export interface Customer360 {
  customerRef: string;
  customer?: VersionedCustomer;
  offers: StoredOffer[];
  lastInteractions: StoredInteraction[];
}

export interface NextBestOffer {
  customerRef: string;
  channel: string;
  offer?: StoredOffer;
  /** one sentence a call-center agent or a marketer can read */
  explanation: string;
}

interface ConsentLike {
  channel?: unknown;
  purpose?: unknown;
  status?: unknown;
}

// The consent channels of the canonical model, for the interaction channels that reach a customer.
const CONSENT_CHANNEL: Record<string, string> = {
  email: 'email',
  sms: 'sms',
  'call-center': 'phone',
  web: 'web',
  app: 'app',
};

export async function customer360(
  store: HubStore,
  customerRef: string,
  interactions = 10,
): Promise<Customer360> {
  const [customer, offers, lastInteractions] = await Promise.all([
    store.getCustomer(customerRef),
    store.listOffers(customerRef),
    store.listInteractions(customerRef, { limit: interactions }),
  ]);
  return { customerRef, ...(customer ? { customer } : {}), offers, lastInteractions };
}

/**
 * The open, unexpired offer of highest priority on the channel. A marketing consent the customer denied
 * or withdrew for that channel is a hard filter no priority overrides.
 */
export async function nextBestOffer(
  store: HubStore,
  customerRef: string,
  channel: string,
  now: Date = new Date(),
): Promise<NextBestOffer> {
  const [customer, offers] = await Promise.all([
    store.getCustomer(customerRef),
    store.listOffers(customerRef, { channel }),
  ]);
  const optedOut = marketingOptOut(customer?.document.consents, channel);
  if (optedOut) {
    return {
      customerRef,
      channel,
      explanation: `no offer: the customer ${optedOut} marketing on ${channel}`,
    };
  }
  const live = offers.filter((o) => !o.expiresAt || Date.parse(o.expiresAt) > now.getTime());
  if (live.length === 0) {
    const expired = offers.length - live.length;
    return {
      customerRef,
      channel,
      explanation: `no open offer on ${channel} for ${customerRef}${expired ? ` (${expired} expired)` : ''}`,
    };
  }
  const best = live.reduce((a, b) =>
    b.priority > a.priority || (b.priority === a.priority && b.createdAt > a.createdAt) ? b : a,
  );
  return {
    customerRef,
    channel,
    offer: best,
    explanation:
      `${best.offer} from policy ${best.policyId} (priority ${best.priority})` +
      (live.length > 1
        ? ` is the highest of ${live.length} open offers on ${channel}`
        : ` is the only open offer on ${channel}`),
  };
}

function marketingOptOut(consents: unknown, channel: string): string | undefined {
  const consentChannel = CONSENT_CHANNEL[channel];
  if (!consentChannel || !Array.isArray(consents)) return undefined;
  const relevant = (consents as ConsentLike[]).find(
    (c) => c.channel === consentChannel && c.purpose === 'marketing',
  );
  if (relevant?.status === 'denied') return 'denied';
  if (relevant?.status === 'withdrawn') return 'withdrew';
  return undefined;
}
