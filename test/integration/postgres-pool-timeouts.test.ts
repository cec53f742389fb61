import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client, Pool } from 'pg';
import { inTransaction, listenToEveryClient, withClient } from '../../records/postgres-transaction';
import { PostgresStore } from '../../records/postgres-store';
import { DATABASE_URL, dropSchema, uniqueSchema } from './postgres-schema';

const schema = uniqueSchema('crm_hub_timeouts');
const stores: PostgresStore[] = [];

async function openStore(options: {
  connectionString?: string;
  poolSize?: number;
  statementTimeoutMs?: number;
}) {
  const store = new PostgresStore({ connectionString: DATABASE_URL, schema, ...options });
  stores.push(store);
  await store.open();
  return store;
}

afterAll(async () => {
  for (const store of stores) await store.close().catch(() => undefined);
  await dropSchema(schema);
});

describe('PostgresStore pool bounds', () => {
  it('refuses a statement timeout that is not a positive integer', () => {
    expect(
      () => new PostgresStore({ connectionString: DATABASE_URL, schema, statementTimeoutMs: 0 }),
    ).toThrow(/statementTimeoutMs must be a positive integer/);
  });

  it('cancels a statement that waits longer than the statement timeout, and the pool serves the next query', async () => {
    const store = await openStore({ poolSize: 1, statementTimeoutMs: 300 });
    await store.setPolicyEnabled('p1', true);
    // Another session holds the table, so the store's statement waits as it would on a stuck database.
    const blocker = new Client({ connectionString: DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`lock table "${schema}".policy_switches in access exclusive mode`);
      const started = Date.now();
      await expect(store.getPolicyEnabled('p1')).rejects.toThrow(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(5000);
      await blocker.query('rollback');
    } finally {
      await blocker.end();
    }
    expect(await store.getPolicyEnabled('p1')).toBe(true);
    expect((await store.health()).ok).toBe(true);
  });

  describe('with a database that stops answering', () => {
    let proxy: Server;
    let frozen = false;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      // Forwards to the real server until frozen; frozen, it swallows every byte, as a hung host or a
      // dropped network path does (the server never sees the query, so only the client can give up).
      proxy = createServer((downstream) => {
        const upstream = connect(5432, '127.0.0.1');
        sockets.push(downstream, upstream);
        downstream.on('data', (chunk) => (frozen ? undefined : upstream.write(chunk)));
        upstream.on('data', (chunk) => (frozen ? undefined : downstream.write(chunk)));
        downstream.on('error', () => upstream.destroy());
        upstream.on('error', () => downstream.destroy());
        downstream.on('close', () => upstream.destroy());
        upstream.on('close', () => downstream.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    });

    it('fails each request within the timeouts instead of hanging, and serves again once the database answers', async () => {
      const { port } = proxy.address() as AddressInfo;
      const store = await openStore({
        connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
        poolSize: 2,
        statementTimeoutMs: 300,
      });
      await store.setPolicyEnabled('p2', true);

      frozen = true;
      const started = Date.now();
      // More requests than connections: the ones waiting for a connection must fail too, not queue forever.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, () => store.getPolicyEnabled('p2')),
      );
      const elapsed = Date.now() - started;
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
      expect(elapsed).toBeLessThan(15000);

      frozen = false;
      expect(await store.getPolicyEnabled('p2')).toBe(true);
    }, 30000);
  });
});

describe('inTransaction', () => {
  it('discards a client whose rollback failed, so the next caller gets a working connection', async () => {
    const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
    const errors: Error[] = [];
    pool.on('error', (err) => errors.push(err));
    try {
      // The backend ends itself inside the transaction: the body fails, and so does the rollback.
      await expect(
        inTransaction(pool, (client) => client.query('select pg_terminate_backend(pg_backend_pid())')),
      ).rejects.toThrow(/terminat/);
      expect(pool.totalCount).toBe(0);
      const answer = await inTransaction(pool, (client) => client.query('select 1 as one'));
      expect(answer.rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('returns a client whose rollback worked to the pool', async () => {
    const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
    try {
      await expect(inTransaction(pool, (client) => client.query('select 1/0'))).rejects.toThrow(
        /division by zero/,
      );
      expect(pool.totalCount).toBe(1);
      expect(pool.idleCount).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe('a connection the server ends between two uses', () => {
  // pg_terminate_backend's ErrorResponse can arrive in the same read as the ReadyForQuery of the last
  // query: pg-pool then hands the client to the next caller and the error is emitted before that caller
  // could listen. A hub on PostgreSQL died of it (uncaught 'error') at the first pg_terminate_backend.
  it('is discarded without an unhandled error when it fails right after it was handed out', async () => {
    const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
    pool.on('error', () => undefined);
    listenToEveryClient(pool, () => undefined);
    const thrown: unknown[] = [];
    // the moment of the race, made certain: after pg-pool stopped listening, before withClient listens
    pool.once('acquire', (client) =>
      process.nextTick(() => {
        const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
        socket.destroy(new Error('terminating connection due to administrator command'));
      }),
    );
    const caught = (err: unknown) => thrown.push(err);
    process.prependListener('uncaughtException', caught);
    try {
      await expect(withClient(pool, (client) => client.query('select 1'))).rejects.toThrow(
        /terminat|not queryable/,
      );
      expect(thrown).toEqual([]);
      expect(pool.totalCount).toBe(0);
      const answer = await withClient(pool, (client) => client.query('select 1 as one'));
      expect(answer.rows).toEqual([{ one: 1 }]);
    } finally {
      process.removeListener('uncaughtException', caught);
      await pool.end();
    }
  });
});
