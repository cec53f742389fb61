import { unpaddedSapRef } from '../mappings/canonical/sap-numbers';
import {
  CHANNELS,
  type Channel,
  type Customer,
  type CustomerTier,
  type DataQuality,
  type ProcessState,
} from '../mappings/canonical/types';
import { isGoldenId } from './cross-reference';
import type { GoldenDocumentRead, StoredGolden } from './golden-store';
import { compareText, sourceRef, type SourceKey } from './source-versions';
import {
  compareProcessesLatestFirst,
  type HubStore,
  type StoredInteraction,
  type StoredOffer,
  type VersionedCustomer,
} from './store';
import {
  DEFAULT_SERVICE_LEVEL_RULES,
  serviceLevelOf,
  type ServiceLevelAnswer,
  type ServiceLevelRules,
} from './service-level';
import { compareNewestFirst } from './store-input';
import type { AttributeLineage } from './survivorship';

/**
 * What a touchpoint asks for at contact time: the customer's current record with open offers and recent
 * interactions (customer 360), and the one offer to show now on a channel (next best offer).
 */
export interface Customer360 {
  /** as asked: "<system>:<source id>" or a golden id */
  customerRef: string;
  /**
   * the record stored for customerRef as its system sent it; asked by golden id (or when no copy is
   * stored for the ref), the golden document in its place
   */
  customer?: VersionedCustomer;
  /** the open offers; with a golden record, under every member; `heldBack` when not presented now */
  offers: ListedOffer[];
  /** the newest interactions; with a golden record, under every member */
  lastInteractions: StoredInteraction[];
  /** the golden record, resolved through the cross-reference; the fields below come with it */
  goldenId?: string;
  /** the cross-reference: every source record the golden record holds, sorted */
  members?: SourceKey[];
  /** the same as "<system>:<source id>" */
  xrefs?: string[];
  /** the golden document: each attribute as survivorship chose it from the members */
  document?: Customer;
  /** per attribute path of `document`: the winning source, the rule and the time */
  lineage?: Record<string, AttributeLineage>;
  dataQuality?: DataQuality;
  revision?: number;
  /**
   * the open processes (drafts to resume, escalation cases) under every member, last updated first,
   * each with its revision: what a channel resuming it sends as If-Match, without reading it first
   */
  openProcesses: (ProcessState & { revision: number })[];
  /** how the company serves this customer, from tier, value and open complaints (service-level.ts) */
  serviceLevel: ServiceLevelAnswer;
}

/** A reason an offer is shown: a condition with the value it saw (a card's `if`, `via`, history, …). */
export interface OfferReason {
  condition: string;
  held: boolean;
  actual: unknown;
}

/**
 * An offer a lurking card makes at this contact, as policies/lurking.ts returns it (records/ does not
 * import policies/, so the shape is repeated here as far as the ranking needs it).
 */
export interface ContactOffer {
  offerId: string;
  policyId: string;
  title: { de: string; en: string };
  priority: number;
  score?: { score: number };
  action: string;
  offer?: string;
  /** the action's channel or recipient */
  channel: string;
  decidedAt: string;
  expiresAt?: string;
  contactId?: string;
  reasons: OfferReason[];
}

/** Where the customer is now: the contact the next best offer answers. */
export interface NextBestOfferContact {
  customerRef: string;
  channel: string;
  /** where on the channel, e.g. "home" */
  point?: string;
  /** the kind of contact, e.g. "web-visit" */
  eventType?: string;
}

/** A lurking card that would have woken but for its state, as policies/lurking.ts names it. */
export interface DormantLurkingCard {
  policyId: string;
  state: 'switched-off' | 'out-of-schedule' | 'cooldown' | 'closed' | 'holdout';
}

/** The lurking cards' answer at a contact, with the cards that stayed dormant and who hears what was shown. */
export interface LurkingAnswer {
  offers: ContactOffer[];
  dormant?: DormantLurkingCard[];
  /**
   * Told once, after the ranking and the limit, the woken offers the answer holds ([] for none): only an
   * offer the channel was shown is a fire of its card and a delivery, and a control-group customer is
   * one whether or not another offer was shown.
   */
  shown?: (offers: readonly ContactOffer[]) => void;
}

