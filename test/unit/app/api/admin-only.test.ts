import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import bcrypt from 'bcryptjs';
import { createHubApi } from '../../../../app/api/hub-api';
import { HealthRegistry } from '../../../../app/api/health';
import { REVIEWS_PERMISSION } from '../../../../app/api/reviews-api';

/**
 * The admin routes of /api/v1 behind Node-RED's real needsPermission, which answers a refusal itself as
 * a plain-text 401: the API answers JSON like its other errors instead, 401 `unauthenticated` with the
 * Bearer challenge when no valid token came, 403 `admin-only` when the token's user is no admin.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const auth = require('@node-red/editor-api/lib/auth') as {
  init(settings: unknown, storage: unknown): void;
  needsPermission(permission: string): RequestHandler;
};

const adminToken = randomUUID();
const readerToken = randomUUID();

function appWith(defaultPermissions?: string): express.Express {
  const hash = bcrypt.hashSync('secret', 4);
  auth.init(
    {
      adminAuth: {
        type: 'credentials',
        users: [
          { username: 'admin', password: hash, permissions: '*' },
          { username: 'reader', password: hash, permissions: 'read' },
        ],
        ...(defaultPermissions ? { default: { permissions: defaultPermissions } } : {}),
        tokens: [
          { token: adminToken, user: 'admin', scope: ['*'] },
          { token: readerToken, user: 'reader', scope: ['read'] },
        ],
      },
    },
    { getSessions: async () => ({}), saveSessions: async () => undefined },
  );
  const app = express();
  app.use(
    '/api/v1',
    createHubApi({
      store: () => undefined,
      health: new HealthRegistry(),
      reviewsAdmin: auth.needsPermission(REVIEWS_PERMISSION),
    }),
  );
  return app;
}

describe('admin routes behind Node-RED permissions answer JSON', () => {
  it('401 unauthenticated with the challenge without a token; 403 admin-only for a reader; an admin gets through', async () => {
    const app = appWith();
    const none = await request(app).get('/api/v1/reviews');
    expect({ status: none.status, type: none.type, body: none.body }).toEqual({
      status: 401,
      type: 'application/json',
      body: { error: 'unauthenticated', message: expect.stringContaining('%2B') },
    });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm="Users"/);
    const reader = await request(app)
      .post('/api/v1/reviews/r-1')
      .set({ authorization: `Bearer ${readerToken}` });
    expect({ status: reader.status, error: reader.body.error }).toEqual({ status: 403, error: 'admin-only' });
    const admin = await request(app)
      .get('/api/v1/reviews')
      .set({ authorization: `Bearer ${adminToken}` });
    expect({ status: admin.status, error: admin.body.error }).toEqual({ status: 503, error: 'no-store' });
  });

  it('with Basic credentials in the header (the API user), names the one way a token still fits: ?access_token', async () => {
    const res = await request(appWith())
      .get('/api/v1/reviews')
      .set({ authorization: `Basic ${Buffer.from('api:pw').toString('base64')}` });
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'unauthenticated' });
    expect(res.body.message).toContain('?access_token=<token>');
    expect(res.body.message).not.toContain('Bearer');
    const tokenInQuery = await request(appWith())
      .get(`/api/v1/reviews?access_token=${encodeURIComponent(adminToken)}`)
      .set({ authorization: `Basic ${Buffer.from('api:pw').toString('base64')}` });
    expect(tokenInQuery.status).toBe(503);
  });

  it('names the unmerge API, not the review API, when a steward unmerges without a token', async () => {
    const res = await request(appWith())
      .post('/api/v1/customers/g-0000000000000000000000000a/unmerge')
      .send({ sources: ['sap:1'] });
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'unauthenticated' });
    expect(res.body.message).toMatch(/^the unmerge API needs an admin's token/);
  });

  it("keeps a steward's merge behind the admin check, naming the merge API", async () => {
    const res = await request(appWith()).post('/api/v1/customers/sap:1/merge').send({ with: 'sap:2' });
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'unauthenticated' });
    expect(res.body.message).toMatch(/^the merge API needs an admin's token/);
  });

  it('an anonymous visitor with default read permissions is asked to log in (401), not refused as a user', async () => {
    const res = await request(appWith('read')).get('/api/v1/reviews');
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'unauthenticated' });
  });
});
