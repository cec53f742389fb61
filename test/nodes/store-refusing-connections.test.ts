/**
 * The hub's PostgreSQL database refusing connections, as an explorer reproduced it on the real server:
 * `ALTER DATABASE … ALLOW_CONNECTIONS false` and its sessions ended, so every new connection fails with
 * SQLSTATE 55000 ("database … is not currently accepting connections"). Before, the golden record's
 * amqp-in dead-lettered the events in flight and the REST API answered 500 with the driver's text.
 * The database is this file's own, and dropped after.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import amqplib from 'amqplib';
import { Client } from 'pg';
import request from 'supertest';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { isStoreUnavailable } from '../../records/store-unavailable';
import { createDatabase, dropDatabase, POSTGRES_URL } from '../e2e/hub-process';
import {
  all,
  captured,
  core,
  helper,
  load,
  loggedWarnings,
  nextInput,
  RABBIT_URL,
  tempDir,
  useHelper,
} from './harness';
import { sinkNode, whenStatus } from './amqp-test-nodes';

const database = `crm_hub_refusing_${process.pid}_${randomBytes(4).toString('hex')}`;
let databaseUrl = '';
const run = randomUUID().slice(0, 8);
const exchange = `test.refusing.${run}`;
const queue = `test.refusing.${run}`;

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** As the explorer did it: no new connections, and the open ones ended. */
async function refuseConnections(): Promise<void> {
  await admin(async (client) => {
    await client.query(`alter database "${database}" allow_connections false`);
    await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
  });
}

async function acceptConnections(): Promise<void> {
  await admin((client) => client.query(`alter database "${database}" allow_connections true`));
}

beforeAll(async () => {
  databaseUrl = await createDatabase(database);
});
afterAll(async () => {
  await acceptConnections();
  await dropDatabase(database);
  const conn = await amqplib.connect(RABBIT_URL);
  const ch = await conn.createChannel();
  await ch.deleteQueue(queue);
  await ch.deleteExchange(exchange);
  await conn.close();
});
afterEach(() => acceptConnections());

useHelper();

const customer = {
  schemaVersion: '1.0',
  customerRef: 'crm:4713',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  tier: 'gold',
  identifiers: [{ system: 'crm', id: '4713' }],
  updatedAt: '2026-11-22T10:00:00Z',
  source: { system: 'crm' },
};

function nextWarning(nodeId: string): Promise<string> {
  return new Promise((resolve) =>
    helper.getNode(nodeId).once('call:warn', (call: { args: unknown[] }) => resolve(String(call.args[0]))),
  );
}

describe('PostgreSQL refusing connections to the hub database (SQLSTATE 55000)', () => {
  it('the driver error it raises counts as a store that cannot be reached', async () => {
    await refuseConnections();
    const client = new Client({ connectionString: databaseUrl });
    const refused = await client.connect().then(
      () => undefined,
      (err: unknown) => err,
    );
    await client.end().catch(() => undefined);
    expect(refused).toMatchObject({ code: '55000' });
    expect(isStoreUnavailable(refused)).toBe(true);
  });

  it('amqp-in gives the golden record its event back instead of dead-lettering it, and it is stored once the database is back', async () => {
    await load(
      [...all, sinkNode],
      [
        { id: 'broker', type: 'amqp-broker', urls: RABBIT_URL, heartbeat: '30', version: 2 },
        { id: 'store', type: 'hub-store', databaseUrl, directory: tempDir('refusing') },
        {
          id: 'in',
          type: 'amqp-in',
          broker: 'broker',
          queue,
          bindings: `${exchange} customer.#`,
          prefetch: '5',
          ack: 'flow',
          timeout: '20000',
          store: '',
          wires: [['golden']],
          version: 1,
        },
        { id: 'golden', type: 'golden-record', store: 'store', wires: [['stored']] },
        { id: 'stored', type: 'amqp-test-sink' },
      ],
    );
    await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await whenStatus('in', 'amqp-in.status.consuming');
    await refuseConnections();

    const passing = nextWarning('in');
    const stored = new Promise<{ goldenRecord: unknown }>((resolve) =>
      (helper.getNode('stored') as unknown as EventEmitter).on('input', resolve),
    );
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    await broker.bus.publish(exchange, 'customer.crm', Buffer.from(JSON.stringify(customer)), {
      messageId: 'e-refused',
    });
    const warning = await passing;
    expect(warning).toBe('amqp-in.errors.passing');

    await acceptConnections();
    expect((await stored).goldenRecord).toMatchObject({ write: { created: true, version: 1 } });
    expect(loggedWarnings('in').join('\n')).not.toContain('dead-lettered');
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect((await store.getCustomer('crm:4713'))?.document.tier).toBe('gold');
  });

  it('the REST API answers 503 store-unavailable with Retry-After, never the driver text', async () => {
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl, directory: tempDir('refusing') }]);
    await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await refuseConnections();
    for (const path of [
      '/api/v1/customers/crm:4713/next-best-offer?channel=web',
      '/api/v1/customers/crm:4713/offers',
      '/api/v1/customers/crm:4713',
    ]) {
      const answer = await request(captured.red!.httpNode).get(path);
      expect({ path, status: answer.status, body: answer.body as unknown }).toEqual({
        path,
        status: 503,
        body: { error: 'store-unavailable', message: 'the hub store cannot be reached; try again later' },
      });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.text).not.toContain(database);
    }
  });
});

