import type { InteractionEvent } from '../../mappings/canonical/types';
import { compileCard, type PolicyCard } from '../../policies/card';
import { PolicyState } from '../../policies/policy-state';
import { DAY, T0, eventFactory, unansweredComplaintCard } from '../unit/policies/fixtures';
import { sharedSchema } from './postgres-schema';

const allOn = { isEnabled: () => true };
const eventAt = eventFactory({ channel: 'web', source: { system: 'web' } }, 'pg-e');
const event = (type: string, ref: string, atMs: number, extra: Partial<InteractionEvent> = {}) =>
  eventAt(type, atMs, { customer: { ref, identifiers: [] }, ...extra });

const dailyOne: PolicyCard = {
  policy: 'daily-voucher',
  title: { de: 'Ein Gutschein am Tag', en: 'One voucher a day' },
  when: 'event web-visit',
  then: 'web-offer voucher to web within 1d',
  limits: { global: '1 per day' },
  priority: 10,
};

const manyWithdrawals: PolicyCard = {
  policy: 'many-withdrawals',
  title: { de: 'Viele Abhebungen', en: 'Many withdrawals' },
  when: 'event withdrawal',
  history: 'count withdrawal within 7d >= 3',
  then: 'call-task to sales-rep within 1d',
  priority: 50,
};

const unanswered = unansweredComplaintCard;

describe('PolicyState shared by two hub instances on PostgreSQL', () => {
  let now = T0;
  const { stores, open } = sharedSchema('crm_hub_policy_state');
  let hubs: PolicyState[] = [];

  beforeAll(async () => {
    await Promise.all([open({ poolSize: 4 }), open({ poolSize: 4 })]);
    hubs = stores.map((store, i) => {
      const state = new PolicyState({ store, clock: () => now, instanceId: `hub-${i}`, leaseMs: 60_000 });
      for (const card of [dailyOne, manyWithdrawals, unanswered]) state.engine.register(compileCard(card));
      return state;
    });
  });

  it('lets only one of two instances pass a global cap of 1, also when they decide at once', async () => {
    now = T0;
    // Both evaluate side by side; each local counter is empty, so only the store can hold the cap.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => hubs[i % 2].evaluate(event('web-visit', `crm:${i}`, now), allOn)),
    );
    expect(results.flatMap((r) => r.decisions)).toHaveLength(1);
    const capped = results.flatMap((r) => r.explanations).filter((e) => e.outcome === 'capped');
    expect(capped).toHaveLength(7);
    expect(capped.every((e) => e.cap?.scope === 'global')).toBe(true);

    // the cap is the store's, so a day later either instance may fire again, once
    now = T0 + DAY;
    const nextDay = await Promise.all(
      hubs.map((hub, i) => hub.evaluate(event('web-visit', `crm:next-${i}`, now), allOn)),
    );
    expect(nextDay.flatMap((r) => r.decisions)).toHaveLength(1);
  });

  it('reads the history another instance wrote when it first sees the customer', async () => {
    now = T0;
    await hubs[0].evaluate(event('withdrawal', 'crm:shared', now), allOn);
    now = T0 + 1000;
    await hubs[0].evaluate(event('withdrawal', 'crm:shared', now), allOn);
    now = T0 + 2000;
    const third = await hubs[1].evaluate(event('withdrawal', 'crm:shared', now), allOn);
    expect(third.explanations[0].checks).toEqual([
      { condition: 'count withdrawal within 7d >= 3', held: true, actual: 3 },
    ]);
    expect(third.decisions).toHaveLength(1);
  });

  it('fires a due wait on exactly one instance when both sweep at once', async () => {
    now = T0;
    await hubs[0].evaluate(event('complaint', 'crm:complainer', now), allOn);
    now = T0 + 2 * DAY;
    const sweeps = await Promise.all(hubs.map((hub) => hub.sweep(allOn)));
    const fired = sweeps.flatMap((s) => s.settled.flatMap((e) => e.decisions));
    expect(fired).toMatchObject([{ policyId: 'unanswered-complaint', customerRef: 'crm:complainer' }]);
    now = T0 + 3 * DAY;
    const again = await Promise.all(hubs.map((hub) => hub.sweep(allOn)));
    expect(again.flatMap((s) => s.settled)).toEqual([]);
  });

  it('does not fire a wait answered early on the other instance when the sweep comes late', async () => {
    const start = T0 + 10 * DAY;
    now = start;
    await hubs[0].evaluate(event('complaint', 'crm:answered', now), allOn);
    now = start + 500;
    await hubs[1].evaluate(event('complaint-answered', 'crm:answered', now), allOn);
    // a minute past due: the answer is further back than the card's 2d from now
    now = start + 2 * DAY + 60_000;
    const { settled, failed } = await hubs[0].sweep(allOn);
    expect(failed).toEqual([]);
    expect(settled.flatMap((e) => e.decisions)).toEqual([]);
    expect(settled.map((e) => e.explanations[0].reason)).toEqual([
      'not matched: no complaint-answered within 2d (actual: 1)',
    ]);
  });
});
