import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { DeadLetterQueue } from '../../connectors/amqp/dead-letters';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { crmHubDeadLetters } from './dead-letters-cli-run';

/**
 * Reading a quorum queue again and again leaves it as it was: a list is a pass that puts a copy of
 * every message back at the tail and acks the original, and those acks must reach the broker before
 * the channel closes, or the originals come back beside their copies (50 dead letters listed five
 * times were 50, 50, 67, 101, 169).
 */
const vhost = `crm-hub-dl-repeat-${randomUUID().slice(0, 8)}`;
const QUEUE = 'dl-repeat.quorum';
const IDS = Array.from({ length: 50 }, (_, i) => `m-${i}`);
let url: string;

beforeAll(async () => {
  url = createVhost(vhost);
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (const id of IDS)
      ch.publish('', QUEUE, Buffer.from(`{"id":"${id}"}`), {
        messageId: id,
        contentType: 'application/json',
        persistent: true,
        headers: { 'x-crmhub-reason': 'test: poison' },
      });
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}, 60_000);

afterAll(() => deleteVhost(vhost));

/** Messages in the queue as its leader counts them (rabbitmqctl's count of a quorum queue lags). */
async function depth(): Promise<number> {
  const conn = await amqp.connect(url);
  try {
    return (await (await conn.createChannel()).checkQueue(QUEUE)).messageCount;
  } finally {
    await conn.close();
  }
}

async function listAll(): Promise<string[]> {
  const dlq = new DeadLetterQueue({ url, queue: QUEUE });
  try {
    return (await dlq.list({ limit: 1000 })).items.map((i) => i.id);
  } finally {
    await dlq.close();
  }
}

describe('dead letters listed again and again on a quorum queue', () => {
  it('keeps the count and the ids exactly as they were (the library, five times)', async () => {
    for (let round = 1; round <= 5; round++) {
      expect({ round, ids: await listAll() }).toEqual({ round, ids: IDS });
      expect({ round, depth: await depth() }).toEqual({ round, depth: IDS.length });
    }
  });

  it('keeps the count as it was when `crm-hub dead-letters list --limit 1` runs five times', async () => {
    for (let round = 1; round <= 5; round++) {
      const run = await crmHubDeadLetters(['list', '--queue', QUEUE, '--limit', '1', '--json'], {
        AMQP_URL: url,
      });
      expect(run.code).toBe(0);
      expect({ round, page: JSON.parse(run.stdout) as unknown }).toMatchObject({
        round,
        page: { total: IDS.length, items: [{ id: 'm-0' }] },
      });
      expect({ round, depth: await depth() }).toEqual({ round, depth: IDS.length });
    }
    expect(await listAll()).toEqual(IDS);
  }, 60_000);

  it('replays one dead letter when one id is replayed, and keeps the rest', async () => {
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue('dl-repeat.target', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      const dlq = new DeadLetterQueue({ url, queue: QUEUE });
      try {
        const result = await dlq.replay(
          { id: 'm-7' },
          { to: { exchange: '', routingKey: 'dl-repeat.target' } },
        );
        expect(result).toEqual({
          replayed: [{ id: 'm-7', position: 8, exchange: '', routingKey: 'dl-repeat.target' }],
          failed: [],
        });
      } finally {
        await dlq.close();
      }
      expect((await ch.checkQueue('dl-repeat.target')).messageCount).toBe(1);
      expect(await listAll()).toEqual(IDS.filter((id) => id !== 'm-7'));
    } finally {
      await conn.close();
    }
  });

  it('removes every one of 300 dead letters with one id in one purge, and nothing else', async () => {
    const queue = 'dl-repeat.purge';
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createConfirmChannel();
      await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      for (let i = 0; i < 320; i++) {
        const id = i % 16 === 15 ? `keep-${i}` : 'dup';
        ch.publish('', queue, Buffer.from(`{"i":${i}}`), { messageId: id, persistent: true });
      }
      await ch.waitForConfirms();
      const dlq = new DeadLetterQueue({ url, queue });
      try {
        expect(await dlq.purge('dup')).toBe(300);
        const kept = Array.from({ length: 20 }, (_, k) => `keep-${k * 16 + 15}`);
        for (let round = 1; round <= 3; round++) {
          expect({ round, ids: (await dlq.list({ limit: 1000 })).items.map((i) => i.id) }).toEqual({
            round,
            ids: kept,
          });
          expect({ round, depth: (await ch.checkQueue(queue)).messageCount }).toEqual({ round, depth: 20 });
        }
      } finally {
        await dlq.close();
      }
    } finally {
      await conn.close();
    }
  });
});
