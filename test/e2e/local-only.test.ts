/**
 * The real hub without credentials (loopback, embedded bus and store): the editor, its WebSocket and
 * the flows' own endpoints serve no page of another site and no rebound host name
 * (app/api/local-only.ts, mounted by nodes/shared/local-only-mount.ts).
 */
import http from 'node:http';
import { startHub, type RunningHub } from './hub-process';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('hub without credentials: no other site, no rebound host name', () => {
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startHub({ AMQP_URL: '', DATABASE_URL: '' });
  }, 150000);

  afterAll(async () => {
    await hub?.stop();
  });

  /** a request with the headers as given (fetch would not send Host or Origin as they are) */
  const send = (path: string, headers: Record<string, string>, method = 'GET') =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request(`${hub.url}${path}`, { method, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  /** a WebSocket handshake: 101 when the server takes it, else its answer */
  const upgrade = (path: string, headers: Record<string, string>) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request(`${hub.url}${path}`, {
        agent: false,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version': '13',
          ...headers,
        },
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  const rebound = () => `rebound.evil.example:${hub.port}`;

  it("refuses the editor's WebSocket to another site's page and under a rebound host name", async () => {
    const foreign: Record<string, string>[] = [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Host: rebound(), Origin: `http://${rebound()}` },
      { Host: rebound() },
    ];
    for (const headers of foreign) {
      const refused = await upgrade('/comms', headers);
      expect([headers, refused.status]).toEqual([headers, 403]);
      expect(JSON.parse(refused.body)).toMatchObject({
        error: expect.stringMatching(/cross-origin|loopback-only/),
      });
    }
    // the editor's own page, by either name, and a client without a page
    expect((await upgrade('/comms', { Origin: hub.url })).status).toBe(101);
    expect(
      (await upgrade('/comms', { Host: `localhost:${hub.port}`, Origin: `http://localhost:${hub.port}` }))
        .status,
    ).toBe(101);
    expect((await upgrade('/comms', {})).status).toBe(101);
  });

  it("answers no other site's page on the admin API, and sends no CORS header", async () => {
    for (const path of ['/flows', '/diagnostics', '/crm-hub/policies']) {
      for (const origin of ['null', 'http://evil.example']) {
        const res = await send(path, { Origin: origin });
        expect([path, origin, res.status, JSON.parse(res.body).error]).toEqual([
          path,
          origin,
          403,
          'cross-origin',
        ]);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
      const own = await send(path, {});
      expect([path, own.status, own.headers['access-control-allow-origin']]).toEqual([path, 200, undefined]);
    }
    // a preflight gets no "allowed" either
    const preflight = await send(
      '/flows',
      { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const editor = await send('/', {});
    expect(editor.status).toBe(200);
    expect(editor.body).toContain('CRM Hub');
  });

  it("keeps the flows' own endpoints (the demo gateway) from rebound host names and other sites", async () => {
    const path = '/demo/gateways/sms/messages';
    const underRebound = await send(path, { Host: rebound() });
    expect([underRebound.status, JSON.parse(underRebound.body).error]).toEqual([403, 'loopback-only']);
    const otherSite = await send(path, { Origin: 'http://evil.example' });
    expect([otherSite.status, JSON.parse(otherSite.body).error]).toEqual([403, 'cross-origin']);
    const local = await send(path, {});
    expect(local.status).toBe(200);
    expect(local.headers['access-control-allow-origin']).toBeUndefined();
    expect(JSON.parse(local.body)).toMatchObject({ gateway: 'sms' });
  });

  it('looks up a WSDL for the editor nowhere but at a URL, the shipped ones and the user directory', async () => {
    const passwd = await send('/crm-hub/soap-request/operations?wsdl=/etc/passwd', {});
    expect(passwd.status).toBe(400);
    expect(passwd.body).not.toMatch(/root|Line|Char/);
    const shipped = await send('/crm-hub/soap-request/operations?wsdl=builtin:crm', {});
    expect(shipped.status).toBe(200);
  });
});
