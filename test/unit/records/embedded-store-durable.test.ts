import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lmdb from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { EmbeddedStore } from '../../../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../../records/golden-intake';
import { annaSchmidt } from '../../fixtures/anna-schmidt';

describe('EmbeddedStore write durability', () => {
  let directory: string;
  let root: RootDatabase | undefined;
  let store: EmbeddedStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-durable-'));
    const open = lmdb.open;
    jest.spyOn(lmdb, 'open').mockImplementation(((options: lmdb.RootDatabaseOptionsWithPath) => {
      root = open(options);
      return root;
    }) as typeof lmdb.open);
    store = new EmbeddedStore({ directory });
    await store.open();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  // The other writer queues 20 MB the moment the customer's commit is reported, which takes far longer
  // to commit than the customer's own flush: a write waiting for it shows in the order.
  it('resolves a write with the flush of its own commit, not of a later writer queued meanwhile', async () => {
    const env = root as RootDatabase;
    const scratch = env.openDB<Buffer, string>('scratch', { encoding: 'binary' });
    const transaction = env.transaction.bind(env);
    const order: string[] = [];
    let other: Promise<unknown> = Promise.resolve();
    jest.spyOn(env, 'transaction').mockImplementationOnce(<T>(body: () => T) =>
      transaction(body).then((result) => {
        other = transaction(() => {
          for (let i = 0; i < 1000; i++) void scratch.put(`big-${i}`, Buffer.alloc(20_000, i));
        }).then(() => order.push('other writer committed'));
        return result;
      }),
    );

    const write = await store.putCustomer({
      customerRef: 'crm:4711',
      document: { customerRef: 'crm:4711', kind: 'person' },
      updatedAt: '2025-01-01T10:00:00Z',
      sourceSystem: 'crm',
    });
    order.push('customer durable');
    await other;

    expect(write).toEqual({ created: true, changed: true, version: 1 });
    expect(order).toEqual(['customer durable', 'other writer committed']);
  });

  it('takes a customer in with one durable commit: the record per customerRef goes with its golden link', async () => {
    const env = root as RootDatabase;
    const intake = new GoldenIntake(store);
    await intake.fill();
    const commits = jest.spyOn(env, 'transaction');

    const sap = annaSchmidt('sap', '80042', 'Ring', 0);
    const taken = await applyWithGoldenRecord(store, intake, sap);
    expect(commits).toHaveBeenCalledTimes(1);
    expect(taken).toMatchObject({
      kind: 'customer',
      write: { created: true, changed: true, version: 1 },
      golden: { status: 'applied' },
    });
    const crm = annaSchmidt('crm', '4711', 'Ring', 1);
    expect(await applyWithGoldenRecord(store, intake, crm)).toMatchObject({
      write: { created: true, changed: true, version: 1 },
      golden: { status: 'applied', matched: { ref: 'sap:80042' } },
    });
    expect(commits).toHaveBeenCalledTimes(2);
    expect(await store.getCustomer('crm:4711')).toMatchObject({ version: 1, document: crm });
    expect((await store.getGolden('crm:4711'))?.members).toHaveLength(2);

    // a repeat links nothing: the record per customerRef is written (as unchanged) on its own
    expect(await applyWithGoldenRecord(store, intake, sap)).toMatchObject({
      write: { created: false, changed: false, version: 1 },
      golden: { status: 'stale' },
    });
    expect(commits).toHaveBeenCalledTimes(3);
  });
});
