import { withTimeout } from '../formats/with-timeout';
import { STORE_WAIT_MS, StoreUnavailableError } from './store-unavailable';

export interface OpenableStore {
  open(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOpeningOptions<S extends OpenableStore> {
  /** a fresh store for each attempt (a pool that failed to connect is not used again) */
  make(): S;
  /** an attempt failed; the next one comes after delayMs */
  onRetry(delayMs: number, error: unknown): void;
  /** the message of the StoreUnavailableError a caller gets while the store is not open */
  notOpen: string;
  /** its message once the store was closed before it opened */
  closed: string;
  /** the first pause between attempts, doubled up to maxDelayMs; 2 s and 30 s */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** how long a caller waits while the first attempt still runs; STORE_WAIT_MS */
  waitMs?: number;
}

/**
 * A store opening with backoff until its database is there, and who waits for it. A queue consumer
 * awaits `ready`, so its messages wait for a database that is not up yet rather than fail (and do not
 * spin on redeliveries); a caller that waits for an answer asks `forCaller()`, which fails at once
 * while the store retries (as the REST API answers 503 then) and after waitMs while the first attempt
 * still runs. `close()` stops the attempts and fails every waiter, so a redeploy leaves none hanging.
 */
export class StoreOpening<S extends OpenableStore> {
  readonly ready: Promise<S>;
  /** the store of the latest attempt: the open one once `ready` resolved */
  store: S;
  private state: 'opening' | 'retrying' | 'open' | 'closed' = 'opening';
  private lastFailure: unknown;
  private timer: NodeJS.Timeout | undefined;
  private rejectReady: (err: Error) => void = () => undefined;
  private failOpening: (err: Error) => void = () => undefined;
  /** rejects when the first attempt fails, so a caller that came meanwhile learns of it at once */
  private readonly openingFailed: Promise<never>;

  constructor(private readonly options: StoreOpeningOptions<S>) {
    this.store = options.make();
    this.openingFailed = new Promise<never>((_resolve, reject) => (this.failOpening = reject));
    this.openingFailed.catch(() => undefined);
    this.ready = new Promise<S>((resolve, reject) => {
      this.rejectReady = reject;
      const attempt = (delayMs: number) => {
        const store = this.store;
        store.open().then(
          () => {
            // closed while this attempt ran: nobody else closes the store now
            if (this.state === 'closed') {
              void store.close().catch(() => undefined);
              return;
            }
            this.state = 'open';
            resolve(store);
          },
          (err: unknown) => {
            if (this.state === 'closed') return;
            this.state = 'retrying';
            this.lastFailure = err;
            this.failOpening(this.notOpen());
            options.onRetry(delayMs, err);
            void store.close().catch(() => undefined);
            this.store = options.make();
            this.timer = setTimeout(
              () => attempt(Math.min(delayMs * 2, options.maxDelayMs ?? 30000)),
              delayMs,
            );
          },
        );
      };
      attempt(options.firstDelayMs ?? 2000);
    });
    // each user awaits ready and fails with the reason itself
    this.ready.catch(() => undefined);
  }

  /** The store for a caller that waits for an answer, or a StoreUnavailableError in a bounded time. */
  forCaller(): Promise<S> {
    switch (this.state) {
      case 'open':
        return this.ready;
      case 'opening':
        return withTimeout(
          Promise.race([this.ready, this.openingFailed]),
          this.options.waitMs ?? STORE_WAIT_MS,
          () => this.notOpen(),
        );
      case 'retrying':
        return Promise.reject(this.notOpen());
      case 'closed':
        return Promise.reject(new StoreUnavailableError(this.options.closed));
    }
  }

  /** Stops the attempts and fails whoever still waits; returns the store, to close once its users left. */
  close(): S {
    if (this.state !== 'open') this.rejectReady(new StoreUnavailableError(this.options.closed));
    this.state = 'closed';
    clearTimeout(this.timer);
    return this.store;
  }

  private notOpen(): StoreUnavailableError {
    const cause = this.lastFailure;
    return new StoreUnavailableError(this.options.notOpen, cause === undefined ? undefined : { cause });
  }
}
