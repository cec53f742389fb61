import { createRequire } from 'node:module';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { editorLogin, type EditorLoginOptions } from '../../../../app/api/editor-login';
import { LoginLimiter } from '../../../../app/console/login-limiter';
import { credentialUsers, nodeRedAuth } from '../../../../nodes/shared/editor-login-mount';

const HASH = bcrypt.hashSync('admin-secret', 4);

interface Made {
  user: string;
  client: string;
  scope: unknown;
}

/**
 * The log-in as settings.js places it in Node-RED's admin app: after the body guard's parsers (here
 * express's, with Node-RED's options), handed what they passed on. `trust proxy` stands for
 * CRM_HUB_TRUST_PROXY, so a test can come from other addresses.
 */
function hub(options: Partial<EditorLoginOptions> = {}) {
  const made: Made[] = [];
  const audited: Record<string, unknown>[] = [];
  const login = editorLogin({
    users: [{ username: 'admin', password: HASH, permissions: '*' }],
    tokens: {
      create: (user, client, scope) => {
        made.push({ user, client, scope });
        return Promise.resolve({ accessToken: `token-${made.length}`, expires_in: 604800 });
      },
    },
    hasPermission: (userScope) => userScope === '*',
    audit: (event) => audited.push(event),
    ...options,
  });
  const app = express();
  app.set('trust proxy', 'loopback');
  const parsers = [express.json(), express.urlencoded({ extended: true })];
  app.use(parsers, (err: unknown, req: Request, res: Response, next: NextFunction) =>
    login(req, res, next, err),
  );
  app.use((req: Request, res: Response, next: NextFunction) => login(req, res, next));
  app.all('*', (req, res) => {
    res.status(418).json({ reached: 'node-red', path: req.path });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(599).json({ passedOn: String(err) });
  });
  return { app, made, audited };
}

const FORM = {
  client_id: 'node-red-editor',
  grant_type: 'password',
  scope: '*',
  username: 'admin',
  password: 'admin-secret',
};

const post = (app: express.Express, body: Record<string, unknown>, from = '127.0.0.1') =>
  request(app).post('/auth/token').set('X-Forwarded-For', from).type('form').send(body);

