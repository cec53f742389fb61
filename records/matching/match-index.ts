/**
 * Matching as records arrive: each new record is decided against every record already indexed that
 * shares a blocking key with it, then indexed itself. Every candidate pair is decided exactly once
 * whatever the arrival order, so the links, and the clusters they make, do not depend on it.
 *
 * One input does depend on the order: how common a name is (name-frequencies.ts), counted over the
 * records indexed so far unless the index is given fixed frequencies. It moves a decision only where
 * a name is common in a large set; linkRecords counts every record first, so its result does not
 * depend on the order at all.
 */
import { BlockIndex, blockingKeys } from './blocking';
import { byStrength, LinkClusters } from './clusters';
import { screenPair } from './decide-pair';
import { DEFAULT_MATCH_CONFIG, type MatchConfig } from './match-config';
import type { MatchDecision } from './match-decision';
import type { MatchRecord } from './match-record';
import { NameCounts, type NameFrequencies } from './name-frequencies';

export interface AddResult {
  links: MatchDecision[];
  /** pairs between the thresholds, with their evidence, for a data steward */
  reviews: MatchDecision[];
  /** refs of pairs kept apart on contradicting evidence, which no chain of links may join */
  contradictions: [string, string][];
  /** candidate pairs decided, apart ones included */
  compared: number;
}

export class MatchIndex {
  private readonly records: MatchRecord[] = [];
  /** ref to its number in `records` */
  private readonly numbers = new Map<string, number>();
  private readonly blocks: BlockIndex;
  /** counted here as records arrive, unless fixed frequencies were given */
  private readonly counts?: NameCounts;
  private readonly frequencies: NameFrequencies;

  constructor(
    readonly config: MatchConfig = DEFAULT_MATCH_CONFIG,
    frequencies?: NameFrequencies,
  ) {
    this.blocks = new BlockIndex(config.maxBlockSize);
    if (frequencies === undefined) this.counts = new NameCounts(config.nameFrequencyPrior);
    this.frequencies = frequencies ?? (this.counts as NameCounts);
  }

  /** blocks that reached the config's maxBlockSize (blocking.ts says what that costs) */
  get fullBlocks(): number {
    return this.blocks.fullBlocks;
  }

  get size(): number {
    return this.records.length;
  }

  /** how common each name is among the records indexed (or the fixed frequencies given) */
  get nameFrequencies(): NameFrequencies {
    return this.frequencies;
  }

  /** The number a record got when it was added (0, 1, ... in the order added), if it was. */
  numberOf(ref: string): number | undefined {
    return this.numbers.get(ref);
  }

  add(record: MatchRecord): AddResult {
    const keys = blockingKeys(record);
    const result: AddResult = { links: [], reviews: [], contradictions: [], compared: 0 };
    this.counts?.add(record);
    for (const other of this.blocks.candidates(keys.search)) this.decide(this.records[other], record, result);
    this.blocks.file(keys.file, this.records.length);
    this.numbers.set(record.ref, this.records.length);
    this.records.push(record);
    return result;
  }

  /**
   * A newer version of a record added before: it is decided against the records that share a
   * blocking key with it, like a new one, and takes its place, so records added later are compared
   * with its current values and find it under its new keys as well as its old ones (an old key only
   * brings it up as a candidate, decided on what it holds now). The name frequencies count its new
   * names instead of the old ones (a married name, a corrected typo). Undefined when the record was
   * never added.
   */
  update(record: MatchRecord): AddResult | undefined {
    const number = this.numbers.get(record.ref);
    if (number === undefined) return undefined;
    const keys = blockingKeys(record);
    const result: AddResult = { links: [], reviews: [], contradictions: [], compared: 0 };
    this.counts?.remove(this.records[number]);
    this.counts?.add(record);
    for (const other of this.blocks.candidates(keys.search)) {
      if (other === number) continue;
      this.decide(this.records[other], record, result);
    }
    const filed = new Set(blockingKeys(this.records[number]).file);
    this.records[number] = record;
    this.blocks.file(
      keys.file.filter((key) => !filed.has(key)),
      number,
    );
    return result;
  }

  private decide(earlier: MatchRecord, record: MatchRecord, result: AddResult): void {
    const screened = screenPair(this.config, earlier, record, this.frequencies);
    result.compared++;
    if (screened === undefined) return;
    if (screened === 'contradiction') result.contradictions.push([earlier.ref, record.ref]);
    else if (screened.outcome === 'link') result.links.push(screened);
    else result.reviews.push(screened);
  }

  largestBlocks(count: number): [string, number][] {
    return this.blocks.largestBlocks(count);
  }
}

export interface LinkResult {
  /** the links the clusters were made of */
  links: MatchDecision[];
  /** pairs between the thresholds, and links refused because they would join records kept apart */
  reviews: MatchDecision[];
  /** records joined by links, each cluster sorted by ref; single records are clusters of one */
  clusters: string[][];
  compared: number;
}

/** A link that would join two records kept apart, as a review item that says so. */
function refused(link: MatchDecision, [x, y]: [string, string]): MatchDecision {
  const summary = `${link.explanation.summary}; refused, as it would join ${x} and ${y}, which are kept apart: review`;
  return { ...link, outcome: 'review', explanation: { ...link.explanation, summary } };
}

export function linkRecords(
  records: readonly MatchRecord[],
  config: MatchConfig = DEFAULT_MATCH_CONFIG,
): LinkResult {
  const counts = new NameCounts(config.nameFrequencyPrior);
  for (const record of records) counts.add(record);
  const index = new MatchIndex(config, counts);
  const clusters = new LinkClusters();
  const candidates: MatchDecision[] = [];
  const result: LinkResult = { links: [], reviews: [], clusters: [], compared: 0 };
  for (const record of records) {
    clusters.add(record.ref);
    const added = index.add(record);
    candidates.push(...added.links);
    result.reviews.push(...added.reviews);
    for (const [a, b] of added.contradictions) clusters.keepApart(a, b);
    // As the golden intake does: a pair held back for one conflict (given name or birth date) is no
    // link, and no third record may join the two either, or the review would end inside one cluster.
    for (const review of added.reviews)
      if (review.explanation.conflicts.length > 0) clusters.keepApart(review.a, review.b);
    result.compared += added.compared;
  }
  for (const link of candidates.sort(byStrength)) {
    const blocked = clusters.link(link.a, link.b);
    if (blocked) result.reviews.push(refused(link, blocked));
    else result.links.push(link);
  }
  result.clusters = clusters.clusters();
  return result;
}
