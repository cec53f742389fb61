/**
 * What a link, merge or unmerge writes, decided from the state the store read inside its transaction.
 * One pure function for both backends: each reads the state (locked, in PostgreSQL), asks for the plan,
 * and writes it or returns the refusal, so the two stores cannot drift apart in what they accept.
 *
 * A change that names a revision that is no longer current is refused as a conflict (another writer
 * came first). A change that is inconsistent with the state it names is a caller's error and throws:
 * with matching revisions the caller read exactly this state.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import { goldenIdFor, type GoldenMergedEvent, type GoldenUnmergedEvent } from './cross-reference';
import { setBounded } from './bounded-map';
import { uuidFromName } from './content-hash';
import type {
  GoldenApplyResult,
  GoldenCause,
  GoldenEvent,
  GoldenExpectation,
  LinkChange,
  MergeChange,
  ReviewItem,
  StoredSourceRecord,
  UnmergeChange,
} from './golden-store';
import {
  jsonCopy,
  normalizeSourceEvent,
  normalizeSourceRecord,
  requireGoldenId,
  overruledItem,
  requireSourceKey,
  resolvedItem,
  sortedKeys,
} from './golden-store-input';
import {
  acceptVersion,
  compareSourceKeys,
  sourceRef,
  type SourceKey,
  type SourceRecord,
} from './source-versions';
import { normalizeCustomer, requireId, requireInstant, requireObject, sameJsonDocument } from './store-input';
import type { CustomerWriteResult, StoredCustomer } from './store';
import type { GoldenRecord } from './survivorship';

/** A golden id's row as both backends keep it. */
export interface GoldenRow {
  revision: number;
  current: boolean;
  recomputeNeeded: boolean;
  record?: GoldenRecord;
  updatedAt?: string;
}

interface ChangeBase {
  /** golden id -> revision read, sorted by id (the order rows are locked in) */
  expected: Map<string, number>;
  goldens: GoldenRecord[];
  at?: string;
  cause?: GoldenCause;
}

export type CheckedChange =
  | (ChangeBase & {
      kind: 'link';
      key: SourceKey;
      goldenId: string;
      events: GoldenMergedEvent[];
      record?: { record: SourceRecord; contentHash: string };
      sourceEvents: InteractionEvent[];
      customer?: StoredCustomer;
    })
  | (ChangeBase & {
      kind: 'merge';
      survivor: string;
      retired: string;
      events: GoldenMergedEvent[];
      review?: { reviewId: string; by: string };
      overrule?: { reviewIds: string[]; by: string };
    })
  | (ChangeBase & {
      kind: 'unmerge';
      from: string;
      parts: { goldenId: string; sources: SourceKey[] }[];
      events: GoldenUnmergedEvent[];
    });

/** What the backend read, inside its transaction, for a checked change. */
export interface PlanState {
  /** every expected id's row; undefined when never stored */
  rows: ReadonlyMap<string, GoldenRow | undefined>;
  /** every expected id's members */
  members: ReadonlyMap<string, SourceKey[]>;
  /** link: the golden id holding the key now */
  holder?: string;
  /** link with a record: the version held */
  held?: StoredSourceRecord;
  /** merge resolving a review: the item */
  review?: ReviewItem;
  /** merge overruling kept-apart items: those found */
  overruled?: ReviewItem[];
}

export interface GoldenWritePlan {
  record?: StoredSourceRecord;
  /** stored when their eventId is new */
  sourceEvents: { event: InteractionEvent; key: SourceKey }[];
  /** the cross-reference entries to set */
  xref: { key: SourceKey; goldenId: string }[];
  /** the new row of every expected id; a current one with its members after the change */
  rows: { goldenId: string; row: GoldenRow; members?: SourceKey[] }[];
  outbox: { goldenId: string; event: GoldenEvent; cause?: GoldenCause }[];
  review?: ReviewItem;
  /** the kept-apart items a forced merge linked */
  overruled?: ReviewItem[];
  /** the link's record per customerRef, written by its own rule (putCustomer's) */
  customer?: StoredCustomer;
  revisions: GoldenExpectation[];
}

