/**
 * The dead-letter queue, read and worked on by people (`crm-hub dead-letters`, `/api/v1/dead-letters`):
 * list, show, replay to where a message came from, purge. Camel calls the pattern the dead letter
 * channel; here it is RabbitMQ's dead-letter exchange `crm.dlx` and its quorum queue `crm.dead-letter`.
 *
 * How a queue is read without losing or reordering it (move and restore). AMQP 0-9-1 has no peek. The
 * obvious browse, basic.get without ack and then giving everything back (nack with requeue, or closing
 * the channel), is not safe on a quorum queue: every give-back counts as a delivery (x-delivery-count),
 * RabbitMQ 4.0 to 4.2 drops a message whose count passes the delivery limit (20 by default) and the
 * dead-letter queue has nowhere further to dead-letter it; on RabbitMQ 3.10 the messages also came back
 * in a shuffled order, and a browse started right after another one could miss messages still on
 * their way back. So every command makes one pass over the queue instead: it takes the messages it
 * counted at the start off the head, one by one (basic.get, manual ack), and for each either removes it
 * (purge, or replay once the broker confirmed the republished copy) or puts an exact copy (same
 * properties and headers, x-delivery-count aside) back at the tail and acks the original only once the
 * broker confirmed the copy. After a full pass the queue holds the same messages in the same order,
 * with fresh delivery counts, and nothing was ever only in this process's memory.
 *
 * Limits, on purpose:
 * - Every command, `list` and `show` too, rewrites the whole queue once: fine for the hundreds or
 *   thousands of messages a dead-letter queue should hold, slow for millions (purge those first).
 * - A crash or a lost connection during a pass never loses a message, but may leave one twice: its copy
 *   was confirmed and the original not yet acked. Both carry the same message id, so the idempotent
 *   consumer drops the second on replay.
 * - Run one command at a time. Two passes at once, or a consumer on the dead-letter queue, may make a
 *   pass list a message twice or miss one (never lose one); dead letters that arrive during a pass are
 *   kept and show up in the next.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import * as amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, GetMessage, Message, Options } from 'amqplib';
import {
  ATTEMPTS_HEADER,
  DEAD_LETTER_QUEUE,
  INBOUND_EXCHANGE,
  LAST_ERROR_HEADER,
  ORIGINAL_EXCHANGE_HEADER,
  ORIGINAL_QUEUE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  REASON_HEADER,
} from './bus';
import { describeBrokerUrl, parseBrokerUrls, virtualHostOf } from './broker-urls';
import { connectFailure, replyCodeOf } from './bus-error';
import { stableMessageId } from './message-id';
import { errorMessage } from '../../formats/error-message';

export type DeadLetterErrorCode =
  | 'no-broker'
  | 'not-connected'
  | 'not-found'
  | 'invalid-argument'
  | 'no-destination'
  | 'unroutable'
  | 'refused'
  | 'nacked'
  | 'outcome-unknown';

export class DeadLetterError extends Error {
  constructor(
    readonly code: DeadLetterErrorCode,
    message: string,
    options: { cause?: unknown; field?: string; brief?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeadLetterError';
    if (options.field !== undefined) this.field = options.field;
    this.brief = options.brief ?? message;
  }

  /** the argument at fault, for invalid-argument */
  readonly field?: string;
  /**
   * The message without the broker's address, virtual host and user: for an answer to an HTTP client,
   * while the message (the CLI's, the log's) names them for the operator.
   */
  readonly brief: string;
}

/** One dead letter as `list` shows it. */
export interface DeadLetterSummary {
  /** 1-based place in the queue when it was read (the queue order survives every command) */
  position: number;
  /**
   * the message id; for a message without one that came to crm.inbound, the id the hub's inbound
   * consumer derives for it (`body-sha256:`, message-id.ts); for any other without one `sha256:` and a
   * hash of its body and headers
   */
  id: string;
  messageId: string | null;
  /** where the message was published before it died: the hub's header, else x-death */
  exchange: string | null;
  routingKey: string | null;
  /** the queue it died in */
  queue: string | null;
  /** why: the hub's own reason (x-crmhub-reason) if it set one, else the broker's x-death reason */
  reason: string;
  /** x-crmhub-reason: the error of the flow or consumer that gave up on it */
  hubReason: string | null;
  /** x-death reason: rejected, expired, maxlen or delivery_limit; null when the hub dead-lettered it */
  deathReason: string | null;
  /** how many times it was dead-lettered (x-death counts; 1 without x-death) */
  count: number;
  /** when it died (x-death time), else when it was published; ISO 8601 */
  time: string | null;
  /** body size in bytes */
  size: number;
  contentType: string | null;
}

