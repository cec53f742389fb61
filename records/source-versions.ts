/**
 * Versions of one source record. A system resends, replays and delivers out of order; the hub keeps
 * the newest version of each (system, sourceId) and ignores older ones, so a late or repeated
 * delivery cannot take the golden record back in time.
 *
 * Newer means: a higher per-system sequence when both versions carry one (an IDoc number, a
 * change counter), otherwise a later `updatedAt`. A system is expected to send a sequence on all its
 * records or on none; where it mixes, time decides. Equal marks are broken by a digest of the
 * content, so two different documents under one mark still resolve the same way in every order.
 */
import type { Customer } from '../mappings/canonical/types';
import { contentDigest } from './content-hash';

export interface SourceKey {
  /** legacy system id, e.g. "sap" */
  system: string;
  /** the record's id in that system, e.g. "80042" */
  sourceId: string;
}

/** One system's view of a customer, as mapped to the canonical model. */
export interface SourceRecord extends SourceKey {
  /** the canonical customer (or as much of it as the source holds) */
  document: Partial<Customer>;
  /** when the source changed the record: RFC 3339 with a zone */
  updatedAt: string;
  /** the system's own sequence for this record, when it has one (higher is newer) */
  version?: number;
}

export interface StaleVersion extends SourceKey {
  updatedAt: string;
  version?: number;
  /** "older" than the version held, or a "repeat" of it */
  kind: 'older' | 'repeat';
  reason: string;
}

/** "<system>:<sourceId>", the form refs take in the canonical model */
export function sourceRef(key: SourceKey): string {
  return `${key.system}:${key.sourceId}`;
}

/** Splits "<system>:<sourceId>" at the first colon (source ids may contain colons). */
export function parseSourceRef(ref: string): SourceKey {
  // one id, one key: "Ü" typed as one code point (NFC) or as U + combining diaeresis (NFD); split
  // after normalising, where the colon may sit earlier than in the ref as typed
  const nfc = ref.normalize('NFC');
  const colon = nfc.indexOf(':');
  if (colon <= 0 || colon === nfc.length - 1) {
    throw new Error(
      `source ref must be "<system>:<source id>" such as "crm:4711", got ${JSON.stringify(ref)}`,
    );
  }
  return { system: nfc.slice(0, colon), sourceId: nfc.slice(colon + 1) };
}

export function compareSourceKeys(a: SourceKey, b: SourceKey): number {
  return compareText(a.system, b.system) || compareText(a.sourceId, b.sourceId);
}

/** Code-unit order, the same on every machine (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Milliseconds of an RFC 3339 time; a clear error for anything else. */
export function instant(text: unknown, what: string | (() => string)): number {
  const ms = parsedInstant(text);
  if (Number.isNaN(ms)) {
    const name = typeof what === 'string' ? what : what();
    throw new Error(`${name} must be an RFC 3339 date-time with a zone, got ${JSON.stringify(text)}`);
  }
  return ms;
}

/**
 * One record's updatedAt is parsed several times per change (each acceptVersion, the store's input
 * checks, survivorship's newest versions), and the regex and Date.parse cost more than a lookup of the
 * same text: parsed once while it is among the recent ones. Cleared whole when full, which is cheaper
 * than ordering entries by use and leaves only a few parses to do again.
 */
const instants = new Map<string, number>();
const INSTANT_LIMIT = 20_000;

function parsedInstant(text: unknown): number {
  if (typeof text !== 'string') return NaN;
  const known = instants.get(text);
  if (known !== undefined) return known;
  const ms = /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) return ms;
  if (instants.size >= INSTANT_LIMIT) instants.clear();
  instants.set(text, ms);
  return ms;
}

function checkVersion(record: SourceRecord): number | undefined {
  const { version } = record;
  if (version !== undefined && (typeof version !== 'number' || !Number.isFinite(version))) {
    throw new Error(
      `version of ${sourceRef(record)} must be a finite number, got ${JSON.stringify(version)}`,
    );
  }
  return version;
}

