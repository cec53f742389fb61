/**
 * One pair of records to a decision with its explanation: every field compared, the rules of
 * deterministic-rules.ts first, then the Fellegi-Sunter total against the thresholds.
 *
 * Beyond the plain total, two guards keep apart the people a household or a family produces, whom
 * independent field weights overrate because their agreements are not independent (twins share a
 * family name, birth date, address and phone):
 * - one conflict (the given names differ outright, or the birth dates do) caps the decision at
 *   review: twins, or a father and son of one name, are for a steward to tell apart; unless a
 *   national id agrees (even one typo apart), which no two of them share;
 * - both conflicts at once are two people (spouses, siblings), kept apart.
 * Neither guard overrides a shared identifier or national id.
 */
import type { Compared } from './compared';
import { compareAddresses } from './compare-addresses';
import { compareBirthDates } from './compare-birth-dates';
import { compareEmails, compareNationalIds, comparePhones } from './compare-contacts';
import { compareFamilyNames, compareGivenNames, type SalutationSexes } from './compare-names';
import { emailRule, identifierRules, type RuleResult } from './deterministic-rules';
import type { MatchConfig } from './match-config';
import type { ComparisonEvidence, MatchDecision, MatchExplanation, MatchOutcome } from './match-decision';
import type { MatchRecord } from './match-record';
import type { NameFrequencies } from './name-frequencies';
import type { NormalizedNamePart } from './normalize-name';
import { levelWeight, type LevelProbability, type MatchField } from './weights';

type Weights = Record<MatchField, Record<string, number>>;
const weightCache = new WeakMap<MatchConfig, Weights>();

function weightsOf(config: MatchConfig): Weights {
  let weights = weightCache.get(config);
  if (weights === undefined) {
    weights = {} as Weights;
    for (const [field, levels] of Object.entries(config.levels) as [
      MatchField,
      Record<string, LevelProbability>,
    ][]) {
      weights[field] = {};
      for (const [level, probability] of Object.entries(levels))
        weights[field][level] = levelWeight(probability);
    }
    weightCache.set(config, weights);
  }
  return weights;
}

/** One field compared, with its weight; written out as ComparisonEvidence only when explained. */
export interface FieldScore {
  field: MatchField;
  compared: Compared<string> | undefined;
  weight: number;
  /** the u a common name's agreement took instead of the level's (name-frequencies.ts) */
  u?: number;
}

export interface PairScore {
  nameOrder: 'as-given' | 'swapped';
  fields: FieldScore[];
  conflicts: ('givenName' | 'birthDate')[];
  totalWeight: number;
}

function fieldScore(weights: Weights, field: MatchField, compared: Compared<string> | undefined): FieldScore {
  return { field, compared, weight: compared === undefined ? 0 : weights[field][compared.level] };
}

/** A name that agrees exactly, weighed by how common it is where the frequencies were counted. */
function nameScore(
  config: MatchConfig,
  weights: Weights,
  field: 'familyName' | 'givenName',
  a: NormalizedNamePart | undefined,
  b: NormalizedNamePart | undefined,
  frequencies: NameFrequencies | undefined,
  salutations?: SalutationSexes,
): FieldScore {
  const compared = field === 'familyName' ? compareFamilyNames(a, b) : compareGivenNames(a, b, salutations);
  const score = fieldScore(weights, field, compared);
  if (frequencies === undefined || compared?.level !== 'exact' || a === undefined || b === undefined)
    return score;
  const { m, u } = config.levels[field].exact;
  // the two may agree on the key or only without diacritics (Müller / Muller): the commoner counts,
  // whichever record comes first
  const share = Math.max(frequencies.share(field, a.key), frequencies.share(field, b.key));
  if (share <= u) return score;
  return { ...score, weight: Math.log2(m / share), u: share };
}

function levelOf(score: FieldScore): string {
  return score.compared?.level ?? 'missing';
}

/**
 * The given and family names as written, or crosswise when that agrees better: some sources swap
 * the two fields. Crosswise only counts when it earns more than as written, so an ordinary pair
 * never gains from it.
 */
