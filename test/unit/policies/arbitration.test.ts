import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InteractionEvent } from '../../../mappings/canonical/types';
import {
  arbitrate,
  ArbitrationOptionsError,
  checkArbitrationOptions,
  placedCards,
} from '../../../policies/arbitration';
import { InMemoryCapCounter } from '../../../policies/caps';
import { compileCard, type PolicyCard } from '../../../policies/card';
import { PolicyEngine, type Decision, type EvaluationContext } from '../../../policies/engine';
import { inHoldout } from '../../../policies/holdout';
import { PolicyState } from '../../../policies/policy-state';
import {
  InMemoryPropensitySource,
  learnedPropensity,
  segmentOf,
  ANY_SEGMENT,
} from '../../../policies/propensity';
import { PolicyRegistry } from '../../../policies/registry';
import { EmbeddedStore } from '../../../records/embedded-store';

const now = new Date('2026-11-22T10:00:00.000Z');
let counter = 0;

function withdrawal(ref = 'crm:1', value = 20000): InteractionEvent {
  counter += 1;
  return {
    eventId: `e-${counter}`,
    schemaVersion: '1.0',
    type: 'withdrawal',
    occurredAt: '2026-11-22T09:59:00.000Z',
    channel: 'branch',
    source: { system: 'core-banking' },
    customer: { ref, identifiers: [] },
    amount: { value, currency: 'EUR' },
    data: {},
  } as InteractionEvent;
}

/** A withdrawal card; every card fires on any withdrawal, so they all compete. */
function card(policy: string, priority: number, extra: Partial<PolicyCard> = {}): PolicyCard {
  return {
    policy,
    title: { de: policy, en: policy },
    when: 'event withdrawal',
    then: 'call-task to sales-rep within 1d',
    priority,
    ...extra,
  };
}

function engineWith(cards: PolicyCard[], caps = new InMemoryCapCounter()): PolicyEngine {
  const engine = new PolicyEngine({ caps });
  for (const item of cards) engine.register(compileCard(item), `node-${item.policy}`);
  return engine;
}

const switchedOff = new Set<string>();
function context(extra: Partial<EvaluationContext> = {}): EvaluationContext {
  return {
    isEnabled: (id) => !switchedOff.has(id),
    now,
    customer: { tier: 'platinum' },
    arbitration: { by: 'priority', perChannel: 1 },
    ...extra,
  };
}

const outcomes = (result: { explanations: { policyId: string; outcome: string }[] }) =>
  Object.fromEntries(result.explanations.map((e) => [e.policyId, e.outcome]));

beforeEach(() => switchedOff.clear());

describe('arbitration by priority', () => {
  it('lets the higher priority win a shared channel and names the winner in the loser explanation', () => {
    const engine = engineWith([card('savings-offer', 40), card('platinum-large-withdrawal', 80)]);
    const result = engine.evaluate(withdrawal(), context());
    expect(result.decisions.map((d) => d.policyId)).toEqual(['platinum-large-withdrawal']);
    const winner = result.decisions[0];
    const loser = result.explanations.find((e) => e.policyId === 'savings-offer')!;
    expect(loser).toMatchObject({
      outcome: 'arbitration-lost',
      reason: 'arbitration lost to platinum-large-withdrawal (priority 80 > 40) on sales-rep',
      lostTo: { policyId: 'platinum-large-withdrawal', decisionId: winner.decisionId, channel: 'sales-rep' },
    });
    expect(outcomes(result)['platinum-large-withdrawal']).toBe('fired');
    expect(result.arbitration).toMatchObject({
      rule: 'priority, then score',
      tieBreak: 'policy id in code-point order',
      perChannel: 1,
      summary: 'by priority, then score, then policy id; 1 card per channel: 1 won, 1 lost',
      ranked: [
        { rank: 1, policyId: 'platinum-large-withdrawal', priority: 80, outcome: 'won' },
        {
          rank: 2,
          policyId: 'savings-offer',
          priority: 40,
          outcome: 'lost',
          lostTo: { policyId: 'platinum-large-withdrawal', because: 'priority 80 > 40' },
        },
      ],
    });
  });

  it('breaks an equal priority by score, a card without a score counting as 0', () => {
    const engine = engineWith([
      card('unscored', 60),
      card('scored', 60, { score: { propensity: 0.05, value: 100 } }),
    ]);
    const result = engine.evaluate(withdrawal(), context());
    expect(result.decisions.map((d) => d.policyId)).toEqual(['scored']);
    expect(result.explanations.find((e) => e.policyId === 'unscored')!.reason).toBe(
      'arbitration lost to scored (priority 60 = 60, score 5 > 0) on sales-rep',
    );
  });

  it('breaks a full tie by policy id in code-point order, whatever the order of registration', () => {
    const tied = [card('b-card', 50), card('a-card', 50), card('a-card-2', 50)];
    for (const order of [tied, [...tied].reverse()]) {
      const result = engineWith(order).evaluate(withdrawal(), context());
      expect(result.decisions.map((d) => d.policyId)).toEqual(['a-card']);
      expect(result.arbitration!.ranked.map((r) => r.policyId)).toEqual(['a-card', 'a-card-2', 'b-card']);
      expect(result.explanations.find((e) => e.policyId === 'b-card')!.reason).toBe(
        'arbitration lost to a-card (priority 50 = 50, score 0 = 0, policy id "a-card" before "b-card") on sales-rep',
      );
    }
  });
});

