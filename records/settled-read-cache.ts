import { setBounded } from './bounded-map';

/**
 * What the embedded store read last, by key, for reads asked at every event and page view: decoding
 * the stored value each time (a golden record with its lineage, sources and events; a customer's offers
 * through an LMDB range) cost several times the lookup here.
 *
 * Only the embedded store uses it. Every write of that store instance passes through `writing`/`settled`
 * here: a key being written is not cached until its transaction has settled, so a read between the
 * write and its commit cannot keep the old value. Writes of another instance on the same files do not
 * pass here, so the store keeps a version with each value and uses it only while the stored version is
 * the same.
 */
export class SettledReadCache<V> {
  private readonly entries = new Map<string, V>();
  private readonly inFlight = new Map<string, number>();
  /** per key in flight, the newest write begun on it */
  private readonly newest = new Map<string, symbol>();

  constructor(private readonly max = 10_000) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Keeps a value just read; shared with every later read, so it is frozen. */
  keep(key: string, value: V): V {
    const kept = deepFreeze(value);
    if (this.inFlight.has(key)) return kept;
    this.put(key, kept);
    return kept;
  }

  /**
   * A transaction writes the key: forget it, and keep nothing of it until settled. The token names
   * this write to `settled`.
   */
  writing(key: string): symbol {
    this.entries.delete(key);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    const token = Symbol(key);
    this.newest.set(key, token);
    return token;
  }

  /**
   * The transaction that wrote these keys committed or failed. `written` holds what a durable write
   * wrote, to keep as it is: only for a key no other write holds any more, and only when this write
   * was the newest begun on it, so a write that settles after a newer one cannot leave its older value.
   */
  settled(keys: readonly string[], written?: ReadonlyMap<string, { token: symbol; value: V }>): void {
    for (const key of keys) {
      this.entries.delete(key);
      const count = (this.inFlight.get(key) ?? 1) - 1;
      if (count > 0) {
        this.inFlight.set(key, count);
        continue;
      }
      this.inFlight.delete(key);
      const newest = this.newest.get(key);
      this.newest.delete(key);
      const mine = written?.get(key);
      if (mine && mine.token === newest) this.put(key, deepFreeze(mine.value));
    }
  }

  private put(key: string, value: V): void {
    setBounded(this.entries, key, value, this.max);
  }
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
