/**
 * Counters behind policy limits ("1 per 7d" per customer, "200 per day" globally). An interface so the
 * store can take over later and share caps between hub instances; evaluation stays synchronous.
 */
export interface CapCounter {
  /** how many were recorded under key within the window ending at now */
  count(key: string, windowMs: number, now: number): number;
  record(key: string, now: number): void;
}

/** Sliding windows of timestamps per key, pruned when counted. */
export class InMemoryCapCounter implements CapCounter {
  private readonly hits = new Map<string, number[]>();

  count(key: string, windowMs: number, now: number): number {
    const times = this.hits.get(key);
    if (!times) return 0;
    const from = now - windowMs;
    let first = 0;
    while (first < times.length && times[first] <= from) first++;
    if (first > 0) times.splice(0, first);
    if (times.length === 0) this.hits.delete(key);
    return times.length;
  }

  /** takes back one hit recorded at `now`, when a shared store refused what this counter let through */
  forget(key: string, now: number): void {
    const times = this.hits.get(key);
    const index = times ? times.lastIndexOf(now) : -1;
    if (!times || index < 0) return;
    times.splice(index, 1);
    if (times.length === 0) this.hits.delete(key);
  }

  record(key: string, now: number): void {
    const times = this.hits.get(key);
    if (!times) this.hits.set(key, [now]);
    // Kept sorted, so pruning in count() only looks at the front.
    else if (times[times.length - 1] <= now) times.push(now);
    else
      times.splice(
        times.findIndex((t) => t > now),
        0,
        now,
      );
  }
}
