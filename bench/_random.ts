/** A seeded random source for generated data: the same seed gives the same data on every machine. */
// Running sums of the pickFrequent weights, per list, made once.
const CUMULATIVE = new WeakMap<readonly unknown[], number[]>();

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Mulberry32: 32 bits of state, plenty for test data, and the same in every JavaScript engine. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** An integer from min to max, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /**
   * Items early in the list are likelier, about as names are: weight 1 / (rank + 15), so the first
   * of 100 names is picked about 2.5% of the time and the last about 0.3%.
   */
  pickFrequent<T>(items: readonly T[]): T {
    let cumulative = CUMULATIVE.get(items);
    if (cumulative === undefined) {
      cumulative = [];
      let total = 0;
      for (let i = 0; i < items.length; i++) cumulative.push((total += 1 / (i + 15)));
      CUMULATIVE.set(items, cumulative);
    }
    const r = this.next() * cumulative[cumulative.length - 1];
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid] > r) high = mid;
      else low = mid + 1;
    }
    return items[low];
  }

  digits(count: number): string {
    let text = '';
    for (let i = 0; i < count; i++) text += String(this.int(0, 9));
    return text;
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