/** One dead letter in full, as `show` gives it. */
export interface DeadLetter extends DeadLetterSummary {
  /** AMQP properties other than headers (correlationId, timestamp, deliveryMode, ...) */
  properties: Record<string, unknown>;
  /** the headers as JSON: AMQP timestamps as ISO strings, byte arrays as base64 */
  headers: Record<string, unknown>;
  /** the body as text when it is valid UTF-8 of a textual type, else base64 */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
}

export interface DeadLetterPage {
  queue: string;
  /** dead letters in the queue when it was read */
  total: number;
  offset: number;
  limit: number;
  items: DeadLetterSummary[];
}

export interface Destination {
  /** '' is the default exchange: the routing key then names a queue */
  exchange: string;
  routingKey: string;
}

export interface ReplayResult {
  replayed: Array<{ id: string; position: number; exchange: string; routingKey: string }>;
  /** each of these is still in the dead-letter queue */
  failed: Array<{ id: string; position: number; code: DeadLetterErrorCode; error: string }>;
}

export interface DeadLetterQueueOptions {
  /** amqp:// URL(s), as AMQP_URL; several are tried in order */
  url: string | readonly string[] | undefined;
  /** default crm.dead-letter */
  queue?: string;
  /** default 10 s per broker */
  connectTimeoutMs?: number;
  socketOptions?: ConnectionOptions;
}

/**
 * What the hub and the broker add when they dead-letter; a replay leaves them behind. The retry
 * headers go too: a replayed message starts its target's retry ladder afresh.
 */
export const DEATH_HEADERS: ReadonlySet<string> = new Set([
  'x-death',
  'x-first-death-reason',
  'x-first-death-queue',
  'x-first-death-exchange',
  'x-last-death-reason',
  'x-last-death-queue',
  'x-last-death-exchange',
  'x-delivery-count',
  REASON_HEADER,
  ORIGINAL_EXCHANGE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  ORIGINAL_QUEUE_HEADER,
  ATTEMPTS_HEADER,
  LAST_ERROR_HEADER,
]);
/** originals held unacked at most: their copies are confirmed, then they are acked (see pass) */
const WINDOW = 8;
const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|x-ndjson|ndjson|csv|x-www-form-urlencoded))/i;

/** --to / {to}: `<exchange>/<routing key>`; an empty exchange (`/queue`) is the default exchange. */
/**
 * A replay's outcome for an HTTP client: RabbitMQ's refusals name the virtual host and the user
 * ("NOT_FOUND - no exchange 'x' in vhost 'prod'", "… refused for user 'hub'"), which are the
 * operator's, as the CLI's messages are, not the client's.
 */
export function replayResultBrief(result: ReplayResult): ReplayResult {
  return {
    replayed: result.replayed,
    failed: result.failed.map((f) => ({ ...f, error: withoutBrokerAccount(f.error) })),
  };
}

function withoutBrokerAccount(text: string): string {
  return text.replace(/ in vhost '[^']*'/g, '').replace(/ for user '[^']*'/g, '');
}

export function parseDestination(text: string): Destination {
  const slash = text.indexOf('/');
  if (slash < 0 || text.slice(slash + 1) === '') {
    throw new DeadLetterError(
      'invalid-argument',
      `destination '${text}' is not <exchange>/<routing key> (e.g. crm.events/event.address-changed.web, or /<queue> for the default exchange)`,
      { field: 'to' },
    );
  }
  return { exchange: text.slice(0, slash), routingKey: text.slice(slash + 1) };
}

/** The dead-letter queue on RabbitMQ. One connection, opened on first use; close() when done. */
export class DeadLetterQueue {
  readonly queue: string;
  private readonly urls: string[];
  private model?: ChannelModel;
  /** the URL of the broker it connected to, which may be any of `urls` */
  private connectedUrl?: string;
  private replayChannel?: ConfirmChannel;

