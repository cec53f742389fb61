/**
 * The golden record's intake: what the golden-record node does with each canonical customer and
 * event. A customer from system S with source id X is matched against every source record seen
 * (deterministic rules, then weights, with blocking), linked into the golden record of its best
 * partner unless a steward kept the pair apart, or founds a new one; pairs between the thresholds go
 * to the review band. An event that carries customer data (address-changed) is applied to the golden
 * record of the source record it is about.
 *
 * The match index lives in memory and is filled from the store (listSourceRecords) before the first
 * record is taken, so a restart or a redeploy matches against everything held. A newer version of a
 * record held replaces its values there once the store took it (a stale one does not), so a record
 * that gained an e-mail is found by it; what the new version matches in another golden record is
 * proposed for review, never joined by itself.
 *
 * Records and events take lanes (KeyedLanes): first their source record's own, so two versions of one
 * record are taken in the order they came; then the lane of the golden record that holds it, so one
 * golden record is written by one change at a time. A record no golden record holds yet (a newcomer)
 * is matched at once, and waits only for the partners matching found that are still on their way into
 * the store: two records of one person arriving together must see each other's link. Changes to
 * different golden records run side by side, and their store writes share a commit. Where a newcomer
 * joins a golden record that its lane changes at the same moment, the store's revision check makes the
 * later writer read again (golden-operations.ts).
 */
import { withCanonicalKeys } from '../mappings/canonical/event-id';
import { compileMappingValidator } from '../mappings/validate';
import type { Customer, InteractionEvent } from '../mappings/canonical/types';
import { EVENT_READERS, SOURCE_DELETION } from './event-sources';
import { applyToGoldenRecord, customerRowOf, type GoldenRecordResult } from './golden-record';
import { isProcessState } from './process-drafts';
import { canonicalEventOf, claimEventId } from './event-id-claim';
import {
  applySourceEvent,
  linkSourceRecord,
  reviewsAcross,
  type EventOutcome,
  type GoldenOperationOptions,
} from './golden-operations';
import type { GoldenCause, GoldenEvent, GoldenStore, StoredSourceRecord } from './golden-store';
import { byStrength } from './matching/clusters';
import {
  DEFAULT_MATCH_CONFIG,
  MatchIndex,
  matchInputFromCustomer,
  normalizeRecord,
  type AddResult,
  type MatchConfig,
  type MatchDecision,
  type MatchRecord,
} from './matching';
import { KeyedLanes } from './keyed-lanes';
import { refuseFutureEvent, takenAsOfNow } from './future-dated';
import { instant, sourceRef, type SourceKey, type SourceRecord, type StaleVersion } from './source-versions';
import { normalizeCustomer, StoreInputError } from './store-input';
import type { CustomerWriteResult, HubStore, StoredCustomer } from './store';
import type { TrustConfig, TrustLookup } from './trust';

export interface GoldenIntakeOptions {
  /** source trust per attribute; every system counts the same when left out */
  trust?: TrustConfig | TrustLookup;
  /** thresholds and weights of matching */
  match?: MatchConfig;
  /** records read per page when the index is filled from the store; default 1000 */
  pageSize?: number;
}

/** The link matching chose for a record new to the hub. */
export interface MatchedWith {
  /** the partner's source ref */
  ref: string;
  rule: string;
  summary: string;
}

export type CustomerIntake =
  | {
      status: 'applied';
      key: SourceKey;
      goldenId: string;
      /** set when matching joined the record to another one's golden record */
      matched?: MatchedWith;
      /** review items proposed (new ones and ones already open) */
      reviews: string[];
      events: GoldenEvent[];
    }
  /** an older version than, or a repeat of, the one held: nothing changed */
  | { status: 'stale'; key: SourceKey; goldenId?: string; stale: StaleVersion };

export type EventIntake = EventOutcome;

/** A customer taken in, and how the record per customerRef it carried was written with its link. */
export interface Linked {
  intake: CustomerIntake;
  /** absent when the link wrote no row: none was given, or the version was stale */
  write?: CustomerWriteResult;
}

/** What matching said about a record when it was indexed, its own ref left out. */
interface Found {
  /** strongest first */
  links: MatchDecision[];
  reviews: MatchDecision[];
  /** refs matching kept apart from it on contradicting evidence */
  contradicted: string[];
}

