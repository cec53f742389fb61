import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IdempotentRepository,
  type ProcessedLedger,
} from '../../../../connectors/amqp/idempotent-repository';
import { EmbeddedStore } from '../../../../records/embedded-store';
import type { HubStore } from '../../../../records/store';

// The hub store is what amqp-in hands the repository; connectors/ cannot import it, so this line is
// where the compiler checks that it fits the repository's ledger.
const fits: (store: HubStore) => ProcessedLedger = (store) => store;

describe('IdempotentRepository over the embedded hub store', () => {
  let directory: string;
  let store: EmbeddedStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-idempotent-'));
    store = new EmbeddedStore({ directory });
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('knows a UUID message id in capitals as the one it recorded in lower case (RFC 9562)', async () => {
    const repository = new IdempotentRepository(fits(store), 'crm.events');
    expect(await repository.add('bbbbbbbb-0000-4000-8000-000000000001')).toBe(true);
    expect(await repository.contains('BBBBBBBB-0000-4000-8000-000000000001')).toBe(true);
    expect(await repository.add('BBBBBBBB-0000-4000-8000-000000000001')).toBe(false);
    // an id that is no UUID keeps its case: another system's ids may tell cases apart
    expect(await repository.add('Evt-1')).toBe(true);
    expect(await repository.contains('evt-1')).toBe(false);
  });

  it('is non-eager: contains is false until the flow finished and add recorded the key', async () => {
    const repository = new IdempotentRepository(fits(store), 'crm.address-changes');
    expect(repository.eager).toBe(false);
    expect(await repository.contains('evt-1')).toBe(false);
    // the flow runs now; a second delivery of evt-1 at this point is not stopped (see the module comment)
    expect(await repository.contains('evt-1')).toBe(false);
    expect(await repository.add('evt-1')).toBe(true);
    await repository.confirm('evt-1');
    expect(await repository.contains('evt-1')).toBe(true);
    // a second add of the same key says it was there already
    expect(await repository.add('evt-1')).toBe(false);
  });

  it('remove is a no-op in non-eager mode: a recorded key stays recorded, since only a finished flow adds one', async () => {
    const repository = new IdempotentRepository(store, 'q');
    // a key is in the ledger only once its flow finished; nothing may undo that record
    expect(await repository.add('evt-done')).toBe(true);
    await repository.remove('evt-done');
    expect(await repository.contains('evt-done')).toBe(true);
    expect(await repository.add('evt-done')).toBe(false);
    // and removing a key never added (a failed flow) records nothing either
    await repository.remove('evt-failed');
    expect(await repository.contains('evt-failed')).toBe(false);
  });

  it('keeps one ledger per consumer: two queues fed the same event each handle it once', async () => {
    const audit = new IdempotentRepository(store, 'audit');
    const golden = new IdempotentRepository(store, 'golden-record');
    await audit.add('evt-shared');
    expect(await audit.contains('evt-shared')).toBe(true);
    expect(await golden.contains('evt-shared')).toBe(false);
  });

  it('takes a store that is still opening (a promise) and survives a restart of the store', async () => {
    const opening = Promise.resolve(store);
    await new IdempotentRepository(opening, 'q').add('evt-kept');
    await store.close();
    store = new EmbeddedStore({ directory });
    await store.open();
    expect(await new IdempotentRepository(store, 'q').contains('evt-kept')).toBe(true);
  });

  it('needs a consumer name', () => {
    expect(() => new IdempotentRepository(store, '')).toThrow('consumer must be a non-empty string');
  });
});
