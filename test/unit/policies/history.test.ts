import type { InteractionEvent } from '../../../mappings/canonical/types';
import { compileCard, type PolicyCard } from '../../../policies/card';
import { PolicyEngine } from '../../../policies/engine';
import { compileHistoryCondition, historyNeeds, InMemoryHistory } from '../../../policies/history';
import { DAY, T0, eventFactory } from './fixtures';

const iso = (ms: number) => new Date(ms).toISOString();
const event = eventFactory({ channel: 'call-center', source: { system: 'crm' } });

function historyOf(...events: InteractionEvent[]): InMemoryHistory {
  const history = new InMemoryHistory();
  for (const item of events) history.record(item);
  return history;
}

describe('history conditions', () => {
  it('counts events over a rolling window that has left an event exactly T ago', () => {
    const condition = compileHistoryCondition('count complaint within 30d >= 2');
    const view = historyOf(
      event('complaint', T0 - 30 * DAY),
      event('complaint', T0 - 10 * DAY),
      event('withdrawal', T0 - DAY),
    ).view('crm:4711');
    expect(condition.check(view, T0)).toEqual({
      condition: 'count complaint within 30d >= 2',
      held: false,
      actual: 1,
    });
    expect(condition.test(view, T0 - 1)).toBe(true);
    // another customer's history is another view
    expect(condition.check(historyOf().view('crm:4711'), T0).actual).toBe(0);
  });

  it('sums a field, money by its value, skipping events without it', () => {
    const condition = compileHistoryCondition('sum withdrawal.amount within 7d > 20_000');
    const history = historyOf(
      event('withdrawal', T0 - 8 * DAY, { amount: { value: 50_000, currency: 'EUR' } }),
      event('withdrawal', T0 - 3 * DAY, { amount: { value: 12_000, currency: 'EUR' } }),
      event('withdrawal', T0 - 2 * DAY),
      event('withdrawal', T0, { amount: { value: 9_000, currency: 'EUR' } }),
    );
    expect(condition.check(history.view('crm:4711'), T0)).toMatchObject({ held: true, actual: 21_000 });
    expect(condition.check(history.view('crm:4711'), T0 - 1)).toMatchObject({ held: false, actual: 12_000 });
    const points = compileHistoryCondition('sum purchase.data.points within 30d >= 100');
    const shop = historyOf(
      event('purchase', T0 - DAY, { data: { points: 60 } }),
      event('purchase', T0, { data: { points: 40 } }),
    );
    expect(points.test(shop.view('crm:4711'), T0)).toBe(true);
  });

  it('"A then B within T" needs an A at most T before a B, and the B in the last T', () => {
    const condition = compileHistoryCondition('address-changed then web-visit within 7d');
    const view = (...items: InteractionEvent[]) => historyOf(...items).view('crm:4711');
    const a = (offsetDays: number) => event('address-changed', T0 + offsetDays * DAY);
    const b = (offsetDays: number) => event('web-visit', T0 + offsetDays * DAY);
    const now = T0 + 10 * DAY;
    expect(condition.check(view(a(5), b(9)), now)).toEqual({
      condition: 'address-changed then web-visit within 7d',
      held: true,
      actual: { 'address-changed': iso(T0 + 5 * DAY), 'web-visit': iso(T0 + 9 * DAY) },
    });
    // B before A is no sequence
    expect(condition.test(view(b(5), a(9)), now)).toBe(false);
    // too far apart
    expect(condition.check(view(a(0), b(9)), now)).toEqual({
      condition: 'address-changed then web-visit within 7d',
      held: false,
      actual: { 'last address-changed': iso(T0), 'last web-visit': iso(T0 + 9 * DAY) },
    });
    // the pattern is over: its B left the window
    expect(condition.test(view(a(0), b(2)), now)).toBe(false);
    // an earlier B with its A still counts although a later B has none close enough
    expect(condition.test(view(a(0), b(3.5), b(9)), now)).toBe(true);
    // the A may lie outside the last T when its B is inside it
    expect(condition.test(view(a(1), b(4)), now)).toBe(true);
  });

  it('"A then A within T" needs two distinct events', () => {
    const condition = compileHistoryCondition('complaint then complaint within 30d');
    const view = (...offsets: number[]) =>
      historyOf(...offsets.map((days) => event('complaint', T0 + days * DAY))).view('crm:4711');
    expect(condition.test(view(0), T0)).toBe(false);
    expect(condition.test(view(-20, 0), T0)).toBe(true);
    expect(condition.test(view(-40, 0), T0)).toBe(false);
  });

  it('"no B within T" is judged over T after the trigger and only once T has passed', () => {
    const condition = compileHistoryCondition('no complaint-answered within 2d');
    const answered = historyOf(event('complaint-answered', T0 + DAY)).view('crm:4711');
    const silent = historyOf(
      event('complaint-answered', T0 - DAY),
      event('complaint-answered', T0 + 3 * DAY),
    );
    expect(condition.check(silent.view('crm:4711'), T0 + DAY, T0)).toEqual({
      condition: 'no complaint-answered within 2d',
      held: false,
      actual: `waiting until ${iso(T0 + 2 * DAY)}`,
    });
    // an answer before the trigger or after the deadline does not count
    expect(condition.check(silent.view('crm:4711'), T0 + 4 * DAY, T0)).toMatchObject({
      held: true,
      actual: 0,
    });
    expect(condition.check(answered, T0 + 2 * DAY, T0)).toMatchObject({ held: false, actual: 1 });
    expect(condition.test(answered, T0 + 2 * DAY)).toBe(false);
  });

  it('describes the windows the history store must keep', () => {
    const needs = historyNeeds(
      [
        'count complaint within 30d >= 2',
        'count complaint within 90d == 0',
        'sum withdrawal.amount within 7d > 1',
        'sum withdrawal.data.fee within 1d > 1',
        'login then withdrawal within 1h',
      ].map((text) => compileHistoryCondition(text)),
    );
    expect(needs).toEqual({
      retentionMs: { complaint: 90 * DAY, withdrawal: 7 * DAY, login: 2 * 3_600_000 },
      sumFields: { withdrawal: ['amount', 'data.fee'] },
      timestamps: ['login', 'withdrawal'],
    });
  });
});