/**
 * A version's order marks. A class: its lazy digest is a getter on the prototype, where an object
 * literal with a getter made a closure and a map of its own for every version compared.
 */
class Mark {
  private contentDigest?: string;

  constructor(
    readonly record: SourceRecord,
    readonly ms: number,
    readonly version: number | undefined,
  ) {}

  /** computed on first use: only equal marks need it */
  get digest(): string {
    return (this.contentDigest ??= contentDigest(this.record.document));
  }
}

function markOf(record: SourceRecord): Mark {
  // the subject of the error only when there is one: no ref built for every version compared
  const ms = instant(record.updatedAt, () => `updatedAt of ${sourceRef(record)}`);
  return new Mark(record, ms, checkVersion(record));
}

function compareMarks(a: Mark, b: Mark, bySequence: boolean): number {
  const sequence = (a.version ?? -Infinity) - (b.version ?? -Infinity);
  const time = a.ms - b.ms;
  const first = bySequence ? sequence : time;
  const second = bySequence ? time : sequence;
  return Math.sign(first) || Math.sign(second) || compareText(a.digest, b.digest);
}

function staleAgainst(older: Mark, held: Mark): StaleVersion {
  const ref = sourceRef(older.record);
  const repeat = older.ms === held.ms && older.version === held.version && older.digest === held.digest;
  const label = (m: Mark): string =>
    (m.version !== undefined ? `version ${m.version}, ` : '') + m.record.updatedAt;
  return {
    system: older.record.system,
    sourceId: older.record.sourceId,
    updatedAt: older.record.updatedAt,
    ...(older.version !== undefined ? { version: older.version } : {}),
    kind: repeat ? 'repeat' : 'older',
    reason: repeat
      ? `${ref} (${label(older)}) repeats the version held`
      : `${ref} (${label(older)}) is older than the version held (${label(held)})`,
  };
}

/**
 * Whether an arriving version replaces the one held for its (system, sourceId). A stale version
 * comes back with the reason; the caller keeps the held one.
 */
export function acceptVersion(
  held: SourceRecord | undefined,
  incoming: SourceRecord,
): { accept: true } | { accept: false; stale: StaleVersion } {
  if (held === undefined) return { accept: true };
  if (compareSourceKeys(held, incoming) !== 0) {
    throw new Error(`acceptVersion: ${sourceRef(incoming)} is compared with a version of ${sourceRef(held)}`);
  }
  const [a, b] = [markOf(held), markOf(incoming)];
  const bySequence = a.version !== undefined && b.version !== undefined;
  return compareMarks(b, a, bySequence) > 0 ? { accept: true } : { accept: false, stale: staleAgainst(b, a) };
}

/**
 * The newest version of every (system, sourceId) among the given ones, sorted by key, and the
 * others as stale. A function of the set: any order of the same versions gives the same answer.
 */
export function newestVersions(records: readonly SourceRecord[]): {
  current: SourceRecord[];
  stale: StaleVersion[];
} {
  const byKey = new Map<string, Mark[]>();
  for (const record of records) {
    const key = sourceRef(record);
    const marks = byKey.get(key) ?? [];
    marks.push(markOf(record));
    byKey.set(key, marks);
  }
  const current: SourceRecord[] = [];
  const stale: StaleVersion[] = [];
  for (const marks of byKey.values()) {
    const bySequence = marks.every((m) => m.version !== undefined);
    const sorted = [...marks].sort((a, b) => compareMarks(b, a, bySequence));
    current.push(sorted[0].record);
    for (const older of sorted.slice(1)) stale.push(staleAgainst(older, sorted[0]));
  }
  current.sort(compareSourceKeys);
  stale.sort((a, b) => compareSourceKeys(a, b) || compareText(a.reason, b.reason));
  return { current, stale };
}