export type Refusal = Exclude<GoldenApplyResult, { applied: true }>;
export type PlanOutcome = { plan: GoldenWritePlan } | { refused: Refusal };

function listOf(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`store: ${field} must be an array`);
  return value as unknown[];
}

function checkBase(change: LinkChange | MergeChange | UnmergeChange, what: string): ChangeBase {
  requireObject(change, what);
  if (!Array.isArray(change.expected) || change.expected.length === 0) {
    throw new Error(`store: ${what}.expected must list the revision of every golden id the change touches`);
  }
  const expected = new Map<string, number>();
  change.expected.forEach((e, i) => {
    const goldenId = requireGoldenId(e?.goldenId, `${what}.expected[${i}].goldenId`);
    if (!Number.isSafeInteger(e.revision) || e.revision < 0) {
      throw new Error(
        `store: ${what}.expected[${i}].revision must be a whole number >= 0, got ${JSON.stringify(e.revision)}`,
      );
    }
    if (expected.has(goldenId) && expected.get(goldenId) !== e.revision) {
      throw new Error(`store: ${what}.expected names ${goldenId} twice with different revisions`);
    }
    expected.set(goldenId, e.revision);
  });
  if (!Array.isArray(change.goldens))
    throw new Error(`store: ${what}.goldens must be an array of golden records`);
  const goldens = change.goldens.map((g, i) => {
    const field = `${what}.goldens[${i}]`;
    requireObject(g, field);
    requireGoldenId(g.goldenId, `${field}.goldenId`);
    requireObject(g.document, `${field}.document`);
    requireObject(g.lineage, `${field}.lineage`);
    listOf(g.sources, `${field}.sources`).forEach((s, j) => requireSourceKey(s, `${field}.sources[${j}]`));
    return jsonCopy(g, field);
  });
  const base: ChangeBase = { expected: new Map([...expected].sort(([a], [b]) => (a < b ? -1 : 1))), goldens };
  if (change.at !== undefined) base.at = requireInstant(change.at, `${what}.at`);
  if (change.cause !== undefined) base.cause = checkCause(change.cause, `${what}.cause`);
  return base;
}

function checkCause(cause: GoldenCause, field: string): GoldenCause {
  requireObject(cause, field);
  const checked: GoldenCause = { traceparent: requireId(cause.traceparent, `${field}.traceparent`) };
  if (cause.eventId !== undefined) checked.eventId = requireId(cause.eventId, `${field}.eventId`);
  return checked;
}

function checkEvents<T extends { type: string; eventId: string }>(
  events: unknown,
  type: T['type'],
  what: string,
): T[] {
  if (!Array.isArray(events)) throw new Error(`store: ${what}.events must be an array`);
  return events.map((event: T, i) => {
    requireObject(event, `${what}.events[${i}]`);
    if (event.type !== type)
      throw new Error(`store: ${what}.events[${i}].type must be ${type}, got ${JSON.stringify(event.type)}`);
    requireId(event.eventId, `${what}.events[${i}].eventId`);
    return jsonCopy(event, `${what}.events[${i}]`);
  });
}

export function checkLink(change: LinkChange): CheckedChange {
  const base = checkBase(change, 'link');
  const key = requireSourceKey(change.key, 'link.key');
  const events = checkEvents<GoldenMergedEvent>(change.events, 'golden.merged', 'link');
  if (events.length > 1)
    throw new Error('store: link.events holds at most one golden.merged (the id moving to the new record)');
  const checked: CheckedChange = {
    ...base,
    kind: 'link',
    key,
    goldenId: requireGoldenId(change.goldenId, 'link.goldenId'),
    events,
    sourceEvents: listOf(change.sourceEvents ?? [], 'link.sourceEvents').map((e, i) => {
      const { event, key: about } = normalizeSourceEvent(e as InteractionEvent, `link.sourceEvents[${i}]`);
      if (compareSourceKeys(about, key) !== 0) {
        throw new Error(
          `store: link.sourceEvents[${i}] is about ${event.customer.ref}, not ${sourceRef(key)}`,
        );
      }
      return event;
    }),
  };
  if (change.record !== undefined) {
    const record = normalizeSourceRecord(change.record, 'link.record');
    if (compareSourceKeys(record.record, key) !== 0) {
      throw new Error(`store: link.record is ${sourceRef(record.record)}, not the linked ${sourceRef(key)}`);
    }
    checked.record = record;
  }
  if (change.customer !== undefined)
    checked.customer = normalizeCustomer(change.customer, sharedDocument(change, checked.record));
  return checked;
}

