import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import * as amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message } from 'amqplib';
import {
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_QUEUE,
  type Bus,
  type BusState,
  type ConsumeOptions,
  type Delivery,
  type PublishOptions,
  type QueueDeclaration,
  type Subscription,
} from './bus';
import { AckBatch } from './ack-batch';
import { BusError, connectFailure, isBusError, replyCodeOf } from './bus-error';
import { describeBrokerUrl, parseBrokerUrls } from './broker-urls';
import { amqplibSocket } from './amqplib-socket';
import { coalesceSocketWrites } from './coalesce-writes';
import { deadLetterHeaders } from './dead-letter';
import { InFlight } from './in-flight';
import { stableMessageId } from './message-id';
import { queueArguments } from './queue-arguments';
import {
  checkConsumeArgs,
  checkExchangeName,
  checkPublishArgs,
  checkQueueDeclaration,
  type CheckedConsumeOptions,
  type CheckedQueueDeclaration,
} from './validate';
import { errorMessage } from '../../formats/error-message';
import { withTimeout } from '../../formats/with-timeout';
import { backoffDelay } from '../resilience';

export interface RabbitMqBusOptions {
  /**
   * amqp:// or amqps:// URL, or several (the nodes of a cluster, a standby), tried round robin on
   * connect and on every reconnect; credentials in them never show up in describe() or errors
   */
  url: string | readonly string[];
  /** default 30; 0 disables heartbeats */
  heartbeatSeconds?: number;
  /** exponential backoff between reconnect attempts; default 500 ms doubling up to 30 s */
  reconnectDelayMs?: { initial: number; max: number };
  /** TLS options (ca, cert, key, servername, rejectUnauthorized ...) for amqps:// */
  socketOptions?: ConnectionOptions;
  /** shown in the RabbitMQ management UI; default "crm-hub" */
  connectionName?: string;
  /** how long one broker may take to accept a connection and finish the AMQP handshake; default 10 s */
  connectTimeoutMs?: number;
  /** how long publish/consume/declareExchange wait for a lost connection to come back; default 10 s */
  connectWaitMs?: number;
  /**
   * how long a publish may stay without the broker's confirm before it fails as outcome-unknown (the
   * caller publishes again; consumers are idempotent on the message id); default 30 s
   */
  publishTimeoutMs?: number;
  /**
   * how long the restore after a connect (publish channel, declarations, consumers) may take before the
   * connection is given up and the next attempt follows the backoff; default 30 s
   */
  restoreTimeoutMs?: number;
}

interface Broker {
  url: string;
  where: string;
  user: string;
}

/**
 * One piece of topology (an exchange, a consumer with its queue, bindings and prefetch). It runs when
 * it is declared and again, in the order declared, on every new connection (amqp-connection-manager's
 * setup functions), so a reconnect rebuilds exactly what the flows asked for.
 */
interface SetupStep {
  readonly key: unknown;
  run(model: ChannelModel): Promise<void>;
  /**
   * Declares what the step declares again, on a connection that has it already (a consumer's queue and
   * bindings without a second consumer): the topology after the broker lost part of it under the bus.
   */
  declare(model: ChannelModel): Promise<void>;
  /** a step that fails while reconnecting is reported and retried on its own; the others go on */
  failed(err: unknown, model: ChannelModel): void;
}

interface ConsumerRecord {
  readonly options: CheckedConsumeOptions;
  readonly handler: (delivery: Delivery) => void;
  readonly inFlight: InFlight;
  channel?: Channel;
  consumerTag?: string;
  opening?: Promise<void>;
  cancelled: boolean;
  cancelling?: Promise<void>;
  reopenAttempt: number;
  reopenTimer?: NodeJS.Timeout;
}

interface PendingPublish {
  readonly messageId: string;
  returned?: { code: number | undefined; text: string };
}

/** A publish not settled yet, failed from outside when its connection is lost or its time is up. */
interface UnsettledPublish {
  readonly startedAt: number;
  readonly exchange: string;
  readonly routingKey: string;
  /** the broker's answer came; a failure it brought is classified in a microtask */
  answered: boolean;
  /** a dead letter: its message is in hand, and its fallback (a reject) would lose the reason */
  readonly deadLetter: boolean;
  confirmed(): void;
  fail(err: unknown): void;
}

/** Where a publish went, for its errors: built only when one is, not for every publish. */
function whereOf(entry: UnsettledPublish): string {
  return `exchange '${entry.exchange}' with routing key '${entry.routingKey}'`;
}

