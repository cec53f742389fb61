import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCard, type PolicyCard } from '../../../policies/card';
import { PolicyState } from '../../../policies/policy-state';
import { EmbeddedStore } from '../../../records/embedded-store';
import { DAY, T0, eventFactory, unansweredComplaintCard } from './fixtures';

const iso = (ms: number) => new Date(ms).toISOString();
const allOn = { isEnabled: () => true };
const event = eventFactory({});

const savings: PolicyCard = {
  policy: 'savings-after-withdrawals',
  title: { de: 'Viele Abhebungen', en: 'Many withdrawals' },
  when: 'event withdrawal',
  history: ['sum withdrawal.amount within 7d > 20000', 'count withdrawal within 7d >= 3'],
  then: 'web-offer savings-plan to web within 14d',
  priority: 40,
};

const unanswered = unansweredComplaintCard;

const onceAWeek: PolicyCard = {
  policy: 'address-change-mortgage',
  title: { de: 'Adressänderung', en: 'Address change' },
  when: 'event address-changed',
  then: 'web-offer mortgage to web within 30d',
  limits: { 'per-customer': '1 per 7d' },
  priority: 60,
};

describe('PolicyState on the embedded store', () => {
  let directory: string;
  let now: number;
  const open: EmbeddedStore[] = [];

  /** A hub process: a fresh store object, engine and history over the same directory. */
  async function start(cards: PolicyCard[], instanceId = 'hub-a'): Promise<PolicyState> {
    const store = new EmbeddedStore({ directory });
    await store.open();
    open.push(store);
    const state = new PolicyState({ store, clock: () => now, instanceId, leaseMs: 60_000 });
    for (const card of cards) state.engine.register(compileCard(card));
    return state;
  }

  async function restart(): Promise<void> {
    for (const store of open.splice(0)) await store.close();
  }

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-policy-state-'));
    now = T0;
  });

  afterEach(async () => {
    await restart();
    rmSync(directory, { recursive: true, force: true });
  });

  it('counts and sums the same windows after a restart', async () => {
    const before = await start([savings]);
    const amounts = [12_000, 9_000];
    for (const [i, value] of amounts.entries()) {
      now = T0 + i * DAY;
      const result = await before.evaluate(
        event('withdrawal', now, { amount: { value, currency: 'EUR' } }),
        allOn,
      );
      expect(result.decisions).toEqual([]);
    }
    // the same history, judged before the restart, for comparison
    now = T0 + 2 * DAY;
    const third = event('withdrawal', now, { amount: { value: 500, currency: 'EUR' } });
    await restart();

    const after = await start([savings]);
    const result = await after.evaluate(third, allOn);
    expect(result.explanations[0].checks).toEqual([
      {
        condition: 'sum withdrawal.amount within 7d > 20000',
        held: true,
        actual: 21_500,
        money: { currency: 'EUR', threshold: 'EUR' },
      },
      { condition: 'count withdrawal within 7d >= 3', held: true, actual: 3 },
    ]);
    expect(result.decisions).toMatchObject([
      { policyId: 'savings-after-withdrawals', offer: 'savings-plan' },
    ]);

    // a week after the first withdrawal it has left both windows, also as read from the store
    await restart();
    const later = await start([savings]);
    now = T0 + 7 * DAY;
    const fourth = await later.evaluate(
      event('withdrawal', now, { amount: { value: 100, currency: 'EUR' } }),
      allOn,
    );
    expect(fourth.explanations[0].checks.map((check) => check.actual)).toEqual([9_600, 3]);
  });

  it('records a redelivered event once, also across a restart', async () => {
    const before = await start([savings]);
    const withdrawal = event('withdrawal', T0, { amount: { value: 15_000, currency: 'EUR' } });
    await before.evaluate(withdrawal, allOn);
    await restart();
    const after = await start([savings]);
    const again = await after.evaluate(withdrawal, allOn);
    expect(again.explanations[0].checks.map((check) => check.actual)).toEqual([15_000, 1]);
  });

  it('fires "no B within T" once when due, across a restart, and never again', async () => {
    const before = await start([unanswered]);
    const complaint = event('complaint', T0);
    const armed = await before.evaluate(complaint, allOn);
    expect(armed.pending).toHaveLength(1);
    // a redelivered complaint does not start a second wait
    await before.evaluate(complaint, allOn);
    await restart();

    const after = await start([unanswered]);
    now = T0 + 2 * DAY - 1;
    expect(await after.sweep(allOn)).toEqual({ settled: [], failed: [] });

    now = T0 + 2 * DAY;
    const fired: string[] = [];
    const due = await after.sweep({
      ...allOn,
      onSettled: async (evaluation) => {
        fired.push(...evaluation.decisions.map((d) => `${d.policyId} ${d.eventId}`));
      },
    });
    expect(due.failed).toEqual([]);
    expect(fired).toEqual([`unanswered-complaint ${complaint.eventId}`]);

    expect((await after.sweep(allOn)).settled).toEqual([]);
    await restart();
    const third = await start([unanswered], 'hub-b');
    now = T0 + 30 * DAY;
    expect((await third.sweep(allOn)).settled).toEqual([]);
  });

  it('does not fire a wait whose B came meanwhile, even when the B arrived after a restart', async () => {
    const before = await start([unanswered]);
    await before.evaluate(event('complaint', T0), allOn);
    await restart();

    const after = await start([unanswered]);
    now = T0 + DAY;
    await after.evaluate(event('complaint-answered', now), allOn);
    now = T0 + 2 * DAY;
    const result = await after.sweep(allOn);
    expect(result.settled).toHaveLength(1);
    expect(result.settled[0].decisions).toEqual([]);
    expect(result.settled[0].explanations[0].reason).toBe(
      'not matched: no complaint-answered within 2d (actual: 1)',
    );
  });

  describe('"no B within T" judges the B in the T after the trigger, whenever the sweep runs', () => {
    const HOUR = 3_600_000;

    /** complaint at T0, then the given events, then one sweep at sweepAt: what it decided */
    async function judged(
      others: [string, number][],
      sweepAt: number,
      options: { restartBeforeSweep?: boolean } = {},
    ): Promise<{ fired: number; reason: string | undefined; checks: unknown }> {
      let state = await start([unanswered]);
      for (const [type, at] of others.filter(([, at]) => at < T0)) {
        now = at;
        await state.evaluate(event(type, at), allOn);
      }
      now = T0;
      expect((await state.evaluate(event('complaint', T0), allOn)).pending).toHaveLength(1);
      for (const [type, at] of others.filter(([, at]) => at >= T0)) {
        now = at;
        await state.evaluate(event(type, at), allOn);
      }
      if (options.restartBeforeSweep) {
        await restart();
        state = await start([unanswered], 'hub-b');
      }
      now = sweepAt;
      const result = await state.sweep(allOn);
      expect(result.failed).toEqual([]);
      expect(result.settled).toHaveLength(1);
      const [evaluation] = result.settled;
      return {
        fired: evaluation.decisions.length,
        reason: evaluation.explanations[0]?.reason,
        checks: evaluation.explanations[0]?.checks,
      };
    }

    it('a B shortly after the trigger stops the card at a sweep later than due', async () => {
      const outcome = await judged([['complaint-answered', T0 + 500]], T0 + 2 * DAY + 1_000);
      expect(outcome.fired).toBe(0);
      expect(outcome.reason).toBe('not matched: no complaint-answered within 2d (actual: 1)');
    });

    it('a B shortly after the trigger stops the card although later events of the type came', async () => {
      const outcome = await judged(
        [
          ['complaint-answered', T0 + 500],
          ['complaint-answered', T0 + 3 * DAY],
        ],
        T0 + 5 * DAY,
      );
      expect(outcome.fired).toBe(0);
      expect(outcome.checks).toEqual([
        { condition: 'no complaint-answered within 2d', held: false, actual: 1 },
      ]);
    });

    it('a B six hours after the trigger stops the card swept after a long downtime', async () => {
      const outcome = await judged([['complaint-answered', T0 + 6 * HOUR]], T0 + 2.5 * DAY, {
        restartBeforeSweep: true,
      });
      expect(outcome.fired).toBe(0);
      expect(outcome.reason).toBe('not matched: no complaint-answered within 2d (actual: 1)');
    });

    it('a B after trigger + T does not count: the card fires', async () => {
      const outcome = await judged([['complaint-answered', T0 + 2 * DAY + 1]], T0 + 2 * DAY + 1_000);
      expect(outcome.fired).toBe(1);
      expect(outcome.checks).toEqual([
        { condition: 'no complaint-answered within 2d', held: true, actual: 0 },
      ]);
    });

    it('a B before the trigger does not count: the card fires', async () => {
      const outcome = await judged([['complaint-answered', T0 - HOUR]], T0 + 2 * DAY + 1_000);
      expect(outcome.fired).toBe(1);
      expect(outcome.checks).toEqual([
        { condition: 'no complaint-answered within 2d', held: true, actual: 0 },
      ]);
    });
  });

  it('leaves a wait whose hand-over failed to the next sweep after the lease, which fires it', async () => {
    const state = await start([unanswered]);
    await state.evaluate(event('complaint', T0), allOn);
    now = T0 + 2 * DAY;
    const broken = await state.sweep({
      ...allOn,
      onSettled: async () => {
        throw new Error('broker down');
      },
    });
    expect(broken.failed).toHaveLength(1);
    await restart();

    const other = await start([unanswered], 'hub-b');
    // still leased to hub-a
    now = T0 + 2 * DAY + 59_999;
    expect((await other.sweep(allOn)).settled).toEqual([]);
    now = T0 + 2 * DAY + 60_000;
    const retried = await other.sweep(allOn);
    expect(retried.settled.map((e) => e.decisions.length)).toEqual([1]);
  });

  it('fires a redelivered event again with the same decision id, on this instance and after a restart', async () => {
    const state = await start([onceAWeek]);
    const e1 = event('address-changed', T0, { eventId: 'e1' });
    const first = await state.evaluate(e1, allOn);
    expect(first.decisions).toHaveLength(1);
    const [{ decisionId }] = first.decisions;
    const [{ hitId, claims }] = first.capClaims!;
    expect(hitId).toBe(decisionId);

    // redelivered an hour later: neither the local counter nor the store refuses it for its own first hit
    now = T0 + 3_600_000;
    const again = await state.evaluate(e1, allOn);
    expect(again.decisions.map((d) => d.decisionId)).toEqual([decisionId]);
    expect(again.explanations[0]).toMatchObject({ outcome: 'fired' });
    expect(again.capClaims?.[0].hitId).toBe(hitId);
    await restart();

    // a fresh counter (a redeploy or another instance): the store knows the hit id and grants it again
    const after = await start([onceAWeek]);
    now = T0 + 2 * DAY;
    const third = await after.evaluate(e1, allOn);
    expect(third.decisions.map((d) => d.decisionId)).toEqual([decisionId]);
    // counted once in the store, whatever the deliveries
    const store = open[0];
    expect(await store.countCap(claims[0].key, claims[0].windowMs, iso(now))).toBe(1);

    // a new event is capped: by the local counter here, and by the store on a fresh instance
    const e2 = await after.evaluate(event('address-changed', now, { eventId: 'e2' }), allOn);
    expect(e2.decisions).toEqual([]);
    expect(e2.explanations[0]).toMatchObject({
      outcome: 'capped',
      reason: 'cap reached: per-customer 1 per 7d (1 already in the window)',
    });
    await restart();
    const fresh = await start([onceAWeek]);
    const e3 = await fresh.evaluate(event('address-changed', now, { eventId: 'e3' }), allOn);
    expect(e3.decisions).toEqual([]);
    expect(e3.explanations[0]).toMatchObject({ outcome: 'capped' });
    // and e1 still fires on the fresh instance after e3 was refused there (the refusal took nothing back)
    expect((await fresh.evaluate(e1, allOn)).decisions.map((d) => d.decisionId)).toEqual([decisionId]);
    expect(await open[0].countCap(claims[0].key, claims[0].windowMs, iso(now))).toBe(1);
  });

  it('after a restart a card the store caps does not compete: the card it beat fires in its place', async () => {
    const platinum: PolicyCard = {
      policy: 'platinum-large-withdrawal',
      title: { de: 'Platin', en: 'Platinum' },
      when: 'event withdrawal where amount > 10000',
      then: 'call-task to sales-rep within 1d',
      limits: { 'per-customer': '1 per 7d' },
      priority: 80,
    };
    const anyLarge: PolicyCard = {
      policy: 'any-large-withdrawal',
      title: { de: 'Groß', en: 'Large' },
      when: 'event withdrawal where amount > 10000',
      then: 'call-task to sales-rep within 1d',
      priority: 10,
    };
    const oneWinner = { ...allOn, arbitration: { perChannel: 1 } };
    const withdrawal = (eventId: string) =>
      event('withdrawal', now, { eventId, amount: { value: 31000, currency: 'EUR' } });
    const before = await start([platinum, anyLarge]);
    const first = await before.evaluate(withdrawal('w1'), oneWinner);
    expect(first.decisions.map((d) => d.policyId)).toEqual(['platinum-large-withdrawal']);
    now += 3_600_000;
    const second = await before.evaluate(withdrawal('w2'), oneWinner);
    expect(second.decisions.map((d) => d.policyId)).toEqual(['any-large-withdrawal']);
    await restart();

    const after = await start([platinum, anyLarge]);
    for (const eventId of ['w3', 'w4']) {
      now += 3_600_000;
      const result = await after.evaluate(withdrawal(eventId), oneWinner);
      expect(result.decisions.map((d) => d.policyId)).toEqual(['any-large-withdrawal']);
      const outcomes = Object.fromEntries(result.explanations.map((e) => [e.policyId, e.outcome]));
      expect(outcomes).toEqual({ 'platinum-large-withdrawal': 'capped', 'any-large-withdrawal': 'fired' });
      expect(result.arbitration?.ranked.map((r) => r.policyId)).toEqual(['any-large-withdrawal']);
    }
    // the store's hit stood in for the judgement only: a week after the first, platinum fires again
    now = T0 + 7 * DAY + 1;
    const later = await after.evaluate(withdrawal('w5'), oneWinner);
    expect(later.decisions.map((d) => d.policyId)).toEqual(['platinum-large-withdrawal']);
  });

  it('gives back the cap hit of a card that won the first judgement and lost the second', async () => {
    const withdrawalCard = (policy: string, priority: number, then: string, capped: boolean): PolicyCard => ({
      policy,
      title: { de: policy, en: policy },
      when: 'event withdrawal',
      then,
      priority,
      ...(capped ? { limits: { 'per-customer': '1 per 7d' } } : {}),
    });
    const cards = [
      withdrawalCard('web-winner', 90, 'web-offer a to web', true),
      withdrawalCard('web-and-email', 50, 'web-offer b to web; email-offer b to email', false),
      withdrawalCard('email-only', 10, 'email-offer c to email', true),
    ];
    const oneWinner = { ...allOn, arbitration: { perChannel: 1 } };
    const before = await start(cards);
    // web-winner fired before a restart: the store holds its hit
    const first = await before.evaluate(event('withdrawal', now, { eventId: 'w1' }), oneWinner);
    expect(first.decisions.map((d) => d.policyId)).toEqual(['web-winner', 'email-only']);
    const emailKey = first.capClaims!.find((set) => set.policyId === 'email-only')!.claims[0].key;
    await open[0].releaseCaps(
      [emailKey],
      first.capClaims!.find((set) => set.policyId === 'email-only')!.hitId,
    );
    await restart();

    // first judgement: web-winner wins web, so web-and-email loses and email-only takes e-mail, which
    // the store grants; web-winner is refused. Judged again, web-and-email takes both channels.
    const after = await start(cards);
    now += 3_600_000;
    const second = await after.evaluate(event('withdrawal', now, { eventId: 'w2' }), oneWinner);
    expect(second.decisions.map((d) => d.policyId)).toEqual(['web-and-email', 'web-and-email']);
    // email-only's hit from the first judgement was given back: its cap is free
    expect(await open[0].countCap(emailKey, 7 * DAY, iso(now))).toBe(0);
  });

  it('keeps caps across a restart: the store refuses what a fresh counter would let through', async () => {
    const before = await start([onceAWeek]);
    const first = await before.evaluate(event('address-changed', T0), allOn);
    expect(first.decisions).toHaveLength(1);
    await restart();

    const after = await start([onceAWeek]);
    now = T0 + 6 * DAY;
    const second = await after.evaluate(event('address-changed', now), allOn);
    expect(second.decisions).toEqual([]);
    expect(second.explanations[0]).toMatchObject({
      outcome: 'capped',
      reason: 'cap reached: per-customer 1 per 7d (1 already in the window)',
      cap: { scope: 'per-customer', limit: '1 per 7d', count: 1 },
    });
    expect(second.capClaims).toBeUndefined();

    // the refused hit was taken back from the local counter: a week after the first the card fires
    now = T0 + 7 * DAY;
    const third = await after.evaluate(event('address-changed', now), allOn);
    expect(third.decisions).toHaveLength(1);
  });
});
