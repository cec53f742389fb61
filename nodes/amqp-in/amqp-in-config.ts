import type { NodeDef } from 'node-red';
import type { PayloadOutput } from '../../connectors/amqp/consume-config';

/** The amqp-in node's settings as the editor saves them (after its migrations). */
export interface AmqpInDef extends NodeDef {
  broker: string;
  queue: string;
  /** one binding per line: `<pattern>` on the default exchange, or `<exchange> <pattern>` */
  bindings: string;
  prefetch: string;
  /** "flow": ack once every node that handled the message called done; "receipt": ack at once */
  ack: 'flow' | 'receipt';
  /**
   * how long the flow may take with a message; a redeploy waits as long for those in flight, but no
   * longer than Node-RED waits for a node to close (nodeCloseTimeout less a second)
   */
  timeout: string;
  /** optional hub-store: skip deliveries whose messageId was already processed (idempotent consumer) */
  store: string;
  singleActive: boolean;
  /**
   * "": the queue and bindings typed in; "sync-inbound": the hub's queue on crm.inbound exactly as the
   * record-sync topology declares it (crm.hub.inbound unless a queue is typed in), ids derived from the
   * body for messages that come without one; "sync-target": a target's queue crm.out.<system> as the
   * topology declares it, a failed flow's message sent down the target's retry ladder
   */
  topology: '' | 'sync-inbound' | 'sync-target';
  /** msg.payload: "auto" decodes by content type; "buffer" or "string" hand the body on as it came */
  output: PayloadOutput;
  /**
   * x-delivery-limit of the queue typed in ("" for none, as queues were declared before the option):
   * a message given back more often is dead-lettered as `delivery_limit`, so a poison one cannot loop
   */
  deliveryLimit: string;
  /** x-overflow reject-publish and x-dead-letter-strategy at-least-once for the queue typed in */
  atLeastOnce: boolean;
}
