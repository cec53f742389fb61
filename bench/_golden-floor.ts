/**
 * The consumer side of the SOAP benchmark's contract floor: the least any implementation of the hub's
 * UpsertCustomer contract does with an accepted customer after the answer. The hub keeps a golden
 * record of it (a durable store write before the message is acknowledged) and announces the change on
 * crm.golden (a second confirmed publish, consumed by the record sync). So does this, with raw
 * amqplib and the same LMDB package as the embedded store, and nothing else: no matching, no
 * survivorship, no lineage, no mapping, no validation.
 *
 * Acknowledgements go out once per event-loop turn with `allUpTo`, as the hub's consumers batch them
 * (a quorum queue logs every ack), so the floor is not slowed by a cost the hub does not pay.
 */
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { flowPrefetch } from './_flow-prefetch';
import { open, type RootDatabase } from 'lmdb';

/** the sync contract floor's queues (bench/_sync-floor-server.ts) */
export const FLOOR_INBOUND = 'bench.floor.inbound';
export const FLOOR_TARGETS = ['bench.floor.out.siebel', 'bench.floor.out.salesforce'] as const;

const GOLDEN_EXCHANGE = 'bench.node-soap.golden';
const GOLDEN_QUEUE = 'bench.node-soap.golden.sync';
/** the hub's golden-record consumer's, as the flow ships it */
const PREFETCH = flowPrefetch('svc-golden-in');

interface Held {
  revision: number;
  document: unknown;
  updatedAt: string;
}

/**
 * Acknowledges in delivery order, once per turn. Completions come in delivery order here (LMDB
 * resolves puts in the order they were made, the broker confirms in publish order), so the newest
 * completed delivery acknowledges the ones before it.
 */
function batchedAcks(channel: Channel): (msg: ConsumeMessage) => void {
  let newest: ConsumeMessage | undefined;
  let scheduled = false;
  return (msg) => {
    if (!newest || msg.fields.deliveryTag > newest.fields.deliveryTag) newest = msg;
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (newest) channel.ack(newest, true);
      newest = undefined;
    });
  };
}

export const confirmedPublish = (
  channel: ConfirmChannel,
  exchange: string,
  key: string,
  body: Buffer,
  messageId: string,
) =>
  new Promise<void>((resolve, reject) =>
    channel.publish(
      exchange,
      key,
      body,
      { persistent: true, messageId, contentType: 'application/json' },
      (err: unknown) => (err ? reject(new Error(String(err))) : resolve()),
    ),
  );

export interface Settle {
  ack(): void;
  /** sends the message back to its queue */
  nack(): void;
}

/** Consumes `queue` on a channel of its own with the benchmark's prefetch, acknowledging in batches. */
export async function consumeBatched(
  connection: ChannelModel,
  queue: string,
  handle: (msg: ConsumeMessage, settle: Settle) => void,
): Promise<void> {
  const channel = await connection.createChannel();
  await channel.prefetch(PREFETCH);
  const ack = batchedAcks(channel);
  await channel.consume(queue, (msg) => {
    if (msg) handle(msg, { ack: () => ack(msg), nack: () => channel.nack(msg) });
  });
}

/**
 * Writes the record (durable once the put resolves), publishes its change with confirm, then
 * acknowledges the message that brought it; a failure sends that message back.
 */
export function storeThenAnnounce<V extends { revision: number }>(
  store: RootDatabase<V, string>,
  key: string,
  value: V,
  publisher: ConfirmChannel,
  exchange: string,
  settle: Settle,
): void {
  const change = Buffer.from(JSON.stringify({ type: 'golden.changed', goldenId: key, ...value }));
  store
    .put(key, value)
    .then(() => confirmedPublish(publisher, exchange, 'golden.changed', change, `${key}|${value.revision}`))
    .then(settle.ack, (err: unknown) => {
      console.error(err);
      settle.nack();
    });
}

/** Consumes `queue`: stores each customer, publishes its change with confirm, then acknowledges. */
export async function goldenFloor(url: string, queue: string, storeDir: string): Promise<void> {
  const store: RootDatabase<Held, string> = open({ path: storeDir, compression: false });
  const connection = await amqp.connect(url, { noDelay: true });
  const publisher = await connection.createConfirmChannel();
  await publisher.assertExchange(GOLDEN_EXCHANGE, 'topic', { durable: true });
  await publisher.assertQueue(GOLDEN_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await publisher.bindQueue(GOLDEN_QUEUE, GOLDEN_EXCHANGE, '#');

  await consumeBatched(connection, queue, (msg, settle) => {
    const customer = JSON.parse(msg.content.toString('utf8')) as { sourceSystem: string; sourceId: string };
    const key = `${customer.sourceSystem}:${customer.sourceId}`;
    const held = store.get(key);
    const next: Held = {
      revision: (held?.revision ?? 0) + 1,
      document: customer,
      updatedAt: new Date().toISOString(),
    };
    storeThenAnnounce(store, key, next, publisher, GOLDEN_EXCHANGE, settle);
  });
  await consumeBatched(connection, GOLDEN_QUEUE, (msg, settle) => {
    JSON.parse(msg.content.toString('utf8'));
    settle.ack();
  });
}
