/**
 * The contract floor of the sync benchmark, in a process of its own as the hub is: the least any
 * implementation of the record sync does per record, with raw amqplib and nothing of the hub's but
 * its XML parser (the fastest this project has). It consumes an IDoc from an inbound quorum queue,
 * parses it and reads its fields, writes the record to LMDB (durable before the acknowledgement),
 * publishes the change with confirm on a golden exchange, consumes that and publishes one update per
 * target with confirm: four broker messages per record, as the hub's path has. No mapping to a schema,
 * no validation, no matching, no survivorship, no lineage, no idempotency ledger.
 *
 * Acknowledgements go out once per event-loop turn with `allUpTo` (bench/_golden-floor.ts).
 *
 * Usage: node _sync-floor-server.js <amqp url> <store dir>; prints one line when it consumes.
 */
import amqp, { type ConfirmChannel } from 'amqplib';
import { open, type RootDatabase } from 'lmdb';
import { parseXmlTree, type XmlElement } from '../formats/xml/xml-tree';
import {
  consumeBatched,
  confirmedPublish,
  FLOOR_INBOUND,
  FLOOR_TARGETS,
  storeThenAnnounce,
} from './_golden-floor';

const GOLDEN_EXCHANGE = 'bench.floor.golden';
const GOLDEN_QUEUE = 'bench.floor.golden.sync';

interface Held {
  revision: number;
  fields: Record<string, string>;
}

/** Every leaf element's text by its name: what a mapping reads, without the mapping. */
function leaves(element: XmlElement, into: Record<string, string> = {}): Record<string, string> {
  if (element.children.length === 0) into[element.local] = element.text.trim();
  for (const child of element.children) leaves(child, into);
  return into;
}

async function quorumQueue(channel: ConfirmChannel, name: string): Promise<void> {
  await channel.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
}

async function main(): Promise<void> {
  const [url, storeDir] = process.argv.slice(2);
  const store: RootDatabase<Held, string> = open({ path: storeDir, compression: false });
  const connection = await amqp.connect(url, { noDelay: true });
  const publisher = await connection.createConfirmChannel();
  await quorumQueue(publisher, FLOOR_INBOUND);
  await publisher.assertExchange(GOLDEN_EXCHANGE, 'topic', { durable: true });
  await quorumQueue(publisher, GOLDEN_QUEUE);
  await publisher.bindQueue(GOLDEN_QUEUE, GOLDEN_EXCHANGE, '#');
  for (const target of FLOOR_TARGETS) await quorumQueue(publisher, target);

  await consumeBatched(connection, FLOOR_INBOUND, (msg, settle) => {
    const fields = leaves(parseXmlTree(msg.content.toString('utf8')));
    const key = fields.KUNNR;
    const next: Held = { revision: (store.get(key)?.revision ?? 0) + 1, fields };
    storeThenAnnounce(store, key, next, publisher, GOLDEN_EXCHANGE, settle);
  });
  await consumeBatched(connection, GOLDEN_QUEUE, (msg, settle) => {
    const change = JSON.parse(msg.content.toString('utf8')) as { goldenId: string } & Held;
    Promise.all(
      FLOOR_TARGETS.map((target) =>
        confirmedPublish(
          publisher,
          '',
          target,
          Buffer.from(JSON.stringify({ id: change.goldenId, version: change.revision, ...change.fields })),
          `${target}|${change.goldenId}|${change.revision}`,
        ),
      ),
    ).then(settle.ack, (err: unknown) => {
      console.error(err);
      settle.nack();
    });
  });
  console.log('consuming');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
