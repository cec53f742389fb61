/**
 * Work items that share a key run one after the other, in the order they were handed in; items with
 * different keys run side by side. A lane is forgotten once it has nothing left, so the map holds only
 * the keys with work in hand. A failed item fails its own caller and does not hold the lane up.
 */
export class KeyedLanes {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** keys with work in hand */
  get size(): number {
    return this.tails.size;
  }
}
