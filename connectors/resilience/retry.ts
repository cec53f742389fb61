import { backoffDelay, type BackoffOptions } from './backoff';

export interface RetryOptions extends BackoffOptions {
  /** retries after the first attempt; 0 = one attempt only */
  retries: number;
  /** only errors for which this returns true are retried; anything else fails at once */
  isTransient: (err: unknown) => boolean;
  /** called before each wait, e.g. for a log line or status */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Camel's redelivery policy: runs fn(attempt) (1-based) until it succeeds, fails with an error that is
 * not transient, or the retries run out; then the last error is thrown as it was.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt > options.retries || !options.isTransient(err)) throw err;
      const delay = backoffDelay(attempt, options, options.random);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}
