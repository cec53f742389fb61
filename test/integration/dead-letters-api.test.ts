import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import bcrypt from 'bcryptjs';
import * as amqp from 'amqplib';
import { DEFAULT_EXCHANGE } from '../../connectors/amqp/bus';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { createHubApi } from '../../app/api/hub-api';
import { HealthRegistry } from '../../app/api/health';
import { createDeadLettersApi, DEAD_LETTERS_PERMISSION } from '../../app/api/dead-letters-api';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { seedDeadLetters } from './dead-letter-seed';

/**
 * /api/v1/dead-letters as the hub mounts it (createHubApi), on the real RabbitMQ in a virtual host of
 * its own, behind Node-RED's real admin check: RED.auth.needsPermission with adminAuth, as the editor's
 * admin routes use it, with bearer tokens from Node-RED's token store.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const auth = require('@node-red/editor-api/lib/auth') as {
  init(settings: unknown, storage: unknown): void;
  needsPermission(permission: string): RequestHandler;
};

const vhost = `crm-hub-dl-api-${randomUUID().slice(0, 8)}`;
const SOURCE = 'dl-api.orders';
const savedEnv = { ...process.env };
let url: string;
let app: express.Express;
const adminToken = randomUUID();
const readerToken = randomUUID();
// Node-RED's login tokens are base64: + and / happen
const plusToken = `dl+admin/${randomUUID()}`;

beforeAll(async () => {
  url = createVhost(vhost);
  const hash = bcrypt.hashSync('secret', 4);
  auth.init(
    {
      adminAuth: {
        type: 'credentials',
        users: [
          { username: 'admin', password: hash, permissions: '*' },
          { username: 'reader', password: hash, permissions: 'read' },
        ],
        // Node-RED's static API access tokens: they take the same bearer path as a login's token
        // (a login's token would leave Node-RED's session expiry timer running after the tests).
        tokens: [
          { token: adminToken, user: 'admin', scope: ['*'] },
          { token: readerToken, user: 'reader', scope: ['read'] },
          { token: plusToken, user: 'admin', scope: ['*'] },
        ],
      },
    },
    { getSessions: async () => ({}), saveSessions: async () => undefined },
  );

  process.env.AMQP_URL = url;
  app = express();
  app.use(
    '/api/v1',
    createHubApi({
      store: () => undefined,
      health: new HealthRegistry(),
      deadLettersAdmin: auth.needsPermission(DEAD_LETTERS_PERMISSION),
    }),
  );

  await seedDeadLetters(url, {
    queue: SOURCE,
    routingKey: 'event.address-changed.web',
    // as a flow's catch often gives it: String(err)
    reason: 'Error: golden-record: store unavailable',
    ids: ['api-1', 'api-2', 'api-3'],
  });
}, 60_000);

afterAll(() => {
  process.env = savedEnv;
  deleteVhost(vhost);
});

const wrongToken = { authorization: 'Bearer not-a-token' };
const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('/api/v1/dead-letters', () => {
  it('is for admins only: 401 JSON without a token or with a wrong one, 403 JSON for a read-only user', async () => {
    for (const headers of [{}, wrongToken]) {
      const res = await request(app).get('/api/v1/dead-letters').set(headers);
      expect({ status: res.status, type: res.type, body: res.body }).toEqual({
        status: 401,
        type: 'application/json',
        body: { error: 'unauthenticated', message: expect.stringContaining('access_token') },
      });
      // Node-RED's own challenge stays, as RFC 9110 wants it with a 401
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users"/);
    }
    for (const call of [
      request(app).get('/api/v1/dead-letters').set(as(readerToken)),
      request(app).delete('/api/v1/dead-letters/api-1').set(as(readerToken)),
    ]) {
      const res = await call;
      expect({ status: res.status, body: res.body }).toEqual({
        status: 403,
        body: { error: 'admin-only', message: expect.any(String) },
      });
    }
    // next to the API user's Basic credentials (httpNodeAuth), the token goes in the query
    const res = await request(app)
      .get(`/api/v1/dead-letters?limit=1&access_token=${adminToken}`)
      .set({ authorization: 'Basic YXBpOmFwaQ==' });
    expect(res.status).toBe(200);
  });

  it('takes a token with + or / in the query only percent-encoded (a bare + is read as a space)', async () => {
    const basic = { authorization: 'Basic YXBpOmFwaQ==' };
    const bare = await request(app).get(`/api/v1/dead-letters?limit=1&access_token=${plusToken}`).set(basic);
    expect({ status: bare.status, error: bare.body.error }).toEqual({
      status: 401,
      error: 'unauthenticated',
    });
    const encoded = await request(app)
      .get(`/api/v1/dead-letters?limit=1&access_token=${encodeURIComponent(plusToken)}`)
      .set(basic);
    expect(encoded.status).toBe(200);
  });

  it('lists with limit and offset, and answers bad ones with a JSON error naming the field', async () => {
    const res = await request(app).get('/api/v1/dead-letters?limit=2&offset=1').set(as(adminToken));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ queue: 'crm.dead-letter', total: 3, offset: 1, limit: 2 });
    expect(res.body.items.map((d: { id: string }) => d.id)).toEqual(['api-2', 'api-3']);
    expect(res.body.items[0]).toMatchObject({
      position: 2,
      exchange: DEFAULT_EXCHANGE,
      routingKey: 'event.address-changed.web',
      reason: 'golden-record: store unavailable',
    });
    // one code for a limit out of range, as the other lists of the API answer it
    for (const limit of ['0', '-1', '100000000', 'x']) {
      const bad = await request(app).get(`/api/v1/dead-letters?limit=${limit}`).set(as(adminToken));
      expect({ limit, status: bad.status, body: bad.body }).toEqual({
        limit,
        status: 400,
        body: {
          error: 'invalid-limit',
          message: 'limit must be a whole number from 1 to 1000',
          field: 'limit',
        },
      });
    }
    const word = await request(app).get('/api/v1/dead-letters?offset=abc').set(as(adminToken));
    expect(word.body).toMatchObject({ error: 'invalid-offset', field: 'offset' });
  });

  it('answers a method a resource does not take with 405 and Allow, GET /replay included', async () => {
    for (const [method, path, allow] of [
      ['post', '/api/v1/dead-letters', 'GET, HEAD'],
      ['get', '/api/v1/dead-letters/replay', 'POST'],
      ['put', '/api/v1/dead-letters/api-1', 'GET, HEAD, DELETE'],
      ['get', '/api/v1/dead-letters/api-1/replay', 'POST'],
    ] as const) {
      const res = await request(app)[method](path).set(as(adminToken));
      expect({ path, status: res.status, allow: res.headers.allow, error: res.body.error }).toEqual({
        path,
        status: 405,
        allow,
        error: 'method-not-allowed',
      });
    }
  });

  it('shows one, 404 for an unknown id', async () => {
    const res = await request(app).get('/api/v1/dead-letters/api-1').set(as(adminToken));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'api-1', body: '{"id":"api-1"}', bodyEncoding: 'utf8' });
    const missing = await request(app).get('/api/v1/dead-letters/nope').set(as(adminToken));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: 'not-found',
      message: "no dead letter with id 'nope' in queue 'crm.dead-letter'",
    });
  });

  it('refuses a replay field it does not read, replaying nothing: an id sent to /replay replays no other', async () => {
    const all = await request(app)
      .post('/api/v1/dead-letters/replay')
      .set(as(adminToken))
      .send({ id: 'api-1' });
    expect(all.status).toBe(400);
    expect(all.body).toMatchObject({ error: 'unknown-field', field: 'id' });
    expect(all.body.message).toContain('POST /api/v1/dead-letters/{id}/replay');
    const query = await request(app).post('/api/v1/dead-letters/replay?id=api-1').set(as(adminToken));
    expect(query.body).toMatchObject({ error: 'unknown-field', field: 'id' });
    // a misspelt "to" would send it back where it failed
    const one = await request(app)
      .post('/api/v1/dead-letters/api-1/replay')
      .set(as(adminToken))
      .send({ too: 'crm.events/event.x' });
    expect(one.status).toBe(400);
    expect(one.body).toEqual({
      error: 'unknown-field',
      message: 'a replay has no field \'too\'; send nothing, or to ("<exchange>/<routing key>")',
      field: 'too',
    });
    const list = await request(app).get('/api/v1/dead-letters').set(as(adminToken));
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual(['api-1', 'api-2', 'api-3']);
  });

  it('keeps a dead letter whose replay fails and says why; replays one; replays all', async () => {
    const failed = await request(app)
      .post('/api/v1/dead-letters/api-1/replay')
      .set(as(adminToken))
      .send({ to: 'no.such.exchange/x' });
    expect(failed.status).toBe(409);
    expect(failed.body).toMatchObject({
      error: 'replay-failed',
      message: expect.stringContaining("no exchange 'no.such.exchange'"),
      replayed: [],
      failed: [{ id: 'api-1', code: 'refused' }],
    });
    // the broker's words name the virtual host; an HTTP client is told the queue, never the vhost
    expect(JSON.stringify(failed.body)).not.toContain(vhost);
    expect(JSON.stringify(failed.body)).not.toContain('vhost');
    const failedAll = await request(app)
      .post('/api/v1/dead-letters/replay')
      .set(as(adminToken))
      .send({ to: 'no.such.exchange/x' });
    expect(failedAll.status).toBe(409);
    expect(failedAll.body.failed[0].error).toContain("no exchange 'no.such.exchange'");
    expect(JSON.stringify(failedAll.body)).not.toContain(vhost);
    const badTo = await request(app)
      .post('/api/v1/dead-letters/api-1/replay')
      .set(as(adminToken))
      .send({ to: 'no-slash' });
    expect(badTo.body).toMatchObject({ error: 'invalid-destination', field: 'to' });

    const one = await request(app).post('/api/v1/dead-letters/api-1/replay').set(as(adminToken));
    expect(one.status).toBe(200);
    expect(one.body.replayed).toEqual([
      { id: 'api-1', position: 1, exchange: DEFAULT_EXCHANGE, routingKey: 'event.address-changed.web' },
    ]);
    const all = await request(app).post('/api/v1/dead-letters/replay').set(as(adminToken));
    expect(all.status).toBe(200);
    expect(all.body.replayed.map((r: { id: string }) => r.id)).toEqual(['api-2', 'api-3']);

    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      const ids: unknown[] = [];
      for (let msg = await ch.get(SOURCE, { noAck: true }); msg; msg = await ch.get(SOURCE, { noAck: true }))
        ids.push(msg.properties.messageId);
      expect(ids).toEqual(['api-1', 'api-2', 'api-3']);
    } finally {
      await conn.close();
    }
    expect((await request(app).get('/api/v1/dead-letters').set(as(adminToken))).body.total).toBe(0);
  });

  it('deletes one by id', async () => {
    const bus = new RabbitMqBus({ url });
    await bus.start();
    await bus.publish('crm.dlx', 'event.x', Buffer.from('x'), { messageId: 'api-9' });
    await bus.close();
    const res = await request(app).delete('/api/v1/dead-letters/api-9').set(as(adminToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 'api-9', purged: 1 });
    expect((await request(app).delete('/api/v1/dead-letters/api-9').set(as(adminToken))).status).toBe(404);
  });

  it('without the glue check: open without admin credentials, 403 with them, 503 without a broker', async () => {
    const bare = express();
    bare.use('/api/v1', createHubApi({ store: () => undefined, health: new HealthRegistry() }));
    process.env.CRM_HUB_ADMIN_USER = 'admin';
    process.env.CRM_HUB_ADMIN_PASSWORD = 'secret';
    const refused = await request(bare).get('/api/v1/dead-letters');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'admin-only' });
    delete process.env.CRM_HUB_ADMIN_USER;
    delete process.env.CRM_HUB_ADMIN_PASSWORD;
    expect((await request(bare).get('/api/v1/dead-letters')).status).toBe(200);
    delete process.env.AMQP_URL;
    const noBroker = await request(bare).get('/api/v1/dead-letters');
    expect(noBroker.status).toBe(503);
    expect(noBroker.body).toMatchObject({
      error: 'no-broker',
      message: expect.stringContaining('set AMQP_URL'),
    });
    process.env.AMQP_URL = url;
  });
});

/**
 * Every request reads the queue in a pass that takes each message off the head and puts a copy back at
 * the tail; two passes at once see each other's copies and list some twice, others not at all. Within
 * one hub the API runs its passes one at a time.
 */
