/**
 * A steward's unmerge and merge over REST make golden events as a channel's message does: they go
 * out on crm.golden on the request's W3C trace, kept with their outbox entries (the publisher reads
 * it there), and on a trace of their own when the request brought none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { HealthRegistry } from '../../../../app/api/health';
import { createHubApi } from '../../../../app/api/hub-api';
import type { Customer } from '../../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../../records/embedded-store';
import { GoldenIntake } from '../../../../records/golden-intake';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

const anna = (ref: string): Customer => {
  const [system, id] = ref.split(':');
  return {
    schemaVersion: '1.0',
    customerRef: ref,
    kind: 'person',
    person: { givenName: 'Anna', familyName: 'Schmidt' },
    birthDate: '1980-04-12',
    emails: [{ address: 'anna.schmidt@example.com', type: 'home' }],
    addresses: [
      { type: 'home', street: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'DE' },
    ],
    identifiers: [{ system, id }],
    updatedAt: '2025-10-01T09:00:00Z',
    source: { system },
  };
};

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-steward-trace-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  const intake = new GoldenIntake(store);
  await intake.takeCustomer(anna('crm:A1'));
  await intake.takeCustomer(anna('salesforce:S1'));
  // what the intake wrote is published already: the outbox holds only what the steward makes
  await store.markGoldenPublished((await store.listGoldenOutbox(1000)).map((e) => e.seq));
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function unmerge(headers: Record<string, string>) {
  const goldenId = await store.resolveGoldenId('crm:A1');
  expect(await store.resolveGoldenId('salesforce:S1')).toBe(goldenId);
  const server = express();
  server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
  const answer = await request(server)
    .post(`/api/v1/customers/${String(goldenId)}/unmerge`)
    .set(headers)
    .send({ sources: ['salesforce:S1'] });
  expect(answer.status).toBe(200);
  const entries = await store.listGoldenOutbox(1000);
  expect(entries.length).toBeGreaterThan(0);
  return entries;
}

describe("a steward's change goes out on the request's trace", () => {
  it('keeps the traceparent of the unmerge request with every outbox entry it makes', async () => {
    const entries = await unmerge({ traceparent: TRACEPARENT });
    for (const entry of entries) expect(entry.cause?.traceparent.split('-')[1]).toBe(TRACE_ID);
  });

  it('starts a trace of its own for a request without one, the same for all its entries', async () => {
    const entries = await unmerge({});
    const traces = new Set(entries.map((e) => e.cause?.traceparent.split('-')[1]));
    expect(traces.size).toBe(1);
    const [trace] = traces;
    expect(trace).toMatch(/^[0-9a-f]{32}$/);
    expect(trace).not.toBe(TRACE_ID);
  });

  it("keeps the traceparent of a steward's merge with the golden.merged it makes", async () => {
    await unmerge({});
    await store.markGoldenPublished((await store.listGoldenOutbox(1000)).map((e) => e.seq));
    const server = express();
    server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
    // the unmerge kept the two apart: undoing it takes force
    const answer = await request(server)
      .post('/api/v1/customers/crm:A1/merge')
      .set({ traceparent: TRACEPARENT })
      .send({ with: 'salesforce:S1', force: true });
    expect(answer.status).toBe(200);
    const entries = await store.listGoldenOutbox(1000);
    expect(entries.map((e) => e.event.type)).toContain('golden.merged');
    for (const entry of entries) expect(entry.cause?.traceparent.split('-')[1]).toBe(TRACE_ID);
  });
});
