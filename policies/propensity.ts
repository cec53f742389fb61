/**
 * Learned propensity: how likely a customer of a segment is to respond to a card, from what customers of
 * that segment did with the card's earlier decisions. The card's own `score.propensity` is the prior
 * belief; the response counts move it, as the mean of a Beta distribution does:
 *
 *   propensity = (positive + prior × k) / (delivered + k)
 *
 * k (the prior's strength, default 20) says how many deliveries the prior is worth: after 20 deliveries
 * the evidence and the prior weigh the same, so one lucky click on the first delivery cannot make a card
 * win every arbitration; k = 0 trusts the counts alone once there are any. The segment is the golden record's `customer.segment`, or "*" when it has none.
 *
 * The engine reads the counts synchronously while it decides. The response ledger implements
 * PropensitySource over the hub store (delivered decisions and positive responses: accepted, clicked,
 * converted); InMemoryPropensitySource is the same in memory, for tests and replays.
 */

export interface ResponseCounts {
  delivered: number;
  positive: number;
}

export interface PropensitySource {
  counts(policyId: string, segment: string): ResponseCounts | undefined;
}

/** The propensity a score used and where it came from, for the arbitration's explanation. */
export interface LearnedPropensity {
  propensity: number;
  /** the card's `score.propensity` that the counts moved */
  prior: number;
  delivered: number;
  positive: number;
  segment: string;
  /** the prior's strength in deliveries */
  k: number;
}

export const DEFAULT_PRIOR_STRENGTH = 20;
/** the segment of a customer whose golden record names none */
export const ANY_SEGMENT = '*';

/** The segment the counts are kept under: `customer.segment` when it is a non-empty text, else "*". */
export function segmentOf(customer: Record<string, unknown> | undefined): string {
  const segment = customer?.segment;
  return typeof segment === 'string' && segment.trim() !== '' ? segment.trim() : ANY_SEGMENT;
}

/**
 * The learned propensity of a card in a segment, or undefined while nothing was delivered there (the
 * prior stands as it is). Counts that are not whole non-negative numbers count as 0, and more positive
 * responses than deliveries (a response whose delivery was not recorded) count as many as delivered,
 * so the rate stays between 0 and 1.
 */
export function learnedPropensity(
  counts: ResponseCounts | undefined,
  prior: number,
  segment: string,
  k: number = DEFAULT_PRIOR_STRENGTH,
): LearnedPropensity | undefined {
  if (!counts) return undefined;
  const delivered = wholeCount(counts.delivered);
  if (delivered === 0) return undefined;
  const positive = Math.min(wholeCount(counts.positive), delivered);
  return {
    propensity: (positive + prior * k) / (delivered + k),
    prior,
    delivered,
    positive,
    segment,
    k,
  };
}

function wholeCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** Response counts per card and segment, in memory. */
export class InMemoryPropensitySource implements PropensitySource {
  private readonly byKey = new Map<string, ResponseCounts>();

  counts(policyId: string, segment: string): ResponseCounts | undefined {
    const found = this.byKey.get(keyOf(policyId, segment));
    return found && { ...found };
  }

  recordDelivered(policyId: string, segment: string = ANY_SEGMENT): void {
    this.entry(policyId, segment).delivered += 1;
  }

  recordPositive(policyId: string, segment: string = ANY_SEGMENT): void {
    this.entry(policyId, segment).positive += 1;
  }

  private entry(policyId: string, segment: string): ResponseCounts {
    const key = keyOf(policyId, segment);
    let found = this.byKey.get(key);
    if (!found) {
      found = { delivered: 0, positive: 0 };
      this.byKey.set(key, found);
    }
    return found;
  }
}

// U+001F cannot occur in a kebab-case policy id, so no two pairs share a key.
function keyOf(policyId: string, segment: string): string {
  return `${policyId}\u001f${segment}`;
}
