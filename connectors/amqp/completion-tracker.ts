/**
 * Acknowledge an AMQP message only once the whole Node-RED flow has handled it (at-least-once instead of
 * ack-on-send). The glue reports every send and every done() for the message; when nothing is in flight
 * any more the message is acked, or failed with the errors the nodes reported: a message of several
 * records (an IDoc packet) names each bad one, not only the first, so one fix and one replay suffice.
 */
export interface Settler {
  ack(): void;
  fail(reason: string): void;
  /** the flow did not finish in time; without this, a time-out is a failure like any other */
  timedOut?(reason: string): void;
  /**
   * the flow failed because the bus was away (a transient failure, see `completed`): the message is
   * not at fault and should come again; without this, it is a failure like any other
   */
  retry?(reason: string): void;
  /**
   * a copy of the message went to a node that is stopped (a full stop or a redeploy stops the nodes
   * under it), and Node-RED drops what reaches a stopped node: the message can never complete, so
   * nothing waits for it any longer; without this, it waits for the time-out as before
   */
  dropped?(reason: string): void;
}

/** the most errors one reason names; a packet of thousands of bad records names these and a count */
const MAX_REASONS = 10;

interface Entry {
  settle: Settler;
  pending: number;
  /** sends whose delivery has not arrived yet; a receive beyond these came without a send */
  undelivered: number;
  /** the distinct errors that say something about the message, in the order they came */
  errors: string[];
  /** errors past MAX_REASONS */
  more: number;
  /** the first transient error (the bus was away) */
  away?: string;
  /** the first error was transient */
  transient?: boolean;
  timer: NodeJS.Timeout;
  /** told how the message ended: acked (true) or not (false) */
  listeners?: ((acked: boolean) => void)[];
}

function reasonOf(entry: Entry): string | undefined {
  if (entry.transient || entry.errors.length === 0) return entry.away;
  const more = entry.more > 0 ? `; and ${entry.more} more` : '';
  return entry.errors.join('; ') + more;
}

export class CompletionTracker {
  private readonly entries = new Map<string, Entry>();

  track(id: string, settle: Settler, timeoutMs: number): void {
    if (typeof id !== 'string' || id === '')
      throw new TypeError('CompletionTracker.track: id must be a non-empty string');
    if (typeof settle?.ack !== 'function' || typeof settle.fail !== 'function') {
      throw new TypeError('CompletionTracker.track: settle must have ack() and fail(reason)');
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(
        `CompletionTracker.track: timeoutMs must be a positive number, got ${String(timeoutMs)}`,
      );
    }
    if (this.entries.has(id)) throw new Error(`CompletionTracker.track: message '${id}' is already tracked`);
    const timer = setTimeout(() => this.finish(id, `not completed within ${timeoutMs} ms`, true), timeoutMs);
    // A stuck flow must not keep the process alive on shutdown.
    timer.unref();
    this.entries.set(id, { settle, pending: 0, undelivered: 0, errors: [], more: 0, timer });
  }

  sent(id: string, destinations: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (!Number.isInteger(destinations) || destinations < 0) {
      throw new RangeError(
        `CompletionTracker.sent: destinations must be a non-negative integer, got ${destinations}`,
      );
    }
    entry.pending += destinations;
    entry.undelivered += destinations;
  }

  /**
   * A node got the message. Most deliveries follow a send already counted; a node handed the message
   * directly (a link call to its link in, a link out to its link ins, a Catch or Complete node) was
   * not sent it and still calls done(), so that delivery counts now, or the message would be settled
   * while those nodes still work on it.
   */
  received(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.undelivered > 0) entry.undelivered -= 1;
    else entry.pending += 1;
  }

  /** `transient`: the error says nothing about the message (the bus was away while the flow ran) */
  completed(id: string, error?: string, transient = false): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (error !== undefined) {
      // the first error decides whether the message is at fault (see Settler.retry)
      if (entry.errors.length === 0 && entry.away === undefined) entry.transient = transient;
      if (transient) entry.away ??= error;
      else if (entry.errors.includes(error)) {
        // the same reason for two records is said once
      } else if (entry.errors.length < MAX_REASONS) entry.errors.push(error);
      else entry.more += 1;
    }
    entry.pending -= 1;
    if (entry.pending <= 0) this.finish(id, reasonOf(entry));
  }

  /**
   * A copy of the message reached (or was routed to) a node that is stopped: it will never report
   * done, so the message is given up at once, unsettled by the flow (`Settler.dropped`), and whatever
   * else reports on it later is ignored. A settler without `dropped` keeps waiting for its time-out.
   */
  dropped(id: string, reason: string): void {
    const entry = this.entries.get(id);
    if (!entry?.settle.dropped) return;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    entry.settle.dropped(reason);
    tell(entry, false);
  }

  /** Called right after the source node emitted: a message that went nowhere (no wires) is done. */
  settleIfIdle(id: string): void {
    const entry = this.entries.get(id);
    if (entry && entry.pending <= 0) this.finish(id, reasonOf(entry));
  }

  /**
   * `listener(true)` once the message is acked, `false` once it ends any other way (failed, timed out,
   * retried, dropped, forgotten on shutdown): a node that handed something on for it learns whether
   * that reached its end. False when the message is not tracked (the listener is never called).
   */
  whenSettled(id: string, listener: (acked: boolean) => void): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    (entry.listeners ??= []).push(listener);
    return true;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  size(): number {
    return this.entries.size;
  }

  /** Shutdown: forget everything without settling; unacked messages go back to the broker's queue. */
  clear(): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      tell(entry, false);
    }
  }

  private finish(id: string, error: string | undefined, timedOut = false): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    if (error === undefined) entry.settle.ack();
    else if (timedOut && entry.settle.timedOut) entry.settle.timedOut(error);
    else if (entry.transient && entry.settle.retry) entry.settle.retry(error);
    else entry.settle.fail(error);
    tell(entry, error === undefined);
  }
}

function tell(entry: Entry, acked: boolean): void {
  for (const listener of entry.listeners ?? []) listener(acked);
}
