import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_QUEUE,
  type Bus,
  type BusMessage,
  type BusState,
  type ConsumeOptions,
  type Delivery,
  type PublishOptions,
  type QueueDeclaration,
  type Subscription,
} from './bus';
import { BusError } from './bus-error';
import { compileTopicPattern, type TopicMatcher } from './topic-match';
import {
  checkConsumeArgs,
  checkExchangeName,
  checkPublishArgs,
  checkQueueDeclaration,
  queueOptionsOf,
  type CheckedQueueDeclaration,
  type CheckedQueueOptions,
} from './validate';
import { deadLetterHeaders } from './dead-letter';
import { stableMessageId } from './message-id';
import { InFlight } from './in-flight';
import { errorMessage } from '../../formats/error-message';

type StoredMessage = Omit<BusMessage, 'redelivered'>;

interface QueuedMessage {
  message: StoredMessage;
  redelivered: boolean;
  /** how often it was given back to the queue (RabbitMQ's x-delivery-count) */
  returns: number;
  /** with a message TTL: when it is dead-lettered as expired (Date.now() milliseconds) */
  expiresAt?: number;
}

interface Consumer {
  queue: QueueState;
  handler: (delivery: Delivery) => void;
  prefetch: number;
  drainMs: number;
  deriveMissingMessageId: boolean;
  /** deliveries handed out and not yet settled, so cancel can give them back */
  unsettled: Set<QueuedMessage>;
  /** the same deliveries as the drain on cancel sees them (a dead-letter under way still counts) */
  inFlight: InFlight;
  cancelling?: Promise<void>;
}

interface QueueState {
  name: string;
  options: CheckedQueueOptions;
  messages: QueuedMessage[];
  /** the timer that expires the head of a queue with a message TTL */
  expiry?: NodeJS.Timeout;
  consumers: Consumer[];
  nextConsumer: number;
  drainScheduled: boolean;
}

interface ExchangeBinding {
  queue: QueueState;
  pattern: string;
  matches: TopicMatcher;
}

/**
 * The bus without a broker, so `npm start` runs anywhere. It keeps RabbitMQ's semantics that flows can
 * observe (topic routing, mandatory, prefetch, redelivered flag, dead-lettering, round robin between
 * consumers of one queue, the delivery limit, message TTL with dead-lettering) but nothing survives a
 * restart: a message waiting out its TTL in a retry queue is a timer in this process.
 */
export class EmbeddedBus extends EventEmitter implements Bus {
  readonly kind = 'embedded' as const;
  private current: BusState = 'disconnected';
  private closing?: Promise<void>;
  private readonly exchanges = new Map<string, ExchangeBinding[]>();
  private readonly queues = new Map<string, QueueState>();

  constructor() {
    super();
    // one state listener per node using the broker, as on RabbitMQ: any number is no leak
    this.setMaxListeners(0);
    this.exchanges.set(DEAD_LETTER_EXCHANGE, []);
    const deadLetters = checkQueueDeclaration({ queue: DEAD_LETTER_QUEUE, bindings: [] });
    this.bind(this.queueFor(deadLetters), DEAD_LETTER_EXCHANGE, '#');
  }

  describe(): string {
    return 'embedded in-process bus (not persistent; set AMQP_URL to use RabbitMQ)';
  }

  state(): BusState {
    return this.current;
  }

