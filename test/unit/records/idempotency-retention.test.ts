import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../../records/embedded-store';
import { IdempotencyRetention, retentionDays } from '../../../records/idempotency-retention';
import type { HubStore, IdempotencyPruned } from '../../../records/store';

const DAY = 24 * 60 * 60 * 1000;

describe('IdempotencyRetention', () => {
  let directory = '';
  let store: EmbeddedStore;
  const clock = { now: Date.parse('2025-01-01T00:00:00.000Z') };

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-retention-'));
    clock.now = Date.parse('2025-01-01T00:00:00.000Z');
    store = new EmbeddedStore({ directory, now: () => clock.now });
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('sweeps batch after batch until nothing older than the window is left, and keeps what is inside it', async () => {
    for (let i = 0; i < 25; i++) await store.markProcessed('crm-hub.policy-engine', `evt-${i}`);
    await store.recordEventDigests(
      Array.from({ length: 12 }, (_, i) => ({ eventId: `evt-${i}`, digest: `d${i}` })),
    );
    clock.now += 20 * DAY;
    await store.markProcessed('crm-hub.policy-engine', 'evt-recent');
    await store.recordEventDigests([{ eventId: 'evt-recent', digest: 'r' }]);
    clock.now += 11 * DAY;

    const retention = new IdempotencyRetention(store, { days: 30, batchSize: 10, now: () => clock.now });
    // 25 entries in batches of 10: 10, 10, 5; the digests (12) end in the second batch already
    expect(await retention.sweep()).toEqual({ processed: 25, digests: 12, batches: 3 });
    expect(await retention.sweep()).toEqual({ processed: 0, digests: 0, batches: 1 });
    expect(await store.wasProcessed('crm-hub.policy-engine', 'evt-0')).toBe(false);
    expect(await store.wasProcessed('crm-hub.policy-engine', 'evt-recent')).toBe(true);
    expect(await store.recordEventDigests([{ eventId: 'evt-recent', digest: 'other' }])).toEqual(['r']);
  });

  it('joins a sweep under way instead of running a second one', async () => {
    let calls = 0;
    let release: (pruned: IdempotencyPruned) => void = () => undefined;
    const slow: Pick<HubStore, 'pruneIdempotency'> = {
      pruneIdempotency: () => {
        calls += 1;
        return new Promise((resolve) => (release = resolve));
      },
    };
    const retention = new IdempotencyRetention(slow, { days: 30 });
    const first = retention.sweep();
    const second = retention.sweep();
    release({ processed: 0, digests: 0 });
    expect(await first).toEqual({ processed: 0, digests: 0, batches: 1 });
    expect(await second).toBe(await first);
    expect(calls).toBe(1);
  });

  it('sweeps at once when started, reports the result, and stops after the sweep under way', async () => {
    await store.markProcessed('q', 'evt-old');
    clock.now += 31 * DAY;
    const retention = new IdempotencyRetention(store, { days: 30, now: () => clock.now });
    const reported = new Promise<unknown>((resolve) => retention.start(resolve));
    await retention.stop();
    expect(await reported).toEqual({ processed: 1, digests: 0, batches: 1 });
    expect(await store.wasProcessed('q', 'evt-old')).toBe(false);
  });

  it('takes the window from the field, else the setting, else 30 days, and refuses what is no whole number of days', () => {
    expect(retentionDays('90', 45)).toBe(90);
    expect(retentionDays(' ', 45)).toBe(45);
    expect(retentionDays('', '60')).toBe(60);
    expect(retentionDays(undefined, undefined)).toBe(30);
    expect(() => retentionDays('90d', 45)).toThrow('got "90d"');
    expect(() => retentionDays('0', 45)).toThrow(/from 1 to 3650/);
    expect(() => retentionDays('', Number.NaN)).toThrow(/whole number of days/);
    expect(() => retentionDays('', 'abc')).toThrow(/got "abc"/);
  });
});
