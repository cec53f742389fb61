/**
 * The cross-reference: which golden record each source record (system, sourceId) belongs to, and
 * the merges and unmerges that change it. An in-memory model without I/O; a store persists what it
 * returns, the golden-record stage publishes the events on crm.golden.
 *
 * Golden ids. A golden id is `g-` and 26 Crockford base-32 characters of the SHA-256 of a source
 * ref ("sap:80042"), and the id of a golden record is always the one of its smallest member ref (in
 * code-unit order). So:
 * - the id is a function of the members, not of the order in which they arrived: replaying the same
 *   records in any order ends with the same ids (a counter or a ULID would not);
 * - a merge keeps the id of the side whose smallest ref sorts first; an unmerge gives each part the
 *   id of its own smallest ref, which restores the ids the parts had before they were merged;
 * - no id is ever lost: every id ever issued names its ref, and resolves to the golden record that
 *   holds that ref now (a retired id after a merge resolves to the survivor);
 * - it is opaque (a hash, not the source's number) and has no colon, so "g-…" and "<system>:<id>"
 *   never mix up.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import { base32, sha256, uuidFromName } from './content-hash';
import {
  compareSourceKeys,
  compareText,
  parseSourceRef,
  sourceRef,
  type SourceKey,
  type SourceRecord,
} from './source-versions';
import { computeGolden, type GoldenRecord } from './survivorship';
import { setBounded } from './bounded-map';
import type { TrustConfig, TrustLookup } from './trust';

const GOLDEN_ID = /^g-[0-9a-hjkmnp-tv-z]{26}$/;

/**
 * Golden ids kept by source ref: each is a SHA-256, and every change asks for the ids of all its
 * members several times. Tens of thousands of recently active source records take a few MB; 10,000
 * was fewer than the sync benchmark's 12,000 refs, so every lookup hashed again.
 */
const ISSUED_IDS_KEPT = 50_000;
/** by source ref, the golden ids asked for last */
const issuedIds = new Map<string, string>();

/** The golden id a source ref stands for. */
export function goldenIdFor(key: SourceKey): string {
  const ref = sourceRef(key);
  let id = issuedIds.get(ref);
  if (id === undefined) {
    id = `g-${base32(sha256(ref), 26)}`;
    setBounded(issuedIds, ref, id, ISSUED_IDS_KEPT);
  }
  return id;
}

export function isGoldenId(text: string): boolean {
  return GOLDEN_ID.test(text);
}

export interface GoldenMergedEvent {
  type: 'golden.merged';
  /** the same merge gives the same id, so a republished event is recognised */
  eventId: string;
  /** the id that lives on */
  survivor: string;
  /** the id that now resolves to the survivor */
  retired: string;
  /** the source records that moved from retired to survivor */
  moved: SourceKey[];
  at?: string;
}

export interface GoldenUnmergedEvent {
  type: 'golden.unmerged';
  eventId: string;
  /** the golden id before the split */
  from: string;
  /** both parts, each with its (restored) id and its source records */
  restored: { goldenId: string; sources: SourceKey[] }[];
  at?: string;
}

export type GoldenIdentityEvent = GoldenMergedEvent | GoldenUnmergedEvent;

export interface CrossReferenceEntry {
  system: string;
  sourceId: string;
  goldenId: string;
}

const byRef = (a: string, b: string): number => compareSourceKeys(parseSourceRef(a), parseSourceRef(b));

export class CrossReference {
  /** source ref -> golden id */
  private readonly goldenOf = new Map<string, string>();
  /** golden id -> source refs */
  private readonly members = new Map<string, Set<string>>();
  /** every golden id ever issued -> the source ref it was made from */
  private readonly issued = new Map<string, string>();

  constructor(entries: readonly CrossReferenceEntry[] = []) {
    for (const entry of entries) {
      const ref = sourceRef(entry);
      if (this.goldenOf.has(ref)) throw new Error(`cross-reference: ${ref} is listed twice`);
      this.goldenOf.set(ref, entry.goldenId);
      const set = this.members.get(entry.goldenId) ?? new Set<string>();
      set.add(ref);
      this.members.set(entry.goldenId, set);
      this.issue(parseSourceRef(ref));
    }
    for (const [goldenId, refs] of this.members) {
      const expected = this.idOf(refs);
      if (expected !== goldenId) {
        throw new Error(
          `cross-reference: golden ${goldenId} should be ${expected}, the id of its smallest source ref`,
        );
      }
    }
  }