interface Waiter {
  resolve(model: ChannelModel): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const QUORUM = { 'x-queue-type': 'quorum' };
const CLOSE_CONFIRM_WAIT_MS = 5000;

/**
 * The bus on RabbitMQ: one connection, a confirm channel for publishing and one channel per consumer.
 * It survives broker restarts and fails over between brokers by itself: the setup list is replayed
 * after every reconnect, so the Node-RED glue never has to re-register anything.
 */
export class RabbitMqBus extends EventEmitter implements Bus {
  readonly kind = 'rabbitmq' as const;
  private readonly brokers: Broker[];
  /** the broker connected to (or, before the first connection, the first to try) */
  private currentBroker = 0;
  /** where the next connection attempt starts: the broker after the last one connected to */
  private nextBroker = 0;
  private readonly reconnectDelay: { initial: number; max: number };
  private readonly connectWaitMs: number;
  private readonly publishTimeoutMs: number;
  private readonly restoreTimeoutMs: number;
  private readonly unsettledPublishes = new Set<UnsettledPublish>();
  private publishSweep?: NodeJS.Timeout;
  private current: BusState = 'disconnected';
  private started = false;
  private closing = false;
  private closed?: Promise<void>;
  private model?: ChannelModel;
  private pubChannel?: ConfirmChannel;
  private pubChannelOpening?: Promise<ConfirmChannel>;
  private reconnecting = false;
  private backoffTimer?: { timer: NodeJS.Timeout; wake(): void };
  private waiters: Waiter[] = [];
  private setups: SetupStep[] = [];
  private readonly consumers = new Set<ConsumerRecord>();
  /**
   * The mandatory publishes on their way, in publish order. Kept by object, not by message id: a
   * map by id hashed every new id twice, and a return (rare) can look through these instead.
   */
  private readonly pendingReturns = new Set<PendingPublish>();
  /** why the broker closed a channel; amqplib only tells the publish callback "channel closed" */
  private readonly channelErrors = new WeakMap<Channel, Error>();
  private readonly closedChannels = new WeakSet<Channel>();
  /** the batched acknowledgements of each consumer channel */
  private readonly ackBatches = new WeakMap<Channel, AckBatch>();
  private connectionError?: string;
  private blockedReason?: string;
  private redeclaring?: Promise<void>;

  constructor(private readonly options: RabbitMqBusOptions) {
    super();
    // every node using the broker follows its state until it is set up: a flow with more than ten
    // such nodes is no leak, and Node's warning made integrators hunt for one
    this.setMaxListeners(0);
    if (typeof options !== 'object' || options === null)
      throw new TypeError('RabbitMqBus options must be an object');
    const given: unknown = options.url;
    const urls: unknown[] =
      typeof given === 'string' || Array.isArray(given) ? parseBrokerUrls(given as string[]) : [given];
    if (urls.length === 0) throw new TypeError('RabbitMQ url must be a non-empty string');
    const heartbeat = options.heartbeatSeconds ?? 30;
    if (!Number.isInteger(heartbeat) || heartbeat < 0) {
      throw new RangeError(`heartbeatSeconds must be a non-negative integer, got ${String(heartbeat)}`);
    }
    this.brokers = urls.map((raw) => {
      const { where, user } = describeBrokerUrl(raw);
      const url = new URL(raw as string);
      if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(heartbeat));
      return { url: url.toString(), where, user };
    });
    this.reconnectDelay = options.reconnectDelayMs ?? { initial: 500, max: 30_000 };
    const { initial, max } = this.reconnectDelay;
    if (!(Number.isFinite(initial) && initial > 0 && Number.isFinite(max) && max >= initial)) {
      throw new RangeError('reconnectDelayMs needs 0 < initial <= max (milliseconds)');
    }
    this.connectWaitMs = options.connectWaitMs ?? 10_000;
    if (!(Number.isFinite(this.connectWaitMs) && this.connectWaitMs >= 0)) {
      throw new RangeError('connectWaitMs must be a non-negative number of milliseconds');
    }
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    if (!(Number.isFinite(this.publishTimeoutMs) && this.publishTimeoutMs > 0)) {
      throw new RangeError('publishTimeoutMs must be a positive number of milliseconds');
    }
    this.restoreTimeoutMs = options.restoreTimeoutMs ?? 30_000;
    if (!(Number.isFinite(this.restoreTimeoutMs) && this.restoreTimeoutMs > 0)) {
      throw new RangeError('restoreTimeoutMs must be a positive number of milliseconds');
    }
  }

  /** The broker in use, and with several, which one of how many. */
  describe(): string {
    const broker = this.brokers[this.currentBroker];
    const base = `RabbitMQ ${broker.where} (user ${broker.user})`;
    return this.brokers.length > 1
      ? `${base}, broker ${this.currentBroker + 1} of ${this.brokers.length}`
      : base;
  }

  state(): BusState {
    return this.current;
  }

  /**
   * The broker's reason while it blocks this connection (a memory or disk alarm): it reads nothing the
   * bus publishes, so a publish is refused at once (`blocked`) rather than left to wait for a confirm.
   */
  blockedBy(): string | undefined {
    return this.blockedReason;
  }

