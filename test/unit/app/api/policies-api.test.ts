import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { createPoliciesApi, type PoliciesBackend } from '../../../../app/api/policies-api';
import { compileCard } from '../../../../policies/card';
import { PolicyEngine } from '../../../../policies/engine';
import { PolicyRegistry, type AuditStore } from '../../../../policies/registry';
import type { StoredInteraction } from '../../../../records/store';
import { platinumCard, withdrawalEvent } from '../../policies/fixtures';

const platinum = compileCard(platinumCard);
const ID = platinum.id;

function setup(options: { auth?: boolean; failingStore?: boolean; unreachableStore?: boolean } = {}) {
  const states = new Map<string, boolean>();
  const items: StoredInteraction[] = [];
  const store: AuditStore = {
    recordInteraction: async (item) => {
      if (options.failingStore) throw new Error('disk full');
      if (options.unreachableStore)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5439'), { code: 'ECONNREFUSED' });
      items.push(item);
      return true;
    },
    listInteractions: async (ref, { limit = 20 } = {}) =>
      items
        .filter((item) => item.customerRef === ref)
        .reverse()
        .slice(0, limit),
  };
  const registry = new PolicyRegistry({
    switches: {
      isEnabled: (id) => states.get(id) ?? true,
      setEnabled: async (id, enabled, keep) => {
        await keep?.();
        states.set(id, enabled);
      },
    },
    store: () => store,
  });
  registry.declare(platinum, { kind: 'node', id: 'n1', engineId: 'eng' });
  const backend: PoliciesBackend = { registry, authConfigured: () => options.auth === true };
  const engine = new PolicyEngine();
  engine.register(platinum);
  const evaluate = (eventId: string, ref: string, tier: string) => {
    const event = withdrawalEvent(eventId, ref, 12000) as never;
    const result = engine.evaluate(event, {
      customer: { tier },
      isEnabled: (id) => states.get(id) ?? true,
    });
    registry.observe('eng', event, result);
    return result;
  };
  const server = express();
  server.set('trust proxy', true); // so a test can come from another address via X-Forwarded-For
  server.use('/api/v1', createPoliciesApi({ policies: () => backend }));
  return { server, states, items, registry, evaluate };
}

describe('GET /api/v1/policies', () => {
  it('lists every deployed card with title, mode, version, state and counts', async () => {
    const { server, evaluate } = setup();
    evaluate('e-1', 'crm:1', 'platinum');
    evaluate('e-2', 'crm:2', 'gold');
    const res = await request(server).get('/api/v1/policies');
    expect(res.status).toBe(200);
    expect(res.body.policies).toEqual([
      expect.objectContaining({
        policyId: ID,
        title: platinumCard.title,
        mode: 'trigger',
        version: platinum.version,
        enabled: true,
        source: { kind: 'node', id: 'n1', engineId: 'eng' },
        counts: expect.objectContaining({
          today: { evaluated: 2, fired: 1, notMatched: 1, pending: 0, suppressed: {} },
        }),
      }),
    ]);
    expect((await request(server).get(`/api/v1/policies/${ID}`)).body.policyId).toBe(ID);
    expect((await request(server).get('/api/v1/policies/nope')).status).toBe(404);
  });

  it('answers a GET of the dry-run with 405, not as a card named dry-run', async () => {
    const { server } = setup();
    const res = await request(server).get('/api/v1/policies/dry-run');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toMatchObject({ error: 'method-not-allowed' });
    expect(res.body.message).not.toContain('deployed');
  });
});

