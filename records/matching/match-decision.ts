/** What matching says about a pair of records, and why. */
import type { MatchField } from './weights';

export type MatchOutcome = 'link' | 'review' | 'apart';

/** One field's comparison: its level, probabilities and weight in bits. */
export interface ComparisonEvidence {
  field: MatchField;
  /** a level of weights.ts, or "missing" when a side has no value (weight 0) */
  level: string;
  m?: number;
  u?: number;
  weight: number;
  /** the values compared, as normalised; national ids masked */
  values?: [string, string];
  /** why the level is not what the spellings alone suggest ("the male and female form of one name") */
  note?: string;
}

export type DecisionRule =
  /** deterministic: both records hold the same (system, id) */
  | 'shared-identifier'
  /** deterministic: the same checked tax or national id */
  | 'national-id'
  /** deterministic: two different checked ids of one scheme are two people */
  | 'national-id-conflict'
  /** deterministic: the same mailbox, and neither given name nor birth date contradicts it */
  | 'email'
  /** given name and birth date both contradict: two people, whatever else they share */
  | 'conflicting-given-name-and-birth-date'
  /** Fellegi-Sunter: the total weight against the thresholds */
  | 'weights';

export interface MatchExplanation {
  rule: DecisionRule;
  /** one sentence a data steward can read */
  summary: string;
  comparisons: ComparisonEvidence[];
  /** "swapped" when given and family name agree crosswise (one source swapped them) */
  nameOrder: 'as-given' | 'swapped';
  /** fields that contradict a match outright; one of them holds a link back to review */
  conflicts: ('givenName' | 'birthDate')[];
  totalWeight: number;
  thresholds: { link: number; review: number };
}

export interface MatchDecision {
  a: string;
  b: string;
  outcome: MatchOutcome;
  explanation: MatchExplanation;
}
