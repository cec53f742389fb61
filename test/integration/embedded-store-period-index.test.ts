import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { EmbeddedStore } from '../../records/embedded-store';

/** A store written before the time index of interactions existed gets the index when it is opened. */
describe('EmbeddedStore: the interactions-by-time index', () => {
  let directory = '';
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-period-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('indexes the interactions of an older store once, at open', async () => {
    const first = new EmbeddedStore({ directory });
    await first.open();
    await first.recordInteraction({
      customerRef: 'crm:2',
      eventId: 'e-2',
      type: 'withdrawal',
      channel: 'branch',
      occurredAt: '2025-02-02T10:00:00Z',
    });
    await first.recordInteraction({
      customerRef: 'crm:1',
      eventId: 'e-1',
      type: 'login',
      channel: 'web',
      occurredAt: '2025-02-01T10:00:00Z',
    });
    await first.close();

    // what an older hub left behind: the interactions without the index
    const root = open({ path: directory, compression: false, maxDbs: 64 });
    const index = root.openDB<string, string[]>('interactions-by-time', {});
    await index.clearAsync();
    await root.flushed;
    expect([...index.getKeys({})]).toEqual([]);
    await root.close();

    const reopened = new EmbeddedStore({ directory });
    await reopened.open();
    try {
      const period = await reopened.listInteractionsBetween('2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z');
      expect(period.map((item) => [item.customerRef, item.eventId])).toEqual([
        ['crm:1', 'e-1'],
        ['crm:2', 'e-2'],
      ]);
    } finally {
      await reopened.close();
    }
  });
});
