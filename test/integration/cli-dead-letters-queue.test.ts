import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { DEAD_LETTER_QUEUE, INBOUND_EXCHANGE } from '../../connectors/amqp/bus';
import { stableMessageId } from '../../connectors/amqp/message-id';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { SyncTopology } from '../../connectors/amqp/sync-topology';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { crmHubDeadLetters } from './dead-letters-cli-run';

/**
 * `crm-hub dead-letters` against a queue that is not there, and against what the broker itself
 * dead-letters from crm.inbound: as a user runs it, in a child process, in a virtual host of its own
 * (the pattern of dead-letters-cli.test.ts).
 */
const vhost = `crm-hub-dl-queue-${randomUUID().slice(0, 8)}`;
let url: string;

const crmHub = crmHubDeadLetters;

beforeAll(() => {
  url = createVhost(vhost);
});

afterAll(() => deleteVhost(vhost));

describe('crm-hub dead-letters --queue with a queue that does not exist', () => {
  it.each([
    [['list']],
    [['list', '--json']],
    [['show', 'evt-1']],
    [['replay', '--all']],
    [['purge', 'evt-1', '--yes']],
    [['purge', '--all', '--yes']],
  ])('%j names the queue and the virtual host and exits 2 instead of finding nothing', async (args) => {
    const run = await crmHub([...args, '--queue', 'nosuchq'], { AMQP_URL: url });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      `crm-hub dead-letters: queue 'nosuchq' does not exist in virtual host '${vhost}' on RabbitMQ ` +
        `amqp://127.0.0.1:5672/${vhost} (user guest); check the queue name and the virtual host in the broker URL`,
    );
  });
});

describe('crm-hub dead-letters with a crm.inbound message without a message id that the broker dead-lettered', () => {
  const body = '<DEBMAS07><IDOC BEGIN="1"/></DEBMAS07>';
  const seen: string[] = [];

  beforeAll(async () => {
    // The hub's inbound consumer, which gives the message back until the broker's delivery limit
    // dead-letters it (as a consumer that crashes on it does): the hub never republishes it itself.
    const bus = new RabbitMqBus({ url });
    await bus.start();
    const topology = new SyncTopology(bus, { targets: [], deliveryLimit: 1 });
    await topology.declare();
    const sub = await bus.consume(topology.inboundConsumeOptions(), (d) => {
      seen.push(String(d.messageId));
      d.requeue();
    });
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createConfirmChannel();
      ch.publish(INBOUND_EXCHANGE, 'sap.DEBMAS', Buffer.from(body), { contentType: 'application/xml' });
      await ch.waitForConfirms();
      for (let i = 0; i < 200 && (await ch.checkQueue(DEAD_LETTER_QUEUE)).messageCount < 1; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await sub.cancel();
      await bus.close();
      await conn.close();
    }
  }, 60_000);

  it('lists it with the id the hub gave it, and shows and replays it by that id', async () => {
    const hubId = stableMessageId(Buffer.from(body), 'application/xml');
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([hubId]));

    const list = await crmHub(['list', '--json'], { AMQP_URL: url });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({
      total: 1,
      items: [{ id: hubId, messageId: null, exchange: INBOUND_EXCHANGE, deathReason: 'delivery_limit' }],
    });
    const text = await crmHub(['list'], { AMQP_URL: url });
    expect(text.stdout.split('\n')[1]).toMatch(
      new RegExp(`^#1 {2}${hubId} {2}from crm\\.inbound sap\\.DEBMAS`),
    );

    const shown = await crmHub(['show', hubId], { AMQP_URL: url });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: hubId, body });

    const replayed = await crmHub(['replay', hubId], { AMQP_URL: url });
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    expect(replayed.stdout).toContain(`replayed ${hubId} to exchange 'crm.inbound'`);
  });
});