/** Which record of which system a canonical customer is: `source.system` and its id there. */
export function sourceKeyOf(customer: Partial<Customer>): SourceKey {
  const given = customer.source?.system;
  if (typeof given !== 'string' || given.trim() === '') {
    throw new Error('golden record: a customer needs source.system to say which system it comes from');
  }
  // ids in NFC: the composed and the decomposed form of one id are one source record
  const system = given.normalize('NFC');
  const ref = typeof customer.customerRef === 'string' ? customer.customerRef.normalize('NFC') : '';
  if (ref.startsWith(`${system}:`) && ref.length > system.length + 1) {
    return { system, sourceId: ref.slice(system.length + 1) };
  }
  const own = (customer.identifiers ?? []).find(
    (i) => i?.system?.normalize('NFC') === system && typeof i.id === 'string',
  );
  if (own && own.id !== '') return { system, sourceId: own.id.normalize('NFC') };
  throw new Error(
    `golden record: customer ${JSON.stringify(ref)} from ${system} has neither a customerRef "${system}:<id>" nor an identifier of ${system}`,
  );
}

/** A canonical customer as a source record of its system. */
export function sourceRecordOf(customer: Partial<Customer>): SourceRecord {
  const key = sourceKeyOf(customer);
  instant(customer.updatedAt, () => `updatedAt of customer ${sourceRef(key)}`);
  const version = customer.source?.version;
  // the system's sequence orders two versions of one moment (two IDocs of one second) by the order
  // the system made them, not by their content
  return {
    ...key,
    document: customer,
    updatedAt: customer.updatedAt as string,
    ...(typeof version === 'number' ? { version } : {}),
  };
}

/** What matching said of the record `ref` as it was added: its partners, strongest link first. */
function foundOf(ref: string, added: AddResult): Found {
  const other = (d: MatchDecision) => (d.a === ref ? d.b : d.a);
  return {
    links: added.links.filter((d) => other(d) !== ref).sort(byStrength),
    reviews: added.reviews.filter((d) => other(d) !== ref),
    contradicted: added.contradictions.map(([a, b]) => (a === ref ? b : a)),
  };
}

/** A source record as matching reads it, under its source ref. */
function matchRecordOf(record: SourceRecord): MatchRecord {
  const ref = sourceRef(record);
  const document = { ...record.document, customerRef: ref, identifiers: record.document.identifiers ?? [] };
  return normalizeRecord(matchInputFromCustomer(document as Customer));
}

export class GoldenIntake {
  private readonly index: MatchIndex;
  private filled: Promise<void> | undefined;
  private readonly lanes = new KeyedLanes();
  /** newcomers matched but not yet stored, by ref: settled once their link is written (or failed) */
  private readonly arriving = new Map<string, Promise<void>>();
  /**
   * newcomers the match index took whose first write failed (the store away): the index knows them,
   * the store does not, so when they come back they are matched again instead of joining nothing
   */
  private readonly unstored = new Set<string>();

  constructor(
    private readonly store: GoldenStore,
    private readonly options: GoldenIntakeOptions = {},
  ) {
    this.index = new MatchIndex(options.match ?? DEFAULT_MATCH_CONFIG);
  }

  /** source records in the match index */
  get size(): number {
    return this.index.size;
  }

  /** Fills the match index from the store once; called by the first take. */
  fill(): Promise<void> {
    this.filled ??= this.readAll().catch((err: unknown) => {
      this.filled = undefined;
      throw err;
    });
    return this.filled;
  }

  /** `cause`: the message it came in, kept with the golden events the change writes */
  async takeCustomer(customer: Partial<Customer>, cause?: GoldenCause): Promise<CustomerIntake> {
    return (await this.takeCustomerWithRow(customer, undefined, cause)).intake;
  }

  /**
   * takeCustomer, writing `row` (the record per customerRef, putCustomer's) in the link's transaction:
   * `write` says how, and is absent when no link was written (a stale version), for the caller to
   * write the row by itself.
   */
  takeCustomerWithRow(
    customer: Partial<Customer>,
    row: StoredCustomer | undefined,
    cause?: GoldenCause,
  ): Promise<Linked> {
    const record = sourceRecordOf(customer);
    return this.take(sourceRef(record), (held) => this.link(record, held, cause, row));
  }

  takeEvent(event: InteractionEvent, cause?: GoldenCause): Promise<EventIntake> {
    const reader = EVENT_READERS[event.type];
    // a system's deletion of its record is kept about it: that system is sent no more changes of it
    if (!reader?.(event.data) && event.type !== SOURCE_DELETION)
      return Promise.resolve({ status: 'ignored' });
    if (typeof event.source?.system !== 'string' || event.source.system === '') {
      throw new Error(
        `golden record: event ${event.eventId} reports customer data but has no source.system to weigh it by`,
      );
    }
    // a malformed ref holds no golden record: applySourceEvent refuses it
    const ref = typeof event.customer?.ref === 'string' ? event.customer.ref : '';
    return this.take(ref, () => applySourceEvent(this.store, event, this.operationOptions(cause)));
  }

