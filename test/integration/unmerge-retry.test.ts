/**
 * An unmerge sent again after a lost answer, on both stores, when the first one closed a review item
 * that was still open between two members of the golden record (one left open by a merge that was not
 * that item's decision, or from before items were per golden record): the retry is answered as done.
 */
import express from 'express';
import request from 'supertest';
import { HealthRegistry } from '../../app/api/health';
import { createHubApi } from '../../app/api/hub-api';
import { goldenIdFor } from '../../records/cross-reference';
import { applyWithGoldenRecord, GoldenIntake } from '../../records/golden-intake';
import { mergeGoldenRecords, unmergeGoldenRecord } from '../../records/golden-operations';
import { reviewPair } from '../../records/golden-store-input';
import type { ReviewItem } from '../../records/golden-store';
import type { HubStore } from '../../records/store';
import { annaSchmidt } from '../fixtures/anna-schmidt';
import { storeBackends } from './store-backends';

/** Anna Schmidt in `system`, at the same address, born on `birthDate`, sharing no identifier. */
const twin = (system: string, id: string, birthDate: string) =>
  annaSchmidt(system, id, 'Leopoldstraße', 0, { extra: { identifiers: [{ system, id }], birthDate } });

const SHOP = goldenIdFor({ system: 'shop', sourceId: '5' });
const OPEN_ITEM = reviewPair('shop:5', 'web:77').reviewId;

describe.each(storeBackends('unmerge_retry'))('unmerge sent again, %s', (_name, backend) => {
  let place: ReturnType<typeof backend>;
  let store: HubStore;
  let server: express.Express;

  beforeEach(async () => {
    place = backend();
    store = await place.open();
    // the same name and address with other birth dates: the pair waits in the review band
    const intake = new GoldenIntake(store);
    await applyWithGoldenRecord(store, intake, twin('web', '77', '1970-01-01'));
    await applyWithGoldenRecord(store, intake, twin('shop', '5', '1972-03-04'));
    expect((await store.getReview(OPEN_ITEM))?.status).toBe('open');
    // joined without deciding that item: it stays open between two members of one golden record
    expect((await mergeGoldenRecords(store, 'web:77', 'shop:5')).status).toBe('applied');
    expect(await store.listGoldenMembers(SHOP)).toEqual([
      { system: 'shop', sourceId: '5' },
      { system: 'web', sourceId: '77' },
    ]);
    expect((await store.getReview(OPEN_ITEM))?.status).toBe('open');
    server = express();
    server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
  });

  afterEach(async () => {
    await place.cleanup();
  });

  const unmerge = (goldenId: string, sources: string[]) =>
    request(server).post(`/api/v1/customers/${goldenId}/unmerge`).send({ sources });

  it('answers the retry as done, changing nothing', async () => {
    const first = await unmerge(SHOP, ['web:77']);
    expect(first.status).toBe(200);
    expect(first.body.changed).toBe(true);
    // the steward's trail says the unmerge closed it, not a keep-apart decision on the item
    expect(await store.getReview(OPEN_ITEM)).toMatchObject({
      status: 'kept-apart',
      resolvedBy: 'api (unmerge)',
    });

    const again = await unmerge(SHOP, ['web:77']);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ parts: first.body.parts, events: [], changed: false });
    expect(await store.listGoldenMembers('web:77')).toEqual([{ system: 'web', sourceId: '77' }]);
  });

  it('answers the retry as done when the split took the golden id along', async () => {
    const first = await unmerge(SHOP, ['shop:5']);
    expect(first.status).toBe(200);
    const again = await unmerge(SHOP, ['shop:5']);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ parts: first.body.parts, events: [], changed: false });
  });

  it('still refuses a source that never belonged, also one a steward only kept apart', async () => {
    await unmerge(SHOP, ['web:77']);
    // a third twin, proposed against the rest, which the steward keeps apart without a merge
    await applyWithGoldenRecord(store, new GoldenIntake(store), twin('app', '9', '1975-06-07'));
    const proposed = await request(server).get('/api/v1/reviews');
    const item = (proposed.body.reviews as { reviewId: string; a: string; b: string }[]).find(
      (r) => r.a === 'app:9' || r.b === 'app:9',
    );
    expect(item).toBeDefined();
    const kept = await request(server)
      .post(`/api/v1/reviews/${item?.reviewId}`)
      .send({ decision: 'keep-apart' });
    expect(kept.status).toBe(200);
    const goldenOfApp = await store.resolveGoldenId('app:9');
    const partner = item?.a === 'app:9' ? item.b : item?.a;
    const from = (await store.resolveGoldenId(partner as string)) as string;
    expect(goldenOfApp).not.toBe(from);

    for (const never of ['app:9', 'crm:1']) {
      const res = await unmerge(from, [never]);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid-sources', field: 'sources' });
      expect(res.body.message).toBe(`${never} is not a member of ${from}`);
    }
  });

  it('answers the parts of the unmerge sent again, not those of an earlier one on the same member', async () => {
    // app:9, another person, joins the record too; an item was left open between it and web:77
    const other = { ...twin('app', '9', '1975-06-07'), person: { givenName: 'Otto', familyName: 'Weber' } };
    await applyWithGoldenRecord(store, new GoldenIntake(store), other);
    await store.proposeReview({
      a: 'app:9',
      b: 'web:77',
      score: 14.5,
      explanation: (await store.getReview(OPEN_ITEM))?.explanation as ReviewItem['explanation'],
      proposedAt: '2026-01-01T09:00:00.000Z',
    });
    expect((await mergeGoldenRecords(store, 'app:9', 'shop:5')).status).toBe('applied');
    const APP = goldenIdFor({ system: 'app', sourceId: '9' });
    expect(await store.listGoldenMembers(APP)).toHaveLength(3);
    // a steward splits web:77 off first (an hour ago), then app:9, which takes the golden id along
    await unmergeGoldenRecord(store, APP, [{ system: 'web', sourceId: '77' }], {
      by: 'steward',
      at: new Date(Date.now() - 3_600_000).toISOString(),
    });
    const first = await unmerge(APP, ['app:9']);
    expect(first.status).toBe(200);
    expect(first.body.parts.map((p: { goldenId: string }) => p.goldenId).sort()).toEqual([APP, SHOP].sort());

    const again = await unmerge(APP, ['app:9']);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ parts: first.body.parts, events: [], changed: false });
  });
});
