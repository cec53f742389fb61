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
import { mergeGoldenRecords, unmergeGoldenRecord } from '../../../records/golden-operations';
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
    const forced = await mergeGoldenRecords(store, 'crm:4711', 'web:9002', {
      force: true,
      by: 'steward-max',
    });
    expect(forced.status).toBe('applied');
    expect(await store.resolveGoldenId('crm:4711')).toBe(await store.resolveGoldenId('web:9001'));
    // the decision it overruled is linked with it, the keep-apart in the trail: no kept-apart pair
    // is left inside the one golden record
    expect(
      await store.getReview(refused.status === 'kept-apart' ? refused.review.reviewId : ''),
    ).toMatchObject({
      status: 'linked',
      resolvedBy: 'steward-max',
      earlier: [{ status: 'kept-apart', resolvedBy: 'steward-ute' }],
    });
    expect(await store.listReviews({ status: 'kept-apart' })).toEqual([]);
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
    // the kept-apart pair with the golden records its sides are in now, as the review listing shows it
    expect(res.body.keptApart).toMatchObject({
      goldenA: await store.resolveGoldenId(res.body.keptApart.a),
      goldenB: await store.resolveGoldenId(res.body.keptApart.b),
    });
    expect(res.body.keptApart.goldenA).toMatch(/^g-/);
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

describe('an unmerge keeps the parts apart', () => {
  it('turns the linked review across the split into kept-apart, so a link through a third record is refused', async () => {
    const item = await store.proposeReview(proposal('crm:4711', 'web:9003'));
    await applyWithGoldenRecord(store, new GoldenIntake(store), person('web:9003', 'Hans'));
    const linked = await mergeGoldenRecords(store, 'crm:4711', 'web:9003', {
      review: { reviewId: item.item.reviewId, by: 'steward-ute' },
    });
    expect(linked.status).toBe('applied');
    const goldenId = (await store.resolveGoldenId('crm:4711')) as string;
    await unmergeGoldenRecord(store, goldenId, [{ system: 'web', sourceId: '9003' }], { by: 'steward-max' });

    expect(await store.getReview(item.item.reviewId)).toMatchObject({
      status: 'kept-apart',
      resolvedBy: 'steward-max',
      earlier: [{ status: 'linked', resolvedBy: 'steward-ute' }],
    });
    // web:9004 joins web:9003's golden record; linking it with crm:4711 would join the split pair again
    await applyWithGoldenRecord(store, new GoldenIntake(store), person('web:9004', 'Hans'));
    await mergeGoldenRecords(store, 'web:9003', 'web:9004');
    const again = await mergeGoldenRecords(store, 'crm:4711', 'web:9004');
    expect(again).toMatchObject({ status: 'kept-apart', review: { reviewId: item.item.reviewId } });
    expect(await store.resolveGoldenId('web:9004')).not.toBe(await store.resolveGoldenId('crm:4711'));
  });

  it('records a kept-apart pair when no review led to the merge', async () => {
    const goldenId = (await store.resolveGoldenId('web:9001')) as string;
    const unmerged = await unmergeGoldenRecord(store, goldenId, [{ system: 'web', sourceId: '9002' }]);
    expect(unmerged.parts).toHaveLength(2);
    expect(await store.isKeptApart('web:9001', 'web:9002')).toBe(true);
    expect((await mergeGoldenRecords(store, 'web:9001', 'web:9002')).status).toBe('kept-apart');
  });

  it('gives the same merge and unmerge made again an event id of their own, so no consumer drops them as repeats', async () => {
    const web9002 = [{ system: 'web', sourceId: '9002' }];
    const goldenId = (await store.resolveGoldenId('web:9001')) as string;
    const mergedEvent = async () => {
      const outcome = await mergeGoldenRecords(store, 'web:9001', 'web:9002', { force: true });
      if (outcome.status !== 'applied') throw new Error(`not merged: ${outcome.status}`);
      expect(outcome.survivor).toBe(goldenId);
      return outcome.events[0];
    };
    const unmergedEvent = async () =>
      (await unmergeGoldenRecord(store, goldenId, web9002, { by: 'steward-ute' })).events[0];
    const split = await unmergedEvent();
    const merged = await mergedEvent();
    const splitAgain = await unmergedEvent();
    const mergedAgain = await mergedEvent();
    // the same golden ids and members each time: only when it happened tells them apart
    for (const event of [merged, mergedAgain])
      expect(event).toMatchObject({ type: 'golden.merged', survivor: goldenId, moved: web9002 });
    for (const event of [split, splitAgain])
      expect(event).toMatchObject({ type: 'golden.unmerged', from: goldenId });
    expect(mergedAgain.eventId).not.toBe(merged.eventId);
    expect(splitAgain.eventId).not.toBe(split.eventId);
    // all four are in the outbox for crm.golden, each under its own id
    const outbox = (await store.listGoldenOutbox(1000)).map((entry) => entry.event.eventId);
    for (const event of [split, merged, splitAgain, mergedAgain]) expect(outbox).toContain(event.eventId);
  });
});
