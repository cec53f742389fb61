/**
 * Not a benchmark of its own: the floor for a linkage-quality goal on a labelled data set. How well
 * could *any* pairwise classifier do that sees what the matcher compares (the level of each field,
 * which digits of a birth date differ, how common an agreeing name is) but learns from the truth?
 *
 * Each candidate pair gets its comparison pattern. A learner is given the truth of half of the people
 * and ranks the other half's pairs by the share of true matches its pattern had in the first half
 * (two folds, so every pair is ranked once by what was learnt without it). A pattern the other half
 * never showed, or showed a few times, leans on the matcher's own weight. Reading off the precision
 * at a recall then says what the comparisons allow. One split is luck at the margin (small patterns
 * seen once as a match in one half), so the people are split `splits` times at random (seeded) and the
 * median, least and most are given. A pattern ranked by its own truth (in-sample) only fits the noise
 * of small patterns; it is printed beside it to show how much.
 *
 * Pairs the blocking never makes count as missed for both, as for the matcher.
 */
import {
  candidatePairs,
  NameCounts,
  scorePair,
  type MatchConfig,
  type MatchRecord,
  type NameFrequencies,
  type PairScore,
} from '../records/matching';

export interface LabelledPair {
  pattern: string;
  /** the matcher's total weight, in bits */
  weight: number;
  /** both records are of one person */
  same: boolean;
  /** the person of the pair's first record: the halves split the people, not the pairs */
  person: number;
}

export interface BoundPoint {
  recall: number;
  precision: number;
  falseLinks: number;
}

/** How often strangers agree on a name, rounded to whole bits: a learner's view of name frequency. */
function frequencyBucket(share: number): string {
  return share > 0 ? String(Math.round(Math.log2(share))) : 'unseen';
}

/** Which digits of YYYYMMDD differ: one position (y2 is the decade), a swap of two, or how many. */
export function dateDigits(a: string, b: string): string {
  const x = a.replace(/-/g, '');
  const y = b.replace(/-/g, '');
  const differ = [...x].flatMap((c, i) => (c === y[i] ? [] : [i]));
  if (differ.length === 1) {
    const [i] = differ;
    return i < 4 ? `y${i}` : i < 6 ? `m${i - 4}` : `d${i - 6}`;
  }
  if (differ.length === 2 && differ[1] === differ[0] + 1 && x[differ[0]] === y[differ[1]]) return 'swap';
  return `${differ.length}-digits`;
}

/** The comparison pattern of a scored pair: each field's level, the name order, and the details above. */
export function comparisonPattern(
  score: PairScore,
  a: MatchRecord,
  b: MatchRecord,
  frequencies: NameFrequencies,
): string {
  const parts = score.fields.map((f) => `${f.field}:${f.compared?.level ?? '-'}`);
  parts.push(score.nameOrder);
  for (const [field, x, y] of [
    ['familyName', a.name.family, b.name.family],
    ['givenName', a.name.given, b.name.given],
  ] as const) {
    const exact = score.fields.find((f) => f.field === field)?.compared?.level === 'exact';
    if (exact && x && y && score.nameOrder === 'as-given')
      parts.push(frequencyBucket(Math.max(frequencies.share(field, x.key), frequencies.share(field, y.key))));
  }
  const dates = score.fields.find((f) => f.field === 'birthDate')?.compared?.level;
  if (a.birthDate && b.birthDate && dates !== 'exact')
    parts.push(dateDigits(a.birthDate.iso, b.birthDate.iso));
  return parts.join(' ');
}

/**
 * Every candidate pair the blocking makes, scored as the matcher scores it (name frequencies counted
 * over all records) and labelled with the truth: `personOf[i]` is record i's person.
 */
export function labelledPairs(
  records: readonly MatchRecord[],
  personOf: readonly number[],
  config: MatchConfig,
): LabelledPair[] {
  const counts = new NameCounts(config.nameFrequencyPrior);
  for (const record of records) counts.add(record);
  return candidatePairs(records, config.maxBlockSize).map(([i, j]) => {
    const score = scorePair(config, records[i], records[j], counts);
    return {
      pattern: comparisonPattern(score, records[i], records[j], counts),
      weight: score.totalWeight,
      same: personOf[i] === personOf[j],
      person: personOf[i],
    };
  });
}

/** Precision and false links at the first point of each ranking that reaches each recall. */
function readOff(
  ranked: readonly LabelledPair[],
  truePairs: number,
  recalls: readonly number[],
): BoundPoint[] {
  return recalls.map((target) => {
    let correct = 0;
    let wrong = 0;
    for (const pair of ranked) {
      if (correct / truePairs >= target) break;
      if (pair.same) correct++;
      else wrong++;
    }
    return {
      recall: correct / truePairs,
      precision: correct / Math.max(1, correct + wrong),
      falseLinks: wrong,
    };
  });
}

