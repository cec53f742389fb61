import { compileCard, parseDuration, PolicyCardError, type PolicyCard } from '../../../policies/card';
import { addressChangeCard, platinumCard } from './fixtures';

function errorOf(card: unknown): PolicyCardError {
  try {
    compileCard(card as PolicyCard);
  } catch (error) {
    if (error instanceof PolicyCardError) return error;
    throw error;
  }
  throw new Error('expected the card to be rejected');
}

describe('policy cards', () => {
  it('compiles the address-change card', () => {
    const policy = compileCard(addressChangeCard);
    expect(policy).toMatchObject({
      id: 'address-change-mortgage',
      priority: 60,
      mode: 'trigger',
      eventType: 'address-changed',
      channel: 'call-center',
      actions: [
        { action: 'web-offer', offer: 'mortgage', to: 'web', within: '30d', withinMs: 30 * 86_400_000 },
      ],
      limits: {
        perCustomer: { count: 1, windowMs: 7 * 86_400_000, text: '1 per 7d' },
        global: { count: 200, windowMs: 86_400_000, text: '200 per day' },
      },
    });
    expect(policy.where).toBeUndefined();
    expect(policy.condition).toBeUndefined();
  });

  it('compiles the platinum card with where and if predicates', () => {
    const policy = compileCard(platinumCard);
    expect(policy.eventType).toBe('withdrawal');
    expect(policy.channel).toBeUndefined();
    expect(policy.actions).toEqual([
      { action: 'call-task', to: 'sales-rep', within: '1d', withinMs: 86_400_000 },
    ]);
    expect(policy.where?.test({ amount: { value: 10001, currency: 'EUR' } })).toBe(true);
    expect(policy.where?.test({ amount: { value: 10000, currency: 'EUR' } })).toBe(false);
    expect(policy.condition?.test({ customer: { tier: 'platinum' } })).toBe(true);
    expect(policy.condition?.test({ customer: { tier: 'gold' } })).toBe(false);
  });

  it('parses several actions and durations', () => {
    const policy = compileCard({
      ...platinumCard,
      then: 'call-task to sales-rep within 12h; sms-offer gold-card to sms',
    });
    expect(policy.actions).toEqual([
      { action: 'call-task', to: 'sales-rep', within: '12h', withinMs: 12 * 3_600_000 },
      { action: 'sms-offer', offer: 'gold-card', to: 'sms' },
    ]);
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('7 days')).toBe(7 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(() => parseDuration('7x')).toThrow(/"7x" is not a duration/);
  });

  it('bad cards give errors naming the card field and the problem', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ ...platinumCard, policy: 'Platinum Card' }, 'policy', /kebab-case id/],
      [{ ...platinumCard, title: { de: 'x' } }, 'title.en', /non-empty text/],
      [
        { ...platinumCard, when: 'withdrawal over 10000' },
        'when',
        /expected "event <type> \[via <channel>\]/,
      ],
      [
        { ...platinumCard, when: 'event withdrawal via call-centre' },
        'when',
        /unknown channel "call-centre".*call-center/,
      ],
      [
        { ...platinumCard, when: 'event withdrawal where amount.value >> 1' },
        'when (where)',
        /expected an operator.*position 14/,
      ],
      [
        { ...platinumCard, when: 'event withdrawal where tier == "x"' },
        'when (where)',
        /"tier" must start with one of: eventId/,
      ],
      [{ ...platinumCard, if: 'tier == "platinum"' }, 'if', /"tier" must start with one of: customer, event/],
      [{ ...platinumCard, if: 'customer.tier = "platinum"' }, 'if', /expected an operator.*found "="/],
      [
        { ...platinumCard, then: 'call someone' },
        'then',
        /expected "<action> \[<offer>\] to <channel-or-recipient>/,
      ],
      [
        { ...platinumCard, then: 'call-task to sales-rep; web-offer x to web within 3 fortnights' },
        'then[2]',
        /expected/,
      ],
      [
        { ...platinumCard, then: 'call-task to sales-rep within 1y' },
        'then',
        /within: "1y" is not a duration/,
      ],
      [
        { ...platinumCard, limits: { 'per-customer': 'once a week' } },
        'limits.per-customer',
        /expected "<count> per <duration>"/,
      ],
      [{ ...platinumCard, limits: { global: '0 per day' } }, 'limits.global', /at least 1/],
      [{ ...platinumCard, limits: { perCustomer: '1 per 7d' } }, 'limits.perCustomer', /unknown limit/],
      [{ ...platinumCard, priority: 'high' }, 'priority', /must be a number/],
      [{ ...platinumCard, mode: 'sleepy' }, 'mode', /"trigger" or "lurking"/],
      [{ ...platinumCard, holdout: '120%' }, 'holdout', /less than 100%/],
      [{ ...platinumCard, wen: 'x' }, 'wen', /unknown field/],
    ];
    for (const [card, field, problem] of cases) {
      const error = errorOf(card);
      expect([field, error.field]).toEqual([field, field]);
      expect([field, error.message]).toEqual([field, expect.stringMatching(problem)]);
    }
    expect(errorOf({ ...platinumCard, if: 'customer.tier == 1 or' }).message).toMatch(
      /^policy "platinum-large-withdrawal": if: expected a field path/,
    );
  });

  it('refuses comparisons the canonical schema says can never hold, and keeps those that can', () => {
    const refused: [Partial<PolicyCard>, string, RegExp][] = [
      [{ when: 'event withdrawal where amount > "10000"' }, 'when (where)', /"amount" is money/],
      [{ when: 'event withdrawal where amount == "big"' }, 'when (where)', /"==" needs a number/],
      [{ if: 'customer.tier == "Platinum"' }, 'if', /one of "basic", "silver", "gold", "platinum"/],
      [{ if: ['customer.segment != "staff"', 'customer.tier in ["gold", "vip"]'] }, 'if[2]', /"vip"/],
      [{ if: 'customer.tier != "premium" or customer.tier == "gold"' }, 'if', /"premium"/],
      [{ if: 'event.amount >= "5"' }, 'if', /"event.amount" is money/],
      [{ if: 'customer.birthDate < 1990' }, 'if', /"customer.birthDate" is text: "<" needs a text/],
    ];
    for (const [change, field, problem] of refused) {
      const error = errorOf({ ...platinumCard, ...change });
      expect([change, error.field, error.problem]).toEqual([change, field, expect.stringMatching(problem)]);
    }
    const kept: Partial<PolicyCard>[] = [
      { when: 'event withdrawal where amount > 10_000 and amount.currency == "EUR"' },
      { if: 'customer.tier == null or customer.tier in ["gold", "platinum"]' },
      { if: 'customer.birthDate < "1990-01-01" and customer.clv > 100 and customer.tags contains "vip"' },
      { when: 'event withdrawal where data.anything == "x" and source.system == "sap"' },
    ];
    for (const change of kept) expect(() => compileCard({ ...platinumCard, ...change })).not.toThrow();
  });
});
