/**
 * Without credentials the editor's admin API serves this machine only and takes no write from another
 * site's page (settings.js's httpAdminMiddleware with app/api/local-only.ts), as the console does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { localOnlyPages, refuseForeignUpgrades, type LocalOnlyParts } from '../../../../app/api/local-only';

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
    // the editor's cors({ origin: '*' }), ahead of the middleware as in Node-RED
    admin.use((_req, res, next) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      next();
    });
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

  it('serves no page of another site, reads included, and sends no CORS header', async () => {
    for (const origin of ['null', 'http://evil.example', `http://${hub.replace('127.0.0.1', 'localhost')}`]) {
      for (const path of ['/flows', '/diagnostics', '/crm-hub/policies']) {
        const res = await request(`http://${hub}`).get(path).set('Origin', origin);
        expect([origin, path, res.status, res.body.error]).toEqual([origin, path, 403, 'cross-origin']);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
    expect(reached).toEqual([]);
    const own = await request(`http://${hub}`).get('/flows').set('Origin', `http://${hub}`);
    expect(own.status).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
    const plain = await request(`http://${hub}`).get('/flows');
    expect([plain.status, plain.headers['access-control-allow-origin']]).toEqual([200, undefined]);
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

describe('localOnlyPages and refuseForeignUpgrades', () => {
  /** a server of Node-RED's shape: the check first, the editor's CORS header, an upgrade listener after */
  async function serve(parts: LocalOnlyParts) {
    const root = express();
    root.use(localOnlyPages(parts));
    root.use((_req, res, next) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      next();
    });
    root.use((req, res) => void res.json({ url: req.url }));
    const server = http.createServer(root);
    const upgraded: string[] = [];
    server.prependListener('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
      refuseForeignUpgrades(req, socket, parts);
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
      if (req.url !== '/comms' && req.url !== '/ws/feed') return;
      upgraded.push(req.url);
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const upgrade = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({
          port,
          host: '127.0.0.1',
          path,
          agent: false,
          headers: { Connection: 'Upgrade', Upgrade: 'websocket', ...headers },
        });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve(res.statusCode ?? 0);
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    return { port, upgrade, upgraded, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('refuses upgrades of another site or a rebound host name before the listeners after it see them', async () => {
    const hub = await serve({ editor: true, flows: true, flowCors: false });
    const own = `http://127.0.0.1:${hub.port}`;
    for (const path of ['/comms', '/ws/feed']) {
      expect(await hub.upgrade(path, { Origin: 'http://evil.example' })).toBe(403);
      expect(await hub.upgrade(path, { Host: `rebound.example:${hub.port}` })).toBe(403);
      expect(await hub.upgrade(path, { Origin: own })).toBe(101);
    }
    expect(hub.upgraded).toEqual(['/comms', '/ws/feed']);
    await hub.close();
  });

  it("leaves a part with credentials alone, and a flow endpoint's origins to httpNodeCors", async () => {
    const hub = await serve({ editor: false, flows: true, flowCors: true });
    expect(await hub.upgrade('/comms', { Origin: 'http://evil.example' })).toBe(101);
    const flow = await request(`http://127.0.0.1:${hub.port}`)
      .get('/hook')
      .set('Origin', 'http://shop.example');
    expect([flow.status, flow.headers['access-control-allow-origin']]).toEqual([200, '*']);
    const rebound = await request(`http://127.0.0.1:${hub.port}`).get('/hook').set('Host', 'rebound.example');
    expect([rebound.status, rebound.body.error]).toEqual([403, 'loopback-only']);
    const editor = await request(`http://127.0.0.1:${hub.port}`)
      .get('/flows')
      .set('Origin', 'http://evil.example');
    expect(editor.status).toBe(200);
    await hub.close();
  });
});
