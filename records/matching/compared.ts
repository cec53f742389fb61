/**
 * What a comparator returns: the level, and the two values that earned it. The values are written
 * out for people only when a decision is explained, which most compared pairs (strangers kept
 * apart) never are.
 */
export interface Compared<L extends string> {
  readonly level: L;
  /** why the level is not what the spellings alone suggest, for the steward */
  readonly note?: string;
  values(): [string, string];
}

class ComparedValues<L extends string, T> implements Compared<L> {
  constructor(
    readonly level: L,
    private readonly a: T,
    private readonly b: T,
    private readonly show: (value: T) => string,
    readonly note?: string,
  ) {}

  values(): [string, string] {
    return [this.show(this.a), this.show(this.b)];
  }
}

export function compared<L extends string, T>(
  level: L,
  a: T,
  b: T,
  show: (value: T) => string,
  note?: string,
): Compared<L> {
  return new ComparedValues(level, a, b, show, note);
}

/**
 * The best level over every value of one side against every value of the other, `order` listing
 * the levels best first; undefined when a side has no value.
 */
export function bestOf<T, L extends string>(
  a: readonly T[],
  b: readonly T[],
  order: readonly L[],
  compare: (x: T, y: T) => L,
  show: (value: T) => string,
): Compared<L> | undefined {
  let rank = order.length;
  let best: [L, T, T] | undefined;
  for (const x of a) {
    for (const y of b) {
      const level = compare(x, y);
      const r = order.indexOf(level);
      if (r < rank) {
        rank = r;
        best = [level, x, y];
        if (r === 0) return compared(level, x, y, show);
      }
    }
  }
  return best && compared(best[0], best[1], best[2], show);
}