/**
 * The deployed lurking cards a contact wakes, given the customer's golden record: the offers, or the
 * offers with the cards that stayed dormant for their state (so an answer without an offer says why).
 */
export type LurkingOffers = (
  customer: Record<string, unknown> | undefined,
  contact: NextBestOfferContact,
) => ContactOffer[] | LurkingAnswer | Promise<ContactOffer[] | LurkingAnswer>;

/**
 * Whether a deployed policy is switched off now (the console, the editor button): its stored offers
 * stay stored but are not presented, and show again once it is switched on while they are still open.
 * A policy that is not deployed (any more) is not switched off: its offers show as they were decided.
 */
export type PolicySwitchedOff = (policyId: string) => boolean;

/** Why a stored offer is listed but not presented: its policy is switched off. */
export type HeldBack = 'switched-off';

/** An open offer as the customer 360 lists it: held back while its policy is switched off. */
export type ListedOffer = StoredOffer & { heldBack?: HeldBack };

/** What to show when nothing applies, e.g. settings.js `crmHub.defaultOffer`. */
export interface DefaultOffer {
  offer: string;
  action?: string;
  title?: { de?: string; en?: string };
}

export interface RankedOffer {
  offerId: string;
  policyId: string;
  offer: string;
  title?: Record<string, string>;
  priority: number;
  /** the card's score (propensity × value × weight), when it has one */
  score?: number;
  action: string;
  /** the channel or recipient the offer is for */
  channel: string;
  /** stored: when the offer was decided; lurking: now */
  createdAt: string;
  expiresAt?: string;
  reasons: OfferReason[];
  source: 'lurking' | 'stored';
}

export interface NextBestOffer {
  customerRef: string;
  channel: string;
  point?: string;
  /** the first of `offers` in the shape of a stored offer (what callers read before the ranked list) */
  offer?: StoredOffer;
  /** best first: priority, then score, then newest, then offer id; at most `limit` */
  offers: RankedOffer[];
  /** set when no offer applies and a default offer is configured; reason says why nothing applied */
  default?: DefaultOffer & { reason: string };
  /** one sentence a call-center agent or a marketer can read */
  explanation: string;
}

export interface NextBestOfferOptions {
  point?: string;
  eventType?: string;
  /** how many offers to answer: 1 (the default) to NBO_MAX_LIMIT */
  limit?: number;
  lurking?: LurkingOffers;
  /** the policy switches: a switched-off policy's stored offers are held back */
  switchedOff?: PolicySwitchedOff;
  defaultOffer?: DefaultOffer;
  now?: Date;
}

export const NBO_MAX_LIMIT = 10;

/**
 * A next best offer asked for on a channel that is none of the canonical ones (those events carry; the
 * cards' `via` and the lurking offers know no other, so it could only ever answer "no offer"). `kind`
 * is the code the REST API answers, and what a Catch node sees as msg.error.code.
 */
export class InvalidChannelError extends RangeError {
  readonly kind = 'invalid-channel';
  readonly field = 'channel';
  constructor(readonly channel: unknown) {
    const got = typeof channel === 'string' ? `; got '${shownValue(channel)}'` : '';
    super(`channel must be one of: ${CHANNELS.join(', ')}${got}`);
    this.name = 'InvalidChannelError';
  }
}

export function isContactChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

