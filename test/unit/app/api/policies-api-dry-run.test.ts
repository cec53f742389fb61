import express from 'express';
import request from 'supertest';
import { createPoliciesApi, type PoliciesBackend } from '../../../../app/api/policies-api';
import { compileCard } from '../../../../policies/card';
import type { DryRunStore } from '../../../../policies/dry-run';
import { PolicyRegistry } from '../../../../policies/registry';
import type { StoredInteraction } from '../../../../records/store';
import { platinumCard } from '../../policies/fixtures';

const platinum = compileCard(platinumCard);

const RECORDED: StoredInteraction[] = [
  ['w-1', 'crm:1', '2025-01-06T10:00:00.000Z'],
  ['w-2', 'crm:1', '2025-01-08T10:00:00.000Z'],
  ['w-3', 'crm:2', '2025-01-09T10:00:00.000Z'],
].map(([eventId, customerRef, occurredAt]) => ({
  eventId,
  customerRef,
  type: 'withdrawal',
  channel: 'branch',
  occurredAt,
  summary: { amount: { value: 12000, currency: 'EUR' } },
}));

function setup(options: { store?: boolean } = {}) {
  const registry = new PolicyRegistry({
    switches: { isEnabled: () => true, setEnabled: async () => undefined },
  });
  registry.declare(platinum, { kind: 'node', id: 'n1', engineId: 'eng' });
  const backend: PoliciesBackend = {
    registry,
    authConfigured: () => false,
    contactPolicy: () => ({}),
  };
  const periods: string[] = [];
  const store: DryRunStore = {
    listInteractionsBetween: async (from, to, opts = {}) => {
      periods.push(`${from}/${to}`);
      return opts.after ? [] : RECORDED.filter((i) => i.occurredAt >= from && i.occurredAt < to);
    },
    getCustomer: async (ref) => ({
      customerRef: ref,
      document: { tier: 'platinum' },
      updatedAt: '2025-01-01T00:00:00.000Z',
      sourceSystem: 'crm',
      version: 1,
    }),
    listHistory: async () => [],
  };
  const server = express();
  server.use(
    '/api/v1',
    createPoliciesApi({
      policies: () => backend,
      store: () => (options.store === false ? undefined : store),
    }),
  );
  return { server, periods };
}

const PERIOD = { from: '2025-01-01', to: '2025-02-01T00:00:00Z' };

describe('POST /api/v1/policies/dry-run', () => {
  it('replays a deployed card by policyId and answers with the report', async () => {
    const { server, periods } = setup();
    const res = await request(server)
      .post('/api/v1/policies/dry-run')
      .send({ policyId: platinum.id, ...PERIOD });
    expect(res.status).toBe(200);
    expect(periods[0]).toBe('2025-01-01T00:00:00.000Z/2025-02-01T00:00:00.000Z');
    expect(res.body).toMatchObject({
      policyId: 'platinum-large-withdrawal',
      version: platinum.version,
      period: { from: '2025-01-01T00:00:00.000Z', to: '2025-02-01T00:00:00.000Z' },
      events: 3,
      evaluated: 3,
      // a call task (phone) needs no prior consent by default; the card's own cap stops crm:1's second
      wouldFire: 2,
      stopped: { cap: 1 },
      customers: [
        { customerRef: 'crm:1', fired: 1, stopped: { cap: 1 } },
        { customerRef: 'crm:2', fired: 1, stopped: {} },
      ],
    });
    expect(res.body.sample.map((s: { eventId: string }) => s.eventId)).toEqual(['w-1', 'w-2', 'w-3']);
  });

  it('replays a card not yet deployed, given as YAML', async () => {
    const { server } = setup();
    const card = [
      'policy: new-card',
      'title: { de: "Neu", en: "New" }',
      'when: event withdrawal',
      'then: call-task to sales-rep',
      'limits: { global: 1 per day }',
      'priority: 10',
    ].join('\n');
    const res = await request(server)
      .post('/api/v1/policies/dry-run')
      .send({ card, ...PERIOD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ policyId: 'new-card', wouldFire: 3, stopped: {} });
  });

  it('answers 400 naming line and field for a card that does not compile', async () => {
    const { server } = setup();
    const card =
      'policy: broken\ntitle: { de: "x", en: "x" }\nwhen: event withdrawal\nthen: call-task to sales-rep\npriority: high\n';
    const res = await request(server)
      .post('/api/v1/policies/dry-run')
      .send({ card, ...PERIOD });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-card', field: 'priority', line: 5 });
    expect(res.body.message).toMatch(/line 5, field priority/);

    const object = await request(server)
      .post('/api/v1/policies/dry-run')
      .send({ card: { ...platinumCard, limits: { 'per-customer': 'often' } }, ...PERIOD });
    expect(object.status).toBe(400);
    expect(object.body).toMatchObject({ error: 'invalid-card', field: 'limits.per-customer' });
  });

  it('answers 404 for an unknown policyId', async () => {
    const { server } = setup();
    const res = await request(server)
      .post('/api/v1/policies/dry-run')
      .send({ policyId: 'nope', ...PERIOD });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'unknown-policy', field: 'policyId' });
  });

  it('answers 400 for bad dates, a period too long, and a body without a card', async () => {
    const { server } = setup();
    const post = (body: object) => request(server).post('/api/v1/policies/dry-run').send(body);
    expect((await post({ policyId: platinum.id, from: 'last week', to: PERIOD.to })).body).toMatchObject({
      error: 'invalid-period',
      field: 'from',
    });
    expect((await post({ policyId: platinum.id, to: PERIOD.to })).body).toMatchObject({
      error: 'invalid-period',
      field: 'from',
      message: 'from is required: a date such as 2025-01-01',
    });
    expect((await post({ policyId: platinum.id, from: PERIOD.to, to: PERIOD.from })).body).toMatchObject({
      error: 'invalid-period',
      field: 'to',
    });
    const long = await post({ policyId: platinum.id, from: '2025-01-01', to: '2025-06-01' });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ error: 'period-too-long', field: 'to' });
    const none = await post(PERIOD);
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: 'invalid-body', field: 'card' });
  });

  it('refuses a day the calendar does not have instead of rolling it over into the next month', async () => {
    const { server, periods } = setup();
    const post = (body: object) => request(server).post('/api/v1/policies/dry-run').send(body);
    for (const [field, body] of [
      ['from', { from: '2025-02-30', to: '2025-03-03' }],
      ['from', { from: '2025-02-29T08:00:00+01:00', to: '2025-03-03' }],
      ['to', { from: '2025-04-01', to: '2025-04-31T00:00:00Z' }],
    ] as const) {
      const res = await post({ policyId: platinum.id, ...body });
      const value = body[field];
      expect({ field, status: res.status, body: res.body }).toEqual({
        field,
        status: 400,
        body: { error: 'invalid-period', field, message: `${field}: "${value}" is not a calendar date` },
      });
    }
    // a leap year has the 29th
    expect((await post({ policyId: platinum.id, from: '2024-02-29', to: '2024-03-01' })).status).toBe(200);
    expect(periods).toEqual(['2024-02-29T00:00:00.000Z/2024-03-01T00:00:00.000Z']);
  });

  it('answers 503 without a hub store', async () => {
    const { server } = setup({ store: false });
    const res = await request(server)
      .post('/api/v1/policies/dry-run')
      .send({ policyId: platinum.id, ...PERIOD });
    expect(res.status).toBe(503);
  });
});
