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
import { isProcessState, reportProcess, saveProcess } from '../../../records/process-drafts';
import { annaSchmidt } from '../../fixtures/anna-schmidt';
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

  it('refuses what is no process state, naming the field, a process of another customer and a new kind', async () => {
    await expect(reportProcess(store, { ...started, lastChannel: 'fax' })).rejects.toThrow(/lastChannel/);
    await expect(reportProcess(store, { ...started, status: 'draft' })).rejects.toThrow(/status/);
    await expect(reportProcess(store, { ...started, expiresAt: '2026-12-31 10:00:00Z' })).rejects.toThrow(
      /expiresAt must be an ISO 8601 timestamp/,
    );
    await reportProcess(store, started);
    const later = { updatedAt: '2026-12-01T00:00:00Z' };
    await expect(reportProcess(store, { ...started, ...later, customerRef: 'crm:9' })).rejects.toThrow(
      /is crm:4711's, not crm:9's/,
    );
    await expect(reportProcess(store, { ...started, ...later, kind: 'savings-plan' })).rejects.toThrow(
      /is a mortgage-application; a report cannot make it a savings-plan/,
    );
  });

  it('refuses a newer report that would change a completed process, naming its status', async () => {
    const completed = { ...started, status: 'completed' as const, updatedAt: '2026-11-21T09:00:00.000Z' };
    await reportProcess(store, started);
    expect(await reportProcess(store, completed)).toBe('updated');
    await expect(
      reportProcess(store, { ...started, step: 'documents', updatedAt: '2026-11-22T09:00:00.000Z' }),
    ).rejects.toThrow(
      `process ${started.processId} is completed since 2026-11-21T09:00:00.000Z; a report cannot change it`,
    );
    // an older one is still no error: the completion came later
    expect(await reportProcess(store, started)).toBe('older');
    expect(await store.getProcess(started.processId)).toMatchObject({
      revision: 2,
      process: { status: 'completed' },
    });
  });

  it('takes a report from another member of the same golden record, keeping whose it is', async () => {
    const intake = new GoldenIntake(store);

    await applyWithGoldenRecord(store, intake, annaSchmidt('crm', '4711', 'Leopoldstraße', 0));
    await applyWithGoldenRecord(store, intake, annaSchmidt('app', '77', 'Leopoldstraße', 1));
    await reportProcess(store, started);
    const fromApp = {
      ...started,
      customerRef: 'app:77',
      step: 'documents',
      updatedAt: '2026-11-21T08:00:00Z',
    };
    expect(await reportProcess(store, fromApp)).toBe('updated');
    expect((await store.getProcess(started.processId))?.process).toMatchObject({
      customerRef: 'crm:4711',
      step: 'documents',
    });
  });

  it('a save over REST is never older than what is stored, so a redelivered report does not undo it', async () => {
    // the app's clock runs ahead: its report says 10:10, the call center saves at 10:02
    await reportProcess(store, { ...started, updatedAt: '2026-11-20T10:10:00.000Z' });
    const saved = await saveProcess(
      store,
      'crm:4711',
      started.processId,
      { kind: started.kind, lastChannel: 'call-center', step: 'documents', data: { income: 5200 } },
      1,
      new Date('2026-11-20T10:02:00.000Z'),
    );
    expect(saved).toMatchObject({
      outcome: 'updated',
      stored: { process: { updatedAt: '2026-11-20T10:10:00.001Z' } },
    });
    expect(await reportProcess(store, { ...started, updatedAt: '2026-11-20T10:10:00.000Z' })).toBe('older');
    expect((await store.getProcess(started.processId))?.process.step).toBe('documents');
  });

  it('is told from a customer, though both have a customerRef and a kind', () => {
    expect(isProcessState(started)).toBe(true);
    expect(isProcessState({ customerRef: 'crm:1', kind: 'person', status: 'open' })).toBe(false);
    // a process state with a wrong status is still one, and is refused as one, naming the field
    expect(isProcessState({ ...started, status: 'draft' })).toBe(true);
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
