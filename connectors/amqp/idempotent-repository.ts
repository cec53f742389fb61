/**
 * Camel's IdempotentRepository for the idempotent consumer: the message ids a consumer has processed,
 * so a redelivered message is acknowledged and skipped instead of handled twice.
 *
 * It runs in NON-EAGER mode (Camel's `eager=false`): `contains` is asked before the flow runs, and the
 * key is `add`ed only after the flow finished with it, right before the acknowledgement. Eager mode
 * would add the key before the flow runs and `remove` it when the flow fails; a crash in between
 * leaves the key recorded for a message whose effect never happened, and the redelivery is then
 * skipped: the message is lost. Non-eager mode turns that window into the opposite case: a crash
 * between the flow's effect and the record (or the ack) means the broker redelivers a message whose
 * effect already happened, and the flow handles it again. Delivery is at least once either way; only
 * non-eager never loses one, so the flow's effects must tolerate a repeat (upserts keyed on the
 * event id, as the golden record and the outbound connectors do).
 *
 * Two deliveries of the same id at the same moment (two hub instances, a requeue racing a slow flow)
 * both pass `contains`; eager mode would stop the second, non-eager lets both run. Per-customer
 * ordering with a single active consumer per shard keeps that rare; the flow tolerates it like any
 * other redelivery.
 */

import { hash } from 'node:crypto';
import { DERIVED_ID_PREFIX } from './message-id';

/**
 * What the repository needs from a store: the hub store's processed-event ledger (records/store.ts
 * HubStore) has exactly this shape. Declared here because connectors/ sit below records/.
 */
export interface ProcessedLedger {
  /** records the key; true the first time, false when it was recorded already */
  markProcessed(consumer: string, eventId: string): Promise<boolean>;
  wasProcessed(consumer: string, eventId: string): Promise<boolean>;
}

export class IdempotentRepository {
  /** see the module comment: the key is recorded after the flow, never before */
  readonly eager = false;

  /**
   * @param ledger the store, or a promise of it (a store node that is still opening)
   * @param consumer whose ledger this is: the queue, so two queues fed the same event each handle it
   * @param keyedBy what names one message: its id, or (legacy messages, see messageKey) its id and body
   */
  constructor(
    private readonly ledger: ProcessedLedger | PromiseLike<ProcessedLedger>,
    readonly consumer: string,
    readonly keyedBy: 'message-id' | 'message-id-and-body' = 'message-id',
  ) {
    if (typeof consumer !== 'string' || consumer === '') {
      throw new TypeError('IdempotentRepository: consumer must be a non-empty string');
    }
  }

  /** The key a delivery is checked and recorded under; undefined for one without a message id. */
  keyOf(delivery: { messageId?: string; body: Uint8Array }): string | undefined {
    if (!delivery.messageId) return undefined;
    return this.keyedBy === 'message-id' ? delivery.messageId : messageKey(delivery.messageId, delivery.body);
  }

  /** Was this key processed? Asked before the flow runs; a yes means: acknowledge and skip. */
  async contains(key: string): Promise<boolean> {
    return (await this.ledger).wasProcessed(this.consumer, ledgerKey(key));
  }

  /** Records the key once the flow finished with it; false when it was recorded already. */
  async add(key: string): Promise<boolean> {
    return (await this.ledger).markProcessed(this.consumer, ledgerKey(key));
  }

  /**
   * Camel calls confirm after a successful exchange so an eager add becomes final. In non-eager mode
   * `add` already happened after the flow and the ledger's write is durable when it resolves, so
   * there is nothing left to confirm.
   */
  async confirm(_key: string): Promise<void> {}

  /**
   * Camel removes an eagerly added key when the exchange failed, so the redelivery is processed. In
   * non-eager mode a failed flow never added its key, so there is nothing to remove.
   */
  async remove(_key: string): Promise<void> {}
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * A message id that is a UUID in lower case: UUIDs compare case-insensitively (RFC 9562), and a
 * publisher that writes them in capitals must not make a redelivery a new message. Other ids, which
 * may tell cases apart, are kept as they are.
 */
function ledgerKey(key: string): string {
  return /[A-F]/.test(key) && UUID.test(key) ? key.toLowerCase() : key;
}

/**
 * A legacy message's key: its message id with a digest of its body. Legacy publishers reuse ids (a
 * counter that starts again, one id per batch file); keyed by the id alone, another record under a
 * recorded id was acked and skipped as a redelivery, lost without a word. With the body in the key a
 * redelivery (the same bytes) is still skipped, and another message under the same id is handled (the
 * golden record takes a repeat of a record as no change). Canonical events keep their id alone: an
 * event id names one event, and one reused with other content is a dead letter
 * (records/event-id-claim.ts). An id the bus derived from the body is that digest already.
 */
export function messageKey(messageId: string, body: Uint8Array): string {
  if (messageId.startsWith(DERIVED_ID_PREFIX)) return messageId;
  return `${ledgerKey(messageId)} ${hash('sha256', body, 'base64url')}`;
}
