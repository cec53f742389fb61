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
  type Subscription,
} from './bus';
import { coalesceSocketWrites } from './coalesce-writes';
import { deadLetterHeaders } from './dead-letter';
import {
  checkConsumeArgs,
  checkExchangeName,
  checkPublishArgs,
  type CheckedConsumeOptions,
} from './validate';
import { errorMessage } from '../../formats/error-message';

export interface RabbitMqBusOptions {
  /** amqp:// or amqps:// URL; credentials in it never show up in describe() or errors */
  url: string;
  /** default 30; 0 disables heartbeats */
  heartbeatSeconds?: number;
  /** exponential backoff between reconnect attempts; default 500 ms doubling up to 30 s */
  reconnectDelayMs?: { initial: number; max: number };
  /** TLS options (ca, cert, key, servername, rejectUnauthorized ...) for amqps:// */
  socketOptions?: ConnectionOptions;
  /** shown in the RabbitMQ management UI; default "crm-hub" */
  connectionName?: string;
  /** how long publish/consume/declareExchange wait for a lost connection to come back; default 10 s */
  connectWaitMs?: number;
}

interface ConsumerRecord {
  readonly options: CheckedConsumeOptions;
  readonly handler: (delivery: Delivery) => void;
  channel?: Channel;
  consumerTag?: string;
  opening?: Promise<void>;
  cancelled: boolean;
  reopenAttempt: number;
  reopenTimer?: NodeJS.Timeout;
}

interface PendingPublish {
  returned?: string;
}

interface Waiter {
  resolve(model: ChannelModel): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const QUORUM = { 'x-queue-type': 'quorum' };
const CLOSE_CONFIRM_WAIT_MS = 5000;

function parseBrokerUrl(url: unknown): { description: string } {
  if (typeof url !== 'string' || url.trim() === '')
    throw new TypeError('RabbitMQ url must be a non-empty string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself may hold a password, so it is not echoed.
    throw new Error('RabbitMQ url is not a valid URL (expected amqp://user:password@host:port/vhost)');
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new Error(`RabbitMQ url must start with amqp:// or amqps://, got ${parsed.protocol}//`);
  }
  const port = parsed.port || (parsed.protocol === 'amqp:' ? '5672' : '5671');
  const vhost = decodeURIComponent(parsed.pathname.slice(1)) || '/';
  const user = parsed.username ? decodeURIComponent(parsed.username) : 'guest';
  const path = vhost === '/' ? '/' : `/${encodeURIComponent(vhost)}`;
  return { description: `RabbitMQ ${parsed.protocol}//${parsed.hostname}:${port}${path} (user ${user})` };
}

/**
 * The bus on RabbitMQ: one connection, a confirm channel for publishing and one channel per consumer.
 * It survives broker restarts by itself: topology and consumers are restored after every reconnect,
 * so the Node-RED glue never has to re-register anything.
 */
export class RabbitMqBus extends EventEmitter implements Bus {
  readonly kind = 'rabbitmq' as const;
  private readonly description: string;
  private readonly connectUrl: string;
  private readonly reconnectDelay: { initial: number; max: number };
  private readonly connectWaitMs: number;
  private current: BusState = 'disconnected';
  private started = false;
  private closing = false;
  private model?: ChannelModel;
  private pubChannel?: ConfirmChannel;
  private pubChannelOpening?: Promise<ConfirmChannel>;
  private reconnecting = false;
  private backoffTimer?: { timer: NodeJS.Timeout; wake(): void };
  private waiters: Waiter[] = [];
  private readonly exchanges = new Set<string>();
  private readonly consumers = new Set<ConsumerRecord>();
  private readonly pendingReturns = new Map<string, PendingPublish[]>();
  /** why the broker closed a channel; amqplib only tells the publish callback "channel closed" */
  private readonly channelErrors = new WeakMap<Channel, string>();
  private readonly closedChannels = new WeakSet<Channel>();
  private connectionError?: string;

  constructor(private readonly options: RabbitMqBusOptions) {
    super();
    if (typeof options !== 'object' || options === null)
      throw new TypeError('RabbitMqBus options must be an object');
    this.description = parseBrokerUrl(options.url).description;
    const heartbeat = options.heartbeatSeconds ?? 30;
    if (!Number.isInteger(heartbeat) || heartbeat < 0) {
      throw new RangeError(`heartbeatSeconds must be a non-negative integer, got ${String(heartbeat)}`);
    }
    const url = new URL(options.url);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(heartbeat));
    this.connectUrl = url.toString();
    this.reconnectDelay = options.reconnectDelayMs ?? { initial: 500, max: 30_000 };
    const { initial, max } = this.reconnectDelay;
    if (!(Number.isFinite(initial) && initial > 0 && Number.isFinite(max) && max >= initial)) {
      throw new RangeError('reconnectDelayMs needs 0 < initial <= max (milliseconds)');
    }
    this.connectWaitMs = options.connectWaitMs ?? 10_000;
    if (!(Number.isFinite(this.connectWaitMs) && this.connectWaitMs >= 0)) {
      throw new RangeError('connectWaitMs must be a non-negative number of milliseconds');
    }
  }