  /**
   * `work` on `ref`'s lane, then on its golden record's if it has one, once the index is filled; it is
   * told that golden id.
   */
  private take<T>(ref: string, work: (held: string | undefined) => Promise<T>): Promise<T> {
    return this.lanes.run(`ref ${ref}`, async () => {
      await this.fill();
      // Only a ref the store refuses (malformed) is held by none; a store that cannot answer must fail
      // the change, or it would run beside its golden record's other changes and match as a newcomer.
      const held = await this.store.resolveGoldenId(ref).catch((err: unknown) => {
        if (err instanceof StoreInputError) return undefined;
        throw err;
      });
      return held === undefined ? work(undefined) : this.lanes.run(`golden ${held}`, () => work(held));
    });
  }

  /**
   * Marks `ref` as on its way into the store until `work` settles; before that, waits for the partners
   * that are on their way themselves. Partners are only ever records matched earlier, so no two
   * newcomers wait for each other.
   */
  private async arrive<T>(ref: string, partners: readonly string[], work: () => Promise<T>): Promise<T> {
    let settle: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (settle = resolve));
    const waits = partners.flatMap((p) => this.arriving.get(p) ?? []);
    this.arriving.set(ref, arrived);
    try {
      if (waits.length > 0) await Promise.all(waits);
      return await work();
    } finally {
      settle();
      if (this.arriving.get(ref) === arrived) this.arriving.delete(ref);
    }
  }

  private async readAll(): Promise<void> {
    const limit = this.options.pageSize ?? 1000;
    let after: SourceKey | undefined;
    for (;;) {
      const page: StoredSourceRecord[] = await this.store.listSourceRecords({
        limit,
        ...(after ? { after } : {}),
      });
      for (const held of page) this.remember(held);
      if (page.length < limit) return;
      after = page[page.length - 1];
    }
  }

  /** Indexes a record the first time its ref is seen; returns what matching said about it then. */
  private remember(record: SourceRecord): Found | undefined {
    const ref = sourceRef(record);
    if (this.index.numberOf(ref) !== undefined) return undefined;
    return foundOf(ref, this.index.add(matchRecordOf(record)));
  }

  /** What matching says now of a record the index holds already, as if it were new. */
  private rematch(record: SourceRecord): Found | undefined {
    const added = this.index.update(matchRecordOf(record));
    return added && foundOf(sourceRef(record), added);
  }

  private async link(
    record: SourceRecord,
    held: string | undefined,
    cause: GoldenCause | undefined,
    row: StoredCustomer | undefined,
  ): Promise<Linked> {
    const ref = sourceRef(record);
    const found =
      this.remember(record) ??
      (held === undefined && this.unstored.has(ref) ? this.rematch(record) : undefined);
    if (held !== undefined || !found) {
      const linked = await this.join(record, held, { reviews: [] }, cause, row);
      const { intake } = linked;
      if (intake.status === 'stale') return linked;
      // a version the store took: the records that come later match against what it holds now, and
      // what it matches in another golden record goes to review; it does not move by itself
      const rematched = this.index.update(matchRecordOf(record));
      const moved = 'a new version of a record held does not move to another golden record by itself';
      for (const id of await this.proposeAll(ref, intake.goldenId, [
        ...(rematched?.links ?? []).map((l) => asReview(l, moved)),
        ...(rematched?.reviews ?? []),
      ])) {
        if (!intake.reviews.includes(id)) intake.reviews.push(id);
      }
      return linked;
    }
    const other = (d: MatchDecision) => (d.a === ref ? d.b : d.a);
    const partners = [...found.links.map(other), ...found.reviews.map(other), ...found.contradicted];
    this.unstored.add(ref);
    const linked = await this.arrive(ref, partners, async () =>
      this.join(record, held, await this.choose(ref, found), cause, row),
    );
    this.unstored.delete(ref);
    return linked;
  }

  /** Writes the record into the golden record `decided` chose (or its own), then the reviews. */
  private async join(
    record: SourceRecord,
    held: string | undefined,
    decided: { into?: MatchedWith; reviews: MatchDecision[] },
    cause: GoldenCause | undefined,
    row: StoredCustomer | undefined,
  ): Promise<Linked> {
    const key: SourceKey = { system: record.system, sourceId: record.sourceId };
    const ref = sourceRef(key);
    const outcome = await linkSourceRecord(this.store, record, decided.into?.ref, {
      ...this.operationOptions(cause),
      ...(row ? { customer: row } : {}),
    });
    if (outcome.status === 'stale') {
      return {
        intake: { status: 'stale', key, stale: outcome.stale, ...(held ? { goldenId: held } : {}) },
      };
    }
    const reviews = await this.proposeAll(ref, outcome.goldenId, decided.reviews);
    return {
      intake: {
        status: 'applied',
        key,
        goldenId: outcome.goldenId,
        ...(decided.into ? { matched: decided.into } : {}),
        reviews,
        events: outcome.events,
      },
      ...(outcome.customer ? { write: outcome.customer } : {}),
    };
  }

  /**
   * The golden record a new record joins: its strongest link whose partner a steward did not keep
   * apart from it, and whose golden record holds nothing matching contradicted or held back for a
   * conflict (a different birth date or given name). Every other link to another golden record goes
   * to review: the hub does not join two golden records on its own.
   */
  private async choose(
    ref: string,
    { links, reviews, contradicted }: Found,
  ): Promise<{ into?: MatchedWith; reviews: MatchDecision[] }> {
    const other = (d: MatchDecision) => (d.a === ref ? d.b : d.a);
    // A father and son of one name meet through a record without a birth date: joining through it
    // would bury the pair the conflict guard sent to review inside one golden record.
    const conflicting = reviews.filter((d) => d.explanation.conflicts.length > 0).map(other);
    const blocked = new Set<string>();
    for (const partner of [...contradicted, ...conflicting]) {
      const goldenId = await this.store.resolveGoldenId(partner);
      if (goldenId) blocked.add(goldenId);
    }
    let into: { ref: string; goldenId: string; decision: MatchDecision } | undefined;
    const toReview: MatchDecision[] = [...reviews];
    for (const link of links) {
      const partner = other(link);
      const goldenId = await this.store.resolveGoldenId(partner);
      if (goldenId === undefined || (await this.store.isKeptApart(ref, partner))) continue;
      if (into === undefined && !blocked.has(goldenId)) into = { ref: partner, goldenId, decision: link };
      else if (goldenId !== into?.goldenId) toReview.push(asReview(link, joinedElsewhere(into?.ref)));
    }
    const chosen = into
      ? {
          ref: into.ref,
          rule: into.decision.explanation.rule,
          summary: into.decision.explanation.summary,
        }
      : undefined;
    return { ...(chosen ? { into: chosen } : {}), reviews: toReview };
  }

  /**
   * One review item per other golden record, not per member pair: of the pairs `ref` forms with the
   * members of one golden record, the one with the strongest evidence (strongerEvidence) is proposed, unless an item between the two golden
   * records is open already (its id is returned) or a steward kept them apart (nothing is proposed).
   */
  private async proposeAll(
    ref: string,
    goldenId: string,
    decisions: readonly MatchDecision[],
  ): Promise<string[]> {
    const best = new Map<string, MatchDecision>();
    for (const decision of decisions) {
      const partner = decision.a === ref ? decision.b : decision.a;
      const partnerGolden = await this.store.resolveGoldenId(partner);
      if (partnerGolden === undefined || partnerGolden === goldenId) continue;
      const held = best.get(partnerGolden);
      if (!held || strongerEvidence(decision, held) > 0) best.set(partnerGolden, decision);
    }
    const ids: string[] = [];
    for (const [partnerGolden, decision] of best) {
      const partner = decision.a === ref ? decision.b : decision.a;
      const across = await reviewsAcross(this.store, goldenId, partnerGolden);
      if (across.some((item) => item.status === 'kept-apart')) continue;
      const open = across.find((item) => item.status === 'open');
      if (open) {
        ids.push(open.reviewId);
        continue;
      }
      const result = await this.store.proposeReview({
        a: ref,
        b: partner,
        score: decision.explanation.totalWeight,
        explanation: decision.explanation,
        proposedAt: new Date().toISOString(),
      });
      if (result.item.status === 'open') ids.push(result.item.reviewId);
    }
    return ids;
  }

  private operationOptions(cause: GoldenCause | undefined): GoldenOperationOptions {
    return {
      ...(this.options.trust ? { trust: this.options.trust } : {}),
      ...(cause ? { cause } : {}),
    };
  }
}

