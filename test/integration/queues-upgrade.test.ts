import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import amqplib from 'amqplib';
import { runQueuesCommand } from '../../app/cli/queues-command';
import { createVhost, deleteVhost } from '../e2e/hub-process';

const vhost = `crm-hub-queues-upgrade-${randomUUID().slice(0, 8)}`;
const queue = 'crm-hub.policy-engine';
let url: string;
let conn: amqplib.ChannelModel;
let flowsFile: string;

beforeAll(async () => {
  url = createVhost(vhost);
  conn = await amqplib.connect(url);
  // the queue as c7ca40f declared it: quorum and crm.dlx, none of the poison-message arguments
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange('crm.events', 'topic', { durable: true });
  await ch.assertQueue(queue, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'crm.dlx' },
  });
  await ch.bindQueue(queue, 'crm.events', 'event.#');
  for (let i = 0; i < 50; i++)
    ch.publish('crm.events', 'event.address-changed.call-center', Buffer.from(`{"n":${i}}`), {
      messageId: `m-${i}`,
      contentType: 'application/json',
      persistent: true,
      headers: { traceparent: `t-${i}` },
    });
  await ch.waitForConfirms();
  await ch.close();
  // the current shipped node: delivery limit and at-least-once dead-lettering
  flowsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-queues-')), 'flows.json');
  fs.writeFileSync(
    flowsFile,
    JSON.stringify([
      {
        id: 'consume-events',
        type: 'amqp-in',
        queue,
        bindings: 'event.#',
        deliveryLimit: '20',
        atLeastOnce: true,
        topology: '',
        version: 4,
      },
    ]),
  );
});

afterAll(async () => {
  await conn.close();
  deleteVhost(vhost);
});

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await runQueuesCommand([...args, '--flows', flowsFile, '--url', url], {
    stdout,
    stderr,
    env: {},
    cwd: os.tmpdir(),
  });
  return { code, out };
}

async function depth(name: string): Promise<number> {
  const ch = await conn.createChannel();
  // a missing queue closes the channel: the rejection below says so
  ch.on('error', () => undefined);
  const count = (await ch.checkQueue(name)).messageCount;
  await ch.close();
  return count;
}

// A consumer's unacknowledged delivery goes back to a quorum queue after its channel closed, not
// with the close: the count is read until it holds all messages again, or the tries run out.
async function depthOnceReturned(name: string, expected: number): Promise<number> {
  let count = await depth(name);
  for (let tries = 0; count !== expected && tries < 50; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    count = await depth(name);
  }
  return count;
}

describe('crm-hub queues upgrade on RabbitMQ', () => {
  it('--dry-run names the differing argument and changes nothing', async () => {
    const { code, out } = await run(['upgrade', '--dry-run']);
    expect(code).toBe(0);
    expect(out).toMatch(
      /crm-hub\.policy-engine: x-[a-z-]+ differs \(50 message\(s\), 0 consumer\(s\)\): would be re-created/,
    );
    expect(await depth(queue)).toBe(50);
  });

  it('refuses a queue with a consumer attached', async () => {
    const ch = await conn.createChannel();
    await ch.prefetch(1);
    const { consumerTag } = await ch.consume(queue, () => undefined);
    try {
      const { code, out } = await run(['upgrade']);
      expect(code).toBe(1);
      expect(out).toContain('refused, stop the hub first');
    } finally {
      await ch.cancel(consumerTag);
      await ch.close();
    }
    expect(await depthOnceReturned(queue, 50)).toBe(50);
  });

  it('re-creates the queue with the new arguments and keeps every message in order, with its properties', async () => {
    const { code, out } = await run(['upgrade']);
    expect(code).toBe(0);
    expect(out).toContain('50 message(s) kept');
    // the current declaration is now equivalent: RabbitMQ takes it without PRECONDITION_FAILED
    const ch = await conn.createChannel();
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': 'crm.dlx',
        'x-delivery-limit': 20,
        'x-overflow': 'reject-publish',
        'x-dead-letter-strategy': 'at-least-once',
      },
    });
    const ids: string[] = [];
    for (;;) {
      const msg = await ch.get(queue, { noAck: true });
      if (msg === false) break;
      ids.push(String(msg.properties.messageId));
      expect(msg.properties.headers?.traceparent).toBe(`t-${ids.length - 1}`);
      expect(msg.properties.contentType).toBe('application/json');
    }
    expect(ids).toEqual(Array.from({ length: 50 }, (_v, i) => `m-${i}`));
    // the bindings came back; the holding queue is gone
    await ch.close();
    const pub = await conn.createConfirmChannel();
    pub.publish('crm.events', 'event.after.upgrade', Buffer.from('{}'), { persistent: true });
    await pub.waitForConfirms();
    await pub.close();
    expect(await depth(queue)).toBe(1);
    await expect(depth(`${queue}.upgrade`)).rejects.toThrow(/NOT_FOUND/);
    expect((await run(['upgrade'])).out).toContain(
      'crm-hub.policy-engine: arguments as the flows declare them',
    );
  });
});
