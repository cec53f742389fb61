/**
 * What a deployment may tune: the two thresholds on the total match weight (in bits), the most
 * records one blocking key collects (blocking.ts) and, for a data set that differs from the usual,
 * the m/u probabilities of any level.
 *
 *   total ≥ linkThreshold                    → link
 *   reviewThreshold ≤ total < linkThreshold  → review (a data steward decides)
 *   total < reviewThreshold                  → keep apart
 *
 * The defaults: link at 16 bits, review from 14. Agreeing given and family names alone earn about
 * 13.6 bits, which strangers of a common name reach too, so names alone are kept apart; names with
 * an agreeing birth date (≥ 25 bits), address (≈ 20) or mobile number (≈ 25) link; names with only
 * weak support (a similar e-mail, the same postal code) go to review. The thresholds were set on a
 * generated population of another seed than the benchmark's (bench/matching.ts).
 */
import { DEFAULT_NAME_FREQUENCY_PRIOR } from './name-frequencies';
import { MATCH_LEVELS, type LevelProbability, type MatchField, type MatchLevels } from './weights';

export interface MatchConfig {
  linkThreshold: number;
  reviewThreshold: number;
  /** records a blocking key collects at most; see blocking.ts */
  maxBlockSize: number;
  /**
   * how many records a name's observed share is counted against on top of the records seen
   * (name-frequencies.ts); Infinity leaves the static u of every name as it is
   */
  nameFrequencyPrior: number;
  levels: MatchLevels;
}

export interface MatchConfigOverrides {
  linkThreshold?: number;
  reviewThreshold?: number;
  maxBlockSize?: number;
  nameFrequencyPrior?: number;
  /** per field and level, the probabilities to replace */
  levels?: { [F in MatchField]?: Partial<Record<keyof MatchLevels[F], Pick<LevelProbability, 'm' | 'u'>>> };
}

/**
 * see blocking.ts. Above the blocks real keys make (at 1,000,000 generated people one block reached
 * it; with a cap of 100, 186 did and no quality figure moved), so it bites on placeholder values,
 * where it keeps each record's comparisons bounded instead of growing with every record sharing one.
 */
export const DEFAULT_MAX_BLOCK_SIZE = 200;

export const DEFAULT_MATCH_CONFIG: MatchConfig = {
  linkThreshold: 16,
  reviewThreshold: 14,
  maxBlockSize: DEFAULT_MAX_BLOCK_SIZE,
  nameFrequencyPrior: DEFAULT_NAME_FREQUENCY_PRIOR,
  levels: MATCH_LEVELS,
};

function checkProbability(where: string, p: number): void {
  if (!(p > 0 && p <= 1)) throw new RangeError(`match config: ${where} must be in (0, 1], got ${p}`);
}

export function matchConfig(overrides: MatchConfigOverrides = {}): MatchConfig {
  const linkThreshold = overrides.linkThreshold ?? DEFAULT_MATCH_CONFIG.linkThreshold;
  const reviewThreshold = overrides.reviewThreshold ?? DEFAULT_MATCH_CONFIG.reviewThreshold;
  if (!Number.isFinite(linkThreshold) || !Number.isFinite(reviewThreshold) || reviewThreshold > linkThreshold)
    throw new RangeError(
      `match config: need finite thresholds with reviewThreshold ≤ linkThreshold, got ${reviewThreshold} and ${linkThreshold}`,
    );
  const maxBlockSize = overrides.maxBlockSize ?? DEFAULT_MATCH_CONFIG.maxBlockSize;
  if (!(Number.isInteger(maxBlockSize) && maxBlockSize >= 2) && maxBlockSize !== Number.POSITIVE_INFINITY)
    throw new RangeError(
      `match config: maxBlockSize must be a whole number ≥ 2 (or Infinity), got ${maxBlockSize}`,
    );
  const nameFrequencyPrior = overrides.nameFrequencyPrior ?? DEFAULT_MATCH_CONFIG.nameFrequencyPrior;
  if (!(nameFrequencyPrior > 0))
    throw new RangeError(
      `match config: nameFrequencyPrior must be a positive number of records (or Infinity), got ${nameFrequencyPrior}`,
    );
  const levels = structuredClone(MATCH_LEVELS) as MatchLevels;
  for (const [field, fieldOverrides] of Object.entries(overrides.levels ?? {})) {
    const target = (levels as Record<string, Record<string, LevelProbability>>)[field];
    if (target === undefined) throw new RangeError(`match config: unknown field ${field}`);
    for (const [level, probability] of Object.entries(fieldOverrides ?? {})) {
      if (target[level] === undefined) throw new RangeError(`match config: unknown level ${field}.${level}`);
      const { m, u } = probability as Pick<LevelProbability, 'm' | 'u'>;
      checkProbability(`${field}.${level}.m`, m);
      checkProbability(`${field}.${level}.u`, u);
      target[level] = { ...target[level], m, u };
    }
  }
  return { linkThreshold, reviewThreshold, maxBlockSize, nameFrequencyPrior, levels };
}
