/** What a user tried that answered 500 or a misleading 400: each is now a 4xx with a JSON reason. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { HealthRegistry } from '../../../../app/api/health';
import { createHubApi } from '../../../../app/api/hub-api';
import { EmbeddedStore } from '../../../../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../../../records/golden-intake';
import { annaSchmidt } from '../../../fixtures/anna-schmidt';

const PROCESS = '3f2e1d0c-9b8a-4765-a432-10fedcba9876';
const draft = { kind: 'mortgage-application', lastChannel: 'web', step: 'income-details', data: {} };

let directory = '';
let store: EmbeddedStore;
let server: express.Express;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-bad-input-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  const intake = new GoldenIntake(store);
  await applyWithGoldenRecord(store, intake, annaSchmidt('crm', 'A/B C#1', 'Leopoldstraße', 0));
  server = express();
  server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('the REST API answers bad input with a 4xx and a JSON reason', () => {
  it('refuses ids the store cannot read with 400, not 500', async () => {
    for (const path of [
      '/api/v1/customers/hub:g-XYZ',
      '/api/v1/customers/hub:g-XYZ/next-best-offer?channel=web',
      '/api/v1/customers/hub:g-XYZ/processes',
      '/api/v1/customers/crm:%00',
      '/api/v1/customers/crm:%00/offers?channel=web',
      `/api/v1/customers/crm:${'K'.repeat(300)}`,
    ]) {
      const res = await request(server).get(path);
      expect({ path, status: res.status, error: res.body.error }).toEqual({
        path,
        status: 400,
        error: 'invalid-customer-id',
      });
      // a long or odd id is quoted short and escaped
      expect(res.body.message.length).toBeLessThan(200);
      expect(res.body.message).not.toContain('\u0000');
    }
  });

  it('names the ref as the hub keys it when only the system id is in capitals', async () => {
    for (const [path, hint] of [
      ['/api/v1/customers/SAP:4711', "; system ids are lower case: 'sap:4711'"],
      [`/api/v1/customers/Crm:4711/processes/${PROCESS}`, "; system ids are lower case: 'crm:4711'"],
      ['/api/v1/customers/nocolon', ''],
    ]) {
      const res = await request(server).get(path);
      expect({ path, status: res.status, error: res.body.error }).toEqual({
        path,
        status: 400,
        error: 'invalid-customer-id',
      });
      if (hint) expect(res.body.message).toContain(hint);
      else expect(res.body.message).not.toContain('lower case');
    }
  });

  it('reads every id the hub takes in: slashes, blanks and #, a golden id in capitals, over every route', async () => {
    const golden = await store.getGolden('crm:A/B C#1');
    const ref = encodeURIComponent('crm:A/B C#1');
    for (const path of [
      `/api/v1/customers/${ref}`,
      `/api/v1/customers/${ref}/offers?channel=web`,
      `/api/v1/customers/${ref}/next-best-offer?channel=web`,
      `/api/v1/customers/${golden!.goldenId.toUpperCase()}`,
      `/api/v1/customers/${golden!.goldenId}/next-best-offer?channel=web`,
      `/api/v1/customers/${golden!.goldenId}/offers`,
    ]) {
      const res = await request(server).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
    const saved = await request(server).put(`/api/v1/customers/${ref}/processes/${PROCESS}`).send(draft);
    expect(saved.status).toBe(201);
  });

  it('answers a charset it cannot read and a body that is no JSON with 415', async () => {
    const path = `/api/v1/customers/crm:4711/processes/${PROCESS}`;
    const latin1 = await request(server)
      .put(path)
      .set('content-type', 'application/json; charset=latin1')
      .send(JSON.stringify(draft));
    expect(latin1.status).toBe(415);
    expect(latin1.body).toMatchObject({ error: 'unsupported-media-type' });
    expect(latin1.body.message).toContain('send JSON in UTF-8');
    for (const type of ['text/plain', 'application/xml']) {
      const res = await request(server).put(path).set('content-type', type).send(JSON.stringify(draft));
      expect({ type, status: res.status, error: res.body.error }).toEqual({
        type,
        status: 415,
        error: 'unsupported-media-type',
      });
    }
    const review = await request(server)
      .post('/api/v1/reviews/x')
      .set('content-type', 'text/plain')
      .send('{"decision":"link"}');
    expect(review.status).toBe(415);
    // a +json type is JSON
    const problem = await request(server)
      .put(path)
      .set('content-type', 'application/vnd.crm-hub+json')
      .send(JSON.stringify(draft));
    expect(problem.status).toBe(201);
    expect(await store.getProcess(PROCESS)).toBeDefined();
  });

  it('refuses a write with a type an HTML form sends with 415, even with no body', async () => {
    const writes: [string, string][] = [
      ['post', '/api/v1/policies/address-change-mortgage/toggle'],
      ['put', '/api/v1/policies/address-change-mortgage/state'],
      ['post', '/api/v1/dead-letters/replay'],
      ['delete', `/api/v1/customers/crm:4711/processes/${PROCESS}`],
      ['patch', `/api/v1/customers/crm:4711/processes/${PROCESS}`],
    ];
    for (const [method, path] of writes) {
      for (const type of [
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/plain;charset=UTF-8',
      ]) {
        const res = await request(server)[method as 'post'](path).set('content-type', type);
        expect({ method, path, type, status: res.status, body: res.body }).toEqual({
          method,
          path,
          type,
          status: 415,
          body: { error: 'unsupported-media-type', message: 'send the body as application/json' },
        });
      }
    }
    // a write without a body and without a type is no form's: it reaches its route
    const bare = await request(server).post('/api/v1/policies/address-change-mortgage/toggle');
    expect(bare.status).not.toBe(415);
    // a read carries no body to speak of, whatever its type
    const read = await request(server)
      .get(`/api/v1/customers/${encodeURIComponent('crm:A/B C#1')}`)
      .set('content-type', 'application/x-www-form-urlencoded');
    expect(read.status).toBe(200);
  });

  it('refuses a body nested too deep with 400, and JSON that is no object for what it is', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = { a: deep };
    const res = await request(server)
      .put(`/api/v1/customers/crm:4711/processes/${PROCESS}`)
      .send({ ...draft, data: deep });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'too-deep' });
    expect(res.body.message).toContain('at most 100');
    const scalar = await request(server)
      .put(`/api/v1/customers/crm:4711/processes/${PROCESS}`)
      .set('content-type', 'application/json')
      .send('null');
    expect(scalar.status).toBe(400);
    expect(scalar.body).toEqual({ error: 'invalid-json', message: 'the body must be a JSON object' });
    expect(await store.getProcess(PROCESS)).toBeUndefined();
  });

  it('refuses a NUL character in process data as both stores would, with 400', async () => {
    const res = await request(server)
      .put(`/api/v1/customers/crm:4711/processes/${PROCESS}`)
      .send({ ...draft, data: { note: 'a\u0000b' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-input', field: 'data.note' });
    expect(res.body.message).toContain('process.data.note must not contain a NUL character');
  });

  it('refuses a lone surrogate in process data as both stores would, with 400', async () => {
    const res = await request(server)
      .put(`/api/v1/customers/crm:4711/processes/${PROCESS}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...draft, data: { x: '\ud800' } }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-input', field: 'data.x' });
    expect(res.body.message).toContain('process.data.x must not contain a lone surrogate');
  });

  it('states the size limit in a 413', async () => {
    const res = await request(server)
      .put(`/api/v1/customers/crm:4711/processes/${PROCESS}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...draft, data: { note: 'x'.repeat(300 * 1024) } }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: 'too-large',
      message: 'the request body exceeds the size limit of 256 kB (262144 bytes)',
    });
  });

  it('refuses a number out of range with 400 naming the field, not as null', async () => {
    const path = `/api/v1/customers/crm:4711/processes/${PROCESS}`;
    const body = JSON.stringify({ ...draft, data: { loanAmount: 1, neg: 2 } })
      .replace('"loanAmount":1', '"loanAmount":1e400')
      .replace('"neg":2', '"neg":-1e400');
    const res = await request(server).put(path).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'number-out-of-range', field: 'data.loanAmount' });
    expect(res.body.message).toContain('data.loanAmount is out of range');
    expect((await request(server).get(path)).status).toBe(404);
  });

  it('names the revision of the state it answers in the ETag of a 412 and a 428', async () => {
    const path = `/api/v1/customers/crm:4711/processes/${PROCESS}`;
    await request(server).put(path).send(draft);
    await request(server)
      .put(path)
      .set('If-Match', '"1"')
      .send({ ...draft, step: 'documents' });
    const stale = await request(server).put(path).set('If-Match', '"1"').send(draft);
    expect(stale.status).toBe(412);
    expect(stale.headers.etag).toBe('"2"');
    const blind = await request(server).put(path).send(draft);
    expect(blind.status).toBe(428);
    expect(blind.headers.etag).toBe('"2"');
    // that ETag is good for the next save
    const retried = await request(server)
      .put(path)
      .set('If-Match', stale.headers.etag as string)
      .send(draft);
    expect(retried.status).toBe(200);
  });

  it('unmerges SAP’s padded number as the member the hub keys', async () => {
    const intake = new GoldenIntake(store);
    await applyWithGoldenRecord(store, intake, annaSchmidt('sap', '80042', 'Leopoldstraße', 1));
    await applyWithGoldenRecord(store, intake, annaSchmidt('crm', '4711', 'Leopoldstraße', 2));
    const golden = await store.getGolden('crm:4711');
    expect(golden?.members.map((m) => `${m.system}:${m.sourceId}`).sort()).toEqual([
      'crm:4711',
      'crm:A/B C#1',
      'sap:80042',
    ]);
    const res = await request(server)
      .post(`/api/v1/customers/${golden!.goldenId}/unmerge`)
      .send({ sources: ['sap:0000080042'] });
    expect(res.status).toBe(200);
    expect(await store.resolveGoldenId('sap:80042')).not.toBe(await store.resolveGoldenId('crm:4711'));
    // another system's zeros count: crm:04711 is not crm:4711
    const other = await request(server)
      .post(`/api/v1/customers/${(await store.resolveGoldenId('crm:4711'))!}/unmerge`)
      .send({ sources: ['crm:04711'] });
    expect(other.status).toBe(400);
    expect(other.body.message).toContain('crm:04711 is not a member');
  });

  it('answers a method a resource does not take with 405 and Allow', async () => {
    for (const [method, path, allow] of [
      ['delete', `/api/v1/customers/crm:4711/processes/${PROCESS}`, 'GET, HEAD, PUT'],
      ['post', `/api/v1/customers/crm:4711/processes/${PROCESS}`, 'GET, HEAD, PUT'],
      ['patch', '/api/v1/customers/crm:4711/processes', 'GET, HEAD'],
      ['delete', '/api/v1/customers/crm:4711', 'GET, HEAD'],
      ['post', '/api/v1/customers/crm:4711/offers', 'GET, HEAD'],
      ['get', '/api/v1/events', 'POST'],
      ['put', '/api/v1/events', 'POST'],
      ['post', '/api/v1/policies', 'GET, HEAD'],
      ['get', '/api/v1/policies/dry-run', 'POST'],
      ['delete', '/api/v1/policies/dry-run', 'POST'],
      ['delete', '/api/v1/policies/platinum-large-withdrawal', 'GET, HEAD'],
      ['get', '/api/v1/policies/platinum-large-withdrawal/toggle', 'POST'],
      ['delete', '/api/v1/policies/platinum-large-withdrawal/state', 'PUT'],
      ['get', '/api/v1/policies/platinum-large-withdrawal/state', 'PUT'],
      ['post', '/api/v1/policies/platinum-large-withdrawal/audit', 'GET, HEAD'],
      ['patch', '/api/v1/policies/platinum-large-withdrawal/explain', 'GET, HEAD'],
      ['delete', `/api/v1/decisions/${'a'.repeat(32)}`, 'GET, HEAD'],
      ['get', '/api/v1/responses', 'POST'],
      ['delete', '/api/v1/responses', 'POST'],
      ['delete', '/api/v1/reviews', 'GET, HEAD'],
      ['delete', '/api/v1/reviews/r-1', 'GET, HEAD, POST'],
      ['get', '/api/v1/customers/crm:4711/unmerge', 'POST'],
    ] as const) {
      const res = await request(server)[method](path);
      expect({ method, path, status: res.status, allow: res.headers.allow, error: res.body.error }).toEqual({
        method,
        path,
        status: 405,
        allow,
        error: 'method-not-allowed',
      });
    }
    // HEAD is GET without a body: a resource that takes no GET takes no HEAD either
    const head = await request(server).head('/api/v1/events');
    expect({ status: head.status, allow: head.headers.allow }).toEqual({ status: 405, allow: 'POST' });
  });

  it('answers a path that is no valid percent-encoding with 400, not 500', async () => {
    for (const path of [
      '/api/v1/customers/web:%FF',
      '/api/v1/customers/web:%FF/offers',
      '/api/v1/customers/web:%C0%AE/next-best-offer?channel=web',
      '/api/v1/policies/%FF',
      '/api/v1/dead-letters/%ED%A0%80',
      '/api/v1/customers/web:1/processes/%FF',
    ]) {
      const res = await request(server).get(path);
      expect({ path, status: res.status, error: res.body.error }).toEqual({
        path,
        status: 400,
        error: 'invalid-path',
      });
      expect(res.body.message).toContain('percent-encoded UTF-8');
    }
  });

  it('answers a query parameter given as an object or a list with 400, not 500', async () => {
    const nbo = '/api/v1/customers/crm:4711/next-best-offer?channel=web';
    for (const [path, error] of [
      [`${nbo}&limit[toString]=1`, 'invalid-limit'],
      [`${nbo}&limit[]=1`, 'invalid-limit'],
      [`${nbo}&point[toString]=home`, 'invalid-point'],
      [`${nbo}&eventType[toString]=x`, 'invalid-event-type'],
      ['/api/v1/reviews?limit[toString]=1', 'invalid-limit'],
    ]) {
      const res = await request(server).get(path);
      expect({ path, status: res.status, error: res.body.error }).toEqual({ path, status: 400, error });
    }
  });

  it('checks the channel of /offers as the next best offer does', async () => {
    const ref = encodeURIComponent('crm:A/B C#1');
    for (const query of ['channel=bogus', 'channel=WEB', 'channel=', 'channel[toString]=web']) {
      const res = await request(server).get(`/api/v1/customers/${ref}/offers?${query}`);
      expect({ query, status: res.status, error: res.body.error }).toEqual({
        query,
        status: 400,
        error: 'invalid-channel',
      });
    }
    const web = await request(server).get(`/api/v1/customers/${ref}/offers?channel=web`);
    expect(web.status).toBe(200);
    expect(web.body).toMatchObject({ channel: 'web', offers: [] });
    const every = await request(server).get(`/api/v1/customers/${ref}/offers`);
    expect(every.body).toMatchObject({ channel: null, offers: [] });
  });

  it('refuses a channel asked for twice instead of listing every channel', async () => {
    const res = await request(server).get('/api/v1/customers/crm:4711/offers?channel=web&channel=sms');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-channel', field: 'channel' });
  });
});
