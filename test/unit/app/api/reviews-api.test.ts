/** The steward's review band over REST: a decision sent again, as a client retries, is no conflict. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { HealthRegistry } from '../../../../app/api/health';
import { createHubApi } from '../../../../app/api/hub-api';
import { goldenIdFor } from '../../../../records/cross-reference';
import { EmbeddedStore } from '../../../../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../../../records/golden-intake';
import { mergeGoldenRecords } from '../../../../records/golden-operations';
import { annaSchmidt } from '../../../fixtures/anna-schmidt';

let directory = '';
let store: EmbeddedStore;
let server: express.Express;
let reviewId = '';

/** Anna Schmidt in `system`, at the same address, born on `birthDate`, sharing no identifier. */
const twin = (system: string, id: string, birthDate: string) =>
  annaSchmidt(system, id, 'Leopoldstraße', 0, { extra: { identifiers: [{ system, id }], birthDate } });

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-reviews-api-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  // the same name and address with other birth dates: twins or a typo, for a steward to decide
  const intake = new GoldenIntake(store);
  await applyWithGoldenRecord(store, intake, twin('web', '77', '1970-01-01'));
  await applyWithGoldenRecord(store, intake, twin('shop', '5', '1972-03-04'));
  server = express();
  server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
  const open = await request(server).get('/api/v1/reviews');
  expect(open.body.reviews).toMatchObject([{ a: 'shop:5', b: 'web:77', status: 'open' }]);
  reviewId = open.body.reviews[0].reviewId as string;
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('POST /api/v1/reviews/{id}', () => {
  it('answers a keep-apart sent again with the decision as taken, changing nothing', async () => {
    const kept = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'keep-apart' });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ review: { status: 'kept-apart' }, changed: true });

    // the answer was lost on the way back, and the steward's client sends the same decision again
    const again = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'keep-apart' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...kept.body, alsoDecided: [], changed: false });
  });

  it('answers a link sent again with the golden record it made', async () => {
    const linked = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    expect(linked.status).toBe(200);
    const goldenId = linked.body.goldenId as string;
    expect((await request(server).get('/api/v1/customers/web:77')).body.xrefs).toEqual(['shop:5', 'web:77']);

    const again = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ review: linked.body.review, goldenId, alsoDecided: [], changed: false });
  });

  it('still refuses the other decision on an item decided', async () => {
    await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'keep-apart' });
    const other = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: 'review-closed', review: { status: 'kept-apart' } });
  });
});

describe('POST /api/v1/reviews/{id} with a field it does not read', () => {
  it('refuses it, naming the field, and decides nothing', async () => {
    const res = await request(server)
      .post(`/api/v1/reviews/${reviewId}`)
      .send({ decision: 'keep-apart', by: 'anna' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'unknown-field', field: 'by' });
    expect(res.body.message).toContain("no field 'by'");
    expect(res.body.message).toContain('credentials');
    expect((await store.getReview(reviewId))?.status).toBe('open');
  });

  it('names a misspelt decision as the field it is, not as a missing decision', async () => {
    const res = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decison: 'link' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'unknown-field', field: 'decison' });
  });

  it('takes the documented fields, decision and force', async () => {
    const res = await request(server)
      .post(`/api/v1/reviews/${reviewId}`)
      .send({ decision: 'link', force: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ review: { status: 'linked' }, changed: true });
  });
});

describe('POST /api/v1/customers/{goldenId}/unmerge', () => {
  it('answers a member ref or a malformed golden id with what a golden id is and where to find it', async () => {
    const byMember = await request(server)
      .post('/api/v1/customers/web:77/unmerge')
      .send({ sources: ['web:77'] });
    expect(byMember.status).toBe(400);
    expect(byMember.body).toMatchObject({ error: 'invalid-customer-id', field: 'id' });
    expect(byMember.body.message).toContain('GET /api/v1/customers/web:77 answers the golden record');
    const malformed = await request(server)
      .post('/api/v1/customers/g-nonexistent/unmerge')
      .send({ sources: ['web:77'] });
    expect(malformed.body.message).toBe(
      "'g-nonexistent' is not a golden id (g- and 26 letters and digits, as the customer 360 answers it)",
    );
  });

  // linked by the steward: one golden record under shop:5's id, the smaller ref
  const linked = async (): Promise<string> => {
    const res = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    expect(res.body.goldenId).toBe(goldenIdFor({ system: 'shop', sourceId: '5' }));
    return res.body.goldenId as string;
  };
  const unmerge = (goldenId: string, sources: string[]) =>
    request(server).post(`/api/v1/customers/${goldenId}/unmerge`).send({ sources });

  it('answers an unmerge sent again as done, changing nothing', async () => {
    const goldenId = await linked();
    const first = await unmerge(goldenId, ['web:77']);
    expect(first.status).toBe(200);
    expect(first.body.changed).toBe(true);
    expect(first.body.events.length).toBeGreaterThan(0);

    // the answer was lost on the way back, and the steward's client sends the same unmerge again
    const again = await unmerge(goldenId, ['web:77']);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ parts: first.body.parts, events: [], changed: false });
    expect((await request(server).get('/api/v1/customers/web:77')).body.xrefs).toEqual(['web:77']);
  });

  it('answers it as done when the split took the golden id along and the rest has another', async () => {
    const goldenId = await linked();
    const first = await unmerge(goldenId, ['shop:5']);
    expect(first.status).toBe(200);
    const again = await unmerge(goldenId, ['shop:5']);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ parts: first.body.parts, events: [], changed: false });
  });

  it('still refuses a member that never belonged to the golden record', async () => {
    const goldenId = await linked();
    await unmerge(goldenId, ['web:77']);
    const never = await unmerge(goldenId, ['crm:1']);
    expect(never.status).toBe(400);
    expect(never.body).toMatchObject({ error: 'invalid-sources', field: 'sources' });
    expect(never.body.message).toBe(`crm:1 is not a member of ${goldenId}`);
  });

  it('still refuses a record a steward kept apart without their ever being one', async () => {
    await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'keep-apart' });
    const shop = goldenIdFor({ system: 'shop', sourceId: '5' });
    expect((await unmerge(shop, ['web:77'])).status).toBe(400);
    expect((await unmerge(shop, ['shop:5'])).status).toBe(400);
  });
});

