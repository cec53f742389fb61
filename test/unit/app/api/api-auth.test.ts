import express from 'express';
import request from 'supertest';
import bcrypt from 'bcryptjs';
import { apiBasicAuth, basicCredentials } from '../../../../app/api/api-auth';
import { LoginLimiter } from '../../../../app/console/login-limiter';

/**
 * The API user's check in front of the node endpoints (settings.js httpNodeAuth): Node-RED's basic
 * auth answered every refusal as plain text, also on /api/v1 and /healthz, whose errors are JSON.
 */
function app(): express.Express {
  const a = express();
  a.use(apiBasicAuth('api-user', bcrypt.hashSync('api-secret', 4)));
  a.all('*', (_req, res) => {
    res.json({ ok: true });
  });
  return a;
}

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

describe('apiBasicAuth', () => {
  it.each(['/api/v1/customers/crm:1', '/healthz', '/API/V1/events', '/healthz?x=1'])(
    '%s: a missing or wrong credential is a JSON 401 unauthenticated with the Basic challenge',
    async (path) => {
      for (const authorization of [undefined, basic('api-user:nope'), basic('other:api-secret')]) {
        const res = await request(app())
          .get(path)
          .set(authorization ? { authorization } : {});
        expect({ status: res.status, type: res.type, error: res.body.error }).toEqual({
          status: 401,
          type: 'application/json',
          error: 'unauthenticated',
        });
        expect(res.body.message).toContain('Authorization: Basic');
        expect(res.headers['www-authenticate']).toBe('Basic realm="Authorization Required"');
      }
    },
  );

  it('tells a client that sent an admin token instead where the token goes', async () => {
    const res = await request(app()).get('/api/v1/reviews').set({ authorization: 'Bearer abc' });
    expect(res.status).toBe(401);
    expect(res.body.message).toContain('?access_token=');
  });

  it('keeps the plain-text refusal elsewhere (SOAP, a flow http-in endpoint), as Node-RED answers it', async () => {
    for (const path of ['/soap/hub', '/my-endpoint', '/api/v10']) {
      const res = await request(app()).post(path);
      expect({ status: res.status, type: res.type, text: res.text }).toEqual({
        status: 401,
        type: 'text/plain',
        text: 'Unauthorized',
      });
      expect(res.headers['www-authenticate']).toBe('Basic realm="Authorization Required"');
    }
  });

  it("lets the API user through, in every spelling Node-RED's parser takes, and OPTIONS unchecked", async () => {
    const token = Buffer.from('api-user:api-secret').toString('base64');
    for (const authorization of [`Basic ${token}`, `BASIC ${token}`, ` basic  ${token} `]) {
      const res = await request(app()).get('/api/v1/x').set({ authorization });
      expect(res.status).toBe(200);
    }
    expect((await request(app()).options('/api/v1/x')).status).toBe(200);
  });

  it('parses as basic-auth 2.0.1 does', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reference = require('basic-auth') as {
      parse(h: string): { name: string; pass: string } | undefined;
    };
    const headers = [
      basic('a:b'),
      basic('a:b:c'),
      basic('nocolon'),
      basic('a:line\nbreak'),
      'Basic',
      'Bearer x',
      `basic   ${Buffer.from(':').toString('base64')}`,
      'Basic !!!',
    ];
    for (const h of headers) {
      const theirs = reference.parse(h);
      expect([h, basicCredentials(h)]).toEqual([
        h,
        theirs ? { name: theirs.name, pass: theirs.pass } : undefined,
      ]);
    }
  });

  /** the check behind trust proxy, so a test can come from several addresses (X-Forwarded-For) */
  function fromAddresses(hash: string, limiter = new LoginLimiter()): express.Express {
    const a = express();
    a.set('trust proxy', true);
    a.use(apiBasicAuth('api-user', hash, { limiter }));
    a.all('*', (_req, res) => void res.json({ ok: true }));
    return a;
  }

  it('compares asynchronously, and a name that is not the API user against a decoy hash of the same cost', async () => {
    const hash = bcrypt.hashSync('api-secret', 5);
    const sync = jest.spyOn(bcrypt, 'compareSync');
    const compare = jest.spyOn(bcrypt, 'compare');
    try {
      const server = fromAddresses(hash);
      for (const pair of ['nobody:x', 'api-user:x', 'api-user:api-secret']) {
        const res = await request(server)
          .get('/api/v1/x')
          .set({ authorization: basic(pair) });
        expect([pair, res.status]).toEqual([pair, pair === 'api-user:api-secret' ? 200 : 401]);
      }
      expect(sync).not.toHaveBeenCalled();
      const hashes = compare.mock.calls.map(([, against]) => String(against));
      expect(hashes).toHaveLength(3);
      // the unknown name: a hash other than the user's, of the same cost
      expect(hashes[0]).not.toBe(hash);
      expect(bcrypt.getRounds(hashes[0])).toBe(5);
      expect(hashes.slice(1)).toEqual([hash, hash]);
    } finally {
      sync.mockRestore();
      compare.mockRestore();
    }
  });

  it('answers 429 with Retry-After after 5 failures from an address, there only, even for the right password', async () => {
    const server = fromAddresses(bcrypt.hashSync('api-secret', 4), new LoginLimiter({ clock: () => 0 }));
    const from = (address: string, pair: string, path = '/api/v1/x') =>
      request(server)
        .get(path)
        .set({ authorization: basic(pair), 'x-forwarded-for': address });
    for (let i = 0; i < 5; i++) expect((await from('10.0.0.1', `api-user:guess${i}`)).status).toBe(401);
    const refused = await from('10.0.0.1', 'api-user:api-secret');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: 'too-many-attempts',
      message: expect.any(String),
      retryAfterSeconds: 900,
    });
    expect(refused.headers['retry-after']).toBe('900');
    expect((await from('10.0.0.1', 'api-user:x', '/soap/crm')).status).toBe(429);
    // the API user's own client, at another address, is not locked out by the attacker
    expect((await from('10.0.0.2', 'api-user:api-secret')).status).toBe(200);
  });

  it('counts unknown names as it counts the API user, and takes no password over 72 bytes', async () => {
    const long = 'p'.repeat(72);
    const server = fromAddresses(bcrypt.hashSync(long, 4));
    const from = (address: string, pair: string) =>
      request(server)
        .get('/api/v1/x')
        .set({ authorization: basic(pair), 'x-forwarded-for': address });
    // bcrypt would take any tail after the 72nd byte
    expect((await from('10.1.0.1', `api-user:${long}WRONG`)).status).toBe(401);
    expect((await from('10.1.0.1', `api-user:${long}`)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await from('10.1.0.2', 'nobody:x')).status).toBe(401);
    expect((await from('10.1.0.2', 'nobody:x')).status).toBe(429);
  });

  it('lets GET and HEAD /livez through without credentials or the limiter, even while a spray locks the API user out', async () => {
    const limiter = new LoginLimiter({ clock: () => 0 });
    const begin = jest.spyOn(limiter, 'begin');
    const server = fromAddresses(bcrypt.hashSync('api-secret', 4), limiter);
    const from = (address: string, path: string, authorization?: string) =>
      request(server)
        .get(path)
        .set({ 'x-forwarded-for': address, ...(authorization ? { authorization } : {}) });
    // a password spray from 100 addresses reaches the user-wide bound
    for (let i = 0; i < 100; i++) limiter.failed(`10.2.${i}.1`, 'api-user');
    expect((await from('10.3.0.1', '/readyz', basic('api-user:api-secret'))).status).toBe(429);
    begin.mockClear();
    // the kubelet, with or without the API user's credentials, right or stale
    for (const authorization of [undefined, basic('api-user:api-secret'), basic('api-user:old')]) {
      for (const path of ['/livez', '/livez/', '/LIVEZ?verbose=1']) {
        const res = await from('10.3.0.2', path, authorization);
        expect({ path, status: res.status, body: res.body }).toEqual({
          path,
          status: 200,
          body: { ok: true },
        });
      }
    }
    const head = await request(server).head('/livez').set({ 'x-forwarded-for': '10.3.0.2' });
    expect(head.status).toBe(200);
    expect(begin).not.toHaveBeenCalled();
    // only the probe itself: other methods, paths below it and the other probes keep the check
    expect((await request(server).post('/livez')).status).toBe(401);
    expect((await request(server).delete('/livez')).status).toBe(401);
    for (const path of ['/livez/x', '/livezz', '/readyz', '/healthz', '/metrics', '/api/v1/livez']) {
      expect({ path, status: (await from('10.3.0.3', path)).status }).toEqual({ path, status: 401 });
    }
  });
});
