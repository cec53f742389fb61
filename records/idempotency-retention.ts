import type { HubStore, IdempotencyPruned } from './store';

/**
 * The retention of the idempotency tables: the processed-event ledger (the idempotent consumers'
 * record) and the event digests (what answers `event-id-reused`). Both gain an entry per event and
 * consumer, so without it a hub taking thousands of events a day fills its disk within the year.
 *
 * The trade-off: an entry older than the window is forgotten, so a message redelivered or replayed
 * after it is taken as new and applied again, and an id reused after it is no longer refused. The
 * window must exceed the longest time a message can come back: the dead-letter queue's retention
 * and the replay horizon of whoever replays from it (docs/store.md, README Dead letters).
 */

export const DEFAULT_RETENTION_DAYS = 30;
/** ten years: more is a typo, and the cutoff would reach before 1970 on no clock anyone runs */
export const MAX_RETENTION_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;
/** entries of each kind per store call: a short LMDB write transaction, a short PostgreSQL delete */
export const DEFAULT_BATCH_SIZE = 1000;
/** how often a hub sweeps: the tables hold at most this much more than the window */
export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export class RetentionSettingError extends Error {
  readonly code = 'invalid-retention';
}

/**
 * The window in days from the hub-store's field, else the hub's setting (CRM_HUB_IDEMPOTENCY_RETENTION_DAYS),
 * else 30. A value that is set but no whole number of days from 1 to 3650 throws, naming it: guessing
 * a window could forget ids a replay still needs.
 */
export function retentionDays(field: string | undefined, setting: unknown): number {
  const fromField = (field ?? '').trim();
  const chosen =
    fromField !== '' ? fromField : setting === undefined || setting === '' ? DEFAULT_RETENTION_DAYS : setting;
  const days =
    typeof chosen === 'number' ? chosen : /^\d+$/.test(String(chosen).trim()) ? Number(chosen) : NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
    throw new RetentionSettingError(
      `the idempotency retention must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${JSON.stringify(chosen)}`,
    );
  }
  return days;
}

export interface IdempotencyRetentionOptions {
  days: number;
  /** default DEFAULT_BATCH_SIZE */
  batchSize?: number;
  /** ms since the epoch; Date.now by default */
  now?: () => number;
}

export interface SweepResult extends IdempotencyPruned {
  /** store calls it took */
  batches: number;
}

export class IdempotencyRetention {
  private readonly windowMs: number;
  private readonly batchSize: number;
  private readonly now: () => number;
  private running: Promise<SweepResult> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<HubStore, 'pruneIdempotency'>,
    options: IdempotencyRetentionOptions,
  ) {
    this.windowMs = retentionDays(undefined, options.days) * DAY_MS;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.now = options.now ?? Date.now;
  }

  /**
   * Removes everything recorded before now minus the window, batch after batch until a batch comes
   * back short. A sweep already running is joined, not doubled.
   */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Sweeps now and then every intervalMs until stop(); `report` hears each sweep's result or error
   * (a store that is away now is swept at the next turn).
   */
  start(report: (result: SweepResult | Error) => void, intervalMs = SWEEP_INTERVAL_MS): void {
    if (this.timer) return;
    const run = () =>
      void this.sweep().then(report, (err: unknown) =>
        report(err instanceof Error ? err : new Error(String(err))),
      );
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
    run();
  }

  /** Stops the timer; resolves once a sweep under way is done, so the store can close after it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async sweepOnce(): Promise<SweepResult> {
    const before = new Date(this.now() - this.windowMs).toISOString();
    const total: SweepResult = { processed: 0, digests: 0, batches: 0 };
    for (;;) {
      const { processed, digests } = await this.store.pruneIdempotency(before, this.batchSize);
      total.processed += processed;
      total.digests += digests;
      total.batches += 1;
      if (processed < this.batchSize && digests < this.batchSize) return total;
      // between batches the event loop serves the messages and requests waiting meanwhile
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
