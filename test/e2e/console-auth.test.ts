import { launchChromium } from './browser';
import { startHub, type RunningHub } from './hub-process';

/**
 * The policy console on the real hub (settings.js, npm start): a marketer logs in to /console, but
 * neither their credentials (at the editor's /auth/token) nor their console session (at the admin API)
 * open the editor. The admin user logs in to the console as integrator and still gets an editor token.
 */
describe('policy console log-in on a hub with credentials', () => {
  const api = `Basic ${Buffer.from('api-user:api-secret').toString('base64')}`;
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startHub(
      {
        AMQP_URL: '',
        DATABASE_URL: '',
        CRM_HUB_ADMIN_USER: 'admin',
        CRM_HUB_ADMIN_PASSWORD: 'admin-secret',
        CRM_HUB_MARKETER_USER: 'mia',
        CRM_HUB_MARKETER_PASSWORD: 'mia-secret',
        CRM_HUB_API_USER: 'api-user',
        CRM_HUB_API_PASSWORD: 'api-secret',
      },
      { authorization: api },
    );
  }, 150000);

  afterAll(async () => {
    await hub?.stop();
  });

  /** the editor's log-in, as its page posts it */
  const token = (username: string, password: string) =>
    fetch(`${hub.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'node-red-editor',
        grant_type: 'password',
        scope: '*',
        username,
        password,
      }).toString(),
    });

  const consoleLogIn = async (username: string, password: string) => {
    const res = await fetch(`${hub.url}/console/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    return { res, cookie, body: (await res.json()) as Record<string, unknown> };
  };

  it('logs the marketer in to the console, and refuses their credentials at /auth/token', async () => {
    const { res, cookie, body } = await consoleLogIn('mia', 'mia-secret');
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ authRequired: true, user: 'mia', role: 'marketer' });
    const policies = await fetch(`${hub.url}/console/api/policies`, { headers: { cookie } });
    expect(policies.status).toBe(200);
    expect(await policies.json()).toEqual({ policies: expect.any(Array) });

    // Node-RED answers a password it does not know with 403, as for a wrong admin password
    const refused = await token('mia', 'mia-secret');
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('access_token');
    expect((await token('admin', 'mia-secret')).status).toBe(403);
  });

  it('does not accept the console session at the admin API or the policy switch of the editor', async () => {
    const { cookie } = await consoleLogIn('mia', 'mia-secret');
    for (const path of ['/flows', '/settings', '/nodes']) {
      const res = await fetch(`${hub.url}${path}`, { headers: { cookie, accept: 'application/json' } });
      expect(res.status).toBe(401);
    }
    const button = await fetch(`${hub.url}/crm-hub/policies/any-policy/state`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    expect(button.status).toBe(401);
  });

  it('logs the admin in to the console as integrator, and the admin still gets an editor token', async () => {
    const { res, body } = await consoleLogIn('admin', 'admin-secret');
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ user: 'admin', role: 'integrator' });
    const granted = await token('admin', 'admin-secret');
    expect(granted.status).toBe(200);
    const { access_token: accessToken } = (await granted.json()) as { access_token: string };
    const flows = await fetch(`${hub.url}/flows`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(flows.status).toBe(200);
  });

  it('streams live events to a console session through the admin app without buffering', async () => {
    const { cookie } = await consoleLogIn('mia', 'mia-secret');
    const controller = new AbortController();
    const res = await fetch(`${hub.url}/console/api/live`, {
      headers: { cookie },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain(': connected');
    controller.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('serves the console page beside the editor, with its own CSP, and no session without a log-in', async () => {
    const page = await fetch(`${hub.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    const session = await fetch(`${hub.url}/console/api/session`);
    expect(session.status).toBe(401);
    const wrong = await consoleLogIn('mia', 'admin-secret');
    expect(wrong.res.status).toBe(401);
  });

  it('answers a broken JSON body (which the admin app parses before the console) as JSON, without a stack', async () => {
    const res = await fetch(`${hub.url}/console/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": "mia", "password',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid-json' });
    expect(text).not.toMatch(/node_modules|at \w+ \(/);
  });

  it('shows the built console in Chromium without a single Content-Security-Policy violation', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ locale: 'de-DE' });
      const page = await context.newPage();
      await page.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { cspViolations: string[] }).cspViolations = seen;
        document.addEventListener('securitypolicyviolation', (e) =>
          seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
        );
      });
      const consoleErrors: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) consoleErrors.push(message.text());
      });
      await page.goto(`${hub.url}/console/`);
      // logged in through the page's own origin, so the cookie is the browser's; then the policy list
      // with its charts renders
      const login = await page.request.post(`${hub.url}/console/api/login`, {
        data: { username: 'mia', password: 'mia-secret' },
      });
      expect(login.status()).toBe(200);
      await page.reload();
      // the hub flow's policies, each with its switch and chart
      await page.waitForSelector('[data-policy-id] [role="switch"]', { timeout: 15000 });
      await page.waitForLoadState('networkidle');
      const violations = await page.evaluate(
        () => (window as unknown as { cspViolations: string[] }).cspViolations,
      );
      expect(violations).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  }, 60000);
});