describe('/api/v1/dead-letters, several requests at once', () => {
  const busyVhost = `crm-hub-dl-busy-${randomUUID().slice(0, 8)}`;
  const ids = Array.from({ length: 9 }, (_, i) => `busy-${i + 1}`);
  let busy: express.Express;

  beforeAll(async () => {
    const busyUrl = createVhost(busyVhost);
    busy = express();
    // no admin credentials in this env: the router is open, as on a hub without any
    busy.use('/dead-letters', createDeadLettersApi({ brokerUrl: () => busyUrl, env: {} }));
    await seedDeadLetters(busyUrl, {
      queue: 'dl-busy.orders',
      routingKey: 'event.order.web',
      reason: 'golden-record: store unavailable',
      ids,
    });
  }, 60_000);

  afterAll(() => deleteVhost(busyVhost));

  it('gives each of six parallel lists the whole queue, in order, each dead letter once', async () => {
    const pages = await Promise.all(Array.from({ length: 6 }, () => request(busy).get('/dead-letters')));
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect({ total: page.body.total, ids: page.body.items.map((d: { id: string }) => d.id) }).toEqual({
        total: 9,
        ids,
      });
    }
  });

  it('finds every dead letter while lists, shows and other shows run at the same time', async () => {
    const answers = await Promise.all([
      ...ids.map((id) => request(busy).get(`/dead-letters/${id}`)),
      request(busy).get('/dead-letters'),
      request(busy).get('/dead-letters?limit=3&offset=6'),
    ]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.slice(0, 9).map((a) => a.body.id)).toEqual(ids);
    expect(answers[9].body.items.map((d: { id: string }) => d.id)).toEqual(ids);
    expect(answers[10].body.items.map((d: { id: string }) => d.id)).toEqual(ids.slice(6));
  });
});
