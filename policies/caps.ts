/**
 * Counters behind policy limits ("1 per 7d" per customer, "200 per day" globally). An interface so the
 * store can take over later and share caps between hub instances; evaluation stays synchronous.
 *
 * Every hit has an id, one per card and event (the engine uses capHitIdFor). A hit id is counted once
 * under a key: an event delivered again (the bus delivers at least once) is neither counted a second
 * time nor refused by its own first delivery, so it yields its decision again with the same decision id,
 * as the store's takeCaps does.
 *
 * The in-memory counter keeps, per hit, its time and a hash of its id (compact-ids.ts), and groups the
 * hits of per-customer keys by customer: a million customers with a few capped decisions each cost a
 * million small arrays of numbers, not a string key per card and customer and an object per hit.
 */
import { detachedString, idHash } from './compact-ids';
import { offerIdFor } from './decision-id';

export interface CapCounter {
  /** how many hits were recorded under key within the window ending at now */
  count(key: string, windowMs: number, now: number): number;
  /** whether hitId is one of the hits under key within the window ending at now */
  has(key: string, hitId: string, windowMs: number, now: number): boolean;
  /** records hitId under key at now; a hitId already recorded under key is not recorded again */
  record(key: string, now: number, hitId: string): void;
}

/**
 * Hits in memory. Keys are fields joined by U+001F, as the engine and the contact policy write them; a
 * `customer` or `channel` field is followed by the customer's ref, and such keys are kept per customer.
 * Any other key (a global cap) is kept on its own. Each key's hits leave it once a count or check has
 * seen them leave the window; and a customer's list drops every hit older than the longest window ever
 * asked of its key whenever it is rebuilt.
 */
export class InMemoryCapCounter implements CapCounter {
  private readonly customers = new HitsByCustomer();
  private readonly keys = new HitsByKey();

  count(key: string, windowMs: number, now: number): number {
    const split = splitKey(key);
    return split
      ? this.customers.count(split[0], split[1], windowMs, now)
      : this.keys.count(key, now - windowMs);
  }

  has(key: string, hitId: string, windowMs: number, now: number): boolean {
    const split = splitKey(key);
    return split
      ? this.customers.has(split[0], split[1], idHash(hitId), windowMs, now)
      : this.keys.has(key, idHash(hitId), now - windowMs);
  }

  /** takes back the hit hitId under key, when a shared store refused what this counter let through */
  forget(key: string, hitId: string): void {
    const split = splitKey(key);
    if (split) this.customers.forget(split[0], split[1], idHash(hitId));
    else this.keys.forget(key, idHash(hitId));
  }

  record(key: string, now: number, hitId: string): void {
    const split = splitKey(key);
    if (split) this.customers.record(split[0], split[1], now, idHash(hitId));
    else this.keys.record(key, now, idHash(hitId));
  }
}

const FIELD = '\u001f';
/** what precedes the customer's ref in a per-customer key */
const BEFORE_REF = [`${FIELD}customer${FIELD}`, `${FIELD}channel${FIELD}`];

/** the customer's ref in a key, and the key without it (card, scope, channel); undefined when none */
function splitKey(key: string): [ref: string, rest: string] | undefined {
  for (const marker of BEFORE_REF) {
    const at = key.indexOf(marker);
    if (at < 0) continue;
    const from = at + marker.length;
    const end = key.indexOf(FIELD, from);
    const to = end < 0 ? key.length : end;
    return [key.slice(from, to), key.slice(0, from) + key.slice(to)];
  }
  return undefined;
}

/**
 * The hits of per-customer keys: many customers, a few hits each. Per customer one array of hits
 * [atMs, tag], oldest first, where the tag holds the key's code and 32 bits of the hit id's hash (see
 * tagOf). It is rebuilt at the exact length on every change: a pushed-to array would keep room for 16
 * more slots, more than the hits themselves.
 */
class HitsByCustomer {
  private readonly hits = new Map<string, readonly number[]>();
  /** a key without its ref -> a small code; few: cards × scopes × channels */
  private readonly codes = new Map<string, number>();
  /** per code, the longest window a count or check asked about */
  private readonly longestWindowMs: number[] = [];

  count(ref: string, rest: string, windowMs: number, now: number): number {
    const code = this.codeOf(rest, windowMs);
    const list = this.inWindow(ref, code, now - windowMs);
    let n = 0;
    for (let i = 0; i < list.length; i += 2) if (codeOfTag(list[i + 1]) === code) n++;
    return n;
  }

  has(ref: string, rest: string, hash: number, windowMs: number, now: number): boolean {
    const code = this.codeOf(rest, windowMs);
    return holdsTag(this.inWindow(ref, code, now - windowMs), tagOf(code, hash));
  }

  forget(ref: string, rest: string, hash: number): void {
    const code = this.codes.get(rest);
    const list = this.hits.get(ref);
    if (code === undefined || !list) return;
    const tag = tagOf(code, hash);
    this.replace(ref, list, (_at, t) => t !== tag);
  }

