import type { Channel, InteractionEvent } from '../../../mappings/canonical/types';
import { compileCard, type CompiledPolicy, type PolicyCard } from '../../../policies/card';
import { PolicyEngine } from '../../../policies/engine';
import type { CompiledCondition } from '../../../policies/expression';
import { chooseIndexKey, PolicyIndex } from '../../../policies/policy-index';
import { platinumCard } from './fixtures';

const now = new Date('2025-03-03T10:00:00Z');
let counter = 0;

function event(
  type: string,
  channel: Channel,
  amount?: number,
  data: Record<string, unknown> = {},
): InteractionEvent {
  counter++;
  return {
    eventId: `e-${counter}`,
    schemaVersion: '1.0',
    type,
    occurredAt: now.toISOString(),
    channel,
    source: { system: 'core-banking' },
    customer: { ref: `crm:${counter}`, identifiers: [] },
    ...(amount === undefined ? {} : { amount: { value: amount, currency: 'EUR' } }),
    data,
  };
}

const card = (policy: string, when: string, extra: Partial<PolicyCard> = {}): PolicyCard => ({
  policy,
  title: { de: policy, en: policy },
  when,
  then: 'call-task to sales-rep',
  priority: 50,
  ...extra,
});

/** The card with its compiled predicates counting their calls, under the card's id. */
function counted(policy: CompiledPolicy, calls: Map<string, number>): CompiledPolicy {
  const counting = (condition: CompiledCondition): CompiledCondition =>
    Object.assign((scope: unknown) => condition(scope), condition, {
      test: (scope: unknown) => {
        calls.set(policy.id, (calls.get(policy.id) ?? 0) + 1);
        return condition.test(scope);
      },
    });
  return {
    ...policy,
    ...(policy.where ? { where: counting(policy.where) } : {}),
    ...(policy.condition ? { condition: counting(policy.condition) } : {}),
  };
}

const TYPES = ['withdrawal', 'deposit', 'transfer'];
const TIERS = ['basic', 'silver', 'gold', 'platinum'];
const THRESHOLDS = [1000, 5000, 10000, 50000];
const CHANNEL_LISTS: (Channel[] | undefined)[] = [['branch'], ['web', 'app'], undefined];

/** Event types × tiers × amount thresholds × channel lists, and a threshold-only card per type and amount. */
function generatedCards(): PolicyCard[] {
  const cards: PolicyCard[] = [];
  for (const type of TYPES) {
    for (const [c, channels] of CHANNEL_LISTS.entries()) {
      const via = channels ? ` via ${channels.join(', ')}` : '';
      for (const threshold of THRESHOLDS) {
        for (const tier of TIERS) {
          cards.push(
            card(`${type}-${tier}-${threshold}-c${c}`, `event ${type}${via} where amount > ${threshold}`, {
              if: `customer.tier == "${tier}"`,
            }),
          );
        }
        cards.push(
          card(`${type}-any-${threshold}-c${c}`, `event ${type}${via} where amount >= ${threshold}`),
        );
      }
    }
  }
  return cards;
}