/**
 * The golden record's intake hands the record per customerRef and the source record the same
 * document: the store's copy of it, made for the record, serves the customer too. Neither copy leaves
 * the store or is changed in it (both are written as they are), so sharing one is safe.
 */
function sharedDocument(
  change: LinkChange,
  record: { record: SourceRecord } | undefined,
): Record<string, unknown> | undefined {
  const given = change.customer?.document;
  return record && given !== undefined && given === change.record?.document
    ? (record.record.document as Record<string, unknown>)
    : undefined;
}

export function checkMerge(change: MergeChange): CheckedChange {
  const base = checkBase(change, 'merge');
  const checked: CheckedChange = {
    ...base,
    kind: 'merge',
    survivor: requireGoldenId(change.survivor, 'merge.survivor'),
    retired: requireGoldenId(change.retired, 'merge.retired'),
    events: checkEvents<GoldenMergedEvent>(change.events, 'golden.merged', 'merge'),
  };
  if (change.review !== undefined) {
    requireObject(change.review, 'merge.review');
    checked.review = {
      reviewId: requireId(change.review.reviewId, 'merge.review.reviewId'),
      by: requireId(change.review.by, 'merge.review.by'),
    };
  }
  if (change.overrule !== undefined && checked.kind === 'merge') {
    requireObject(change.overrule, 'merge.overrule');
    if (!Array.isArray(change.overrule.reviewIds))
      throw new Error('store: merge.overrule.reviewIds must be an array');
    checked.overrule = {
      reviewIds: change.overrule.reviewIds.map((id, i) => requireId(id, `merge.overrule.reviewIds[${i}]`)),
      by: requireId(change.overrule.by, 'merge.overrule.by'),
    };
  }
  return checked;
}

export function checkUnmerge(change: UnmergeChange): CheckedChange {
  const base = checkBase(change, 'unmerge');
  if (!Array.isArray(change.parts)) throw new Error('store: unmerge.parts must be an array');
  return {
    ...base,
    kind: 'unmerge',
    from: requireGoldenId(change.from, 'unmerge.from'),
    parts: change.parts.map((part, i) => ({
      goldenId: requireGoldenId(part?.goldenId, `unmerge.parts[${i}].goldenId`),
      sources: sortedKeys(
        listOf(part.sources, `unmerge.parts[${i}].sources`).map((s, j) =>
          requireSourceKey(s, `unmerge.parts[${i}].sources[${j}]`),
        ),
      ),
    })),
    events: checkEvents<GoldenUnmergedEvent>(change.events, 'golden.unmerged', 'unmerge'),
  };
}

/** The golden id a set of records carries: the id of its smallest ref. */
function idOf(keys: readonly SourceKey[]): string {
  return goldenIdFor([...keys].sort(compareSourceKeys)[0]);
}

const sameKeys = (a: readonly SourceKey[], b: readonly SourceKey[]): boolean =>
  sameJsonDocument(sortedKeys(a), sortedKeys(b));

function fail(kind: string, message: string): never {
  throw new Error(`store: apply${kind[0].toUpperCase()}${kind.slice(1)}: ${message}`);
}

interface Moves {
  /** current after the change: id -> members */
  current: Map<string, SourceKey[]>;
  retired: string[];
  xref: { key: SourceKey; goldenId: string }[];
  /** the golden id each identity event concerns */
  eventIds: string[];
}

function requireCurrent(
  change: CheckedChange,
  state: PlanState,
  goldenId: string,
  role: string,
): SourceKey[] {
  if (!change.expected.has(goldenId)) fail(change.kind, `${role} ${goldenId} must be named in expected`);
  if (!state.rows.get(goldenId)?.current) fail(change.kind, `${role} ${goldenId} is not a current golden id`);
  return state.members.get(goldenId) ?? [];
}