  /** Every (system, sourceId) with its golden id, sorted: what a store keeps. */
  entries(): CrossReferenceEntry[] {
    return [...this.goldenOf.entries()]
      .sort(([a], [b]) => byRef(a, b))
      .map(([ref, goldenId]) => ({ ...parseSourceRef(ref), goldenId }));
  }

  goldenIdOf(key: SourceKey): string | undefined {
    return this.goldenOf.get(sourceRef(key));
  }

  /** The source records of a golden id (a current one), sorted. */
  sourcesOf(goldenId: string): SourceKey[] {
    return [...(this.members.get(goldenId) ?? [])].sort(byRef).map(parseSourceRef);
  }

  /**
   * The current golden id for "g-…" (current or retired) or "<system>:<source id>"; undefined when
   * the hub has not seen it.
   */
  resolve(idOrRef: string): string | undefined {
    if (isGoldenId(idOrRef)) {
      const ref = this.issued.get(idOrRef);
      return ref === undefined ? undefined : this.goldenOf.get(ref);
    }
    const colon = idOrRef.indexOf(':');
    return colon > 0 ? this.goldenOf.get(idOrRef) : undefined;
  }

  /**
   * Takes in a source record: on its own (a new golden record) or into an existing golden record
   * (matching linked it). When its ref sorts before the golden record's smallest, the golden id
   * moves to it: published as a merge of the old id into the new one.
   */
  attach(
    key: SourceKey,
    into?: string,
    at?: string,
  ): { goldenId: string; created: boolean; events: GoldenMergedEvent[] } {
    const ref = sourceRef(key);
    const held = this.goldenOf.get(ref);
    // a retired id or a member's ref names the golden record that holds it now
    const target = into === undefined ? undefined : this.requireCurrent(into);
    if (held !== undefined) {
      if (target === undefined || target === held) return { goldenId: held, created: false, events: [] };
      throw new Error(
        `cross-reference: ${ref} belongs to ${held}; merge ${held} and ${target}, or unmerge it first`,
      );
    }
    if (target === undefined) {
      const goldenId = this.issue(key);
      this.goldenOf.set(ref, goldenId);
      this.members.set(goldenId, new Set([ref]));
      return { goldenId, created: true, events: [] };
    }
    const members = this.members.get(target) as Set<string>;
    members.add(ref);
    this.issue(key);
    const goldenId = this.idOf(members);
    if (goldenId === target) {
      this.goldenOf.set(ref, target);
      return { goldenId, created: false, events: [] };
    }
    members.delete(ref);
    const moved = this.sourcesOf(target);
    this.rehome(target, goldenId, [...members, ref]);
    return { goldenId, created: false, events: [mergedEvent(goldenId, target, moved, at)] };
  }

  /**
   * Joins two golden records; the survivor is the one whose smallest source ref sorts first.
   * `occurrence` (a store passes the revisions the two records had) tells this merge from the same
   * merge made again after an unmerge, whose event an idempotent consumer would otherwise drop as the
   * first one's redelivery.
   */
  merge(
    a: string,
    b: string,
    at?: string,
    occurrence?: string,
  ): { survivor: string; retired: string; events: GoldenMergedEvent[] } {
    const [first, second] = [this.requireCurrent(a), this.requireCurrent(b)];
    if (first === second) throw new Error(`cross-reference: cannot merge ${first} with itself`);
    const all = new Set([
      ...(this.members.get(first) as Set<string>),
      ...(this.members.get(second) as Set<string>),
    ]);
    const survivor = this.idOf(all);
    const retired = survivor === first ? second : first;
    const moved = this.sourcesOf(retired);
    this.members.delete(retired);
    this.rehome(survivor, survivor, [...all]);
    return { survivor, retired, events: [mergedEvent(survivor, retired, moved, at, occurrence)] };
  }