describe('the policy index', () => {
  it('keys a card by its most selective necessary condition', () => {
    expect(chooseIndexKey(compileCard(platinumCard))).toEqual({
      kind: 'equality',
      path: 'customer.tier',
      values: ['platinum'],
      text: 'customer.tier == "platinum"',
    });
    const key = (when: string, condition?: string) =>
      chooseIndexKey(compileCard({ ...platinumCard, when, if: condition ?? '' }));
    expect(key('event withdrawal where amount > 10000')).toMatchObject({
      kind: 'threshold',
      path: 'event.amount',
      op: '>',
      bound: 10000,
    });
    // an equality on the event beats one on the customer, and a single value beats a list
    expect(key('event withdrawal where data.kind == "atm"', 'customer.tier == "gold"')).toMatchObject({
      path: 'event.data.kind',
    });
    expect(
      key('event withdrawal where data.kind in ["atm", "counter"]', 'customer.tier == "gold"'),
    ).toMatchObject({
      path: 'customer.tier',
    });
    // a comparison under "or" is not necessary, and "== null" also matches a missing field: no keys
    expect(key('event withdrawal where amount > 1 or data.kind == "atm"')).toEqual({ kind: 'none' });
    expect(key('event withdrawal where data.kind == null')).toEqual({ kind: 'none' });
    expect(key('event withdrawal', 'customer.tier != "gold"')).toEqual({ kind: 'none' });
  });

  it('an event meets only the cards that can fire for it: no predicate of another card runs', () => {
    const calls = new Map<string, number>();
    const engine = new PolicyEngine();
    const cards = generatedCards();
    for (const item of cards) engine.register(counted(compileCard(item), calls));
    expect(cards).toHaveLength(3 * 3 * 4 * 5);
    const gold = { tier: 'gold' };
    const run = (item: InteractionEvent, customer: Record<string, unknown> | undefined = gold) => {
      calls.clear();
      const result = engine.evaluate(item, { isEnabled: () => true, now, customer, explain: 'none' });
      return { result, touched: [...calls.keys()].sort() };
    };

    // a type no card is written for, and a channel no card of the type listens on
    expect(run(event('address-changed', 'branch', 99_999)).touched).toEqual([]);
    expect(run(event('withdrawal', 'email', 99_999)).touched).toEqual(
      // only the cards without a channel list
      cards
        .filter((item) => item.policy.startsWith('withdrawal-') && item.policy.endsWith('-c2'))
        .filter((item) => /-(gold|any)-/.test(item.policy))
        .map((item) => item.policy)
        .sort(),
    );

    const { result, touched } = run(event('withdrawal', 'branch', 7000));
    expect(touched).toEqual(
      [
        ...['c0', 'c2'].flatMap((c) => THRESHOLDS.map((t) => `withdrawal-gold-${t}-${c}`)),
        ...['c0', 'c2'].flatMap((c) => [1000, 5000].map((t) => `withdrawal-any-${t}-${c}`)),
      ].sort(),
    );
    expect(result.decisions.map((decision) => decision.policyId).sort()).toEqual(
      [
        'withdrawal-gold-1000-c0',
        'withdrawal-gold-1000-c2',
        'withdrawal-gold-5000-c0',
        'withdrawal-gold-5000-c2',
        'withdrawal-any-1000-c0',
        'withdrawal-any-1000-c2',
        'withdrawal-any-5000-c0',
        'withdrawal-any-5000-c2',
      ].sort(),
    );
    // a customer without a tier meets no tier card
    const goldCards = ['c0', 'c2'].flatMap((c) => THRESHOLDS.map((t) => `withdrawal-gold-${t}-${c}`)).sort();
    expect(run(event('withdrawal', 'branch', 7000), {}).touched).toEqual(
      ['c0', 'c2'].flatMap((c) => [1000, 5000].map((t) => `withdrawal-any-${t}-${c}`)).sort(),
    );
    // without an amount the threshold-only cards stay untouched; tier cards are keyed by the tier
    expect(run(event('withdrawal', 'branch')).touched).toEqual(goldCards);
  });

  it('never loses a card: indexed decisions equal those of evaluating every card of the type', () => {
    const engine = new PolicyEngine();
    for (const item of generatedCards()) engine.register(compileCard(item));
    // every direction on the same bounds, so "<" and "<=" (and ">" and ">=") share sorted lists
    const ops = { lt: '<', le: '<=', gt: '>' };
    for (const type of TYPES) {
      for (const threshold of THRESHOLDS) {
        for (const [name, op] of Object.entries(ops)) {
          engine.register(
            compileCard(
              card(`${type}-${name}-${threshold}`, `event ${type} where amount ${op} ${threshold}`),
            ),
          );
        }
      }
    }
    let compared = 0;
    for (const type of [...TYPES, 'birthday']) {
      for (const channel of ['branch', 'web', 'app', 'email'] as Channel[]) {
        for (const amount of [undefined, 999, 1000, 1001, 5000, 10_000, 50_000, 60_000]) {
          for (const tier of [...TIERS, undefined]) {
            const item = event(type, channel, amount);
            const customer = tier ? { tier } : undefined;
            const ids = (explain: 'all' | 'none') =>
              engine
                .evaluate(item, { isEnabled: () => true, now, customer, explain })
                .decisions.map((decision) => decision.policyId);
            const all = ids('all');
            expect([type, channel, amount, tier, ids('none')]).toEqual([type, channel, amount, tier, all]);
            compared += all.length;
          }
        }
      }
    }
    // the comparison is not vacuous
    expect(compared).toBeGreaterThan(1000);
  });

  it('cuts thresholds in both directions, inclusive where the card says so', () => {
    const engine = new PolicyEngine();
    for (const item of [
      card('below-100', 'event deposit where amount < 100'),
      card('up-to-100', 'event deposit where amount <= 100'),
      card('from-100', 'event deposit where amount >= 100'),
      card('above-100', 'event deposit where amount > 100'),
      card('atm', 'event deposit where data.kind == "atm"'),
      card('flag', 'event deposit where data.urgent == true'),
    ]) {
      engine.register(compileCard(item));
    }
    const ids = (item: InteractionEvent) => engine.candidates(item).sort();
    expect(ids(event('deposit', 'web', 99))).toEqual(['below-100', 'up-to-100']);
    expect(ids(event('deposit', 'web', 100))).toEqual(['from-100', 'up-to-100']);
    expect(ids(event('deposit', 'web', 101, { kind: 'atm', urgent: true }))).toEqual([
      'above-100',
      'atm',
      'flag',
      'from-100',
    ]);
    expect(ids(event('deposit', 'web', 101, { kind: 'ATM', urgent: 'true' }))).toEqual([
      'above-100',
      'from-100',
    ]);
    expect(engine.indexKey('atm')).toMatchObject({ kind: 'equality', path: 'event.data.kind' });

    engine.unregister('atm');
    expect(ids(event('deposit', 'web', 101, { kind: 'atm' }))).toEqual(['above-100', 'from-100']);
    expect(engine.indexKey('atm')).toBeUndefined();
  });

  it('keeps the merged list of a type and the any-type cards right as cards come and go', () => {
    const index = new PolicyIndex<{ policy: CompiledPolicy }>();
    const entry = (policy: string, when: string, priority: number) => ({
      policy: compileCard(card(policy, when, { priority })),
    });
    const ids = (type: string) => index.forType(type).map((item) => item.policy.id);
    const withdrawal = entry('withdrawal', 'event withdrawal', 50);
    const contact = entry('contact', 'contact', 30);
    const both = entry('both', 'event withdrawal, deposit', 40);
    const contactHigh = entry('contact-high', 'contact via web', 90);

    index.add(withdrawal);
    expect(ids('withdrawal')).toEqual(['withdrawal']);
    expect(ids('deposit')).toEqual([]);
    index.add(contact);
    expect(ids('withdrawal')).toEqual(['withdrawal', 'contact']);
    // the merged list is kept: asked again, it is the same array
    expect(index.forType('withdrawal')).toBe(index.forType('withdrawal'));
    expect(ids('birthday')).toEqual(['contact']);
    // a typed card reaches the merged list of its own types only
    index.add(both);
    expect(ids('withdrawal')).toEqual(['withdrawal', 'both', 'contact']);
    expect(ids('deposit')).toEqual(['both', 'contact']);
    // an any-type card reaches every merged list, in priority order
    index.add(contactHigh);
    expect(ids('withdrawal')).toEqual(['contact-high', 'withdrawal', 'both', 'contact']);
    expect(ids('deposit')).toEqual(['contact-high', 'both', 'contact']);
    expect(ids('birthday')).toEqual(['contact-high', 'contact']);

    index.remove(both);
    expect(ids('withdrawal')).toEqual(['contact-high', 'withdrawal', 'contact']);
    expect(ids('deposit')).toEqual(['contact-high', 'contact']);
    index.remove(contactHigh);
    expect(ids('withdrawal')).toEqual(['withdrawal', 'contact']);
    expect(ids('deposit')).toEqual(['contact']);
    index.remove(contact);
    expect(ids('withdrawal')).toEqual(['withdrawal']);
    expect(ids('birthday')).toEqual([]);
    // a card added back after its type's list was dropped is found again
    index.add(contact);
    index.remove(withdrawal);
    expect(ids('withdrawal')).toEqual(['contact']);
    index.add(withdrawal);
    expect(ids('withdrawal')).toEqual(['withdrawal', 'contact']);
  });

  it('"contact" cards meet events of every type; explain "candidates" lists only the cards met', () => {
    const engine = new PolicyEngine();
    engine.register(compileCard(card('any-web-contact', 'contact via web', { priority: 10 })));
    engine.register(compileCard(card('web-withdrawal', 'event withdrawal via web', { priority: 20 })));
    engine.register(compileCard(card('branch-withdrawal', 'event withdrawal via branch', { priority: 30 })));
    const explained = (item: InteractionEvent, explain: 'all' | 'candidates') =>
      engine
        .evaluate(item, { isEnabled: () => true, now, explain })
        .explanations.map((e) => [e.policyId, e.outcome]);
    expect(explained(event('withdrawal', 'web'), 'candidates')).toEqual([
      ['web-withdrawal', 'fired'],
      ['any-web-contact', 'fired'],
    ]);
    // the default explains every card of the type, also the one the index ruled out
    expect(explained(event('withdrawal', 'web'), 'all')).toEqual([
      ['branch-withdrawal', 'not-matched'],
      ['web-withdrawal', 'fired'],
      ['any-web-contact', 'fired'],
    ]);
    expect(explained(event('birthday', 'web'), 'candidates')).toEqual([['any-web-contact', 'fired']]);
    expect(explained(event('birthday', 'app'), 'candidates')).toEqual([]);
  });
});