function linkMoves(change: Extract<CheckedChange, { kind: 'link' }>, state: PlanState): Moves {
  const { key, goldenId } = change;
  const ref = sourceRef(key);
  const home = state.holder ?? goldenIdFor(key);
  if (!change.expected.has(home)) fail('link', `${ref} belongs to ${home}, which must be named in expected`);
  if (!change.expected.has(goldenId)) fail('link', `${goldenId} must be named in expected`);
  const [event] = change.events;
  if (!event) {
    if (state.holder !== undefined && state.holder !== goldenId) {
      fail(
        'link',
        `${ref} belongs to ${state.holder}; merge ${state.holder} and ${goldenId}, or unmerge it first`,
      );
    }
    const joined = state.rows.get(goldenId)?.current ? (state.members.get(goldenId) ?? []) : [];
    const members = sortedKeys([...joined, key]);
    if (idOf(members) !== goldenId) {
      fail(
        'link',
        `${goldenId} with ${ref} carries the id ${idOf(members)} (its smallest ref); attach gives a golden.merged then`,
      );
    }
    return { current: new Map([[goldenId, members]]), retired: [], xref: [{ key, goldenId }], eventIds: [] };
  }
  if (state.holder !== undefined)
    fail('link', `${ref} belongs to ${state.holder} already; the id moves only when a new record joins`);
  if (event.survivor !== goldenId || goldenId !== goldenIdFor(key)) {
    fail('link', `the golden.merged of a link must move the id to ${goldenIdFor(key)}, the new record's`);
  }
  const before = requireCurrent(change, state, event.retired, 'the retired id');
  if (!sameKeys(event.moved, before))
    fail(
      'link',
      `golden.merged moves ${event.moved.map(sourceRef).join(', ')}, but ${event.retired} holds ${before.map(sourceRef).join(', ')}`,
    );
  const members = sortedKeys([...before, key]);
  return {
    current: new Map([[goldenId, members]]),
    retired: [event.retired],
    xref: members.map((k) => ({ key: k, goldenId })),
    eventIds: [goldenId],
  };
}

function mergeMoves(change: Extract<CheckedChange, { kind: 'merge' }>, state: PlanState): Moves {
  const { survivor, retired } = change;
  if (survivor === retired) fail('merge', `cannot merge ${survivor} with itself`);
  const kept = requireCurrent(change, state, survivor, 'the survivor');
  const moved = requireCurrent(change, state, retired, 'the retired id');
  const members = sortedKeys([...kept, ...moved]);
  if (idOf(members) !== survivor)
    fail('merge', `the survivor must be ${idOf(members)}, the id of the smallest ref`);
  if (change.events.length !== 1) fail('merge', 'events must be the one golden.merged of the merge');
  const [event] = change.events;
  if (event.survivor !== survivor || event.retired !== retired || !sameKeys(event.moved, moved)) {
    fail(
      'merge',
      `golden.merged must say ${retired} moves ${moved.map(sourceRef).join(', ')} to ${survivor}`,
    );
  }
  return {
    current: new Map([[survivor, members]]),
    retired: [retired],
    xref: moved.map((key) => ({ key, goldenId: survivor })),
    eventIds: [survivor],
  };
}

