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
import amqp, { type Channel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { open, type RootDatabase } from 'lmdb';

/** the sync contract floor's queues (bench/_sync-floor-server.ts) */
export const FLOOR_INBOUND = 'bench.floor.inbound';
export const FLOOR_TARGETS = ['bench.floor.out.siebel', 'bench.floor.out.salesforce'] as const;

const GOLDEN_EXCHANGE = 'bench.node-soap.golden';
const GOLDEN_QUEUE = 'bench.node-soap.golden.sync';
const PREFETCH = 20;

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
export function batchedAcks(channel: Channel): (msg: ConsumeMessage) => void {
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

/** Consumes `queue`: stores each customer, publishes its change with confirm, then acknowledges. */
export async function goldenFloor(url: string, queue: string, storeDir: string): Promise<void> {
  const store: RootDatabase<Held, string> = open({ path: storeDir, compression: false });
  const connection = await amqp.connect(url, { noDelay: true });
  const publisher = await connection.createConfirmChannel();
  await publisher.assertExchange(GOLDEN_EXCHANGE, 'topic', { durable: true });
  await publisher.assertQueue(GOLDEN_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await publisher.bindQueue(GOLDEN_QUEUE, GOLDEN_EXCHANGE, '#');

  const intake = await connection.createChannel();
  await intake.prefetch(PREFETCH);
  const ackIntake = batchedAcks(intake);
  await intake.consume(queue, (msg) => {
    if (!msg) return;
    const customer = JSON.parse(msg.content.toString('utf8')) as { sourceSystem: string; sourceId: string };
    const key = `${customer.sourceSystem}:${customer.sourceId}`;
    const held = store.get(key);
    const next: Held = {
      revision: (held?.revision ?? 0) + 1,
      document: customer,
      updatedAt: new Date().toISOString(),
    };
    store
      .put(key, next)
      .then(() =>
        confirmedPublish(
          publisher,
          GOLDEN_EXCHANGE,
          'golden.changed',
          Buffer.from(JSON.stringify({ type: 'golden.changed', goldenId: key, ...next })),
          `${key}|${next.revision}`,
        ),
      )
      .then(
        () => ackIntake(msg),
        (err: unknown) => {
          console.error(err);
          intake.nack(msg);
        },
      );
  });

  const sync = await connection.createChannel();
  await sync.prefetch(PREFETCH);
  const ackSync = batchedAcks(sync);
  await sync.consume(GOLDEN_QUEUE, (msg) => {
    if (!msg) return;
    JSON.parse(msg.content.toString('utf8'));
    ackSync(msg);
  });
}
