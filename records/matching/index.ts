/** Matching customer records to one another: the floor the golden record's identity builds on. */
export { blockingKeys, candidatePairs, BlockIndex, type BlockingKeys } from './blocking';
export { LinkClusters } from './clusters';
export { decidePair, scorePair, type FieldScore, type PairScore } from './decide-pair';
export { matchInputFromCustomer, NATIONAL_ID_SYSTEMS } from './from-customer';
export {
  DEFAULT_MATCH_CONFIG,
  matchConfig,
  type MatchConfig,
  type MatchConfigOverrides,
} from './match-config';
export type {
  ComparisonEvidence,
  DecisionRule,
  MatchDecision,
  MatchExplanation,
  MatchOutcome,
} from './match-decision';
export { MatchIndex, linkRecords, type AddResult, type LinkResult } from './match-index';
export {
  DEFAULT_NAME_FREQUENCY_PRIOR,
  NameCounts,
  type NameField,
  type NameFrequencies,
} from './name-frequencies';
export {
  DEFAULT_NORMALIZE_OPTIONS,
  normalizeRecord,
  type MatchInput,
  type MatchRecord,
  type NormalizeOptions,
} from './match-record';
export { MATCH_LEVELS, levelWeight, type LevelProbability, type MatchField } from './weights';
