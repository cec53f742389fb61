import type { InteractionEvent } from '../../../mappings/canonical/types';
import { compileCard } from '../../../policies/card';
import { PolicyEngine } from '../../../policies/engine';
import { holdoutFraction, inHoldout, parseHoldout } from '../../../policies/holdout';
import { offerIdFor } from '../../../policies/decision-id';
import { PolicyRegistry } from '../../../policies/registry';
import { ResponseLedger } from '../../../policies/response-ledger';
import type { CounterStore, CounterValue } from '../../../records/store';
import { platinumCard, withdrawalEvent } from './fixtures';

const ids = Array.from({ length: 10_000 }, (_, i) => `crm:${String(i + 1).padStart(7, '0')}`);

describe('holdout', () => {
  it('puts about the asked share of customers in the control group', () => {
    for (const percent of [10, 2.5, 50]) {
      const held = ids.filter((id) => inHoldout('mortgage-campaign', id, percent)).length;
      // binomial standard deviation at 10,000 is at most 0.5 percentage points; 4 of them is a wide margin
      expect([percent, Math.abs(held / 100 - percent) < 2]).toEqual([percent, true]);
    }
    expect(ids.some((id) => inHoldout('mortgage-campaign', id, 0))).toBe(false);
  });

  it('assigns each customer the same way every time, and independently per policy', () => {
    const first = ids.map((id) => inHoldout('mortgage-campaign', id, 10));
    const again = ids.map((id) => inHoldout('mortgage-campaign', id, 10));
    expect(again).toEqual(first);
    // pinned: a change of the hash would silently reshuffle every running control group
    expect(holdoutFraction('p', 'c')).toBe(0xcd866157 / 0x1_0000_0000);
    // another policy draws its own group: overlap near 10% × 10% = 1%, not 10%
    const other = ids.map((id) => inHoldout('card-upgrade', id, 10));
    const both = first.filter((held, i) => held && other[i]).length;
    expect(both).toBeGreaterThan(30);
    expect(both).toBeLessThan(200);
    // a larger control group contains the smaller one, so raising the percentage keeps those already held
    const twenty = ids.map((id) => inHoldout('mortgage-campaign', id, 20));
    expect(first.every((held, i) => !held || twenty[i])).toBe(true);
  });

  it('reads percentages as marketers write them', () => {
    expect([parseHoldout('10%'), parseHoldout(' 2.5 % '), parseHoldout(10), parseHoldout('0%')]).toEqual([
      10, 2.5, 10, 0,
    ]);
    expect(() => parseHoldout('-5%')).toThrow(/percentage like 10%/);
    expect(() => parseHoldout('100')).toThrow(/less than 100%/);
  });

  it('the engine records a control-group customer as "would have fired" and spends no cap on it', () => {
    const policy = compileCard({ ...platinumCard, holdout: '10%', limits: { global: '1 per day' } });
    const held = ids.find((id) => inHoldout(policy.id, id, 10)) as string;
    const treated = ids.find((id) => !inHoldout(policy.id, id, 10)) as string;
    const engine = new PolicyEngine();
    engine.register(policy);
    const context = {
      isEnabled: () => true,
      customer: { tier: 'platinum' },
      now: new Date('2026-11-22T10:00:00Z'),
    };
    const event = (id: string, ref: string) => withdrawalEvent(id, ref, 20000) as InteractionEvent;

    const control = engine.evaluate(event('e-1', held), context);
    expect(control.decisions).toEqual([]);
    expect(control.explanations[0]).toMatchObject({
      outcome: 'holdout',
      reason: 'holdout (10% control group): would have fired: call-task to sales-rep',
    });
    // the global cap of 1 is still free for the treated customer
    expect(engine.evaluate(event('e-2', treated), context).decisions).toHaveLength(1);
    expect(engine.evaluate(event('e-3', held), context).explanations[0].outcome).toBe('capped');
  });

  it('records a control-group customer as "would have fired" in the response ledger, once per event', async () => {
    const policy = compileCard({ ...platinumCard, holdout: '10%' });
    const held = ids.find((id) => inHoldout(policy.id, id, 10)) as string;
    const treated = ids.find((id) => !inHoldout(policy.id, id, 10)) as string;
    const engine = new PolicyEngine();
    engine.register(policy);
    const counters = memoryCounters();
    const ledger = new ResponseLedger({
      store: () => counters,
      clock: () => Date.parse('2026-11-22T10:00:00Z'),
    });
    const registry = new PolicyRegistry({
      switches: { isEnabled: () => true, setEnabled: async () => undefined },
      ledger,
    });
    registry.declare(policy, { kind: 'node', id: 'n1' });
    const context = { isEnabled: () => true, customer: { tier: 'platinum', segment: 'private' } };
    for (const [eventId, ref] of [
      ['e-1', held],
      ['e-1', held], // redelivered
      ['e-2', treated],
    ]) {
      const e = withdrawalEvent(eventId, ref, 20000) as InteractionEvent;
      registry.observe('eng', e, engine.evaluate(e, context), context.customer);
    }
    await ledger.settled();

    const report = (await ledger.report({ policyIds: [policy.id] })).get(policy.id)!;
    expect(report.today).toMatchObject({ fires: 1, holdout: 1 });
    expect(report.segments.private).toMatchObject({ fires: 1, holdout: 1 });
    // under the offer id the decision would have had, so a later conversion finds the control group
    const answer = await ledger.recordResponse({
      responseId: 'r-1',
      offerId: offerIdFor(policy.id, 'e-1'),
      customerRef: held,
      outcome: 'converted',
      occurredAt: '2026-11-22T11:00:00Z',
    });
    expect(answer).toMatchObject({ group: 'holdout', policyId: policy.id });
  });

  it("with explain 'none' the engine still names the control group, and the ledger records it", async () => {
    const policy = compileCard({ ...platinumCard, holdout: '10%' });
    const held = ids.find((id) => inHoldout(policy.id, id, 10)) as string;
    const treated = ids.find((id) => !inHoldout(policy.id, id, 10)) as string;
    const engine = new PolicyEngine();
    engine.register(policy);
    const counters = memoryCounters();
    const ledger = new ResponseLedger({
      store: () => counters,
      clock: () => Date.parse('2026-11-22T10:00:00Z'),
    });
    const registry = new PolicyRegistry({
      switches: { isEnabled: () => true, setEnabled: async () => undefined },
      ledger,
    });
    const context = {
      isEnabled: () => true,
      customer: { tier: 'platinum', segment: 'private' },
      explain: 'none' as const,
    };
    const control = withdrawalEvent('e-1', held, 20000) as InteractionEvent;
    const result = engine.evaluate(control, context);
    expect(result.explanations).toEqual([]);
    expect(result.decisions).toEqual([]);
    expect(result.holdouts).toEqual([
      {
        policyId: policy.id,
        cardVersion: policy.version,
        eventId: 'e-1',
        customerRef: held,
        decisionIds: [offerIdFor(policy.id, 'e-1')],
      },
    ]);
    registry.observe('eng', control, result, context.customer);
    const fired = withdrawalEvent('e-2', treated, 20000) as InteractionEvent;
    const firedResult = engine.evaluate(fired, context);
    // nobody held out: nothing is built on the fast path
    expect(firedResult.holdouts).toBeUndefined();
    registry.observe('eng', fired, firedResult, context.customer);
    await ledger.settled();

    const report = (await ledger.report({ policyIds: [policy.id] })).get(policy.id)!;
    expect(report.segments.private).toMatchObject({ fires: 1, holdout: 1 });
    const answer = await ledger.recordResponse({
      responseId: 'r-1',
      offerId: offerIdFor(policy.id, 'e-1'),
      customerRef: held,
      outcome: 'converted',
      occurredAt: '2026-11-22T11:00:00Z',
    });
    expect(answer).toMatchObject({ group: 'holdout', policyId: policy.id });
  });

  it('names only the held-out cards that kept their place in arbitration, not those that lost', () => {
    const high = compileCard({ ...platinumCard, policy: 'high-card', priority: 90, holdout: '50%' });
    const low = compileCard({ ...platinumCard, policy: 'low-card', priority: 10, holdout: '50%' });
    const bothHeld = ids.find((id) => inHoldout('high-card', id, 50) && inHoldout('low-card', id, 50))!;
    const engine = new PolicyEngine();
    engine.register(high);
    engine.register(low);
    const e = withdrawalEvent('e-9', bothHeld, 20000) as InteractionEvent;
    const result = engine.evaluate(e, {
      isEnabled: () => true,
      customer: { tier: 'platinum' },
      explain: 'none',
      arbitration: { perChannel: 1 },
    });
    // the high card held the sales rep's place for its control group; the low one lost to it
    expect(result.decisions).toEqual([]);
    expect(result.holdouts?.map((h) => h.policyId)).toEqual(['high-card']);
  });
});

/** The counter primitive in memory, as the store contract describes it (the stores are tested there). */
function memoryCounters(): Pick<CounterStore, 'addCounters' | 'readCounters'> {
  const applied = new Set<string>();
  const totals = new Map<string, CounterValue>();
  return {
    async addCounters(id, increments) {
      if (applied.has(id)) return false;
      applied.add(id);
      for (const { key, day, n } of increments) {
        const found = totals.get(`${key} ${day}`);
        if (found) found.n += n;
        else totals.set(`${key} ${day}`, { key, day, n });
      }
      return true;
    },
    async readCounters(prefix, from, to) {
      return [...totals.values()]
        .filter((c) => c.key.startsWith(prefix) && c.day >= from && c.day <= to)
        .map((c) => ({ ...c }));
    },
  };
}
