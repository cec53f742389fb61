import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { DEAD_LETTER_QUEUE } from '../../connectors/amqp/bus';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { crmHubDeadLetters } from './dead-letters-cli-run';
import { seedDeadLetters } from './dead-letter-seed';

/**
 * `crm-hub dead-letters` as a user runs it: `node bin/crm-hub.js dead-letters ...` in a child process,
 * against RabbitMQ in a virtual host of its own. The child loads the TypeScript sources through the
 * tests' register-ts.js (bin runs the sources under a TypeScript loader), so no dist/ build is needed.
 */
const vhost = `crm-hub-dl-cli-${randomUUID().slice(0, 8)}`;
const SOURCE = 'dl-cli.orders';
let url: string;

const crmHub = crmHubDeadLetters;

beforeAll(async () => {
  url = createVhost(vhost);
  // The hub's topology, declared by the hub's bus; its consumer dead-letters both messages with a reason.
  await seedDeadLetters(url, {
    queue: SOURCE,
    routingKey: 'event.offer-accepted.web',
    reason: 'channel-action: CRM answered 503',
    ids: ['cli-1', 'cli-2'],
  });
}, 60_000);

afterAll(() => deleteVhost(vhost));

describe('crm-hub dead-letters (child process)', () => {
  it('lists the dead letters of AMQP_URL as text and as JSON', async () => {
    const text = await crmHub(['list'], { AMQP_URL: url });
    expect(text).toMatchObject({ code: 0, stderr: '' });
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `queue '${DEAD_LETTER_QUEUE}' on RabbitMQ amqp://127.0.0.1:5672/${vhost} (user guest): 2 dead letters, showing 1 to 2`,
    );
    expect(lines[1]).toMatch(
      /^#1 {2}cli-1 {2}from crm\.events event\.offer-accepted\.web {2}queue dl-cli\.orders {2}count 1 .* {2}reason: channel-action: CRM answered 503$/,
    );
    expect(lines).toHaveLength(3);

    const json = await crmHub(['list', '--json', '--limit', '1', '--offset', '1'], { AMQP_URL: url });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      total: 2,
      offset: 1,
      limit: 1,
      items: [{ position: 2, id: 'cli-2', reason: 'channel-action: CRM answered 503' }],
    });
  });

  it('tells a position in the list from an id: `show 2` names the id to give', async () => {
    const byPlace = await crmHub(['show', '2'], { AMQP_URL: url });
    expect(byPlace.code).toBe(1);
    expect(byPlace.stderr).toContain(
      "no dead letter with id '2' in queue 'crm.dead-letter' on RabbitMQ amqp://127.0.0.1:5672/",
    );
    expect(byPlace.stderr).toContain(
      '2 is a position in the list (#2); a dead letter is named by the id listed with it',
    );
    // an id that is no whole number cannot be a position: the message stays as it was
    const missing = await crmHub(['show', 'cli-9'], { AMQP_URL: url });
    expect(missing.stderr).not.toContain('position in the list');
  });

  it('shows one, refuses to purge without --yes, keeps one whose replay fails, replays and purges', async () => {
    const show = await crmHub(['show', 'cli-1'], { AMQP_URL: url });
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      id: 'cli-1',
      body: '{"id":"cli-1"}',
      bodyEncoding: 'utf8',
    });

    const unsure = await crmHub(['purge', 'cli-1'], { AMQP_URL: url });
    expect(unsure.code).toBe(2);
    expect(unsure.stderr).toContain("purge deletes dead letter 'cli-1' for good; add --yes to confirm");

    const failed = await crmHub(['replay', 'cli-1', '--to', 'no.such.exchange/x'], { AMQP_URL: url });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("not replayed cli-1 (refused): replay to exchange 'no.such.exchange'");
    expect(failed.stderr).toContain('it stays in the dead-letter queue');

    const replayed = await crmHub(['replay', 'cli-1'], { AMQP_URL: url });
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    expect(replayed.stdout).toContain(
      "replayed cli-1 to exchange 'crm.events' with routing key 'event.offer-accepted.web'",
    );
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      const back = await ch.get(SOURCE, { noAck: true });
      expect(back && back.properties.messageId).toBe('cli-1');
    } finally {
      await conn.close();
    }

    const purged = await crmHub(['purge', '--all', '--yes'], { AMQP_URL: url });
    expect(purged).toMatchObject({ code: 0, stdout: 'purged 1 dead letter\n' });
    const missing = await crmHub(['show', 'cli-2'], { AMQP_URL: url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no dead letter with id 'cli-2'");
  });

  it('says clearly that dead letters need RabbitMQ when no broker is configured', async () => {
    const run = await crmHub(['list'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dead letters need RabbitMQ: set AMQP_URL');
  });

  it('names a virtual host the broker will not open instead of amqplib’s frame names', async () => {
    const run = await crmHub(['list'], { AMQP_URL: `${url}-missing` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`the broker refused to open virtual host '${vhost}-missing'`);
    expect(run.stderr).not.toContain('ConnectionOpenOk');
  });
});
