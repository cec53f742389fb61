import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import type { HubStore } from '../../records/store';
import { all, captured, helper, load, nextInput, useHelper } from './harness';

useHelper();

/**
 * The policy console as the node package mounts it on Node-RED's admin app (nodes/shared/console-mount.ts):
 * users from settings.js crmHub.consoleUsers, the deployed policy nodes' cards, and the switch that the
 * engine obeys at once. What the editor's own auth does with the console's session is checked against a
 * real hub in test/e2e/console-auth.test.ts.
 */
describe('policy console on the admin app', () => {
  const run = randomUUID().slice(0, 8);
  const type = `console-visit-${run}`;
  const policyId = `console-mortgage-${run}`;
  const users = [
    { username: 'mia', passwordHash: bcrypt.hashSync('mia-secret', 4), role: 'marketer' },
    { username: 'ian', passwordHash: bcrypt.hashSync('ian-secret', 4), role: 'integrator' },
  ];

  // settings.js crmHub.consoleUsers, which @types/node-red's LocalSettings does not know
  const settings: Record<string, unknown> = { crmHub: { consoleUsers: users } };
  beforeEach(() => helper.settings(settings));
  afterEach(() => helper.settings({}));

  const deploy = () =>
    load(all, [
      { id: 'eng', type: 'policy-engine', sweepSeconds: '30', wires: [['evaluated']], version: 2 },
      {
        id: 'p1',
        type: 'policy',
        engine: 'eng',
        policyId,
        titleEn: 'Web visit → mortgage offer',
        titleDe: 'Webbesuch → Hypothekenangebot',
        when: `event ${type} via web`,
        condition: '',
        history: '',
        then: 'web-offer mortgage to web within 30d',
        perCustomer: '',
        global: '',
        priority: '60',
        mode: 'trigger',
        active: true,
        wires: [['decided']],
        version: 2,
      },
      { id: 'decided', type: 'helper' },
      { id: 'evaluated', type: 'helper' },
    ]);

  const event = (n: number) => ({
    eventId: `7b2f9a4e-1c2d-4e5f-8a9b-${run}000${n}`,
    schemaVersion: '1.0',
    type,
    occurredAt: '2026-11-22T10:00:00.000Z',
    channel: 'web',
    source: { system: 'web-shop' },
    customer: { ref: 'crm:88', identifiers: [{ system: 'crm', id: '88' }] },
    data: {},
  });

  async function evaluate(n: number): Promise<{ decisions: unknown[] }> {
    const evaluated = nextInput<{ decisions: unknown[] }>('evaluated');
    helper.getNode('eng').receive({ payload: event(n) } as never);
    return evaluated;
  }

  const admin = () => request(captured.red!.httpAdmin);

  it('lets a marketer log in, read the policies, and switch one off and on with the CSRF token', async () => {
    await deploy();
    expect((await admin().get('/console/api/policies')).status).toBe(401);
    expect((await admin().get('/console/api/session')).status).toBe(401);

    const wrong = await admin().post('/console/api/login').send({ username: 'mia', password: 'nope' });
    expect(wrong.status).toBe(401);
    const login = await admin().post('/console/api/login').send({ username: 'mia', password: 'mia-secret' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ user: 'mia', role: 'marketer' });
    const cookie = String(login.headers['set-cookie'][0]).split(';')[0];
    const csrf = login.body.csrfToken as string;

    const listed = await admin().get('/console/api/policies').set('Cookie', cookie);
    expect(listed.status).toBe(200);
    const view = listed.body.policies.find((p: { policyId: string }) => p.policyId === policyId);
    expect(view).toMatchObject({
      title: { en: 'Web visit → mortgage offer', de: 'Webbesuch → Hypothekenangebot' },
      enabled: true,
      plain: { de: expect.any(String), en: expect.any(String) },
    });

    const state = `/console/api/policies/${policyId}/state`;
    const forged = await admin().put(state).set('Cookie', cookie).send({ enabled: false });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toBe('csrf');
    expect((await evaluate(1)).decisions).toHaveLength(1);

    const off = await admin()
      .put(state)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.audit).toMatchObject({ user: 'mia', via: 'console', enabled: false, previous: true });
    expect((await evaluate(2)).decisions).toEqual([]);

    const on = await admin()
      .put(state)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ enabled: true });
    expect(on.status).toBe(200);
    const decided = nextInput<{ payload: { policyId: string } }>('decided');
    expect((await evaluate(3)).decisions).toHaveLength(1);
    expect((await decided).payload.policyId).toBe(policyId);

    const audit = await admin().get('/console/api/audit').set('Cookie', cookie);
    expect(
      audit.body.entries
        .filter((e: { policyId: string }) => e.policyId === policyId)
        .map((e: { user: string; via: string; enabled: boolean }) => [e.user, e.via, e.enabled]),
    ).toEqual([
      ['mia', 'console', true],
      ['mia', 'console', false],
    ]);
  });

  it('serves the built console page with its security headers', async () => {
    await deploy();
    const page = await admin().get('/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.text).toContain('/console/assets/app.js');
    const bundle = await admin().get('/console/assets/app.js');
    expect(bundle.status).toBe(200);
  });

  it('answers what the admin app body parser refuses as console JSON errors', async () => {
    await deploy();
    const broken = await admin()
      .post('/console/api/login')
      .set('Content-Type', 'application/json')
      .send('{"username": "mia", "pass');
    expect(broken.status).toBe(400);
    expect(broken.headers['content-type']).toMatch(/^application\/json/);
    expect(broken.body).toEqual({ error: 'invalid-json', message: expect.any(String) });
    expect(broken.headers['content-security-policy']).toContain("default-src 'self'");
    expect(broken.headers['cache-control']).toBe('no-store');
    // elsewhere on the admin app nothing changes
    const editor = await admin()
      .post('/crm-hub/policies/describe')
      .set('Content-Type', 'application/json')
      .send('{"card');
    expect(editor.status).toBe(400);
    expect(editor.headers['content-type']).not.toMatch(/^application\/json/);
  });

  it('keeps the console off the node endpoints', async () => {
    await deploy();
    const node = await request(captured.red!.httpNode).get('/console/api/session');
    expect(node.status).toBe(404);
  });
});