describe('history in the engine', () => {
  const escalation: PolicyCard = {
    policy: 'second-complaint',
    title: { de: 'Zweite Beschwerde', en: 'Second complaint' },
    when: 'event complaint',
    history: 'count complaint within 30d >= 2',
    then: 'escalation to branch-manager',
    priority: 70,
  };

  it('fires on the second complaint within 30 days, explaining the count it saw', () => {
    const engine = new PolicyEngine();
    engine.register(compileCard(escalation));
    const history = new InMemoryHistory();
    const arrive = (item: InteractionEvent) => {
      history.record(item);
      return engine.evaluate(item, {
        isEnabled: () => true,
        now: new Date(item.occurredAt),
        history: history.view('crm:4711'),
      });
    };
    const first = arrive(event('complaint', T0));
    expect(first.decisions).toEqual([]);
    expect(first.explanations[0].reason).toBe('not matched: count complaint within 30d >= 2 (actual: 1)');
    const second = arrive(event('complaint', T0 + 20 * DAY));
    expect(second.decisions).toMatchObject([{ action: 'escalation', channel: 'branch-manager' }]);
    expect(second.explanations[0].checks).toEqual([
      { condition: 'count complaint within 30d >= 2', held: true, actual: 2 },
    ]);
    // without a history view a history card cannot fire, and says why
    const blind = engine.evaluate(event('complaint', T0), { isEnabled: () => true, now: new Date(T0) });
    expect(blind.explanations[0].reason).toBe(
      'not matched: count complaint within 30d >= 2 (actual: "no history available")',
    );
    expect(
      engine.evaluate(event('complaint', T0), { isEnabled: () => true, explain: 'none' }).decisions,
    ).toEqual([]);
  });

  it('a "no B within T" card waits, then fires once the time passed without a B', () => {
    const engine = new PolicyEngine();
    engine.register(
      compileCard({
        ...escalation,
        policy: 'unanswered-complaint',
        history: 'no complaint-answered within 2d',
        then: 'escalation to branch-manager',
      }),
    );
    const history = new InMemoryHistory();
    const complaint = event('complaint', T0);
    history.record(complaint);
    const context = (now: number) => ({
      isEnabled: () => true,
      now: new Date(now),
      history: history.view('crm:4711'),
    });
    const armed = engine.evaluate(complaint, context(T0));
    expect(armed.decisions).toEqual([]);
    expect(armed.explanations[0]).toMatchObject({ outcome: 'pending', dueAt: iso(T0 + 2 * DAY) });
    expect(armed.pending).toEqual([
      {
        policyId: 'unanswered-complaint',
        cardVersion: compileCard({
          ...escalation,
          policy: 'unanswered-complaint',
          history: 'no complaint-answered within 2d',
        }).version,
        event: complaint,
        triggeredAt: iso(T0),
        dueAt: iso(T0 + 2 * DAY),
      },
    ]);
    const pending = armed.pending![0];

    // too early: the wait is handed back
    const early = engine.settle(pending, context(T0 + DAY));
    expect([early.decisions, early.pending]).toEqual([[], [pending]]);

    const due = engine.settle(pending, context(T0 + 2 * DAY));
    expect(due.decisions).toMatchObject([{ policyId: 'unanswered-complaint', eventId: complaint.eventId }]);
    expect(due.explanations[0].checks).toEqual([
      { condition: 'no complaint-answered within 2d', held: true, actual: 0 },
    ]);

    // answered in time: no escalation
    history.record(event('complaint-answered', T0 + DAY));
    const answered = engine.settle(pending, context(T0 + 2 * DAY));
    expect(answered.decisions).toEqual([]);
    expect(answered.explanations[0].reason).toBe('not matched: no complaint-answered within 2d (actual: 1)');
  });

  it('a wait for a card that changed meanwhile does not fire the new version', () => {
    const engine = new PolicyEngine();
    const card = { ...escalation, history: 'no complaint-answered within 2d' };
    engine.register(compileCard(card));
    const history = new InMemoryHistory();
    const complaint = event('complaint', T0);
    history.record(complaint);
    const context = (now: number) => ({
      isEnabled: () => true,
      now: new Date(now),
      history: history.view('crm:4711'),
    });
    const pending = engine.evaluate(complaint, context(T0)).pending![0];
    engine.register(compileCard({ ...card, then: 'call-task to sales-rep' }));
    const result = engine.settle(pending, context(T0 + 3 * DAY));
    expect(result.decisions).toEqual([]);
    expect(result.explanations[0].reason).toMatch(
      /^not matched: the card changed or was removed while it waited/,
    );
  });

  it('a cooldown after a reject holds the card back for its window', () => {
    const engine = new PolicyEngine();
    engine.register(
      compileCard({ ...escalation, history: undefined, limits: { cooldown: '30d after decline' } }),
    );
    const history = new InMemoryHistory();
    history.recordResponse('crm:4711', 'second-complaint', 'rejected', T0 - 10 * DAY);
    history.recordResponse('crm:4711', 'second-complaint', 'accepted', T0 - DAY);
    const context = (now: number) => ({
      isEnabled: () => true,
      now: new Date(now),
      history: history.view('crm:4711'),
    });
    const cooling = engine.evaluate(event('complaint', T0), context(T0));
    expect(cooling.decisions).toEqual([]);
    expect(cooling.explanations[0]).toMatchObject({
      outcome: 'cooldown',
      reason: `cooldown: rejected at ${iso(T0 - 10 * DAY)}, 30d after decline`,
    });
    expect(engine.evaluate(event('complaint', T0 + 20 * DAY), context(T0 + 20 * DAY)).decisions).toHaveLength(
      1,
    );
  });

  it('dry-run builds the history from the recorded events it replays', () => {
    const engine = new PolicyEngine();
    const result = engine.dryRun(escalation, [
      event('complaint', T0),
      event('withdrawal', T0 + DAY),
      event('complaint', T0 + 5 * DAY),
      event('complaint', T0 + 50 * DAY),
    ]);
    expect(result.explanations.map((item) => item.outcome)).toEqual(['not-matched', 'fired', 'not-matched']);
  });
});
