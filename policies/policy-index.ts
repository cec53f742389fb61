/**
 * Which policies can fire for an event, found without evaluating the others. Three levels:
 *
 *   event type  ->  channel  ->  the card's most selective necessary condition
 *
 * The third level is a comparison that must hold for the card to fire (one of the top-level `and`s of
 * `where` or `if`): an equality (`customer.tier == "platinum"`, `channel in ["web", "app"]`) becomes a
 * hash lookup on the value the event or customer has; a numeric threshold (`amount > 10000`) becomes a
 * sorted list, cut at the event's value by binary search. So with a thousand cards over a handful of
 * event types, tiers and thresholds, an event meets the few cards it can fire and no others. The index
 * only narrows: every candidate is still evaluated in full.
 */
import { compileGetter, parsePath, type Getter } from '../mappings/path';
import { ANY_EVENT, type CompiledPolicy } from './card';
import { moneyValue, type Literal, type Term } from './expression';

type Key = string | number | boolean;

export type IndexKey =
  | { kind: 'equality'; path: string; values: Key[]; text: string }
  | { kind: 'threshold'; path: string; op: '>' | '>=' | '<' | '<='; bound: number; text: string }
  | { kind: 'none' };

/** What the index is given to look a card up by: the condition scope, { customer, event }. */
export interface IndexScope {
  event: { type: string; channel: string };
  customer?: unknown;
}

interface Indexed {
  policy: CompiledPolicy;
}

/**
 * The comparison a card is indexed by: an equality before a threshold (a tier or a type splits the
 * cards into classes, a threshold only into a prefix), fewer listed values before more, and the event
 * before the customer (the event is always there; a customer may be unknown). Paths are from the
 * condition scope, so a `where` path gets an `event.` in front.
 */
export function chooseIndexKey(policy: CompiledPolicy): IndexKey {
  const terms: Term[] = [
    ...(policy.where?.terms ?? []).map((term) => ({ ...term, path: `event.${term.path}` })),
    ...(policy.condition?.terms ?? []),
  ];
  let best: IndexKey = { kind: 'none' };
  let bestRank: number[] = [];
  for (const term of terms) {
    const key = keyOf(term);
    if (key.kind === 'none') continue;
    const rank = [
      key.kind === 'equality' ? 0 : 1,
      key.kind === 'equality' ? key.values.length : 0,
      term.path.startsWith('event.') ? 0 : 1,
    ];
    if (best.kind === 'none' || lexicallyLess(rank, bestRank)) {
      best = key;
      bestRank = rank;
    }
  }
  return best;
}

function keyOf(term: Term): IndexKey {
  const { path, op, literal, text } = term;
  if (op === '==' && isKey(literal)) return { kind: 'equality', path, values: [literal], text };
  if (op === 'in' && Array.isArray(literal) && literal.every(isKey)) {
    return { kind: 'equality', path, values: [...new Set(literal as Key[])], text };
  }
  if ((op === '>' || op === '>=' || op === '<' || op === '<=') && typeof literal === 'number') {
    return { kind: 'threshold', path, op, bound: literal, text };
  }
  return { kind: 'none' };
}

/** `== null` also matches a missing field, which a hash lookup cannot see; such terms are not keys. */
function isKey(literal: Literal): literal is Key {
  return typeof literal === 'string' || typeof literal === 'number' || typeof literal === 'boolean';
}

function lexicallyLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

export function byPriority(a: Indexed, b: Indexed): number {
  return (
    b.policy.priority - a.policy.priority ||
    (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0)
  );
}

/** A number read the way the expression compares it with a number: money as its value. */
function numericGetter(path: string): Getter {
  const raw = compileGetter(parsePath(path));
  return (scope) => moneyValue(raw(scope));
}

interface Threshold<T> {
  /** for "<" and "<=" the bound is negated, so both directions are "fires above the bound" */
  bound: number;
  inclusive: boolean;
  entry: T;
}

/** The cards of one event type and one channel (or any channel), keyed by their index key. */
class Bucket<T extends Indexed> {
  unkeyed: T[] = [];
  readonly equality = new Map<string, { get: Getter; byValue: Map<Key, T[]> }>();
  readonly thresholds = new Map<string, { get: Getter; sign: 1 | -1; list: Threshold<T>[] }>();

  add(entry: T, key: IndexKey): void {
    if (key.kind === 'none') {
      this.unkeyed.push(entry);
    } else if (key.kind === 'equality') {
      // A number literal compares with money by its value; a text literal compares the field as it is.
      const numeric = key.values.some((value) => typeof value === 'number');
      const id = `${numeric ? 'n' : 'v'}:${key.path}`;
      let slot = this.equality.get(id);
      if (!slot) {
        const get = numeric ? numericGetter(key.path) : compileGetter(parsePath(key.path));
        slot = { get, byValue: new Map() };
        this.equality.set(id, slot);
      }
      for (const value of key.values) {
        const list = slot.byValue.get(value) ?? [];
        list.push(entry);
        slot.byValue.set(value, list);
      }
    } else {
      const sign = key.op === '>' || key.op === '>=' ? 1 : -1;
      const id = `${sign}:${key.path}`;
      let slot = this.thresholds.get(id);
      if (!slot) {
        slot = { get: numericGetter(key.path), sign, list: [] };
        this.thresholds.set(id, slot);
      }
      const item = { bound: sign * key.bound, inclusive: key.op === '>=' || key.op === '<=', entry };
      const at = upperBound(slot.list, item.bound);
      slot.list.splice(at, 0, item);
    }
  }

