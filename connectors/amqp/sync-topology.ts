import {
  DEFAULT_EXCHANGE,
  GOLDEN_EXCHANGE,
  INBOUND_EXCHANGE,
  type Bus,
  type ConsumeOptions,
  type Delivery,
  type PublishOptions,
  type QueueDeclaration,
} from './bus';
import {
  DEFAULT_RETRY_DELAYS_MS,
  retryOrDeadLetter,
  retrySteps,
  type RetryOutcome,
  type RetryStep,
} from './retry-ladder';

/**
 * The record-sync topology (docs/amqp.md, "Record sync topology"):
 *
 *   crm.inbound (topic, `<system>.<type>`) ─► crm.hub.inbound ─► hub ─► crm.golden (topic)
 *   hub ─► crm.out.<system> ─► target consumer ─fails─► crm.out.<system>.retry.<delay> ─TTL─┐
 *              ▲                                                                            │
 *              └────────────────────────────────────────────────────────────────────────────┘
 *   after the last step, or past the delivery limit ─► crm.dlx ─► crm.dead-letter
 *
 * Every queue is a quorum queue with at-least-once dead-lettering (overflow reject-publish), so the
 * broker's own moves (a retry coming back, a poison message leaving) are confirmed like a publish.
 * Everything is declared through the bus, so it is part of the setup list the bus replays after every
 * reconnect.
 */
export interface SyncTopologyOptions {
  /** the target systems the hub delivers to: legacy-system ids such as `sap`, `siebel`, `salesforce` */
  targets: readonly string[];
  /** one retry queue per delay, in milliseconds, increasing; default 5 s, 30 s, 5 min; [] dead-letters at once */
  retryDelaysMs?: readonly number[];
  /** x-delivery-limit of the inbound and target queues; default 20, RabbitMQ 4's own default */
  deliveryLimit?: number;
  /** the hub's queue on crm.inbound; default crm.hub.inbound */
  inboundQueue?: string;
}

export const DEFAULT_DELIVERY_LIMIT = 20;
export const DEFAULT_INBOUND_QUEUE = 'crm.hub.inbound';
const TARGET_PREFIX = 'crm.out.';
/** the legacy-system ids of the mapping specs (mappings/mapping-errors.ts): one topic word */
const SYSTEM_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The system id of a target queue name `crm.out.<system>`, or undefined for any other name. */
export function targetSystemOf(queue: string): string | undefined {
  if (typeof queue !== 'string' || !queue.startsWith(TARGET_PREFIX)) return undefined;
  const system = queue.slice(TARGET_PREFIX.length);
  return SYSTEM_ID.test(system) ? system : undefined;
}

export function targetQueue(system: string): string {
  if (typeof system !== 'string' || !SYSTEM_ID.test(system)) {
    throw new Error(
      `target system id '${String(system)}' is not a legacy-system id (lower-case letters, digits and single dashes, e.g. sap)`,
    );
  }
  return `${TARGET_PREFIX}${system}`;
}

type ConsumerSettings = Pick<ConsumeOptions, 'prefetch' | 'drainMs'>;

export class SyncTopology {
  readonly targets: readonly string[];
  readonly inboundQueue: string;
  readonly deliveryLimit: number;
  private readonly delaysMs: readonly number[];

  constructor(
    private readonly bus: Bus,
    options: SyncTopologyOptions,
  ) {
    if (!Array.isArray(options?.targets))
      throw new TypeError('sync topology targets must be an array of system ids');
    this.targets = [...new Set(options.targets)];
    this.delaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.deliveryLimit = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
    this.inboundQueue = options.inboundQueue ?? DEFAULT_INBOUND_QUEUE;
    // Every name is checked now, so a wrong system id fails at deploy, not on the first message.
    for (const system of this.targets) retrySteps(targetQueue(system), this.delaysMs);
  }

