import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import { escalationProcessId } from '../../policies/escalation';
import { all, helper, load, nextInput, tempDir, useHelper } from './harness';

useHelper();

// The ladder's story runs ten days ahead of the clock (events dated days ahead, sweeps at their times):
// the hub refuses events dated after its clock beyond CRM_HUB_MAX_FUTURE_SECONDS (event-check.ts), so
// this test allows a year.
const allowedFuture = process.env.CRM_HUB_MAX_FUTURE_SECONDS;
beforeAll(() => (process.env.CRM_HUB_MAX_FUTURE_SECONDS = String(365 * 86_400)));
afterAll(() => {
  if (allowedFuture === undefined) delete process.env.CRM_HUB_MAX_FUTURE_SECONDS;
  else process.env.CRM_HUB_MAX_FUTURE_SECONDS = allowedFuture;
});

const DAY = 86_400_000;
const HOUR = 3_600_000;

const event = (eventId: string, type: string, atMs: number) => ({
  eventId,
  schemaVersion: '1.0',
  type,
  occurredAt: new Date(atMs).toISOString(),
  channel: 'call-center',
  source: { system: 'crm' },
  customer: { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
  data: {},
});

/** The shipped card as a policy node: a second complaint within 30 days climbs the ladder. */
const flow = (directory: string) => [
  { id: 'store', type: 'hub-store', databaseUrl: '', directory },
  { id: 'eng', type: 'policy-engine', store: 'store', sweepSeconds: '30', wires: [['evaluated']] },
  {
    id: 'ladder',
    type: 'policy',
    engine: 'eng',
    policyId: 'second-complaint-escalation',
    titleEn: 'Second complaint within 30 days',
    titleDe: 'Zweite Beschwerde in 30 Tagen',
    when: 'event complaint',
    condition: '',
    history: 'count complaint within 30d >= 2',
    then: 'escalation to branch-manager within 2d',
    escalation: 'until complaint-answered; regional-manager within 2d; head-of-service',
    perCustomer: '1 per 30d',
    global: '',
    priority: '90',
    mode: 'trigger',
    active: true,
    version: 3,
    wires: [['decided']],
  },
  { id: 'decided', type: 'helper' },
  { id: 'evaluated', type: 'helper' },
];

type Decided = { payload: Record<string, unknown>; event: Record<string, unknown> };

describe('policy node with an escalation ladder', () => {
  it('escalates a second complaint to the branch manager, then at the sweep to the next level, until answered', async () => {
    await load(all, flow(tempDir('escalation')));
    const decided: Decided[] = [];
    helper.getNode('decided').on('input', (msg: Record<string, unknown>) => decided.push(msg as Decided));
    const t0 = Date.now();
    const send = async (payload: ReturnType<typeof event>) => {
      const evaluated = nextInput<{ decisions: unknown[] }>('evaluated');
      helper.getNode('eng').receive({ payload });
      return evaluated;
    };

    await send(event('00000000-0000-4000-8000-0000000000c1', 'complaint', t0 - DAY));
    expect(decided).toEqual([]);
    await send(event('00000000-0000-4000-8000-0000000000c2', 'complaint', t0));
    const processId = escalationProcessId(
      'second-complaint-escalation',
      '00000000-0000-4000-8000-0000000000c2',
    );
    expect(decided.map((msg) => msg.payload)).toMatchObject([
      {
        policyId: 'second-complaint-escalation',
        action: 'escalation',
        channel: 'branch-manager',
        escalation: { processId, level: 0, levels: 3, until: ['complaint-answered'] },
      },
    ]);

    // the branch manager's two days are not over yet
    expect((await hubRuntime.policies.sweep('eng', { now: t0 + DAY })).settled).toEqual([]);
    const handedOn = nextInput('decided');
    const due = await hubRuntime.policies.sweep('eng', { now: t0 + 2 * DAY + HOUR });
    expect(due.failed).toEqual([]);
    await handedOn;
    expect(decided.slice(1)).toMatchObject([
      {
        payload: {
          policyId: 'second-complaint-escalation',
          action: 'escalation',
          channel: 'regional-manager',
          eventId: '00000000-0000-4000-8000-0000000000c2',
          expiresAt: new Date(t0 + 4 * DAY + HOUR).toISOString(),
          escalation: { processId, level: 1 },
        },
        event: { eventId: '00000000-0000-4000-8000-0000000000c2', type: 'complaint' },
      },
    ]);

    // the answer closes the case: the head of service never hears of it
    await send(event('00000000-0000-4000-8000-0000000000a1', 'complaint-answered', t0 + 3 * DAY));
    const later = await hubRuntime.policies.sweep('eng', { now: t0 + 10 * DAY });
    expect(later.settled.flatMap((evaluation) => evaluation.explanations)).toMatchObject([
      {
        outcome: 'not-matched',
        reason: expect.stringMatching(/^not escalated: answered by complaint-answered/),
      },
    ]);
    expect(decided).toHaveLength(2);
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect((await store.getProcess(processId))?.process).toMatchObject({
      kind: 'escalation',
      status: 'completed',
      step: 'regional-manager',
    });
  });
});