function unmergeMoves(change: Extract<CheckedChange, { kind: 'unmerge' }>, state: PlanState): Moves {
  const { from, parts } = change;
  const members = requireCurrent(change, state, from, 'the golden id split');
  if (parts.length < 2 || parts.some((p) => p.sources.length === 0))
    fail('unmerge', 'parts must be two or more, none empty');
  if (
    !sameKeys(
      parts.flatMap((p) => p.sources),
      members,
    ) ||
    parts.reduce((n, p) => n + p.sources.length, 0) !== members.length
  ) {
    fail(
      'unmerge',
      `the parts must divide ${from}'s records (${members.map(sourceRef).join(', ')}) between them`,
    );
  }
  const current = new Map<string, SourceKey[]>();
  const xref: Moves['xref'] = [];
  for (const part of parts) {
    if (part.goldenId !== idOf(part.sources))
      fail('unmerge', `a part of ${part.sources.map(sourceRef).join(', ')} is ${idOf(part.sources)}`);
    if (!change.expected.has(part.goldenId)) fail('unmerge', `${part.goldenId} must be named in expected`);
    current.set(part.goldenId, part.sources);
    if (part.goldenId !== from) xref.push(...part.sources.map((key) => ({ key, goldenId: part.goldenId })));
  }
  if (change.events.length !== 1) fail('unmerge', 'events must be the one golden.unmerged of the unmerge');
  const [event] = change.events;
  const restored = [...parts].sort((x, y) => (x.goldenId < y.goldenId ? -1 : 1));
  const eventParts = Array.isArray(event.restored) ? event.restored : [];
  if (
    event.from !== from ||
    eventParts.length !== restored.length ||
    !restored.every(
      (p, i) => eventParts[i]?.goldenId === p.goldenId && sameKeys(eventParts[i].sources, p.sources),
    )
  ) {
    fail('unmerge', 'golden.unmerged must name the golden id split and the parts as restored');
  }
  return { current, retired: current.has(from) ? [] : [from], xref, eventIds: [from] };
}

/** The id of the golden.changed event of a golden record's revision: the same change, the same id. */
export function goldenChangedEventId(goldenId: string, revision: number): string {
  const known = changedEventIds.get(goldenId);
  if (known?.revision === revision) return known.eventId;
  const eventId = uuidFromName(`golden.changed|${goldenId}|${revision}`);
  setBounded(changedEventIds, goldenId, { revision, eventId }, CHANGED_EVENT_IDS_KEPT);
  return eventId;
}

/**
 * Per golden id, the id of the revision asked last: the change names it, then every sync target's
 * fan-out of that revision names its update by it again, and each was a SHA-256 of its own.
 */
const changedEventIds = new Map<string, { revision: number; eventId: string }>();
const CHANGED_EVENT_IDS_KEPT = 10_000;

function goldenChanged(
  goldenId: string,
  revision: number,
  record: GoldenRecord,
  members: SourceKey[],
  at: string,
): GoldenEvent {
  return {
    type: 'golden.changed',
    eventId: goldenChangedEventId(goldenId, revision),
    goldenId,
    revision,
    document: record.document,
    lineage: record.lineage,
    members,
    at,
  };
}

