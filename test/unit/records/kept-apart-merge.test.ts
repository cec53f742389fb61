/** A steward's "not the same customer" holds when a link would join the two through a third record. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { HealthRegistry } from '../../../app/api/health';
import { createHubApi } from '../../../app/api/hub-api';
import type { Customer } from '../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../records/embedded-store';
import { mergeGoldenRecords } from '../../../records/golden-operations';
import { applyWithGoldenRecord, GoldenIntake } from '../../../records/golden-intake';
import type { ReviewProposal } from '../../../records/golden-store';

const person = (ref: string, givenName: string): Customer => {
  const [system, id] = ref.split(':');
  return {
    schemaVersion: '1.0',
    customerRef: ref,
    kind: 'person',
    person: { givenName, familyName: `Family-${id}` },
    identifiers: [{ system, id }],
    updatedAt: '2026-11-20T10:00:00Z',
    source: { system },
  } as Customer;
};

const proposal = (a: string, b: string): ReviewProposal => ({
  a,
  b,
  score: 14.6,
  proposedAt: '2026-11-21T10:00:00.000Z',
  explanation: {
    rule: 'weights',
    summary: 'total 14.6 bits (link ≥ 16, review ≥ 14): review',
    comparisons: [],
    nameOrder: 'as-given',
    conflicts: [],
    totalWeight: 14.6,
    thresholds: { link: 16, review: 14 },
  },
});

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-kept-apart-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  const intake = new GoldenIntake(store);
  for (const ref of ['crm:4711', 'web:9001', 'web:9002'])
    await applyWithGoldenRecord(store, intake, person(ref, 'Hans'));
  // web:9002 and web:9001 are one golden record; crm:4711 was kept apart from web:9001 by a steward
  await mergeGoldenRecords(store, 'web:9001', 'web:9002');
  const kept = await store.proposeReview(proposal('crm:4711', 'web:9001'));
  await store.resolveReview(kept.item.reviewId, 'keep-apart', 'steward-ute');
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('linking across a kept-apart pair', () => {
  it('refuses to merge the two golden records unless forced', async () => {
    const refused = await mergeGoldenRecords(store, 'crm:4711', 'web:9002');
    expect(refused).toMatchObject({
      status: 'kept-apart',
      review: { status: 'kept-apart', resolvedBy: 'steward-ute' },
    });
    expect(await store.resolveGoldenId('crm:4711')).not.toBe(await store.resolveGoldenId('web:9002'));
    const forced = await mergeGoldenRecords(store, 'crm:4711', 'web:9002', { force: true });
    expect(forced.status).toBe('applied');
    expect(await store.resolveGoldenId('crm:4711')).toBe(await store.resolveGoldenId('web:9001'));
  });

  it('answers a steward’s link over REST with 409 naming the pair and who kept it apart', async () => {
    const open = await store.proposeReview(proposal('crm:4711', 'web:9002'));
    const server = express();
    server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
    const res = await request(server)
      .post(`/api/v1/reviews/${open.item.reviewId}`)
      .send({ decision: 'link' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'kept-apart', field: 'decision' });
    expect(res.body.message).toMatch(
      /would join (crm:4711 and web:9001|web:9001 and crm:4711), which steward-ute kept apart/,
    );
    expect((await store.getReview(open.item.reviewId))?.status).toBe('open');
    const forced = await request(server)
      .post(`/api/v1/reviews/${open.item.reviewId}`)
      .send({ decision: 'link', force: true });
    expect(forced.status).toBe(200);
    expect((await store.getReview(open.item.reviewId))?.status).toBe('linked');
  });
});
