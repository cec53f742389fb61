/**
 * The hub-store config node on the real PostgreSQL server, in a database of its own: golden-record
 * writes a customer through it, and the customer is read back through the store and straight from
 * the database. Fails, never skips, when PostgreSQL is not running.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { createDatabase, dropDatabase } from '../e2e/hub-process';
import { all, helper, load, nextInput, tempDir, useHelper } from './harness';

const database = `crm_hub_node_${process.pid}_${randomBytes(4).toString('hex')}`;
let databaseUrl = '';

beforeAll(async () => {
  databaseUrl = await createDatabase(database);
});
afterAll(() => dropDatabase(database));

useHelper();

const customer = (updatedAt: string, tier: string) => ({
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  tier,
  identifiers: [{ system: 'crm', id: '4711' }],
  updatedAt,
  source: { system: 'crm' },
});

// directory is set so that a store silently falling back to the embedded one would be noticed: the
// assertions below read PostgreSQL itself.
const flow = (url: string) => [
  { id: 'store', type: 'hub-store', databaseUrl: url, directory: tempDir('hub-store-pg') },
  { id: 'golden', type: 'golden-record', store: 'store', wires: [['stored']] },
  { id: 'stored', type: 'helper' },
];

async function write(payload: unknown) {
  const out = nextInput<Record<string, unknown>>('stored');
  helper.getNode('golden').receive({ payload });
  return out;
}

async function rowsInDatabase(): Promise<{ customer_ref: string; version: number; tier: string }[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select customer_ref, version, doc->>'tier' as tier from crm_hub.customers order by customer_ref",
    );
    return rows as { customer_ref: string; version: number; tier: string }[];
  } finally {
    await client.end();
  }
}

describe('hub-store on PostgreSQL', () => {
  it('stores what golden-record writes in PostgreSQL, and reads it back through the store', async () => {
    await load(all, flow(databaseUrl));
    const storeNode = helper.getNode('store') as unknown as HubStoreNode;
    const store = await storeNode.ready;
    expect(store.kind).toBe('postgres');
    expect(store.describe()).toContain(`/${database}`);

    const created = await write(customer('2026-11-22T10:00:00Z', 'gold'));
    expect(created.goldenRecord).toMatchObject({ kind: 'customer', write: { created: true, version: 1 } });
    await write(customer('2026-11-22T11:00:00Z', 'platinum'));
    const older = await write(customer('2026-11-22T09:00:00Z', 'basic'));
    expect(older.goldenRecord).toMatchObject({ write: { changed: false, version: 2 } });

    expect(await store.getCustomer('crm:4711')).toMatchObject({
      customerRef: 'crm:4711',
      document: { tier: 'platinum', person: { familyName: 'Schmidt' } },
      updatedAt: '2026-11-22T11:00:00.000Z',
      sourceSystem: 'crm',
    });
    expect(await rowsInDatabase()).toEqual([{ customer_ref: 'crm:4711', version: 2, tier: 'platinum' }]);
    expect(await store.health()).toMatchObject({ ok: true, kind: 'postgres' });
  });

  it('keeps the customer across a redeploy: a new hub-store node reads what the last one wrote', async () => {
    await load(all, flow(databaseUrl));
    await write(customer('2026-11-23T10:00:00Z', 'silver'));
    await helper.unload();
    await load(all, flow(databaseUrl));
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect((await store.getCustomer('crm:4711'))?.document.tier).toBe('silver');
  });

  it('connects with a password from its credentials and never shows it in its description or health', async () => {
    // trust authentication accepts any password: this shows the credential reaches the URL harmlessly
    // and stays out of what the node logs and /healthz reports
    await load(all, flow(databaseUrl), { store: { password: 'not-in-the-flow' } });
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    const health = await store.health();
    expect(health).toMatchObject({ ok: true, kind: 'postgres' });
    expect(JSON.stringify(health) + store.describe()).not.toContain('not-in-the-flow');
  });
});
