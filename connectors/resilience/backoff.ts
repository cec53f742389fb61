/**
 * Exponential backoff with jitter, the one formula of the hub: the SOAP client's redelivery policy and
 * the bus's reconnect both wait this long, so N hub instances never retry a recovering system in
 * lockstep.
 */
export interface BackoffOptions {
  /** the wait before the first retry */
  baseDelayMs: number;
  maxDelayMs: number;
  /** 0..1: a delay d becomes a random value in [d * (1 - jitter), d]; never longer than configured */
  jitter?: number;
}

// 2^30 × any sane base is past every maximum; beyond it the power overflows to Infinity (0 × ∞ is NaN)
const MAX_DOUBLINGS = 30;

/** The wait before retry number `attempt` (1-based): base · 2^(attempt-1), capped, minus jitter. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const doublings = Math.min(MAX_DOUBLINGS, Math.max(0, attempt - 1));
  const delay = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** doublings);
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0));
  return Math.round(delay * (1 - jitter * random()));
}
