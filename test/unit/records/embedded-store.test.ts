import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { EmbeddedStore } from '../../../records/embedded-store';
import { GoldenIntake } from '../../../records/golden-intake';
import { annaSchmidt } from '../../fixtures/anna-schmidt';
import { createStore } from '../../../records/create-store';
import { PostgresStore } from '../../../records/postgres-store';
import { offerIdFor } from '../../../policies/decision-id';
import { requireInstant, sameJsonDocument } from '../../../records/store-input';
import { describeStoreContract } from '../../integration/store-contract';

let directory = '';

describeStoreContract('EmbeddedStore', (options) => new EmbeddedStore({ directory, ...options }), {
  beforeEach: () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-store-'));
  },
  afterEach: () => {
    rmSync(directory, { recursive: true, force: true });
  },
});

/** A store at `dir` holding Anna Schmidt's SAP and CRM records, linked into one golden record. */
async function storeWithAnna(dir: string): Promise<EmbeddedStore> {
  const store = new EmbeddedStore({ directory: dir });
  await store.open();
  const intake = new GoldenIntake(store);
  await intake.takeCustomer(annaSchmidt('sap', '80042', 'Ring', 0));
  await intake.takeCustomer(annaSchmidt('crm', '4711', 'Ring', 1));
  return store;
}

describe('EmbeddedStore idempotency retention on files of an older hub', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-hub-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes the processed ids by their time and the digests as recorded at the upgrade, then prunes them', async () => {
    // the layout before the retention: no time indexes, a digest without a time
    const old = open({ path: dir, compression: false, maxDbs: 64 });
    const processed = old.openDB<string, string>('processed-events', {});
    const digests = old.openDB<string, string>('event-digests', {});
    await old.transaction(() => {
      for (let i = 0; i < 2500; i++) {
        const at = i < 2400 ? '2024-06-01T00:00:00.000Z' : '2025-01-10T00:00:00.000Z';
        void processed.put(`crm-hub.policy-engine\u0000evt-${String(i).padStart(4, '0')}`, at);
      }
      for (let i = 0; i < 3; i++) void digests.put(`evt-${i}`, `digest-${i}`);
    });
    await old.close();

    const clock = { now: Date.parse('2025-01-20T00:00:00.000Z') };
    const store = new EmbeddedStore({ directory: dir, now: () => clock.now });
    await store.open();
    try {
      expect(await store.pruneIdempotency('2025-01-01T00:00:00.000Z', 10_000)).toEqual({
        processed: 2400,
        digests: 0,
      });
      expect(await store.wasProcessed('crm-hub.policy-engine', 'evt-0000')).toBe(false);
      expect(await store.wasProcessed('crm-hub.policy-engine', 'evt-2499')).toBe(true);
      expect(await store.recordEventDigests([{ eventId: 'evt-1', digest: 'other' }])).toEqual(['digest-1']);
      // the digests count from the first open with the index: a window after it they go too
      expect(await store.pruneIdempotency('2025-01-20T00:00:00.001Z', 10_000)).toEqual({
        processed: 100,
        digests: 3,
      });
    } finally {
      await store.close();
    }
  });
});

