import { PostgresStore } from '../../records/postgres-store';
import { Pool } from 'pg';
import { linkSourceRecord, mergeGoldenRecords } from '../../records/golden-operations';
import type { SourceRecord } from '../../records/source-versions';
import { DATABASE_URL, dropSchema, uniqueSchema } from './postgres-schema';
import { describeStoreContract } from './store-contract';

const RUN = uniqueSchema('crm_hub_test');
let testNumber = 0;
let schema = '';

// A fresh schema per test, so the contract's "first time" assertions never see another test's rows.
describeStoreContract(
  'PostgresStore',
  (options) => new PostgresStore({ connectionString: DATABASE_URL, schema, ...options }),
  {
    beforeEach: () => {
      testNumber += 1;
      schema = `${RUN}_${testNumber}`;
    },
    afterEach: () => dropSchema(schema),
  },
);

describe('PostgresStore with several hub instances', () => {
  const shared = `${RUN}_shared`;
  const stores: PostgresStore[] = [];

  afterAll(async () => {
    for (const s of stores) await s.close();
    await dropSchema(shared);
  });

  it('creates the schema safely when instances start at once, and lets one of them win each event', async () => {
    for (let i = 0; i < 4; i++) {
      stores.push(new PostgresStore({ connectionString: DATABASE_URL, schema: shared, poolSize: 4 }));
    }
    await Promise.all(stores.map((s) => s.open()));

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % stores.length].markProcessed('golden-record', 'evt-shared'),
      ),
    );
    expect(results.filter((r) => r)).toHaveLength(1);

    await stores[0].setPolicyEnabled('p1', true);
    expect(await stores[3].getPolicyEnabled('p1')).toBe(true);
  });

  it('keeps the newest customer when instances write it at once, whatever the arrival order', async () => {
    const revisions = Array.from({ length: 20 }, (_, i) => 19 - i); // newest arrives first
    const results = await Promise.all(
      revisions.map((revision, i) =>
        stores[i % stores.length].putCustomer({
          customerRef: 'crm:shared',
          document: { revision },
          updatedAt: new Date(Date.UTC(2025, 0, 1, 0, revision)).toISOString(),
          sourceSystem: 'crm',
        }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const stored = await stores[2].getCustomer('crm:shared');
    expect(stored?.document).toEqual({ revision: 19 });
    expect(stored?.version).toBe(results.filter((r) => r.changed).length);

    const interactionResults = await Promise.all(
      stores.map((s) =>
        s.recordInteraction({
          customerRef: 'crm:shared',
          eventId: 'evt-shared-visit',
          type: 'visit',
          channel: 'web',
          occurredAt: '2025-01-01T00:00:00Z',
        }),
      ),
    );
    expect(interactionResults.filter((r) => r)).toHaveLength(1);
  });

  it('links records of one customer from four instances at once into one golden record, and merges it once', async () => {
    const person = (system: string, sourceId: string, familyName: string): SourceRecord => ({
      system,
      sourceId,
      updatedAt: '2025-01-01T00:00:00Z',
      document: { kind: 'person', person: { givenName: 'Anna', familyName } },
    });
    const first = person('crm', 'shared-0', 'Schmidt');
    await linkSourceRecord(stores[0], first);
    const others = Array.from({ length: 8 }, (_, i) => person(`sys${i}`, `shared-${i + 1}`, `Schmidt-${i}`));
    const linked = await Promise.all(
      others.map((record, i) =>
        linkSourceRecord(stores[i % stores.length], record, 'crm:shared-0', { attempts: 16 }),
      ),
    );
    expect(linked.map((r) => r.status)).toEqual(others.map(() => 'applied'));
    const golden = await stores[1].getGolden('crm:shared-0');
    expect(golden?.members).toHaveLength(9);
    expect(golden?.record.sources).toHaveLength(9);

    const apart = person('web', 'shared-x', 'Schmidt');
    await linkSourceRecord(stores[2], apart);
    const merges = await Promise.all(
      stores.map((s, i) => mergeGoldenRecords(s, i % 2 ? 'web:shared-x' : 'crm:shared-0', 'sys3:shared-4')),
    );
    expect(merges.filter((m) => m.status === 'applied')).toHaveLength(1);
    expect(merges.filter((m) => m.status === 'same')).toHaveLength(3);
    const outbox = await stores[3].listGoldenOutbox(1000);
    expect(outbox.filter((e) => e.event.type === 'golden.merged')).toHaveLength(1);
    expect(await stores[0].listGoldenMembers('web:shared-x')).toHaveLength(10);
  });

  it('describes where it is without the password', () => {
    const store = new PostgresStore({ connectionString: 'postgres://postgres:hunter2@127.0.0.1:5432/test' });
    expect(store.describe()).toBe('PostgreSQL store at 127.0.0.1:5432/test (schema crm_hub)');
  });

  it('fails to open with a message naming the store when the server is unreachable', async () => {
    const store = new PostgresStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      schema: shared,
    });
    await expect(store.open()).rejects.toThrow(/PostgreSQL store at 127\.0\.0\.1:1\/test/);
    expect((await store.health()).ok).toBe(false);
  });
});

describe('PostgresStore event id claims', () => {
  const schema = `${RUN}_claims`;
  const stores: PostgresStore[] = [];

  afterAll(async () => {
    for (const s of stores) await s.close();
    await dropSchema(schema);
  });

  it('answers an id it holds with one read, and writes only the ids not held yet', async () => {
    for (let i = 0; i < 2; i++) stores.push(new PostgresStore({ connectionString: DATABASE_URL, schema }));
    await Promise.all(stores.map((s) => s.open()));
    const [store] = stores;
    await store.recordEventDigests([{ eventId: 'evt-held', digest: 'h' }]);

    const query = jest.spyOn(Pool.prototype, 'query');
    // the first word of each statement on the digests
    const statements = () =>
      query.mock.calls
        .map(([sql]) => String(sql))
        .filter((sql) => sql.includes('event_digests'))
        .map((sql) => sql.trim().split(/\s+/)[0]);
    try {
      // each consumer of an event claims its id again: one select
      expect(await store.recordEventDigests([{ eventId: 'evt-held', digest: 'other' }])).toEqual(['h']);
      expect(statements()).toEqual(['select']);
      query.mockClear();
      expect(
        await store.recordEventDigests([
          { eventId: 'evt-held', digest: 'h' },
          { eventId: 'evt-new', digest: 'n' },
        ]),
      ).toEqual(['h', 'n']);
      expect(statements()).toEqual(['select', 'insert', 'select']);
    } finally {
      query.mockRestore();
    }
  });

  it('lets one digest win per id when two instances record overlapping batches at once', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `evt-race-${i}`);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        stores[i % stores.length].recordEventDigests(
          ids.slice(i % 3).map((eventId) => ({ eventId, digest: `${eventId}-${i}` })),
        ),
      ),
    );
    const held = await stores[0].recordEventDigests(ids.map((eventId) => ({ eventId, digest: 'late' })));
    expect(held.every((digest, i) => digest.startsWith(`${ids[i]}-`))).toBe(true);
    for (const [i, answer] of results.entries()) expect(answer).toEqual(held.slice(i % 3));
  });
});