/** The policy dialog's and the sidebar's admin routes (nodes/policy/editor-routes.ts): what they take. */
describe('policy editor routes on the admin app', () => {
  const draft = {
    policyId: 'draft-visit',
    titleEn: 'Visit → offer',
    titleDe: 'Besuch → Angebot',
    when: 'event visit via web',
    condition: '',
    history: '',
    then: 'web-offer mortgage to web within 30d',
    priority: '60',
    mode: 'trigger',
  };
  const admin = () => request(captured.red!.httpAdmin);
  afterEach(() => jest.restoreAllMocks());

  it('takes card fields as text only, and counts their size even when the body declares none', async () => {
    await load(all, []);
    const described = await admin().post('/crm-hub/policies/describe').send({ card: draft });
    expect(described.status).toBe(200);
    const nested = await admin()
      .post('/crm-hub/policies/describe')
      .send({ card: { ...draft, condition: { $where: 'x' } } });
    expect(nested.status).toBe(400);
    expect(nested.body).toMatchObject({ error: 'invalid-card', field: 'condition' });

    // a chunked body has no Content-Length to check up front
    const server = captured.red!.httpAdmin.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; body: { error?: string } }>((resolve, reject) => {
        const req = http.request(
          {
            port,
            host: '127.0.0.1',
            method: 'POST',
            path: '/crm-hub/policies/describe',
            headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        req.write(JSON.stringify({ card: { ...draft, descriptionEn: 'x'.repeat(70 * 1024) } }));
        req.end();
      });
      expect(answer).toEqual({ status: 413, body: expect.objectContaining({ error: 'too-large' }) });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** README's card ("Interaction policies"), as a marketer writes it */
  const readmeCard = [
    'policy: platinum-large-withdrawal',
    'title: { de: "Platin-Kunde hebt mehr als 10.000 ab", en: "Platinum customer withdraws over 10,000" }',
    'when: event withdrawal where amount > 10000',
    'if: customer.tier == "platinum"',
    'then: call-task to sales-rep within 1d',
    'limits: { per-customer: 1 per 7d, global: 200 per day }',
    'priority: 80',
    '',
  ].join('\n');

  it('describes a card given as YAML text or as the card object, as the REST dry-run takes it', async () => {
    await load(all, []);
    const fromText = await admin().post('/crm-hub/policies/describe').send({ card: readmeCard });
    expect(fromText.status).toBe(200);
    expect(fromText.body).toMatchObject({ policyId: 'platinum-large-withdrawal' });
    expect(JSON.stringify(fromText.body.en)).toContain('10,000');
    const object = {
      policy: 'platinum-large-withdrawal',
      title: { de: 'Platin-Kunde hebt mehr als 10.000 ab', en: 'Platinum customer withdraws over 10,000' },
      when: 'event withdrawal where amount > 10000',
      if: 'customer.tier == "platinum"',
      then: 'call-task to sales-rep within 1d',
      limits: { 'per-customer': '1 per 7d', global: '200 per day' },
      priority: 80,
    };
    const fromObject = await admin().post('/crm-hub/policies/describe').send({ card: object });
    expect(fromObject.status).toBe(200);
    expect(fromObject.body).toEqual(fromText.body);
    // a mistake in the text names its line and field, as the REST dry-run does
    const broken = await admin()
      .post('/crm-hub/policies/describe')
      .send({ card: readmeCard.replace('priority: 80', 'priority: high') });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ error: 'invalid-card', field: 'priority', line: 7 });
    // the dry-run beside it takes the same card
    jest
      .spyOn(hubRuntime, 'store')
      .mockReturnValue({ listInteractionsBetween: async () => [] } as unknown as HubStore);
    const dryRun = await admin().post('/crm-hub/policies/dry-run').send({ card: readmeCard, days: 7 });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({ policyId: 'platinum-large-withdrawal', wouldFire: 0 });
  });

  it('runs at most two dry-runs at a time, answering 429 dry-run-busy beyond', async () => {
    await load(all, []);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const slowStore = {
      listInteractionsBetween: async () => {
        started += 1;
        await held;
        return [];
      },
    } as unknown as HubStore;
    jest.spyOn(hubRuntime, 'store').mockReturnValue(slowStore);
    const dryRun = () => admin().post('/crm-hub/policies/dry-run').send({ card: draft, days: 7 });
    const first = dryRun().then((res) => res);
    const second = dryRun().then((res) => res);
    while (started < 2) await new Promise((resolve) => setImmediate(resolve));
    const third = await dryRun();
    expect(third.status).toBe(429);
    expect(third.body).toEqual({ error: 'dry-run-busy', message: expect.any(String) });
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await dryRun()).status).toBe(200);
    const tooLong = await admin().post('/crm-hub/policies/dry-run').send({ card: draft, days: 365 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toBe('invalid-days');
  });
});