describe('a next-best-offer node while the open store refuses connections', () => {
  it('fails the message with code store-unavailable for a Catch node, the driver error as its cause', async () => {
    await load(
      [...all, core.catchNode],
      [
        { id: 'tab', type: 'tab' },
        { id: 'store', type: 'hub-store', databaseUrl, directory: tempDir('refusing') },
        {
          id: 'nbo',
          type: 'next-best-offer',
          z: 'tab',
          store: 'store',
          answer: 'next-best-offer',
          wires: [[]],
        },
        { id: 'catcher', type: 'catch', z: 'tab', scope: ['nbo'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab' },
      ],
    );
    await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await refuseConnections();
    const caught = nextInput<{ error: { code?: string; message: string; cause?: { code?: string } } }>(
      'caught',
    );
    helper.getNode('nbo').receive({ payload: { customerRef: 'crm:4713', channel: 'web' } });
    const { error } = await caught;
    expect(error.code).toBe('store-unavailable');
    expect(error.message).toContain('next-best-offer.errors.store-unavailable');
    expect(error.cause?.code).toBe('55000');
  });
});

describe('what PostgreSQL raises when the database or the server cannot be used, on the real server', () => {
  const role = `crm_hub_refused_${process.pid}_${randomBytes(4).toString('hex')}`;
  afterAll(() => admin((client) => client.query(`drop role if exists "${role}"`)));

  async function connectError(url: string): Promise<unknown> {
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      return undefined;
    } catch (err) {
      return err;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  it('a database that does not exist, a role that may not log in, too many connections: the store is away', async () => {
    await admin((client) => client.query(`create role "${role}" nologin`));
    const noDatabase = await connectError(`${POSTGRES_URL}/${database}_missing`);
    const noLogin = await connectError(`postgres://${role}@127.0.0.1:5432/${database}`);
    await admin((client) => client.query(`alter role "${role}" login connection limit 0`));
    const tooMany = await connectError(`postgres://${role}@127.0.0.1:5432/${database}`);
    expect(
      [noDatabase, noLogin, tooMany].map((e) => [(e as { code?: string }).code, isStoreUnavailable(e)]),
    ).toEqual([
      ['3D000', true],
      ['28000', true],
      ['53300', true],
    ]);
  });

  it('errors about the data, and 55000 within a session, stay errors', async () => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('create temporary sequence s; create temporary table t (id int primary key)');
      await client.query('insert into t values (1)');
      const failed = [
        await client.query("select currval('s')").catch((e: unknown) => e),
        await client.query("select 'x'::int").catch((e: unknown) => e),
        await client.query('insert into t values (1)').catch((e: unknown) => e),
      ];
      expect(failed.map((e) => [(e as { code?: string }).code, isStoreUnavailable(e)])).toEqual([
        ['55000', false],
        ['22P02', false],
        ['23505', false],
      ]);
    } finally {
      await client.end();
    }
  });
});
