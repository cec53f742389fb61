import type { EventEmitter } from 'node:events';

/**
 * The bus contract shared by RabbitMQ and the embedded in-process bus. Node glue and tests only ever
 * see this interface, so a flow behaves the same on both (except that the embedded bus keeps nothing
 * across a restart, which it says in describe()).
 */
export type BusKind = 'rabbitmq' | 'embedded';
export type BusState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface PublishOptions {
  headers?: Record<string, unknown>;
  messageId?: string;
  correlationId?: string;
  contentType?: string;
  /** default true: survive a broker restart */
  persistent?: boolean;
  /** default true: an unroutable message rejects the publish instead of vanishing */
  mandatory?: boolean;
}

export interface Binding {
  exchange: string;
  /** topic pattern, `*` one word, `#` zero or more words */
  pattern: string;
}

/**
 * How a hub queue is declared. Every hub queue is a durable quorum queue that dead-letters to
 * `crm.dlx`; these options add to that. Declaring a queue again with other options is refused
 * (`refused`, 406) on both buses, as RabbitMQ refuses inequivalent arguments.
 */
export interface QueueOptions {
  /** only one consumer of the queue is active at a time (RabbitMQ x-single-active-consumer) */
  singleActiveConsumer?: boolean;
  /**
   * x-delivery-limit: a message given back to the queue (requeue, a consumer that died with it) more
   * often than this is dead-lettered with the reason `delivery_limit`, so a poison message cannot loop
   * forever; it is delivered at most deliveryLimit + 1 times
   */
  deliveryLimit?: number;
  /**
   * x-overflow reject-publish with x-dead-letter-strategy at-least-once: the broker moves a dead letter
   * with publisher confirms of its own, and keeps it until the dead-letter queue took it
   */
  atLeastOnceDeadLettering?: boolean;
  /** x-dead-letter-exchange; default crm.dlx. '' is the default exchange, where the routing key names a queue */
  deadLetterExchange?: string;
  /** x-dead-letter-routing-key; default: the message keeps its own routing key */
  deadLetterRoutingKey?: string;
  /** x-message-ttl: a message waiting this long is dead-lettered with the reason `expired` */
  messageTtlMs?: number;
}

export interface QueueDeclaration extends QueueOptions {
  queue: string;
  bindings: Binding[];
}

export interface ConsumeOptions extends QueueDeclaration {
  /** unacknowledged deliveries in flight for this consumer; default 10 */
  prefetch?: number;
  /**
   * A delivery without a message id gets a stable one derived from its content type and body
   * (message-id.ts), so the idempotent consumer recognises a legacy system sending the same message
   * twice, and a dead letter keeps that id for its replay.
   */
  deriveMissingMessageId?: boolean;
  /**
   * On cancel (and on close of the bus), how long to wait for the deliveries already handed to the
   * handler to be settled before the channel closes and the rest go back to the queue; default 0.
   */
  drainMs?: number;
}

export interface BusMessage {
  exchange: string;
  routingKey: string;
  body: Buffer;
  headers: Record<string, unknown>;
  messageId?: string;
  correlationId?: string;
  contentType?: string;
  redelivered: boolean;
}

/** One delivery; exactly one of ack / deadLetter / requeue settles it. Settling twice is a no-op. */
export interface Delivery extends BusMessage {
  ack(): void;
  /** republish to the dead-letter exchange with the reason in headers, confirmed, then ack */
  deadLetter(reason: string): Promise<void>;
  /** give it back to the queue for redelivery */
  requeue(): void;
}

export interface Subscription {
  readonly queue: string;
  /**
   * Stops new deliveries at once, then waits up to the consumer's drainMs for those in hand to be
   * settled; the unsettled rest go back to the queue. Calling it again returns the same promise.
   */
  cancel(): Promise<void>;
}

export interface Bus extends EventEmitter {
  readonly kind: BusKind;
  /** human description for logs and /healthz; never contains credentials */
  describe(): string;
  state(): BusState;
  /** why the broker blocks the connection (a resource alarm), while it does; a bus that is never blocked has none */
  blockedBy?(): string | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
  /** durable topic exchange; idempotent */
  declareExchange(name: string): Promise<void>;
  /**
   * Resolves once the broker confirmed the message. Rejects with a BusError whose kind says what
   * happened: nacked, unroutable, outcome-unknown, not-connected, closed or refused.
   */
  publish(exchange: string, routingKey: string, body: Buffer, options?: PublishOptions): Promise<void>;
  /**
   * Declares a quorum queue with its bindings and dead-lettering and no consumer (a target queue
   * before its consumer starts, a retry queue whose messages only wait out their TTL); idempotent,
   * and part of the setup list like everything declared.
   */
  declareQueue(declaration: QueueDeclaration): Promise<void>;
  /**
   * Declares the quorum queue with its bindings and dead-lettering, then consumes with manual ack.
   * Both buses keep what was declared and consumed, and RabbitMQ replays it after every reconnect.
   */
  consume(options: ConsumeOptions, handler: (delivery: Delivery) => void): Promise<Subscription>;
}

/** Names the hub's topology uses unless a flow says otherwise. */
export const DEFAULT_EXCHANGE = 'crm.events';
/** actions that passed the contact policy, routed `action.<channel>` (channel-action publishes them) */
export const ACTIONS_EXCHANGE = 'crm.actions';
/** raw legacy messages, routed `<system-id>.<message-type>` (e.g. `sap.DEBMAS`); any AMQP client may publish */
export const INBOUND_EXCHANGE = 'crm.inbound';
/** golden-record changes (sync-topology.ts) */
export const GOLDEN_EXCHANGE = 'crm.golden';
export const DEAD_LETTER_EXCHANGE = 'crm.dlx';
export const DEAD_LETTER_QUEUE = 'crm.dead-letter';
/** headers a dead-lettered message carries */
export const REASON_HEADER = 'x-crmhub-reason';
export const ORIGINAL_EXCHANGE_HEADER = 'x-crmhub-original-exchange';
export const ORIGINAL_ROUTING_KEY_HEADER = 'x-crmhub-original-routing-key';
export const ORIGINAL_QUEUE_HEADER = 'x-crmhub-original-queue';
/** headers of a message on its retry ladder (retry-ladder.ts): failed attempts so far, and the last error */
export const ATTEMPTS_HEADER = 'x-crmhub-attempts';
export const LAST_ERROR_HEADER = 'x-crmhub-last-error';
