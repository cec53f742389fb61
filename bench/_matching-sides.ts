/**
 * The two sides of bench/matching.ts over the same inputs: ours (normalise, block, decide, cluster)
 * and the anchor (a plain deterministic linker, _naive-linker.ts), and the check that they were
 * handed the same records and answered for every one of them.
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_MATCH_CONFIG,
  DEFAULT_NORMALIZE_OPTIONS,
  linkRecords,
  normalizeRecord,
  type MatchConfig,
  type MatchInput,
  type NormalizeOptions,
} from '../records/matching';
import { naiveLink } from './_naive-linker';
import { POPULATION_REFERENCE_YEAR } from './_population';

export const BENCH_NORMALIZE: NormalizeOptions = {
  ...DEFAULT_NORMALIZE_OPTIONS,
  referenceYear: POPULATION_REFERENCE_YEAR,
};

export interface SideResult {
  clusters: string[][];
  reviews: number;
  compared: number;
}

export function oursLink(
  inputs: readonly MatchInput[],
  config: MatchConfig = DEFAULT_MATCH_CONFIG,
): SideResult {
  const records = inputs.map((input) => normalizeRecord(input, BENCH_NORMALIZE));
  const result = linkRecords(records, config);
  return { clusters: result.clusters, reviews: result.reviews.length, compared: result.compared };
}

export function anchorLink(inputs: readonly MatchInput[]): SideResult {
  return { clusters: naiveLink(inputs, BENCH_NORMALIZE), reviews: 0, compared: 0 };
}

/** A digest of the inputs, taken before and after each side runs: same records, and none changed. */
export function fingerprint(inputs: readonly MatchInput[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(JSON.stringify(input)).update('\n');
  return hash.digest('hex');
}

export class SidesDiffer extends Error {
  override name = 'SidesDiffer';
}

/** Every input ref in exactly one cluster, and nothing else: otherwise the side skipped or invented records. */
export function checkCoversInputs(
  side: string,
  inputs: readonly MatchInput[],
  clusters: readonly string[][],
): void {
  const expected = new Set(inputs.map((i) => i.ref));
  let seen = 0;
  const found = new Set<string>();
  for (const cluster of clusters) {
    for (const ref of cluster) {
      seen++;
      if (!expected.has(ref)) throw new SidesDiffer(`${side} answered for ${ref}, which is not an input`);
      found.add(ref);
    }
  }
  if (seen !== found.size) throw new SidesDiffer(`${side} put a record in more than one cluster`);
  if (found.size !== expected.size)
    throw new SidesDiffer(`${side} answered for ${found.size} of ${expected.size} records`);
}