/**
 * Which pair a golden record's review item shows: one with a conflict (a different birth date or given
 * name) first, as the steward must see what speaks against joining; then the higher weight.
 */
function strongerEvidence(x: MatchDecision, y: MatchDecision): number {
  const conflicts = Number(x.explanation.conflicts.length > 0) - Number(y.explanation.conflicts.length > 0);
  return conflicts || x.explanation.totalWeight - y.explanation.totalWeight;
}

/** A link the hub did not follow, as a review item that says why. */
function asReview(link: MatchDecision, why: string): MatchDecision {
  return {
    ...link,
    outcome: 'review',
    explanation: {
      ...link.explanation,
      summary: `${link.explanation.summary}; not followed, as ${why}: review`,
    },
  };
}

const validateCustomer = compileMappingValidator('customer');

const joinedElsewhere = (joined: string | undefined) =>
  joined
    ? `the record joined the golden record of ${joined}`
    : 'matching contradicted a member of that golden record, or found a conflict with one';

export type GoldenPathResult = GoldenRecordResult & { golden?: CustomerIntake | EventIntake };

/**
 * Both sides of the golden-record node for one canonical customer or event: the document per
 * customerRef that the next best offer, the policies and the customer 360 read today
 * (applyToGoldenRecord), and the golden record. A customer is checked for its source key and
 * updatedAt before anything is written, so a record the golden record cannot take is refused whole.
 * `cause` (the message it came in) is kept with the golden events the change puts in the outbox.
 */
