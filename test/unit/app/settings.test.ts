import { spawnSync } from 'node:child_process';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import express from 'express';
import request from 'supertest';

const settingsFile = path.resolve(__dirname, '..', '..', '..', 'settings.js');

/** Loads settings.js in a fresh process with the given environment, as `npm start` does. */
function load(env: Record<string, string>): { ok: boolean; out: string } {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CRM_HUB_') && k !== 'HOST' && k !== 'PORT'),
  );
  const run = spawnSync(
    process.execPath,
    [
      '-e',
      `const s = require(${JSON.stringify(settingsFile)}); console.log(JSON.stringify({ host: s.uiHost, port: s.uiPort, admin: !!s.adminAuth, api: !!s.httpNodeAuth }))`,
    ],
    { env: { ...clean, ...env }, encoding: 'utf8' },
  );
  return { ok: run.status === 0, out: run.stdout + run.stderr };
}

describe('settings.js', () => {
  it('listens on 127.0.0.1:1880 by default, PORT and HOST override it', () => {
    expect(JSON.parse(load({}).out)).toEqual({ host: '127.0.0.1', port: 1880, admin: false, api: false });
    expect(JSON.parse(load({ PORT: '18999', HOST: 'localhost' }).out)).toMatchObject({
      host: 'localhost',
      port: 18999,
    });
  });

  it('refuses a non-loopback HOST without admin and API credentials, naming the variables', () => {
    const open = load({ HOST: '0.0.0.0' });
    expect(open.ok).toBe(false);
    expect(open.out).toContain('CRM_HUB_ADMIN_USER');
    expect(open.out).toContain('CRM_HUB_API_USER');
    const adminOnly = load({ HOST: '0.0.0.0', CRM_HUB_ADMIN_USER: 'admin', CRM_HUB_ADMIN_PASSWORD: 'x' });
    expect(adminOnly.ok).toBe(false);
  });

  it('accepts a non-loopback HOST with both credentials and protects editor and endpoints', () => {
    const both = load({
      HOST: '0.0.0.0',
      CRM_HUB_ADMIN_USER: 'admin',
      CRM_HUB_ADMIN_PASSWORD: 'x',
      CRM_HUB_API_USER: 'api',
      CRM_HUB_API_PASSWORD: 'y',
    });
    expect(both.ok).toBe(true);
    expect(JSON.parse(both.out)).toEqual({ host: '0.0.0.0', port: 1880, admin: true, api: true });
  });

  it('refuses a PORT that is not a port number, naming it, instead of starting without HTTP', () => {
    for (const PORT of ['abc', '70000', '0', '-1', '1880.5', '18 80', '0x50']) {
      const bad = load({ PORT });
      expect(bad.ok).toBe(false);
      expect(bad.out).toContain(`PORT must be a whole number from 1 to 65535, got ${JSON.stringify(PORT)}`);
    }
    expect(JSON.parse(load({ PORT: '65535' }).out)).toMatchObject({ port: 65535 });
    expect(JSON.parse(load({ PORT: '1' }).out)).toMatchObject({ port: 1 });
  });

  it('takes CRM_HUB_BASE_CURRENCY (EUR by default) and refuses a code that is no ISO 4217 currency', () => {
    const currency = (env: Record<string, string>) =>
      spawnSync(
        process.execPath,
        ['-e', `console.log(require(${JSON.stringify(settingsFile)}).crmHub.baseCurrency)`],
        { env: { ...process.env, CRM_HUB_BASE_CURRENCY: '', ...env }, encoding: 'utf8' },
      );
    expect(currency({}).stdout.trim()).toBe('EUR');
    expect(currency({ CRM_HUB_BASE_CURRENCY: 'CHF' }).stdout.trim()).toBe('CHF');
    const euro = load({ CRM_HUB_BASE_CURRENCY: 'EURO' });
    expect(euro.ok).toBe(false);
    expect(euro.out).toContain('CRM_HUB_BASE_CURRENCY must be an ISO 4217 currency code');
    expect(euro.out).toContain('"EURO"');
  });

  it('takes CRM_HUB_MAX_FUTURE_SECONDS as whole seconds and refuses anything else at start', () => {
    expect(load({ CRM_HUB_MAX_FUTURE_SECONDS: '600' }).ok).toBe(true);
    const minutes = load({ CRM_HUB_MAX_FUTURE_SECONDS: '5m' });
    expect(minutes.ok).toBe(false);
    expect(minutes.out).toContain('CRM_HUB_MAX_FUTURE_SECONDS must be a whole number of seconds');
    expect(minutes.out).toContain('"5m"');
  });

  it('refuses a _PASSWORD_HASH that is not a bcrypt hash, naming the variable and never echoing it', () => {
    for (const [userVar, role] of [
      ['CRM_HUB_ADMIN_USER', 'ADMIN'],
      ['CRM_HUB_MARKETER_USER', 'MARKETER'],
      ['CRM_HUB_API_USER', 'API'],
    ]) {
      const plain = load({ [userVar]: 'someone', [`CRM_HUB_${role}_PASSWORD_HASH`]: 'plain-secret' });
      expect(plain.ok).toBe(false);
      expect(plain.out).toContain(
        `CRM_HUB_${role}_PASSWORD_HASH must be a bcrypt hash such as $2b$10$…; ` +
          `to give a plain password use CRM_HUB_${role}_PASSWORD`,
      );
      expect(plain.out).not.toContain('plain-secret');
    }
    const cut = load({
      CRM_HUB_API_USER: 'api',
      CRM_HUB_API_PASSWORD_HASH: bcrypt.hashSync('y', 4).slice(0, -1),
    });
    expect(cut.ok).toBe(false);
  });

  it('refuses a plain password over 72 bytes, which bcrypt would cut, naming the variable and never echoing it', () => {
    const long = `${'p'.repeat(72)}-secret-tail`;
    for (const [userVar, role] of [
      ['CRM_HUB_ADMIN_USER', 'ADMIN'],
      ['CRM_HUB_MARKETER_USER', 'MARKETER'],
      ['CRM_HUB_API_USER', 'API'],
    ]) {
      const cut = load({ [userVar]: 'someone', [`CRM_HUB_${role}_PASSWORD`]: long });
      expect(cut.ok).toBe(false);
      expect(cut.out).toContain(
        `CRM_HUB_${role}_PASSWORD is 84 bytes long (UTF-8), but bcrypt reads only the first 72`,
      );
      expect(cut.out).not.toContain('secret-tail');
    }
    // bytes, not characters: 37 two-byte letters are 74 bytes
    expect(load({ CRM_HUB_API_USER: 'api', CRM_HUB_API_PASSWORD: 'ä'.repeat(37) }).ok).toBe(false);
    expect(load({ CRM_HUB_API_USER: 'api', CRM_HUB_API_PASSWORD: 'ä'.repeat(36) }).ok).toBe(true);
    expect(load({ CRM_HUB_API_USER: 'api', CRM_HUB_API_PASSWORD: 'p'.repeat(72) }).ok).toBe(true);
  });

  it('takes CRM_HUB_BODY_MAX_BYTES as the body limit of the admin API and http in, refusing nonsense at start', () => {
    const limit = (env: Record<string, string>) => {
      const run = spawnSync(
        process.execPath,
        ['-e', `console.log(require(${JSON.stringify(settingsFile)}).apiMaxLength)`],
        { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' },
      );
      return { ok: run.status === 0, out: run.stdout.trim() + run.stderr };
    };
    expect(limit({})).toEqual({ ok: true, out: String(1024 * 1024) });
    expect(limit({ CRM_HUB_BODY_MAX_BYTES: '5242880' })).toEqual({ ok: true, out: '5242880' });
    for (const bad of ['5mb', '100', '-1', '1e6']) {
      const refused = limit({ CRM_HUB_BODY_MAX_BYTES: bad });
      expect(refused.ok).toBe(false);
      expect(refused.out).toContain(
        `CRM_HUB_BODY_MAX_BYTES must be a whole number of bytes, at least 1024, got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('takes CRM_HUB_TRUST_PROXY as express trust proxy, for the log-in limits behind a reverse proxy', () => {
    const trust = (value: string) => {
      const run = spawnSync(
        process.execPath,
        [
          '-e',
          `console.log(JSON.stringify(require(${JSON.stringify(settingsFile)}).httpServerOptions ?? null))`,
        ],
        { env: { PATH: process.env.PATH ?? '', CRM_HUB_TRUST_PROXY: value }, encoding: 'utf8' },
      );
      return { ok: run.status === 0, out: run.stdout.trim() + run.stderr };
    };
    expect(trust('')).toEqual({ ok: true, out: 'null' });
    expect(trust('1')).toEqual({ ok: true, out: '{"trust proxy":1}' });
    expect(trust('loopback, 10.0.0.0/8')).toEqual({ ok: true, out: '{"trust proxy":"loopback,10.0.0.0/8"}' });
    for (const bad of ['true', '*', 'proxy.example']) {
      const refused = trust(bad);
      expect(refused.ok).toBe(false);
      expect(refused.out).toContain('CRM_HUB_TRUST_PROXY must be the number of reverse proxies');
    }
  });

  it('refuses half a credential pair, naming the missing variable, instead of starting open', () => {
    for (const role of ['ADMIN', 'MARKETER', 'API']) {
      const userOnly = load({ [`CRM_HUB_${role}_USER`]: 'someone' });
      expect(userOnly.ok).toBe(false);
      expect(userOnly.out).toContain(
        `CRM_HUB_${role}_USER is set but neither CRM_HUB_${role}_PASSWORD nor CRM_HUB_${role}_PASSWORD_HASH`,
      );
      for (const secret of [`CRM_HUB_${role}_PASSWORD`, `CRM_HUB_${role}_PASSWORD_HASH`]) {
        const value = secret.endsWith('_HASH') ? bcrypt.hashSync('y', 4) : 'secret';
        const secretOnly = load({ [secret]: value });
        expect(secretOnly.ok).toBe(false);
        expect(secretOnly.out).toContain(`${secret} is set but CRM_HUB_${role}_USER is not`);
        expect(secretOnly.out).not.toContain(value);
      }
    }
    // the pair of the tester's report: an API user and the admin's password, both halves missing
    const crossed = load({ CRM_HUB_API_USER: 'api', CRM_HUB_ADMIN_PASSWORD: 'secret' });
    expect(crossed.ok).toBe(false);
  });

  it('takes a bcrypt hash in each _PASSWORD_HASH variable as it is', () => {
    const hash = bcrypt.hashSync('y', 4);
    for (const variant of [hash, hash.replace('$2b$', '$2a$'), hash.replace('$2b$', '$2y$')]) {
      const loaded = load({
        HOST: '0.0.0.0',
        CRM_HUB_ADMIN_USER: 'admin',
        CRM_HUB_ADMIN_PASSWORD_HASH: variant,
        CRM_HUB_API_USER: 'api',
        CRM_HUB_API_PASSWORD_HASH: variant,
      });
      expect(loaded.ok).toBe(true);
      expect(JSON.parse(loaded.out)).toMatchObject({ admin: true, api: true });
    }
  });

  it('sends the hub endpoints past the editor admin app and leaves every other path to it', () => {
    for (const url of [
      '/soap/hub',
      '/soap/crm?wsdl',
      '/api/v1/customers/x/offers',
      '/healthz',
      '/healthz?x=1',
    ])
      expect(routeOf(url)).toBe('router');
    for (const url of [
      '/',
      '/flows',
      '/red/main.min.js',
      '/healthzz',
      '/soapbox',
      '/api/v2/x',
      '/crm-hub/policies/p/enabled',
    ])
      expect(routeOf(url)).toBeUndefined();
  });

  it("answers the API user's refusal on /api/v1 and /healthz as JSON, and marks its check for the fast paths", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { CRM_HUB_API_USER: 'api', CRM_HUB_API_PASSWORD: 'secret' });
    let auth: express.RequestHandler & { hubBasicAuth?: boolean };
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        auth = (require(settingsFile) as { httpNodeAuth: typeof auth }).httpNodeAuth;
      });
    } finally {
      process.env = saved;
    }
    expect(auth!.hubBasicAuth).toBe(true);
    const app = express().use(auth!, (_req: express.Request, res: express.Response) => {
      res.json({ ok: true });
    });
    for (const path of ['/api/v1/dead-letters', '/healthz']) {
      const refused = await request(app).get(path);
      expect({ status: refused.status, type: refused.type, error: refused.body.error }).toEqual({
        status: 401,
        type: 'application/json',
        error: 'unauthenticated',
      });
      expect(refused.headers['www-authenticate']).toMatch(/^Basic /);
    }
    const allowed = await request(app)
      .get('/api/v1/dead-letters')
      .set({ authorization: `Basic ${Buffer.from('api:secret').toString('base64')}` });
    expect(allowed.status).toBe(200);
  });
});

/** what settings.httpAdminMiddleware passes to next() for a request to url */
function routeOf(url: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require(settingsFile) as {
    httpAdminMiddleware: (req: object, res: unknown, next: (arg?: unknown) => void) => void;
  };
  let passed: unknown = 'not called';
  // a request from this machine, which the editor serves without adminAuth (local-only.test.ts)
  const req = {
    url,
    method: 'GET',
    headers: { host: '127.0.0.1:1880' },
    socket: { remoteAddress: '127.0.0.1' },
  };
  // the answer's headers, which the middleware keeps the editor's CORS header off
  const res = { getHeaderNames: () => [], removeHeader: () => undefined, setHeader: () => undefined };
  settings.httpAdminMiddleware(req, res, (arg?: unknown) => (passed = arg));
  return passed;
}
