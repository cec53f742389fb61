import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lmdb from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { EmbeddedStore } from '../../../records/embedded-store';

/**
 * A write resolves once the commit holding it is flushed, not once whatever another writer queued
 * after that commit is flushed too. The other writer here queues 20 MB the moment the customer's
 * commit is reported, which takes far longer to commit than the customer's own flush: waiting for it
 * shows in the order.
 */
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
});
