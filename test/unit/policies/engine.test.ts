import type { InteractionEvent } from '../../../mappings/canonical/types';
import { InMemoryCapCounter } from '../../../policies/caps';
import { compileCard, type PolicyCard } from '../../../policies/card';
import { PolicyEngine } from '../../../policies/engine';
import { addressChangeCard, platinumCard } from './fixtures';

const now = new Date('2025-03-01T10:00:00.000Z');
const allOn = { isEnabled: () => true, now };
let counter = 0;

function event(type: string, overrides: Partial<InteractionEvent> = {}): InteractionEvent {
  counter++;
  return {
    eventId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    schemaVersion: '1.0',
    type,
    occurredAt: '2025-03-01T09:59:00.000Z',
    channel: 'call-center',
    source: { system: 'crm' },
    customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
    data: {},
    ...overrides,
  };
}

function engineWith(...cards: PolicyCard[]): PolicyEngine {
  const engine = new PolicyEngine();
  for (const card of cards) engine.register(compileCard(card), `node-${card.policy}`);
  return engine;
}

describe('policy engine', () => {
  it('fires the address-change card for a call-center event and not for a web one', () => {
    const engine = engineWith(addressChangeCard, platinumCard);
    const callCenter = event('address-changed');
    const fired = engine.evaluate(callCenter, allOn);
    expect(fired.decisions).toEqual([
      {
        decisionId: expect.stringMatching(/^[0-9a-f]{32}$/),
        policyId: 'address-change-mortgage',
        cardVersion: { number: 1, hash: compileCard(addressChangeCard).version.hash },
        owner: 'node-address-change-mortgage',
        priority: 60,
        action: 'web-offer',
        offer: 'mortgage',
        channel: 'web',
        decidedAt: now.toISOString(),
        expiresAt: '2025-03-31T10:00:00.000Z',
        customerRef: 'crm:4711',
        eventId: callCenter.eventId,
        title: addressChangeCard.title,
      },
    ]);
    // only the card for this event type is considered
    expect(fired.explanations.map((e) => [e.policyId, e.outcome])).toEqual([
      ['address-change-mortgage', 'fired'],
    ]);

    const web = engine.evaluate(event('address-changed', { channel: 'web' }), allOn);
    expect(web.decisions).toEqual([]);
    expect(web.explanations).toEqual([
      expect.objectContaining({
        policyId: 'address-change-mortgage',
        outcome: 'not-matched',
        reason: 'not matched: via call-center (actual: "web")',
        checks: [{ condition: 'via call-center', held: false, actual: 'web' }],
      }),
    ]);
    expect(engine.evaluate(event('birthday'), allOn)).toEqual({ decisions: [], explanations: [] });
  });

  it('decision ids are deterministic per policy and event', () => {
    const first = engineWith(addressChangeCard).evaluate(event('address-changed', { eventId: 'e-1' }), allOn);
    const again = engineWith(addressChangeCard).evaluate(event('address-changed', { eventId: 'e-1' }), allOn);
    const other = engineWith(addressChangeCard).evaluate(event('address-changed', { eventId: 'e-2' }), allOn);
    expect(first.decisions[0].decisionId).toBe(again.decisions[0].decisionId);
    expect(first.decisions[0].decisionId).not.toBe(other.decisions[0].decisionId);
  });

  it('fires the platinum card only for platinum customers withdrawing over 10000, explaining failures', () => {
    const engine = engineWith(platinumCard);
    const big = { amount: { value: 15000, currency: 'EUR' } };
    const platinum = { tier: 'platinum' };

    const gold = engine.evaluate(event('withdrawal', big), { ...allOn, customer: { tier: 'gold' } });
    expect(gold.decisions).toEqual([]);
    expect(gold.explanations[0]).toMatchObject({
      outcome: 'not-matched',
      reason: 'not matched: customer.tier == "platinum" (actual: "gold")',
      checks: [
        { condition: 'amount.value > 10000', held: true, actual: 15000 },
        { condition: 'customer.tier == "platinum"', held: false, actual: 'gold' },
      ],
    });

    const small = engine.evaluate(event('withdrawal', { amount: { value: 9000, currency: 'EUR' } }), {
      ...allOn,
      customer: platinum,
    });
    expect(small.decisions).toEqual([]);
    expect(small.explanations[0].reason).toBe('not matched: amount.value > 10000 (actual: 9000 EUR)');

    const noCustomer = engine.evaluate(event('withdrawal', big), allOn);
    expect(noCustomer.explanations[0].reason).toBe(
      'not matched: customer.tier == "platinum" (actual: missing)',
    );

    const fired = engine.evaluate(event('withdrawal', big), { ...allOn, customer: platinum });
    expect(fired.decisions).toMatchObject([
      {
        policyId: 'platinum-large-withdrawal',
        action: 'call-task',
        channel: 'sales-rep',
        expiresAt: '2025-03-02T10:00:00.000Z',
      },
    ]);
    expect(fired.decisions[0].offer).toBeUndefined();
  });

  it('a switched-off policy explains itself and does not fire', () => {
    const engine = engineWith(addressChangeCard);
    const result = engine.evaluate(event('address-changed'), {
      now,
      isEnabled: (id) => id !== 'address-change-mortgage',
    });
    expect(result.decisions).toEqual([]);
    expect(result.explanations).toEqual([
      expect.objectContaining({
        policyId: 'address-change-mortgage',
        outcome: 'switched-off',
        reason: 'switched off',
      }),
    ]);
    // switching it back on fires, so the switch alone suppressed it
    expect(engine.evaluate(event('address-changed'), allOn).decisions).toHaveLength(1);
  });

  it('the per-customer cap suppresses the second decision and says so', () => {
    const engine = engineWith(addressChangeCard);
    expect(engine.evaluate(event('address-changed'), allOn).decisions).toHaveLength(1);
    const second = engine.evaluate(event('address-changed'), {
      ...allOn,
      now: new Date('2025-03-03T10:00:00Z'),
    });
    expect(second.decisions).toEqual([]);
    expect(second.explanations[0]).toMatchObject({
      outcome: 'capped',
      reason: 'cap reached: per-customer 1 per 7d (1 already in the window)',
      cap: { scope: 'per-customer', limit: '1 per 7d', count: 1 },
    });
    // another customer is not capped, and the window ends after 7 days
    const otherCustomer = event('address-changed', { customer: { ref: 'crm:1', identifiers: [] } });
    expect(engine.evaluate(otherCustomer, allOn).decisions).toHaveLength(1);
    expect(
      engine.evaluate(event('address-changed'), { ...allOn, now: new Date('2025-03-08T10:00:01Z') })
        .decisions,
    ).toHaveLength(1);
  });

  it('a redelivered event fires again with the same decision id; a new event is capped', () => {
    const caps = new InMemoryCapCounter();
    const engine = new PolicyEngine({ caps });
    engine.register(compileCard({ ...addressChangeCard, limits: { 'per-customer': '1 per 7d' } }));
    const e1 = event('address-changed', { eventId: 'e1' });
    const first = engine.evaluate(e1, allOn);
    expect(first.decisions).toHaveLength(1);

    // the bus delivers e1 again, an hour later: not refused by its own first hit, and not counted again
    const later = { ...allOn, now: new Date('2025-03-01T11:00:00Z') };
    const again = engine.evaluate(e1, later);
    expect(again.decisions.map((d) => d.decisionId)).toEqual([first.decisions[0].decisionId]);
    expect(again.explanations[0]).toMatchObject({ outcome: 'fired' });
    expect(again.capClaims?.[0].hitId).toBe(first.capClaims?.[0].hitId);
    const key = first.capClaims![0].claims[0].key;
    expect(caps.count(key, 7 * 86_400_000, later.now.getTime())).toBe(1);

    const e2 = engine.evaluate(event('address-changed', { eventId: 'e2' }), later);
    expect(e2.decisions).toEqual([]);
    expect(e2.explanations[0]).toMatchObject({
      outcome: 'capped',
      reason: 'cap reached: per-customer 1 per 7d (1 already in the window)',
    });
    // e1 still fires on a third delivery after e2 was refused; once the window is over, e1's hit is gone
    expect(engine.evaluate(e1, later).decisions).toHaveLength(1);
    expect(caps.has(key, first.capClaims![0].hitId, 7 * 86_400_000, later.now.getTime())).toBe(true);
    expect(caps.has(key, first.capClaims![0].hitId, 7 * 86_400_000, Date.parse('2025-03-08T10:00:00Z'))).toBe(
      false,
    );
  });

  it('the in-memory counter counts a hit id once per key and forgets by hit id', () => {
    const caps = new InMemoryCapCounter();
    caps.record('k', 100, 'a');
    caps.record('k', 200, 'a');
    caps.record('k', 50, 'b');
    caps.record('other', 100, 'a');
    expect(caps.count('k', 1000, 300)).toBe(2);
    expect(caps.has('k', 'a', 1000, 300)).toBe(true);
    // the window (now - windowMs, now]: the hit at 50 has left it, the one at 100 not yet
    expect(caps.count('k', 250, 300)).toBe(1);
    expect(caps.has('k', 'b', 250, 300)).toBe(false);
    caps.forget('k', 'a');
    expect(caps.count('k', 1000, 300)).toBe(0);
    expect(caps.count('other', 1000, 300)).toBe(1);
  });

  it('only emitted decisions count against the caps', () => {
    const caps = new InMemoryCapCounter();
    const engine = new PolicyEngine({ caps });
    engine.register(compileCard({ ...addressChangeCard, limits: { global: '1 per day' } }));
    engine.evaluate(event('address-changed', { channel: 'web' }), allOn);
    engine.evaluate(event('address-changed'), { now, isEnabled: () => false });
    expect(engine.evaluate(event('address-changed'), allOn).decisions).toHaveLength(1);
    const capped = engine.evaluate(
      event('address-changed', { customer: { ref: 'crm:2', identifiers: [] } }),
      allOn,
    );
    expect(capped.explanations[0]).toMatchObject({
      outcome: 'capped',
      cap: { scope: 'global', limit: '1 per day' },
    });
  });

  it('orders decisions by priority, highest first', () => {
    const low = { ...addressChangeCard, policy: 'low', priority: 10 };
    const high = {
      ...addressChangeCard,
      policy: 'high',
      priority: 90,
      then: 'call-task to sales-rep; email-offer mortgage to email',
    };
    const engine = engineWith(low, addressChangeCard, high);
    const result = engine.evaluate(event('address-changed'), allOn);
    expect(result.decisions.map((d) => [d.policyId, d.priority, d.action])).toEqual([
      ['high', 90, 'call-task'],
      ['high', 90, 'email-offer'],
      ['address-change-mortgage', 60, 'web-offer'],
      ['low', 10, 'web-offer'],
    ]);
    expect(new Set(result.decisions.map((d) => d.decisionId)).size).toBe(4);
    expect(engine.list().map((entry) => entry.policy.id)).toEqual(['high', 'address-change-mortgage', 'low']);
  });

  it('register replaces by id and unregister removes the card from the index', () => {
    const engine = engineWith(addressChangeCard);
    engine.register(compileCard({ ...addressChangeCard, priority: 5 }), 'other-node');
    expect(engine.list()).toEqual([expect.objectContaining({ owner: 'other-node' })]);
    expect(engine.evaluate(event('address-changed'), allOn).decisions[0]).toMatchObject({
      priority: 5,
      owner: 'other-node',
    });
    expect(engine.unregister('address-change-mortgage')).toBe(true);
    expect(engine.unregister('address-change-mortgage')).toBe(false);
    expect(engine.evaluate(event('address-changed'), allOn)).toEqual({ decisions: [], explanations: [] });
  });

  it('dryRun evaluates an unregistered card against recorded events without touching caps', () => {
    const engine = engineWith(addressChangeCard);
    const events = [
      event('address-changed', { occurredAt: '2025-02-01T10:00:00Z' }),
      event('address-changed', { occurredAt: '2025-02-02T10:00:00Z' }),
      event('address-changed', { channel: 'web' }),
      event('withdrawal'),
    ];
    const result = engine.dryRun(addressChangeCard, events);
    expect(result.decisions).toHaveLength(1);
    expect(result.decisions[0]).toMatchObject({
      eventId: events[0].eventId,
      expiresAt: '2025-03-03T10:00:00.000Z',
    });
    expect(result.explanations.map((e) => [e.eventId, e.outcome])).toEqual([
      [events[0].eventId, 'fired'],
      [events[1].eventId, 'capped'],
      [events[2].eventId, 'not-matched'],
    ]);
    // the real caps were not touched: the registered card still fires
    expect(engine.evaluate(event('address-changed'), allOn).decisions).toHaveLength(1);
    expect(engine.list()).toHaveLength(1);

    const platinum = engine.dryRun(
      platinumCard,
      [event('withdrawal', { amount: { value: 20000, currency: 'EUR' } })],
      {
        customerOf: (ref) => (ref === 'crm:4711' ? { tier: 'platinum' } : undefined),
      },
    );
    expect(platinum.decisions).toHaveLength(1);
    expect(() => engine.dryRun({ ...platinumCard, when: 'whenever' }, [])).toThrow(
      /policy "platinum-large-withdrawal": when:/,
    );
  });

  it('rejects a bad event or context clearly', () => {
    const engine = engineWith(addressChangeCard);
    expect(() => engine.evaluate({ type: 'address-changed' } as InteractionEvent, allOn)).toThrow(
      /event\.eventId/,
    );
    expect(() => engine.evaluate(event('address-changed'), {} as never)).toThrow(/context\.isEnabled/);
  });
});

