import type { Delivery } from './bus';
import { decodeBody } from './consume-config';
import type { IdempotentRepository } from './idempotent-repository';

/**
 * The life of one delivery in an inbound consumer, without Node-RED: admitted before the flow (the
 * idempotent consumer's duplicate check, the body decoded), settled after it (acknowledged once its
 * key is recorded, or sent down the dead letter channel with the reason).
 */

export type Admission =
  | { kind: 'accepted'; payload: unknown }
  /** processed before (a redelivery): acknowledged and skipped */
  | { kind: 'duplicate' }
  /** the body cannot be read: dead-lettered, since no redelivery will make it readable */
  | { kind: 'undecodable'; reason: string };

export async function admit(delivery: Delivery, repository?: IdempotentRepository): Promise<Admission> {
  if (repository && delivery.messageId && (await repository.contains(delivery.messageId))) {
    delivery.ack();
    return { kind: 'duplicate' };
  }
  const decoded = decodeBody(delivery);
  if (!decoded.ok) {
    await delivery.deadLetter(decoded.reason);
    return { kind: 'undecodable', reason: decoded.reason };
  }
  return { kind: 'accepted', payload: decoded.value };
}

export type Settlement =
  | { outcome: 'acked' | 'dead-lettered' }
  /**
   * The ledger could not record the key, or the dead-letter exchange did not take the message: the
   * message goes back to the queue instead of being acknowledged without its record.
   */
  | { outcome: 'requeued'; stage: 'ledger' | 'dead-letter'; error: unknown };

/**
 * After the flow. Success: the key is added to the repository (non-eager: only now), then the
 * delivery is acked; a crash between the two means a redelivery that `admit` skips. Failure: nothing
 * was added, so nothing is removed, and the message goes to the dead-letter exchange with the reason.
 */
export async function complete(
  delivery: Delivery,
  repository: IdempotentRepository | undefined,
  failure?: string,
): Promise<Settlement> {
  const key = delivery.messageId;
  if (failure !== undefined) {
    try {
      if (repository && key) await repository.remove(key);
      await delivery.deadLetter(failure);
      return { outcome: 'dead-lettered' };
    } catch (error) {
      delivery.requeue();
      return { outcome: 'requeued', stage: 'dead-letter', error };
    }
  }
  try {
    if (repository && key) {
      await repository.add(key);
      await repository.confirm(key);
    }
  } catch (error) {
    delivery.requeue();
    return { outcome: 'requeued', stage: 'ledger', error };
  }
  delivery.ack();
  return { outcome: 'acked' };
}

/** What a flow learns about where a message came from (msg.amqp). */
export function inboundProperties(delivery: Delivery, queue: string): Record<string, unknown> {
  return {
    exchange: delivery.exchange,
    routingKey: delivery.routingKey,
    messageId: delivery.messageId,
    headers: delivery.headers,
    redelivered: delivery.redelivered,
    queue,
  };
}
