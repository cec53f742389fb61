import { GOLDEN_EXCHANGE, type Bus } from '../../connectors/amqp/bus';
import { GOLDEN_ID_HEADER } from '../../connectors/amqp/golden-message';
import { EVENT_ID_HEADER } from '../../connectors/amqp/hop-headers';
import { childTraceparent, TRACEPARENT } from '../../connectors/http/trace-context';
import { setBounded } from '../../records/bounded-map';
import type { GoldenOutboxEntry, GoldenStore } from '../../records/golden-store';

/** The message that caused golden changes: its trace and the id of the first event of the chain. */
export interface GoldenCause {
  traceparent: string;
  eventId?: string;
  /** the golden events this message caused; others drained with them get no cause */
  golden: readonly string[];
}

const PAGE = 100;
/**
 * Causes kept for changes not published yet. While the broker is away every change adds one, so the
 * oldest make room: their changes still go out, with their own event id and a trace of their own.
 */
const CAUSE_LIMIT = 100_000;

/**
 * Drains the store's golden outbox onto crm.golden: routing key = the event type (`golden.changed`,
 * `golden.merged`, `golden.unmerged`), message id = the event id (a republished change is the same
 * message to an idempotent consumer), persistent, confirmed. Entries are marked published only up to
 * the first one the broker did not confirm, so a failure never lets a later change overtake an earlier
 * one; what stays is sent again on the next drain (at least once).
 *
 * Not mandatory: crm.golden is a broadcast, and a change no target subscribes to yet is not an error
 * that should stop the outbox.
 */
export class GoldenPublisher {
  private running: Promise<number> | undefined;
  private again = false;
  private readonly causes = new Map<string, GoldenCause>();

  constructor(
    private readonly store: GoldenStore,
    private readonly bus: Bus,
    private readonly causeLimit = CAUSE_LIMIT,
  ) {}

  /** Publishes everything waiting; resolves with how many were published, rejects on a failed publish. */
  drain(cause?: GoldenCause): Promise<number> {
    if (cause) for (const eventId of cause.golden) setBounded(this.causes, eventId, cause, this.causeLimit);
    if (this.running) {
      this.again = true;
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
        const entries = await this.store.listGoldenOutbox(PAGE);
        if (entries.length === 0 && !this.again) return published;
        published += await this.publishPage(entries);
        if (entries.length < PAGE && !this.again) return published;
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
    if (done.length > 0) await this.store.markGoldenPublished(done.map((e) => e.seq));
    for (const entry of done) this.causes.delete(entry.event.eventId);
    if (failed !== -1) throw (results[failed] as PromiseRejectedResult).reason;
    return done.length;
  }

  private publish(entry: GoldenOutboxEntry): Promise<void> {
    const cause = this.causes.get(entry.event.eventId);
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