function scoreNames(
  config: MatchConfig,
  weights: Weights,
  a: MatchRecord,
  b: MatchRecord,
  frequencies: NameFrequencies | undefined,
): Pick<PairScore, 'nameOrder' | 'fields'> {
  // whichever way round the fields are read, the salutations belong to the records
  const salutations: SalutationSexes =
    a.sex === undefined || b.sex === undefined ? undefined : a.sex === b.sex ? 'same' : 'opposite';
  const asGiven = [
    nameScore(config, weights, 'familyName', a.name.family, b.name.family, frequencies),
    nameScore(config, weights, 'givenName', a.name.given, b.name.given, frequencies, salutations),
  ];
  const straight = asGiven[0].weight + asGiven[1].weight;
  // Only worth a look when as written the names do not agree already, and only with both names on
  // both sides: a lone family name against a lone given name is no evidence of a swap.
  const complete = (r: MatchRecord) => r.name.given !== undefined && r.name.family !== undefined;
  if (straight < weights.familyName['close-spelling'] && complete(a) && complete(b)) {
    // Which record swapped its fields is unknown, and it decides which crosswise pair holds the
    // given names (compared with nicknames and initials): "Hans Müller" against given "Müller",
    // family "Johannes" has them in the pair "Hans" / "Johannes". Both readings are scored and the
    // better counts; at a tie, the one that reads the family name sorting first as a family name, so
    // that the pair scores and reads the same whichever of its records came first.
    const first = (a.name.family as NormalizedNamePart).key <= (b.name.family as NormalizedNamePart).key;
    let best: FieldScore[] | undefined;
    let bestWeight = straight;
    for (const [x, y] of first
      ? [
          [a, b],
          [b, a],
        ]
      : [
          [b, a],
          [a, b],
        ]) {
      const crosswise = [
        nameScore(config, weights, 'familyName', x.name.family, y.name.given, frequencies),
        nameScore(config, weights, 'givenName', x.name.given, y.name.family, frequencies, salutations),
      ];
      const swapped = crosswise[0].weight + crosswise[1].weight;
      if (swapped > bestWeight && crosswise.every((s) => levelOf(s) !== 'differ')) {
        best = crosswise;
        bestWeight = swapped;
      }
    }
    if (best) return { nameOrder: 'swapped', fields: best };
  }
  return { nameOrder: 'as-given', fields: asGiven };
}

/**
 * Every field compared and weighed; no rule applied yet. With `frequencies`, a name that agrees
 * exactly weighs by how common it is (name-frequencies.ts).
 */
export function scorePair(
  config: MatchConfig,
  a: MatchRecord,
  b: MatchRecord,
  frequencies?: NameFrequencies,
): PairScore {
  const weights = weightsOf(config);
  const names = scoreNames(config, weights, a, b, frequencies);
  const fields = [
    ...names.fields,
    fieldScore(weights, 'birthDate', compareBirthDates(a.birthDate, b.birthDate)),
    fieldScore(weights, 'address', compareAddresses(a.addresses, b.addresses)),
    fieldScore(weights, 'email', compareEmails(a.emails, b.emails)),
    fieldScore(weights, 'phone', comparePhones(a.phones, b.phones)),
    fieldScore(weights, 'nationalId', compareNationalIds(a.nationalIds, b.nationalIds)),
  ];
  const conflicts: PairScore['conflicts'] = [];
  let totalWeight = 0;
  for (const score of fields) {
    totalWeight += score.weight;
    if ((score.field === 'givenName' || score.field === 'birthDate') && levelOf(score) === 'differ')
      conflicts.push(score.field);
  }
  return { nameOrder: names.nameOrder, fields, conflicts, totalWeight };
}

const round = (n: number) => Math.round(n * 100) / 100;
const conflictWords = (field: string) => (field === 'givenName' ? 'given names' : 'birth dates');

/**
 * Agreement no one in a household shares: a national id the same or one typo apart. Twins and a
 * father and son of one name each have their own, so with it one conflicting field is a data error,
 * not another member of the family. A mobile number does not count: a child's records often carry
 * a parent's.
 */
function personalAgreement(score: PairScore): FieldScore | undefined {
  return score.fields.find(
    (s) => s.field === 'nationalId' && ['exact', 'one-digit-off'].includes(levelOf(s)),
  );
}