describe('POST /api/v1/customers/{goldenId}/unmerge with a field it does not read', () => {
  const linked = async (): Promise<string> => {
    const res = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    return res.body.goldenId as string;
  };

  it('names a misspelt sources as the field it is, not as missing sources, and splits nothing', async () => {
    const goldenId = await linked();
    const res = await request(server)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ source: ['web:77'] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ error: 'unknown-field', field: 'source' });
    expect(res.body.message).toBe('an unmerge has no field \'source\'; send sources (["sap:80042", …])');
    expect(await store.listGoldenMembers(goldenId)).toHaveLength(2);
  });

  it('refuses a "by" beside sources, pointing at the credentials, and splits nothing', async () => {
    const goldenId = await linked();
    const res = await request(server)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['web:77'], by: 'anna' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'unknown-field', field: 'by' });
    expect(res.body.message).toContain('credentials');
    expect(await store.listGoldenMembers(goldenId)).toHaveLength(2);
  });

  it('takes sources alone', async () => {
    const goldenId = await linked();
    const res = await request(server)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['web:77'] });
    expect(res.status).toBe(200);
    expect(res.body.changed).toBe(true);
  });
});

describe('POST /api/v1/reviews/{id} with a force that is no boolean', () => {
  it('refuses it, naming force, and decides nothing', async () => {
    const res = await request(server)
      .post(`/api/v1/reviews/${reviewId}`)
      .send({ decision: 'link', force: 'true' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid-force',
      message: 'force must be true or false',
      field: 'force',
    });
    expect((await store.getReview(reviewId))?.status).toBe('open');
  });
});

describe('POST /api/v1/customers/{goldenId}/unmerge with the golden id in upper case', () => {
  it('unmerges as for the id in lower case, as the customer 360 reads it', async () => {
    const linked = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    const goldenId = linked.body.goldenId as string;
    expect((await request(server).get(`/api/v1/customers/${goldenId.toUpperCase()}`)).status).toBe(200);
    const res = await request(server)
      .post(`/api/v1/customers/${goldenId.toUpperCase()}/unmerge`)
      .send({ sources: ['web:77'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changed: true });
    expect(res.body.parts.map((p: { goldenId: string }) => p.goldenId)).toContain(goldenId);
  });
});

describe('POST /api/v1/customers/{goldenId}/unmerge naming a member twice', () => {
  it('splits it off once, leaving the other member behind', async () => {
    const linked = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    const goldenId = linked.body.goldenId as string;
    const res = await request(server)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['web:77', 'web:77'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changed: true });
    expect(await store.listGoldenMembers('web:77')).toEqual([{ system: 'web', sourceId: '77' }]);
    expect(await store.listGoldenMembers(goldenId)).toEqual([{ system: 'shop', sourceId: '5' }]);
  });
});

describe('GET /api/v1/reviews/{id}', () => {
  it('answers one item with the golden ids of its sides, open or decided, and 404 for an unknown one', async () => {
    const open = await request(server).get(`/api/v1/reviews/${reviewId}`);
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({
      review: {
        reviewId,
        a: 'shop:5',
        b: 'web:77',
        status: 'open',
        goldenA: goldenIdFor({ system: 'shop', sourceId: '5' }),
        goldenB: goldenIdFor({ system: 'web', sourceId: '77' }),
      },
    });
    const kept = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'keep-apart' });
    expect((await request(server).get(`/api/v1/reviews/${reviewId}`)).body).toEqual({
      review: kept.body.review,
    });
    const unknown = await request(server).get('/api/v1/reviews/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'unknown-review', message: 'no review item nope', field: 'id' });
  });
});

