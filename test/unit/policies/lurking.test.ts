import { compileCard, type PolicyCard } from '../../../policies/card';
import { PolicyEngine } from '../../../policies/engine';
import { inHoldout } from '../../../policies/holdout';
import { contactDay, lurkingOfferId } from '../../../policies/lurking';
import { InMemoryHistory } from '../../../policies/history';
import { InMemoryPropensitySource } from '../../../policies/propensity';
import { addressChangeCard } from './fixtures';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const ON = () => true;

const mortgageCard: PolicyCard = {
  policy: 'young-family-mortgage',
  title: { de: 'Baufinanzierung für junge Familien', en: 'Mortgage for young families' },
  mode: 'lurking',
  when: 'contact via web, app',
  if: ['customer.segment == "young-families"', 'customer.tier in ["silver", "gold"]'],
  then: 'web-offer mortgage to web within 30d',
  priority: 60,
};

const family = { customerRef: 'crm:4711', segment: 'young-families', tier: 'gold' };
const web = { customerRef: 'crm:4711', channel: 'web', point: 'home' };

function engineWith(...cards: PolicyCard[]): PolicyEngine {
  const engine = new PolicyEngine();
  for (const card of cards) engine.register(compileCard(card), `node-${card.policy}`);
  return engine;
}

describe('lurking cards at contact time', () => {
  it('wakes a card whose profile matches, with the conditions and values it saw', () => {
    const engine = engineWith(mortgageCard, addressChangeCard);
    const result = engine.lurking(web, { customer: family, isEnabled: ON, now: NOW });
    expect(result.offers).toHaveLength(1);
    const [offer] = result.offers;
    expect(offer).toMatchObject({
      policyId: 'young-family-mortgage',
      owner: 'node-young-family-mortgage',
      action: 'web-offer',
      offer: 'mortgage',
      channel: 'web',
      priority: 60,
      customerRef: 'crm:4711',
      decidedAt: NOW.toISOString(),
      expiresAt: '2026-12-22T10:00:00.000Z',
      source: 'lurking',
    });
    expect(offer.reasons).toEqual([
      { condition: 'via web, app', held: true, actual: 'web' },
      { condition: 'customer.segment == "young-families"', held: true, actual: 'young-families' },
      { condition: 'customer.tier in ["silver", "gold"]', held: true, actual: 'gold' },
    ]);
    // only the lurking card is judged at a contact; trigger cards wait for their events
    expect(result.explanations.map((e) => [e.policyId, e.outcome])).toEqual([
      ['young-family-mortgage', 'fired'],
    ]);
  });

  it('keeps a card dormant for a customer outside its profile or on another channel, and says why', () => {
    const engine = engineWith(mortgageCard);
    const other = engine.lurking(web, { customer: { ...family, tier: 'basic' }, isEnabled: ON, now: NOW });
    expect(other.offers).toEqual([]);
    expect(other.explanations[0]).toMatchObject({
      outcome: 'not-matched',
      reason: 'not matched: customer.tier in ["silver", "gold"] (actual: "basic")',
    });
    const call = engine.lurking(
      { customerRef: 'crm:4711', channel: 'call-center' },
      { customer: family, isEnabled: ON, now: NOW },
    );
    expect(call.offers).toEqual([]);
    expect(call.explanations[0].reason).toContain('via web, app (actual: "call-center")');
    const unknown = engine.lurking(web, { isEnabled: ON, now: NOW });
    expect(unknown.explanations[0].reason).toContain(
      'customer.segment == "young-families" (actual: missing)',
    );
  });

  it("reads the contact point and type as the event a card's when sees", () => {
    const engine = engineWith({
      ...mortgageCard,
      when: 'event web-visit via web where data.point == "home"',
      if: undefined,
    });
    const home = engine.lurking({ ...web, eventType: 'web-visit' }, { isEnabled: ON, now: NOW });
    expect(home.offers).toHaveLength(1);
    const elsewhere = engine.lurking(
      { ...web, point: 'loans', eventType: 'web-visit' },
      { isEnabled: ON, now: NOW },
    );
    expect(elsewhere.offers).toEqual([]);
    const untyped = engine.lurking(web, { isEnabled: ON, now: NOW });
    expect(untyped.explanations[0].reason).toContain('contact web-visit (actual: missing)');
  });

  it('does not wake a switched-off card or one out of its schedule', () => {
    const engine = engineWith(mortgageCard, {
      ...mortgageCard,
      policy: 'summer-mortgage',
      schedule: { from: '2026-06-01', to: '2026-09-01', 'time-zone': 'Europe/Berlin' },
    });
    const result = engine.lurking(web, {
      customer: family,
      isEnabled: (id) => id !== 'young-family-mortgage',
      now: NOW,
    });
    expect(result.offers).toEqual([]);
    expect(result.explanations.map((e) => [e.policyId, e.outcome])).toEqual([
      ['summer-mortgage', 'out-of-schedule'],
      ['young-family-mortgage', 'switched-off'],
    ]);
  });

  it('records a customer in the control group as holdout, without an offer', () => {
    const refs = Array.from({ length: 40 }, (_, i) => `crm:${1000 + i}`);
    const held = refs.find((ref) => inHoldout('young-family-mortgage', ref, 50))!;
    const free = refs.find((ref) => !inHoldout('young-family-mortgage', ref, 50))!;
    const engine = engineWith({ ...mortgageCard, holdout: '50%' });
    const inGroup = engine.lurking(
      { ...web, customerRef: held },
      { customer: family, isEnabled: ON, now: NOW },
    );
    expect(inGroup.offers).toEqual([]);
    expect(inGroup.explanations[0]).toMatchObject({
      outcome: 'holdout',
      reason: 'holdout (50% control group): would have offered: web-offer mortgage to web',
    });
    const outside = engine.lurking(
      { ...web, customerRef: free },
      { customer: family, isEnabled: ON, now: NOW },
    );
    expect(outside.offers).toHaveLength(1);
  });

  it('judges history conditions and the cooldown over the history it is given', () => {
    const engine = engineWith({
      ...mortgageCard,
      history: 'count address-changed within 90d >= 1',
      limits: { cooldown: '30d after reject' },
    });
    const without = engine.lurking(web, { customer: family, isEnabled: ON, now: NOW });
    expect(without.explanations[0].reason).toContain('(actual: "no history available")');
    const history = new InMemoryHistory();
    history.record({
      type: 'address-changed',
      occurredAt: '2026-11-01T10:00:00.000Z',
      customer: { ref: 'crm:4711' },
    });
    const woken = engine.lurking(web, {
      customer: family,
      isEnabled: ON,
      now: NOW,
      history: history.view('crm:4711'),
    });
    expect(woken.offers).toHaveLength(1);
    history.recordResponse(
      'crm:4711',
      'young-family-mortgage',
      'rejected',
      Date.parse('2026-11-10T10:00:00Z'),
    );
    const cooling = engine.lurking(web, {
      customer: family,
      isEnabled: ON,
      now: NOW,
      history: history.view('crm:4711'),
    });
    expect(cooling.offers).toEqual([]);
    expect(cooling.explanations[0]).toMatchObject({ outcome: 'cooldown' });
  });

  it('closes an offer the customer accepted or converted on for its validity, then offers it again', () => {
    const engine = engineWith(mortgageCard);
    const history = new InMemoryHistory();
    const at = (iso: string) =>
      engine.lurking(web, {
        customer: family,
        isEnabled: ON,
        now: new Date(iso),
        history: history.view('crm:4711'),
      });
    expect(at('2026-11-22T10:00:00Z').offers).toHaveLength(1);
    history.recordResponse(
      'crm:4711',
      'young-family-mortgage',
      'converted',
      Date.parse('2026-11-22T10:05:00Z'),
    );
    const closed = at('2026-11-23T10:00:00Z');
    expect(closed.offers).toEqual([]);
    expect(closed.explanations[0]).toMatchObject({
      outcome: 'cooldown',
      reason:
        'closed: the customer accepted or converted at 2026-11-22T10:05:00.000Z, 30d after accepted or converted',
    });
    // the offer was valid for 30 days ("within 30d"): after that the card may wake again
    expect(at('2026-12-22T10:05:00.001Z').offers).toHaveLength(1);
    // a reject does not close it (that is what a cooldown is for)
    const other = new InMemoryHistory();
    other.recordResponse('crm:4711', 'young-family-mortgage', 'rejected', Date.parse('2026-11-22T10:05:00Z'));
    expect(
      engine.lurking(web, { customer: family, isEnabled: ON, now: NOW, history: other.view('crm:4711') })
        .offers,
    ).toHaveLength(1);
  });

  it('refuses caps on a lurking card, which is shown and never fired, and points to a cooldown', () => {
    expect(() => compileCard({ ...mortgageCard, limits: { 'per-customer': '1 per 30d' } })).toThrow(
      'a lurking card takes no caps',
    );
    // a card whose own cooldown names the outcomes keeps it as written
    const own = compileCard({ ...mortgageCard, limits: { cooldown: '90d after accept' } });
    expect(own.limits.closed).toBeUndefined();
    expect(compileCard(mortgageCard).limits.closed).toMatchObject({ after: ['accepted', 'converted'] });
  });

  it('gives the same offer id all day and a new one the next day', () => {
    const engine = engineWith(mortgageCard);
    const at = (iso: string) =>
      engine.lurking(web, { customer: family, isEnabled: ON, now: new Date(iso) }).offers[0].offerId;
    const morning = at('2026-11-22T08:00:00.000Z');
    expect(at('2026-11-22T23:59:59.000Z')).toBe(morning);
    expect(at('2026-11-23T00:00:00.000Z')).not.toBe(morning);
    expect(morning).toBe(lurkingOfferId('young-family-mortgage', 'crm:4711', NOW));
    expect(morning).toMatch(/^[0-9a-f]{32}$/);
    expect(contactDay(NOW)).toBe('2026-11-22');
    // another customer, another offer
    const other = engine.lurking(
      { ...web, customerRef: 'crm:4712' },
      { customer: family, isEnabled: ON, now: NOW },
    );
    expect(other.offers[0].offerId).not.toBe(morning);
  });

  it('ranks woken cards by priority, then score, then policy id', () => {
    const card = (policy: string, priority: number, score?: PolicyCard['score']) => ({
      ...mortgageCard,
      policy,
      priority,
      ...(score ? { score } : {}),
    });
    const engine = engineWith(
      card('b-plain', 60),
      card('a-plain', 60),
      card('low-value', 60, { propensity: 0.1, value: 100 }),
      card('high-value', 60, { propensity: 0.1, value: 900 }),
      card('urgent', 90),
    );
    const result = engine.lurking(web, { customer: family, isEnabled: ON, now: NOW });
    expect(result.offers.map((o) => o.policyId)).toEqual([
      'urgent',
      'high-value',
      'low-value',
      'a-plain',
      'b-plain',
    ]);
    expect(result.offers[1].score).toMatchObject({ score: 90 });
  });

  it("ranks scored cards by the learned propensity in the customer's segment, like trigger cards", () => {
    const scored = (policy: string, propensity: number): PolicyCard => ({
      ...mortgageCard,
      policy,
      then: `web-offer ${policy} to web within 30d`,
      score: { propensity, value: 1000 },
    });
    const engine = engineWith(scored('savings-plan', 0.05), scored('mortgage', 0.04));
    const ranked = (propensity?: InMemoryPropensitySource) =>
      engine
        .lurking(web, { customer: family, isEnabled: ON, now: NOW, ...(propensity ? { propensity } : {}) })
        .offers.map((offer) => [offer.policyId, Math.round(offer.score!.score)]);
    expect(ranked()).toEqual([
      ['savings-plan', 50],
      ['mortgage', 40],
    ]);

    const responses = new InMemoryPropensitySource();
    for (let i = 0; i < 10; i += 1) responses.recordDelivered('mortgage', 'young-families');
    for (let i = 0; i < 8; i += 1) responses.recordPositive('mortgage', 'young-families');
    // another segment's answers say nothing about young families
    for (let i = 0; i < 10; i += 1) responses.recordDelivered('savings-plan', 'students');
    // (8 + 0.04 × 20) / (10 + 20) = 0.2933…: the evidence lifts the mortgage above the savings plan
    expect(ranked(responses)).toEqual([
      ['mortgage', 293],
      ['savings-plan', 50],
    ]);
    const [best] = engine.lurking(web, {
      customer: family,
      isEnabled: ON,
      now: NOW,
      propensity: responses,
    }).offers;
    expect(best.score).toMatchObject({
      learned: { prior: 0.04, delivered: 10, positive: 8, segment: 'young-families', k: 20 },
    });
    // the engine's prior strength applies unless the caller names its own
    const stubborn = engine.lurking(web, {
      customer: family,
      isEnabled: ON,
      now: NOW,
      propensity: responses,
      priorStrength: 1000,
    });
    expect(stubborn.offers[0].policyId).toBe('savings-plan');
  });

  it('answers the same offers without explanations at contact time (explain: false)', () => {
    const engine = engineWith(
      mortgageCard,
      { ...mortgageCard, policy: 'family-savings', then: 'web-offer savings-plan to web', priority: 50 },
      { ...mortgageCard, policy: 'family-insurance', then: 'web-offer insurance to web', holdout: '50%' },
      {
        ...mortgageCard,
        policy: 'family-loan',
        then: 'web-offer loan to web',
        history: 'count address-changed within 90d >= 1',
        limits: { cooldown: '30d after reject' },
      },
      { ...mortgageCard, policy: 'family-switched-off', then: 'web-offer card to web' },
    );
    const history = new InMemoryHistory();
    history.record({
      type: 'address-changed',
      occurredAt: '2026-11-01T10:00:00.000Z',
      customer: { ref: 'crm:4711' },
    });
    const isEnabled = (policyId: string) => policyId !== 'family-switched-off';
    const inGroup = Array.from({ length: 50 }, (_, i) => `crm:${i}`).find((ref) =>
      inHoldout('family-insurance', ref, 50),
    )!;
    const outside = Array.from({ length: 50 }, (_, i) => `crm:${i}`).find(
      (ref) => !inHoldout('family-insurance', ref, 50),
    )!;
    const cases = [
      { contact: web, customer: family },
      { contact: { ...web, customerRef: inGroup }, customer: family },
      { contact: { ...web, customerRef: outside }, customer: family },
      { contact: { ...web, channel: 'call-center' }, customer: family },
      { contact: web, customer: { ...family, tier: 'basic' } },
      { contact: web, customer: undefined },
    ];
    const woken: number[] = [];
    for (const { contact, customer } of cases) {
      for (const withHistory of [false, true]) {
        const context = {
          customer,
          isEnabled,
          now: NOW,
          ...(withHistory ? { history: history.view(contact.customerRef) } : {}),
        };
        const explained = engine.lurking(contact, context);
        expect(explained.explanations).toHaveLength(5);
        // the same offers, and the same cards dormant for their state, without a string built
        expect(engine.lurking(contact, { ...context, explain: false })).toEqual({
          offers: explained.offers,
          explanations: [],
          dormant: explained.dormant,
        });
        expect(explained.dormant.map((d) => d.policyId)).toContain('family-switched-off');
        woken.push(explained.offers.length);
      }
    }
    // woken cards with and without the history card's event (only crm:4711 has one) and the holdout
    // card (out of its control group only for `outside`), and dormant ones
    expect(woken).toEqual([2, 3, 2, 2, 3, 3, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses a contact without a customer or a channel', () => {
    const engine = engineWith(mortgageCard);
    expect(() => engine.lurking({ customerRef: '', channel: 'web' }, { isEnabled: ON })).toThrow(
      /customerRef/,
    );
    expect(() => engine.lurking({ customerRef: 'crm:1', channel: '' }, { isEnabled: ON })).toThrow(/channel/);
  });
});