type Tally = { same: number; all: number };

function tally(pairs: readonly LabelledPair[]): Map<string, Tally> {
  const counts = new Map<string, Tally>();
  for (const pair of pairs) {
    const t = counts.get(pair.pattern) ?? { same: 0, all: 0 };
    t.all++;
    if (pair.same) t.same++;
    counts.set(pair.pattern, t);
  }
  return counts;
}

/**
 * The learner's estimate for a pair: its pattern's share of true matches in the other fold, drawn
 * towards the matcher's own probability (its weight against the link threshold) by `prior` pairs.
 */
function learnt(
  counts: Map<string, Tally>,
  pair: LabelledPair,
  linkThreshold: number,
  prior: number,
): number {
  const own = 1 / (1 + 2 ** (linkThreshold - pair.weight));
  const t = counts.get(pair.pattern) ?? { same: 0, all: 0 };
  return (t.same + prior * own) / (t.all + prior);
}

export interface PatternBound {
  /** two-fold over `splits` random halves of the people: the median split, and the least and most */
  crossValidated: { median: BoundPoint; least: BoundPoint; most: BoundPoint; all: BoundPoint[] }[];
  splits: number;
  /** every pattern ranked by its own truth: fits the noise, an upper limit nobody reaches */
  inSample: BoundPoint[];
  /** the matcher's weight alone, each pair on its own (no clusters) */
  weightAlone: BoundPoint[];
  patterns: number;
}

/** A seeded half of the people: a mixing hash of the person and the split's number. */
function halfOf(person: number, split: number): 0 | 1 {
  let h = (Math.imul(person, 2654435761) + Math.imul(split, 40503)) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 1274126177) >>> 0;
  return ((h >>> 7) & 1) as 0 | 1;
}

export function patternBound(
  pairs: readonly LabelledPair[],
  truePairs: number,
  recalls: readonly number[],
  linkThreshold: number,
  splits = 30,
  prior = 2,
): PatternBound {
  const byWeight = (x: LabelledPair, y: LabelledPair) => y.weight - x.weight;
  const runs: BoundPoint[][] = [];
  for (let split = 1; split <= splits; split++) {
    const half = pairs.map((pair) => halfOf(pair.person, split));
    const folds = [0, 1].map((fold) => tally(pairs.filter((_, k) => half[k] !== fold)));
    const ranked = pairs
      .map((pair, k) => ({ pair, p: learnt(folds[half[k]], pair, linkThreshold, prior) }))
      .sort((x, y) => y.p - x.p || byWeight(x.pair, y.pair))
      .map(({ pair }) => pair);
    runs.push(readOff(ranked, truePairs, recalls));
  }
  const crossValidated = recalls.map((_, r) => {
    const points = runs.map((run) => run[r]).sort((x, y) => x.precision - y.precision);
    return {
      median: points[Math.floor(points.length / 2)],
      least: points[0],
      most: points[points.length - 1],
      all: points,
    };
  });
  const all = tally(pairs);
  const rate = (pair: LabelledPair) => {
    const t = all.get(pair.pattern) as Tally;
    return t.same / t.all;
  };
  const inSampleRanked = [...pairs].sort((x, y) => rate(y) - rate(x) || byWeight(x, y));
  return {
    crossValidated,
    splits,
    inSample: readOff(inSampleRanked, truePairs, recalls),
    weightAlone: readOff([...pairs].sort(byWeight), truePairs, recalls),
    patterns: all.size,
  };
}

const point = (p: BoundPoint) =>
  `recall ${p.recall.toFixed(4)} precision ${p.precision.toFixed(4)} (${p.falseLinks} wrong)`;

export function formatBound(bound: PatternBound): string[] {
  return [
    `floor: a learner of comparison patterns with the truth of the other half of the people (two-fold, ${bound.splits} random splits)`,
    ...bound.crossValidated.map(
      (c) =>
        `  median ${point(c.median)}; least precision ${c.least.precision.toFixed(4)}, most ${c.most.precision.toFixed(4)}`,
    ),
    `  ranked by each pattern's own truth (in-sample, fits the noise): ${bound.inSample.map(point).join('; ')}`,
    `  our weight alone, pair by pair: ${bound.weightAlone.map(point).join('; ')}`,
    `  ${bound.patterns} comparison patterns`,
  ];
}
