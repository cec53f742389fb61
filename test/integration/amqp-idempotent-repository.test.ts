import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { IdempotentRepository } from '../../connectors/amqp/idempotent-repository';
import { PostgresStore } from '../../records/postgres-store';

/**
 * N hub instances consume one queue and share PostgreSQL: what one instance recorded, the other skips
 * when the broker redelivers the message to it.
 */
const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `crm_hub_idem_${process.pid}_${randomBytes(4).toString('hex')}`;
const stores: PostgresStore[] = [];

afterAll(async () => {
  for (const store of stores) await store.close();
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
});

async function instance(): Promise<IdempotentRepository> {
  const store = new PostgresStore({ connectionString: DATABASE_URL, schema });
  stores.push(store);
  await store.open();
  return new IdempotentRepository(store, 'crm.address-changes');
}

describe('IdempotentRepository over the PostgreSQL hub store', () => {
  it('shares the ledger between hub instances, and one of two instances racing on a key records it', async () => {
    const [a, b] = [await instance(), await instance()];
    expect(await b.contains('evt-1')).toBe(false);
    expect(await a.add('evt-1')).toBe(true);
    expect(await b.contains('evt-1')).toBe(true);
    const raced = await Promise.all([a.add('evt-2'), b.add('evt-2')]);
    expect(raced.filter(Boolean)).toHaveLength(1);
  });
});