  constructor(private readonly options: DeadLetterQueueOptions) {
    this.urls = parseBrokerUrls(options.url);
    if (this.urls.length === 0) {
      throw new DeadLetterError(
        'no-broker',
        'dead letters need RabbitMQ: set AMQP_URL (e.g. amqp://guest:guest@127.0.0.1:5672). The embedded ' +
          'in-process bus keeps its dead letters only in the memory of the hub process, where no tool can reach them.',
      );
    }
    for (const url of this.urls) describeBrokerUrl(url);
    this.queue = options.queue ?? DEAD_LETTER_QUEUE;
  }

  /** The queue alone, as an error's `brief` names it. */
  private named(): string {
    return `queue '${this.queue}'`;
  }

  /** Where it reads, without credentials. */
  describe(): string {
    const { where, user } = describeBrokerUrl(this.urls[0]);
    return `queue '${this.queue}' on RabbitMQ ${where} (user ${user})`;
  }

  async close(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    this.replayChannel = undefined;
    if (model) await model.close().catch(() => undefined);
  }

  async list(page: { limit?: number; offset?: number } = {}): Promise<DeadLetterPage> {
    const limit = page.limit ?? 50;
    const offset = page.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new DeadLetterError('invalid-argument', `limit must be an integer from 1 to 1000, got ${limit}`, {
        field: 'limit',
      });
    if (!Number.isInteger(offset) || offset < 0)
      throw new DeadLetterError('invalid-argument', `offset must be a non-negative integer, got ${offset}`, {
        field: 'offset',
      });
    const items: DeadLetterSummary[] = [];
    const total = await this.pass(async (msg, position) => {
      if (position > offset && position <= offset + limit) items.push(summarize(msg, position));
      return 'keep';
    });
    return { queue: this.queue, total, offset, limit, items };
  }

  /** The first dead letter with this id (message id or `sha256:` id); not-found if there is none. */
  async show(id: string): Promise<DeadLetter> {
    checkId(id);
    let found: DeadLetter | undefined;
    await this.pass(async (msg, position) => {
      if (!found && idOf(msg) === id) found = detail(msg, position);
      return 'keep';
    });
    if (!found) throw this.notFound(id);
    return found;
  }

  /**
   * Republishes dead letters (one id, each copy of it, or all) to where they came from, or to `to`:
   * mandatory, with a publisher confirm, with the original message id and headers minus the death
   * headers, so the idempotent consumer still recognises a message it already handled. A dead letter
   * leaves the queue only after the broker confirmed its replay; one that fails stays where it was.
   */
  async replay(
    which: { id: string } | { all: true },
    options: { to?: Destination } = {},
  ): Promise<ReplayResult> {
    if ('id' in which) checkId(which.id);
    const result: ReplayResult = { replayed: [], failed: [] };
    await this.pass(async (msg, position) => {
      const id = idOf(msg);
      if ('id' in which && id !== which.id) return 'keep';
      const to = options.to ?? origin(msg);
      if (!to) {
        result.failed.push({
          id,
          position,
          code: 'no-destination',
          error:
            'neither the hub nor x-death says where it came from; give a destination (--to <exchange>/<routing key>)',
        });
        return 'keep';
      }
      try {
        await this.republish(msg, to);
      } catch (err) {
        const code = err instanceof DeadLetterError ? err.code : 'refused';
        result.failed.push({ id, position, code, error: errorMessage(err) });
        return 'keep';
      }
      result.replayed.push({ id, position, ...to });
      return 'remove';
    });
    if ('id' in which && result.replayed.length === 0 && result.failed.length === 0)
      throw this.notFound(which.id);
    return result;
  }

  /** Deletes every dead letter with this id; not-found if there is none. Returns how many. */
  async purge(id: string): Promise<number> {
    checkId(id);
    let removed = 0;
    await this.pass(async (msg) => {
      if (idOf(msg) !== id) return 'keep';
      removed++;
      return 'remove';
    });
    if (removed === 0) throw this.notFound(id);
    return removed;
  }