describe('arbitration by score', () => {
  it('lets the higher score win over a higher priority, and breaks an equal score by priority', () => {
    const cards = [
      card('loud', 90),
      card('valuable', 10, { score: { propensity: 0.1, value: 'event.amount', weight: 2 } }),
    ];
    const result = engineWith(cards).evaluate(
      withdrawal('crm:1', 300),
      context({ arbitration: { by: 'score', perChannel: 1 } }),
    );
    expect(result.decisions.map((d) => d.policyId)).toEqual(['valuable']);
    expect(result.explanations.find((e) => e.policyId === 'loud')!.reason).toBe(
      'arbitration lost to valuable (score 60 > 0) on sales-rep',
    );
    expect(result.arbitration).toMatchObject({
      rule: 'score, then priority',
      ranked: [
        {
          policyId: 'valuable',
          score: 60,
          propensity: 0.1,
          value: 300,
          weight: 2,
          propensitySource: 'prior',
        },
        { policyId: 'loud', priority: 90, outcome: 'lost' },
      ],
    });
    // the same cards by priority: the loud one wins
    expect(engineWith(cards).evaluate(withdrawal('crm:1', 300), context()).decisions[0].policyId).toBe(
      'loud',
    );

    const equal = engineWith([
      card('low', 10, { score: { propensity: 0.5, value: 10 } }),
      card('high', 20, { score: { propensity: 0.5, value: 10 } }),
    ]).evaluate(withdrawal(), context({ arbitration: { by: 'score', perChannel: 1 } }));
    expect(equal.decisions.map((d) => d.policyId)).toEqual(['high']);
    expect(equal.explanations.find((e) => e.policyId === 'low')!.reason).toBe(
      'arbitration lost to high (score 5 = 5, priority 20 > 10) on sales-rep',
    );
  });
});