  describe(): string {
    return this.description;
  }

  state(): BusState {
    return this.current;
  }

  /**
   * Connects once. If that fails the promise rejects, but the bus keeps retrying in the background (the
   * broker may simply not be up yet); close() stops it.
   */
  async start(): Promise<void> {
    if (this.closing) throw new Error(`${this.description}: bus is closed; create a new one`);
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
      throw new Error(`cannot connect to ${this.description}: ${errorMessage(err)}`);
    }
  }

  async close(): Promise<void> {
    if (this.current === 'closed') return;
    this.closing = true;
    this.backoffTimer?.wake();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${this.description}: bus closed`));
    }
    await Promise.all([...this.consumers].map((rec) => this.cancelConsumer(rec)));
    const channel = this.pubChannel;
    if (channel) {
      // Let publishes already on the wire get their confirm instead of failing them on shutdown.
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_CONFIRM_WAIT_MS)));
      await Promise.race([channel.waitForConfirms().catch(() => undefined), bounded]);
      clearTimeout(timer);
    }
    const model = this.model;
    this.model = undefined;
    this.pubChannel = undefined;
    if (model) await model.close().catch(() => undefined);
    this.setState('closed');
    this.emit('closed');
  }

  async declareExchange(name: string): Promise<void> {
    checkExchangeName(name);
    const model = await this.connectedModel();
    await this.withChannel(model, `cannot declare exchange '${name}'`, async (ch) => {
      await ch.assertExchange(name, 'topic', { durable: true });
    });
    this.exchanges.add(name);
  }

  async publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: PublishOptions = {},
  ): Promise<void> {
    checkPublishArgs(exchange, routingKey, body, options);
    const channel = await this.publishChannel();
    const messageId = options.messageId ?? randomUUID();
    const mandatory = options.mandatory !== false;
    const pending: PendingPublish = {};
    if (mandatory)
      this.pendingReturns.set(messageId, [...(this.pendingReturns.get(messageId) ?? []), pending]);
    const where = `exchange '${exchange}' with routing key '${routingKey}'`;
    try {
      await new Promise<void>((resolve, reject) => {
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
            (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
          );
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    } catch (err) {
      throw new Error(this.publishFailure(channel, where, err));
    } finally {
      if (mandatory) this.forgetReturn(messageId, pending);
    }
    if (pending.returned !== undefined) {
      throw new Error(`message to ${where} is unroutable: the broker returned it (${pending.returned})`);
    }
  }

  async consume(options: ConsumeOptions, handler: (delivery: Delivery) => void): Promise<Subscription> {
    const checked = checkConsumeArgs(options, handler);
    const rec: ConsumerRecord = { options: checked, handler, cancelled: false, reopenAttempt: 0 };
    const model = await this.connectedModel();
    // Registered before opening, so a reconnect during the open restores it too.
    this.consumers.add(rec);
    try {
      await this.openConsumer(rec, model);
    } catch (err) {
      this.consumers.delete(rec);
      rec.cancelled = true;
      throw err;
    }
    return { queue: checked.queue, cancel: () => this.cancelConsumer(rec) };
  }

  /** Drops the connection as a network failure would, to exercise the reconnect path in tests. */
  async forceReconnectForTests(): Promise<void> {
    if (!this.model) throw new Error('not connected');
    await this.model.close();
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

  private async connectedModel(): Promise<ChannelModel> {
    if (this.closing) throw new Error(`${this.description}: bus is closed`);
    if (!this.started) throw new Error(`${this.description}: bus is not started; call start() first`);
    if (this.model && this.current === 'connected') return this.model;
    return new Promise<ChannelModel>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          const why = this.connectionError ? ` (last error: ${this.connectionError})` : '';
          reject(new Error(`not connected to ${this.description} within ${this.connectWaitMs} ms${why}`));
        }, this.connectWaitMs),
      };
      this.waiters.push(waiter);
    });
  }

  private async connectAndRestore(): Promise<void> {
    this.setState('connecting');
    const model = await amqp.connect(this.connectUrl, {
      // Nagle's algorithm holds small frames (acks, confirms) back until the previous segment is
      // acknowledged; with delayed ACKs that is up to 40 ms per confirmed publish.
      noDelay: true,
      ...this.options.socketOptions,
      clientProperties: { connection_name: this.options.connectionName ?? 'crm-hub' },
    });
    if (this.closing) {
      await model.close().catch(() => undefined);
      throw new Error('bus closed while connecting');
    }
    model.on('error', (err: unknown) => {
      this.connectionError = errorMessage(err);
    });
    model.on('close', (err?: unknown) => this.onConnectionLost(model, err));
    model.on('blocked', (reason: unknown) => this.emit('blocked', String(reason)));
    model.on('unblocked', () => this.emit('unblocked'));
    coalesceSocketWrites(model);
    this.model = model;
    this.connectionError = undefined;

    this.pubChannel = await this.openPublishChannel(model);
    for (const name of this.exchanges) {
      await this.withChannel(model, `cannot re-declare exchange '${name}'`, async (ch) => {
        await ch.assertExchange(name, 'topic', { durable: true });
      }).catch((err: unknown) => this.emit('topology-error', err));
    }
    await Promise.all(
      [...this.consumers].map((rec) =>
        this.openConsumer(rec, model).catch((err: unknown) => {
          this.emit('consumer-error', err, rec.options.queue);
          this.scheduleConsumerReopen(rec, model);
        }),
      ),
    );
    if (this.model !== model)
      throw new Error(this.connectionError ?? 'connection lost while restoring topology');
    this.setState('connected');
  }

  private onConnectionLost(model: ChannelModel, err: unknown): void {
    if (this.model !== model) return;
    this.model = undefined;
    this.pubChannel = undefined;
    for (const rec of this.consumers) {
      rec.channel = undefined;
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
    const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
    // Jitter keeps N hub instances from reconnecting to a restarted broker in lockstep.
    return Math.round(base * (0.8 + Math.random() * 0.2));
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

  private async withChannel(
    model: ChannelModel,
    what: string,
    fn: (ch: Channel) => Promise<void>,
  ): Promise<void> {
    let ch: Channel;
    try {
      ch = await model.createChannel();
    } catch (err) {
      throw new Error(`${what}: ${errorMessage(err)}`);
    }
    this.watchChannel(ch);
    try {
      await fn(ch);
    } catch (err) {
      throw new Error(`${what}: ${this.channelErrors.get(ch) ?? errorMessage(err)}`);
    } finally {
      if (!this.closedChannels.has(ch)) await ch.close().catch(() => undefined);
    }
  }

  private watchChannel(ch: Channel): void {
    // Without an 'error' listener a broker-side channel close would crash the process.
    ch.on('error', (err: unknown) => this.channelErrors.set(ch, errorMessage(err)));
    ch.on('close', () => this.closedChannels.add(ch));
  }

  private async publishChannel(): Promise<ConfirmChannel> {
    if (this.pubChannel && !this.closedChannels.has(this.pubChannel)) return this.pubChannel;
    const model = await this.connectedModel();
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

  private onReturn(msg: Message): void {
    const id: unknown = msg.properties.messageId;
    if (typeof id !== 'string') return;
    // Returns arrive in publish order, before the confirm, so the oldest unreturned publish is the one.
    const pending = this.pendingReturns.get(id)?.find((p) => p.returned === undefined);
    // basic.return carries replyCode/replyText, which the amqplib typings leave out of MessageFields.
    const fields = msg.fields as unknown as { replyCode?: unknown; replyText?: unknown };
    if (pending) pending.returned = `${String(fields.replyCode)} ${String(fields.replyText)}`;
  }

  private forgetReturn(messageId: string, pending: PendingPublish): void {
    const rest = (this.pendingReturns.get(messageId) ?? []).filter((p) => p !== pending);
    if (rest.length > 0) this.pendingReturns.set(messageId, rest);
    else this.pendingReturns.delete(messageId);
  }

  private publishFailure(channel: ConfirmChannel, where: string, err: unknown): string {
    const text = errorMessage(err);
    if (text === 'message nacked') return `the broker nacked the message to ${where}`;
    const channelError = this.channelErrors.get(channel);
    if (channelError) return `publish to ${where} failed: ${channelError}`;
    if (this.model === undefined || this.closing) {
      return `connection to ${this.description} lost before the broker confirmed the message to ${where}; it may or may not have been delivered`;
    }
    return `publish to ${where} failed: ${text}`;
  }

  private openConsumer(rec: ConsumerRecord, model: ChannelModel): Promise<void> {
    if (rec.opening) return rec.opening;
    rec.opening = this.doOpenConsumer(rec, model).finally(() => {
      rec.opening = undefined;
    });
    return rec.opening;
  }

  private async doOpenConsumer(rec: ConsumerRecord, model: ChannelModel): Promise<void> {
    const { queue, bindings, prefetch, singleActiveConsumer } = rec.options;
    const what = `cannot consume from queue '${queue}'`;
    let ch: Channel;
    try {
      ch = await model.createChannel();
    } catch (err) {
      throw new Error(`${what}: ${errorMessage(err)}`);
    }
    this.watchChannel(ch);
    try {
      await ch.prefetch(prefetch);
      await ch.assertExchange(DEAD_LETTER_EXCHANGE, 'topic', { durable: true });
      await ch.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { ...QUORUM } });
      await ch.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '#');
      if (queue !== DEAD_LETTER_QUEUE) {
        // The dead-letter queue itself must not dead-letter into itself, so only other queues get the DLX.
        const args: Record<string, unknown> = { ...QUORUM, 'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE };
        if (singleActiveConsumer) args['x-single-active-consumer'] = true;
        await ch.assertQueue(queue, { durable: true, arguments: args });
      }
      for (const b of bindings) await ch.bindQueue(queue, b.exchange, b.pattern);
      const ok = await ch.consume(queue, (msg) => this.onMessage(rec, ch, msg), { noAck: false });
      rec.consumerTag = ok.consumerTag;
    } catch (err) {
      const detail = this.channelErrors.get(ch) ?? errorMessage(err);
      if (!this.closedChannels.has(ch)) await ch.close().catch(() => undefined);
      throw new Error(`${what}: ${detail}`);
    }
    if (rec.cancelled || this.closedChannels.has(ch)) {
      await ch.close().catch(() => undefined);
      return;
    }
    rec.channel = ch;
    rec.reopenAttempt = 0;
    ch.on('close', () => {
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
      // A lost connection is handled by the reconnect loop, which restores every consumer.
      if (rec.cancelled || this.closing || this.model !== model || this.current !== 'connected') return;
      this.openConsumer(rec, model).catch((err: unknown) => {
        this.emit('consumer-error', err, rec.options.queue);
        this.scheduleConsumerReopen(rec, model);
      });
    }, this.delayFor(rec.reopenAttempt++));
  }

  private async cancelConsumer(rec: ConsumerRecord): Promise<void> {
    rec.cancelled = true;
    this.consumers.delete(rec);
    clearTimeout(rec.reopenTimer);
    await rec.opening?.catch(() => undefined);
    const ch = rec.channel;
    rec.channel = undefined;
    if (!ch || this.closedChannels.has(ch)) return;
    // Closing the channel hands unsettled deliveries back to the queue for another consumer.
    if (rec.consumerTag) await ch.cancel(rec.consumerTag).catch(() => undefined);
    await ch.close().catch(() => undefined);
  }

  private onMessage(rec: ConsumerRecord, ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled this consumer; closing the channel triggers the reopen path.
      if (!this.closedChannels.has(ch)) ch.close().catch(() => undefined);
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
    const delivery: Delivery = {
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      body: msg.content,
      headers: { ...(props.headers ?? {}) },
      messageId: typeof props.messageId === 'string' ? props.messageId : undefined,
      correlationId: typeof props.correlationId === 'string' ? props.correlationId : undefined,
      contentType: typeof props.contentType === 'string' ? props.contentType : undefined,
      redelivered: msg.fields.redelivered,
      ack: () => {
        if (claim()) ch.ack(msg);
      },
      requeue: () => {
        if (claim()) ch.nack(msg, false, true);
      },
      deadLetter: async (reason: string) => {
        const headers = deadLetterHeaders(delivery, queue, reason);
        if (settled) return;
        settled = true;
        try {
          await this.publish(DEAD_LETTER_EXCHANGE, msg.fields.routingKey, msg.content, {
            headers,
            messageId: delivery.messageId,
            correlationId: delivery.correlationId,
            contentType: delivery.contentType,
          });
        } catch (err) {
          // Fall back to the queue's own dead-lettering so the message is neither lost nor looping.
          if (!this.closedChannels.has(ch)) ch.nack(msg, false, false);
          throw new Error(
            `dead-lettering from queue '${queue}' failed: ${errorMessage(err)}; the message was rejected, ` +
              `so the broker dead-letters it to ${DEAD_LETTER_EXCHANGE} without the reason header`,
          );
        }
        if (!this.closedChannels.has(ch)) ch.ack(msg);
      },
    };
    try {
      rec.handler(delivery);
    } catch (err) {
      this.emit('handler-error', err, queue);
      delivery
        .deadLetter(`consumer handler threw: ${errorMessage(err)}`)
        .catch((dlErr: unknown) => this.emit('handler-error', dlErr, queue));
    }
  }
}