describe('switching a policy', () => {
  it('flips with toggle, sets with PUT state, and audits each as anonymous@127.0.0.1 on loopback', async () => {
    const { server, states } = setup();
    const off = await request(server).post(`/api/v1/policies/${ID}/toggle`);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      policyId: ID,
      enabled: false,
      previous: true,
      audit: { user: 'anonymous@127.0.0.1', via: 'api', remoteAddress: '127.0.0.1', enabled: false },
    });
    expect(states.get(ID)).toBe(false);
    const on = await request(server).put(`/api/v1/policies/${ID}/state`).send({ enabled: true });
    expect(on.body).toMatchObject({ enabled: true, previous: false });
    const set = await request(server).post(`/api/v1/policies/${ID}/toggle`).send({ enabled: false });
    expect(set.body).toMatchObject({ enabled: false, previous: true, changed: true });

    const audit = await request(server).get(`/api/v1/policies/${ID}/audit`);
    expect(audit.status).toBe(200);
    expect(audit.body.entries.map((e: { enabled: boolean }) => e.enabled)).toEqual([false, true, false]);
    expect(audit.body.entries[2]).toMatchObject({
      policyId: ID,
      user: 'anonymous@127.0.0.1',
      via: 'api',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('answers a switch to the state the card is in with that state, and audits nothing', async () => {
    const { server, states, registry } = setup();
    const told: unknown[] = [];
    registry.onSwitch((entry) => told.push(entry));
    for (let i = 0; i < 3; i++) {
      const same = await request(server).put(`/api/v1/policies/${ID}/state`).send({ enabled: true });
      expect(same.status).toBe(200);
      expect(same.body).toEqual({ policyId: ID, enabled: true, previous: true, changed: false });
    }
    const toggled = await request(server).post(`/api/v1/policies/${ID}/toggle`).send({ enabled: true });
    expect(toggled.body).toMatchObject({ enabled: true, changed: false });
    expect((await request(server).get(`/api/v1/policies/${ID}/audit`)).body.entries).toEqual([]);
    expect(told).toEqual([]);

    const off = await request(server).put(`/api/v1/policies/${ID}/state`).send({ enabled: false });
    expect(off.body).toMatchObject({
      enabled: false,
      previous: true,
      changed: true,
      audit: { enabled: false },
    });
    const again = await request(server).put(`/api/v1/policies/${ID}/state`).send({ enabled: false });
    expect(again.body).toEqual({ policyId: ID, enabled: false, previous: false, changed: false });
    expect(states.get(ID)).toBe(false);
    const audit = await request(server).get(`/api/v1/policies/${ID}/audit`);
    expect(audit.body.entries.map((e: { enabled: boolean }) => e.enabled)).toEqual([false]);
    expect(told).toHaveLength(1);
  });

  it('records the user authentication checked, and refuses a write without one when auth is configured', async () => {
    const { server } = setup({ auth: true });
    const basic = `Basic ${Buffer.from('marketing-anna:secret').toString('base64')}`;
    const res = await request(server)
      .put(`/api/v1/policies/${ID}/state`)
      .set('authorization', basic)
      .send({ enabled: false });
    expect(res.status).toBe(200);
    expect(res.body.audit).toMatchObject({ user: 'marketing-anna', via: 'api' });
    const anonymous = await request(server).put(`/api/v1/policies/${ID}/state`).send({ enabled: true });
    expect(anonymous.status).toBe(401);
  });

  it('takes the user another middleware authenticated', async () => {
    const { registry } = setup();
    const server = express();
    server.use((req: Request, _res: Response, next: NextFunction) => {
      (req as Request & { user?: { username: string } }).user = { username: 'sso-bob' };
      next();
    });
    server.use('/api/v1', createPoliciesApi({ policies: () => ({ registry, authConfigured: () => true }) }));
    const res = await request(server).post(`/api/v1/policies/${ID}/toggle`);
    expect(res.body.audit.user).toBe('sso-bob');
  });

  it('refuses an anonymous write from beyond loopback', async () => {
    const { server, states, items } = setup();
    const res = await request(server)
      .post(`/api/v1/policies/${ID}/toggle`)
      .set('x-forwarded-for', '10.1.2.3');
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('10.1.2.3');
    expect(states.has(ID)).toBe(false);
    expect(items).toEqual([]);
  });

  it('answers 404 for an unknown policy, 400 for a bad body, and 500 when the audit cannot be kept', async () => {
    const { server } = setup();
    expect((await request(server).post('/api/v1/policies/nope/toggle')).status).toBe(404);
    const bad = await request(server).put(`/api/v1/policies/${ID}/state`).send({ enabled: 'off' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid-body', field: 'enabled' });
    const failing = setup({ failingStore: true });
    const res = await request(failing.server).post(`/api/v1/policies/${ID}/toggle`);
    expect(res.status).toBe(500);
    expect(res.body.message).toContain('disk full');
    // nothing was kept, so nothing took effect
    expect((await request(failing.server).get(`/api/v1/policies/${ID}`)).body.enabled).toBe(true);
  });

  it('answers 503 store-unavailable while the store cannot be reached, and the switch stays as it was', async () => {
    const down = setup({ unreachableStore: true });
    for (const attempt of [1, 2]) {
      const res = await request(down.server).post(`/api/v1/policies/${ID}/toggle`);
      expect({ attempt, status: res.status, body: res.body }).toEqual({
        attempt,
        status: 503,
        body: { error: 'store-unavailable', message: 'the hub store cannot be reached; try again later' },
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // a client's retry after the 503 does not flip it back
      expect((await request(down.server).get(`/api/v1/policies/${ID}`)).body.enabled).toBe(true);
    }
    expect(down.items).toEqual([]);
  });
});

describe('explaining decisions', () => {
  it('explains a decision not made for a customer, with the values seen', async () => {
    const { server, evaluate } = setup();
    evaluate('e-1', 'crm:2', 'gold');
    const res = await request(server).get(`/api/v1/policies/${ID}/explain?customer=crm:2`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      policyId: ID,
      customerRef: 'crm:2',
      evaluations: [
        {
          outcome: 'not-matched',
          event: { eventId: 'e-1', type: 'withdrawal' },
          checks: expect.arrayContaining([
            { condition: 'customer.tier == "platinum"', held: false, actual: 'gold' },
          ]),
          decisions: [],
        },
      ],
    });
  });

  it('answers 404 with the retention when nothing was evaluated, 400 without a customer', async () => {
    const { server } = setup();
    const none = await request(server).get(`/api/v1/policies/${ID}/explain?customer=crm:9`);
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ error: 'no-evaluation', field: 'customer' });
    expect((await request(server).get(`/api/v1/policies/${ID}/explain`)).status).toBe(400);
  });

  it('shows the evaluation behind a decision id', async () => {
    const { server, evaluate } = setup();
    const [decision] = evaluate('e-1', 'crm:1', 'platinum').decisions;
    const res = await request(server).get(`/api/v1/decisions/${decision.decisionId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      decision: { decisionId: decision.decisionId, policyId: ID, customerRef: 'crm:1' },
      evaluation: {
        customerRef: 'crm:1',
        explanations: [expect.objectContaining({ policyId: ID, outcome: 'fired' })],
        arbitration: { rule: 'priority, then score', ranked: [expect.objectContaining({ rank: 1 })] },
      },
    });
    // hex digits in either case name the same id (a ticket or a log may have upper-cased it)
    const upper = await request(server).get(`/api/v1/decisions/${decision.decisionId.toUpperCase()}`);
    expect(upper.status).toBe(200);
    expect(upper.body.decision.decisionId).toBe(decision.decisionId);
    const unknown = await request(server).get(`/api/v1/decisions/${'A'.repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('a'.repeat(32));
    expect((await request(server).get(`/api/v1/decisions/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await request(server).get('/api/v1/decisions/not-an-id')).status).toBe(400);
  });
});
