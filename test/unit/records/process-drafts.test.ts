/** Process state reported by events: stored at once, newest updatedAt wins, never taken for a customer. */
import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { readNdjson } from '../../../formats/lines/ndjson';
import type { ProcessState } from '../../../mappings/canonical/types';
import { loadSystemSpec } from '../../../mappings/engine';
import { EmbeddedStore } from '../../../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../../records/golden-intake';
import { isProcessState, reportProcess } from '../../../records/process-drafts';
import { mapItems } from '../mappings/systems/system-support';

const started: ProcessState = {
  schemaVersion: '1.0',
  processId: '3f2e1d0c-9b8a-4765-a432-10fedcba9876',
  customerRef: 'crm:4711',
  kind: 'mortgage-application',
  startedOn: 'web',
  lastChannel: 'web',
  step: 'income-details',
  status: 'open',
  data: { loanAmount: 250000 },
  startedAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
};

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-process-drafts-'));
  store = new EmbeddedStore({ directory });
  await store.open();
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('a process state reported by an event', () => {
  it('is stored when new and replaced only by a newer report, keeping where and when it started', async () => {
    expect(await reportProcess(store, started)).toBe('created');
    expect(await reportProcess(store, started)).toBe('older');
    const later = {
      ...started,
      startedOn: 'app' as const,
      lastChannel: 'app' as const,
      step: 'documents',
      updatedAt: '2026-11-21T09:00:00.000Z',
    };
    expect(await reportProcess(store, later)).toBe('updated');
    expect(await reportProcess(store, { ...started, step: 'stale' })).toBe('older');
    const stored = await store.getProcess(started.processId);
    expect(stored).toMatchObject({
      revision: 2,
      process: { startedOn: 'web', lastChannel: 'app', step: 'documents', startedAt: started.startedAt },
    });
  });

  it('refuses what is no process state, naming the field, and a process of another customer', async () => {
    await expect(reportProcess(store, { ...started, lastChannel: 'fax' })).rejects.toThrow(/lastChannel/);
    await reportProcess(store, started);
    await expect(
      reportProcess(store, { ...started, customerRef: 'crm:9', updatedAt: '2026-12-01T00:00:00Z' }),
    ).rejects.toThrow(/is crm:4711's, not crm:9's/);
  });

  it('is told from a customer, though both have a customerRef and a kind', () => {
    expect(isProcessState(started)).toBe(true);
    expect(isProcessState({ customerRef: 'crm:1', kind: 'person', status: 'open' })).toBe(false);
    expect(isProcessState({ ...started, status: 'dormant' })).toBe(false);
  });

  it("the app's application_started, mapped, goes through the golden-record path into the store", async () => {
    const spec = loadSystemSpec('app-events');
    const file = path.join(__dirname, '../../fixtures/legacy/app-events/web-app-events.ndjson');
    const items: { ref: string; record: Record<string, unknown> }[] = [];
    for await (const item of readNdjson(fs.createReadStream(file)))
      if (!('error' in item)) items.push({ ref: `line ${item.line}`, record: item.record });
    const process = mapItems(spec, items).find((result) => result.kind === 'ProcessStarted')?.value;
    expect(process).toBeDefined();

    const result = await applyWithGoldenRecord(store, new GoldenIntake(store), process);
    expect(result).toMatchObject({ kind: 'process', customerRef: 'crm:4711', outcome: 'created' });
    expect(await store.getCustomer('crm:4711')).toBeUndefined();
    const [stored] = await store.listProcesses('crm:4711', { status: 'open' });
    expect(stored.process).toMatchObject({ kind: 'mortgage-application', step: 'income-details' });
  });
});