  /**
   * Splits source records off a golden record. Each part gets the id of its own smallest ref: the
   * part that holds the golden record's smallest ref keeps the id, the other gets its own back.
   * `occurrence` as for merge: the same split made again after a merge is another event.
   */
  unmerge(
    goldenId: string,
    split: readonly SourceKey[],
    at?: string,
    occurrence?: string,
  ): { parts: { goldenId: string; sources: SourceKey[] }[]; events: GoldenUnmergedEvent[] } {
    const from = this.requireCurrent(goldenId);
    const members = this.members.get(from) as Set<string>;
    const off = new Set(split.map(sourceRef));
    for (const ref of off) {
      if (!members.has(ref)) throw new Error(`cross-reference: ${ref} is not a source record of ${from}`);
    }
    if (off.size === 0 || off.size === members.size) {
      throw new Error(
        `cross-reference: an unmerge of ${from} must split off some of its source records, not none or all`,
      );
    }
    const rest = [...members].filter((ref) => !off.has(ref));
    const parts = [rest, [...off]].map((refs) => ({ goldenId: this.idOf(refs), refs }));
    this.members.delete(from);
    for (const part of parts) this.rehome(part.goldenId, part.goldenId, part.refs);
    const restored = parts
      .map((part) => ({ goldenId: part.goldenId, sources: this.sourcesOf(part.goldenId) }))
      .sort((x, y) => compareText(x.goldenId, y.goldenId));
    const name = [
      'golden.unmerged',
      from,
      ...restored.map((p) => `${p.goldenId}=${p.sources.map(sourceRef).join(',')}`),
      ...(occurrence === undefined ? [] : [occurrence]),
    ];
    const event: GoldenUnmergedEvent = {
      type: 'golden.unmerged',
      eventId: uuidFromName(name.join('|')),
      from,
      restored,
    };
    if (at !== undefined) event.at = at;
    return { parts: restored, events: [event] };
  }

  private requireCurrent(idOrRef: string): string {
    const goldenId = this.resolve(idOrRef);
    if (goldenId === undefined)
      throw new Error(`cross-reference: no golden record ${JSON.stringify(idOrRef)}`);
    return goldenId;
  }

  private issue(key: SourceKey): string {
    const goldenId = goldenIdFor(key);
    this.issued.set(goldenId, sourceRef(key));
    return goldenId;
  }

  private idOf(refs: Iterable<string>): string {
    const smallest = [...refs].sort(byRef)[0];
    return goldenIdFor(parseSourceRef(smallest));
  }

  private rehome(previous: string, goldenId: string, refs: string[]): void {
    this.members.delete(previous);
    this.members.set(goldenId, new Set(refs));
    for (const ref of refs) this.goldenOf.set(ref, goldenId);
  }
}

function mergedEvent(
  survivor: string,
  retired: string,
  moved: SourceKey[],
  at?: string,
  occurrence?: string,
): GoldenMergedEvent {
  const name = [
    'golden.merged',
    survivor,
    retired,
    ...moved.map(sourceRef),
    ...(occurrence === undefined ? [] : [occurrence]),
  ].join('|');
  const event: GoldenMergedEvent = {
    type: 'golden.merged',
    eventId: uuidFromName(name),
    survivor,
    retired,
    moved,
  };
  if (at !== undefined) event.at = at;
  return event;
}

/** Where survivorship finds the inputs of a golden record's members. */
export interface SourceLookup {
  /** every held version of the record (usually one) */
  recordsOf(key: SourceKey): readonly SourceRecord[];
  /** the events about the record (their customer.ref is this record's ref) */
  eventsOf(key: SourceKey): readonly InteractionEvent[];
}

/** The golden record of a current golden id, computed from its members' records and events. */
export function recompute(
  xref: CrossReference,
  goldenId: string,
  lookup: SourceLookup,
  trust?: TrustConfig | TrustLookup,
): GoldenRecord {
  const sources = xref.sourcesOf(goldenId);
  if (sources.length === 0) throw new Error(`cross-reference: ${goldenId} is not a current golden id`);
  return computeGolden({
    goldenId,
    records: sources.flatMap((key) => lookup.recordsOf(key)),
    events: sources.flatMap((key) => lookup.eventsOf(key)),
    ...(trust !== undefined ? { trust } : {}),
  });
}

/** Merge, then the survivor recomputed from all sources. */
export function mergeGolden(
  xref: CrossReference,
  a: string,
  b: string,
  lookup: SourceLookup,
  options: { trust?: TrustConfig | TrustLookup; at?: string } = {},
): { golden: GoldenRecord; retired: string; events: GoldenMergedEvent[] } {
  const { survivor, retired, events } = xref.merge(a, b, options.at);
  return { golden: recompute(xref, survivor, lookup, options.trust), retired, events };
}

/** Unmerge, then both parts recomputed from their own sources, each with its own lineage. */
export function unmergeGolden(
  xref: CrossReference,
  goldenId: string,
  split: readonly SourceKey[],
  lookup: SourceLookup,
  options: { trust?: TrustConfig | TrustLookup; at?: string } = {},
): { goldens: GoldenRecord[]; events: GoldenUnmergedEvent[] } {
  const { parts, events } = xref.unmerge(goldenId, split, options.at);
  return { goldens: parts.map((part) => recompute(xref, part.goldenId, lookup, options.trust)), events };
}
