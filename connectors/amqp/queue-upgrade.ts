import type { Channel, ChannelModel, ConfirmChannel, GetMessage, Options } from 'amqplib';
import type { Binding } from './bus';

/** A hub queue as the deployed flows declare it: its x-arguments and bindings. */
export interface WantedQueue {
  queue: string;
  arguments: Record<string, unknown>;
  bindings: Binding[];
}

export type QueueState =
  | { queue: string; state: 'missing' }
  | { queue: string; state: 'equivalent'; messages: number; consumers: number }
  /** RabbitMQ refused the declaration: `detail` is its reason (it names the first differing argument) */
  | { queue: string; state: 'differs'; detail: string; messages: number; consumers: number };

/** what RabbitMQ names in PRECONDITION_FAILED "inequivalent arg 'x-…' for queue …" */
export function inequivalentArgument(message: string): string | undefined {
  return /inequivalent arg '([^']+)'/.exec(message)?.[1];
}

/** One operation on a channel of its own: a refused declaration closes only that channel. */
async function onOwnChannel<T>(model: ChannelModel, operation: (ch: Channel) => Promise<T>): Promise<T> {
  const ch = await model.createChannel();
  let closed = false;
  ch.on('error', () => undefined);
  ch.on('close', () => (closed = true));
  try {
    return await operation(ch);
  } finally {
    if (!closed) await ch.close().catch(() => undefined);
  }
}

/**
 * Whether the queue exists and whether RabbitMQ takes the wanted arguments for it. The check declares
 * the queue with them, which changes nothing on an equivalent queue and is refused on another.
 */
export async function inspectQueue(model: ChannelModel, wanted: WantedQueue): Promise<QueueState> {
  const found = await onOwnChannel(model, (ch) => ch.checkQueue(wanted.queue)).catch(() => undefined);
  if (!found) return { queue: wanted.queue, state: 'missing' };
  const counts = { messages: found.messageCount, consumers: found.consumerCount };
  try {
    await onOwnChannel(model, (ch) =>
      ch.assertQueue(wanted.queue, { durable: true, arguments: wanted.arguments }),
    );
    return { queue: wanted.queue, state: 'equivalent', ...counts };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { queue: wanted.queue, state: 'differs', detail, ...counts };
  }
}

/** The properties a message keeps when it is moved (the user id is the mover's to vouch for, so not kept). */
function publishOptions(msg: GetMessage): Options.Publish {
  const p = msg.properties;
  const options: Options.Publish = { persistent: p.deliveryMode !== 1, headers: p.headers ?? {} };
  if (p.contentType !== undefined) options.contentType = p.contentType;
  if (p.contentEncoding !== undefined) options.contentEncoding = p.contentEncoding;
  if (p.priority !== undefined) options.priority = p.priority;
  if (p.correlationId !== undefined) options.correlationId = p.correlationId;
  if (p.replyTo !== undefined) options.replyTo = p.replyTo;
  if (p.expiration !== undefined) options.expiration = p.expiration;
  if (p.messageId !== undefined) options.messageId = p.messageId;
  if (p.timestamp !== undefined) options.timestamp = p.timestamp;
  if (p.type !== undefined) options.type = p.type;
  if (p.appId !== undefined) options.appId = p.appId;
  return options;
}

/**
 * Moves every message from one queue to another, in order, without loss: a batch is published to the
 * target (default exchange), and taken off the source only once the broker confirmed it. A crash in
 * between leaves a message in both queues (a duplicate, which the hub's consumers tolerate), never in
 * none.
 */
export async function moveMessages(
  model: ChannelModel,
  from: string,
  to: string,
  batch = 100,
): Promise<number> {
  const ch: ConfirmChannel = await model.createConfirmChannel();
  let moved = 0;
  try {
    for (;;) {
      const taken: GetMessage[] = [];
      while (taken.length < batch) {
        const msg = await ch.get(from, { noAck: false });
        if (msg === false) break;
        ch.publish('', to, msg.content, publishOptions(msg));
        taken.push(msg);
      }
      if (taken.length === 0) return moved;
      await ch.waitForConfirms();
      ch.ack(taken[taken.length - 1], true);
      moved += taken.length;
    }
  } finally {
    await ch.close().catch(() => undefined);
  }
}

async function bindAll(
  model: ChannelModel,
  queue: string,
  bindings: Binding[],
  bind: boolean,
): Promise<void> {
  await onOwnChannel(model, async (ch) => {
    for (const b of bindings) {
      if (bind) {
        await ch.assertExchange(b.exchange, 'topic', { durable: true });
        await ch.bindQueue(queue, b.exchange, b.pattern);
      } else await ch.unbindQueue(queue, b.exchange, b.pattern);
    }
  });
}

/** the queue that holds the messages while their queue is re-created */
export function holdingQueueOf(queue: string): string {
  return `${queue}.upgrade`;
}

/**
 * Re-creates a queue with the wanted arguments and keeps its messages: a holding queue (quorum) takes
 * the queue's bindings, so what is published meanwhile is kept too; the messages move there with
 * confirms, the emptied queue is deleted and declared anew with its bindings, and the messages move
 * back. Refused while consumers are attached: a running hub would lose its consumer and ack into the
 * void. Returns how many messages were moved.
 */
export async function upgradeQueue(model: ChannelModel, wanted: WantedQueue): Promise<number> {
  const { queue, bindings } = wanted;
  const holding = holdingQueueOf(queue);
  const before = await onOwnChannel(model, (ch) => ch.checkQueue(queue));
  if (before.consumerCount > 0)
    throw new Error(`queue '${queue}' has ${before.consumerCount} consumer(s): stop the hub first`);
  await onOwnChannel(model, (ch) =>
    ch.assertQueue(holding, { durable: true, arguments: { 'x-queue-type': 'quorum' } }),
  );
  await bindAll(model, holding, bindings, true);
  await bindAll(model, queue, bindings, false);
  const moved = await moveMessages(model, queue, holding);
  const emptied = await onOwnChannel(model, (ch) => ch.checkQueue(queue));
  if (emptied.messageCount > 0 || emptied.consumerCount > 0)
    throw new Error(
      `queue '${queue}' got messages or a consumer while it was emptied; run the upgrade again`,
    );
  await onOwnChannel(model, (ch) => ch.deleteQueue(queue));
  await onOwnChannel(model, (ch) => ch.assertQueue(queue, { durable: true, arguments: wanted.arguments }));
  await bindAll(model, queue, bindings, true);
  await bindAll(model, holding, bindings, false);
  await moveMessages(model, holding, queue);
  const left = await onOwnChannel(model, (ch) => ch.checkQueue(holding));
  if (left.messageCount === 0) await onOwnChannel(model, (ch) => ch.deleteQueue(holding));
  return moved;
}
