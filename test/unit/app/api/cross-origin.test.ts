/** No CORS for the hub's endpoints, wherever Node-RED's httpNodeRoot puts them; the rest untouched. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { withoutCrossOrigin } from '../../../../app/api/cross-origin';

/** Node-RED's shape in small: the guard first, then an editor app answering everything with CORS. */
function server(nodeRoot: string, localOnly = false): express.Express {
  const app = express();
  app.use(withoutCrossOrigin(nodeRoot, { localOnly }));
  app.use((req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET,PUT,POST,DELETE');
      res.status(204).end();
      return;
    }
    next();
  });
  app.use((_req, res) => void res.json({ ok: true }));
  return app;
}

describe('withoutCrossOrigin', () => {
  it.each([
    ['/', '/api/v1/customers/crm:1', '/flows'],
    ['/hub', '/hub/api/v1/customers/crm:1', '/api/v1/customers/crm:1'],
    ['/hub/', '/HUB/SOAP/crm', '/hubx/soap/crm'],
  ])('under httpNodeRoot %s: none on %s, the editor’s on %s', async (root, hub, other) => {
    const app = server(root);
    const preflight = await request(app).options(hub).set('Origin', 'https://evil.example');
    expect(preflight.status).toBe(204);
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const answer = await request(app).get(hub).set('Origin', 'https://evil.example');
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.body).toEqual({ ok: true });
    const editor = await request(app).get(other).set('Origin', 'https://evil.example');
    expect(editor.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('withoutCrossOrigin without API credentials (localOnly)', () => {
  const API = '/api/v1/customers/web:77';

  it.each([
    ['X-Forwarded-For', { 'X-Forwarded-For': '203.0.113.7' }],
    ['Forwarded', { Forwarded: 'for=203.0.113.7' }],
    ['X-Real-IP', { 'X-Real-IP': '203.0.113.7' }],
    ['a Host that is not loopback (DNS rebinding)', { Host: 'attacker.example:1880' }],
  ])('refuses a request with %s: 403 JSON on /api/v1, a Client fault on /soap', async (_what, headers) => {
    const app = server('/', true);
    for (const [method, path] of [
      ['get', API],
      ['put', '/api/v1/policies/address-change-mortgage/state'],
      ['post', '/api/v1/dead-letters/replay'],
    ] as const) {
      const res = await request(app)[method](path).set(headers);
      expect([path, res.status, res.body.error]).toEqual([path, 403, 'loopback-only']);
      expect(res.body.message).toContain('CRM_HUB_API_USER and CRM_HUB_API_PASSWORD');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    const soap = await request(app)
      .post('/soap/hub')
      .set({ ...headers, 'Content-Type': 'text/xml' })
      .send('<x/>');
    expect(soap.status).toBe(403);
    expect(soap.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(soap.text).toContain('<faultcode>soap:Client</faultcode>');
    expect(soap.text).toContain('serves only clients on this machine');
    const soap12 = await request(app)
      .post('/soap/hub')
      .set({ ...headers, 'Content-Type': 'application/soap+xml' })
      .send('<x/>');
    expect(soap12.status).toBe(403);
    expect(soap12.text).toContain('<env:Value>env:Sender</env:Value>');
    // the health probe and the editor's own routes are not the REST API's business
    expect((await request(app).get('/healthz').set(headers)).status).toBe(200);
    expect((await request(app).get('/flows').set(headers)).status).toBe(200);
    // with credentials the endpoints' own auth decides
    expect((await request(server('/')).get(API).set(headers)).status).toBe(200);
  });

  it('refuses a write of another site’s page with credentials too (a browser may hold the log-in)', async () => {
    const app = server('/');
    const forged = await request(app).post('/api/v1/events').set('Origin', 'https://evil.example').send([]);
    expect([forged.status, forged.body.error]).toEqual([403, 'cross-origin']);
    const soap = await request(app).post('/soap/hub').set('Origin', 'null').send(Buffer.from('<x/>'));
    expect(soap.status).toBe(403);
    expect(soap.text).toContain('takes no write from a page of another site');
    // a program (no Origin) and a read go on to the endpoints' own auth
    expect((await request(app).post('/api/v1/events').send([])).status).toBe(200);
    expect((await request(app).get(API).set('Origin', 'null')).status).toBe(200);
  });

  it('refuses a write a page of another site sent, and takes the hub’s own page and programs', async () => {
    const listening = http.createServer(server('/', true));
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const hub = `127.0.0.1:${(listening.address() as AddressInfo).port}`;
    try {
      for (const origin of ['null', 'https://evil.example', 'http://localhost:1', `http://${hub}.evil`]) {
        const res = await request(`http://${hub}`).post('/api/v1/dead-letters/replay').set('Origin', origin);
        expect([origin, res.status, res.body.error]).toEqual([origin, 403, 'cross-origin']);
        const soap = await request(`http://${hub}`)
          .post('/soap/hub')
          .set('Origin', origin)
          .type('text/xml')
          .send('<x/>');
        expect([origin, soap.status]).toEqual([origin, 403]);
      }
      // a program sends no Origin; the hub's own page sends its own
      for (const origin of [undefined, `http://${hub}`, `https://${hub}`]) {
        const call = request(`http://${hub}`).post('/api/v1/dead-letters/replay');
        const res = await (origin ? call.set('Origin', origin) : call);
        expect([origin, res.status]).toEqual([origin, 200]);
      }
      // a read is no write: without CORS headers a page of another site reads nothing
      expect((await request(`http://${hub}`).get(API).set('Origin', 'null')).status).toBe(200);
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });
});