function byWeights(config: MatchConfig, score: PairScore): RuleResult {
  const { totalWeight: total, conflicts } = score;
  const thresholds = `link ≥ ${config.linkThreshold}, review ≥ ${config.reviewThreshold}`;
  if (conflicts.length >= 2)
    return {
      rule: 'conflicting-given-name-and-birth-date',
      outcome: 'apart',
      summary: `given name and birth date both differ: two people (total ${round(total)} bits)`,
    };
  let outcome: MatchOutcome =
    total >= config.linkThreshold ? 'link' : total >= config.reviewThreshold ? 'review' : 'apart';
  let summary = `total ${round(total)} bits (${thresholds}): ${outcome}`;
  if (outcome === 'link' && conflicts.length === 1) {
    const personal = personalAgreement(score);
    if (personal === undefined) {
      outcome = 'review';
      summary = `total ${round(total)} bits (${thresholds}) would link, but the ${conflictWords(conflicts[0])} differ: review`;
    } else {
      const agrees = `the national id agrees${levelOf(personal) === 'exact' ? '' : ' but for one digit'}`;
      summary = `total ${round(total)} bits (${thresholds}): link; the ${conflictWords(conflicts[0])} differ, but ${agrees}`;
    }
  }
  return { rule: 'weights', outcome, summary };
}

function applyRules(config: MatchConfig, a: MatchRecord, b: MatchRecord, score: PairScore): RuleResult {
  const { conflicts } = score;
  const levels = score.fields.map((s) => ({ field: s.field, level: levelOf(s) }));
  let result = identifierRules(a, b) ?? emailRule(a, b, levels, conflicts);
  if (result === undefined) {
    result = byWeights(config, score);
    if (a.emails.some((x) => b.emails.some((y) => y.mailbox === x.mailbox))) {
      const why =
        conflicts.length > 0
          ? `the ${conflicts.map(conflictWords).join(' and ')} differ`
          : 'neither given name nor birth date agrees';
      result.summary = `the shared mailbox does not decide, as ${why}; ${result.summary}`;
    }
  }
  return result;
}

function evidence(config: MatchConfig, score: FieldScore): ComparisonEvidence {
  const { field, compared, weight } = score;
  if (compared === undefined) return { field, level: 'missing', weight: 0 };
  const { m, u } = (config.levels[field] as Record<string, LevelProbability>)[compared.level];
  const shown: ComparisonEvidence = {
    field,
    level: compared.level,
    m,
    u: score.u ?? u,
    weight,
    values: compared.values(),
  };
  if (compared.note !== undefined) shown.note = compared.note;
  return shown;
}

function decision(
  config: MatchConfig,
  a: MatchRecord,
  b: MatchRecord,
  score: PairScore,
  result: RuleResult,
): MatchDecision {
  const explanation: MatchExplanation = {
    rule: result.rule,
    summary: result.summary,
    comparisons: score.fields.map((s) => evidence(config, s)),
    nameOrder: score.nameOrder,
    conflicts: score.conflicts,
    totalWeight: round(score.totalWeight),
    thresholds: { link: config.linkThreshold, review: config.reviewThreshold },
  };
  return { a: a.ref, b: b.ref, outcome: result.outcome, explanation };
}

export function decidePair(
  config: MatchConfig,
  a: MatchRecord,
  b: MatchRecord,
  frequencies?: NameFrequencies,
): MatchDecision {
  const score = scorePair(config, a, b, frequencies);
  return decision(config, a, b, score, applyRules(config, a, b, score));
}

/**
 * What the index needs of a pair, explained only where someone will read it: links and reviews
 * come with their explanation; a pair kept apart on contradicting evidence only as such, and one
 * kept apart for want of evidence not at all. Most candidate pairs are strangers who share a
 * blocking key, and explaining each would cost more than deciding it (decidePair explains any pair).
 */
export type Screened = MatchDecision | 'contradiction' | undefined;

export function screenPair(
  config: MatchConfig,
  a: MatchRecord,
  b: MatchRecord,
  frequencies?: NameFrequencies,
): Screened {
  const score = scorePair(config, a, b, frequencies);
  const result = applyRules(config, a, b, score);
  if (result.outcome !== 'apart') return decision(config, a, b, score, result);
  return result.rule !== 'weights' || score.conflicts.length > 0 ? 'contradiction' : undefined;
}