  /** Deletes every dead letter waiting in the queue (queue.purge). Returns how many. */
  async purgeAll(): Promise<number> {
    const model = await this.connection();
    const ch = await model.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.purgeQueue(this.queue)).messageCount;
    } catch (err) {
      if (replyCodeOf(err) === 404) throw this.noQueue(err);
      throw new DeadLetterError('refused', `cannot purge ${this.describe()}: ${errorMessage(err)}`, {
        cause: err,
        brief: `cannot purge ${this.named()}: ${errorMessage(err)}`,
      });
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  private notFound(id: string): DeadLetterError {
    // list numbers its lines (#1, #2, …), so a whole number is most likely one of those positions; they
    // shift as letters come and go, so they are not taken as ids but pointed out
    const place = /^[1-9]\d*$/.test(id)
      ? `: ${id} is a position in the list (#${id}); a dead letter is named by the id listed with it`
      : '';
    return new DeadLetterError('not-found', `no dead letter with id '${id}' in ${this.describe()}${place}`, {
      brief: `no dead letter with id '${id}' in ${this.named()}${place}`,
    });
  }

  /**
   * Reading a queue that is not there as an empty one answered "0 dead letters" for a mistyped --queue
   * or a URL of the wrong virtual host, where the dead letters were never looked for. The hub declares
   * crm.dead-letter with each queue of its own, so where a hub consumes a missing one is such a mistake too.
   */
  private noQueue(cause: unknown): DeadLetterError {
    const url = this.connectedUrl ?? this.urls[0];
    const { where, user } = describeBrokerUrl(url);
    return new DeadLetterError(
      'not-found',
      `queue '${this.queue}' does not exist in virtual host '${virtualHostOf(url)}' on RabbitMQ ${where} ` +
        `(user ${user}); check the queue name and the virtual host in the broker URL`,
      {
        cause,
        field: 'queue',
        brief: `${this.named()} does not exist in the broker's virtual host; check the queue name and the virtual host in the broker URL`,
      },
    );
  }

  private async connection(): Promise<ChannelModel> {
    if (this.model) return this.model;
    const failures: string[] = [];
    const reasons: string[] = [];
    for (const url of this.urls) {
      try {
        const model = await amqp.connect(url, {
          // Small frames (gets, acks, confirms) would otherwise wait on delayed ACKs, 40 ms a round trip.
          noDelay: true,
          timeout: this.options.connectTimeoutMs ?? 10_000,
          ...this.options.socketOptions,
          clientProperties: { connection_name: 'crm-hub dead-letters' },
        });
        // Without a listener a connection error would crash the process; the operation fails instead.
        model.on('error', () => undefined);
        model.on('close', () => {
          if (this.model === model) this.model = undefined;
        });
        this.model = model;
        this.connectedUrl = url;
        return model;
      } catch (err) {
        failures.push(`${describeBrokerUrl(url).where}: ${connectFailure(err, url)}`);
        reasons.push(errorMessage(err));
      }
    }
    throw new DeadLetterError('not-connected', `cannot connect to RabbitMQ (${failures.join('; ')})`, {
      brief: `cannot connect to RabbitMQ (${reasons.join('; ')}); \`crm-hub dead-letters list\` names the broker`,
    });
  }

  /**
   * One pass over the messages counted at the start (see the top of this file). `visit` decides per
   * message: 'remove' acks it, 'keep' puts a confirmed copy back at the tail, then acks it. Returns
   * the number of messages the queue held; a queue that does not exist is an error (noQueue).
   */
  private async pass(
    visit: (msg: GetMessage, position: number) => Promise<'keep' | 'remove'>,
  ): Promise<number> {
    const model = await this.connection();
    const ch = await model.createConfirmChannel();
    let channelError: unknown;
    ch.on('error', (err: unknown) => (channelError = err));
    let returned = false;
    // A copy that cannot reach the queue any more (deleted meanwhile) must not let its original go.
    ch.on('return', () => (returned = true));
    let total: number;
    try {
      total = (await ch.checkQueue(this.queue)).messageCount;
    } catch (err) {
      if (replyCodeOf(err) === 404) throw this.noQueue(err);
      throw new DeadLetterError('refused', `cannot read ${this.describe()}: ${errorMessage(err)}`, {
        cause: err,
        brief: `cannot read ${this.named()}: ${errorMessage(err)}`,
      });
    }
    // The originals taken off the head and not yet acked, in order: one to remove, or one whose copy is
    // on its way to the tail. On a quorum queue every basic.get is a consumer of its own, so every ack
    // is a command of its own to the queue's leader; once 32 commands of a channel wait for the leader
    // (RabbitMQ's quorum_commands_soft_limit) the channel holds further acks back and sends them later,
    // and a channel closed meanwhile drops them: their originals came back beside their copies (50 dead
    // letters listed five times grew to 169). So at most WINDOW originals are held; they are acked once
    // their copies are confirmed, and the copies of the next window, confirmed only after those acks
    // were applied, keep the commands in flight far below the limit.
    let held: Array<{ original: Message; confirmed?: Promise<void> }> = [];
    const settleHeld = async (): Promise<void> => {
      const outcomes = await Promise.allSettled(held.map((h) => h.confirmed));
      if (returned) {
        throw new DeadLetterError('unroutable', `${this.describe()} no longer takes messages`, {
          brief: `${this.named()} no longer takes messages`,
        });
      }
      outcomes.forEach((outcome, i) => {
        // A nacked copy leaves its original unacked: the broker gives it back when the channel closes.
        if (outcome.status === 'fulfilled') ch.ack(held[i].original);
      });
      held = [];
    };
    try {
      for (let position = 1; position <= total; position++) {
        const msg = await ch.get(this.queue, { noAck: false });
        if (msg === false) {
          total = position - 1;
          break;
        }
        if ((await visit(msg, position)) === 'remove') held.push({ original: msg });
        else {
          const confirmed = publishConfirmed(ch, '', this.queue, msg, copyProperties(msg));
          // settleHeld reads the outcome; a nack before then is no unhandled rejection
          confirmed.catch(() => undefined);
          held.push({ original: msg, confirmed });
        }
        if (held.length >= WINDOW) await settleHeld();
      }
      await settleHeld();
    } catch (err) {
      if (err instanceof DeadLetterError) throw err;
      throw new DeadLetterError(
        'refused',
        `reading ${this.describe()} failed: ${errorMessage(channelError ?? err)}; unfinished messages stay in the queue`,
        {
          cause: err,
          brief: `reading ${this.named()} failed: ${errorMessage(channelError ?? err)}; unfinished messages stay in the queue`,
        },
      );
    } finally {
      // Whatever is still unacked (only after a failure) goes back to the queue.
      await ch.close().catch(() => undefined);
    }
    return total;
  }

  /** Publishes a replay on its own channel, so a refused one (no such exchange) leaves the pass alone. */
  private async republish(msg: Message, to: Destination): Promise<void> {
    const ch = await this.openReplayChannel();
    let channelError: unknown;
    let returned: { code?: unknown; text?: unknown } | undefined;
    const onError = (err: unknown): void => {
      channelError = err;
    };
    const onReturn = (m: Message): void => {
      const fields = m.fields as unknown as { replyCode?: unknown; replyText?: unknown };
      returned = { code: fields.replyCode, text: fields.replyText };
    };
    ch.on('error', onError);
    ch.on('return', onReturn);
    const where = `exchange '${to.exchange}' with routing key '${to.routingKey}'`;
    try {
      await publishConfirmed(ch, to.exchange, to.routingKey, msg, replayProperties(msg));
    } catch (err) {
      if (channelError) {
        throw new DeadLetterError('refused', `replay to ${where} refused: ${errorMessage(channelError)}`, {
          cause: channelError,
        });
      }
      const nacked = errorMessage(err) === 'message nacked';
      throw new DeadLetterError(
        nacked ? 'nacked' : 'outcome-unknown',
        nacked
          ? `the broker nacked the replay to ${where}`
          : `replay to ${where} failed before the broker confirmed it (${errorMessage(err)})`,
        { cause: err },
      );
    } finally {
      ch.off('error', onError);
      ch.off('return', onReturn);
    }
    if (returned) {
      throw new DeadLetterError(
        'unroutable',
        `replay to ${where} is unroutable: the broker returned it (${String(returned.code)} ${String(returned.text)})`,
      );
    }
  }

  private async openReplayChannel(): Promise<ConfirmChannel> {
    if (this.replayChannel) return this.replayChannel;
    const ch = await (await this.connection()).createConfirmChannel();
    // A refused publish closes the channel; the error is read per publish, the next one gets a new channel.
    ch.on('error', () => undefined);
    ch.on('close', () => {
      if (this.replayChannel === ch) this.replayChannel = undefined;
    });
    this.replayChannel = ch;
    return ch;
  }
}

