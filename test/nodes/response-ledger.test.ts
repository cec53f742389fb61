import request from 'supertest';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import { all, captured, core, helper, load, nextInput, tempDir, useHelper, type FlowNode } from './harness';

useHelper();

const WEB_DECISION = 'a1'.repeat(16);

const flow = (): FlowNode[] => [
  { id: 'tab', type: 'tab' },
  { id: 'store', type: 'hub-store', z: 'tab', databaseUrl: '', directory: tempDir('ledger') },
  { id: 'act', type: 'channel-action', z: 'tab', store: 'store', wires: [['out'], ['held']] },
  { id: 'out', type: 'helper', z: 'tab' },
  { id: 'held', type: 'helper', z: 'tab' },
];

async function customer(ref: string, document: Record<string, unknown>): Promise<void> {
  const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
  await store.putCustomer({
    customerRef: ref,
    document: { customerRef: ref, kind: 'person', ...document },
    updatedAt: '2026-01-10T09:00:00Z',
    sourceSystem: 'crm',
  });
}

const decision = (overrides: Record<string, unknown>) => ({
  priority: 60,
  title: { en: 'Offer', de: 'Angebot' },
  eventId: 'e-1',
  ...overrides,
});

async function reportOf(policyId: string) {
  await hubRuntime.responseLedger.settled();
  return (await hubRuntime.responseLedger.report({ policyIds: [policyId] })).get(policyId)!;
}

describe('the response ledger behind channel-action and the REST API', () => {
  it('counts a delivered action in its segment, a refused one by reason, and the answer to it', async () => {
    await load([...all, core.catchNode], flow());
    await customer('crm:3001', { segment: 'young-professionals' });
    await customer('crm:3002', {
      consents: [{ channel: 'sms', purpose: 'marketing', status: 'withdrawn', at: '2026-01-10T09:00:00Z' }],
    });

    const out = nextInput('out');
    helper.getNode('act').receive({
      payload: decision({
        decisionId: WEB_DECISION,
        policyId: 'address-change-mortgage',
        action: 'web-offer',
        offer: 'mortgage',
        channel: 'web',
        customerRef: 'crm:3001',
      }),
    } as never);
    await out;
    const caught = nextInput<{ contactPolicy: { reason: string } }>('held');
    helper.getNode('act').receive({
      payload: decision({
        decisionId: 'b2'.repeat(16),
        policyId: 'credit-card-sms',
        action: 'sms',
        channel: 'sms',
        customerRef: 'crm:3002',
      }),
    } as never);
    expect((await caught).contactPolicy.reason).toBe('opt-out');

    const answered = nextInput('out');
    helper.getNode('act').receive({
      payload: {
        schemaVersion: '1.0',
        responseId: 'r-1',
        offerId: WEB_DECISION,
        customerRef: 'crm:3001',
        channel: 'web',
        outcome: 'clicked',
        occurredAt: new Date().toISOString(),
      },
    } as never);
    await answered;

    const web = await reportOf('address-change-mortgage');
    expect(web.today).toMatchObject({
      delivered: 1,
      positive: 1,
      responseRate: 1,
      responses: { clicked: 1 },
    });
    expect(web.segments['young-professionals']).toMatchObject({ delivered: 1 });
    expect(hubRuntime.responseLedger.counts('address-change-mortgage', 'young-professionals')).toEqual({
      delivered: 1,
      positive: 1,
    });
    const sms = await reportOf('credit-card-sms');
    expect(sms.today).toMatchObject({ delivered: 0, suppressed: { 'opt-out': 1 } });
  });

  it('takes responses on POST /api/v1/responses and finds the policy of an action that was never stored', async () => {
    await load([...all, core.catchNode], flow());
    await customer('crm:3003', {
      consents: [{ channel: 'sms', purpose: 'service', status: 'granted', at: '2026-01-10T09:00:00Z' }],
    });
    const out = nextInput('out');
    // a service SMS passes consent and quiet hours; it is not stored as a web offer
    helper.getNode('act').receive({
      payload: decision({
        decisionId: 'c3'.repeat(16),
        policyId: 'delay-sms',
        action: 'sms',
        channel: 'sms',
        customerRef: 'crm:3003',
      }),
      contact: { purpose: 'service' },
    } as never);
    await out;
    await hubRuntime.responseLedger.settled();

    const res = await request(captured.red!.httpNode)
      .post('/api/v1/responses')
      .send({
        schemaVersion: '1.0',
        responseId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6e',
        offerId: 'c3'.repeat(16),
        customerRef: 'crm:3003',
        channel: 'sms',
        outcome: 'declined',
        occurredAt: new Date().toISOString(),
      });
    expect(res.status).toBe(202);
    expect(res.body.responses).toEqual([
      expect.objectContaining({ new: true, policyId: 'delay-sms', group: 'treated', inTime: true }),
    ]);
    expect((await reportOf('delay-sms')).today).toMatchObject({
      delivered: 1,
      responses: { rejected: 1 },
      positive: 0,
    });
  });

  it('counts a wait the sweep settled under the event that started it, in the segment of the profile it was judged with', async () => {
    const directory = tempDir('ledger-sweep');
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory },
      // a sweep every 50 ms: the wait below is already due when it starts
      { id: 'eng', type: 'policy-engine', store: 'store', sweepSeconds: '0.05', wires: [[]] },
      {
        id: 'unanswered',
        type: 'policy',
        engine: 'eng',
        policyId: 'unanswered-complaint-callback',
        titleEn: 'Unanswered complaint → call back',
        titleDe: 'Unbeantwortete Beschwerde → Rückruf',
        when: 'event complaint',
        condition: '',
        history: 'no complaint-answered within 2d',
        then: 'call-task to service-rep within 1d',
        perCustomer: '',
        global: '',
        priority: '80',
        mode: 'trigger',
        active: true,
        version: 4,
        wires: [['decided']],
      },
      { id: 'decided', type: 'helper' },
    ]);
    await customer('crm:3010', { segment: 'young-professionals' });
    const complaintId = '6d1f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const decided = nextInput<{ payload: { decisionId: string } }>('decided');
    helper.getNode('eng').receive({
      payload: {
        eventId: complaintId,
        schemaVersion: '1.0',
        type: 'complaint',
        occurredAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
        channel: 'call-center',
        source: { system: 'crm' },
        customer: { ref: 'crm:3010', identifiers: [{ system: 'crm', id: '3010' }] },
        data: {},
      },
    });
    const { decisionId } = (await decided).payload;
    // the registry hears of the settled wait once the sweep has completed it
    const explained = await until(() => hubRuntime.policyRegistry.decision(decisionId));
    expect(explained.evaluation).toMatchObject({
      customerRef: 'crm:3010',
      event: { eventId: complaintId, type: 'complaint' },
    });
    expect(
      hubRuntime.policyRegistry
        .explain('unanswered-complaint-callback', 'crm:3010')
        .evaluations.map((e) => [e.outcome, e.event.eventId]),
    ).toContainEqual(['fired', complaintId]);
    const report = await reportOf('unanswered-complaint-callback');
    expect(report.segments['young-professionals']).toMatchObject({ fires: 1 });
  });
});

/** Polls until `found` gives a value (the policy engine's sweep runs on its own timer); 5 s at most. */
async function until<T>(found: () => T | undefined): Promise<T> {
  for (let tries = 0; tries < 500; tries += 1) {
    const value = found();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('not found within 5 s');
}
