import express from 'express';
import request from 'supertest';
import bcrypt from 'bcryptjs';
import { apiBasicAuth, basicCredentials } from '../../../../app/api/api-auth';

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
});
