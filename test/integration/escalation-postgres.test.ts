import { compileCard } from '../../policies/card';
import { parseCardYaml } from '../../policies/card-files';
import { escalationProcessId } from '../../policies/escalation';
import { PolicyState } from '../../policies/policy-state';
import { DAY, T0, eventFactory } from '../unit/policies/fixtures';
import { sharedSchema } from './postgres-schema';

const allOn = { isEnabled: () => true };
const eventAt = eventFactory({ channel: 'call-center', source: { system: 'crm' } }, 'pg-esc');
const event = (type: string, ref: string, atMs: number) =>
  eventAt(type, atMs, { customer: { ref, identifiers: [] } });

const ladder = parseCardYaml(`policy: second-complaint-escalation
title: { de: "Zweite Beschwerde in 30 Tagen", en: "Second complaint within 30 days" }
when: event complaint
history: count complaint within 30d >= 2
then: escalation to branch-manager within 2d
escalation:
  until: complaint-answered
  steps:
    - regional-manager within 2d
    - head-of-service
priority: 90
`).card;

describe('escalation ladders shared by two hub instances on PostgreSQL', () => {
  let now = T0;
  const { stores, open } = sharedSchema('crm_hub_escalation');
  let hubs: PolicyState[] = [];

  beforeAll(async () => {
    await Promise.all([open({ poolSize: 4 }), open({ poolSize: 4 })]);
    hubs = stores.map((store, i) => {
      const state = new PolicyState({ store, clock: () => now, instanceId: `hub-${i}`, leaseMs: 60_000 });
      state.engine.register(compileCard(ladder));
      return state;
    });
  });

  /** Two complaints a day apart, the second on the other instance: the case opens at `start` + 1d. */
  async function secondComplaint(ref: string, start: number) {
    now = start;
    await hubs[0].evaluate(event('complaint', ref, now), allOn);
    now = start + DAY;
    const complaint = event('complaint', ref, now);
    const result = await hubs[1].evaluate(complaint, allOn);
    expect(result.decisions.map((d) => d.channel)).toEqual(['branch-manager']);
    return complaint;
  }

  /** Four sweeps at once, two per instance; what went out, as "<customer> <recipient>". */
  async function sweepTogether(at: number): Promise<string[]> {
    now = at;
    const results = await Promise.all([0, 1, 0, 1].map((i) => hubs[i].sweep(allOn)));
    expect(results.flatMap((r) => r.failed)).toEqual([]);
    return results.flatMap((r) =>
      r.settled.flatMap((e) => e.decisions.map((d) => `${d.customerRef} ${d.channel}`)),
    );
  }

  it('hands each level of each case on exactly once while both instances sweep side by side', async () => {
    const customers = Array.from({ length: 6 }, (_, i) => `crm:pg-${i}`);
    for (const ref of customers) await secondComplaint(ref, T0);

    expect(await sweepTogether(T0 + 3 * DAY - 1)).toEqual([]);
    expect((await sweepTogether(T0 + 3 * DAY)).sort()).toEqual(
      customers.map((ref) => `${ref} regional-manager`),
    );
    expect((await sweepTogether(T0 + 5 * DAY)).sort()).toEqual(
      customers.map((ref) => `${ref} head-of-service`),
    );
    expect(await sweepTogether(T0 + 40 * DAY)).toEqual([]);
    for (const ref of customers) {
      const [stored] = await stores[0].listProcesses(ref);
      expect(stored.process).toMatchObject({ status: 'open', step: 'head-of-service' });
      expect(stored.revision).toBe(3);
    }
  });

  it('stops a case answered on one instance while the other sweeps it, and never reopens it', async () => {
    const start = T0 + 100 * DAY;
    const answered = await secondComplaint('crm:pg-answered', start);
    await secondComplaint('crm:pg-racing', start);

    // answered well before the timer: nothing goes out
    now = start + 2 * DAY;
    await hubs[0].evaluate(event('complaint-answered', 'crm:pg-answered', now), allOn);

    // answered at the very moment the timer is swept on the other instance: one of the two wins
    now = start + 3 * DAY;
    const [swept] = await Promise.all([
      hubs[1].sweep(allOn),
      hubs[0].evaluate(event('complaint-answered', 'crm:pg-racing', now), allOn),
    ]);
    expect(swept.failed).toEqual([]);
    const sent = swept.settled.flatMap((e) => e.decisions.map((d) => `${d.customerRef} ${d.channel}`));
    expect(sent.filter((line) => line.startsWith('crm:pg-answered'))).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(1);

    for (const ref of ['crm:pg-answered', 'crm:pg-racing']) {
      const [stored] = await stores[1].listProcesses(ref);
      expect(stored.process.status).toBe('completed');
    }
    const answeredCase = await stores[1].getProcess(
      escalationProcessId('second-complaint-escalation', answered.eventId),
    );
    expect(answeredCase?.process.step).toBe('branch-manager');
    expect(await sweepTogether(start + 40 * DAY)).toEqual([]);
  });
});
