import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../records/postgres-store';

/**
 * PostgreSQL for the integration tests: the real server (127.0.0.1:5432, trust auth), a test that
 * finds none fails. Each test file works in schemas of its own, named so that parallel runs never meet.
 */
export const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** `<prefix>_<pid>_<8 hex digits>`: no other test file or run uses it */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(name: string): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${name}" cascade`);
  } finally {
    await client.end();
  }
}

export interface SharedSchema {
  schema: string;
  /** every store opened so far, in the order open() was called */
  stores: PostgresStore[];
  /** one more hub instance: a PostgresStore on the shared schema, opened */
  open(options?: Omit<PostgresStoreOptions, 'connectionString' | 'schema'>): Promise<PostgresStore>;
}

/**
 * Hub instances that share one fresh schema, as several hubs share one database. After all tests of
 * the enclosing describe block (or file) their stores are closed and the schema is dropped.
 */
export function sharedSchema(prefix: string): SharedSchema {
  const schema = uniqueSchema(prefix);
  const stores: PostgresStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
    await dropSchema(schema);
  });
  return {
    schema,
    stores,
    async open(options = {}) {
      const store = new PostgresStore({ connectionString: DATABASE_URL, schema, ...options });
      stores.push(store);
      await store.open();
      return store;
    },
  };
}