function checkId(id: unknown): void {
  if (typeof id !== 'string' || id === '' || id.length > 512)
    throw new DeadLetterError(
      'invalid-argument',
      'a dead-letter id is a non-empty message id (at most 512 characters)',
      { field: 'id' },
    );
}

function publishConfirmed(
  ch: ConfirmChannel,
  exchange: string,
  routingKey: string,
  msg: Message,
  properties: Options.Publish,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    try {
      ch.publish(exchange, routingKey, msg.content, properties, (err: unknown) =>
        err ? reject(err instanceof Error ? err : new Error(errorMessage(err))) : resolve(),
      );
    } catch (err) {
      reject(err instanceof Error ? err : new Error(errorMessage(err)));
    }
  });
}

/** The message's own properties, for a copy or a replay. user-id is left out: the broker checks it. */
function baseProperties(msg: Message): Options.Publish {
  const p = msg.properties;
  const out: Options.Publish = { mandatory: true, persistent: p.deliveryMode !== 1 };
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.contentEncoding !== undefined) out.contentEncoding = p.contentEncoding;
  if (p.priority !== undefined) out.priority = p.priority;
  if (p.correlationId !== undefined) out.correlationId = p.correlationId;
  if (p.replyTo !== undefined) out.replyTo = p.replyTo;
  if (p.expiration !== undefined) out.expiration = p.expiration;
  if (p.messageId !== undefined) out.messageId = p.messageId;
  if (p.timestamp !== undefined) out.timestamp = p.timestamp;
  if (p.type !== undefined) out.type = p.type;
  if (p.appId !== undefined) out.appId = p.appId;
  return out;
}