describe('EmbeddedStore', () => {
  it('keeps its directory and files from other local users, whatever the umask', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'crm-hub-store-mode-'));
    const dir = join(parent, 'crm-hub-store');
    const umask = process.umask(0o022);
    try {
      const store = await storeWithAnna(dir);
      await store.close();
    } finally {
      process.umask(umask);
    }
    const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
    expect(mode(dir)).toBe('700');
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['data.mdb', 'lock.mdb']));
    expect(files.map((f) => [f, mode(join(dir, f))])).toEqual(files.map((f) => [f, '600']));
    rmSync(parent, { recursive: true, force: true });
  });

  it('describes itself with its directory', () => {
    expect(new EmbeddedStore({ directory: '/data/crm-hub-store' }).describe()).toBe(
      'embedded LMDB store at /data/crm-hub-store',
    );
  });

  it('rejects a missing directory', () => {
    expect(() => new EmbeddedStore({ directory: '' })).toThrow(/directory/);
  });

  it('gives a store written before the revisions table its revisions at open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-hub-store-'));
    try {
      const store = await storeWithAnna(dir);
      const golden = await store.getGoldenDocument('sap:80042');
      if (!golden) throw new Error('no golden record');
      await store.close();
      // as an older version left the files: no revisions table
      const revisionsOf = async (clear: boolean) => {
        const root = open({ path: dir, compression: false, maxDbs: 64 });
        const revisions = root.openDB<number, string>('golden-revisions', {});
        if (clear) await revisions.clearAsync();
        const all = [...revisions.getRange({})].map(({ key, value }) => [key, value]);
        await root.close();
        return all;
      };
      expect(await revisionsOf(true)).toEqual([]);
      await store.open();
      await store.close();
      const revisions = await revisionsOf(false);
      // the retired golden id of the record that joined keeps its row, and its revision
      expect(revisions).toHaveLength(2);
      expect(revisions).toContainEqual([golden.goldenId, golden.revision]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads rows an older version stored as msgpack records, shapes beyond the shared structures included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-hub-store-'));
    try {
      const store = await storeWithAnna(dir);
      const anna = annaSchmidt('crm', '4711', 'Ring', 1);
      await store.putCustomer({
        customerRef: anna.customerRef,
        document: { ...anna },
        updatedAt: anna.updatedAt as string,
        sourceSystem: 'crm',
      });
      const golden = await store.getGoldenDocument('sap:80042');
      const record = await store.getSourceRecord({ system: 'sap', sourceId: '80042' });
      const customer = await store.getCustomer('crm:4711');
      if (!golden || !record || !customer) throw new Error('nothing stored');
      await store.close();
      // rewrite every row as the older version did (lmdb's default: records with shared structures),
      // after 40 other shapes took the 32 shared structures, so the rows carry their structures inline
      const root = open({ path: dir, compression: false, maxDbs: 64 });
      const shapes = Array.from({ length: 40 }, (_, i) => ({ [`attribute${i}`]: { value: i, at: 'x' } }));
      for (const name of ['goldens', 'golden-source-records', 'customers']) {
        const db = root.openDB<unknown, string | string[]>(name, {});
        const rows = [...db.getRange({})].filter(({ key }) => typeof key !== 'symbol');
        await db.transaction(() => shapes.forEach((shape, i) => void db.put(['zz-shape', String(i)], shape)));
        await db.transaction(() => rows.forEach(({ key, value }) => void db.put(key, value)));
        expect(db.get(['zz-shape', '39'])).toEqual(shapes[39]);
        await db.transaction(() => shapes.forEach((_, i) => void db.remove(['zz-shape', String(i)])));
      }
      await root.close();
      // a new instance: nothing it reads comes from the first one's caches
      const reopened = new EmbeddedStore({ directory: dir });
      await reopened.open();
      expect(await reopened.getGoldenDocument('sap:80042')).toEqual(golden);
      expect(await reopened.getSourceRecord({ system: 'sap', sourceId: '80042' })).toEqual(record);
      expect(await reopened.getCustomer('crm:4711')).toEqual(customer);
      // and the store writes on over them
      const next = await new GoldenIntake(reopened).takeCustomer(
        annaSchmidt('sap', '80042', 'Leopoldstraße', 2),
      );
      expect(next.status).toBe('applied');
      expect((await reopened.getGoldenDocument('sap:80042'))?.document.addresses?.[0]).toMatchObject({
        street: 'Leopoldstraße',
      });
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps an offer write that was under way when the store closed, and reads it after reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-hub-store-'));
    try {
      const store = new EmbeddedStore({ directory: dir });
      await store.open();
      const offer = {
        offerId: 'o-1',
        customerId: 'crm:4711',
        channel: 'web',
        action: 'web-offer',
        offer: 'mortgage',
        policyId: 'p',
        eventId: 'e-1',
        priority: 1,
        createdAt: '2026-11-22T10:00:00.000Z',
        status: 'open' as const,
      };
      expect(await store.listOffers('crm:4711')).toEqual([]);
      // a redeploy closes the store while a channel-action is still writing
      const writing = store.putOffer(offer);
      const closing = store.close();
      await expect(writing).resolves.toBeUndefined();
      await closing;
      await store.open();
      expect(await store.listOffers('crm:4711')).toEqual([offer]);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createStore', () => {
  it('picks PostgreSQL when a database URL is given', () => {
    const store = createStore({
      databaseUrl: 'postgres://u:secret@db.example:6543/hub',
      directory: '/tmp/x',
    });
    expect(store).toBeInstanceOf(PostgresStore);
    expect(store.kind).toBe('postgres');
  });

  it('picks the embedded store when the database URL is empty or missing', () => {
    expect(createStore({ databaseUrl: '  ', directory: '/tmp/x' })).toBeInstanceOf(EmbeddedStore);
    expect(createStore({ directory: '/tmp/x' }).kind).toBe('embedded');
  });
});

describe('PostgresStore configuration', () => {
  it('describes host, port and database but never the password', () => {
    const text = new PostgresStore({
      connectionString: 'postgres://hub:s3cr3t@db.example:6543/crm',
    }).describe();
    expect(text).toContain('db.example:6543/crm');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('hub:');
  });

  it('rejects a schema name that is not a plain identifier', () => {
    expect(
      () => new PostgresStore({ connectionString: 'postgres://localhost/x', schema: 'a"; drop table x; --' }),
    ).toThrow(/schema/);
  });

  it('rejects a connection string that is not a postgres URL', () => {
    expect(() => new PostgresStore({ connectionString: 'mysql://localhost/x' })).toThrow(/postgres:\/\//);
    expect(() => new PostgresStore({ connectionString: '' })).toThrow(/connectionString/);
  });
});

describe('offerIdFor', () => {
  it('is deterministic per policy and event', () => {
    expect(offerIdFor('p1', 'e1')).toBe(offerIdFor('p1', 'e1'));
    expect(offerIdFor('p1', 'e1')).toMatch(/^[0-9a-f]{32}$/);
    expect(offerIdFor('p1', 'e2')).not.toBe(offerIdFor('p1', 'e1'));
    expect(offerIdFor('ab', 'c')).not.toBe(offerIdFor('a', 'bc'));
  });

  it('rejects empty ids', () => {
    expect(() => offerIdFor('', 'e1')).toThrow(/policyId/);
    expect(() => offerIdFor('p1', '')).toThrow(/eventId/);
  });
});

describe('store timestamps', () => {
  it('normalises an ISO 8601 instant with a zone to UTC with milliseconds', () => {
    expect(requireInstant('2025-01-01T12:00:00+02:00', 'at')).toBe('2025-01-01T10:00:00.000Z');
    expect(requireInstant('2025-01-01T10:00Z', 'at')).toBe('2025-01-01T10:00:00.000Z');
    expect(requireInstant('2024-02-29T23:59:59.123456Z', 'at')).toBe('2024-02-29T23:59:59.123Z');
  });

  it.each([
    ['2025-01-01T10:00:00', 'no zone'],
    ['2025-01-01', 'date only'],
    ['2025-02-29T00:00:00Z', 'not a leap year'],
    ['2025-04-31T00:00:00Z', 'April has 30 days'],
    ['2025-13-01T00:00:00Z', 'month 13'],
    ['2025-01-01T25:00:00Z', 'hour 25'],
    ['Wed, 01 Jan 2025 10:00:00 GMT', 'not ISO'],
    ['9999-12-31T23:00:00-05:00', 'past year 9999 in UTC'],
  ])('rejects %s (%s), naming the field', (value) => {
    expect(() => requireInstant(value, 'customer.updatedAt')).toThrow(/^store: customer\.updatedAt must be/);
  });

  it('rejects a value that is not a string', () => {
    expect(() => requireInstant(1735725600000, 'interaction.occurredAt')).toThrow(/interaction\.occurredAt/);
  });
});

describe('sameJsonDocument', () => {
  it('ignores key order, as PostgreSQL jsonb equality does, but not array order', () => {
    expect(sameJsonDocument({ b: 1, a: { d: [1, 2], c: null } }, { a: { c: null, d: [1, 2] }, b: 1 })).toBe(
      true,
    );
    expect(sameJsonDocument({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJsonDocument({ a: '1' }, { a: 1 })).toBe(false);
    expect(sameJsonDocument({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameJsonDocument({ a: [] }, { a: {} })).toBe(false);
    expect(sameJsonDocument({ a: null }, { a: {} })).toBe(false);
    class Decoded {
      tier = 'platinum';
    }
    expect(sameJsonDocument(new Decoded(), { tier: 'platinum' })).toBe(true);
  });
});
