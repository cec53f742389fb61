import { startHub, type RunningHub } from './hub-process';

/**
 * The editor's log-in (POST /auth/token) on the real hub, which answers it itself
 * (app/api/editor-login.ts): Node-RED refused the 6th attempt for a user name from anywhere within 10
 * minutes with a 500, so six wrong guesses kept the admin out of the editor. Behind a proxy
 * (CRM_HUB_TRUST_PROXY) the client's address comes from X-Forwarded-For, which stands in for the
 * attacker's and the admin's machines here.
 */
describe("the editor's log-in on a hub with credentials", () => {
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startHub({
      AMQP_URL: '',
      DATABASE_URL: '',
      CRM_HUB_ADMIN_USER: 'admin',
      CRM_HUB_ADMIN_PASSWORD: 'admin-secret',
      CRM_HUB_MARKETER_USER: 'mia',
      CRM_HUB_MARKETER_PASSWORD: 'mia-secret',
      CRM_HUB_TRUST_PROXY: 'loopback',
    });
  }, 150000);

  afterAll(async () => {
    await hub?.stop();
  });

  /** the editor's log-in, as its page posts it, from the client address `from` */
  const logIn = (fields: Record<string, string>, from = '192.0.2.1') =>
    fetch(`${hub.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
      body: new URLSearchParams({
        client_id: 'node-red-editor',
        grant_type: 'password',
        scope: '*',
        ...fields,
      }).toString(),
    });

  const flowsWith = async (token: string) =>
    (await fetch(`${hub.url}/flows`, { headers: { authorization: `Bearer ${token}` } })).status;

  it("gives the admin a token Node-RED's admin API takes, until it is revoked", async () => {
    const res = await logIn({ username: 'admin', password: 'admin-secret' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), expires_in: 604800, token_type: 'Bearer' });
    const token = body.access_token as string;
    expect(await flowsWith(token)).toBe(200);
    const revoked = await fetch(`${hub.url}/auth/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(revoked.status).toBe(200);
    expect(await flowsWith(token)).toBe(401);
  });

  it('makes an address that failed six times wait, with 429 and Retry-After, even with the right password', async () => {
    const attacker = '203.0.113.9';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await logIn({ username: 'admin', password: `guess-${i}` }, attacker)).status);
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429]);
    const res = await logIn({ username: 'admin', password: 'admin-secret' }, attacker);
    expect(res.status).toBe(429);
    const wait = Number(res.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(await res.json()).toEqual({
      error: 'too-many-attempts',
      message: expect.stringContaining('too many failed log-ins'),
      retryAfterSeconds: wait,
    });

    // the admin, elsewhere, is not locked out by them (Node-RED answered this one 500)
    const admin = await logIn({ username: 'admin', password: 'admin-secret' }, '198.51.100.7');
    expect(admin.status).toBe(200);
    expect(await flowsWith(((await admin.json()) as { access_token: string }).access_token)).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await logIn({ username: 'admin', password: 'admin-secret' }, '198.51.100.7')).status).toBe(200);
    }
  });

  it('gives the marketer no editor token', async () => {
    const res = await logIn({ username: 'mia', password: 'mia-secret' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid resource owner credentials',
    });
  });

  it('refuses another client or grant type with an OAuth2 error, before any password is checked', async () => {
    const client = await logIn({ client_id: 'someone', username: 'admin', password: 'admin-secret' });
    expect(client.status).toBe(401);
    expect(((await client.json()) as { error: string }).error).toBe('invalid_client');
    const grant = await logIn({
      grant_type: 'client_credentials',
      username: 'admin',
      password: 'admin-secret',
    });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'Unsupported grant type: client_credentials',
    });
    const missing = await logIn({ username: 'admin' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_request');
  });
});