  record(ref: string, rest: string, now: number, hash: number): void {
    const tag = tagOf(this.codeOf(rest), hash);
    const list = this.hits.get(ref) ?? NO_HITS;
    if (holdsTag(list, tag)) return;
    const longest = this.longestWindowMs;
    const kept: number[] = [];
    let index = 0;
    for (let i = 0; i < list.length; i += 2) {
      const window = longest[codeOfTag(list[i + 1])];
      if (window !== undefined && list[i] <= now - window) continue;
      kept.push(list[i], list[i + 1]);
      // after hits of the same time, as they came
      if (list[i] <= now) index = kept.length;
    }
    kept.splice(index, 0, now, tag);
    const key = this.hits.has(ref) ? ref : detachedString(ref);
    this.hits.set(key, exactCopy(kept));
  }

  /** the customer's list without the hits under code that have left the window (from, ...] */
  private inWindow(ref: string, code: number, fromMs: number): readonly number[] {
    const list = this.hits.get(ref);
    if (!list) return NO_HITS;
    return this.replace(ref, list, (at, tag) => at > fromMs || codeOfTag(tag) !== code);
  }

  /** keeps the hits `keep` accepts; the same list when it accepts all */
  private replace(
    ref: string,
    list: readonly number[],
    keep: (at: number, tag: number) => boolean,
  ): readonly number[] {
    let all = true;
    for (let i = 0; i < list.length && all; i += 2) all = keep(list[i], list[i + 1]);
    if (all) return list;
    const kept: number[] = [];
    for (let i = 0; i < list.length; i += 2) if (keep(list[i], list[i + 1])) kept.push(list[i], list[i + 1]);
    if (kept.length === 0) {
      this.hits.delete(ref);
      return NO_HITS;
    }
    const next = exactCopy(kept);
    this.hits.set(ref, next);
    return next;
  }

  private codeOf(rest: string, windowMs?: number): number {
    let code = this.codes.get(rest);
    if (code === undefined) {
      code = this.codes.size;
      if (code >= MAX_CODES) throw new Error(`InMemoryCapCounter: more than ${MAX_CODES} kinds of keys`);
      this.codes.set(detachedString(rest), code);
    }
    if (windowMs !== undefined && !(windowMs <= this.longestWindowMs[code])) {
      this.longestWindowMs[code] = windowMs;
    }
    return code;
  }
}

const HASH_SPAN = 2 ** 32;
/** codes times HASH_SPAN stay below 2^53, so a tag is a whole number a double holds exactly */
const MAX_CODES = 2 ** 20;
const NO_HITS: readonly number[] = Object.freeze([]);

/**
 * A key's code and the low 32 bits of a hit id's hash, in one slot. Two hit ids of one card and customer
 * look alike with a chance of 2^-32; the store's takeCaps, which keeps the ids, has the last word.
 */
function tagOf(code: number, hash: number): number {
  return code * HASH_SPAN + (hash % HASH_SPAN);
}

function codeOfTag(tag: number): number {
  return Math.floor(tag / HASH_SPAN);
}

function holdsTag(list: readonly number[], tag: number): boolean {
  for (let i = 1; i < list.length; i += 2) if (list[i] === tag) return true;
  return false;
}

/** an array of exactly the items, without the spare room a growing array keeps */
function exactCopy(items: readonly number[]): number[] {
  const out = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = items[i];
  return out;
}

/**
 * The hits of keys of their own (global caps): few keys, up to a cap's limit of hits each, so a list
 * grows by push and is pruned from the front. Per key [atMs, id hash] pairs, oldest first.
 */
class HitsByKey {
  private readonly hits = new Map<string, number[]>();

  count(key: string, fromMs: number): number {
    return this.inWindow(key, fromMs).length / 2;
  }

  has(key: string, hash: number, fromMs: number): boolean {
    const list = this.inWindow(key, fromMs);
    // Lists hold at most about a cap's limit of hits, so a scan is as cheap as a second index.
    for (let i = 1; i < list.length; i += 2) if (list[i] === hash) return true;
    return false;
  }

  forget(key: string, hash: number): void {
    const list = this.hits.get(key);
    if (!list) return;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i + 1] !== hash) continue;
      list.splice(i, 2);
      if (list.length === 0) this.hits.delete(key);
      return;
    }
  }

  record(key: string, now: number, hash: number): void {
    const list = this.hits.get(key);
    if (!list) {
      this.hits.set(detachedString(key), [now, hash]);
      return;
    }
    for (let i = 1; i < list.length; i += 2) if (list[i] === hash) return;
    // Kept sorted, so pruning only looks at the front.
    let index = list.length;
    while (index > 0 && list[index - 2] > now) index -= 2;
    if (index === list.length) list.push(now, hash);
    else list.splice(index, 0, now, hash);
  }

  /** the key's hits in (fromMs, ...], after dropping those before */
  private inWindow(key: string, fromMs: number): readonly number[] {
    const list = this.hits.get(key);
    if (!list) return NO_HITS;
    let first = 0;
    while (first < list.length && list[first] <= fromMs) first += 2;
    if (first > 0) list.splice(0, first);
    if (list.length === 0) {
      this.hits.delete(key);
      return NO_HITS;
    }
    return list;
  }
}

/**
 * The id a card's firing for one event counts under, in this counter and in the store: the same on every
 * delivery of the event and on every hub instance. It equals the decision id of the card's first action,
 * which the store's hits were recorded under before, so hits already in a store keep matching.
 */
export function capHitIdFor(policyId: string, eventId: string): string {
  return offerIdFor(policyId, eventId);
}
