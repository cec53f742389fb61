/**
 * Without credentials the editor's admin API serves this machine only and takes no write from another
 * site's page (settings.js's httpAdminMiddleware with app/api/local-only.ts), as the console does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import request from 'supertest';

const SETTINGS = path.join(__dirname, '../../../../settings.js');

describe("settings.js's admin middleware without adminAuth", () => {
  let listening: http.Server;
  let hub = '';
  const reached: string[] = [];

  beforeAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require(SETTINGS) as { adminAuth?: unknown; httpAdminMiddleware: express.Handler };
    expect(settings.adminAuth).toBeUndefined();
    // the admin app as Node-RED builds it: the middleware first, then its body parsers and routes
    const admin = express();
    admin.use(settings.httpAdminMiddleware, express.urlencoded({ extended: true }), express.json());
    admin.use((req, res) => {
      reached.push(`${req.method} ${req.url}`);
      res.json({ ok: true });
    });
    const root = express();
    root.use('/', admin);
    root.use((req, res) => void res.json({ node: req.url }));
    listening = http.createServer(root);
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    hub = `127.0.0.1:${(listening.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => listening.close(resolve)));
  beforeEach(() => void reached.splice(0));

  it('refuses a client beyond this machine, behind a proxy or under another host name', async () => {
    for (const headers of [
      { 'X-Forwarded-For': '203.0.113.7' },
      { Forwarded: 'for=203.0.113.7' },
      { 'X-Real-IP': '203.0.113.7' },
      { Host: 'attacker.example:1880' },
    ]) {
      const res = await request(`http://${hub}`).get('/flows').set(headers);
      expect([headers, res.status, res.body.error]).toEqual([headers, 403, 'loopback-only']);
      expect(res.body.message).toContain('CRM_HUB_ADMIN_USER and CRM_HUB_ADMIN_PASSWORD');
    }
    expect(reached).toEqual([]);
    expect((await request(`http://${hub}`).get('/flows')).status).toBe(200);
    expect((await request(`http://localhost:${hub.split(':')[1]}`).get('/flows')).status).toBe(200);
    expect(reached).toEqual(['GET /flows', 'GET /flows']);
  });

  it('refuses a write of another site’s page, and a form without the editor’s own origin', async () => {
    const forged = await request(`http://${hub}`).post('/inject/abc').set('Origin', 'null');
    expect([forged.status, forged.body.error]).toEqual([403, 'cross-origin']);
    const form = await request(`http://${hub}`).post('/inject/abc').type('form').send('');
    expect([form.status, form.body.error]).toEqual([415, 'unsupported-media-type']);
    const text = await request(`http://${hub}`).post('/flows').set('content-type', 'text/plain').send('[]');
    expect(text.status).toBe(415);
    expect(reached).toEqual([]);
    // the editor: JSON, no body, and its debug sidebar's form from its own page
    expect((await request(`http://${hub}`).post('/flows').send([])).status).toBe(200);
    expect((await request(`http://${hub}`).post('/inject/abc')).status).toBe(200);
    const sidebar = await request(`http://${hub}`)
      .post('/debug/enable')
      .set('Origin', `http://${hub}`)
      .type('form')
      .send('nodes[]=a');
    expect(sidebar.status).toBe(200);
    expect(reached).toEqual(['POST /flows', 'POST /inject/abc', 'POST /debug/enable']);
  });

  it('leaves a flow’s own http in endpoints to their flow: a webhook through a proxy, a form post', async () => {
    const proxied = { 'X-Forwarded-For': '203.0.113.7' };
    const hook = await request(`http://${hub}`).post('/webhooks/shop').set(proxied).type('form').send('a=1');
    expect([hook.status, hook.body]).toEqual([200, { ok: true }]);
    expect((await request(`http://${hub}`).get('/demo/gateways/sms/messages').set(proxied)).status).toBe(200);
    // the editor's own paths in any case and with a query are still the editor's
    for (const path of ['/', '/?x=1', '/FLOWS', '/flow/abc', '/crm-hub/policies', '/red/main.min.js']) {
      const res = await request(`http://${hub}`).get(path).set(proxied);
      expect([path, res.status]).toEqual([path, 403]);
    }
    expect(reached).toEqual(['POST /webhooks/shop', 'GET /demo/gateways/sms/messages']);
  });

  it('leaves the console and the hub’s endpoints to their own rules', async () => {
    const proxied = { 'X-Forwarded-For': '203.0.113.7' };
    expect((await request(`http://${hub}`).get('/console/api/session').set(proxied)).status).toBe(200);
    const endpoint = await request(`http://${hub}`).get('/api/v1/customers/web:77').set(proxied);
    expect(endpoint.body).toEqual({ node: '/api/v1/customers/web:77' });
    expect(reached).toEqual(['GET /console/api/session']);
  });
});