describe('winners per channel', () => {
  const threeOnWeb = [
    card('first', 30, { then: 'web-offer a to web' }),
    card('second', 20, { then: 'web-offer b to web' }),
    card('third', 10, { then: 'web-offer c to web' }),
    card('on-sms', 5, { then: 'sms voucher to sms' }),
  ];

  it('takes perChannel cards per channel; cards on other channels do not compete', () => {
    const one = engineWith(threeOnWeb).evaluate(withdrawal(), context());
    expect(one.decisions.map((d) => d.policyId)).toEqual(['first', 'on-sms']);
    const two = engineWith(threeOnWeb).evaluate(withdrawal(), context({ arbitration: { perChannel: 2 } }));
    expect(two.decisions.map((d) => d.policyId)).toEqual(['first', 'second', 'on-sms']);
    // the loser names the last winner that took a place on its channel
    expect(two.explanations.find((e) => e.policyId === 'third')!.reason).toBe(
      'arbitration lost to second (priority 20 > 10) on web',
    );
  });

  it('0 only ranks: every card that fires goes out, as with a plain engine', () => {
    const ranked = engineWith(threeOnWeb).evaluate(withdrawal(), context({ arbitration: { perChannel: 0 } }));
    expect(ranked.decisions.map((d) => d.policyId)).toEqual(['first', 'second', 'third', 'on-sms']);
    expect(ranked.arbitration!.ranked.every((r) => r.outcome === 'won')).toBe(true);
    const plain = engineWith(threeOnWeb).evaluate(withdrawal(), { isEnabled: () => true, now });
    expect(plain.decisions.map((d) => d.policyId)).toEqual(['first', 'second', 'third', 'on-sms']);
    // the fast path (no explanations) decides the same
    const fast = engineWith(threeOnWeb).evaluate(withdrawal(), context({ explain: 'none' }));
    expect(fast.decisions.map((d) => d.policyId)).toEqual(['first', 'on-sms']);
    expect(fast.arbitration).toBeUndefined();
  });

  it('a card with several actions loses as a whole and keeps no lower card out of its other channels', () => {
    const cards = [
      card('web-winner', 90, { then: 'web-offer a to web' }),
      card('web-and-email', 50, { then: 'web-offer b to web; email-offer b to email' }),
      card('email-only', 10, { then: 'email-offer c to email' }),
      card('two-web-actions', 5, { then: 'web-offer d to web; web-offer e to web' }),
    ];
    const result = engineWith(cards).evaluate(withdrawal(), context());
    // web-and-email lost web, so its e-mail stays home too, and the e-mail place goes to the next card
    expect(result.decisions.map((d) => [d.policyId, d.channel])).toEqual([
      ['web-winner', 'web'],
      ['email-only', 'email'],
    ]);
    expect(outcomes(result)).toEqual({
      'web-winner': 'fired',
      'web-and-email': 'arbitration-lost',
      'email-only': 'fired',
      'two-web-actions': 'arbitration-lost',
    });
    // both decisions of the loser are in the ranking, as lost
    expect(result.arbitration!.ranked.filter((r) => r.policyId === 'web-and-email')).toEqual([
      expect.objectContaining({ channel: 'web', outcome: 'lost' }),
      expect.objectContaining({ channel: 'email', outcome: 'lost' }),
    ]);
    // a card alone with two actions on one channel takes one place there, and wins
    const alone = engineWith([cards[3]]).evaluate(withdrawal(), context());
    expect(alone.decisions).toHaveLength(2);
  });

  it('decides the same without explanations: the same decisions, caps and control-group customers', () => {
    const held = card('held-web', 70, { holdout: '50%', then: 'web-offer h to web' });
    const ref = Array.from({ length: 200 }, (_, i) => `crm:${i}`).find((r) => inHoldout('held-web', r, 50))!;
    const cards = [
      held,
      card('web-and-email', 50, { then: 'web-offer b to web; email-offer b to email' }),
      card('email-only', 10, { then: 'email-offer c to email within 7d', limits: { global: '5 per day' } }),
      card('sms-only', 30, { then: 'sms voucher to sms' }),
    ];
    for (const perChannel of [1, 2]) {
      const event = withdrawal(ref);
      const explained = engineWith(cards).evaluate(event, context({ arbitration: { perChannel } }));
      const bare = engineWith(cards).evaluate(
        event,
        context({ arbitration: { perChannel }, explain: 'none' }),
      );
      expect(bare.decisions).toEqual(explained.decisions);
      expect(bare.capClaims).toEqual(explained.capClaims);
      expect(bare.holdouts).toEqual(explained.holdouts);
      expect(bare.holdouts!.map((h) => h.policyId)).toEqual(['held-web']);
      expect(bare.explanations).toEqual([]);
    }
  });
});