  remove(entry: T): void {
    this.unkeyed = this.unkeyed.filter((item) => item !== entry);
    for (const [id, slot] of this.equality) {
      for (const [value, list] of slot.byValue) {
        const rest = list.filter((item) => item !== entry);
        if (rest.length) slot.byValue.set(value, rest);
        else slot.byValue.delete(value);
      }
      if (slot.byValue.size === 0) this.equality.delete(id);
    }
    for (const [id, slot] of this.thresholds) {
      slot.list = slot.list.filter((item) => item.entry !== entry);
      if (slot.list.length === 0) this.thresholds.delete(id);
    }
  }

  get empty(): boolean {
    return this.unkeyed.length === 0 && this.equality.size === 0 && this.thresholds.size === 0;
  }

  collect(scope: IndexScope, out: T[]): void {
    for (const entry of this.unkeyed) out.push(entry);
    for (const slot of this.equality.values()) {
      const value = slot.get(scope);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      const list = slot.byValue.get(value);
      if (list) for (const entry of list) out.push(entry);
    }
    for (const slot of this.thresholds.values()) {
      const value = slot.get(scope);
      // The expression orders numbers only with numbers; a missing amount fires no threshold card.
      if (typeof value !== 'number' || Number.isNaN(value)) continue;
      const signed = slot.sign * value;
      const list = slot.list;
      for (let i = 0; i < list.length; i++) {
        const { bound, inclusive, entry } = list[i];
        if (bound < signed || (bound === signed && inclusive)) out.push(entry);
        // Equal bounds mix "<" and "<=": only a greater bound ends the run.
        else if (bound > signed) break;
      }
    }
  }
}

/** The first position whose bound is greater than `bound`, so equal bounds keep their insertion order. */
function upperBound<T>(list: Threshold<T>[], bound: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].bound <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const ANY_CHANNEL = '';

export class PolicyIndex<T extends Indexed> {
  /** event type (or ANY_EVENT) -> channel (or ANY_CHANNEL) -> bucket */
  private readonly buckets = new Map<string, Map<string, Bucket<T>>>();
  /** event type (or ANY_EVENT) -> every card for it, in priority order, for explaining them all */
  private readonly byType = new Map<string, T[]>();
  /** event type -> its cards and the any-type cards merged, in priority order; built on first use */
  private readonly merged = new Map<string, T[]>();
  private readonly keys = new Map<T, IndexKey>();

  add(entry: T): void {
    const key = chooseIndexKey(entry.policy);
    this.keys.set(entry, key);
    for (const type of typesOf(entry.policy)) {
      const channels = this.buckets.get(type) ?? new Map<string, Bucket<T>>();
      this.buckets.set(type, channels);
      for (const channel of entry.policy.channels ?? [ANY_CHANNEL]) {
        const bucket = channels.get(channel) ?? new Bucket<T>();
        channels.set(channel, bucket);
        bucket.add(entry, key);
      }
      const list = [...(this.byType.get(type) ?? []), entry].sort(byPriority);
      this.byType.set(type, list);
      this.changed(type);
    }
  }

  remove(entry: T): void {
    if (!this.keys.delete(entry)) return;
    for (const type of typesOf(entry.policy)) {
      const channels = this.buckets.get(type);
      for (const [channel, bucket] of channels ?? []) {
        bucket.remove(entry);
        if (bucket.empty) channels?.delete(channel);
      }
      if (channels?.size === 0) this.buckets.delete(type);
      const rest = (this.byType.get(type) ?? []).filter((item) => item !== entry);
      if (rest.length) this.byType.set(type, rest);
      else this.byType.delete(type);
      this.changed(type);
    }
  }

  /** drops the merged lists the cards of `type` are part of: every one for an any-type card */
  private changed(type: string): void {
    if (type === ANY_EVENT) this.merged.clear();
    else this.merged.delete(type);
  }

  /** how the card is indexed, for explanations and tests */
  keyOf(entry: T): IndexKey | undefined {
    return this.keys.get(entry);
  }

  /**
   * every card an event of this type could concern, whatever its channel and values; priority order.
   * The list is shared between calls: read it, do not change it.
   */
  forType(eventType: string): readonly T[] {
    const typed = this.byType.get(eventType);
    const any = this.byType.get(ANY_EVENT);
    if (!any) return typed ?? [];
    // Types without cards of their own share the any-type list, so unknown types add no cache entries.
    if (!typed || eventType === ANY_EVENT) return any;
    let merged = this.merged.get(eventType);
    if (!merged) {
      merged = [...typed, ...any].sort(byPriority);
      this.merged.set(eventType, merged);
    }
    return merged;
  }

  /** the cards that can fire for this event and customer, in priority order */
  candidates(scope: IndexScope): T[] {
    const out: T[] = [];
    for (const type of [scope.event.type, ANY_EVENT]) {
      const channels = this.buckets.get(type);
      if (!channels) continue;
      channels.get(scope.event.channel)?.collect(scope, out);
      channels.get(ANY_CHANNEL)?.collect(scope, out);
    }
    if (out.length > 1) out.sort(byPriority);
    return out;
  }
}

function typesOf(policy: CompiledPolicy): string[] {
  return policy.eventTypes.length ? policy.eventTypes : [ANY_EVENT];
}
