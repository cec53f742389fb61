/** Process state over REST: saved on one channel, resumed on another, never overwritten unseen. */
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
const path = (customer: string, id = PROCESS) => `/api/v1/customers/${customer}/processes/${id}`;

const draft = {
  kind: 'mortgage-application',
  lastChannel: 'web',
  step: 'income-details',
  data: { loanAmount: 250000, propertyType: 'flat' },
};

let directory = '';
let store: EmbeddedStore;
let server: express.Express;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-processes-api-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  // the web's customer and the call center's are one golden record (both name SAP's number)
  const intake = new GoldenIntake(store);
  await applyWithGoldenRecord(store, intake, annaSchmidt('web', '77', 'Leopoldstraße', 0));
  await applyWithGoldenRecord(store, intake, annaSchmidt('crm', '4711', 'Leopoldstraße', 1));
  server = express();
  server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('PUT /api/v1/customers/{id}/processes/{processId}', () => {
  it('stores a draft at once, with revision 1 as its ETag, and shows it in the customer 360', async () => {
    const created = await request(server).put(path('web:77')).send(draft);
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toMatchObject({
      revision: 1,
      process: {
        processId: PROCESS,
        customerRef: 'web:77',
        startedOn: 'web',
        lastChannel: 'web',
        status: 'open',
        data: { loanAmount: 250000 },
      },
    });
    // the service center looks the customer up under its own number
    const view = await request(server).get('/api/v1/customers/crm:4711');
    expect(view.status).toBe(200);
    // with the revision to send as If-Match when the service center goes on with it
    expect(view.body.openProcesses).toEqual([
      expect.objectContaining({ processId: PROCESS, step: 'income-details', revision: 1 }),
    ]);
  });

  it('resumes on another channel of the same customer with the revision it read', async () => {
    await request(server).put(path('web:77')).send(draft);
    const read = await request(server).get(path('crm:4711'));
    expect(read.status).toBe(200);
    expect(read.headers.etag).toBe('"1"');

    const resumed = await request(server)
      .put(path('crm:4711'))
      .set('If-Match', read.headers.etag as string)
      .send({
        ...draft,
        lastChannel: 'call-center',
        step: 'documents',
        data: { ...draft.data, income: 5200 },
      });
    expect(resumed.status).toBe(200);
    expect(resumed.headers.etag).toBe('"2"');
    // still the web's process, started there; saved last by the call center
    expect(resumed.body.process).toMatchObject({
      customerRef: 'web:77',
      startedOn: 'web',
      lastChannel: 'call-center',
      step: 'documents',
      data: { income: 5200 },
    });
    expect(resumed.body.process.startedAt).toBe(read.body.process.startedAt);
  });

  it('refuses a save made on an older revision with 412 and the state now, so nothing is overwritten unseen', async () => {
    await request(server).put(path('web:77')).send(draft);
    const app = await request(server)
      .put(path('web:77'))
      .set('If-Match', '"1"')
      .send({ ...draft, lastChannel: 'app', step: 'property' });
    expect(app.status).toBe(200);

    const stale = await request(server)
      .put(path('crm:4711'))
      .set('If-Match', '"1"')
      .send({ ...draft, lastChannel: 'call-center', step: 'documents' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({
      error: 'revision-conflict',
      field: 'If-Match',
      revision: 2,
      process: { lastChannel: 'app', step: 'property' },
    });
    expect(stale.body.message).toMatch(/moved on to revision 2 \(last saved via app\)/);
    const now = await request(server).get(path('web:77'));
    expect(now.body.process.step).toBe('property');
  });

  it('says a 412 If-Match names a revision the process never reached, rather than that it moved on', async () => {
    await request(server).put(path('web:77')).send(draft);
    const ahead = await request(server)
      .put(path('web:77'))
      .set('If-Match', '"7"')
      .send({ ...draft, step: 'property' });
    expect(ahead.status).toBe(412);
    expect(ahead.body).toMatchObject({ error: 'revision-conflict', revision: 1 });
    expect(ahead.body.message).toMatch(
      /If-Match names revision "7", but process [0-9a-f-]+ is at revision 1 \(last saved via web\)/,
    );
    expect(ahead.body.message).not.toMatch(/moved on/);
  });

  it('keeps a completed or abandoned process closed: a save that would change it gets 409 with its state', async () => {
    for (const [n, status] of [
      [1, 'completed'],
      [2, 'abandoned'],
    ] as const) {
      const id = `3f2e1d0c-9b8a-4765-a432-10fedcba987${n}`;
      await request(server).put(path('web:77', id)).send(draft);
      const closing = await request(server)
        .put(path('web:77', id))
        .set('If-Match', '"1"')
        .send({ ...draft, lastChannel: 'app', step: 'done', status });
      expect(closing.status).toBe(200);
      // a tab left open on the web saves on the state it read last
      const reopen = await request(server)
        .put(path('crm:4711', id))
        .set('If-Match', '"2"')
        .send({ ...draft, step: 'income-details', status: 'open' });
      expect(reopen.status).toBe(409);
      expect(reopen.body).toMatchObject({
        error: 'process-closed',
        field: 'status',
        revision: 2,
        process: { status, step: 'done' },
      });
      expect(reopen.body.message).toContain(`is ${status} (saved via app at `);
      const now = await request(server).get(path('web:77', id));
      expect(now.body).toMatchObject({ revision: 2, process: { status, step: 'done' } });
    }
  });

  it('takes If-Match as RFC 9110 defines it: * for whatever is stored, or a list of revisions', async () => {
    const star = await request(server).put(path('web:77')).set('If-Match', '*').send(draft);
    // * matches only a stored process
    expect({ status: star.status, error: star.body.error }).toEqual({ status: 412, error: 'not-stored' });
    await request(server).put(path('web:77')).send(draft);
    const any = await request(server)
      .put(path('web:77'))
      .set('If-Match', '*')
      .send({ ...draft, step: 'documents' });
    expect({ status: any.status, etag: any.headers.etag }).toEqual({ status: 200, etag: '"2"' });
    const listed = await request(server)
      .put(path('web:77'))
      .set('If-Match', '"1", "2"')
      .send({ ...draft, step: 'signing' });
    expect({ status: listed.status, etag: listed.headers.etag }).toEqual({ status: 200, etag: '"3"' });
    const stale = await request(server)
      .put(path('web:77'))
      .set('If-Match', '"1","2"')
      .send({ ...draft, step: 'stale' });
    expect({ status: stale.status, error: stale.body.error }).toEqual({
      status: 412,
      error: 'revision-conflict',
    });
  });

  it('answers a closed process saved again unchanged with 200 and its state (a retry), not 409', async () => {
    await request(server).put(path('web:77')).send(draft);
    const done = {
      ...draft,
      lastChannel: 'app',
      step: 'done',
      status: 'completed',
      expiresAt: '2027-01-01T00:00:00Z',
    };
    const closing = await request(server).put(path('web:77')).set('If-Match', '"1"').send(done);
    expect(closing.status).toBe(200);
    // the client's retry of the same save, data keys in another order
    const retry = await request(server)
      .put(path('web:77'))
      .set('If-Match', '"2"')
      .send({ ...done, data: { propertyType: 'flat', loanAmount: 250000 } });
    expect({ status: retry.status, etag: retry.headers.etag, body: retry.body }).toEqual({
      status: 200,
      etag: '"2"',
      body: closing.body,
    });
    const changed = await request(server)
      .put(path('web:77'))
      .set('If-Match', '"2"')
      .send({ ...done, step: 'after' });
    expect({ status: changed.status, error: changed.body.error }).toEqual({
      status: 409,
      error: 'process-closed',
    });
  });

  it('asks for the revision (428) when a stored process is saved without If-Match', async () => {
    await request(server).put(path('web:77')).send(draft);
    const blind = await request(server)
      .put(path('web:77'))
      .send({ ...draft, step: 'documents' });
    expect(blind.status).toBe(428);
    expect(blind.body).toMatchObject({ error: 'revision-required', revision: 1 });
  });

  it('answers bad input with a 4xx and a JSON reason, storing nothing', async () => {
    const cases: [string, request.Test, number, string][] = [
      ['not a uuid', request(server).put(path('web:77', 'draft-1')).send(draft), 400, 'invalid-process-id'],
      ['a golden id', request(server).put(path('g-abc')).send(draft), 400, 'invalid-customer-id'],
      [
        'hub fields',
        request(server)
          .put(path('web:77'))
          .send({ ...draft, customerRef: 'x:1' }),
        400,
        'unknown-field',
      ],
      ['no object', request(server).put(path('web:77')).send([draft]), 400, 'invalid-body'],
      [
        'a channel',
        request(server)
          .put(path('web:77'))
          .send({ ...draft, lastChannel: 'fax' }),
        400,
        'invalid-process',
      ],
      [
        'If-Match',
        request(server).put(path('web:77')).set('If-Match', 'revision one').send(draft),
        400,
        'invalid-if-match',
      ],
    ];
    for (const [what, sent, status, code] of cases) {
      const res = await sent;
      expect({ what, status: res.status, error: res.body.error }).toEqual({ what, status, error: code });
    }
    const channel = await request(server)
      .put(path('web:77'))
      .send({ ...draft, lastChannel: 'fax' });
    expect(channel.body).toMatchObject({ field: 'lastChannel', errors: [{ field: 'lastChannel' }] });
    expect(await store.getProcess(PROCESS)).toBeUndefined();
  });

  it('tells a misspelt field from one the hub sets itself', async () => {
    const typo = await request(server)
      .put(path('web:77'))
      .send({ ...draft, stepp: 'documents' });
    expect(typo.status).toBe(400);
    expect(typo.body).toMatchObject({ error: 'unknown-field', field: 'stepp' });
    expect(typo.body.message).toMatch(/^a process state has no field 'stepp'; send kind, lastChannel/);
    expect(typo.body.message).not.toMatch(/the hub sets/);
    const echoed = await request(server)
      .put(path('web:77'))
      .send({ ...draft, customerRef: 'web:77', colour: 'red' });
    expect(echoed.body).toMatchObject({ error: 'unknown-field', field: 'customerRef' });
    expect(echoed.body.message).toMatch(
      /^the hub sets customerRef itself; a process state has no field 'colour'; send kind/,
    );
    expect(await store.getProcess(PROCESS)).toBeUndefined();
  });

  it('answers SAP’s padded number as the member the hub keys, and refuses the golden record’s own ref', async () => {
    await applyWithGoldenRecord(
      store,
      new GoldenIntake(store),
      annaSchmidt('sap', '80042', 'Leopoldstraße', 2),
    );
    const created = await request(server).put(path('sap:0000080042')).send(draft);
    expect(created.status).toBe(201);
    expect(created.body.process.customerRef).toBe('sap:80042');
    // where it is kept: under the number the hub keys
    expect(created.headers.location).toBe(path('sap:80042'));
    expect((await request(server).get(path('sap:80042'))).status).toBe(200);
    expect((await request(server).get(path('sap:0000080042'))).status).toBe(200);
    const listed = await request(server).get('/api/v1/customers/sap:0000080042/processes');
    expect(listed.body.processes).toHaveLength(1);
    const golden = (await request(server).get('/api/v1/customers/web:77')).body.goldenId as string;
    const byHub = await request(server)
      .put(path(`hub:${golden}`, '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'))
      .send(draft);
    expect(byHub.status).toBe(400);
  });

  it('refuses a revision of a process not stored (412), a weak tag, and a time the store cannot keep', async () => {
    const unknown = await request(server).put(path('web:77')).set('If-Match', '"3"').send(draft);
    expect(unknown.status).toBe(412);
    expect(unknown.body.error).toBe('not-stored');
    const other = path('web:77', '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e');
    expect((await request(server).put(other).send(draft)).status).toBe(201);
    // a weak tag is well formed but never matches under If-Match's strong comparison (RFC 9110): 412, not 400
    const weak = await request(server).put(other).set('If-Match', 'W/"1"').send(draft);
    expect(weak.status).toBe(412);
    expect(weak.body).toMatchObject({ error: 'revision-conflict', revision: 1 });
    const mixed = await request(server).put(other).set('If-Match', 'W/"1", "1"').send(draft);
    expect(mixed.status).toBe(200);
    const time = await request(server)
      .put(path('web:77'))
      .send({ ...draft, expiresAt: '2026-12-31 10:00:00Z' });
    expect(time.status).toBe(400);
    expect(time.body).toMatchObject({ error: 'invalid-process', field: 'expiresAt' });
    const empty = await request(server)
      .put(path('web:77'))
      .send({ ...draft, status: null });
    expect(empty.status).toBe(400);
    expect(await store.getProcess(PROCESS)).toBeUndefined();
  });

  it('keeps a process to its customer: another one gets 404, and its kind cannot change (409)', async () => {
    await request(server).put(path('web:77')).send(draft);
    const other = await request(server).put(path('crm:9999')).set('If-Match', '"1"').send(draft);
    expect(other.status).toBe(404);
    expect(other.body.error).toBe('unknown-process');
    expect((await request(server).get(path('crm:9999'))).status).toBe(404);
    const kind = await request(server)
      .put(path('web:77'))
      .set('If-Match', '"1"')
      .send({ ...draft, kind: 'credit-card-application' });
    expect(kind.status).toBe(409);
  });

  it('lists the processes of every member of the golden record, filtered by status', async () => {
    const second = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    await request(server).put(path('web:77')).send(draft);
    await request(server)
      .put(path('crm:4711', second))
      .send({ ...draft, kind: 'savings-plan', lastChannel: 'call-center', status: 'submitted' });
    const all = await request(server).get('/api/v1/customers/web:77/processes');
    expect(all.status).toBe(200);
    expect(
      all.body.processes.map((p: { process: { processId: string } }) => p.process.processId).sort(),
    ).toEqual([PROCESS, second].sort());
    const open = await request(server).get('/api/v1/customers/crm:4711/processes?status=open');
    expect(open.body.processes).toEqual([
      expect.objectContaining({ process: expect.objectContaining({ processId: PROCESS }) }),
    ]);
    expect((await request(server).get('/api/v1/customers/crm:4711/processes?status=done')).status).toBe(400);
  });
});

describe('caching of answers that carry personal data', () => {
  it('keeps the customer 360 ETag while nothing changed, so If-None-Match gets 304', async () => {
    const first = await request(server).get('/api/v1/customers/crm:4711');
    const again = await request(server).get('/api/v1/customers/crm:4711');
    expect(first.status).toBe(200);
    expect(again.headers.etag).toBe(first.headers.etag);
    const revalidated = await request(server)
      .get('/api/v1/customers/crm:4711')
      .set('If-None-Match', first.headers.etag as string);
    expect(revalidated.status).toBe(304);
  });

  it('lets no shared cache keep them and has every client revalidate: private, no-cache', async () => {
    await request(server).put(path('web:77')).send(draft);
    for (const url of [
      '/api/v1/customers/crm:4711',
      '/api/v1/customers/crm:4711/offers',
      '/api/v1/customers/crm:4711/processes',
      path('crm:4711'),
      '/api/v1/reviews',
    ]) {
      const res = await request(server).get(url);
      expect([url, res.status, res.headers['cache-control']]).toEqual([url, 200, 'private, no-cache']);
    }
  });
});
