/**
 * Counters behind policy limits ("1 per 7d" per customer, "200 per day" globally). An interface so the
 * store can take over later and share caps between hub instances; evaluation stays synchronous.
 *
 * Every hit has an id, one per card and event (the engine uses capHitIdFor). A hit id is counted once
 * under a key: an event delivered again (the bus delivers at least once) is neither counted a second
 * time nor refused by its own first delivery, so it yields its decision again with the same decision id,
 * as the store's takeCaps does.
 */
import { offerIdFor } from './decision-id';

export interface CapCounter {
  /** how many hits were recorded under key within the window ending at now */
  count(key: string, windowMs: number, now: number): number;
  /** whether hitId is one of the hits under key within the window ending at now */
  has(key: string, hitId: string, windowMs: number, now: number): boolean;
  /** records hitId under key at now; a hitId already recorded under key is not recorded again */
  record(key: string, now: number, hitId: string): void;
}

interface Hit {
  at: number;
  id: string;
}

/** Sliding windows of hits per key, oldest first, pruned when counted. */
export class InMemoryCapCounter implements CapCounter {
  private readonly hits = new Map<string, Hit[]>();

  count(key: string, windowMs: number, now: number): number {
    return this.inWindow(key, windowMs, now)?.length ?? 0;
  }

  has(key: string, hitId: string, windowMs: number, now: number): boolean {
    const list = this.inWindow(key, windowMs, now);
    // Lists hold at most about a cap's limit of hits, so a scan is as cheap as a second index.
    return list !== undefined && list.some((hit) => hit.id === hitId);
  }

  /** takes back the hit hitId under key, when a shared store refused what this counter let through */
  forget(key: string, hitId: string): void {
    const list = this.hits.get(key);
    const index = list ? list.findIndex((hit) => hit.id === hitId) : -1;
    if (!list || index < 0) return;
    list.splice(index, 1);
    if (list.length === 0) this.hits.delete(key);
  }

  record(key: string, now: number, hitId: string): void {
    const list = this.hits.get(key);
    const hit = { at: now, id: hitId };
    if (!list) {
      this.hits.set(key, [hit]);
      return;
    }
    if (list.some((item) => item.id === hitId)) return;
    // Kept sorted, so pruning only looks at the front.
    if (list[list.length - 1].at <= now) list.push(hit);
    else
      list.splice(
        list.findIndex((item) => item.at > now),
        0,
        hit,
      );
  }

  /** the hits under key in (now - windowMs, now], after dropping those that left every window */
  private inWindow(key: string, windowMs: number, now: number): Hit[] | undefined {
    const list = this.hits.get(key);
    if (!list) return undefined;
    const from = now - windowMs;
    let first = 0;
    while (first < list.length && list[first].at <= from) first++;
    if (first > 0) list.splice(0, first);
    if (list.length === 0) {
      this.hits.delete(key);
      return undefined;
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
