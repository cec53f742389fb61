import http from 'node:http';
import { createVhost, deleteVhost, startHub, type RunningHub } from './hub-process';
import { randomUUID } from 'node:crypto';

/**
 * settings.js sends the hub's own endpoints past the editor's admin app (they have no admin route),
 * so this checks on the real hub that doing so skips no protection: with credentials configured the
 * endpoints still need the API user and the admin API still needs a token.
 */
describe('hub with credentials: endpoints and admin API stay protected', () => {
  const vhost = `crm-hub-auth-${randomUUID().slice(0, 8)}`;
  const api = `Basic ${Buffer.from('api-user:api-secret').toString('base64')}`;
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startHub(
      {
        AMQP_URL: createVhost(vhost),
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
    deleteVhost(vhost);
  });

  const NBO = '/api/v1/customers/crm%3A1/next-best-offer?channel=web&point=home&limit=3';

  it.each(['/healthz', '/soap/hub?wsdl', '/api/v1/customers/crm%3A1/offers?channel=web', NBO])(
    '%s answers 401 without the API user and serves it with the API user',
    async (endpoint) => {
      const anonymous = await fetch(`${hub.url}${endpoint}`);
      expect(anonymous.status).toBe(401);
      const wrong = await fetch(`${hub.url}${endpoint}`, {
        headers: { authorization: `Basic ${Buffer.from('api-user:nope').toString('base64')}` },
      });
      expect(wrong.status).toBe(401);
      for (const refused of [anonymous, wrong]) {
        expect(refused.headers.get('www-authenticate')).toBe('Basic realm="Authorization Required"');
        // the REST API and /healthz answer every error as JSON; SOAP keeps Node-RED's refusal
        if (endpoint.startsWith('/soap')) expect(refused.headers.get('content-type')).toMatch(/^text\/plain/);
        else expect(await refused.json()).toMatchObject({ error: 'unauthenticated' });
      }
      const allowed = await fetch(`${hub.url}${endpoint}`, { headers: { authorization: api } });
      expect(allowed.status).toBe(200);
    },
  );

  it('answers the next best offer through its fast path as through the route, and only with the API user', async () => {
    const answer = async (headers: Record<string, string>) => {
      const res = await fetch(`${hub.url}${NBO}`, { headers });
      const kept = [...res.headers].filter(([name]) => name !== 'date');
      return { status: res.status, headers: kept, body: await res.text() };
    };
    // the express route (a conditional request always goes there; this one matches nothing)
    const route = await answer({ authorization: api, 'if-none-match': '"not-this"' });
    expect(route.status).toBe(200);
    // the credentials were accepted above, so these take the fast path: the same answer
    expect(await answer({ authorization: api })).toEqual(route);
    expect(await answer({ authorization: api })).toEqual(route);
    expect((await answer({})).status).toBe(401);
    const wrong = `Basic ${Buffer.from('api-user:api-secret ').toString('base64')}`;
    expect((await answer({ authorization: wrong })).status).toBe(401);
  });

  it('answers SOAP through its fast path as through the route, and only with the API user', async () => {
    const envelope =
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:h="urn:crm-hub:hub:v1">' +
      '<s:Body><h:UpsertCustomer><h:customer><h:sourceSystem>web</h:sourceSystem>' +
      '<h:sourceId>nope</h:sourceId><h:tier>tin</h:tier></h:customer></h:UpsertCustomer></s:Body></s:Envelope>';
    // a raw request: the headers as they came, in their order, Date left out
    const answer = (method: string, target: string, headers: Record<string, string>, body?: string) =>
      new Promise<{ status: number; headers: string[]; body: string }>((resolve, reject) => {
        const req = http.request(`${hub.url}${target}`, { method, headers, agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const raw = res.rawHeaders;
            const kept: string[] = [];
            for (let i = 0; i < raw.length; i += 2)
              if (raw[i] !== 'Date') kept.push(`${raw[i]}: ${raw[i + 1]}`);
            resolve({ status: res.statusCode ?? 0, headers: kept, body: text });
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    const post = (authorization?: string) =>
      answer(
        'POST',
        '/soap/hub',
        { 'content-type': 'text/xml; charset=utf-8', ...(authorization ? { authorization } : {}) },
        envelope,
      );
    // Headers no request has sent before, which Node-RED's basic auth accepts all the same (the scheme
    // in any case, spaces before the credentials): the first request with each goes the long way.
    const encoded = Buffer.from('api-user:api-secret').toString('base64');
    const fresh = `BASIC ${encoded}`;
    const alsoFresh = `basic  ${encoded}`;
    const wsdl = await answer('GET', '/soap/hub?wsdl', { host: 'hub.test', authorization: fresh });
    expect(wsdl.status).toBe(200);
    expect(await answer('GET', '/soap/hub?wsdl', { host: 'hub.test', authorization: fresh })).toEqual(wsdl);
    // a client fault from validation: the same bytes the long way and the fast way
    const fault = await post(alsoFresh);
    expect(fault.status).toBe(500);
    expect(fault.body).toContain('tier');
    expect(await post(alsoFresh)).toEqual(fault);
    expect(await post(api)).toEqual(fault);
    // no CORS header on the hub's endpoints (app/api/cross-origin.ts)
    expect(fault.headers[0]).toBe('Content-Type: text/xml; charset=utf-8');
    expect((await post()).status).toBe(401);
    // a name of its own: the API user's wrong guesses of the tests before are counted per
    // (address, user), and past five this address gets 429 for that user (app/console/login-limiter.ts)
    expect((await post(`Basic ${Buffer.from('someone-else:nope').toString('base64')}`)).status).toBe(401);
  });

  it("asks an admin route for the token beside the API user's Basic credentials, and takes it there", async () => {
    const login = await fetch(`${hub.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'node-red-admin',
        grant_type: 'password',
        scope: '*',
        username: 'admin',
        password: 'admin-secret',
      }),
    });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const noToken = await fetch(`${hub.url}/api/v1/reviews`, { headers: { authorization: api } });
    expect(noToken.status).toBe(401);
    const advice = (await noToken.json()) as { error: string; message: string };
    expect(advice.error).toBe('unauthenticated');
    expect(advice.message).toContain('?access_token=');
    // the bearer header alone is refused by the API user's check, in JSON, saying where the token goes
    const bearer = await fetch(`${hub.url}/api/v1/reviews`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(401);
    expect(((await bearer.json()) as { message: string }).message).toContain('?access_token=');
    const both = await fetch(`${hub.url}/api/v1/reviews?access_token=${encodeURIComponent(token)}`, {
      headers: { authorization: api },
    });
    expect(both.status).not.toBe(401);
    expect(both.status).not.toBe(403);
  });

  it("answers OPTIONS with each resource's own methods, and 404 where there is none", async () => {
    const allow = async (path: string) => {
      const res = await fetch(`${hub.url}${path}`, { method: 'OPTIONS' });
      return { status: res.status, allow: res.headers.get('allow') };
    };
    const process = '/api/v1/customers/crm:1/processes/3f2e1d0c-9b8a-4765-a432-10fedcba9876';
    expect(await allow(process)).toEqual({ status: 204, allow: 'GET, HEAD, PUT' });
    expect(await allow('/api/v1/events')).toEqual({ status: 204, allow: 'POST' });
    expect(await allow('/api/v1/dead-letters/x')).toEqual({ status: 204, allow: 'GET, HEAD, DELETE' });
    expect(await allow('/healthz')).toEqual({ status: 204, allow: 'GET, HEAD' });
    const unknown = await fetch(`${hub.url}/api/v1/nonexistent`, { method: 'OPTIONS' });
    expect({ status: unknown.status, body: await unknown.json() }).toMatchObject({
      status: 404,
      body: { error: 'not-found' },
    });
  });

  it('keeps the admin API behind its token and still serves the editor', async () => {
    expect((await fetch(`${hub.url}/flows`)).status).toBe(401);
    expect((await fetch(`${hub.url}/flows`, { headers: { authorization: api } })).status).toBe(401);
    const editor = await fetch(`${hub.url}/`);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain('CRM Hub');
  });
});
