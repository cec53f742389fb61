import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, startHub, type RunningHub } from './hub-process';

/**
 * Node-RED's admin app and its `http in` nodes parse a body before any credential is checked. A 4.7 KB
 * gzip of nested brackets, POSTed without credentials to /console/api/login or /flows, froze the hub
 * for seconds (settings.js guards them now, app/api/body-guard.ts); the editor's deploy still works.
 */
describe('request bodies on the real hub, before any credential is checked', () => {
  const api = `Basic ${Buffer.from('api-user:api-secret').toString('base64')}`;
  const nested = (levels: number) => `{"d":${'['.repeat(levels)}${']'.repeat(levels)}}`;
  const bomb = new Blob([new Uint8Array(gzipSync(nested(2_400_000)))]);
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startHub(
      {
        AMQP_URL: '',
        DATABASE_URL: '',
        CRM_HUB_ADMIN_USER: 'admin',
        CRM_HUB_ADMIN_PASSWORD: 'admin-secret',
        CRM_HUB_API_USER: 'api-user',
        CRM_HUB_API_PASSWORD: 'api-secret',
      },
      { authorization: api },
    );
  }, 150000);

  afterAll(async () => {
    await hub?.stop();
  });

  const post = (url: string, body: string | Blob, headers: Record<string, string> = {}) =>
    fetch(`${hub.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('refuses the gzip bomb with 415 on the console log-in, /flows and a flow http in endpoint', async () => {
    for (const [url, headers] of [
      ['/console/api/login', {}],
      ['/flows', {}],
      ['/demo/gateways/sms/messages', { authorization: api }],
    ] as const) {
      const res = await post(url, bomb, { 'content-encoding': 'gzip', ...headers });
      expect({ url, status: res.status, body: await res.json() }).toMatchObject({
        url,
        status: 415,
        body: { error: 'unsupported-encoding' },
      });
    }
  });

  it('refuses it uncompressed with 413 (16 KB for log-ins, 1 MiB elsewhere) and small but deep JSON with 400', async () => {
    const big = await post('/flows', nested(2_400_000));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: 'too-large', limit: 1024 * 1024 });
    const login = await post(
      '/console/api/login',
      JSON.stringify({ username: 'admin', password: 'x'.repeat(17_000) }),
    );
    expect(login.status).toBe(413);
    expect(await login.json()).toMatchObject({ error: 'too-large', limit: 16 * 1024 });
    const token = await post('/auth/token', `password=${'x'.repeat(17_000)}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(token.status).toBe(413);
    // chunked, with no length to judge by: counted as it comes, not left to Node-RED's 1 MiB form parser
    const chunks = [`username=admin&password=${'x'.repeat(17_000)}`, '&scope=*'];
    const chunked = await fetch(`${hub.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ error: 'too-large', limit: 16 * 1024 });
    // Node-RED's answer without a token would be 401: the nesting is refused before that, unparsed
    const deep = await post('/flows', nested(5000));
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ error: 'too-deep' });
  });

  it("still deploys the shipped flows from the editor's admin API", async () => {
    const tokenRes = await post(
      '/auth/token',
      new URLSearchParams({
        client_id: 'node-red-editor',
        grant_type: 'password',
        scope: '*',
        username: 'admin',
        password: 'admin-secret',
      }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(tokenRes.status).toBe(200);
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token}`, 'Node-RED-API-Version': 'v2' };
    const current = (await (await fetch(`${hub.url}/flows`, { headers: auth })).json()) as { rev: string };
    const shipped: unknown = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'hub.json'), 'utf8'));
    // as the editor sends a full deploy
    const body = JSON.stringify({ flows: shipped, rev: current.rev });
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    const deployed = await post('/flows', body, { ...auth, 'Node-RED-Deployment-Type': 'full' });
    expect(deployed.status).toBe(200);
    expect(await deployed.json()).toEqual({ rev: expect.any(String) });
  });
});
