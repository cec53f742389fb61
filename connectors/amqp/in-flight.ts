/**
 * The deliveries a consumer handed to its handler that are not settled yet (n8n's MessageTracker).
 * A consumer being cancelled first stops new deliveries (basic.cancel), then waits here for these
 * before its channel closes: closing the channel hands them back to the queue while the flow is still
 * working on them, and whoever consumes the queue next would handle them a second time.
 */
export class InFlight {
  private readonly waiting = new Set<object>();
  private readonly settling = new Set<Promise<unknown>>();
  private wakers: (() => void)[] = [];

  get size(): number {
    return this.waiting.size + this.settling.size;
  }

  add(delivery: object): void {
    this.waiting.add(delivery);
  }

  /** settled at once (ack, requeue) */
  settled(delivery: object): void {
    if (this.waiting.delete(delivery)) this.wake();
  }

  /**
   * Settling takes a round trip (dead-lettering publishes, waits for the confirm, then acks). Once it
   * has begun the drain waits for it past its bound: cutting it off would ack nothing and leave a copy
   * in the dead-letter queue and one back in the queue.
   */
  settleWith(delivery: object, work: Promise<unknown>): void {
    if (!this.waiting.delete(delivery)) return;
    const tracked = work.then(
      () => undefined,
      () => undefined,
    );
    this.settling.add(tracked);
    void tracked.then(() => {
      this.settling.delete(tracked);
      this.wake();
    });
  }

  /** The channel is gone: nothing can be acked on it any more; the broker redelivers the rest. */
  clear(): void {
    this.waiting.clear();
    this.wake();
  }

  /**
   * Resolves once nothing is waiting to be settled, or after boundMs, whichever comes first, and then
   * once the settlements already under way finished. True when everything settled.
   */
  async drain(boundMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, boundMs);
      // A stuck flow must not keep the process alive on shutdown.
      timer.unref();
    });
    while (this.waiting.size > 0 && !timedOut) {
      await Promise.race([bound, new Promise<void>((resolve) => this.wakers.push(resolve))]);
    }
    clearTimeout(timer);
    await Promise.all([...this.settling]);
    return this.waiting.size === 0;
  }

  private wake(): void {
    for (const wake of this.wakers.splice(0)) wake();
  }
}