/** A value as an error message quotes it: control characters escaped, a long one cut. */
export function shownValue(value: string): string {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped.length > 80 ? `${escaped.slice(0, 80)}…` : escaped;
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

/** The golden document's own customerRef: "hub:<golden id>"; it names the golden record as well. */
const HUB_REF = /^hub:(g-.+)$/;

/**
 * The golden record of a golden id, "hub:<golden id>" or "<system>:<source id>". SAP pads its customer
 * numbers with zeros (KUNNR 0000100001) and the hub keys them without, so an SAP number is also tried
 * without them; another system's zeros are part of its id (crm:0004711 is not crm:4711).
 */
export async function goldenOf(
  store: Pick<HubStore, 'getGolden'>,
  id: string,
): Promise<StoredGolden | undefined> {
  const asked = HUB_REF.exec(id)?.[1] ?? id;
  const found = await store.getGolden(asked);
  if (found || isGoldenId(asked)) return found;
  const unpadded = unpaddedSapRef(asked);
  return unpadded === asked ? undefined : store.getGolden(unpadded);
}

/** What reads a customer: the per-ref copies, and the golden records where the store keeps them. */
export type CustomerDocumentReader = Pick<HubStore, 'getCustomer'> &
  Partial<Pick<HubStore, 'getGolden' | 'getGoldenDocument'>>;

/**
 * The customer's attributes as the policies and the next best offer judge them: the golden document of
 * the golden record that holds the ref (a golden id works too), so an attribute one system contributed
 * (the tier from SAP) is seen on an event or a contact keyed with another system's ref (the call
 * center's). Without a golden record, the copy stored for the ref as its system sent it.
 */
export async function customerDocument(
  store: CustomerDocumentReader,
  customerRef: string,
): Promise<Record<string, unknown> | undefined> {
  return (await customerOf(store, customerRef))?.document;
}

/** customerDocument in the shape of a stored customer (the golden document under the ref asked for). */
export async function customerOf(
  store: CustomerDocumentReader,
  customerRef: string,
): Promise<VersionedCustomer | undefined> {
  if (store.getGoldenDocument) {
    // asked at every event and page view: the document alone, not the lineage and members
    const golden = await goldenDocumentOf(store as Pick<HubStore, 'getGoldenDocument'>, customerRef);
    if (golden) return documentAsCustomer(golden);
  } else if (store.getGolden) {
    const golden = await goldenOf(store as Pick<HubStore, 'getGolden'>, customerRef);
    if (golden) return goldenAsCustomer(golden, isGoldenRef(customerRef) ? undefined : customerRef);
  }
  return store.getCustomer(customerRef);
}

/**
 * The key the hub holds a member under: SAP's padded number (sap:0000100001) as sap:100001 when a
 * golden record holds that member; any other id as it is.
 */
export async function memberRefOf(store: Pick<HubStore, 'getGolden'>, id: string): Promise<string> {
  if (isGoldenRef(id)) return id;
  const golden = await goldenOf(store, id);
  const member = golden ? memberAsked(golden, id) : undefined;
  return member ? sourceRef(member) : id;
}

/** A golden id, or the golden document's own customerRef "hub:g-…". */
function isGoldenRef(id: string): boolean {
  return isGoldenId(id) || HUB_REF.test(id);
}

/**
 * The customer 360 of a source ref or a golden id ("g-…", or "hub:g-…"). With a golden record, the
 * answer carries it: golden id, cross-reference, the golden document and its lineage, and the offers
 * and interactions are those of every member, newest interactions first, whichever member (or the
 * golden id) was asked for.
 */
export async function customer360(
  store: HubStore,
  customerRef: string,
  interactions = 10,
  serviceLevelRules: ServiceLevelRules = DEFAULT_SERVICE_LEVEL_RULES,
  switchedOff?: PolicySwitchedOff,
): Promise<Customer360> {
  const golden = await goldenOf(store, customerRef);
  const byGoldenId = golden !== undefined && isGoldenRef(customerRef);
  // SAP's padded number (sap:0000100001) names the member the hub keys as sap:100001: its own record,
  // offers and interactions are read under that key, as when it is asked for unpadded
  const member = golden && !byGoldenId ? memberAsked(golden, customerRef) : undefined;
  const ref = member ? sourceRef(member) : customerRef;
  // with a golden record, the offers, interactions and processes are the customer's under every
  // member: the call center looking up its own number sees what happened on the web. `customer` stays
  // the ref's own record. One read of the history serves the last interactions and the service level.
  const refs = golden ? golden.members.map(sourceRef) : [ref];
  const [own, offers, histories, processes] = await Promise.all([
    byGoldenId ? undefined : store.getCustomer(ref),
    Promise.all(refs.map((r) => store.listOffers(r))),
    Promise.all(refs.map((r) => store.listInteractions(r, { limit: STANDING_INTERACTIONS }))),
    Promise.all(refs.map((r) => store.listProcesses(r, { status: 'open' }))),
  ]);
  const history = refs.length === 1 ? histories[0] : histories.flat().sort(newestInteractionFirst);
  const tier = (golden?.record.document ?? own?.document)?.tier as CustomerTier | undefined;
  const view: Customer360 = {
    customerRef: byGoldenId ? customerRef : ref,
    ...(own ? { customer: own } : {}),
    offers: listedOffers(uniqueOffers(offers.flat()), switchedOff),
    lastInteractions: history.slice(0, interactions),
    openProcesses: processes
      .flat()
      .sort(compareProcessesLatestFirst)
      .map((stored) => ({ ...stored.process, revision: stored.revision })),
    serviceLevel: serviceLevelOf(tier, history, new Date(), serviceLevelRules),
  };
  if (!golden) return view;
  const { document, lineage } = golden.record;
  return {
    ...view,
    ...(view.customer ? {} : { customer: goldenAsCustomer(golden, byGoldenId ? undefined : customerRef) }),
    goldenId: golden.goldenId,
    members: golden.members,
    xrefs: golden.members.map(sourceRef),
    document,
    lineage,
    ...(document.dataQuality ? { dataQuality: document.dataQuality } : {}),
    revision: golden.revision,
  };
}

/** The most interactions per member read for the service level's windows (the store's listing cap). */
const STANDING_INTERACTIONS = 1000;

/** newest first, ties by eventId, as the store lists one customer's */
function newestInteractionFirst(a: StoredInteraction, b: StoredInteraction): number {
  return compareText(b.occurredAt, a.occurredAt) || compareText(a.eventId, b.eventId);
}

type OfferReader = CustomerDocumentReader &
  Pick<HubStore, 'listOffers'> &
  Partial<Pick<HubStore, 'listGoldenMembers'>>;

/**
 * The customer's open offers (on a channel, or all), those of every member of their golden record: an
 * offer the call center's event decided under crm:4711 is the web page's too when it asks under the
 * web shop's number, as in the customer 360 and the next best offer.
 */
export async function customerOffers(
  store: OfferReader,
  customerRef: string,
  channel?: string,
): Promise<StoredOffer[]> {
  const [golden, own] = await Promise.all([
    goldenDocumentIfKept(store, customerRef),
    store.listOffers(customerRef, channel === undefined ? {} : { channel }),
  ]);
  if (!golden) return own;
  return withMembersOffers(store, await memberRefs(store, golden.goldenId), customerRef, own, channel);
}

/**
 * The customer's document and open offers on a channel, the offers of every member of their golden
 * record (customerOffers). The ref's own offers are read while the golden record is looked up; the
 * other members' only when there are any.
 */
async function customerWithOffers(
  store: OfferReader,
  customerRef: string,
  channel: string,
): Promise<{ customer: Record<string, unknown> | undefined; stored: StoredOffer[]; contactRef: string }> {
  const [golden, own] = await Promise.all([
    goldenDocumentIfKept(store, customerRef),
    store.listOffers(customerRef, { channel }),
  ]);
  if (!golden) {
    return {
      customer: (await store.getCustomer(customerRef))?.document,
      stored: own,
      contactRef: customerRef,
    };
  }
  const refs = await memberRefs(store, golden.goldenId);
  return {
    customer: golden.document as unknown as Record<string, unknown>,
    stored: await withMembersOffers(store, refs, customerRef, own, channel),
    // asked by golden id, the cards judge the contact as the first member's, as the console does: the
    // history, the control group and the offer ids are kept per source record
    contactRef: isGoldenRef(customerRef) && refs.length > 0 ? refs[0] : customerRef,
  };
}

async function memberRefs(store: OfferReader, goldenId: string): Promise<string[]> {
  return ((await store.listGoldenMembers?.(goldenId)) ?? []).map(sourceRef);
}

/** a store that keeps no golden records (the policies' own) has the per-ref copies only */
function goldenDocumentIfKept(
  store: CustomerDocumentReader,
  customerRef: string,
): Promise<GoldenDocumentRead | undefined> {
  return store.getGoldenDocument
    ? goldenDocumentOf(store as Pick<HubStore, 'getGoldenDocument'>, customerRef)
    : Promise.resolve(undefined);
}

/** `own` (the ref's offers) with the other members' offers, each offer once, newest first. */
async function withMembersOffers(
  store: OfferReader,
  members: readonly string[],
  customerRef: string,
  own: StoredOffer[],
  channel: string | undefined,
): Promise<StoredOffer[]> {
  // asked with SAP's padded number, the member's own offers are under its unpadded key: among these
  const others = members.filter((ref) => ref !== customerRef);
  if (others.length === 0) return own;
  const lists = await Promise.all(
    others.map((ref) => store.listOffers(ref, channel === undefined ? {} : { channel })),
  );
  // newest first across members, as the store lists one ref's
  return uniqueOffers([...own, ...lists.flat()]).sort(compareNewestFirst);
}

/** The offers with `heldBack` on those of a switched-off policy; the same array when there are none. */
function listedOffers(offers: StoredOffer[], switchedOff: PolicySwitchedOff | undefined): ListedOffer[] {
  if (!switchedOff || !offers.some((o) => switchedOff(o.policyId))) return offers;
  // a copy: the embedded store shares what it read with later reads
  return offers.map((o) => (switchedOff(o.policyId) ? { ...o, heldBack: 'switched-off' as const } : o));
}

function uniqueOffers(offers: StoredOffer[]): StoredOffer[] {
  const seen = new Set<string>();
  const unique: StoredOffer[] = [];
  for (const offer of offers) {
    if (seen.has(offer.offerId)) continue;
    seen.add(offer.offerId);
    unique.push(offer);
  }
  return unique;
}

/**
 * The golden document in the shape of a stored customer, for callers that read `customer`: under the
 * member asked for (unpadded, as the hub keys it), or under the golden document's own "hub:g-…".
 */
/** goldenOf for the document alone: the same ids, the same retry without SAP's leading zeros. */
async function goldenDocumentOf(
  store: Pick<HubStore, 'getGoldenDocument'>,
  id: string,
): Promise<GoldenDocumentRead | undefined> {
  const asked = HUB_REF.exec(id)?.[1] ?? id;
  const found = await store.getGoldenDocument(asked);
  if (found || isGoldenId(asked)) return found;
  const unpadded = unpaddedSapRef(asked);
  return unpadded === asked ? undefined : store.getGoldenDocument(unpadded);
}

/** goldenAsCustomer from a document read: the ref asked for is the member that resolved it. */
function documentAsCustomer(golden: GoldenDocumentRead): VersionedCustomer {
  const { document, key } = golden;
  return {
    customerRef: key ? sourceRef(key) : document.customerRef,
    document: document as unknown as Record<string, unknown>,
    updatedAt: document.updatedAt,
    sourceSystem: key ? key.system : document.source.system,
    version: golden.revision,
  };
}

/** The member of `golden` that `asked` names, as written or, an SAP number, without its leading zeros. */
function memberAsked(golden: StoredGolden, asked: string): SourceKey | undefined {
  const unpadded = unpaddedSapRef(asked);
  return golden.members.find((m) => sourceRef(m) === asked || sourceRef(m) === unpadded);
}

function goldenAsCustomer(golden: StoredGolden, asked: string | undefined): VersionedCustomer {
  const { document } = golden.record;
  const member = asked === undefined ? undefined : memberAsked(golden, asked);
  return {
    customerRef: member ? sourceRef(member) : document.customerRef,
    document: document as unknown as Record<string, unknown>,
    updatedAt: document.updatedAt,
    sourceSystem: member ? member.system : document.source.system,
    version: golden.revision,
  };
}

/** A limit the next best offer accepts: a whole number from 1 to NBO_MAX_LIMIT; undefined means 1. */
export function isOfferLimit(limit: unknown): boolean {
  return (
    limit === undefined ||
    (Number.isInteger(limit) && (limit as number) >= 1 && (limit as number) <= NBO_MAX_LIMIT)
  );
}

/**
 * The offers to show now on a channel: the customer's open, unexpired stored offers and the offers of
 * the lurking cards this contact wakes, ranked by priority, then score (an offer without a score ranks
 * below one with any), then newest (a woken lurking offer is decided now, so it is the newest), then
 * offer id, so equal offers always come in the same order. A marketing consent the customer denied or
 * withdrew for that channel is a hard filter no priority overrides, and no default offer replaces it.
 */
export async function nextBestOffer(
  store: HubStore,
  customerRef: string,
  channel: string,
  nowOrOptions: Date | NextBestOfferOptions = {},
): Promise<NextBestOffer> {
  const options: NextBestOfferOptions = nowOrOptions instanceof Date ? { now: nowOrOptions } : nowOrOptions;
  if (!isContactChannel(channel)) throw new InvalidChannelError(channel);
  if (!isOfferLimit(options.limit)) {
    throw new RangeError(
      `limit must be a whole number from 1 to ${NBO_MAX_LIMIT}, got ${String(options.limit)}`,
    );
  }
  const now = options.now ?? new Date();
  const limit = options.limit ?? 1;
  const head = { customerRef, channel, ...(options.point === undefined ? {} : { point: options.point }) };
  const { customer, stored, contactRef } = await customerWithOffers(store, customerRef, channel);
  const optedOut = marketingOptOut(customer?.consents, channel);
  if (optedOut) {
    return { ...head, offers: [], explanation: `no offer: the customer ${optedOut} marketing on ${channel}` };
  }
  const nowMs = now.getTime();
  const isLive = (o: StoredOffer) => !o.expiresAt || Date.parse(o.expiresAt) > nowMs;
  // asked at every page view: no copy of the list when nothing in it expired
  const open = stored.every(isLive) ? stored : stored.filter(isLive);
  const expired = stored.length - open.length;
  // a switched-off policy's offers stay stored, held back until it is switched on again
  const { switchedOff } = options;
  let live = open;
  const heldBack: StoredOffer[] = [];
  if (switchedOff && open.some((o) => switchedOff(o.policyId))) {
    live = [];
    for (const o of open) (switchedOff(o.policyId) ? heldBack : live).push(o);
  }

  let woken: ContactOffer[] = [];
  let dormant: DormantLurkingCard[] = [];
  let shown: LurkingAnswer['shown'];
  let lurkingFailed: string | undefined;
  const contact: NextBestOfferContact = { customerRef: contactRef, channel };
  if (options.point !== undefined) contact.point = options.point;
  if (options.eventType !== undefined) contact.eventType = options.eventType;
  if (options.lurking) {
    try {
      const answer = await options.lurking(customer, contact);
      if (Array.isArray(answer)) woken = answer;
      else ({ offers: woken, dormant = [], shown } = answer);
    } catch (error) {
      // The stored offers still answer; the sentence says what is missing.
      lurkingFailed = error instanceof Error ? error.message : String(error);
    }
  }

  const ranked: RankedOffer[] = [];
  for (const o of live) ranked.push(fromStored(o));
  for (const o of woken) if (o.offer !== undefined) ranked.push(fromLurking(o));
  ranked.sort(byRank);
  const answered = ranked.length > limit ? ranked.slice(0, limit) : ranked;
  shown?.(shownLurking(answered, woken));
  const failedNote = lurkingFailed ? ` (lurking cards not evaluated: ${lurkingFailed})` : '';
  const heldNote = heldBackNote(heldBack);
  if (ranked.length === 0) {
    const why =
      `no open offer on ${channel} for ${customerRef}` +
      (expired || heldNote
        ? ` (${[expired ? `${expired} expired` : '', heldNote].filter(Boolean).join('; ')})`
        : '') +
      (options.lurking && !lurkingFailed ? dormantCards(dormant) : '') +
      failedNote;
    if (!options.defaultOffer) return { ...head, offers: [], explanation: why };
    return {
      ...head,
      offers: [],
      default: { ...options.defaultOffer, reason: why },
      explanation: `default offer ${options.defaultOffer.offer}: ${why}`,
    };
  }
  const best = ranked[0];
  const bestStored = best.source === 'stored' ? live.find((o) => o.offerId === best.offerId) : undefined;
  const woke =
    best.source === 'lurking'
      ? `, woken by this contact: ${best.reasons.map((r) => `${r.condition} (actual: ${show(r.actual)})`).join('; ')}`
      : '';
  return {
    ...head,
    offer: bestStored ?? asStoredOffer(best, contactRef),
    offers: answered,
    explanation:
      `${best.offer} from ${best.source === 'lurking' ? 'lurking ' : ''}policy ${best.policyId} (priority ${best.priority})` +
      (ranked.length > 1
        ? ` is the highest of ${ranked.length} open offers on ${channel}`
        : ` is the only open offer on ${channel}`) +
      woke +
      (heldNote ? ` (${heldNote})` : '') +
      failedNote,
  };
}

const REASONS_SHOWN = 3;

/** The woken offers among those answered, in the answer's order. */
function shownLurking(answered: readonly RankedOffer[], woken: readonly ContactOffer[]): ContactOffer[] {
  const shown: ContactOffer[] = [];
  for (const o of answered) {
    if (o.source !== 'lurking') continue;
    const offer = woken.find((w) => w.offerId === o.offerId);
    if (offer) shown.push(offer);
  }
  return shown;
}

/** "2 held back: p1 switched off; p2 switched off": the stored offers of switched-off policies. */
function heldBackNote(heldBack: readonly StoredOffer[]): string {
  if (heldBack.length === 0) return '';
  const policies = [...new Set(heldBack.map((o) => o.policyId))];
  const shown = policies.slice(0, REASONS_SHOWN).map((id) => `${id} switched off`);
  const more = policies.length > REASONS_SHOWN ? `; ${policies.length - REASONS_SHOWN} more` : '';
  return `${heldBack.length} held back: ${shown.join('; ')}${more}`;
}
const DORMANT_WORDS: Record<DormantLurkingCard['state'], string> = {
  'switched-off': 'switched off',
  'out-of-schedule': 'out of its schedule',
  cooldown: 'in its cooldown',
  closed: 'closed, the customer took the offer',
  holdout: 'the customer is in its control group',
};

/**
 * " and no lurking card woke (card: why; …)": the state of the cards that would have woken, in words
 * and never with the customer's values (channels and their logs read this answer); the plain
 * sentence when no card got that far.
 */
function dormantCards(dormant: readonly DormantLurkingCard[]): string {
  if (dormant.length === 0) return ' and no lurking card matched this contact';
  const shown = dormant.slice(0, REASONS_SHOWN).map((d) => `${d.policyId}: ${DORMANT_WORDS[d.state]}`);
  const more = dormant.length > REASONS_SHOWN ? `; ${dormant.length - REASONS_SHOWN} more` : '';
  return ` and no lurking card woke (${shown.join('; ')}${more})`;
}

function fromStored(o: StoredOffer): RankedOffer {
  const ranked: RankedOffer = {
    offerId: o.offerId,
    policyId: o.policyId,
    offer: o.offer,
    priority: o.priority,
    action: o.action,
    channel: o.channel,
    createdAt: o.createdAt,
    reasons: [{ condition: `open offer decided on event ${o.eventId}`, held: true, actual: o.createdAt }],
    source: 'stored',
  };
  if (o.title) ranked.title = o.title;
  if (o.expiresAt) ranked.expiresAt = o.expiresAt;
  return ranked;
}

function fromLurking(o: ContactOffer): RankedOffer {
  const ranked: RankedOffer = {
    offerId: o.offerId,
    policyId: o.policyId,
    offer: o.offer as string,
    title: o.title,
    priority: o.priority,
    action: o.action,
    channel: o.channel,
    createdAt: o.decidedAt,
    reasons: o.reasons,
    source: 'lurking',
  };
  if (o.score) ranked.score = o.score.score;
  if (o.expiresAt) ranked.expiresAt = o.expiresAt;
  return ranked;
}

/** A woken lurking offer in the shape of a stored one, for callers of the single `offer` field. */
function asStoredOffer(o: RankedOffer, customerRef: string): StoredOffer {
  const offer: StoredOffer = {
    offerId: o.offerId,
    customerId: customerRef,
    channel: o.channel,
    action: o.action,
    offer: o.offer,
    policyId: o.policyId,
    eventId: 'lurking',
    priority: o.priority,
    createdAt: o.createdAt,
    status: 'open',
  };
  if (o.title) offer.title = o.title;
  if (o.expiresAt) offer.expiresAt = o.expiresAt;
  return offer;
}

/** Priority, then score (none ranks below any), then newest, then offer id. */
function byRank(a: RankedOffer, b: RankedOffer): number {
  return (
    b.priority - a.priority ||
    (b.score ?? -1) - (a.score ?? -1) ||
    (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0) ||
    (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0)
  );
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
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
