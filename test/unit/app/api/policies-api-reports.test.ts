import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { createPoliciesApi, type PoliciesBackend } from '../../../../app/api/policies-api';
import { compileCard } from '../../../../policies/card';
import { ContactPolicy } from '../../../../policies/contact/contact-policy';
import { recordResponse } from '../../../../policies/contact/responses';
import { PolicyEngine } from '../../../../policies/engine';
import { PolicyRegistry } from '../../../../policies/registry';
import { ResponseLedger } from '../../../../policies/response-ledger';
import { EmbeddedStore } from '../../../../records/embedded-store';
import { platinumCard, withdrawalEvent } from '../../policies/fixtures';

const platinum = compileCard(platinumCard);
const ID = platinum.id;
const NOW = Date.parse('2026-11-22T12:00:00Z');
const DECISION = 'a'.repeat(32);

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-reports-'));
  store = new EmbeddedStore({ directory });
  await store.open();
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

function setup(options: { withLedger?: boolean } = {}) {
  const ledger = new ResponseLedger({ store: () => store, clock: () => NOW });
  const registry = new PolicyRegistry({
    switches: { isEnabled: () => true, setEnabled: async () => undefined },
    ...(options.withLedger === false ? {} : { ledger }),
  });
  registry.declare(platinum, { kind: 'node', id: 'n1', engineId: 'eng' });
  const contactPolicy = new ContactPolicy({}, { clock: () => NOW });
  const backend: PoliciesBackend = {
    registry,
    authConfigured: () => false,
    ...(options.withLedger === false
      ? {}
      : {
          reports: (o) => ledger.report(o),
          recordResponse: (response) => recordResponse(contactPolicy, store, response, ledger),
        }),
  };
  const server = express();
  server.use('/api/v1', createPoliciesApi({ policies: () => backend }));
  const engine = new PolicyEngine();
  engine.register(platinum);
  const evaluate = (eventId: string) => {
    const event = withdrawalEvent(eventId, 'crm:1', 12000) as never;
    registry.observe(
      'eng',
      event,
      engine.evaluate(event, { customer: { tier: 'platinum' }, isEnabled: () => true }),
    );
  };
  return { server, ledger, evaluate };
}

const answer = (overrides: Record<string, unknown> = {}) => ({
  schemaVersion: '1.0',
  responseId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  offerId: DECISION,
  customerRef: 'crm:1',
  channel: 'call-center',
  outcome: 'accepted',
  occurredAt: '2026-11-22T11:00:00Z',
  ...overrides,
});

describe('policy reports in the policies API', () => {
  it('lists every card with its report, and one card with a chart of the days asked for', async () => {
    const { server, ledger, evaluate } = setup();
    evaluate('e-1');
    await ledger.settled();
    await ledger.recordContact({
      policyId: ID,
      actionId: DECISION,
      customerRef: 'crm:1',
      allowed: true,
      at: NOW,
    });
    await ledger.recordContact({
      policyId: ID,
      actionId: 'b'.repeat(32),
      allowed: false,
      reason: 'quiet-hours',
      at: NOW,
    });

    const list = await request(server).get('/api/v1/policies');
    expect(list.status).toBe(200);
    const [summary] = list.body.policies;
    // what the list said before stays as it was
    expect(summary).toMatchObject({ policyId: ID, enabled: true, counts: { today: { fired: 1 } } });
    expect(summary.report.today).toMatchObject({
      from: '2026-11-22',
      fires: 1,
      delivered: 1,
      suppressed: { 'quiet-hours': 1 },
      responseRate: 0,
    });
    expect(summary.report.days).toHaveLength(7);

    const one = await request(server).get(`/api/v1/policies/${ID}?days=30`);
    expect(one.status).toBe(200);
    expect(one.body.report.days).toHaveLength(30);
    expect(one.body.report.days[29]).toMatchObject({ from: '2026-11-22', delivered: 1 });
    expect(one.body.report.last7Days).toMatchObject({ from: '2026-11-16', to: '2026-11-22', delivered: 1 });

    const bad = await request(server).get(`/api/v1/policies/${ID}?days=91`);
    expect([bad.status, bad.body.error, bad.body.field]).toEqual([400, 'invalid-days', 'days']);
    // qs makes these an object and a list, which Number() fails on or reads as 30
    for (const query of ['days[toString]=1', 'days[]=30']) {
      const odd = await request(server).get(`/api/v1/policies/${ID}?${query}`);
      expect([query, odd.status, odd.body.error]).toEqual([query, 400, 'invalid-days']);
    }
    const audit = await request(server).get(`/api/v1/policies/${ID}/audit?limit[toString]=1`);
    expect([audit.status, audit.body.error]).toEqual([400, 'invalid-limit']);
  });

  it('leaves the report out where no ledger is deployed', async () => {
    const { server } = setup({ withLedger: false });
    const res = await request(server).get(`/api/v1/policies/${ID}`);
    expect(res.status).toBe(200);
    expect(res.body.report).toBeUndefined();
    const post = await request(server).post('/api/v1/responses').send(answer());
    expect([post.status, post.body.error]).toEqual([503, 'no-responses']);
  });
});