  async start(): Promise<void> {
    if (this.current === 'closed' || this.closing)
      throw new BusError('closed', 'embedded bus is closed; create a new one');
    if (this.current === 'connected') return;
    this.setState('connecting');
    this.setState('connected');
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.current === 'closed') return;
    const consumers = [...this.queues.values()].flatMap((queue) => queue.consumers);
    await Promise.all(consumers.map((consumer) => this.cancelConsumer(consumer)));
    for (const queue of this.queues.values()) clearTimeout(queue.expiry);
    this.setState('closed');
    this.emit('closed');
  }

  async declareExchange(name: string): Promise<void> {
    checkExchangeName(name);
    this.assertOpen();
    if (!this.exchanges.has(name)) this.exchanges.set(name, []);
  }

  async declareQueue(declaration: QueueDeclaration): Promise<void> {
    const checked = checkQueueDeclaration(declaration);
    this.assertOpen();
    this.checkBindings(checked);
    const queue = this.queueFor(checked);
    for (const b of checked.bindings) this.bind(queue, b.exchange, b.pattern);
  }

  async publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: PublishOptions = {},
  ): Promise<void> {
    checkPublishArgs(exchange, routingKey, body, options);
    this.assertOpen();
    this.deposit(exchange, routingKey, body, options);
  }

  /** publish without the open check: a consumer draining on close still dead-letters */
  private deposit(exchange: string, routingKey: string, body: Buffer, options: PublishOptions): void {
    const targets = this.route(exchange, routingKey);
    if (targets.size === 0 && options.mandatory !== false) {
      throw new BusError(
        'unroutable',
        `message to exchange '${exchange}' with routing key '${routingKey}' is unroutable: no queue is bound to match it`,
        { replyCode: 312 },
      );
    }
    const message: StoredMessage = {
      exchange,
      routingKey,
      body,
      headers: { ...(options.headers ?? {}) },
      messageId: options.messageId ?? randomUUID(),
      correlationId: options.correlationId,
      contentType: options.contentType,
    };
    const now = Date.now();
    for (const queue of targets) {
      const ttl = queue.options.messageTtlMs;
      // Each queue gets its own copy, as with a broker; a consumer mutating the buffer affects no other.
      queue.messages.push({
        message: { ...message, body: Buffer.from(body), headers: { ...message.headers } },
        redelivered: false,
        returns: 0,
        expiresAt: ttl === undefined ? undefined : now + ttl,
      });
      this.scheduleDrain(queue);
      this.scheduleExpiry(queue);
    }
  }

  /**
   * What the broker does with a message that expired or passed the delivery limit: it goes to the
   * queue's dead-letter exchange, with the queue's dead-letter routing key if it has one, and an
   * x-death entry saying where and why.
   */
  private deadLetterFrom(
    queue: QueueState,
    queued: QueuedMessage,
    reason: 'expired' | 'delivery_limit',
  ): void {
    const { message } = queued;
    const exchange = queue.options.deadLetterExchange;
    const routingKey = queue.options.deadLetterRoutingKey ?? message.routingKey;
    const { 'x-delivery-count': _count, ...headers } = message.headers;
    const death = {
      count: 1,
      reason,
      queue: queue.name,
      exchange: message.exchange,
      'routing-keys': [message.routingKey],
    };
    const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as unknown[]) : [];
    try {
      this.deposit(exchange, routingKey, message.body, {
        headers: { ...headers, 'x-death': [death, ...deaths] },
        messageId: message.messageId,
        correlationId: message.correlationId,
        contentType: message.contentType,
      });
    } catch (err) {
      // RabbitMQ's at-least-once strategy would hold it until a route exists; this bus has no such
      // store, and the sync topology always declares the route first.
      this.emit(
        'topology-error',
        new Error(
          `dead-lettering message ${String(message.messageId)} from queue '${queue.name}' (${reason}) failed: ${errorMessage(err)}; the message was dropped`,
        ),
      );
    }
  }

  private scheduleExpiry(queue: QueueState): void {
    const head = queue.messages[0];
    if (queue.expiry || head?.expiresAt === undefined || this.current === 'closed') return;
    // As on RabbitMQ, only the head expires; every message of a TTL queue has the same TTL anyway.
    queue.expiry = setTimeout(
      () => {
        queue.expiry = undefined;
        const now = Date.now();
        while (queue.messages.length > 0 && (queue.messages[0].expiresAt ?? Infinity) <= now) {
          this.deadLetterFrom(queue, queue.messages.shift() as QueuedMessage, 'expired');
        }
        this.scheduleExpiry(queue);
      },
      Math.max(0, head.expiresAt - Date.now()),
    );
  }

  /** A message back in its queue (requeue, a cancelled consumer), unless that passes the delivery limit. */
  private giveBack(queue: QueueState, queued: QueuedMessage): QueuedMessage | undefined {
    const returns = queued.returns + 1;
    const limit = queue.options.deliveryLimit;
    if (limit !== undefined && returns > limit) {
      this.deadLetterFrom(queue, queued, 'delivery_limit');
      return undefined;
    }
    const message = {
      ...queued.message,
      headers: { ...queued.message.headers, 'x-delivery-count': returns },
    };
    return { message, redelivered: true, returns, expiresAt: queued.expiresAt };
  }

  async consume(options: ConsumeOptions, handler: (delivery: Delivery) => void): Promise<Subscription> {
    const checked = checkConsumeArgs(options, handler);
    this.assertOpen();
    this.checkBindings(checked);
    const queue = this.queueFor(checked);
    for (const b of checked.bindings) this.bind(queue, b.exchange, b.pattern);

    const consumer: Consumer = {
      queue,
      handler,
      prefetch: checked.prefetch,
      drainMs: checked.drainMs,
      deriveMissingMessageId: checked.deriveMissingMessageId,
      unsettled: new Set(),
      inFlight: new InFlight(),
    };
    queue.consumers.push(consumer);
    this.scheduleDrain(queue);
    return {
      queue: queue.name,
      cancel: () => this.cancelConsumer(consumer),
    };
  }

  /** Messages waiting in a queue (not counting those handed out); for tests and health output. */
  queueDepth(queue: string): number {
    return this.queues.get(queue)?.messages.length ?? 0;
  }

  private setState(state: BusState, detail?: string): void {
    this.current = state;
    this.emit('state', state, detail);
  }

  private assertOpen(): void {
    if (this.current === 'closed' || this.closing) throw new BusError('closed', 'embedded bus is closed');
    if (this.current !== 'connected')
      throw new BusError('not-connected', 'embedded bus is not started; call start() first');
  }

  private checkBindings(declaration: CheckedQueueDeclaration): void {
    for (const b of declaration.bindings) {
      if (!this.exchanges.has(b.exchange)) {
        throw new BusError(
          'refused',
          `cannot bind queue '${declaration.queue}': exchange '${b.exchange}' is not declared`,
          { replyCode: 404 },
        );
      }
      compileTopicPattern(b.pattern);
    }
  }

  private queueFor(declaration: CheckedQueueDeclaration): QueueState {
    const name = declaration.queue;
    const options = queueOptionsOf(declaration);
    const existing = this.queues.get(name);
    if (existing) {
      // RabbitMQ refuses to redeclare a queue with other arguments; keep flows honest here too.
      const keys = Object.keys(options) as (keyof CheckedQueueOptions)[];
      const differs = keys.find((k) => existing.options[k] !== options[k]);
      if (differs) {
        throw new BusError(
          'refused',
          `queue '${name}' already exists with ${differs}=${String(existing.options[differs])}, ` +
            `cannot redeclare it with ${differs}=${String(options[differs])}`,
          { replyCode: 406 },
        );
      }
      return existing;
    }
    const queue: QueueState = {
      name,
      options,
      messages: [],
      consumers: [],
      nextConsumer: 0,
      drainScheduled: false,
    };
    this.queues.set(name, queue);
    return queue;
  }

  private bind(queue: QueueState, exchange: string, pattern: string): void {
    const bindings = this.exchanges.get(exchange) ?? [];
    if (bindings.some((b) => b.queue === queue && b.pattern === pattern)) return;
    bindings.push({ queue, pattern, matches: compileTopicPattern(pattern) });
    this.exchanges.set(exchange, bindings);
  }

  private route(exchange: string, routingKey: string): Set<QueueState> {
    const targets = new Set<QueueState>();
    if (exchange === '') {
      const queue = this.queues.get(routingKey);
      if (queue) targets.add(queue);
      return targets;
    }
    const bindings = this.exchanges.get(exchange);
    if (!bindings) {
      throw new BusError('refused', `cannot publish: exchange '${exchange}' is not declared`, {
        replyCode: 404,
      });
    }
    for (const b of bindings) if (b.matches(routingKey)) targets.add(b.queue);
    return targets;
  }

  private cancelConsumer(consumer: Consumer): Promise<void> {
    consumer.cancelling ??= this.drainConsumer(consumer);
    return consumer.cancelling;
  }

  /** As on RabbitMQ: no new deliveries at once, then up to drainMs for those in hand to be settled. */
  private async drainConsumer(consumer: Consumer): Promise<void> {
    const queue = consumer.queue;
    queue.consumers = queue.consumers.filter((c) => c !== consumer);
    if (consumer.inFlight.size > 0) await consumer.inFlight.drain(consumer.drainMs);
    // A cancelled consumer's unsettled deliveries go back to the queue, like a closed channel's do.
    const givenBack = [...consumer.unsettled].flatMap((q) => this.giveBack(queue, q) ?? []);
    consumer.unsettled.clear();
    queue.messages.unshift(...givenBack);
    this.scheduleDrain(queue);
  }

  private scheduleDrain(queue: QueueState): void {
    if (queue.drainScheduled) return;
    queue.drainScheduled = true;
    // Never deliver from inside publish/ack/consume: handlers must not run re-entrantly.
    setImmediate(() => {
      queue.drainScheduled = false;
      this.drain(queue);
    });
  }

  private drain(queue: QueueState): void {
    while (queue.messages.length > 0 && this.current !== 'closed') {
      const consumer = this.pickConsumer(queue);
      if (!consumer) return;
      const queued = queue.messages.shift() as QueuedMessage;
      consumer.unsettled.add(queued);
      this.deliver(consumer, queued);
    }
  }

  private pickConsumer(queue: QueueState): Consumer | undefined {
    const candidates = queue.options.singleActiveConsumer ? queue.consumers.slice(0, 1) : queue.consumers;
    for (let i = 0; i < candidates.length; i++) {
      const index = (queue.nextConsumer + i) % candidates.length;
      const consumer = candidates[index];
      if (consumer.unsettled.size < consumer.prefetch) {
        queue.nextConsumer = index + 1;
        return consumer;
      }
    }
    return undefined;
  }

  private deliver(consumer: Consumer, queued: QueuedMessage): void {
    const queue = consumer.queue;
    let settled = false;
    // Settling after a cancel must not touch the copy that went back to the queue.
    const settle = (): boolean => {
      if (settled || !consumer.unsettled.has(queued)) return false;
      settled = true;
      consumer.unsettled.delete(queued);
      this.scheduleDrain(queue);
      return true;
    };
    const own = queued.message.messageId;
    const delivery: Delivery = {
      ...queued.message,
      body: queued.message.body,
      headers: { ...queued.message.headers },
      messageId:
        own || !consumer.deriveMissingMessageId
          ? own
          : stableMessageId(queued.message.body, queued.message.contentType),
      redelivered: queued.redelivered,
      ack: () => {
        settle();
        consumer.inFlight.settled(delivery);
      },
      requeue: () => {
        const back = settle() ? this.giveBack(queue, queued) : undefined;
        if (back) {
          queue.messages.unshift(back);
          this.scheduleExpiry(queue);
        }
        consumer.inFlight.settled(delivery);
      },
      deadLetter: async (reason: string) => {
        const headers = deadLetterHeaders(delivery, queue.name, reason);
        if (!settle()) return;
        const work = (async () =>
          this.deposit(DEAD_LETTER_EXCHANGE, queued.message.routingKey, queued.message.body, {
            headers,
            messageId: queued.message.messageId,
            correlationId: queued.message.correlationId,
            contentType: queued.message.contentType,
          }))();
        consumer.inFlight.settleWith(delivery, work);
        await work;
      },
    };
    consumer.inFlight.add(delivery);
    try {
      consumer.handler(delivery);
    } catch (err) {
      // A throwing handler must not lose the message nor loop on it forever: dead-letter it.
      const reason = `consumer handler threw: ${errorMessage(err)}`;
      this.emit('handler-error', err, queue.name);
      delivery.deadLetter(reason).catch((dlErr: unknown) => this.emit('handler-error', dlErr, queue.name));
    }
  }
}