function rawHeaders(msg: Message): Record<string, unknown> {
  return (msg.properties.headers ?? {}) as Record<string, unknown>;
}

/** An exact copy for the tail of the dead-letter queue; the broker sets x-delivery-count anew. */
function copyProperties(msg: Message): Options.Publish {
  const headers = { ...rawHeaders(msg) };
  delete headers['x-delivery-count'];
  return { ...baseProperties(msg), headers };
}

/** The message as it was before it died: its headers without the death headers. */
function replayProperties(msg: Message): Options.Publish {
  const headers = Object.fromEntries(Object.entries(rawHeaders(msg)).filter(([k]) => !DEATH_HEADERS.has(k)));
  return { ...baseProperties(msg), headers };
}

interface XDeath {
  count?: unknown;
  reason?: unknown;
  queue?: unknown;
  time?: unknown;
  exchange?: unknown;
  'routing-keys'?: unknown;
}

function xDeath(msg: Message): XDeath[] {
  const value = rawHeaders(msg)['x-death'];
  return Array.isArray(value) ? (value.filter((e) => typeof e === 'object' && e !== null) as XDeath[]) : [];
}

const str = (value: unknown): string | null =>
  typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : null;

/** Where it came from: the hub's headers (it dead-letters by republishing), else the newest x-death. */
function origin(msg: Message): Destination | undefined {
  const headers = rawHeaders(msg);
  const exchange = str(headers[ORIGINAL_EXCHANGE_HEADER]);
  const routingKey = str(headers[ORIGINAL_ROUTING_KEY_HEADER]);
  if (exchange !== null && routingKey !== null) return { exchange, routingKey };
  const death = xDeath(msg)[0];
  const keys = death?.['routing-keys'];
  const deathExchange = str(death?.exchange);
  const deathKey = Array.isArray(keys) ? str(keys[0]) : null;
  if (deathExchange !== null && deathKey !== null) return { exchange: deathExchange, routingKey: deathKey };
  return undefined;
}

