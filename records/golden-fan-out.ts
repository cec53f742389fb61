/**
 * Fan-out of golden-record changes to one target system (the sync-target node, one per target): a
 * `golden.changed` event from crm.golden becomes one update per record the target holds of that
 * golden record, as the target's view of the golden document. Its outbound mapping (from-canonical)
 * and its queue crm.out.<system> follow.
 *
 * What goes out is the golden record as the store holds it when the event is handled, not the
 * event's snapshot: events of one golden id are handled one after another, so the last update a
 * target receives carries the newest golden values even when events overtook each other.
 *
 * Echo suppression. A target is not sent a change it already holds: the golden view and the target's
 * own held version (its newest accepted record in the store) are both run through the target's
 * outbound mapping, and when the two come out equal the update is suppressed. So a change that came
 * from the target (and won) does not bounce back, while one whose golden value differs from what the
 * target sent (it lost survivorship for an attribute) is sent, and the target converges. One
 * exception keeps a target from being left behind: when the last update handed out for that record
 * since this process started carried other values, the target may still apply it after its own
 * report, so the golden values are sent once more. Once the target reports back what it was sent last,
 * it has applied it, and its own later changes are echoes again.
 *
 * Sent already. Until the target reports back, its held version is older than what it was sent, so
 * every further golden change that leaves the target's view as it was (another system's change of
 * values the target does not carry) differed from the held version and went out again, each under its
 * own golden revision's message id: SAP got one customer's identical DEBMAS three times. A change
 * whose view equals the update last handed out for the record, while the target has reported nothing
 * since (its held version is still the one it was when that update went out), is not sent again.
 * That may only count an update that is known to have reached the target's queue: the fan-out runs
 * before from-canonical and amqp-out, and a publish that fails sends the golden message back to its
 * queue to come again. So an update counts only once the crm.golden message that handed it out is
 * acked, which amqp-in does only when the whole flow, the confirmed publish included, completed
 * without error; a message settled any other way (failed, requeued, dropped, timed out) forgets it.
 * Until then a change of the same view is sent: waiting for that outcome in the customer's lane chained
 * the waits of a burst of one customer's changes (ten in a prefetch window) past amqp-in's handling
 * timeout when a broker restart held the publishes, and the fault suite dead-lettered a whole window.
 * A redelivered message is never skipped as sent already. Where no such outcome
 * can be known (no amqp-in acking after the flow), nothing is skipped as sent already. A change that
 * goes A→B→A sends A again (the last update handed out is B), and a restart starts with no memory:
 * the first change after it is sent again (at least once).
 *
 * A record the target holds with a gap its own format requires (a Siebel contact without a last name)
 * cannot be mapped back either; when the target's held version fails the outbound mapping as the golden
 * view does, the target holds that gap already, and nothing is sent: a change of the golden record is
 * not dead-lettered for a value the target itself never had.
 */
import type { Customer, CustomerIdentifier } from '../mappings/canonical/types';
import type { MapResult } from '../mappings/mapping-types';
import { canonicalJson, sha256 } from './content-hash';
import type { GoldenChangedEvent, GoldenStore, StoredSourceRecord } from './golden-store';
import { isDeletedInSource, SOURCE_DELETION } from './event-sources';
import { KeyedLanes } from './keyed-lanes';
import { setBounded } from './bounded-map';
import { copyData } from '../formats/copy-data';
import { withFields } from '../formats/with-fields';
import { sourceRef, type SourceKey } from './source-versions';
import { goldenChangedEventId } from './golden-change-plan';

/** The target's outbound mapping of a canonical customer (from-canonical's, compiled once). */
export type TargetProjection = (view: Customer) => MapResult<unknown>;

export interface TargetUpdate {
  target: string;
  /** the target's record this update is for */
  key: SourceKey;
  goldenId: string;
  revision: number;
  /** the golden event that caused it */
  eventId: string;
  /**
   * `<golden event id>:<target>:<source id>`, the event id of the revision the view was read at, which
   * is not always the handled event's: the view is read when the change is handled, so two changes
   * handled after the golden record reached one revision send the same values, and the target's
   * idempotent consumer must see them as one message (under each event's own id they went out twice).
   * The same change redelivered is the same message too, unless the golden record has moved on since.
   */
  messageId: string;
  /** the golden document as the target's view: customerRef and identifiers[0] are the target's record */
  view: Customer;
}

export type SkipReason =
  /** golden.merged / golden.unmerged: the golden.changed events of the same change carry the documents */
  | 'not-a-change'
  /** the golden id is not (or no longer) known to the store */
  | 'unknown'
  /** the golden record holds no record of the target: the target does not know this customer */
  | 'not-held'
  /** the target holds these values already */
  | 'echo'
  /**
   * the target was sent these values last, that update is published, and it has reported nothing since
   */
  | 'sent-already'
  /**
   * the golden values cannot be written in the target's format for the reason its own record cannot
   * either (a Siebel contact without a last name): sent, it would only be refused; the change may carry
   * other values the target lacks, so it is no echo
   */
  | 'target-gap'
  /** the target deleted its record (SAP MSGFN 003) after the version held: it is sent nothing more */
  | 'deleted-in-source';

