import { GOLDEN_EXCHANGE, type Bus } from '../../connectors/amqp/bus';
import { GOLDEN_ID_HEADER } from '../../connectors/amqp/golden-message';
import { EVENT_ID_HEADER } from '../../connectors/amqp/hop-headers';
import { childTraceparent, TRACEPARENT } from '../../connectors/http/trace-context';
import type { GoldenOutboxEntry, GoldenStore } from '../../records/golden-store';

const PAGE = 100;

/**
 * Drains the store's golden outbox onto crm.golden: routing key = the event type (`golden.changed`,
 * `golden.merged`, `golden.unmerged`), message id = the event id (a republished change is the same
 * message to an idempotent consumer), persistent, confirmed. Entries are marked published only up to
 * the first one the broker did not confirm, so a failure never lets a later change overtake an earlier
 * one; what stays is sent again on the next drain (at least once).
 *
 * Each entry goes out on the trace of the message that caused it (its `cause`, written with it in the
 * same transaction): a child of that traceparent, and that message's event id as x-crm-event-id (a
 * steward's merge or unmerge over REST: the request's trace). An entry without one (written before
 * causes were kept) carries its own event id and starts no trace here.
 *
 * Not mandatory: crm.golden is a broadcast, and a change no target subscribes to yet is not an error
 * that should stop the outbox.
 */
export class GoldenPublisher {
  private running: Promise<number> | undefined;
  private again = false;
  /** seqs confirmed by the broker whose mark in the store is not written yet */
  private readonly marking = new Set<number>();
  /**
   * seqs whose mark was written, with the count of marks written by then: a listing that started
   * before that write (PostgreSQL reads a statement as of its start) may still hold them
   */
  private readonly markedRecently = new Map<number, number>();
  private marksWritten = 0;
  /** the marks written one after the other; settles when the last one asked for is written */
  private marked: Promise<void> = Promise.resolve();
  private markFailure: unknown;
  /** ends the loop's wait for its marks when a change asks for a drain meanwhile */
  private wake: (() => void) | undefined;

  constructor(
    private readonly store: GoldenStore,
    private readonly bus: Bus,
  ) {}

  /** Publishes everything waiting; resolves with how many were published, rejects on a failed publish. */
  drain(): Promise<number> {
    if (this.running) {
      this.again = true;
      this.wake?.();
      return this.running;
    }
    const running = this.loop();
    this.running = running;
    return running;
  }

  private async loop(): Promise<number> {
    let published = 0;
    try {
      for (;;) {
        this.again = false;
        this.throwMarkFailure();
        const marksBefore = this.marksWritten;
        // entries confirmed already whose mark is still being written, or was written after this
        // listing started, are not sent twice: the store leaves them out, and under load they are most
        // of the outbox's head; the filter keeps them out whatever a store returns
        const listed = await this.store.listGoldenOutbox(PAGE, this.inHand());
        const entries = listed.filter((e) => !this.marking.has(e.seq) && !this.markedRecently.has(e.seq));
        // no listing from now on can hold what was marked before this one started
        for (const [seq, at] of this.markedRecently) if (at <= marksBefore) this.markedRecently.delete(seq);
        if (entries.length > 0) published += await this.publishPage(entries);
        else if (listed.length === PAGE) await this.marked;
        if (listed.length < PAGE && !this.again) {
          // drain resolves once what it sent is marked; a change committed meanwhile is sent first
          await Promise.race([this.marked, new Promise<void>((resolve) => (this.wake = resolve))]);
          this.wake = undefined;
          if (!this.again) {
            this.throwMarkFailure();
            return published;
          }
        }
      }
    } finally {
      // Given up in the same step as the decision to stop: a `.finally()` on the promise would run a
      // tick later, and a change committed in that tick would join a loop that has already ended and
      // wait in the outbox for the next change, which after the last one of a burst never comes.
      this.running = undefined;
    }
  }

  private async publishPage(entries: GoldenOutboxEntry[]): Promise<number> {
    // one channel keeps the order of publishes; waiting for all confirms at once keeps the pace
    const results = await Promise.allSettled(entries.map((entry) => this.publish(entry)));
    const failed = results.findIndex((r) => r.status === 'rejected');
    const done = failed === -1 ? entries : entries.slice(0, failed);
    if (done.length > 0) this.mark(done);
    if (failed !== -1) {
      // what stays is sent again from the first unconfirmed entry on, after the marks before it
      await this.marked;
      throw (results[failed] as PromiseRejectedResult).reason;
    }
    return done.length;
  }

  /**
   * Marks confirmed entries published in the background, one write after the other in the order they
   * were confirmed. The next page goes out meanwhile: a change committed while a page waited for its
   * confirms no longer waits for the mark's durable store write too. A mark that is lost (a crash, a
   * failed write) only sends its entries again, as the same messages.
   */
  private mark(done: readonly GoldenOutboxEntry[]): void {
    const seqs = done.map((e) => e.seq);
    for (const seq of seqs) this.marking.add(seq);
    this.marked = this.marked
      .then(() => this.store.markGoldenPublished(seqs))
      .then(
        () => {
          this.marksWritten += 1;
          for (const seq of seqs) this.markedRecently.set(seq, this.marksWritten);
        },
        (err: unknown) => {
          this.markFailure ??= err;
        },
      )
      .finally(() => {
        for (const seq of seqs) this.marking.delete(seq);
      });
  }

  /** the seqs sent and confirmed whose entries a listing may still hold */
  private inHand(): number[] {
    return [...this.marking, ...this.markedRecently.keys()];
  }

  private throwMarkFailure(): void {
    const err = this.markFailure;
    this.markFailure = undefined;
    if (err !== undefined) throw err;
  }

  private publish(entry: GoldenOutboxEntry): Promise<void> {
    const cause = entry.cause;
    const headers: Record<string, unknown> = {
      [GOLDEN_ID_HEADER]: entry.goldenId,
      [EVENT_ID_HEADER]: cause?.eventId ?? entry.event.eventId,
      ...(cause ? { [TRACEPARENT]: childTraceparent(cause.traceparent) } : {}),
    };
    return this.bus.publish(GOLDEN_EXCHANGE, entry.event.type, Buffer.from(JSON.stringify(entry.event)), {
      contentType: 'application/json',
      messageId: entry.event.eventId,
      headers,
      mandatory: false,
    });
  }
}
