import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeadLetter, DeadLetterPage } from '../../connectors/amqp/dead-letters';
import {
  makeCustomers,
  publishAll,
  sapDebmas,
  startRig,
  type SyncCustomer,
  type SyncRig,
} from '../../bench/_sync-rig';
import { eventually, ROOT } from './hub-process';

/**
 * Poison messages on crm.inbound, on the real hub process and RabbitMQ (a virtual host of the file's
 * own): a message the hub cannot read (not XML, JSON cut off), one the canonical schema refuses (an
 * IDoc dated the 45th of the 13th month) and one from a system no legacy-system is wired for each end
 * in crm.dead-letter with the reason, while the good messages around them are applied. Then the
 * replay CLI, as a user runs it (`crm-hub dead-letters replay <id> --body <file>`), brings the refused
 * IDoc back with its date corrected, and the hub applies it.
 *
 * Every message is published as a legacy system does: plain AMQP, persistent, no message id (the hub
 * derives one from the body, and the dead letter keeps it).
 */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/crm-hub.js dead-letters ...` in a child process, from the sources (no dist/ needed). */
function deadLetters(url: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--require',
        path.join(ROOT, 'test', 'integration', 'fixtures', 'register-ts.js'),
        path.join(ROOT, 'bin', 'crm-hub.js'),
        'dead-letters',
        ...args,
      ],
      { cwd: ROOT, env: { ...process.env, AMQP_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function list(url: string): Promise<DeadLetterPage> {
  const run = await deadLetters(url, ['list', '--json']);
  if (run.code !== 0) throw new Error(`dead-letters list exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as DeadLetterPage;
}

describe('poison messages on crm.inbound (real hub, RabbitMQ)', () => {
  let rig: SyncRig;
  let customers: SyncCustomer[];

  beforeAll(async () => {
    rig = await startRig('sync-poison');
    customers = makeCustomers(rig.vhost.slice(-6), 5);
  }, 180_000);

  afterAll(async () => {
    await rig?.stop();
  });

  async function golden(
    kunnr: string,
  ): Promise<{ document: { addresses?: { houseNumber?: string }[] } } | undefined> {
    const res = await fetch(`${rig.hub.url}/api/v1/customers/${encodeURIComponent(`sap:${kunnr}`)}`);
    if (res.status !== 200) return undefined;
    // the customer 360 can answer from the canonical event before the golden-record consumer has
    // joined it: only an answer with the golden document counts as applied
    const body = (await res.json()) as { document?: { addresses?: { houseNumber?: string }[] } };
    return body.document ? { document: body.document } : undefined;
  }

  it('dead-letters each poison message with its reason, applies the good ones, and replays a fixed one', async () => {
    const [a, notXml, b, badDate, c] = customers;
    const sap = (body: Buffer | string) => ({
      exchange: 'crm.inbound',
      routingKey: 'sap.DEBMAS',
      body: Buffer.from(body),
      contentType: 'application/xml',
    });
    const undated = sapDebmas(badDate, 1)
      .toString('utf8')
      .replace(/<CREDAT>\d+<\/CREDAT>/, '<CREDAT>20261345</CREDAT>');
    await publishAll(await rig.publisher(), [
      sap(sapDebmas(a, 1)),
      // cut off in the middle, as a sender that crashed mid-write leaves it
      sap(sapDebmas(notXml, 1).subarray(0, 300)),
      sap(sapDebmas(b, 1)),
      sap(undated),
      {
        exchange: 'crm.inbound',
        routingKey: 'salesforce.Contact',
        body: Buffer.from('{"records":[{"attributes":{"type":"Contact"},"Id":"003POISON","LastName":'),
        contentType: 'application/json',
      },
      {
        exchange: 'crm.inbound',
        routingKey: 'erp9.ORDERS',
        body: Buffer.from('<ORDERS05/>'),
        contentType: 'application/xml',
      },
      sap(sapDebmas(c, 1)),
    ]);

    // the stream goes on: the good messages before, between and after the poison ones are applied
    for (const good of [a, b, c]) {
      const g = await eventually(() => golden(good.sap), `the golden record of sap:${good.sap}`, 300);
      expect(g.document.addresses?.[0]?.houseNumber).toBe('1');
    }
    const page = await eventually(
      async () => {
        const p = await list(rig.amqpUrl);
        return p.total >= 4 ? p : undefined;
      },
      'four dead letters',
      100,
    );
    expect(page.total).toBe(4);
    const byKey = new Map(page.items.map((d) => [`${d.routingKey} ${d.size}`, d]));
    const reasons = page.items.map((d) => ({
      exchange: d.exchange,
      routingKey: d.routingKey,
      queue: d.queue,
      hubReason: d.hubReason,
      id: d.id,
    }));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          routingKey: 'sap.DEBMAS',
          hubReason: expect.stringMatching(/not well-formed XML/),
        }),
        expect.objectContaining({
          routingKey: 'sap.DEBMAS',
          hubReason: expect.stringMatching(/not a calendar date/),
        }),
        expect.objectContaining({
          routingKey: 'salesforce.Contact',
          hubReason: expect.stringMatching(/JSON|json/),
        }),
        expect.objectContaining({
          routingKey: 'erp9.ORDERS',
          hubReason: expect.stringMatching(/no legacy-system is wired for routing key erp9\.ORDERS/),
        }),
      ]),
    );
    for (const r of reasons) expect(r).toMatchObject({ exchange: 'crm.inbound', queue: 'crm.hub.inbound' });
    // neither refused IDoc reached the golden record
    for (const refused of [notXml, badDate]) {
      const res = await fetch(`${rig.hub.url}/api/v1/customers/${encodeURIComponent(`sap:${refused.sap}`)}`);
      expect(res.status).toBe(404);
    }

    // the fix: the same IDoc with its creation date corrected, replayed in place of the refused one
    const refused = page.items.find((d) => d.hubReason?.includes('not a calendar date')) as DeadLetter;
    expect(byKey.get(`sap.DEBMAS ${Buffer.byteLength(undated)}`)?.id).toBe(refused.id);
    const shown = await deadLetters(rig.amqpUrl, ['show', refused.id]);
    expect((JSON.parse(shown.stdout) as DeadLetter).body).toBe(undated);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-poison-'));
    const fixed = path.join(dir, 'fixed.xml');
    fs.writeFileSync(fixed, sapDebmas(badDate, 1));
    const replay = await deadLetters(rig.amqpUrl, ['replay', refused.id, '--body', fixed]);
    expect(replay).toMatchObject({ code: 0, stderr: '' });
    expect(replay.stdout).toContain(
      `replayed ${refused.id} with the ${sapDebmas(badDate, 1).length} bytes of ${fixed} to exchange 'crm.inbound' with routing key 'sap.DEBMAS'`,
    );
    const back = await eventually(
      () => golden(badDate.sap),
      `the golden record of sap:${badDate.sap} after the replay`,
      300,
    );
    expect(back.document.addresses?.[0]?.houseNumber).toBe('1');
    // it left the dead-letter queue; the other three wait there with their reasons
    const after = await list(rig.amqpUrl);
    expect(after.total).toBe(3);
    expect(after.items.map((d) => d.id)).not.toContain(refused.id);
    // the CLI refuses an unknown id with exit code 1, and leaves the queue alone
    const unknown = await deadLetters(rig.amqpUrl, ['replay', 'no-such-id', '--body', fixed]);
    expect(unknown.code).toBe(1);
    expect((await list(rig.amqpUrl)).total).toBe(3);
  }, 240_000);
});
