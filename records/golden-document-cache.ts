import type { GoldenRecord } from './survivorship';

type GoldenDocument = GoldenRecord['document'];

interface Cached {
  revision: number;
  document: GoldenDocument;
}

/**
 * The golden documents the embedded store read last, by golden id. The policies and the next best
 * offer read a customer's golden document at every event and page view; decoding the whole stored
 * record (lineage, sources, events) each time cost about four times the per-ref read it replaced.
 *
 * Only the embedded store uses it: its LMDB files belong to one process, so every write passes
 * through `writing`/`settled` here. A golden id being written is not cached until its transaction has
 * settled, so a read between the write and its commit cannot keep the old document.
 */
export class GoldenDocumentCache {
  private readonly entries = new Map<string, Cached>();
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  get(goldenId: string): Cached | undefined {
    return this.entries.get(goldenId);
  }

  /** Keeps a document just read; shared with every later read, so it is frozen. */
  keep(goldenId: string, revision: number, document: GoldenDocument): Cached {
    const cached = { revision, document: deepFreeze(document) };
    if (this.inFlight.has(goldenId)) return cached;
    if (this.entries.size >= this.max) {
      // the oldest entry: Map keeps insertion order
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(goldenId, cached);
    return cached;
  }

  /** A transaction writes the golden id's row: forget it, and keep nothing of it until settled. */
  writing(goldenId: string): void {
    this.entries.delete(goldenId);
    this.inFlight.set(goldenId, (this.inFlight.get(goldenId) ?? 0) + 1);
  }

  /** The transaction that wrote these ids committed or failed. */
  settled(goldenIds: readonly string[]): void {
    for (const goldenId of goldenIds) {
      this.entries.delete(goldenId);
      const count = (this.inFlight.get(goldenId) ?? 1) - 1;
      if (count > 0) this.inFlight.set(goldenId, count);
      else this.inFlight.delete(goldenId);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
