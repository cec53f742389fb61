import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from './clock';

/**
 * Camel's circuit breaker, protocol-free, so the SOAP client and a REST client share it. Time comes from
 * an injectable clock so tests never sleep.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** consecutive failures that open the circuit */
  failureThreshold: number;
  /** how long the circuit stays open before trial calls are let through */
  resetTimeoutMs: number;
  /** trial calls allowed at once in half-open; all must succeed to close again */
  halfOpenMaxCalls?: number;
  /** which errors count as the endpoint failing; a client mistake (SOAP Client fault, 4xx) does not */
  isFailure?: (err: unknown) => boolean;
  clock?: Clock;
  /** for messages: usually the endpoint URL */
  name?: string;
}

export class CircuitOpenError extends Error {
  /** what failed, for a switch after a Catch node; own properties, so Node-RED copies `code` to msg.error */
  readonly kind = 'circuit-open';
  readonly code = 'circuit-open';
  constructor(
    readonly circuit: string,
    /** epoch ms when trial calls are let through again; undefined while half-open trials are busy */
    readonly retryAt: number | undefined,
  ) {
    super(
      retryAt === undefined
        ? `circuit ${circuit} is half-open and its trial calls are busy; call rejected without contacting the endpoint`
        : `circuit ${circuit} is open after repeated failures; call rejected without contacting the endpoint until ${new Date(retryAt).toISOString()}`,
    );
    this.name = 'CircuitOpenError';
  }
}

export interface CircuitBreakerEvents {
  state: [state: CircuitState, previous: CircuitState];
}

/**
 * closed → (failureThreshold consecutive failures) → open → (resetTimeoutMs) → half-open →
 * (halfOpenMaxCalls successes) → closed, or (one failure) → open again. Emits 'state' on each change.
 */
export class CircuitBreaker extends EventEmitter<CircuitBreakerEvents> {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialsInFlight = 0;
  private trialSuccesses = 0;
  private timer: unknown;
  private readonly clock: Clock;
  private readonly halfOpenMaxCalls: number;
  private readonly isFailure: (err: unknown) => boolean;
  readonly name: string;

  constructor(private readonly options: CircuitBreakerOptions) {
    super();
    if (!(options.failureThreshold >= 1)) throw new Error('circuit breaker: failureThreshold must be >= 1');
    if (!(options.resetTimeoutMs >= 0)) throw new Error('circuit breaker: resetTimeoutMs must be >= 0');
    this.clock = options.clock ?? systemClock;
    this.halfOpenMaxCalls = Math.max(1, options.halfOpenMaxCalls ?? 1);
    this.isFailure = options.isFailure ?? (() => true);
    this.name = options.name ?? 'endpoint';
  }

  get state(): CircuitState {
    // the timer may not have fired yet under a lazy clock; the time decides
    if (this.current === 'open' && this.clock.now() >= this.openedAt + this.options.resetTimeoutMs) {
      this.transition('half-open');
    }
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  async call<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open') throw new CircuitOpenError(this.name, this.openedAt + this.options.resetTimeoutMs);
    const trial = state === 'half-open';
    if (trial) {
      if (this.trialsInFlight >= this.halfOpenMaxCalls) throw new CircuitOpenError(this.name, undefined);
      this.trialsInFlight += 1;
    }
    try {
      const value = await fn();
      this.onSuccess(trial);
      return value;
    } catch (err) {
      // the endpoint answered, so it is alive: a client fault still counts as a success here
      if (this.isFailure(err)) this.onFailure(trial);
      else this.onSuccess(trial);
      throw err;
    } finally {
      if (trial) this.trialsInFlight = Math.max(0, this.trialsInFlight - 1);
    }
  }

  /** Stops the reset timer; call when the owner (a node) closes. */
  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.removeAllListeners();
  }

  private onSuccess(trial: boolean): void {
    this.failures = 0;
    if (!trial || this.current !== 'half-open') return;
    this.trialSuccesses += 1;
    if (this.trialSuccesses >= this.halfOpenMaxCalls) this.transition('closed');
  }

  private onFailure(trial: boolean): void {
    if (trial) {
      if (this.current === 'half-open') this.open();
      return;
    }
    this.failures += 1;
    if (this.current === 'closed' && this.failures >= this.options.failureThreshold) this.open();
  }

  private open(): void {
    this.openedAt = this.clock.now();
    this.transition('open');
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.state;
    }, this.options.resetTimeoutMs);
  }

  private transition(next: CircuitState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    if (next === 'closed') this.failures = 0;
    if (next === 'half-open') {
      this.trialsInFlight = 0;
      this.trialSuccesses = 0;
    }
    this.emit('state', next, previous);
  }
}