describe('POST /api/v1/responses', () => {
  it('records canonical responses, one or a batch, and answers 202 with their ids', async () => {
    const { server, ledger } = setup();
    await ledger.recordContact({
      policyId: ID,
      actionId: DECISION,
      customerRef: 'crm:1',
      allowed: true,
      at: NOW,
    });

    const one = await request(server).post('/api/v1/responses').send(answer());
    expect(one.status).toBe(202);
    expect(one.body).toEqual({
      responseIds: ['9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'],
      responses: [
        {
          responseId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
          new: true,
          policyId: ID,
          group: 'treated',
          inTime: true,
        },
      ],
    });
    // sent again, and a batch where one has no id yet (it gets a stable one) and says "declined"
    const { responseId: _dropped, ...withoutId } = answer({
      outcome: 'declined',
      occurredAt: '2026-11-22T11:30:00Z',
    });
    const batch = await request(server).post('/api/v1/responses').send([answer(), withoutId]);
    expect(batch.status).toBe(202);
    expect(batch.body.responses.map((r: { new: boolean }) => r.new)).toEqual([false, true]);
    // the same response with its UUID in capitals is the one recorded (RFC 9562: no case)
    const shouted = answer();
    const upper = await request(server)
      .post('/api/v1/responses')
      .send({ ...shouted, responseId: shouted.responseId.toUpperCase() });
    expect(upper.body.responses).toEqual([
      expect.objectContaining({ responseId: shouted.responseId, new: false }),
    ]);
    expect(batch.body.responseIds[1]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const report = (await ledger.report({ policyIds: [ID] })).get(ID)!;
    expect(report.today.responses).toMatchObject({ accepted: 1, rejected: 1 });
    expect(report.today).toMatchObject({ delivered: 1, positive: 1, responseRate: 1 });
    // the decline started the cooldown in the customer's history
    const history = await store.listHistory('crm:1', '2026-11-01T00:00:00Z');
    expect(history.map((entry) => entry.response?.outcome)).toEqual(['accepted', 'rejected']);
  });

  it('refuses bad input with a JSON body naming the field', async () => {
    const { server } = setup();
    const outcome = await request(server)
      .post('/api/v1/responses')
      .send(answer({ outcome: 'maybe' }));
    expect(outcome.status).toBe(400);
    expect(outcome.body).toMatchObject({ error: 'invalid-response', field: 'outcome', index: 0 });
    expect(outcome.body.message).toContain(
      'must be one of: accepted, rejected, ignored, clicked, converted, declined',
    );

    const offer = await request(server)
      .post('/api/v1/responses')
      .send([answer(), answer({ offerId: 'offer-1' })]);
    expect(offer.body).toMatchObject({ error: 'invalid-response', field: 'offerId', index: 1 });

    // valid, but neither the response nor any action the hub knows names its policy
    const nobody = await request(server)
      .post('/api/v1/responses')
      .send(answer({ offerId: 'c'.repeat(32) }));
    expect(nobody.status).toBe(400);
    expect(nobody.body).toMatchObject({ error: 'unattributable-response', field: 'policyId', index: 0 });

    const empty = await request(server).post('/api/v1/responses').send([]);
    expect([empty.status, empty.body.error]).toEqual([400, 'empty-batch']);
    const text = await request(server)
      .post('/api/v1/responses')
      .set('content-type', 'text/plain')
      .send('accepted');
    expect(text.status).toBe(415);
  });
});
