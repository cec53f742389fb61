/**
 * A steward's merge by hand over the real REST API, on both stores: two golden records no open review
 * item covers are joined (an unmerge done by mistake undone, a keep-apart decided wrongly overruled).
 */
import express from 'express';
import request from 'supertest';
import type { Customer } from '../../mappings/canonical/types';
import { HealthRegistry } from '../../app/api/health';
import { createHubApi } from '../../app/api/hub-api';
import { goldenIdFor } from '../../records/cross-reference';
import { applyWithGoldenRecord, GoldenIntake } from '../../records/golden-intake';
import { reviewPair } from '../../records/golden-store-input';
import type { HubStore } from '../../records/store';
import { annaSchmidt } from '../fixtures/anna-schmidt';
import { storeBackends } from './store-backends';

/** Anna Schmidt in `system`, at the same address, born on `birthDate`, sharing no identifier. */
const twin = (system: string, id: string, birthDate: string, extra: Partial<Customer> = {}) =>
  annaSchmidt(system, id, 'Leopoldstraße', 0, {
    extra: { identifiers: [{ system, id }], birthDate, ...extra },
  });

const SHOP = goldenIdFor({ system: 'shop', sourceId: '5' });
const WEB = goldenIdFor({ system: 'web', sourceId: '77' });
const ITEM = reviewPair('shop:5', 'web:77').reviewId;