export async function applyWithGoldenRecord(
  store: HubStore,
  intake: GoldenIntake,
  doc: unknown,
  cause?: GoldenCause,
): Promise<GoldenPathResult> {
  // a record dated ahead of the clock counts as of now (future-dated.ts); an event so dated is refused
  const customer = isCustomer(doc) ? withNfcRef(takenAsOfNow(doc)) : undefined;
  if (!customer) refuseFutureEvent(doc as { eventId?: unknown; occurredAt?: unknown });
  if (customer) {
    const key = sourceRecordOf(customer);
    // A flow may wire anything into the golden record; what the survivorship builds from must be a
    // canonical customer, or the golden document (and every target's update from it) is not one.
    const verdict = validateCustomer(customer);
    if (!verdict.ok) {
      const [first] = verdict.errors;
      throw new StoreInputError(
        `golden record: customer ${sourceRef(key)} is no valid canonical customer: ${first.field || 'document'} ${first.message}`,
      );
    }
  }
  // an event another flow published with SAP's number as SAP shows it (sap:0000104711) is about the
  // customer the hub keys as sap:104711, as the REST and SOAP intakes and the DEBMAS mapping key it; its
  // eventId in capitals is the UUID the ledgers hold in lower case
  const keyed = customer ?? withCanonicalKeys(doc as InteractionEvent);
  // a canonical event whose id another event's content holds is refused (event-id-reused), neither
  // taken as a repeat nor applied over the first
  const event = customer ? undefined : canonicalEventOf(keyed);
  if (event) await claimEventId(store, event);
  try {
    if (customer) {
      const customerRef = customer.customerRef as string;
      // checked before anything is written, then written in the link's transaction: one durable commit
      const row = normalizeCustomer(customerRowOf(customerRef, customer));
      // the row's checked copy is the source record's document too: the store copies it once for both
      const { intake: golden, write } = await intake.takeCustomerWithRow(
        row.document as Partial<Customer>,
        row,
        cause,
      );
      return { kind: 'customer', customerRef, write: write ?? (await store.putCustomer(row)), golden };
    }
    const result = await applyToGoldenRecord(store, keyed);
    if (result.kind === 'interaction') {
      return { ...result, golden: await intake.takeEvent(keyed as InteractionEvent, cause) };
    }
    return result;
  } catch (err) {
    // a dead letter from a batch must say which of its records the store refused
    if (customer && err instanceof StoreInputError) {
      const ref = sourceRef(sourceRecordOf(customer));
      throw new StoreInputError(`golden record: customer ${ref}: ${err.message.replace(/^store: /, '')}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/** The customer with its customerRef in NFC, as the store and the cross-reference key it. */
function withNfcRef(customer: Partial<Customer>): Partial<Customer> {
  const ref = customer.customerRef as string;
  const nfc = ref.normalize('NFC');
  return nfc === ref ? customer : { ...customer, customerRef: nfc };
}

function isCustomer(doc: unknown): doc is Partial<Customer> {
  const c = doc as Partial<Customer> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.customerRef === 'string' &&
    typeof c.kind === 'string' &&
    // a process state has a customerRef and a kind too (applyToGoldenRecord stores it)
    !isProcessState(doc)
  );
}