  /**
   * Declares the exchanges and queues, in an order in which each exists before something routes to
   * it: exchanges, the inbound queue, each target queue, then its retry queues (which dead-letter into
   * it). On RabbitMQ each declaration joins the bus's setup list and is replayed in this order.
   */
  async declare(): Promise<void> {
    for (const exchange of [INBOUND_EXCHANGE, DEFAULT_EXCHANGE, GOLDEN_EXCHANGE])
      await this.bus.declareExchange(exchange);
    await this.bus.declareQueue(this.inboundDeclaration());
    for (const system of this.targets) {
      await this.bus.declareQueue(this.targetDeclaration(system));
      for (const step of this.retrySteps(system))
        await this.bus.declareQueue(this.retryDeclaration(system, step));
    }
  }

  /**
   * Declares one target's queue and its retry queues only: what a publisher to crm.out.<system> needs
   * (amqp-out with a queue), without the inbound side. Idempotent, like every declaration.
   */
  async declareTarget(system: string): Promise<void> {
    await this.bus.declareQueue(this.targetDeclaration(system));
    for (const step of this.retrySteps(system))
      await this.bus.declareQueue(this.retryDeclaration(system, step));
  }

  /**
   * Bound to everything on crm.inbound, so a legacy system's message is kept even while no hub
   * consumes: a plain AMQP client publishes without the mandatory flag, and a topic exchange with no
   * queue bound would drop it without a word.
   */
  inboundDeclaration(): QueueDeclaration {
    return {
      queue: this.inboundQueue,
      bindings: [{ exchange: INBOUND_EXCHANGE, pattern: '#' }],
      atLeastOnceDeadLettering: true,
      deliveryLimit: this.deliveryLimit,
    };
  }

  /** What the hub's inbound consumer passes to `bus.consume`: the same queue, ids derived when missing. */
  inboundConsumeOptions(settings: ConsumerSettings = {}): ConsumeOptions {
    return { ...this.inboundDeclaration(), ...settings, deriveMissingMessageId: true };
  }

  /** crm.out.<system>: fed through the default exchange, dead-lettered to crm.dlx keyed by its own name. */
  targetDeclaration(system: string): QueueDeclaration {
    const queue = this.knownTarget(system);
    return {
      queue,
      bindings: [],
      atLeastOnceDeadLettering: true,
      deliveryLimit: this.deliveryLimit,
      deadLetterRoutingKey: queue,
    };
  }

  /** What a target consumer passes to `bus.consume`; other options would be refused as inequivalent. */
  targetConsumeOptions(system: string, settings: ConsumerSettings = {}): ConsumeOptions {
    return { ...this.targetDeclaration(system), ...settings };
  }

  retrySteps(system: string): RetryStep[] {
    return retrySteps(this.knownTarget(system), this.delaysMs);
  }

  /** A retry queue has no consumer: its messages wait out the TTL and go back into the target queue. */
  retryDeclaration(system: string, step: RetryStep): QueueDeclaration {
    return {
      queue: step.queue,
      bindings: [],
      atLeastOnceDeadLettering: true,
      messageTtlMs: step.delayMs,
      deadLetterExchange: '',
      deadLetterRoutingKey: this.knownTarget(system),
    };
  }

  /** Puts a message for `system` into its outbound queue; resolves once the broker confirmed it. */
  deliver(system: string, body: Buffer, options: PublishOptions = {}): Promise<void> {
    return this.bus.publish('', this.knownTarget(system), body, options);
  }

  /** A target consumer's failure: the next retry step, or the dead-letter queue after the last. */
  retry(system: string, delivery: Delivery, error: string): Promise<RetryOutcome> {
    return retryOrDeadLetter(this.bus, this.retrySteps(system), delivery, error);
  }

  private knownTarget(system: string): string {
    const queue = targetQueue(system);
    if (!this.targets.includes(system)) {
      throw new Error(
        `'${system}' is not a target of this sync topology (targets: ${this.targets.join(', ') || 'none'})`,
      );
    }
    return queue;
  }
}