describe('policy engine: the full card vocabulary', () => {
  it('caps per channel and names the channel that is full', () => {
    const engine = engineWith({
      ...addressChangeCard,
      then: 'web-offer mortgage to web; email mortgage to email',
      limits: { 'per-channel': { email: '1 per 7d' } },
    });
    expect(engine.evaluate(event('address-changed'), allOn).decisions.map((d) => d.channel)).toEqual([
      'web',
      'email',
    ]);
    const second = engine.evaluate(event('address-changed'), allOn);
    expect(second.decisions).toEqual([]);
    expect(second.explanations[0]).toMatchObject({
      outcome: 'capped',
      reason: 'cap reached: per-channel (email) 1 per 7d (1 already in the window)',
      cap: { scope: 'per-channel', channel: 'email', limit: '1 per 7d', count: 1 },
    });
    // per customer: another customer's email is not capped
    const other = event('address-changed', { customer: { ref: 'crm:2', identifiers: [] } });
    expect(engine.evaluate(other, allOn).decisions).toHaveLength(2);
  });

  it('carries the score and the card version on each decision and explanation', () => {
    const card = {
      ...platinumCard,
      version: 3,
      score: { propensity: 0.1, value: 'event.amount', weight: 2 },
    };
    const engine = engineWith(card);
    const result = engine.evaluate(event('withdrawal', { amount: { value: 20000, currency: 'EUR' } }), {
      ...allOn,
      customer: { tier: 'platinum' },
    });
    const version = compileCard(card).version;
    expect(version.number).toBe(3);
    expect(result.decisions[0]).toMatchObject({
      cardVersion: version,
      score: { score: 4000, propensity: 0.1, value: 20000, weight: 2 },
    });
    expect(result.explanations[0].cardVersion).toEqual(version);
  });

  it('fires a card for each of its event types, and the fast path decides the same without explaining', () => {
    const delay: PolicyCard = {
      ...addressChangeCard,
      policy: 'delay-sms',
      when: 'event flight-delayed or delivery-delayed via app, web',
      then: 'sms delay-voucher to sms',
      limits: undefined,
    };
    const engine = engineWith(delay);
    for (const type of ['flight-delayed', 'delivery-delayed']) {
      const fired = engine.evaluate(event(type, { channel: 'app' }), { ...allOn, explain: 'none' });
      expect([type, fired.decisions.map((d) => d.policyId), fired.explanations]).toEqual([
        type,
        ['delay-sms'],
        [],
      ]);
    }
    expect(
      engine.evaluate(event('flight-delayed', { channel: 'branch' }), allOn).explanations[0].reason,
    ).toBe('not matched: via app, web (actual: "branch")');
  });
});