describe('POST /api/v1/reviews/{id} refused as review-closed', () => {
  it('shows the item with the golden ids of its sides, as every other answer does', async () => {
    await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'keep-apart' });
    const other = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    expect(other.status).toBe(409);
    expect(other.body.review).toEqual((await request(server).get(`/api/v1/reviews/${reviewId}`)).body.review);
    expect(other.body.review).toMatchObject({
      goldenA: goldenIdFor({ system: 'shop', sourceId: '5' }),
      goldenB: goldenIdFor({ system: 'web', sourceId: '77' }),
    });
  });
});

describe('POST /api/v1/reviews/{id} on an item whose two sides are one golden record already', () => {
  // joined without deciding this item (as before items were per golden record): it stays open
  const joined = async (): Promise<string> => {
    expect((await mergeGoldenRecords(store, 'web:77', 'shop:5')).status).toBe('applied');
    return (await store.resolveGoldenId('web:77')) as string;
  };

  it('refuses keep-apart, which would split nothing, and points to the unmerge', async () => {
    const goldenId = await joined();
    const res = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'keep-apart' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: 'same-golden-record',
      field: 'decision',
      review: { reviewId, status: 'open', goldenA: goldenId, goldenB: goldenId },
    });
    expect(res.body.message).toContain(`POST /api/v1/customers/${goldenId}/unmerge`);
    expect((await store.getReview(reviewId))?.status).toBe('open');
    expect(await store.listGoldenMembers(goldenId)).toHaveLength(2);

    // the unmerge it points to splits the pair and closes the item
    const split = await request(server)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['web:77'] });
    expect(split.status).toBe(200);
    expect((await store.getReview(reviewId))?.status).toBe('kept-apart');
  });

  it('takes link, which confirms the record as it is', async () => {
    const goldenId = await joined();
    const res = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ goldenId, review: { status: 'linked' }, changed: true });
  });
});

describe('GET /api/v1/reviews a page at a time', () => {
  it('answers next on a full page and the rest after it, each item once, and 400 for an unknown after', async () => {
    // a third twin: proposed against both golden records, three open items in all
    await applyWithGoldenRecord(store, new GoldenIntake(store), twin('app', '9', '1975-06-07'));
    const all = await request(server).get('/api/v1/reviews');
    expect(all.body.reviews).toHaveLength(3);
    expect(all.body).not.toHaveProperty('next');

    const first = await request(server).get('/api/v1/reviews?limit=2');
    expect(first.body.reviews).toHaveLength(2);
    expect(first.body.next).toBe(first.body.reviews[1].reviewId);
    // deciding an item of the page read does not move the next page
    await request(server)
      .post(`/api/v1/reviews/${first.body.reviews[1].reviewId}`)
      .send({ decision: 'keep-apart' });
    const second = await request(server).get(`/api/v1/reviews?limit=2&after=${first.body.next}`);
    expect(second.status).toBe(200);
    expect(second.body.reviews.map((r: { reviewId: string }) => r.reviewId)).toEqual([
      all.body.reviews[2].reviewId,
    ]);
    expect(second.body).not.toHaveProperty('next');

    for (const after of ['nope', '']) {
      const bad = await request(server).get(`/api/v1/reviews?after=${after}`);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'invalid-after', field: 'after' });
    }
  });
});

describe('POST /api/v1/customers/{goldenId}/unmerge with a source the store cannot keep', () => {
  it('names the entry of sources, not the store argument it would reach', async () => {
    const linked = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    const goldenId = linked.body.goldenId as string;
    const nul = await request(server)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['web:77', 'web:7\u00007'] });
    expect(nul.status).toBe(400);
    expect(nul.body).toEqual({
      error: 'invalid-input',
      message: 'sources[1].sourceId must not contain a NUL character',
      field: 'sources[1].sourceId',
    });
    const long = await request(server)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: [{ system: 'web', sourceId: 'x'.repeat(300) }] });
    expect(long.body).toMatchObject({ error: 'invalid-input', field: 'sources[0].sourceId' });
    expect(await store.listGoldenMembers(goldenId)).toHaveLength(2);
  });
});

describe('POST /api/v1/customers/{goldenId}/unmerge naming a member with its system in upper case', () => {
  it('refuses it as no member, naming the member as the hub keys it', async () => {
    const linked = await request(server).post(`/api/v1/reviews/${reviewId}`).send({ decision: 'link' });
    const goldenId = linked.body.goldenId as string;
    const res = await request(server)
      .post(`/api/v1/customers/${goldenId}/unmerge`)
      .send({ sources: ['WEB:77'] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid-sources',
      message: `WEB:77 is not a member of ${goldenId}; system ids are lower case: 'web:77'`,
      field: 'sources',
    });
  });
});