describe('editorLogin: POST /auth/token as Node-RED answers it', () => {
  it("gives a token from the token store, in oauth2orize's body and headers, to either client, form or JSON", async () => {
    const { app, made, audited } = hub();
    const form = await post(app, FORM);
    expect(form.status).toBe(200);
    expect(form.text).toBe('{"access_token":"token-1","expires_in":604800,"token_type":"Bearer"}');
    expect(form.headers['content-type']).toBe('application/json');
    expect(form.headers['cache-control']).toBe('no-store');
    expect(form.headers.pragma).toBe('no-cache');
    const json = await request(app)
      .post('/AUTH/TOKEN/')
      .send({ ...FORM, client_id: 'node-red-admin', scope: '* flows.read' });
    expect(json.status).toBe(200);
    expect(made).toEqual([
      { user: 'admin', client: 'node-red-editor', scope: ['*'] },
      { user: 'admin', client: 'node-red-admin', scope: ['*', 'flows.read'] },
    ]);
    expect(audited[0]).toMatchObject({ event: 'auth.login', username: 'admin', client: 'node-red-editor' });
    expect(JSON.stringify(audited)).not.toContain(HASH);
  });

  it("takes an empty scope as the user's permissions and hands a missing one on as it is", async () => {
    const { app, made } = hub();
    expect((await post(app, { ...FORM, scope: '' })).status).toBe(200);
    const { scope: _left, ...noScope } = FORM;
    expect((await post(app, noScope)).status).toBe(200);
    expect(made.map((m) => m.scope)).toEqual(['*', undefined]);
  });

  it('accepts the client secret only as Node-RED does: none, or not_available', async () => {
    const { app, audited } = hub();
    expect((await post(app, { ...FORM, client_secret: 'not_available' })).status).toBe(200);
    for (const body of [
      { ...FORM, client_secret: 'guess' },
      { ...FORM, client_id: 'someone' },
      { ...FORM, client_id: '' },
      { grant_type: 'password', username: 'admin', password: 'admin-secret' },
    ]) {
      const res = await post(app, body);
      expect({ status: res.status, type: res.type, error: res.body.error }).toEqual({
        status: 401,
        type: 'application/json',
        error: 'invalid_client',
      });
    }
    expect(audited.filter((a) => a.event === 'auth.invalid-client')).toHaveLength(2);
    const text = await request(app).post('/auth/token').type('text').send('hello');
    expect(text.status).toBe(401);
    expect(text.body.error_description).toContain('client_id=node-red-editor');
  });

  it('refuses any grant but password, and a missing username or password, before a password is checked', async () => {
    const { app } = hub();
    const grant = await post(app, { ...FORM, grant_type: 'client_credentials' });
    expect({ status: grant.status, body: grant.body }).toEqual({
      status: 400,
      body: {
        error: 'unsupported_grant_type',
        error_description: 'Unsupported grant type: client_credentials',
      },
    });
    const { grant_type: _g, ...noGrant } = FORM;
    expect((await post(app, noGrant)).body.error_description).toBe('Unsupported grant type: undefined');
    for (const field of ['username', 'password']) {
      const res = await post(app, { ...FORM, [field]: '' });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: `Missing required parameter: ${field}` },
      });
    }
    const scope = await request(app)
      .post('/auth/token')
      .send({ ...FORM, scope: ['*'] });
    expect({ status: scope.status, body: scope.body }).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'Invalid parameter: scope must be a string' },
    });
  });

  it("answers a wrong password, an unknown name and a password that is no string with Node-RED's 403", async () => {
    const { app, made, audited } = hub();
    const bodies = [
      { ...FORM, password: 'wrong' },
      { ...FORM, username: 'mia', password: 'mia-secret' },
      { ...FORM, username: 'toString' },
      { ...FORM, password: 5 },
      { ...FORM, username: 5 },
    ];
    for (const body of bodies) {
      const res = await request(app).post('/auth/token').send(body);
      expect({ status: res.status, text: res.text }).toEqual({
        status: 403,
        text: '{"error":"invalid_grant","error_description":"Invalid resource owner credentials"}',
      });
    }
    expect(made).toEqual([]);
    expect(audited[0]).toMatchObject({
      event: 'auth.login.fail.credentials',
      username: 'admin',
      client: 'node-red-editor',
    });
  });

  it('refuses a scope beyond the user permissions with a 403, as Node-RED does', async () => {
    const { app, made } = hub({ hasPermission: () => false });
    expect((await post(app, FORM)).status).toBe(403);
    expect(made).toEqual([]);
  });

  it('makes the one who fails wait, answered 429 with Retry-After, and lets the admin in from elsewhere', async () => {
    const { app, audited } = hub({ limiter: new LoginLimiter() });
    const wrong = { ...FORM, password: 'wrong' };
    for (let i = 0; i < 5; i++) expect((await post(app, wrong, '203.0.113.9')).status).toBe(403);
    for (const body of [wrong, FORM]) {
      const res = await post(app, body, '203.0.113.9');
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('900');
      expect(res.body).toEqual({
        error: 'too-many-attempts',
        message: 'too many failed log-ins; try again in 15 minute(s)',
        retryAfterSeconds: 900,
      });
    }
    expect(audited.at(-1)).toMatchObject({ event: 'auth.login.fail.too-many-attempts', username: 'admin' });
    expect((await post(app, FORM, '198.51.100.7')).status).toBe(200);
    // Node-RED's own count would have refused every one after the 5th, from anywhere
    for (let i = 0; i < 3; i++) expect((await post(app, FORM, '198.51.100.7')).status).toBe(200);
  });

  it("passes every other request on, and answers JSON that does not parse as the token endpoint's 400", async () => {
    const { app } = hub();
    expect((await request(app).get('/auth/token')).body).toEqual({
      reached: 'node-red',
      path: '/auth/token',
    });
    expect((await request(app).post('/auth/tokens').send(FORM)).status).toBe(418);
    const broken = await request(app).post('/auth/token').type('json').send('{"client_id":');
    expect({ status: broken.status, body: broken.body }).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'the body is not valid JSON' },
    });
    // elsewhere a broken body goes on to Node-RED's error handling, as before
    expect((await request(app).post('/flows').type('json').send('{"a":')).status).toBe(599);
  });
});

describe("the log-in's parts of Node-RED", () => {
  it("takes adminAuth's users as settings.js lists them, and nothing else", () => {
    const users = [{ username: 'admin', password: HASH, permissions: '*' }];
    expect(credentialUsers({ type: 'credentials', users })).toEqual(users);
    expect(() => credentialUsers({ type: 'strategy', users })).toThrow("type 'credentials'");
    expect(() => credentialUsers({ type: 'credentials', users: [{ username: 'admin' }] })).toThrow(
      'bcrypt hash',
    );
  });

  it("refuses at once a token store that is not the one Node-RED loaded, naming Node-RED's file", () => {
    const load = createRequire(__filename);
    const unloaded = Object.assign((id: string): unknown => load(id), {
      ...load,
      resolve: load.resolve,
      cache: {},
    });
    expect(() => nodeRedAuth(unloaded as NodeJS.Require)).toThrow(
      /@node-red\/editor-api\/lib\/auth\/tokens\.js is not loaded by Node-RED/,
    );
  });

  it("uses the token store, permission check and audit log Node-RED loaded (its editor-api's)", () => {
    const load = createRequire(__filename);
    // what node-red's red.js loads first
    load(load.resolve('@node-red/editor-api', { paths: [path.dirname(load.resolve('node-red'))] }));
    const parts = nodeRedAuth(load);
    expect(parts.hasPermission('*', ['*'])).toBe(true);
    expect(parts.hasPermission('read', ['flows.write'])).toBe(false);
    expect(typeof parts.tokens.create).toBe('function');
    expect(() => parts.audit?.({ event: 'test' })).not.toThrow();
  });
});
