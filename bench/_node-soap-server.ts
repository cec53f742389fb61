/**
 * The anchors of the SOAP benchmark: a bare node-soap server answering UpsertCustomer of the hub's
 * own WSDL, in a process of its own as the hub is. Given an AMQP URL it also does what the contract
 * of the hub's endpoint asks beyond parsing: it publishes the customer with raw amqplib to a quorum
 * queue, answers after the broker's confirm, and consumes and acknowledges the queue in the same
 * process, as the hub's golden record does. That second anchor is the floor for "publish with
 * confirm" on this machine, without any mapping, validation or store.
 *
 * Given a store directory as well, its consumer does instead what the hub's contract asks after the
 * answer, at the least (bench/_golden-floor.ts): a durable store write and a confirmed publish of the
 * change, consumed in turn. That third anchor is the contract floor.
 *
 * Usage: node _node-soap-server.js <port> <wsdl file> [amqp url [store dir]]
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import amqp, { type ConfirmChannel } from 'amqplib';
import * as soap from 'soap';
import { flowPrefetch } from './_flow-prefetch';
import { goldenFloor } from './_golden-floor';

const [port, wsdlFile, amqpUrl, storeDir] = process.argv.slice(2);
const wsdl = fs.readFileSync(wsdlFile, 'utf8');
interface UpsertArgs {
  customer: { sourceSystem: string; sourceId: string; customerRef?: string };
}
type Reply = { customerRef: string; eventId: string; accepted: boolean };
const EXCHANGE = 'bench.node-soap';
const QUEUE = 'bench.node-soap.customers';

async function publisher(url: string): Promise<ConfirmChannel> {
  const connection = await amqp.connect(url, { noDelay: true });
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(QUEUE, EXCHANGE, '#');
  if (storeDir) {
    await goldenFloor(url, QUEUE, storeDir);
    return channel;
  }
  const consumer = await connection.createChannel();
  await consumer.prefetch(flowPrefetch('svc-golden-in'));
  await consumer.consume(QUEUE, (msg) => {
    if (!msg) return;
    JSON.parse(msg.content.toString('utf8'));
    consumer.ack(msg);
  });
  return channel;
}

async function main(): Promise<void> {
  const channel = amqpUrl ? await publisher(amqpUrl) : undefined;
  // node-soap answers with what a service method's promise resolves to.
  const upsert = (args: UpsertArgs): Promise<Reply> => {
    const reply = {
      customerRef: args.customer.customerRef ?? `${args.customer.sourceSystem}:${args.customer.sourceId}`,
      eventId: randomUUID(),
      accepted: true,
    };
    if (!channel) return Promise.resolve(reply);
    return new Promise((resolve, reject) =>
      channel.publish(
        EXCHANGE,
        `customer.${args.customer.sourceSystem}`,
        Buffer.from(JSON.stringify(args.customer)),
        { persistent: true, mandatory: true, messageId: reply.eventId, contentType: 'application/json' },
        (err: unknown) => (err ? reject(new Error(String(err))) : resolve(reply)),
      ),
    );
  };
  const service = {
    CrmHubService: { CrmHubSoap: { UpsertCustomer: upsert }, CrmHubSoap12: { UpsertCustomer: upsert } },
  };
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  server.listen(Number(port), '127.0.0.1', () => {
    soap.listen(server, '/soap/hub', service, wsdl);
    console.log('listening');
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