/** The writes of a checked change against the state read, or why it is refused. */
export function planChange(change: CheckedChange, state: PlanState, now: string): PlanOutcome {
  for (const [goldenId, revision] of change.expected) {
    const found = state.rows.get(goldenId)?.revision ?? 0;
    if (found !== revision) {
      return {
        refused: {
          applied: false,
          reason: 'conflict',
          message: `golden ${goldenId} is at revision ${found}, the change was computed at revision ${revision}`,
        },
      };
    }
  }
  const at = change.at ?? now;
  let record: StoredSourceRecord | undefined;
  if (change.kind === 'link' && change.record) {
    const incoming = change.record.record;
    if (state.held) {
      const verdict = acceptVersion(state.held, incoming);
      if (!verdict.accept)
        return { refused: { applied: false, reason: 'stale', stale: verdict.stale, held: state.held } };
    }
    record = {
      ...incoming,
      updatedAt: incoming.updatedAt,
      contentHash: change.record.contentHash,
      storedAt: now,
    };
  }
  let review: ReviewItem | undefined;
  if (change.kind === 'merge' && change.review) {
    if (state.review?.status !== 'open') {
      return {
        refused: {
          applied: false,
          reason: 'review-closed',
          ...(state.review ? { review: state.review } : {}),
        },
      };
    }
    review = resolvedItem(state.review, 'link', change.review.by, at);
  }
  const overrule = change.kind === 'merge' ? change.overrule : undefined;
  // decided otherwise meanwhile (linked by a steward): nothing left to overrule
  const overruled = overrule
    ? (state.overruled ?? [])
        .filter((item) => item.status === 'kept-apart')
        .map((item) => overruledItem(item, overrule.by, at))
    : [];

  const moves =
    change.kind === 'link'
      ? linkMoves(change, state)
      : change.kind === 'merge'
        ? mergeMoves(change, state)
        : unmergeMoves(change, state);
  const written = new Map(change.goldens.map((g) => [g.goldenId, g]));
  if (
    written.size !== change.goldens.length ||
    written.size !== moves.current.size ||
    ![...moves.current.keys()].every((id) => written.has(id))
  ) {
    fail(
      change.kind,
      `goldens must be the recomputed records of ${[...moves.current.keys()].join(', ')}, once each`,
    );
  }
  for (const [goldenId, members] of moves.current) {
    const golden = written.get(goldenId) as GoldenRecord;
    const outside = golden.sources.filter((s) => !members.some((m) => compareSourceKeys(m, s) === 0));
    if (outside.length)
      fail(
        change.kind,
        `the golden record of ${goldenId} was computed from ${outside.map(sourceRef).join(', ')}, which it does not hold`,
      );
  }

  const rows: GoldenWritePlan['rows'] = [];
  const revisions: GoldenExpectation[] = [];
  const changed: { goldenId: string; event: GoldenEvent }[] = [];
  for (const [goldenId, revision] of change.expected) {
    const before = state.rows.get(goldenId);
    const next: GoldenRow = {
      revision: revision + 1,
      current: before?.current ?? false,
      recomputeNeeded: before?.recomputeNeeded ?? false,
      ...(before?.record ? { record: before.record } : {}),
      ...(before?.updatedAt ? { updatedAt: before.updatedAt } : {}),
    };
    const golden = written.get(goldenId);
    const members = moves.current.get(goldenId);
    if (golden && members) {
      Object.assign(next, { current: true, recomputeNeeded: false, record: golden, updatedAt: now });
      const same =
        before?.current &&
        before.record &&
        sameJsonDocument(before.record.document, golden.document) &&
        sameJsonDocument(before.record.lineage, golden.lineage) &&
        sameKeys(state.members.get(goldenId) ?? [], members);
      // A member reporting new content that loses survivorship leaves the document as it was, yet the
      // sources now disagree: the change is published all the same, so the record sync (sync-target)
      // sends that system the golden values again instead of leaving it behind.
      const reported =
        record !== undefined &&
        change.kind === 'link' &&
        change.goldenId === goldenId &&
        state.held !== undefined &&
        state.held.contentHash !== record.contentHash;
      if (!same || reported)
        changed.push({ goldenId, event: goldenChanged(goldenId, next.revision, golden, members, at) });
    } else if (moves.retired.includes(goldenId)) {
      next.current = false;
      next.recomputeNeeded = false;
      delete next.record;
    }
    rows.push({ goldenId, row: next, ...(golden && members ? { members } : {}) });
    revisions.push({ goldenId, revision: next.revision });
  }
  const identity = change.events.map((event, i) => ({
    goldenId: moves.eventIds[i] ?? moves.eventIds[0],
    event: { ...event, ...(event.at ? {} : { at }) },
  }));
  const plan: GoldenWritePlan = {
    sourceEvents:
      change.kind === 'link' ? change.sourceEvents.map((event) => ({ event, key: change.key })) : [],
    xref: moves.xref,
    rows,
    // every entry of the change carries its cause: each is published on its own
    outbox: change.cause
      ? [...identity, ...changed].map((entry) => ({ ...entry, cause: change.cause }))
      : [...identity, ...changed],
    revisions,
  };
  if (record) plan.record = record;
  if (review) plan.review = review;
  if (overruled.length > 0) plan.overruled = overruled;
  if (change.kind === 'link' && change.customer) plan.customer = change.customer;
  return { plan };
}

/** `customer`: how the backend wrote the plan's customer, if it carried one */
export function appliedResult(plan: GoldenWritePlan, customer?: CustomerWriteResult): GoldenApplyResult {
  return {
    applied: true,
    revisions: plan.revisions,
    events: plan.outbox.map((o) => o.event),
    ...(customer ? { customer } : {}),
  };
}