/** The message id, or a stable hash of what the message carries (copies keep the same hash). */
export function idOf(msg: Message): string {
  const messageId = msg.properties.messageId as unknown;
  if (typeof messageId === 'string' && messageId !== '') return messageId;
  // The hub's inbound consumer names such a message by its content type and body, and a dead letter
  // the hub makes itself carries that id; one the broker made (delivery limit, a reject) carries none.
  // Showing the hub's id for both lets an operator find the message in the hub's logs and history.
  if (origin(msg)?.exchange === INBOUND_EXCHANGE) {
    const contentType = msg.properties.contentType as unknown;
    return stableMessageId(msg.content, typeof contentType === 'string' ? contentType : undefined);
  }
  const headers = { ...rawHeaders(msg) };
  delete headers['x-delivery-count'];
  const hash = createHash('sha256')
    .update(stableJson({ headers, timestamp: msg.properties.timestamp ?? null }))
    .update(msg.content)
    .digest('hex');
  return `sha256:${hash.slice(0, 24)}`;
}

function stableJson(value: unknown): string {
  return JSON.stringify(jsonValue(value), (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** AMQP field values as JSON: timestamps as ISO strings, decimals as numbers, byte arrays as base64. */
function jsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value && typeof value === 'object') {
    const typed = value as { '!'?: unknown; value?: unknown };
    if (typed['!'] === 'timestamp') return isoTime(typed.value);
    if (typed['!'] === 'decimal') {
      const d = typed.value as { places: number; digits: number };
      return d.digits / 10 ** d.places;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  }
  return value;
}

function isoTime(seconds: unknown): string | null {
  const s =
    typeof seconds === 'object' && seconds !== null ? (seconds as { value?: unknown }).value : seconds;
  return typeof s === 'number' && Number.isFinite(s) ? new Date(s * 1000).toISOString() : null;
}

function summarize(msg: Message, position: number): DeadLetterSummary {
  const headers = rawHeaders(msg);
  const deaths = xDeath(msg);
  const death = deaths[0];
  const from = origin(msg);
  const hubReason = str(headers[REASON_HEADER]);
  const deathReason = str(death?.reason);
  const counted = deaths.reduce((n, d) => n + (typeof d.count === 'number' ? d.count : 1), 0);
  const messageId = msg.properties.messageId as unknown;
  return {
    position,
    id: idOf(msg),
    messageId: typeof messageId === 'string' && messageId !== '' ? messageId : null,
    exchange: from?.exchange ?? null,
    routingKey: from?.routingKey ?? null,
    queue: str(headers[ORIGINAL_QUEUE_HEADER]) ?? str(death?.queue),
    reason: withoutErrorPrefix(hubReason ?? deathReason ?? 'unknown (no x-crmhub-reason or x-death header)'),
    hubReason,
    deathReason,
    count: Math.max(counted, 1),
    time: isoTime(death?.time) ?? isoTime(msg.properties.timestamp),
    size: msg.content.length,
    contentType: typeof msg.properties.contentType === 'string' ? msg.properties.contentType : null,
  };
}

function detail(msg: Message, position: number): DeadLetter {
  const { headers, ...rest } = msg.properties as unknown as Record<string, unknown>;
  const properties = Object.fromEntries(
    Object.entries(rest)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, k === 'timestamp' ? isoTime(v) : jsonValue(v)]),
  );
  const text = textBody(msg);
  return {
    ...summarize(msg, position),
    properties,
    // x-delivery-count is the broker's count of this copy's deliveries, always 0 after a pass.
    headers: jsonValue(
      Object.fromEntries(
        Object.entries((headers ?? {}) as Record<string, unknown>).filter(([k]) => k !== 'x-delivery-count'),
      ),
    ) as Record<string, unknown>,
    body: text ?? msg.content.toString('base64'),
    bodyEncoding: text === undefined ? 'base64' : 'utf8',
  };
}

/** The body as text when it claims (or, without a content type, looks) to be UTF-8 text. */
function textBody(msg: Message): string | undefined {
  const type = msg.properties.contentType as unknown;
  const encoding = msg.properties.contentEncoding as unknown;
  if (typeof encoding === 'string' && encoding !== '' && !/^(identity|utf-?8)$/i.test(encoding))
    return undefined;
  if (typeof type === 'string' && type !== '' && !TEXTUAL.test(type)) return undefined;
  const text = msg.content.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(msg.content)) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return undefined;
  return text;
}

/**
 * A reason as a flow's catch often hands it over, String(err): "Error: " says nothing and pushes the
 * reason itself out of a narrow column. Other names (TypeError) say something and stay.
 */
function withoutErrorPrefix(reason: string): string {
  return reason.replace(/^Error: (?=\S)/, '');
}
