import type { Delivery } from './bus';
import { decodeBody, type PayloadOutput } from './consume-config';
import type { IdempotentRepository } from './idempotent-repository';

/**
 * The life of one delivery in an inbound consumer, without Node-RED: admitted before the flow (the
 * idempotent consumer's duplicate check, the body decoded), settled after it (its key recorded, then
 * acknowledged, or sent down the dead letter channel with the reason).
 */

export type Admission =
  | { kind: 'accepted'; payload: unknown }
  /** processed before (a redelivery): acknowledged and skipped */
  | { kind: 'duplicate' }
  /** the body cannot be read: dead-lettered, since no redelivery will make it readable */
  | { kind: 'undecodable'; reason: string }
  /** the screen refused the payload: dead-lettered with its reason */
  | { kind: 'refused'; reason: string };

/**
 * A check of the decoded payload before the duplicate check settles anything: a reason refuses the
 * message (it is dead-lettered with it), undefined lets it on. It sees redeliveries too, since a known
 * message id is only a redelivery when it carries what it carried before; a rejection is a failure
 * to check (the store away), and the caller gives the message back to the queue.
 */
export type Screen = (payload: unknown) => Promise<string | undefined>;

export async function admit(
  delivery: Delivery,
  repository?: IdempotentRepository,
  output: PayloadOutput = 'auto',
  screen?: Screen,
): Promise<Admission> {
  const key = repository && keyOf(delivery, repository);
  const duplicate = !!(repository && key && (await repository.contains(key)));
  if (duplicate && !screen) {
    delivery.ack();
    return { kind: 'duplicate' };
  }
  const decoded = decodeBody(delivery, output);
  if (!decoded.ok) {
    // a redelivery of what was processed before is skipped, readable or not, as without a screen
    if (duplicate) {
      delivery.ack();
      return { kind: 'duplicate' };
    }
    await delivery.deadLetter(decoded.reason);
    return { kind: 'undecodable', reason: decoded.reason };
  }
  const refusal = screen ? await screen(decoded.value) : undefined;
  if (refusal !== undefined) {
    await delivery.deadLetter(refusal);
    return { kind: 'refused', reason: refusal };
  }
  if (duplicate) {
    delivery.ack();
    return { kind: 'duplicate' };
  }
  return { kind: 'accepted', payload: decoded.value };
}

export type Settlement =
  | { outcome: 'acked' | 'dead-lettered' }
  /**
   * The flow succeeded but the ledger could not record the key: acked all the same, since the effect
   * happened; requeueing would only guarantee that it happens a second time. A redelivery (should
   * the ack be lost too) is not recognised as a duplicate.
   */
  | { outcome: 'acked-unrecorded'; error: unknown }
  /** The dead-letter exchange did not take the message: it goes back to the queue. */
  | { outcome: 'requeued'; stage: 'dead-letter'; error: unknown };

/**
 * After the flow. Success: the key is added to the repository (non-eager: only now), then the
 * delivery is acked; a crash between the two means a redelivery that `admit` skips. When recording
 * fails the delivery is acked anyway ('acked-unrecorded'): the effect is done, and a requeue would
 * run it again for sure. Failure: nothing was added, so nothing is removed, and the message goes to
 * the dead-letter exchange with the reason.
 */
export async function complete(
  delivery: Delivery,
  repository: IdempotentRepository | undefined,
  failure?: string,
): Promise<Settlement> {
  const key = repository && keyOf(delivery, repository);
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
  if (repository && key) {
    try {
      await repository.add(key);
      await repository.confirm(key);
    } catch (error) {
      delivery.ack();
      return { outcome: 'acked-unrecorded', error };
    }
  }
  delivery.ack();
  return { outcome: 'acked' };
}

const keys = new WeakMap<Delivery, string>();

/** the delivery's ledger key, made once for its check and its record (it may hash the body) */
function keyOf(delivery: Delivery, repository: IdempotentRepository): string | undefined {
  let key = keys.get(delivery);
  if (key === undefined) {
    key = repository.keyOf(delivery);
    if (key !== undefined) keys.set(delivery, key);
  }
  return key;
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
    // its charset names the code page of a body handed on as bytes (legacy-decode reads it)
    ...(delivery.contentType === undefined ? {} : { contentType: delivery.contentType }),
  };
}