export type FanOutResult = { sent: TargetUpdate[]; skipped: { reason: SkipReason; key?: SourceKey }[] };

/** What the sync-target node knows of the crm.golden message a change came in. */
export interface Handling {
  /** the broker delivered it before: what it handed out then may never have been published */
  redelivered?: boolean;
  /**
   * true once everything the message handed out is published (its delivery is acked after the whole
   * flow), false when it is settled otherwise; undefined when that can never be known. Asked only when
   * an update is handed out.
   */
  settled?: () => Promise<boolean> | undefined;
}

/** The update last handed out for one target record. */
interface Handout {
  /** of its projection's canonical JSON */
  digest: string;
  /** the target's held version it went out over; undefined: not known */
  held: HeldVersion | undefined;
  /** set once its golden message is acked (the confirmed publish included); never, where not known */
  published: boolean;
}

/**
 * Which version of its record the target holds: a new one once the target reports (back) anything.
 * The store stamps each version it accepts (storedAt), so a version once replaced never comes back.
 */
type HeldVersion = Pick<StoredSourceRecord, 'storedAt' | 'contentHash'>;

const LAST_SENT_LIMIT = 100_000;

export class GoldenFanOut {
  /** one golden id's events in arrival order, different golden ids side by side */
  private readonly lanes = new KeyedLanes();
  /** the update last handed out per target record ref, newest last (bounded) */
  private readonly lastSent = new Map<string, Handout>();

  constructor(
    private readonly store: GoldenStore,
    readonly target: string,
    private readonly project: TargetProjection,
  ) {}

  /** The updates one crm.golden message gives this target; events of one golden id in arrival order. */
  take(event: unknown, handling: Handling = {}): Promise<FanOutResult> {
    if (!isChange(event)) return Promise.resolve({ sent: [], skipped: [{ reason: 'not-a-change' }] });
    return this.lanes.run(event.goldenId, () => this.fanOut(event, handling));
  }

  private async fanOut(event: GoldenChangedEvent, handling: Handling): Promise<FanOutResult> {
    // the document alone (the embedded store keeps it decoded), not the whole stored record with its
    // lineage, sources and events, which every target of every change decoded again
    const golden = await this.store.getGoldenDocument(event.goldenId);
    if (!golden) return { sent: [], skipped: [{ reason: 'unknown' }] };
    const members = await this.store.listGoldenMembers(golden.goldenId);
    const held = members.filter((m) => m.system === this.target);
    if (held.length === 0) return { sent: [], skipped: [{ reason: 'not-held' }] };
    const result: FanOutResult = { sent: [], skipped: [] };
    // one outcome per message, however many of the target's records it updates
    let outcome: Promise<boolean> | undefined | null = null;
    const settled = () => (outcome === null ? (outcome = handling.settled?.()) : outcome);
    for (const key of held) {
      // the held version, read once for the deletion, the sales area and the echo check, and only when
      // one of them needs it
      let record: Promise<StoredSourceRecord | undefined> | undefined;
      const heldRecord = (): Promise<StoredSourceRecord | undefined> =>
        (record ??= this.store.getSourceRecord(key));
      if (golden.sourceDeletionPossible && (await this.deletedInSource(key, heldRecord))) {
        result.skipped.push({ reason: 'deleted-in-source', key });
        continue;
      }
      // the sales area a tier is kept in is the target record's own key (its copy of the tier goes
      // back where the system keeps it), read only when there is a tier to send
      const ownRecord = golden.document.tier === undefined ? undefined : (await heldRecord())?.document;
      // the shared, frozen document: the projection only reads it
      const view = targetView(golden.document, key, ownRecord as Partial<Customer> | undefined);
      const projected = this.project(view);
      // the canonical JSON compares projections; its hash only where it is kept or compared with one kept
      const json = projected.ok ? canonicalJson(projected.value) : undefined;
      const ref = sourceRef(key);
      const last = this.lastSent.get(ref);
      let digest: string | undefined;
      let skip: SkipReason | undefined;
      if (!projected.ok) {
        const own = this.heldProjection(key, await heldRecord());
        if (own !== undefined && own.json === undefined && own.error === projected.error.message) {
          result.skipped.push({ reason: 'target-gap', key });
          continue;
        }
      } else if (json !== undefined && (last === undefined || last.digest === (digest = digestOf(json)))) {
        // (with another last update outstanding the golden values go out whatever the target holds)
        const current = await heldRecord();
        if (
          last !== undefined &&
          !handling.redelivered &&
          sameVersion(last.held, current) &&
          this.published(ref, last)
        )
          // asked first: it needs no mapping of the held version, which this change finds as the last
          // one did
          skip = 'sent-already';
        else if (this.heldProjection(key, current)?.json === json) {
          skip = 'echo';
          // the target reported what it was sent last: it applied it, no update of ours is outstanding,
          // and its own later changes are echoes again
          if (last !== undefined) this.lastSent.delete(ref);
        }
      }
      if (skip) {
        result.skipped.push({ reason: skip, key });
        continue;
      }
      if (json !== undefined) {
        // The held version it goes out over, without a read of its own (one per sent update cost 1.6 %
        // of the hub's busy time on the sync bench): the one read for this change, else the one the
        // last update went out over (a change of other values than the last reads none). That one is
        // no later than the version held now, and a replaced version never comes back, so finding it
        // held at a later change still means the target reported nothing since; if the target did
        // report in between, the update is only sent once more.
        const held = record ? versionOf(await record) : last?.held;
        this.remember(ref, (digest ??= digestOf(json)), held, settled);
      } else this.lastSent.delete(ref);
      result.sent.push({
        target: this.target,
        key,
        goldenId: golden.goldenId,
        revision: golden.revision,
        eventId: event.eventId,
        messageId: `${goldenChangedEventId(golden.goldenId, golden.revision)}:${this.target}:${key.sourceId}`,
        // a copy of its own for what is sent: flows may change what they get
        view: copyData(view),
      });
    }
    return result;
  }