  /**
   * Connects once. If that fails the promise rejects, but the bus keeps retrying in the background (the
   * broker may simply not be up yet); close() stops it.
   */
  async start(): Promise<void> {
    if (this.closing) throw new BusError('closed', `${this.describe()}: bus is closed; create a new one`);
    if (this.started) {
      await this.connectedModel();
      return;
    }
    this.started = true;
    try {
      await this.connectAndRestore();
    } catch (err) {
      if (!this.closing) {
        this.setState('disconnected', errorMessage(err));
        void this.reconnectLoop();
      }
      const target =
        this.brokers.length > 1 ? `any of ${this.brokers.length} RabbitMQ brokers` : this.describe();
      throw new BusError('not-connected', `cannot connect to ${target}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  async declareExchange(name: string): Promise<void> {
    checkExchangeName(name);
    await this.declareAndKeep(`exchange ${name}`, (model) => this.assertExchange(model, name));
  }

  async declareQueue(declaration: QueueDeclaration): Promise<void> {
    const checked = checkQueueDeclaration(declaration);
    await this.declareAndKeep(`queue ${checked.queue}`, (model) => this.assertQueue(model, checked));
  }

  /** Declares on the broker now, and keeps the step to replay after every reconnect (once per key). */
  private async declareAndKeep(key: string, declare: (model: ChannelModel) => Promise<void>): Promise<void> {
    await declare(await this.connectedModel());
    // The broker refused a redeclaration with other options above, so an existing step is this one.
    if (this.setups.some((s) => s.key === key)) return;
    this.setups.push({
      key,
      run: declare,
      declare,
      failed: (err) => this.emit('topology-error', err),
    });
  }

  publish(exchange: string, routingKey: string, body: Buffer, options: PublishOptions = {}): Promise<void> {
    // not an async function: its own promise around confirmedPublish's cost a microtask per publish
    try {
      checkPublishArgs(exchange, routingKey, body, options);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(errorMessage(err)));
    }
    return this.confirmedPublish(false, exchange, routingKey, body, options);
  }

  async consume(options: ConsumeOptions, handler: (delivery: Delivery) => void): Promise<Subscription> {
    const checked = checkConsumeArgs(options, handler);
    const rec: ConsumerRecord = {
      options: checked,
      handler,
      inFlight: new InFlight(),
      cancelled: false,
      reopenAttempt: 0,
    };
    const model = await this.connectedModel();
    // Listed before opening, so a reconnect during the open replays it too.
    this.consumers.add(rec);
    this.setups.push({
      key: rec,
      run: (m) => this.openConsumer(rec, m),
      declare: (m) => this.assertQueue(m, rec.options),
      failed: (err, m) => {
        this.emit('consumer-error', err, checked.queue);
        this.scheduleConsumerReopen(rec, m);
      },
    });
    try {
      await this.openConsumer(rec, model);
    } catch (err) {
      this.forgetConsumer(rec);
      throw err;
    }
    return { queue: checked.queue, cancel: () => this.cancelConsumer(rec) };
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    this.backoffTimer?.wake();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new BusError('closed', `${this.describe()}: bus closed`));
    }
    // Consumers drain first: their deliveries may still be dead-lettered over the publish channel.
    await Promise.all([...this.consumers].map((rec) => this.cancelConsumer(rec)));
    const channel = this.pubChannel;
    if (channel) {
      // Let publishes already on the wire get their confirm instead of failing them on shutdown.
      await withTimeout(channel.waitForConfirms(), CLOSE_CONFIRM_WAIT_MS, () => new Error('late')).catch(
        () => undefined,
      );
    }
    const model = this.model;
    this.model = undefined;
    this.pubChannel = undefined;
    if (model) await closeWithin(model, CLOSE_CONFIRM_WAIT_MS);
    this.setState('closed');
    this.emit('closed');
  }

  private setState(state: BusState, detail?: string): void {
    if (this.current === state && detail === undefined) return;
    this.current = state;
    this.emit('state', state, detail);
    if (state === 'connected' && this.model) {
      const model = this.model;
      for (const waiter of this.waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.resolve(model);
      }
    }
  }

  /** `whileClosing`: a consumer draining on close still dead-letters over the open connection. */
  private async connectedModel(whileClosing = false): Promise<ChannelModel> {
    if (this.closing && !(whileClosing && this.model)) {
      throw new BusError('closed', `${this.describe()}: bus is closed`);
    }
    if (!this.started) {
      throw new BusError('not-connected', `${this.describe()}: bus is not started; call start() first`);
    }
    if (this.model && (this.current === 'connected' || this.closing)) return this.model;
    return new Promise<ChannelModel>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          const why = this.connectionError ? ` (last error: ${this.connectionError})` : '';
          reject(
            new BusError(
              'not-connected',
              `not connected to ${this.describe()} within ${this.connectWaitMs} ms${why}`,
            ),
          );
        }, this.connectWaitMs),
      };
      this.waiters.push(waiter);
    });
  }

  private async connectAndRestore(): Promise<void> {
    this.setState('connecting');
    const model = await this.connectToNextBroker();
    if (this.closing) {
      await model.close().catch(() => undefined);
      throw new BusError('closed', 'bus closed while connecting');
    }
    model.on('error', (err: unknown) => {
      // a connection given up (restoreWithinBound) reports its end after a newer one took its place
      if (this.model === model || !this.model) this.connectionError = errorMessage(err);
    });
    model.on('close', (err?: unknown) => this.onConnectionLost(model, err));
    model.on('blocked', (reason: unknown) => {
      if (this.model === model) {
        this.blockedReason = String(reason);
        this.failBlockedPublishes(String(reason));
      }
      this.emit('blocked', String(reason));
    });
    model.on('unblocked', () => {
      if (this.model === model) this.blockedReason = undefined;
      this.emit('unblocked');
    });
    coalesceSocketWrites(model);
    this.model = model;
    this.connectionError = undefined;
    await this.restoreWithinBound(model);
    this.setState('connected');
  }

  /**
   * Heartbeats keep a connection alive whose broker never answers an RPC (a channel open, a declaration
   * held up on the broker's side); without a bound such a broker would keep the bus "connecting" for
   * good, and everything waiting for the connection with it. Past restoreTimeoutMs the connection is
   * given up like a lost one, and the reconnect loop tries again after its backoff.
   */
  private async restoreWithinBound(model: ChannelModel): Promise<void> {
    try {
      await withTimeout(
        this.restore(model),
        this.restoreTimeoutMs,
        () =>
          new Error(
            `${this.describe()} did not answer within ${this.restoreTimeoutMs} ms while the bus restored its channels and topology`,
          ),
      );
    } catch (err) {
      if (this.model === model) {
        this.onConnectionLost(model, err);
        // a close handshake would wait for the same broker: drop the socket
        destroySocket(model, errorMessage(err));
      }
      throw err;
    }
  }

  private async restore(model: ChannelModel): Promise<void> {
    await this.openPublishChannel(model);
    for (const step of [...this.setups]) {
      if (this.model !== model) break;
      await step.run(model).catch((err: unknown) => step.failed(err, model));
    }
    if (this.model !== model)
      throw new Error(this.connectionError ?? 'connection lost while restoring topology');
  }

  /** Tries each broker once, starting after the one connected to last (round robin). */
  private async connectToNextBroker(): Promise<ChannelModel> {
    const count = this.brokers.length;
    const first = this.nextBroker;
    const failures: string[] = [];
    for (let i = 0; i < count && !this.closing; i++) {
      const index = (first + i) % count;
      const broker = this.brokers[index];
      try {
        const model = await amqp.connect(broker.url, {
          // Nagle's algorithm holds small frames (acks, confirms) back until the previous segment is
          // acknowledged; with delayed ACKs that is up to 40 ms per confirmed publish.
          noDelay: true,
          // Without a bound a cluster node that accepts TCP but never speaks AMQP (or drops packets)
          // holds the round robin forever; amqplib lifts this timeout once the connection is open.
          timeout: this.options.connectTimeoutMs ?? 10000,
          ...this.options.socketOptions,
          clientProperties: { connection_name: this.options.connectionName ?? 'crm-hub' },
        });
        this.currentBroker = index;
        this.nextBroker = (index + 1) % count;
        return model;
      } catch (err) {
        const why = connectFailure(err, broker.url);
        failures.push(count > 1 ? `${broker.where}: ${why}` : why);
      }
    }
    // The next round starts one further on, so a broker that hangs on connect is not always tried first.
    this.nextBroker = (first + 1) % count;
    throw new Error(failures.join('; ') || 'bus closed while connecting');
  }

  private onConnectionLost(model: ChannelModel, err: unknown): void {
    if (this.model !== model) return;
    this.model = undefined;
    this.blockedReason = undefined;
    this.pubChannel = undefined;
    this.failUnsettledPublishes();
    for (const rec of this.consumers) {
      rec.channel = undefined;
      rec.inFlight.clear();
      clearTimeout(rec.reopenTimer);
    }
    if (this.closing) return;
    const reason = err ? errorMessage(err) : (this.connectionError ?? 'connection closed');
    this.connectionError = reason;
    this.setState('disconnected', reason);
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (let attempt = 0; !this.closing; attempt++) {
        await this.backoff(attempt);
        if (this.closing) return;
        try {
          await this.connectAndRestore();
          return;
        } catch (err) {
          if (this.closing) return;
          this.connectionError = errorMessage(err);
          this.setState('disconnected', this.connectionError);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private delayFor(attempt: number): number {
    const { initial, max } = this.reconnectDelay;
    // The SOAP client's backoff, jitter included: N hub instances never reconnect in lockstep.
    return backoffDelay(attempt + 1, { baseDelayMs: initial, maxDelayMs: max, jitter: 0.2 });
  }

  private backoff(attempt: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.backoffTimer = undefined;
        resolve();
      };
      const timer = setTimeout(wake, this.delayFor(attempt));
      this.backoffTimer = { timer, wake };
    });
  }

  private assertExchange(model: ChannelModel, name: string): Promise<void> {
    return this.onOwnChannel(model, `cannot declare exchange '${name}'`, async (ch) => {
      await ch.assertExchange(name, 'topic', { durable: true });
    });
  }

  private assertQueue(model: ChannelModel, declaration: CheckedQueueDeclaration): Promise<void> {
    return this.onOwnChannel(model, `cannot declare queue '${declaration.queue}'`, (ch) =>
      this.declareQueueOn(ch, declaration),
    );
  }

  /**
   * One operation on a channel of its own, closed after it: a refused declaration closes only that
   * channel, and its failure says `what` could not be done.
   */
  private async onOwnChannel(
    model: ChannelModel,
    what: string,
    operation: (ch: Channel) => Promise<void>,
  ): Promise<void> {
    const ch = await this.openChannel(model, what);
    try {
      await operation(ch);
    } catch (err) {
      throw this.operationFailure(what, model, this.channelErrors.get(ch) ?? err);
    } finally {
      if (!this.closedChannels.has(ch)) await ch.close().catch(() => undefined);
    }
  }

  /** A new channel, watched for the broker closing it; failing to open it is an operationFailure. */
  private async openChannel(model: ChannelModel, what: string): Promise<Channel> {
    let ch: Channel;
    try {
      ch = await model.createChannel();
    } catch (err) {
      throw this.operationFailure(what, model, err);
    }
    this.watchChannel(ch);
    return ch;
  }

  /** The queue with its bindings, and the dead-letter exchange and queue every hub queue relies on. */
  private async declareQueueOn(ch: Channel, declaration: CheckedQueueDeclaration): Promise<void> {
    const { queue, bindings } = declaration;
    await ch.assertExchange(DEAD_LETTER_EXCHANGE, 'topic', { durable: true });
    await ch.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { ...QUORUM } });
    await ch.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '#');
    if (queue !== DEAD_LETTER_QUEUE)
      await ch.assertQueue(queue, { durable: true, arguments: queueArguments(queue, declaration) });
    for (const b of bindings) await ch.bindQueue(queue, b.exchange, b.pattern);
  }

  /** The broker refused the operation, or the connection went away under it. */
  private operationFailure(what: string, model: ChannelModel, err: unknown): BusError {
    const refused = replyCodeOf(err) !== undefined || this.model === model;
    return new BusError(refused ? 'refused' : 'not-connected', `${what}: ${errorMessage(err)}`, {
      replyCode: replyCodeOf(err),
      cause: err,
    });
  }

  private watchChannel(ch: Channel): void {
    // Without an 'error' listener a broker-side channel close would crash the process.
    ch.on('error', (err: unknown) =>
      this.channelErrors.set(ch, err instanceof Error ? err : new Error(errorMessage(err))),
    );
    ch.on('close', () => this.closedChannels.add(ch));
  }

  /** The publish channel when it is open and may be used now; undefined when it has to be opened. */
  private openPublishChannelFor(whileClosing: boolean): ConfirmChannel | undefined {
    const channel = this.pubChannel;
    return channel && !this.closedChannels.has(channel) && (whileClosing || !this.closing)
      ? channel
      : undefined;
  }

  private async publishChannel(whileClosing: boolean): Promise<ConfirmChannel> {
    const open = this.openPublishChannelFor(whileClosing);
    if (open) return open;
    const model = await this.connectedModel(whileClosing);
    if (!this.pubChannelOpening) {
      this.pubChannelOpening = this.openPublishChannel(model).finally(() => {
        this.pubChannelOpening = undefined;
      });
    }
    return this.pubChannelOpening;
  }

  private async openPublishChannel(model: ChannelModel): Promise<ConfirmChannel> {
    const ch = await model.createConfirmChannel();
    this.watchChannel(ch);
    ch.on('return', (msg: Message) => this.onReturn(msg));
    ch.on('close', () => {
      if (this.pubChannel === ch) this.pubChannel = undefined;
    });
    if (this.model === model) this.pubChannel = ch;
    return ch;
  }

  /**
   * A publish that settles whatever happens below it: with the broker's confirm, with its failure, as
   * outcome-unknown when the connection it may have gone out on is lost (onConnectionLost), or when
   * no confirm came within publishTimeoutMs. A connection loss once left one golden outbox page
   * waiting forever (two of about sixty broker restarts of the fault suite, published 22 ms
   * before the broker closed the connection), and with it every golden change after it.
   */
  private confirmedPublish(
    whileClosing: boolean,
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: PublishOptions,
  ): Promise<void> {
    // A publish under the alarm would wait publishTimeoutMs for its confirm, and hold a SOAP or REST
    // caller that long; it would also make the broker stop reading the whole connection, consumers'
    // acks included. Dead letters (whileClosing) still go out: their message is in hand, and their
    // fallback, a reject, would lose the reason.
    const blocked = whileClosing ? undefined : this.blockedReason;
    if (blocked !== undefined) {
      return Promise.reject(
        new BusError(
          'blocked',
          `${this.describe()} blocks publishing (${blocked}): nothing was sent to exchange '${exchange}' with routing key '${routingKey}'; publish it again once the broker's alarm cleared`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: UnsettledPublish = {
        startedAt: Date.now(),
        exchange,
        routingKey,
        answered: false,
        deadLetter: whileClosing,
        confirmed: () => {
          if (this.unsettledPublishes.delete(entry)) resolve();
        },
        fail: (err) => {
          if (this.unsettledPublishes.delete(entry)) reject(err);
        },
      };
      this.unsettledPublishes.add(entry);
      // Kept while publishes come (the sweep stops it once none is left): started and stopped around
      // every publish, it cost two timer operations per message whenever publishes did not overlap.
      if (!this.publishSweep) {
        this.publishSweep = setInterval(() => this.sweepPublishes(), Math.min(this.publishTimeoutMs, 1000));
        this.publishSweep.unref();
      }
      const channel = this.openPublishChannelFor(whileClosing);
      if (channel) this.publishOn(channel, body, options, entry);
      else
        this.publishChannel(whileClosing).then(
          (opened) => this.publishOn(opened, body, options, entry),
          (err: unknown) => entry.fail(err),
        );
    });
  }

  private sweepPublishes(): void {
    if (this.unsettledPublishes.size === 0 && this.publishSweep) {
      clearInterval(this.publishSweep);
      this.publishSweep = undefined;
      return;
    }
    const due = Date.now() - this.publishTimeoutMs;
    for (const entry of this.unsettledPublishes) {
      if (entry.startedAt > due || entry.answered) continue;
      entry.fail(
        new BusError(
          'outcome-unknown',
          `no confirm from ${this.describe()} for the message to ${whereOf(entry)} within ${this.publishTimeoutMs} ms; it may or may not have been delivered`,
        ),
      );
    }
  }

  /**
   * RabbitMQ says connection.blocked only once the connection publishes under the alarm (3.10 here:
   * 8 ms after the first publish), and then reads nothing more from it: the publishes on their way
   * would wait publishTimeoutMs for their confirm. They fail now, as they would then; the broker may
   * still take them once the alarm clears, and a caller that publishes again keeps the message id.
   */
  private failBlockedPublishes(reason: string): void {
    for (const entry of this.unsettledPublishes) {
      if (entry.answered || entry.deadLetter) continue;
      entry.fail(
        new BusError(
          'outcome-unknown',
          `${this.describe()} blocked the connection (${reason}) before it confirmed the message to ${whereOf(entry)}; it may or may not be delivered once the alarm clears`,
        ),
      );
    }
  }

  /** Every publish not settled yet may have gone out on the lost connection: its outcome is unknown. */
  private failUnsettledPublishes(): void {
    for (const entry of this.unsettledPublishes) {
      // a confirm read from the same chunk as the connection's close is an answer all the same
      if (entry.answered) continue;
      entry.fail(
        new BusError(
          'outcome-unknown',
          `connection to ${this.describe()} lost before the broker confirmed the message to ${whereOf(entry)}; it may or may not have been delivered`,
        ),
      );
    }
  }

  /**
   * Sends on the channel and settles `unsettled` from amqplib's confirm callback itself: a promise of
   * its own around the callback, awaited, cost several microtasks per message. A return arrives
   * before its confirm (the broker sends basic.return first, and amqplib emits it as it reads it), so
   * the confirm callback sees whether the message was returned.
   */
  private publishOn(
    channel: ConfirmChannel,
    body: Buffer,
    options: PublishOptions,
    unsettled: UnsettledPublish,
  ): void {
    // The connection it goes out on: if that is gone when the publish fails, the outcome is unknown.
    const model = this.model;
    const { exchange, routingKey } = unsettled;
    const messageId = options.messageId ?? randomUUID();
    const mandatory = options.mandatory !== false;
    const pending: PendingPublish = { messageId };
    if (mandatory) this.pendingReturns.add(pending);
    // Failures are classified a microtask later: amqplib fails the confirm callbacks while it closes
    // the channels, before the connection's own 'close' event says the connection is gone.
    const failLater = (failure: () => unknown) =>
      void Promise.resolve().then(() => unsettled.fail(failure()));
    try {
      channel.publish(
        exchange,
        routingKey,
        body,
        {
          persistent: options.persistent !== false,
          mandatory,
          messageId,
          correlationId: options.correlationId,
          contentType: options.contentType,
          headers: options.headers,
          timestamp: Math.floor(Date.now() / 1000),
        },
        (err: unknown) => {
          if (mandatory) this.pendingReturns.delete(pending);
          if (err)
            return failLater(() => this.publishFailure(channel, model, exchange, whereOf(unsettled), err));
          unsettled.answered = true;
          const returned = pending.returned;
          if (returned === undefined) return unsettled.confirmed();
          unsettled.fail(
            new BusError(
              'unroutable',
              `message to ${whereOf(unsettled)} is unroutable: the broker returned it (${String(returned.code)} ${returned.text})`,
              { replyCode: returned.code },
            ),
          );
        },
      );
    } catch (err) {
      if (mandatory) this.pendingReturns.delete(pending);
      // amqplib refuses at once when the channel is already closed: nothing went out.
      failLater(() =>
        this.closedChannels.has(channel)
          ? new BusError('not-connected', `publish to ${whereOf(unsettled)} failed: ${errorMessage(err)}`, {
              cause: err,
            })
          : err,
      );
    }
  }

  private onReturn(msg: Message): void {
    const id: unknown = msg.properties.messageId;
    if (typeof id !== 'string') return;
    // Returns arrive in publish order, before the confirm, so the oldest unreturned publish is the one.
    let pending: PendingPublish | undefined;
    for (const p of this.pendingReturns)
      if (p.messageId === id && p.returned === undefined) {
        pending = p;
        break;
      }
    // basic.return carries replyCode/replyText, which the amqplib typings leave out of MessageFields.
    const fields = msg.fields as unknown as { replyCode?: unknown; replyText?: unknown };
    if (pending) {
      const code = typeof fields.replyCode === 'number' ? fields.replyCode : undefined;
      pending.returned = { code, text: String(fields.replyText) };
    }
  }

  private publishFailure(
    channel: ConfirmChannel,
    model: ChannelModel | undefined,
    exchange: string,
    where: string,
    err: unknown,
  ): BusError {
    const text = errorMessage(err);
    if (text === 'message nacked') return new BusError('nacked', `the broker nacked the message to ${where}`);
    const channelError = this.channelErrors.get(channel);
    const culprit = channelError && refusedExchangeOf(channelError);
    if (culprit !== undefined && culprit !== exchange) {
      // The channel is shared: one publish to a missing or forbidden exchange closes it under every
      // publish in flight on it. Those were not refused; requeued, they go out again on the next channel.
      return new BusError(
        'outcome-unknown',
        `publish to ${where} failed: the broker closed the channel under it for another publish (${errorMessage(channelError)}); it may or may not have been delivered`,
        { cause: channelError },
      );
    }
    if (channelError) {
      return new BusError('refused', `publish to ${where} failed: ${errorMessage(channelError)}`, {
        replyCode: replyCodeOf(channelError),
        cause: channelError,
      });
    }
    const lost = this.model !== model || this.model === undefined;
    return new BusError(
      'outcome-unknown',
      lost
        ? `connection to ${this.describe()} lost before the broker confirmed the message to ${where}; it may or may not have been delivered`
        : `publish to ${where} failed before the broker confirmed it (${text}); it may or may not have been delivered`,
      { cause: err },
    );
  }

  private openConsumer(rec: ConsumerRecord, model: ChannelModel): Promise<void> {
    if (rec.opening) return rec.opening;
    rec.opening = this.doOpenConsumer(rec, model).finally(() => {
      rec.opening = undefined;
    });
    return rec.opening;
  }

  private async doOpenConsumer(rec: ConsumerRecord, model: ChannelModel): Promise<void> {
    const { queue, prefetch } = rec.options;
    const what = `cannot consume from queue '${queue}'`;
    const ch = await this.openChannel(model, what);
    try {
      await ch.prefetch(prefetch);
      await this.declareQueueOn(ch, rec.options);
      const acks = this.ackBatchFor(ch, queue);
      const ok = await ch.consume(queue, (msg) => this.onMessage(rec, ch, acks, msg), { noAck: false });
      rec.consumerTag = ok.consumerTag;
    } catch (err) {
      const failure = this.operationFailure(what, model, this.channelErrors.get(ch) ?? err);
      if (!this.closedChannels.has(ch)) await ch.close().catch(() => undefined);
      throw failure;
    }
    if (rec.cancelled || this.closedChannels.has(ch)) {
      await ch.close().catch(() => undefined);
      return;
    }
    rec.channel = ch;
    rec.reopenAttempt = 0;
    ch.on('close', () => {
      // Whatever was unsettled on this channel goes back to the queue; there is nothing left to wait for.
      rec.inFlight.clear();
      if (rec.channel !== ch) return;
      rec.channel = undefined;
      if (rec.cancelled || this.closing) return;
      // Broker cancelled the consumer (queue deleted) or closed the channel: reopen while connected.
      this.emit('consumer-error', new Error(`consumer channel of queue '${queue}' closed`), queue);
      this.scheduleConsumerReopen(rec, model);
    });
  }

  private scheduleConsumerReopen(rec: ConsumerRecord, model: ChannelModel): void {
    clearTimeout(rec.reopenTimer);
    rec.reopenTimer = setTimeout(() => {
      rec.reopenTimer = undefined;
      // A lost connection is handled by the reconnect loop, which replays every setup step.
      if (rec.cancelled || this.closing || this.model !== model) return;
      if (rec.channel && !this.closedChannels.has(rec.channel)) return;
      // The connection is still being restored (a consumer whose step failed while the steps after it
      // run): giving up here would leave the queue without its consumer for good, so try again later.
      if (this.current !== 'connected') return this.scheduleConsumerReopen(rec, model);
      this.openConsumer(rec, model).catch((err: unknown) => {
        this.emit('consumer-error', err, rec.options.queue);
        this.scheduleConsumerReopen(rec, model);
      });
    }, this.delayFor(rec.reopenAttempt++));
  }

  private forgetConsumer(rec: ConsumerRecord): void {
    rec.cancelled = true;
    this.consumers.delete(rec);
    this.setups = this.setups.filter((s) => s.key !== rec);
    clearTimeout(rec.reopenTimer);
  }

  private cancelConsumer(rec: ConsumerRecord): Promise<void> {
    rec.cancelling ??= this.drainConsumer(rec);
    return rec.cancelling;
  }

  /**
   * basic.cancel first, so the broker sends nothing more; the channel stays open while the deliveries
   * in hand are settled (up to drainMs), because only their own channel can ack them. Closing it then
   * hands whatever is still unsettled back to the queue.
   */
  private async drainConsumer(rec: ConsumerRecord): Promise<void> {
    this.forgetConsumer(rec);
    await rec.opening?.catch(() => undefined);
    const ch = rec.channel;
    if (!ch || this.closedChannels.has(ch)) {
      rec.channel = undefined;
      return;
    }
    if (rec.consumerTag) await ch.cancel(rec.consumerTag).catch(() => undefined);
    if (rec.inFlight.size > 0) await rec.inFlight.drain(rec.options.drainMs);
    rec.channel = undefined;
    // The acknowledgements of this event-loop turn go out before the channel hands the rest back.
    this.ackBatches.get(ch)?.flush();
    if (!this.closedChannels.has(ch)) await ch.close().catch(() => undefined);
  }

  /**
   * A consumer channel's acknowledgements, batched per event-loop turn (ack-batch.ts). The batch is
   * dropped with the channel: what it had not sent yet, the broker redelivers.
   */
  private ackBatchFor(ch: Channel, queue: string): AckBatch {
    const acks = new AckBatch((deliveryTag, allUpTo) => {
      if (this.closedChannels.has(ch)) return;
      try {
        this.settleOn(ch, () => ch.ack({ fields: { deliveryTag } } as Message, allUpTo));
      } catch (err) {
        // sent from a timer: nobody to throw to; the broker redelivers what stays unacknowledged
        this.emit('consumer-error', err, queue);
      }
    });
    this.ackBatches.set(ch, acks);
    ch.on('close', () => acks.close());
    return acks;
  }

  private onMessage(rec: ConsumerRecord, ch: Channel, acks: AckBatch, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled this consumer; closing the channel triggers the reopen path.
      acks.flush();
      if (!this.closedChannels.has(ch)) ch.close().catch(() => undefined);
      return;
    }
    const tag = msg.fields.deliveryTag;
    acks.delivered(tag);
    if (rec.cancelled) {
      // Sent before the broker saw our basic.cancel: it never reaches the flow, the queue gets it back.
      if (!this.closedChannels.has(ch)) this.settleOn(ch, () => ch.nack(msg, false, true));
      acks.settled(tag);
      return;
    }
    const queue = rec.options.queue;
    let settled = false;
    const claim = (): boolean => {
      if (settled) return false;
      settled = true;
      // After a reconnect the old channel is gone and the broker redelivers the message anyway.
      return !this.closedChannels.has(ch);
    };
    const props = msg.properties;
    const ownId = typeof props.messageId === 'string' && props.messageId !== '' ? props.messageId : undefined;
    const contentType = typeof props.contentType === 'string' ? props.contentType : undefined;
    const delivery: Delivery = {
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      body: msg.content,
      headers: { ...(props.headers ?? {}) },
      messageId:
        ownId ?? (rec.options.deriveMissingMessageId ? stableMessageId(msg.content, contentType) : undefined),
      correlationId: typeof props.correlationId === 'string' ? props.correlationId : undefined,
      contentType,
      redelivered: msg.fields.redelivered,
      ack: () => {
        if (claim()) acks.ack(tag);
        rec.inFlight.settled(delivery);
      },
      requeue: () => {
        if (claim()) {
          this.settleOn(ch, () => ch.nack(msg, false, true));
          acks.settled(tag);
        }
        rec.inFlight.settled(delivery);
      },
      deadLetter: async (reason: string) => {
        const headers = deadLetterHeaders(delivery, queue, reason);
        if (settled) return;
        settled = true;
        const work = this.deadLetter(ch, acks, msg, delivery, headers, queue);
        rec.inFlight.settleWith(delivery, work);
        await work;
      },
    };
    rec.inFlight.add(delivery);
    try {
      rec.handler(delivery);
    } catch (err) {
      this.emit('handler-error', err, queue);
      delivery
        .deadLetter(`consumer handler threw: ${errorMessage(err)}`)
        .catch((dlErr: unknown) => this.emit('handler-error', dlErr, queue));
    }
  }

  /** amqplib throws while a channel is closing; the broker hands its unsettled messages back anyway. */
  private settleOn(ch: Channel, settle: () => void): void {
    try {
      settle();
    } catch (err) {
      if (!this.closedChannels.has(ch) && !/clos/i.test(errorMessage(err))) throw err;
    }
  }

  /**
   * The dead-letter exchange deleted under the running bus (404), or its queue with its binding
   * (unroutable): the topology is declared again and the dead letter published once more. Rejecting
   * it onto the queue's own dead-lettering instead would hold it, with at-least-once dead-lettering,
   * in the source queue where no consumer sees it, until the next reconnect replayed the setup list.
   */
  private async publishDeadLetter(routingKey: string, body: Buffer, options: PublishOptions): Promise<void> {
    try {
      await this.confirmedPublish(true, DEAD_LETTER_EXCHANGE, routingKey, body, options);
    } catch (err) {
      const lost = (isBusError(err, 'refused') && err.replyCode === 404) || isBusError(err, 'unroutable');
      if (!lost) throw err;
      await this.redeclareTopology();
      await this.confirmedPublish(true, DEAD_LETTER_EXCHANGE, routingKey, body, options);
    }
  }

  /**
   * Every declaration of the setup list, again, on the connection in use: a deleted exchange took its
   * bindings with it (a flow's own queue on crm.dlx too). Dead letters failing together share one
   * round; a step the broker refuses is reported and the others go on, as on a reconnect.
   */
  private redeclareTopology(): Promise<void> {
    this.redeclaring ??= (async () => {
      const model = await this.connectedModel(true);
      await this.assertQueue(model, checkQueueDeclaration({ queue: DEAD_LETTER_QUEUE, bindings: [] }));
      for (const step of [...this.setups]) {
        if (this.model !== model) return;
        await step.declare(model).catch((err: unknown) => this.emit('topology-error', err));
      }
    })().finally(() => {
      this.redeclaring = undefined;
    });
    return this.redeclaring;
  }

  private async deadLetter(
    ch: Channel,
    acks: AckBatch,
    msg: ConsumeMessage,
    delivery: Delivery,
    headers: Record<string, unknown>,
    queue: string,
  ): Promise<void> {
    try {
      await this.publishDeadLetter(msg.fields.routingKey, msg.content, {
        headers,
        messageId: delivery.messageId,
        correlationId: delivery.correlationId,
        contentType: delivery.contentType,
      });
    } catch (err) {
      // Fall back to the queue's own dead-lettering so the message is neither lost nor looping.
      if (!this.closedChannels.has(ch)) this.settleOn(ch, () => ch.nack(msg, false, false));
      acks.settled(msg.fields.deliveryTag);
      throw new Error(
        `dead-lettering from queue '${queue}' failed: ${errorMessage(err)}; the message was rejected, ` +
          `so the broker dead-letters it to ${DEAD_LETTER_EXCHANGE} without the reason header`,
        { cause: err },
      );
    }
    if (!this.closedChannels.has(ch)) acks.ack(msg.fields.deliveryTag);
  }
}

/**
 * Drops the connection's socket with the reason: amqplib learns of a socket's end only from its
 * 'error' and 'end' events, and without one it would keep the connection's heartbeat timers and
 * pending requests until the heartbeat timeout.
 */
function destroySocket(model: ChannelModel, reason: string): void {
  amqplibSocket(model)?.destroy(new Error(reason));
}

/**
 * The close handshake, bounded: a broker that stopped answering would otherwise hold close() (and a
 * Node-RED redeploy or shutdown with it) for good; past the bound the socket is dropped.
 */
async function closeWithin(model: ChannelModel, ms: number): Promise<void> {
  await withTimeout(
    model.close(),
    ms,
    () => new Error(`no answer to the close handshake within ${ms} ms`),
  ).catch((err: unknown) => destroySocket(model, errorMessage(err)));
}

/**
 * The exchange a channel error names ("NOT_FOUND - no exchange 'x' in vhost '/'", "ACCESS_REFUSED -
 * access to exchange 'x' ..."): the publish to it closed the channel; undefined when it names none.
 */
function refusedExchangeOf(channelError: unknown): string | undefined {
  return /\bexchange '([^']*)'/.exec(errorMessage(channelError))?.[1];
}
