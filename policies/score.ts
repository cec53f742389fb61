/**
 * A card's score for arbitration: score = propensity × value × weight, as Pega's P × V × L.
 *
 *   score:
 *     propensity: 0.05          # the expected response rate before any response was seen (0 < p <= 1)
 *     value: customer.clv       # what a response is worth: a number, or a customer or event field
 *     weight: 1.5               # the marketers' lever, 1 when left out
 *
 * The card's propensity is the prior; once responses are recorded, the learned rate in the customer's
 * segment replaces it (passed in by the caller, see policies/propensity.ts), so a card is ranked by
 * evidence as soon as there is some, and the result says which of the two it used.
 */
import { compileGetter, parsePath } from '../mappings/path';
import { moneyValue } from './expression';
import type { LearnedPropensity } from './propensity';

export interface ScoreSpec {
  propensity: number;
  value: number | string;
  weight?: number;
}

export interface ScoreResult {
  score: number;
  propensity: number;
  value: number;
  weight: number;
  /**
   * Only present when the propensity was learned, not the card's prior: the prior it replaced and, when
   * the caller gave them, the response counts it was learned from.
   */
  learned?: { prior: number } & Partial<Omit<LearnedPropensity, 'propensity' | 'prior'>>;
}

export interface CompiledScore {
  /** the prior propensity from the card */
  propensity: number;
  /** a fixed value, or the field it is read from */
  value: number | { path: string };
  weight: number;
  /** scope is { customer, event }; a learned propensity, when given, replaces the card's prior */
  compute(scope: unknown, learnedPropensity?: number | LearnedPropensity): ScoreResult;
}

export class ScoreError extends Error {
  constructor(
    /** the key under `score` */
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScoreError';
  }
}

const SCORE_KEYS = ['propensity', 'value', 'weight'];

export function compileScore(spec: unknown): CompiledScore {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ScoreError('', 'must be { propensity: 0.05, value: 450, weight: 1 }');
  }
  for (const key of Object.keys(spec)) {
    if (!SCORE_KEYS.includes(key))
      throw new ScoreError(key, `unknown field (allowed: ${SCORE_KEYS.join(', ')})`);
  }
  const { propensity, value, weight = 1 } = spec as Record<string, unknown>;
  if (typeof propensity !== 'number' || !(propensity > 0 && propensity <= 1)) {
    throw new ScoreError(
      'propensity',
      `must be a number above 0 and at most 1, got ${JSON.stringify(propensity)}`,
    );
  }
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw new ScoreError('weight', `must be a number of at least 0, got ${JSON.stringify(weight)}`);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ScoreError('value', `must be a number of at least 0 or a field, got ${value}`);
    }
    return {
      propensity,
      value,
      weight,
      compute: (_scope, learned) => result(propensity, learned, value, weight),
    };
  }
  if (typeof value !== 'string' || !/^(customer|event)\./.test(value.trim())) {
    throw new ScoreError(
      'value',
      `must be a number or a field starting with customer. or event., got ${JSON.stringify(value)}`,
    );
  }
  const path = value.trim();
  let get: (scope: unknown) => unknown;
  try {
    get = compileGetter(parsePath(path));
  } catch (error) {
    throw new ScoreError('value', (error as Error).message);
  }
  return {
    propensity,
    value: { path },
    weight,
    compute: (scope, learned) => {
      const read = moneyValue(get(scope));
      // A customer without the field is worth nothing to this card rather than breaking arbitration.
      const amount = typeof read === 'number' && Number.isFinite(read) && read > 0 ? read : 0;
      return result(propensity, learned, amount, weight);
    },
  };
}

function result(
  prior: number,
  learned: number | LearnedPropensity | undefined,
  value: number,
  weight: number,
): ScoreResult {
  if (learned === undefined) return { score: prior * value * weight, propensity: prior, value, weight };
  if (typeof learned === 'number') {
    return { score: learned * value * weight, propensity: learned, value, weight, learned: { prior } };
  }
  const { propensity, delivered, positive, segment, k } = learned;
  return {
    score: propensity * value * weight,
    propensity,
    value,
    weight,
    learned: { prior, delivered, positive, segment, k },
  };
}
