/**
 * Precision, recall and F1 of a linkage, counted over pairs of records: a pair is linked when the
 * linker put both records in one cluster (one golden record), and truly matching when both come
 * from one person. Transitive links count: a golden record that joins three people is wrong about
 * every pair across them.
 */
export interface LinkageQuality {
  truePairs: number;
  linkedPairs: number;
  correctPairs: number;
  precision: number;
  recall: number;
  f1: number;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

/** `clusters`: refs per cluster; `personOf`: the truth, ref to person. */
export function linkageQuality(
  clusters: readonly (readonly string[])[],
  personOf: ReadonlyMap<string, number>,
): LinkageQuality {
  let linkedPairs = 0;
  let correctPairs = 0;
  for (const cluster of clusters) {
    linkedPairs += pairs(cluster.length);
    const perPerson = new Map<number, number>();
    for (const ref of cluster) {
      const person = personOf.get(ref);
      if (person === undefined) throw new Error(`linkage quality: no truth for record ${ref}`);
      perPerson.set(person, (perPerson.get(person) ?? 0) + 1);
    }
    for (const n of perPerson.values()) correctPairs += pairs(n);
  }
  const perPerson = new Map<number, number>();
  for (const person of personOf.values()) perPerson.set(person, (perPerson.get(person) ?? 0) + 1);
  let truePairs = 0;
  for (const n of perPerson.values()) truePairs += pairs(n);
  const precision = linkedPairs === 0 ? 1 : correctPairs / linkedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePairs, linkedPairs, correctPairs, precision, recall, f1 };
}

export function formatQuality(name: string, q: LinkageQuality): string {
  return (
    `${name}: precision ${q.precision.toFixed(4)} recall ${q.recall.toFixed(4)} F1 ${q.f1.toFixed(4)} ` +
    `(${q.correctPairs} of ${q.linkedPairs} linked pairs correct, ${q.truePairs} true pairs)`
  );
}