describe('losers and caps', () => {
  const limited = card('limited', 40, { limits: { 'per-customer': '1 per 7d', global: '1 per day' } });
  const winner = card('winner', 80);

  it('a loser takes no cap: it fires on the next event once the winner is off', () => {
    const caps = new InMemoryCapCounter();
    const engine = engineWith([limited, winner], caps);
    const first = engine.evaluate(withdrawal(), context());
    expect(outcomes(first)).toEqual({ winner: 'fired', limited: 'arbitration-lost' });
    expect(first.capClaims).toBeUndefined();
    expect(caps.count('limited\u001fglobal', 86_400_000, now.getTime())).toBe(0);

    switchedOff.add('winner');
    const second = engine.evaluate(withdrawal(), context());
    expect(second.decisions.map((d) => d.policyId)).toEqual(['limited']);
    expect(second.capClaims!.map((claim) => claim.policyId)).toEqual(['limited']);
    // and now it is capped: its own firing was the one the caps counted
    expect(outcomes(engine.evaluate(withdrawal(), context()))).toMatchObject({ limited: 'capped' });
  });

  it('a loser claims no cap in the hub store either (PolicyState)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'crm-hub-arbitration-'));
    const store = new EmbeddedStore({ directory });
    await store.open();
    try {
      const state = new PolicyState({ store, clock: () => now.getTime(), instanceId: 'hub-a' });
      for (const item of [limited, winner]) state.engine.register(compileCard(item));
      const first = await state.evaluate(withdrawal(), context());
      expect(outcomes(first)).toEqual({ winner: 'fired', limited: 'arbitration-lost' });
      // the store's cap is free: taking it for a new hit is granted with nothing counted before
      const taken = await store.takeCaps(
        [{ key: 'limited\u001fglobal', limit: 1, windowMs: 86_400_000 }],
        'probe',
        now.toISOString(),
      );
      expect(taken).toMatchObject({ granted: true, counts: [1] });
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('holdout after arbitration', () => {
  it('a control-group winner keeps its place and sends nothing; the card it beat lost', () => {
    const held = card('held', 80, { holdout: '50%', then: 'web-offer a to web' });
    const ref = Array.from({ length: 200 }, (_, i) => `crm:${i}`).find((r) => inHoldout('held', r, 50))!;
    const result = engineWith([held, card('beaten', 20, { then: 'web-offer b to web' })]).evaluate(
      withdrawal(ref),
      context(),
    );
    expect(result.decisions).toEqual([]);
    expect(outcomes(result)).toEqual({ held: 'holdout', beaten: 'arbitration-lost' });
    expect(result.explanations.find((e) => e.policyId === 'beaten')!.reason).toBe(
      "arbitration lost to held (priority 80 > 20) on web, held back for held's control group",
    );
    expect(result.arbitration!.ranked.map((r) => r.outcome)).toEqual(['holdout', 'lost']);
  });
});

describe('learned propensity', () => {
  it('is the response rate with a Beta prior: (positive + prior × k) / (delivered + k)', () => {
    expect(learnedPropensity(undefined, 0.05, 'young')).toBeUndefined();
    expect(learnedPropensity({ delivered: 0, positive: 0 }, 0.05, 'young')).toBeUndefined();
    expect(learnedPropensity({ delivered: 10, positive: 8 }, 0.05, 'young')).toEqual({
      propensity: (8 + 0.05 * 20) / (10 + 20),
      prior: 0.05,
      delivered: 10,
      positive: 8,
      segment: 'young',
      k: 20,
    });
    expect(learnedPropensity({ delivered: 10, positive: 8 }, 0.05, 'young', 0)!.propensity).toBeCloseTo(0.8);
    // a response whose delivery was not recorded does not push the rate above 1
    expect(learnedPropensity({ delivered: 2, positive: 5 }, 0.5, '*', 0)!.propensity).toBe(1);
    expect([
      segmentOf({ segment: 'young' }),
      segmentOf({}),
      segmentOf(undefined),
      segmentOf({ segment: 7 }),
    ]).toEqual(['young', ANY_SEGMENT, ANY_SEGMENT, ANY_SEGMENT]);
  });

  it('replaces the prior after responses, per segment, and changes who wins by score', () => {
    const cards = [
      card('steady', 50, { score: { propensity: 0.06, value: 100 } }),
      card('learner', 50, { score: { propensity: 0.05, value: 100 } }),
    ];
    const responses = new InMemoryPropensitySource();
    const engine = engineWith(cards);
    const judge = (segment?: string) =>
      engine.evaluate(
        withdrawal(),
        context({
          arbitration: { by: 'score', perChannel: 1 },
          propensity: responses,
          customer: segment === undefined ? {} : { segment },
        }),
      );
    expect(judge('young').decisions[0]).toMatchObject({ policyId: 'steady', score: { score: 6 } });

    for (let i = 0; i < 10; i++) responses.recordDelivered('learner', 'young');
    for (let i = 0; i < 4; i++) responses.recordPositive('learner', 'young');
    const young = judge('young');
    const learned = (4 + 0.05 * 20) / (10 + 20);
    expect(young.decisions[0]).toMatchObject({
      policyId: 'learner',
      score: {
        propensity: learned,
        score: learned * 100,
        learned: { prior: 0.05, delivered: 10, positive: 4, segment: 'young', k: 20 },
      },
    });
    expect(young.arbitration!.ranked.map((r) => [r.policyId, r.propensitySource])).toEqual([
      ['learner', 'learned'],
      ['steady', 'prior'],
    ]);
    // another segment, and a customer with none ("*"), still see the prior
    expect(judge('retail').decisions[0].policyId).toBe('steady');
    expect(judge().decisions[0].policyId).toBe('steady');
    expect(judge().decisions[0].score!.learned).toBeUndefined();
    // a stronger prior keeps the card's own propensity for longer
    const stubborn = engine.evaluate(
      withdrawal(),
      context({
        arbitration: { by: 'score', perChannel: 1, priorStrength: 1000 },
        propensity: responses,
        customer: { segment: 'young' },
      }),
    );
    expect(stubborn.decisions[0].policyId).toBe('steady');
  });
});

describe('arbitrate() on its own', () => {
  const decision = (policyId: string, priority: number, channel = 'web', score?: number): Decision =>
    ({
      decisionId: `${policyId}:${channel}`,
      policyId,
      priority,
      channel,
      ...(score === undefined ? {} : { score: { score, propensity: 1, value: score, weight: 1 } }),
    }) as Decision;

  it('gives the same winners and ranking whatever the order of the cards', () => {
    const decisions = [
      decision('c', 10),
      decision('a', 10, 'web', 3),
      decision('b', 30),
      decision('d', 10, 'sms'),
      decision('a', 10, 'email', 3),
    ];
    const forward = arbitrate(decisions, { perChannel: 1 });
    // the cards the other way round; a card's own decisions stay in the order of its actions
    const backward = arbitrate([decisions[3], decisions[2], decisions[1], decisions[4], decisions[0]], {
      perChannel: 1,
    });
    expect(forward.winners.map((d) => d.decisionId)).toEqual(['b:web', 'd:sms']);
    expect(forward.losers.map((l) => [l.policyId, l.lostTo.policyId])).toEqual([
      ['a', 'b'],
      ['c', 'b'],
    ]);
    expect(backward.winners.map((d) => d.decisionId)).toEqual(forward.winners.map((d) => d.decisionId));
    expect(backward.explanation.ranked.map((r) => r.policyId)).toEqual(
      forward.explanation.ranked.map((r) => r.policyId),
    );
  });

  it('placedCards() gives the places arbitrate() gives, over seeded random cards', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const channels = ['web', 'sms', 'email'];
    for (let round = 0; round < 200; round++) {
      const cards = Array.from({ length: 1 + next(8) }, (_, i) => {
        const priority = 10 * next(3);
        const score = next(3) === 0 ? undefined : next(4);
        const actions = Array.from({ length: 1 + next(3) }, () => channels[next(3)]);
        return actions.map((channel) => decision(`card-${i}`, priority, channel, score));
      });
      for (const by of ['priority', 'score'] as const) {
        for (const perChannel of [1, 2]) {
          const full = arbitrate(cards.flat(), { by, perChannel });
          // a card ranks as its first decision, and acts on its decisions' channels
          const keyed = cards.map((item) => ({ ...item[0], channels: item.map((d) => d.channel) }));
          const placed = placedCards(keyed, (item) => item.channels, { by, perChannel });
          expect([...placed].map((item) => item.policyId)).toEqual([
            ...new Set(full.winners.map((d) => d.policyId)),
          ]);
        }
      }
    }
  });

  it('refuses options it does not know, naming the field', () => {
    expect(() => checkArbitrationOptions({ by: 'loudness' })).toThrow(ArbitrationOptionsError);
    expect(() => checkArbitrationOptions({ by: 'loudness' })).toThrow(/"priority" or "score"/);
    expect(() => checkArbitrationOptions({ perChannel: -1 })).toThrow(/winners per channel/);
    expect(() => checkArbitrationOptions({ perChannel: 'two' })).toThrow(/got "two"/);
    expect(() => checkArbitrationOptions({ priorStrength: Number.NaN })).toThrow(/prior's strength/);
    expect(checkArbitrationOptions()).toEqual({ by: 'priority', perChannel: 0, priorStrength: 20 });
    expect(() => new PolicyEngine({ arbitration: { perChannel: 1.5 } })).toThrow(/whole number/);
  });
});

describe('the registry and arbitration', () => {
  it('counts a lost arbitration as a suppression and keeps the engine arbitration for explain', () => {
    const registry = new PolicyRegistry({
      switches: { isEnabled: () => true, setEnabled: async () => undefined },
      clock: () => now.getTime(),
    });
    const cards = [card('savings-offer', 40), card('platinum-large-withdrawal', 80)];
    for (const item of cards) registry.declare(compileCard(item), { kind: 'node', id: item.policy });
    const event = withdrawal('crm:7');
    registry.observe('eng', event, engineWith(cards).evaluate(event, context()));
    expect(registry.get('savings-offer')!.counts.today).toMatchObject({
      evaluated: 1,
      fired: 0,
      suppressed: { 'arbitration-lost': 1 },
    });
    const [explained] = registry.explain('savings-offer', 'crm:7').evaluations;
    expect(explained).toMatchObject({
      outcome: 'arbitration-lost',
      decisions: [],
      arbitration: {
        rule: 'priority, then score',
        ranked: [
          { policyId: 'platinum-large-withdrawal', outcome: 'won' },
          { policyId: 'savings-offer', outcome: 'lost', lostTo: { policyId: 'platinum-large-withdrawal' } },
        ],
      },
    });
  });
});
