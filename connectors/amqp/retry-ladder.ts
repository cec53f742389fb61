import { ATTEMPTS_HEADER, LAST_ERROR_HEADER, type Bus, type BusMessage, type Delivery } from './bus';
import { messageIdOf } from './message-id';

/**
 * Camel's redelivery policy with backoff, on the broker: a message a target consumer could not deliver
 * goes to the next retry queue of its target, waits there for the queue's message TTL, and is then
 * dead-lettered by RabbitMQ straight back into the target queue. Nothing waits in the hub's memory,
 * the wait survives a hub restart, and a failing target costs one delivery per step, not a hot loop.
 * After the last step the message goes down the dead letter channel (crm.dlx) with the reason, where
 * `crm-hub dead-letters replay` brings it back with a fresh ladder.
 */
export interface RetryStep {
  delayMs: number;
  /** `<target queue>.retry.<delay>`, e.g. crm.out.sap.retry.30s */
  queue: string;
}

/** 5 s, 30 s, 5 min: a target that restarts is back within the first steps, a longer outage is a dead letter. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [5_000, 30_000, 300_000];

/** An error text in a header is cut here: a target's 503 page must not become a 100 KB header. */
const MAX_ERROR_LENGTH = 1000;

/** The broker's own dead-lettering headers; a retry copy starts without them (attempts are counted in ours). */
const BROKER_HEADERS = /^x-(death|first-death-.*|last-death-.*|delivery-count)$/;

const UNITS: [number, string][] = [
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1_000, 's'],
];

/** 200 → 200ms, 5000 → 5s, 300000 → 5m; part of the queue name, so two delays never share a label. */
export function delayLabel(ms: number): string {
  for (const [size, unit] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function retrySteps(targetQueue: string, delaysMs: readonly number[]): RetryStep[] {
  if (!Array.isArray(delaysMs)) throw new TypeError('retry delays must be an array of milliseconds');
  return delaysMs.map((delayMs, i) => {
    if (!Number.isInteger(delayMs) || delayMs < 1 || delayMs > 0xffffffff) {
      throw new RangeError(
        `retry delay ${i + 1} must be a whole number of milliseconds from 1, got ${String(delayMs)}`,
      );
    }
    // Increasing, for backoff; and distinct, since a delay names its queue and RabbitMQ drops a
    // message that expires twice in a cycle through the same queue.
    if (i > 0 && delayMs <= delaysMs[i - 1]) {
      throw new RangeError(
        `retry delays must increase, got ${delayLabel(delayMs)} after ${delayLabel(delaysMs[i - 1])}`,
      );
    }
    return { delayMs, queue: `${targetQueue}.retry.${delayLabel(delayMs)}` };
  });
}

/** Failed attempts so far, as the retry headers count them; 0 for a message on its first delivery. */
export function attemptsOf(message: Pick<BusMessage, 'headers'>): number {
  const value = Number(message.headers[ATTEMPTS_HEADER]);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

export type RetryOutcome =
  /** confirmed in the retry queue, then the original acked; it comes back after `delayMs` */
  | { outcome: 'retrying'; attempts: number; queue: string; delayMs: number }
  /** the ladder is used up: on crm.dlx with the reason */
  | { outcome: 'dead-lettered'; attempts: number; reason: string }
  /**
   * The retry queue did not take it (no connection, nacked, unroutable): the original went back to
   * its queue, whose delivery limit ends the loop if this goes on.
   */
  | { outcome: 'requeued'; attempts: number; error: unknown };

/**
 * Settles a delivery whose target failed with `error`. The original is acked only after the broker
 * confirmed the copy in the retry queue, so a crash in between leaves two copies with one message id
 * (the idempotent consumer drops one), never none. Rejects only when dead-lettering failed, in which
 * case the bus has rejected the message and the broker dead-letters it without the reason.
 */
export async function retryOrDeadLetter(
  bus: Bus,
  steps: readonly RetryStep[],
  delivery: Delivery,
  error: string,
): Promise<RetryOutcome> {
  const attempts = attemptsOf(delivery) + 1;
  const why = clip(error);
  const step = steps[attempts - 1];
  if (!step) {
    const after =
      steps.length > 0 ? `, retried after ${steps.map((s) => delayLabel(s.delayMs)).join(', ')}` : '';
    const reason = `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}${after}: ${why}`;
    await delivery.deadLetter(reason);
    return { outcome: 'dead-lettered', attempts, reason };
  }
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(delivery.headers))
    if (!BROKER_HEADERS.test(key)) headers[key] = value;
  headers[ATTEMPTS_HEADER] = attempts;
  headers[LAST_ERROR_HEADER] = why;
  try {
    // The default exchange routes to the retry queue by its name, and to nothing else.
    await bus.publish('', step.queue, delivery.body, {
      headers,
      // The id the message had (or the one derived from its body): every copy is the same message.
      messageId: messageIdOf(delivery),
      correlationId: delivery.correlationId,
      contentType: delivery.contentType,
    });
  } catch (err) {
    delivery.requeue();
    return { outcome: 'requeued', attempts, error: err };
  }
  delivery.ack();
  return { outcome: 'retrying', attempts, queue: step.queue, delayMs: step.delayMs };
}

function clip(text: string): string {
  const value = typeof text === 'string' && text.trim() !== '' ? text : 'failed without a reason';
  return value.length > MAX_ERROR_LENGTH ? `${value.slice(0, MAX_ERROR_LENGTH)}…` : value;
}
