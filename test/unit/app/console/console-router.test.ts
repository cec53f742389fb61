import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import express from 'express';
import request from 'supertest';
import type { PoliciesBackend } from '../../../../app/api/policies-api';
import { createConsoleRouter, type ConsoleRouterOptions } from '../../../../app/console/console-router';
import { LoginLimiter } from '../../../../app/console/login-limiter';
import { compileCard, type PolicyCard } from '../../../../policies/card';
import { PolicyEngine } from '../../../../policies/engine';
import { PolicyRegistry } from '../../../../policies/registry';
import type { PolicyReport } from '../../../../policies/response-ledger';
import type { Customer } from '../../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../../../records/golden-intake';
import { addressChangeCard, platinumCard, withdrawalEvent } from '../../policies/fixtures';

const platinum = compileCard(platinumCard);
/** a campaign in December, on weekdays in Berlin office hours, with half the customers held out */
const adventCard: PolicyCard = {
  policy: 'advent-calendar',
  title: { de: 'Adventskalender', en: 'Advent calendar' },
  when: 'event withdrawal',
  then: 'call-task to sales-rep within 1d',
  limits: { 'per-customer': '1 per 1d' },
  schedule: {
    from: '2026-12-01',
    to: '2026-12-31',
    hours: 'Mon-Fri 09:00-18:00',
    'time-zone': 'Europe/Berlin',
  },
  holdout: '50%',
  priority: 40,
};
const mortgage = compileCard(addressChangeCard);
const USERS = [
  { username: 'anna', passwordHash: bcrypt.hashSync('anna-secret', 4), role: 'marketer' },
  { username: 'ivo', passwordHash: bcrypt.hashSync('ivo-secret', 4), role: 'integrator' },
];

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `crm-hub-console-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}
const stores: EmbeddedStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  app: express.Express;
  registry: PolicyRegistry;
  store: EmbeddedStore;
  reportsAsked: { policyIds: string[]; days?: number }[];
  evaluate(eventId: string, ref: string, tier: string, currency?: string): void;
}

async function setup(options: Partial<ConsoleRouterOptions> & { built?: boolean } = {}): Promise<Setup> {
  const states = new Map<string, boolean>();
  const store = new EmbeddedStore({ directory: tempDir('store') });
  await store.open();
  stores.push(store);
  const registry = new PolicyRegistry({
    switches: {
      isEnabled: (id) => states.get(id) ?? true,
      setEnabled: async (id, enabled) => void states.set(id, enabled),
    },
    store: () => store,
  });
  registry.declare(platinum, { kind: 'node', id: 'n1', engineId: 'eng' });
  registry.declare(mortgage, { kind: 'node', id: 'n2', engineId: 'eng' });
  const reportsAsked: Setup['reportsAsked'] = [];
  const backend: PoliciesBackend = {
    registry,
    authConfigured: () => false,
    contactPolicy: () => ({}),
    reports: async (asked) => {
      reportsAsked.push(asked);
      return new Map(asked.policyIds.map((id) => [id, { policyId: id } as unknown as PolicyReport]));
    },
  };
  const engine = new PolicyEngine();
  engine.register(platinum);
  engine.register(mortgage);
  const staticDir = tempDir('dist');
  if (options.built !== false) {
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>console</title>');
    fs.writeFileSync(path.join(staticDir, 'app.js'), 'console.log(1)');
  }
  const app = express();
  app.set('trust proxy', true); // so a test can come from another address via X-Forwarded-For
  // as Node-RED's admin app answers every request
  app.use((_req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    next();
  });
  app.use(
    '/console',
    createConsoleRouter({
      users: USERS,
      policies: () => backend,
      store: () => store,
      staticDir,
      ...options,
    }),
  );
  return {
    app,
    registry,
    store,
    reportsAsked,
    evaluate: (eventId, ref, tier, currency = 'EUR') => {
      const event = { ...withdrawalEvent(eventId, ref, 12000), amount: { value: 12000, currency } } as never;
      const result = engine.evaluate(event, {
        customer: { tier },
        isEnabled: (id) => states.get(id) ?? true,
      });
      registry.observe('eng', event, result);
    },
  };
}

/** Anna as one of her systems sends her; the tax id links her records into one golden record. */
function annaIn(system: string, id: string): Customer {
  return {
    schemaVersion: '1.0',
    customerRef: `${system}:${id}`,
    kind: 'person',
    person: { givenName: 'Anna', familyName: 'Schmidt' },
    identifiers: [
      { system, id },
      { system: 'tax-id', id: '12345678901' },
    ],
    updatedAt: '2026-11-20T10:00:00Z',
    source: { system },
  };
}

/** Logs in and answers the cookie header and the CSRF token to send along. */
async function logIn(app: express.Express, username = 'anna', password = `${username}-secret`) {
  const res = await request(app).post('/console/api/login').send({ username, password });
  expect(res.status).toBe(200);
  const cookie = String(res.headers['set-cookie'][0]).split(';')[0];
  return { cookie, csrf: res.body.csrfToken as string, body: res.body };
}

describe('console page and files', () => {
  it('serves index.html at /console and /console/ with the security headers, never cached', async () => {
    const { app } = await setup();
    for (const url of ['/console', '/console/']) {
      const res = await request(app).get(url);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('<title>console</title>');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('serves the bundle under /console/assets, revalidated, and a JSON 404 for what is not there', async () => {
    const { app } = await setup();
    const js = await request(app).get('/console/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('no-cache');
    expect(js.headers['content-security-policy']).toBeDefined();
    const missing = await request(app).get('/console/assets/nothing.js');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not-found' });
    const escape = await request(app).get('/console/assets/..%2f..%2fpackage.json');
    expect(escape.status).toBe(404);
    for (const url of [
      '/console/assets/%2e%2e/%2e%2e/package.json',
      '/console/assets/..%5c..%5cpackage.json',
      '/console/assets/%2e%2e%2findex.html',
      '/console/assets/.env',
    ]) {
      const res = await request(app).get(url);
      expect([url, res.status, res.headers['content-type']]).toEqual([
        url,
        404,
        expect.stringMatching(/^application\/json/),
      ]);
    }
  });

  it('answers 503 naming npm run build while the console is not built', async () => {
    const { app } = await setup({ built: false });
    const res = await request(app).get('/console/');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: 'console-not-built',
      message: expect.stringContaining('npm run build'),
    });
  });
});

describe('console log-in and session', () => {
  it('logs in with a session cookie that is HttpOnly, SameSite=Strict and scoped to /console', async () => {
    const { app } = await setup();
    const res = await request(app)
      .post('/console/api/login')
      .send({ username: 'anna', password: 'anna-secret' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      authRequired: true,
      user: 'anna',
      role: 'marketer',
      csrfToken: expect.any(String),
    });
    const cookie = String(res.headers['set-cookie'][0]);
    expect(cookie).toMatch(/^crmhub_console=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/console');
    expect(cookie).not.toContain('Secure');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('scopes the cookie to where the console is mounted, e.g. below an admin root of /admin', async () => {
    const app = express();
    app.use(
      '/admin/console',
      createConsoleRouter({
        users: USERS,
        policies: () => undefined,
        store: () => undefined,
        staticDir: tempDir('none'),
      }),
    );
    const res = await request(app)
      .post('/admin/console/api/login')
      .send({ username: 'anna', password: 'anna-secret' });
    expect(res.status).toBe(200);
    expect(String(res.headers['set-cookie'][0])).toContain('Path=/admin/console;');
    const cookie = String(res.headers['set-cookie'][0]).split(';')[0];
    const policies = await request(app).get('/admin/console/api/policies').set('Cookie', cookie);
    expect(policies.status).toBe(503);
    expect(policies.body.error).toBe('no-policies');
  });

  it('marks the cookie Secure over https', async () => {
    const { app } = await setup();
    const res = await request(app)
      .post('/console/api/login')
      .set('X-Forwarded-Proto', 'https')
      .send({ username: 'anna', password: 'anna-secret' });
    expect(String(res.headers['set-cookie'][0])).toContain('; Secure');
  });

  it('answers the session to its cookie, and 401 without one or after log-out', async () => {
    const { app } = await setup();
    const { cookie, csrf } = await logIn(app, 'ivo');
    const session = await request(app).get('/console/api/session').set('Cookie', cookie);
    expect(session.status).toBe(200);
    expect(session.body).toEqual({ authRequired: true, user: 'ivo', role: 'integrator', csrfToken: csrf });
    const none = await request(app).get('/console/api/session');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: 'unauthenticated', message: expect.any(String) });
    expect((await request(app).get('/console/api/policies')).status).toBe(401);
    expect(
      (
        await request(app)
          .get('/console/api/policies')
          .set('Cookie', 'crmhub_console=forged-1234567890abcdef')
      ).status,
    ).toBe(401);

    const out = await request(app)
      .post('/console/api/logout')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'][0])).toContain('Max-Age=0');
    expect((await request(app).get('/console/api/session').set('Cookie', cookie)).status).toBe(401);
  });

  it('refuses wrong credentials with 401 invalid-credentials, unknown users alike', async () => {
    const { app } = await setup();
    for (const body of [
      { username: 'anna', password: 'wrong' },
      { username: 'nobody', password: 'anna-secret' },
      { username: 'anna' },
      {},
    ]) {
      const res = await request(app).post('/console/api/login').send(body);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid-credentials', message: 'user name or password is wrong' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a log-in that is not JSON (an HTML form from another site)', async () => {
    const { app } = await setup();
    const res = await request(app)
      .post('/console/api/login')
      .type('form')
      .send('username=anna&password=anna-secret');
    expect(res.status).toBe(415);
    expect(res.body.error).toBe('unsupported-media-type');
  });

  it('rate-limits after 5 failures for a user from an address: 429 with Retry-After there, even for the right password', async () => {
    const { app } = await setup();
    for (let i = 0; i < 5; i++) {
      const res = await request(app)
        .post('/console/api/login')
        .set('X-Forwarded-For', '10.1.1.1')
        .send({ username: 'anna', password: `guess${i}` });
      expect(res.status).toBe(401);
    }
    const refused = await request(app)
      .post('/console/api/login')
      .set('X-Forwarded-For', '10.1.1.1')
      .send({ username: 'anna', password: 'anna-secret' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: 'too-many-attempts',
      message: expect.any(String),
      retryAfterSeconds: expect.any(Number),
    });
    expect(Number(refused.headers['retry-after'])).toBe(refused.body.retryAfterSeconds);
    expect(refused.body.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(refused.body.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    // the attacker locked out only himself: anna logs in from her own address, ivo from his
    for (const [address, username] of [
      ['10.1.1.2', 'anna'],
      ['10.1.1.1', 'ivo'],
    ]) {
      const other = await request(app)
        .post('/console/api/login')
        .set('X-Forwarded-For', address)
        .send({ username, password: `${username}-secret` });
      expect([address, username, other.status]).toEqual([address, username, 200]);
    }
  });

  it('rate-limits one address after 20 failures over any names', async () => {
    const { app } = await setup({ limiter: new LoginLimiter() });
    for (let i = 0; i < 20; i++) {
      await request(app)
        .post('/console/api/login')
        .set('X-Forwarded-For', '10.2.0.1')
        .send({ username: `guess${i}`, password: 'x' });
    }
    const refused = await request(app)
      .post('/console/api/login')
      .set('X-Forwarded-For', '10.2.0.1')
      .send({ username: 'ivo', password: 'ivo-secret' });
    expect(refused.status).toBe(429);
  });

  it('bounds the failures for one user from all addresses, but lets her in from an address she used', async () => {
    const { app } = await setup({ limiter: new LoginLimiter({ maxUserFailures: 10 }) });
    const logIn = (address: string, password: string) =>
      request(app)
        .post('/console/api/login')
        .set('X-Forwarded-For', address)
        .send({ username: 'anna', password });
    expect((await logIn('10.3.9.9', 'anna-secret')).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await logIn(`10.3.0.${i}`, `guess${i}`)).status).toBe(401);
    expect((await logIn('10.3.1.1', 'anna-secret')).status).toBe(429);
    expect((await logIn('10.3.9.9', 'anna-secret')).status).toBe(200);
  });

  it('refuses bodies over 16 kB with 413', async () => {
    const { app } = await setup();
    const res = await request(app)
      .post('/console/api/login')
      .send({ username: 'anna', password: 'x'.repeat(17 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('too-large');
  });

  it('answers 503 for every API call while crmHub.consoleUsers is wrong, never opening up', async () => {
    const warned: string[] = [];
    const { app } = await setup({
      users: [{ username: 'anna', passwordHash: 'plain', role: 'marketer' }],
      warn: (message) => void warned.push(message),
    });
    const res = await request(app).get('/console/api/session');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: 'console-misconfigured',
      message: expect.stringContaining('settings.js'),
    });
    // the details (and the user names in them) go to the hub's log, not to whoever asks
    expect(res.text).not.toContain('anna');
    expect(warned).toEqual([expect.stringMatching(/user anna: passwordHash must be a bcrypt hash/)]);
    expect((await request(app).get('/console/api/policies')).status).toBe(503);
  });

  it('counts parallel log-in attempts before checking them, so a burst gets no more than 5 guesses', async () => {
    const { app } = await setup({ limiter: new LoginLimiter() });
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        request(app)
          .post('/console/api/login')
          .set('X-Forwarded-For', '10.5.0.1')
          .send({ username: 'anna', password: `guess${i}` }),
      ),
    );
    const statuses = burst.map((res) => res.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('does not count a correct log-in against its address', async () => {
    const { app } = await setup({ limiter: new LoginLimiter() });
    // an office behind one address: more than 5 good log-ins within 15 minutes are fine
    for (let i = 0; i < 7; i++) {
      const res = await request(app)
        .post('/console/api/login')
        .set('X-Forwarded-For', '10.4.0.1')
        .send({ username: i % 2 ? 'ivo' : 'anna', password: i % 2 ? 'ivo-secret' : 'anna-secret' });
      expect(res.status).toBe(200);
    }
  });

  it('gives a new session id at log-in and ends the one the request came with (session fixation)', async () => {
    const { app } = await setup();
    const first = await logIn(app, 'anna');
    const again = await request(app)
      .post('/console/api/login')
      .set('Cookie', first.cookie)
      .send({ username: 'ivo', password: 'ivo-secret' });
    expect(again.status).toBe(200);
    const second = String(again.headers['set-cookie'][0]).split(';')[0];
    expect(second).not.toBe(first.cookie);
    expect(again.body.csrfToken).not.toBe(first.csrf);
    expect((await request(app).get('/console/api/session').set('Cookie', first.cookie)).status).toBe(401);
    const now = await request(app).get('/console/api/session').set('Cookie', second);
    expect(now.body).toMatchObject({ user: 'ivo', role: 'integrator' });
  });

  it('needs the CSRF token to log out, and never puts a password hash in an answer', async () => {
    const { app } = await setup();
    const { cookie, csrf, body } = await logIn(app, 'ivo');
    expect(JSON.stringify(body)).not.toMatch(/\$2[aby]\$/);
    const forged = await request(app).post('/console/api/logout').set('Cookie', cookie);
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual({ error: 'csrf', message: expect.any(String) });
    expect((await request(app).get('/console/api/session').set('Cookie', cookie)).status).toBe(200);
    const out = await request(app)
      .post('/console/api/logout')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'][0])).toMatch(
      /^crmhub_console=; Path=\/console; HttpOnly; SameSite=Strict/,
    );
  });

  it('answers a body the parser refuses as a JSON 4xx, not a 500', async () => {
    const { app } = await setup();
    const res = await request(app)
      .post('/console/api/login')
      .set('Content-Type', 'application/json; charset=klingon')
      .send('{"username":"anna","password":"x"}');
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ error: 'unsupported-media-type', message: expect.any(String) });
    const broken = await request(app)
      .post('/console/api/login')
      .set('Content-Type', 'application/json')
      .send('{"user');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('invalid-json');
  });

  it('refuses a body that is no UTF-8, or UTF-16, instead of reading a user name with U+FFFD in it', async () => {
    const { app } = await setup();
    const latin1 = await request(app)
      .post('/console/api/login')
      .set('Content-Type', 'application/json')
      .serialize((body: unknown) => body as string)
      .send(Buffer.from('{"username":"J\xfcrgen","password":"x"}', 'latin1'));
    expect(latin1.status).toBe(400);
    expect(latin1.body).toEqual({
      error: 'invalid-encoding',
      message: expect.stringContaining('byte 14 (0xFC)'),
    });
    const utf16 = await request(app)
      .post('/console/api/login')
      .set('Content-Type', 'application/json; charset=utf-16le')
      .serialize((body: unknown) => body as string)
      .send(Buffer.from('{"username":"anna","password":"anna-secret"}', 'utf16le'));
    expect(utf16.status).toBe(415);
    expect(utf16.body.error).toBe('unsupported-media-type');
  });
});

describe('console without users (loopback development)', () => {
  it('gives a loopback client an anonymous integrator session with a CSRF token', async () => {
    const { app } = await setup({ users: undefined });
    const res = await request(app).get('/console/api/session').set('Host', '127.0.0.1:1880');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      authRequired: false,
      user: 'anonymous',
      role: 'integrator',
      csrfToken: expect.any(String),
    });
    const cookie = String(res.headers['set-cookie'][0]).split(';')[0];
    const put = await request(app)
      .put(`/console/api/policies/${platinum.id}/state`)
      .set('Host', '127.0.0.1:1880')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', res.body.csrfToken)
      .send({ enabled: false });
    expect(put.status).toBe(200);
    expect(put.body.audit).toMatchObject({ user: 'anonymous', via: 'console' });
    const noToken = await request(app)
      .put(`/console/api/policies/${platinum.id}/state`)
      .set('Host', '127.0.0.1:1880')
      .send({ enabled: true });
    expect(noToken.status).toBe(403);
  });

  it('serves no client from beyond loopback, nor a page under a foreign host name (DNS rebinding)', async () => {
    const { app } = await setup({ users: [] });
    const remote = await request(app).get('/console/api/session').set('X-Forwarded-For', '10.0.0.5');
    expect(remote.status).toBe(403);
    expect(remote.body).toEqual({
      error: 'loopback-only',
      message: expect.stringContaining('CRM_HUB_MARKETER_USER'),
    });
    const rebound = await request(app).get('/console/api/session').set('Host', 'evil.example:1880');
    expect(rebound.status).toBe(403);
    expect(rebound.headers['set-cookie']).toBeUndefined();
    const login = await request(app).post('/console/api/login').send({ username: 'a', password: 'b' });
    expect(login.status).toBe(400);
    expect(login.body.error).toBe('no-login');
  });

  it('serves no proxied request, whatever it claims (a reverse proxy on this machine is loopback too)', async () => {
    const { app } = await setup({ users: [] });
    for (const [name, value] of [
      ['X-Forwarded-For', '127.0.0.1'],
      ['Forwarded', 'for=127.0.0.1'],
      ['X-Real-IP', '127.0.0.1'],
    ]) {
      const res = await request(app)
        .get('/console/api/session')
        .set('Host', '127.0.0.1:1880')
        .set(name, value);
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('loopback-only');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });
});

describe('console policies', () => {
  it('lists every deployed policy with counts, report and the card in plain language', async () => {
    const { app, evaluate, reportsAsked } = await setup();
    evaluate('e-1', 'crm:1', 'platinum');
    const { cookie } = await logIn(app);
    const res = await request(app).get('/console/api/policies').set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.body.policies.map((p: { policyId: string }) => p.policyId)).toEqual([
      mortgage.id,
      platinum.id,
    ]);
    const view = res.body.policies[1];
    expect(view).toMatchObject({
      policyId: platinum.id,
      title: platinumCard.title,
      enabled: true,
      priority: 80,
      counts: { today: { fired: 1 } },
      report: { policyId: platinum.id },
      plain: { de: expect.any(String), en: expect.any(String) },
    });
    expect(view.plain.en.length).toBeGreaterThan(20);
    expect(view.plain.de).not.toBe(view.plain.en);
    expect(reportsAsked[0]).toEqual({ policyIds: [mortgage.id, platinum.id] });
  });

  it('answers one policy with its report over ?days, 404 and 400 as the REST API does', async () => {
    const { app, reportsAsked } = await setup();
    const { cookie } = await logIn(app);
    const one = await request(app).get(`/console/api/policies/${platinum.id}?days=30`).set('Cookie', cookie);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ policyId: platinum.id, plain: { en: expect.any(String) } });
    expect(reportsAsked.at(-1)).toEqual({ policyIds: [platinum.id], days: 30 });
    const unknown = await request(app).get('/console/api/policies/no-such-policy').set('Cookie', cookie);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown-policy');
    const bad = await request(app).get(`/console/api/policies/${platinum.id}?days=365`).set('Cookie', cookie);
    expect(bad.status).toBe(400);
    const odd = await request(app)
      .get(`/console/api/policies/${platinum.id}?days[toString]=1`)
      .set('Cookie', cookie);
    expect([odd.status, odd.body.error]).toEqual([400, 'invalid-days']);
    for (const id of ['%FF', '%C0%AE', '%ED%A0%80']) {
      const path = await request(app).get(`/console/api/policies/${id}`).set('Cookie', cookie);
      expect([id, path.status, path.body.error]).toEqual([id, 400, 'invalid-path']);
    }
  });

  it('gives a card its limits, schedule and control group in plain words, in both languages', async () => {
    const { app, registry } = await setup();
    registry.declare(compileCard(adventCard), { kind: 'node', id: 'n3', engineId: 'eng' });
    const { cookie } = await logIn(app);
    const res = await request(app).get(`/console/api/policies/${adventCard.policy}`).set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.body.plainDetails.en).toEqual(
      expect.arrayContaining([
        'Per customer: at most 1 action per day',
        'Active from December 1, 2026 to December 31, 2026 at Mon-Fri 09:00-18:00 (Europe/Berlin)',
        'Control group: 50% of customers get no action',
      ]),
    );
    expect(res.body.plainDetails.de).toEqual(
      expect.arrayContaining([
        'Pro Kunde: höchstens 1 Aktion pro Tag',
        expect.stringMatching(/^Aktiv vom 1\. Dezember 2026 bis 31\. Dezember 2026 .*\(Europe\/Berlin\)$/),
        'Kontrollgruppe: 50 % der Kunden erhalten keine Aktion',
      ]),
    );
  });

  it("tells whether a card's schedule lets it act now, judged by the card's own schedule", async () => {
    let now = Date.parse('2026-11-30T12:00:00Z');
    const { app, registry } = await setup({ clock: () => now });
    registry.declare(compileCard(adventCard), { kind: 'node', id: 'n3', engineId: 'eng' });
    const { cookie } = await logIn(app);
    const scheduleAt = async (iso: string) => {
      now = Date.parse(iso);
      const res = await request(app).get('/console/api/policies').set('Cookie', cookie);
      expect(res.status).toBe(200);
      const views = res.body.policies as { policyId: string; schedule?: unknown }[];
      // a card without a schedule acts whenever it is on: it carries none
      expect(views.filter((v) => v.schedule !== undefined).map((v) => v.policyId)).toEqual([
        adventCard.policy,
      ]);
      return views.find((v) => v.policyId === adventCard.policy)?.schedule;
    };
    // 23:00 in Berlin on November 30: the period begins at the next local midnight
    expect(await scheduleAt('2026-11-30T22:00:00Z')).toEqual({
      active: false,
      state: 'not-started',
      at: '2026-11-30T22:00:00.000Z',
    });
    // Tuesday, December 1, 10:00 in Berlin
    expect(await scheduleAt('2026-12-01T09:00:00Z')).toMatchObject({ active: true, state: 'active' });
    // Saturday, December 5: inside the period, outside Mon-Fri
    expect(await scheduleAt('2026-12-05T10:00:00Z')).toMatchObject({ active: false, state: 'outside-hours' });
    // Tuesday 19:00 in Berlin: after 18:00
    expect(await scheduleAt('2026-12-01T18:00:00Z')).toMatchObject({ active: false, state: 'outside-hours' });
    // the whole of December 31 counts, until midnight in Berlin
    expect(await scheduleAt('2026-12-31T16:59:00Z')).toMatchObject({ active: true });
    expect(await scheduleAt('2026-12-31T23:00:00Z')).toMatchObject({ active: false, state: 'ended' });
    now = Date.parse('2026-12-05T10:00:00Z');
    const one = await request(app).get(`/console/api/policies/${adventCard.policy}`).set('Cookie', cookie);
    expect(one.body.schedule).toMatchObject({ active: false, state: 'outside-hours' });
  });

  it('switches with the CSRF token, as the session user via console, and audits it across policies', async () => {
    const { app, registry } = await setup();
    const { cookie, csrf } = await logIn(app);
    const path_ = `/console/api/policies/${platinum.id}/state`;
    const none = await request(app).put(path_).set('Cookie', cookie).send({ enabled: false });
    expect(none.status).toBe(403);
    expect(none.body).toEqual({ error: 'csrf', message: expect.stringContaining('x-csrf-token') });
    const wrong = await request(app)
      .put(path_)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', `${csrf}x`)
      .send({ enabled: false });
    expect(wrong.status).toBe(403);
    expect(registry.get(platinum.id)?.enabled).toBe(true);

    const off = await request(app)
      .put(path_)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .set('X-Forwarded-For', '10.3.0.7')
      .send({ enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      policyId: platinum.id,
      enabled: false,
      previous: true,
      audit: { user: 'anna', via: 'console', remoteAddress: '10.3.0.7', enabled: false },
    });
    expect(registry.get(platinum.id)?.enabled).toBe(false);
    await request(app)
      .put(`/console/api/policies/${mortgage.id}/state`)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ enabled: false });

    const audit = await request(app).get('/console/api/audit?limit=10').set('Cookie', cookie);
    expect(audit.status).toBe(200);
    expect(
      audit.body.entries.map((e: { policyId: string; user: string; via: string }) => [
        e.policyId,
        e.user,
        e.via,
      ]),
    ).toEqual([
      [mortgage.id, 'anna', 'console'],
      [platinum.id, 'anna', 'console'],
    ]);
    const one = await request(app).get('/console/api/audit?limit=1').set('Cookie', cookie);
    expect(one.body.entries).toHaveLength(1);
    expect((await request(app).get('/console/api/audit?limit=0').set('Cookie', cookie)).status).toBe(400);

    const bad = await request(app)
      .put(path_)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ enabled: 'no' });
    expect(bad.status).toBe(400);
    const unknown = await request(app)
      .put('/console/api/policies/nothing-here/state')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ enabled: true });
    expect(unknown.status).toBe(404);
  });

  it('does not take the CSRF token of another session', async () => {
    const { app } = await setup();
    const anna = await logIn(app);
    const ivo = await logIn(app, 'ivo');
    const res = await request(app)
      .put(`/console/api/policies/${platinum.id}/state`)
      .set('Cookie', anna.cookie)
      .set('X-CSRF-Token', ivo.csrf)
      .send({ enabled: false });
    expect(res.status).toBe(403);
  });
});

describe('console dry-run limits', () => {
  it('runs one dry-run per session and two in all at a time, answering 429 dry-run-busy beyond', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const realStore = await (async () => (await setup()).store)();
    // a store whose first page of events waits until the test lets it go
    const slowStore = new Proxy(realStore, {
      get(target, name, receiver) {
        if (name === 'listInteractionsBetween') {
          return async (...args: unknown[]) => {
            started += 1;
            await held;
            return (target.listInteractionsBetween as (...a: unknown[]) => unknown)(...args);
          };
        }
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { app } = await setup({ store: () => slowStore });
    const anna = await logIn(app);
    const ivo = await logIn(app, 'ivo');
    const third = await logIn(app);
    const dryRun = (who: { cookie: string; csrf: string }) =>
      request(app)
        .post('/console/api/dry-run')
        .set('Cookie', who.cookie)
        .set('X-CSRF-Token', who.csrf)
        .send({ policyId: platinum.id, from: '2025-01-01', to: '2025-02-01' });
    const first = dryRun(anna).then((res) => res);
    const second = dryRun(ivo).then((res) => res);
    while (started < 2) await new Promise((resolve) => setImmediate(resolve));
    const sameSession = await dryRun(anna);
    expect(sameSession.status).toBe(429);
    expect(sameSession.body).toEqual({ error: 'dry-run-busy', message: expect.any(String) });
    const full = await dryRun(third);
    expect(full.status).toBe(429);
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await dryRun(third)).status).toBe(200);
  });
});

describe('console dry-run, explain and customer view', () => {
  it('dry-runs a deployed card and a draft over recorded events', async () => {
    const { app, store } = await setup();
    for (const [eventId, ref] of [
      ['w-1', 'crm:1'],
      ['w-2', 'crm:2'],
    ]) {
      await store.recordInteraction({
        eventId,
        customerRef: ref,
        type: 'withdrawal',
        channel: 'branch',
        occurredAt: '2025-01-06T10:00:00.000Z',
        summary: { amount: { value: 12000, currency: 'EUR' } },
      });
      await store.putCustomer({
        customerRef: ref,
        document: { tier: ref === 'crm:1' ? 'platinum' : 'gold' },
        updatedAt: '2025-01-01T00:00:00.000Z',
        sourceSystem: 'crm',
      });
    }
    const { cookie, csrf } = await logIn(app);
    const period = { from: '2025-01-01', to: '2025-02-01' };
    const deployed = await request(app)
      .post('/console/api/dry-run')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ policyId: platinum.id, ...period });
    expect(deployed.status).toBe(200);
    expect(deployed.body).toMatchObject({ policyId: platinum.id, events: 2, wouldFire: 1 });
    const draft = await request(app)
      .post('/console/api/dry-run')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({
        card: 'policy: any-large-withdrawal\ntitle: { de: "Große Abhebung", en: "Large withdrawal" }\nwhen: event withdrawal where amount.value > 10000\nthen: call-task to sales-rep within 1d\npriority: 10\n',
        ...period,
      });
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({ policyId: 'any-large-withdrawal', wouldFire: 2 });
    const invalid = await request(app)
      .post('/console/api/dry-run')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ card: 'policy: x\n', ...period });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toBe('invalid-card');
    const noToken = await request(app)
      .post('/console/api/dry-run')
      .set('Cookie', cookie)
      .send({ policyId: platinum.id, ...period });
    expect(noToken.status).toBe(403);
  });

  it('dry-runs and explains a withdrawal in another currency as not meeting the threshold, saying why', async () => {
    const { app, store, evaluate } = await setup();
    for (const [eventId, currency] of [
      ['w-eur', 'EUR'],
      ['w-jpy', 'JPY'],
    ]) {
      await store.recordInteraction({
        eventId,
        customerRef: 'crm:1',
        type: 'withdrawal',
        channel: 'branch',
        occurredAt: eventId === 'w-eur' ? '2025-01-06T10:00:00.000Z' : '2025-01-20T10:00:00.000Z',
        summary: { amount: { value: 12000, currency } },
      });
    }
    await store.putCustomer({
      customerRef: 'crm:1',
      document: { tier: 'platinum' },
      updatedAt: '2025-01-01T00:00:00.000Z',
      sourceSystem: 'crm',
    });
    const { cookie, csrf } = await logIn(app);
    const dry = await request(app)
      .post('/console/api/dry-run')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ policyId: platinum.id, from: '2025-01-01', to: '2025-02-01' });
    expect(dry.status).toBe(200);
    // 12,000 JPY is about 70 EUR: only the euro withdrawal would fire
    expect(dry.body).toMatchObject({ events: 2, wouldFire: 1, notMatched: 1, otherCurrencies: { JPY: 1 } });

    evaluate('e-jpy', 'crm:1', 'platinum', 'JPY');
    const res = await request(app).get('/console/api/explain?customer=crm:1').set('Cookie', cookie);
    const [checked] = res.body.policies;
    expect(checked.plain.en).toContain('withdraws more than 10,000 EUR');
    expect(checked.plain.de).toContain('mehr als 10.000 EUR abhebt');
    expect(checked.evaluations[0]).toMatchObject({
      outcome: 'not-matched',
      reason: expect.stringContaining('amount.value > 10000 (actual: 12000 JPY; currency JPY ≠ EUR)'),
      checks: expect.arrayContaining([
        {
          condition: 'amount.value > 10000',
          held: false,
          actual: 12000,
          money: { currency: 'JPY', threshold: 'EUR' },
        },
      ]),
    });
  });

  it('explains every deployed policy for a customer, with the next best offer on the web', async () => {
    const { app, evaluate } = await setup();
    evaluate('e-1', 'crm:1', 'gold');
    const { cookie } = await logIn(app);
    const res = await request(app).get('/console/api/explain?customer=crm:1').set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.body.customerRef).toBe('crm:1');
    expect(res.body.policies.map((p: { policyId: string }) => p.policyId)).toEqual([
      platinum.id,
      mortgage.id,
    ]);
    const [checked, never] = res.body.policies;
    expect(checked).toMatchObject({
      policyId: platinum.id,
      title: platinumCard.title,
      plain: { en: expect.any(String) },
    });
    expect(checked.evaluations[0]).toMatchObject({
      outcome: 'not-matched',
      event: { eventId: 'e-1', type: 'withdrawal' },
      checks: expect.arrayContaining([expect.objectContaining({ held: false, actual: 'gold' })]),
    });
    expect(never.evaluations).toEqual([]);
    expect(res.body.nextBestOffer).toMatchObject({ customerRef: 'crm:1', channel: 'web', offers: [] });
    const bad = await request(app).get('/console/api/explain?customer=4711').set('Cookie', cookie);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid-customer');
  });

  it('explains a customer asked by golden id as its first source record, as the next best offer judges one', async () => {
    const { app, store, evaluate } = await setup();
    const intake = new GoldenIntake(store);
    await applyWithGoldenRecord(store, intake, annaIn('sap', '100001'));
    await applyWithGoldenRecord(store, intake, annaIn('crm', '4711'));
    const golden = (await store.getGolden('crm:4711'))!;
    const members = golden.members.map((m) => `${m.system}:${m.sourceId}`);
    expect(members).toEqual(['crm:4711', 'sap:100001']);
    evaluate('e-1', 'crm:4711', 'gold');
    const { cookie } = await logIn(app);
    // as the customer page links it, in capitals as typed, and as the golden document names itself
    for (const asked of [golden.goldenId, golden.goldenId.toUpperCase(), `hub:${golden.goldenId}`]) {
      const res = await request(app)
        .get(`/console/api/explain?customer=${encodeURIComponent(asked)}`)
        .set('Cookie', cookie);
      expect([asked, res.status]).toEqual([asked, 200]);
      expect(res.body).toMatchObject({ customerRef: 'crm:4711', goldenId: golden.goldenId, members });
      const checked = res.body.policies.find((p: { policyId: string }) => p.policyId === platinum.id);
      expect(checked.evaluations[0]).toMatchObject({ outcome: 'not-matched', event: { eventId: 'e-1' } });
      // the web offer of the golden record: every member's offers
      expect(res.body.nextBestOffer).toMatchObject({ customerRef: asked.toLowerCase(), channel: 'web' });
    }
    // a source ref is explained as itself, without the golden record's members
    const byRef = await request(app).get('/console/api/explain?customer=sap:100001').set('Cookie', cookie);
    expect(byRef.status).toBe(200);
    expect(byRef.body.customerRef).toBe('sap:100001');
    expect(byRef.body.goldenId).toBeUndefined();
    // refs the REST API takes: a slash, blanks and #
    const odd = await request(app)
      .get(`/console/api/explain?customer=${encodeURIComponent('crm:A/B C#1')}`)
      .set('Cookie', cookie);
    expect([odd.status, odd.body.customerRef]).toEqual([200, 'crm:A/B C#1']);

    const unknown = await request(app)
      .get('/console/api/explain?customer=g-0000000000000000000000000a')
      .set('Cookie', cookie);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'unknown-customer', field: 'customer' });
    for (const bad of ['g-', 'g-not-a-golden-id', 'hub:crm:1', '']) {
      const res = await request(app)
        .get(`/console/api/explain?customer=${encodeURIComponent(bad)}`)
        .set('Cookie', cookie);
      expect([bad, res.status, res.body.error]).toEqual([bad, 400, 'invalid-customer']);
    }
  });

  it('answers 503 for a golden id while no store is deployed to resolve it', async () => {
    const { app } = await setup({ store: () => undefined });
    const { cookie } = await logIn(app);
    const res = await request(app)
      .get('/console/api/explain?customer=g-0000000000000000000000000a')
      .set('Cookie', cookie);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('no-store');
  });

  it('says a hub-store is deployed but not open, for the customer, a golden id and the dry-run', async () => {
    const { app } = await setup({ store: () => undefined, health: { storeDeployed: () => true } });
    const { cookie, csrf } = await logIn(app);
    const answers = [
      await request(app).get('/console/api/customers/crm:4711').set('Cookie', cookie),
      await request(app)
        .get('/console/api/explain?customer=g-0000000000000000000000000a')
        .set('Cookie', cookie),
      await request(app)
        .post('/console/api/dry-run')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .send({ policyId: platinum.id, from: '2025-01-01', to: '2025-02-01' }),
    ];
    for (const res of answers) {
      expect([res.status, res.body.error]).toEqual([503, 'store-unavailable']);
      expect(res.body.message).toMatch(/deployed but not open yet/);
    }
  });

  it('shows the customer 360 with open processes, offers and the next best offer', async () => {
    const { app, store } = await setup();
    await store.putCustomer({
      customerRef: 'crm:4711',
      document: { tier: 'gold', person: { givenName: 'Anna', familyName: 'Meier' } },
      updatedAt: '2025-01-01T00:00:00.000Z',
      sourceSystem: 'crm',
    });
    const process = {
      schemaVersion: '1.0' as const,
      processId: '8d3c2f1a-4b5e-4c6d-8e7f-0a1b2c3d4e5f',
      customerRef: 'crm:4711',
      kind: 'mortgage-application',
      startedOn: 'web' as const,
      lastChannel: 'web' as const,
      step: 'income-details',
      status: 'open' as const,
      data: {},
      updatedAt: '2025-03-01T12:00:00.000Z',
    };
    await store.putProcess(process);
    await store.putProcess({
      ...process,
      processId: '1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b',
      status: 'completed',
    });
    const { cookie } = await logIn(app);
    const res = await request(app).get('/console/api/customers/crm:4711').set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      customerRef: 'crm:4711',
      customer: { document: { tier: 'gold' } },
      offers: [],
      openProcesses: [{ processId: process.processId, kind: 'mortgage-application', step: 'income-details' }],
      nextBestOffer: { channel: 'web' },
    });
    expect(res.body.openProcesses).toHaveLength(1);
    const unknown = await request(app).get('/console/api/customers/crm:999').set('Cookie', cookie);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown-customer');
  });

  it('answers a JSON 404 for an unknown API path', async () => {
    const { app } = await setup();
    const { cookie } = await logIn(app);
    const res = await request(app).get('/console/api/flows').set('Cookie', cookie);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not-found');
  });
});

describe('console live stream', () => {
  /** Opens /console/api/live and collects its text until `until` sees what it waits for. */
  function stream(port: number, cookie: string) {
    let text = '';
    let waiting: { until: (t: string) => boolean; resolve: () => void } | undefined;
    let response: http.IncomingMessage | undefined;
    const opened = new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(
        { port, host: '127.0.0.1', path: '/console/api/live', headers: { cookie } },
        (res) => {
          response = res;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (waiting?.until(text)) waiting.resolve();
          });
          resolve(res);
        },
      );
      req.on('error', reject);
    });
    return {
      opened,
      text: () => text,
      waitFor: (until: (t: string) => boolean) =>
        new Promise<void>((resolve) => {
          if (until(text)) return resolve();
          waiting = { until, resolve };
        }),
      close: () => response?.destroy(),
    };
  }

  it('keeps at most 4 streams per session, and opens none for HEAD', async () => {
    const { app } = await setup();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const streams: ReturnType<typeof stream>[] = [];
    try {
      const anna = await logIn(app);
      for (let i = 0; i < 4; i++) {
        const live = stream(port, anna.cookie);
        streams.push(live);
        expect((await live.opened).statusCode).toBe(200);
      }
      const fifth = stream(port, anna.cookie);
      streams.push(fifth);
      const refused = await fifth.opened;
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['content-type']).toMatch(/^application\/json/);
      // another session still gets its stream
      const ivo = await logIn(app, 'ivo');
      const other = stream(port, ivo.cookie);
      streams.push(other);
      expect((await other.opened).statusCode).toBe(200);
      const head = await request(app).head('/console/api/live').set('Cookie', ivo.cookie);
      expect(head.status).toBe(405);
      expect(head.headers.allow).toBe('GET');
    } finally {
      for (const live of streams) live.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('ends the live streams of the session a new log-in replaces', async () => {
    const { app } = await setup();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const anna = await logIn(app);
      const live = stream(port, anna.cookie);
      const res = await live.opened;
      await live.waitFor((t) => t.includes(': connected'));
      const ended = new Promise((resolve) => res.once('end', resolve));
      const again = await request(app)
        .post('/console/api/login')
        .set('Cookie', anna.cookie)
        .send({ username: 'anna', password: 'anna-secret' });
      expect(again.status).toBe(200);
      await ended;
      live.close();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('streams decisions and switches as server-sent events, and only with a session', async () => {
    const { app, evaluate, registry } = await setup();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { cookie, csrf } = await logIn(app);
      const anonymous = await request(app).get('/console/api/live');
      expect(anonymous.status).toBe(401);

      const live = stream(port, cookie);
      const res = await live.opened;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      await live.waitFor((t) => t.includes(': connected'));

      evaluate('e-live', 'crm:5', 'platinum');
      await live.waitFor((t) => t.includes('event: decision'));
      const frame = live
        .text()
        .split('\n\n')
        .find((f) => f.startsWith('event: decision'))!;
      const data = JSON.parse(frame.split('\ndata: ')[1]);
      expect(data).toEqual({
        policyId: platinum.id,
        title: platinumCard.title,
        customerRef: 'crm:5',
        decisionId: expect.stringMatching(/^[0-9a-f]{32}$/),
        channel: 'sales-rep',
        action: 'call-task',
        at: expect.any(String),
        outcome: 'fired',
      });

      await request(app)
        .put(`/console/api/policies/${platinum.id}/state`)
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .send({ enabled: false });
      await live.waitFor((t) => t.includes('event: toggle'));
      const toggle = live
        .text()
        .split('\n\n')
        .find((f) => f.startsWith('event: toggle'))!;
      expect(JSON.parse(toggle.split('\ndata: ')[1])).toMatchObject({
        policyId: platinum.id,
        enabled: false,
        user: 'anna',
        via: 'console',
      });

      // a log-out ends the session's streams
      const ended = new Promise((resolve) => res.once('end', resolve));
      await request(app).post('/console/api/logout').set('Cookie', cookie).set('X-CSRF-Token', csrf);
      await ended;
      // with nobody listening the registry has no listener left for the engine to tell
      expect((registry as unknown as { decisionListeners: unknown[] }).decisionListeners).toHaveLength(0);
      live.close();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
