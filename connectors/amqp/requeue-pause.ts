import type { BusMessage } from './bus';

const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 30_000;

/**
 * How long a message that met a passing failure (the bus or the store away) waits before it goes back
 * to the queue: 1 s, then twice as long on each redelivery, at most 30 s. Requeued at once it would
 * come straight back and fail again, a hot loop that uses up the queue's delivery limit (20) within a
 * second; with the pauses the limit covers an outage of about eight minutes before the message is
 * dead-lettered with the reason, to be replayed. Quorum queues count deliveries in x-delivery-count.
 */
export function requeuePauseMs(message: Pick<BusMessage, 'headers'>): number {
  const count = Number(message.headers?.['x-delivery-count']);
  const redeliveries = Number.isInteger(count) && count > 0 ? Math.min(count, 16) : 0;
  return Math.min(FIRST_PAUSE_MS * 2 ** redeliveries, LONGEST_PAUSE_MS);
}