describe.each(storeBackends('steward_merge'))('POST /api/v1/customers/{id}/merge, %s', (_name, backend) => {
  let place: ReturnType<typeof backend>;
  let store: HubStore;
  let server: express.Express;
  let told = 0;

  beforeEach(async () => {
    place = backend();
    store = await place.open();
    // the same name and address with other birth dates: the pair waits in the review band; each side
    // brings an attribute of its own, so the lineage shows both after a merge
    const intake = new GoldenIntake(store);
    await applyWithGoldenRecord(
      store,
      intake,
      twin('web', '77', '1970-01-01', { segment: 'young-professionals' }),
    );
    await applyWithGoldenRecord(store, intake, twin('shop', '5', '1972-03-04', { tier: 'gold' }));
    expect((await store.getReview(ITEM))?.status).toBe('open');
    told = 0;
    server = express();
    server.use(
      '/api/v1',
      createHubApi({ store: () => store, health: new HealthRegistry(), goldenOutboxChanged: () => told++ }),
    );
  });

  afterEach(async () => {
    await place.cleanup();
  });

  const merge = (id: string, body: Record<string, unknown>) =>
    request(server)
      .post(`/api/v1/customers/${encodeURIComponent(id)}/merge`)
      .send(body);

  /** the events in the outbox, after every earlier one was marked published */
  const publishedSoFar = async () =>
    store.markGoldenPublished((await store.listGoldenOutbox(1000)).map((e) => e.seq));

  it('undoes an unmerge: 409 kept-apart naming the item, then with force one golden record again', async () => {
    const linked = await request(server).post(`/api/v1/reviews/${ITEM}`).send({ decision: 'link' });
    expect(linked.body.goldenId).toBe(SHOP);
    const split = await request(server)
      .post(`/api/v1/customers/${SHOP}/unmerge`)
      .send({ sources: ['web:77'] });
    expect(split.status).toBe(200);
    expect(await store.resolveGoldenId('web:77')).toBe(WEB);
    await publishedSoFar();
    told = 0;

    // the unmerge kept the two apart: a merge by hand says so, and what to send to merge all the same
    const refused = await merge(SHOP, { with: 'web:77' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: 'kept-apart',
      field: 'with',
      keptApart: { reviewId: ITEM, status: 'kept-apart', goldenA: SHOP, goldenB: WEB },
    });
    expect(refused.body.message).toContain(`(review ${ITEM}); send "force": true`);
    expect(await store.resolveGoldenId('web:77')).toBe(WEB);
    expect(await store.listGoldenOutbox(1000)).toEqual([]);
    expect(told).toBe(0);

    const forced = await merge(SHOP, { with: 'web:77', force: true });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({
      goldenId: SHOP,
      merge: { status: 'applied', survivor: SHOP, retired: WEB },
      alsoDecided: [],
      changed: true,
    });
    // the decision it overruled shows as linked by the steward, the unmerge's keep-apart in the trail
    expect(forced.body.overruled).toMatchObject([
      { reviewId: ITEM, status: 'linked', resolvedBy: 'api', goldenA: SHOP, goldenB: SHOP },
    ]);
    const item = await store.getReview(ITEM);
    expect(item?.status).toBe('linked');
    expect(item?.earlier?.map((e) => e.status)).toEqual(['linked', 'kept-apart']);
    expect(told).toBe(1);

    const golden = await store.getGolden('web:77');
    expect(golden?.goldenId).toBe(SHOP);
    expect(golden?.members).toEqual([
      { system: 'shop', sourceId: '5' },
      { system: 'web', sourceId: '77' },
    ]);
    expect(golden?.record.document).toMatchObject({ tier: 'gold', segment: 'young-professionals' });
    expect(golden?.record.lineage.tier?.source).toEqual({ system: 'shop', sourceId: '5' });
    expect(golden?.record.lineage.segment?.source).toEqual({ system: 'web', sourceId: '77' });

    // published on crm.golden: the merge and the survivor's new document
    const events = (await store.listGoldenOutbox(1000)).map((e) => e.event);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'golden.merged',
        survivor: SHOP,
        retired: WEB,
        moved: [{ system: 'web', sourceId: '77' }],
      }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'golden.changed', goldenId: SHOP }));

    // the answer was lost, and the client sends the merge again: done, nothing written
    await publishedSoFar();
    const again = await merge('web:77', { with: SHOP, force: true });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ goldenId: SHOP, changed: false });
    expect(await store.listGoldenOutbox(1000)).toEqual([]);
    expect(told).toBe(1);
  });

  it('overrules a keep-apart decided in the review band only with force', async () => {
    const kept = await request(server).post(`/api/v1/reviews/${ITEM}`).send({ decision: 'keep-apart' });
    expect(kept.status).toBe(200);
    // relinking the item itself is refused: it is decided
    const relink = await request(server)
      .post(`/api/v1/reviews/${ITEM}`)
      .send({ decision: 'link', force: true });
    expect(relink.body.error).toBe('review-closed');

    const refused = await merge('web:77', { with: 'shop:5' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'kept-apart', keptApart: { reviewId: ITEM } });
    expect(await store.resolveGoldenId('web:77')).toBe(WEB);

    const forced = await merge('web:77', { with: 'shop:5', force: true });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({
      goldenId: SHOP,
      changed: true,
      overruled: [
        { reviewId: ITEM, status: 'linked', earlier: [{ status: 'kept-apart', resolvedBy: 'api' }] },
      ],
    });
    expect(await store.listGoldenMembers('web:77')).toHaveLength(2);
    expect((await request(server).get(`/api/v1/reviews?status=kept-apart`)).body.reviews).toEqual([]);

    // split again later: the unmerge finds the link the merge made, so its retry is answered as done
    const split = await request(server)
      .post(`/api/v1/customers/${SHOP}/unmerge`)
      .send({ sources: ['web:77'] });
    expect(split.status).toBe(200);
    const again = await request(server)
      .post(`/api/v1/customers/${SHOP}/unmerge`)
      .send({ sources: ['web:77'] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ parts: split.body.parts, events: [], changed: false });
  });

  it('merges two records an open item covers without force, and closes the item as linked', async () => {
    const merged = await merge(WEB.toUpperCase(), { with: `hub:${SHOP}` });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ goldenId: SHOP, alsoDecided: [ITEM], changed: true });
    expect(merged.body.overruled).toBeUndefined();
    expect(await store.getReview(ITEM)).toMatchObject({ status: 'linked', resolvedBy: 'api' });
    // the same record named twice: nothing to do
    const same = await merge('shop:5', { with: 'web:77' });
    expect(same.body).toEqual({ goldenId: SHOP, changed: false });
  });

  it("names SAP's padded number as the member the hub keys", async () => {
    await applyWithGoldenRecord(store, new GoldenIntake(store), {
      ...twin('sap', '4711', '1980-05-06'),
      person: { givenName: 'Otto', familyName: 'Weber' },
    });
    const SAP = goldenIdFor({ system: 'sap', sourceId: '4711' });
    expect(await store.resolveGoldenId('sap:4711')).toBe(SAP);
    const merged = await merge('shop:5', { with: 'sap:0000004711' });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ goldenId: SAP, merge: { retired: SHOP }, changed: true });
    expect(await store.listGoldenMembers('shop:5')).toEqual([
      { system: 'sap', sourceId: '4711' },
      { system: 'shop', sourceId: '5' },
    ]);
  });

  it('refuses what it does not read, as the unmerge does, and changes nothing', async () => {
    const cases: [string, Record<string, unknown>, number, Record<string, unknown>][] = [
      ['shop:5', { with: 'web:77', by: 'eve' }, 400, { error: 'unknown-field', field: 'by' }],
      ['shop:5', { whith: 'web:77' }, 400, { error: 'unknown-field', field: 'whith' }],
      ['shop:5', { with: 'web:77', force: 'true' }, 400, { error: 'invalid-force', field: 'force' }],
      ['shop:5', {}, 400, { error: 'invalid-with', field: 'with' }],
      ['shop:5', { with: 'WEB:77' }, 400, { error: 'invalid-customer-id', field: 'with' }],
      ['shop', { with: 'web:77' }, 400, { error: 'invalid-customer-id', field: 'id' }],
      ['shop:6', { with: 'web:77' }, 404, { error: 'unknown-customer', field: 'id' }],
      [
        'shop:5',
        { with: goldenIdFor({ system: 'crm', sourceId: '1' }) },
        404,
        { error: 'unknown-customer', field: 'with' },
      ],
    ];
    for (const [id, body, status, answer] of cases) {
      const res = await merge(id, body);
      expect({ id, body, status: res.status, answer: res.body }).toMatchObject({ status, answer });
    }
    expect((await merge('shop:5', { with: 'WEB:77' })).body.message).toContain(
      "system ids are lower case: 'web:77'",
    );
    expect((await merge('shop:5', { with: 'web:77', by: 'eve' })).body.message).toContain(
      'the hub records who decided from the request’s credentials',
    );
    expect(await store.resolveGoldenId('web:77')).toBe(WEB);
    expect((await store.getReview(ITEM))?.status).toBe('open');
  });

  it('answers another method with a 405 in JSON naming POST', async () => {
    const res = await request(server).get(`/api/v1/customers/${SHOP}/merge`);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.error).toBe('method-not-allowed');
  });
});