  /** Only asked when the golden record may know of a deletion: the record's event history grows. */
  private async deletedInSource(
    key: SourceKey,
    heldRecord: () => Promise<StoredSourceRecord | undefined>,
  ): Promise<boolean> {
    const events = await this.store.listSourceEvents(key);
    if (!events.some((e) => e.type === SOURCE_DELETION)) return false;
    return isDeletedInSource(key, await heldRecord(), events);
  }

  /** The target's held version of the record as its outbound mapping makes it (canonical JSON), or why it cannot. */
  private heldProjection(
    key: SourceKey,
    held: StoredSourceRecord | undefined,
  ): { json?: string; error?: string } | undefined {
    if (!held) return undefined;
    const own = this.project(targetView(held.document as Customer, key));
    return own.ok ? { json: canonicalJson(own.value) } : { error: own.error.message };
  }

  /**
   * Whether the update last handed out is known to be published now; one whose golden message is still
   * in the flow is not (never waited for: see "Sent already"), and one whose message ended otherwise is
   * forgotten.
   */
  private published(ref: string, last: Handout): boolean {
    return last.published && this.lastSent.get(ref) === last;
  }

  private remember(
    ref: string,
    digest: string,
    held: HeldVersion | undefined,
    settled: () => Promise<boolean> | undefined,
  ): void {
    const last = this.lastSent.get(ref);
    // the same values over the same held version, published already (only a redelivery sends them
    // again): that stays known whatever becomes of this copy
    if (last?.published && last.digest === digest && sameVersion(last.held, held)) return;
    const outcome = settled();
    const handout: Handout = { digest, held, published: false };
    void outcome?.then((acked) => {
      if (acked) handout.published = true;
      // not published: a later change of these values must send them (this message comes again, or
      // is a dead letter now)
      else if (this.lastSent.get(ref) === handout) this.lastSent.delete(ref);
    });
    setBounded(this.lastSent, ref, handout, LAST_SENT_LIMIT);
  }
}

function versionOf(held: StoredSourceRecord | undefined): HeldVersion | undefined {
  return held ? { storedAt: held.storedAt, contentHash: held.contentHash } : undefined;
}

/** Both known and the same version (undefined, not known or no record held, is never the same). */
function sameVersion(a: HeldVersion | undefined, b: HeldVersion | undefined): boolean {
  return a !== undefined && b !== undefined && a.storedAt === b.storedAt && a.contentHash === b.contentHash;
}

/**
 * The golden document as one target record's view, the shape the outbound mappings read: that record
 * is customerRef and identifiers[0]; the other identifiers follow.
 */
export function targetView(document: Partial<Customer>, key: SourceKey, held?: Partial<Customer>): Customer {
  // A loop and withFields, not filter and spread: the store's document is frozen, and both are several
  // times slower on a frozen source, spread for every read of the view after it too (formats/with-fields.ts).
  const identifiers: CustomerIdentifier[] = [{ system: key.system, id: key.sourceId }];
  for (const i of document.identifiers ?? [])
    if (!(i.system === key.system && i.id === key.sourceId)) identifiers.push(i);
  const view = withFields(document, { customerRef: sourceRef(key), identifiers }) as Customer;
  // the target record's own keys, which the golden record does not merge (held: its stored record)
  const salesArea = document.salesArea ?? held?.salesArea;
  if (salesArea) view.salesArea = salesArea;
  return view;
}

function isChange(event: unknown): event is GoldenChangedEvent {
  const e = event as Partial<GoldenChangedEvent> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.type === 'golden.changed' &&
    typeof e.goldenId === 'string' &&
    typeof e.eventId === 'string'
  );
}

/** Of a projection's canonical JSON, in which key order does not count: the same values, the same digest. */
function digestOf(json: string): string {
  return sha256(json).toString('base64');
}
