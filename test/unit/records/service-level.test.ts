/** Service-level differentiation: tier, the value of the last year, open complaints; the reasons say which. */
import {
  DEFAULT_SERVICE_LEVEL_RULES,
  serviceLevelOf,
  serviceLevelRules,
} from '../../../records/service-level';
import type { StoredInteraction } from '../../../records/store';

const NOW = new Date('2026-12-01T12:00:00Z');
let n = 0;
const at = (daysAgo: number) => new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString();
const interaction = (
  type: string,
  daysAgo: number,
  amount?: number,
  currency = 'EUR',
): StoredInteraction => ({
  customerRef: 'sap:100001',
  eventId: `e-${++n}`,
  type,
  channel: 'branch',
  occurredAt: at(daysAgo),
  ...(amount === undefined ? {} : { summary: { amount: { value: amount, currency } } }),
});

describe('service level', () => {
  it('follows the tier: platinum premium, gold priority, silver and basic standard', () => {
    expect(serviceLevelOf('platinum', [], NOW)).toMatchObject({
      level: 'premium',
      reasons: ['tier platinum: premium'],
    });
    expect(serviceLevelOf('gold', [], NOW).level).toBe('priority');
    expect(serviceLevelOf('silver', [], NOW).level).toBe('standard');
    expect(serviceLevelOf(undefined, [], NOW)).toMatchObject({
      level: 'standard',
      reasons: ['no tier, value or open complaint that raises it: standard'],
    });
  });

  it('starts the value window at the start of a UTC day, so an answer stays the same all day (its ETag too)', () => {
    const morning = serviceLevelOf('gold', [], new Date('2026-12-01T00:00:01Z'));
    const evening = serviceLevelOf('gold', [], new Date('2026-12-01T23:59:59.999Z'));
    expect(morning.value.since).toBe('2025-12-01T00:00:00.000Z');
    expect(evening).toEqual(morning);
    // an amount on the window's first day counts, one the day before does not
    const edge = [interaction('withdrawal', 365.5, 30000), interaction('withdrawal', 366, 99999)];
    expect(serviceLevelOf(undefined, edge, NOW).value.amount).toBe(30000);
  });

  it('raises a customer whose last year moved enough, counting only the window and the currency', () => {
    const year = [
      interaction('withdrawal', 10, 12_000),
      interaction('deposit', 200, -15_000),
      interaction('purchase', 400, 90_000),
      interaction('purchase', 20, 50_000, 'USD'),
    ];
    const answer = serviceLevelOf('silver', year, NOW);
    expect(answer).toMatchObject({ level: 'priority', value: { amount: 27_000, currency: 'EUR' } });
    expect(answer.reasons).toEqual([
      'tier silver: standard',
      'value 27,000 EUR in 365 days ≥ 25,000 EUR: priority',
    ]);
    expect(serviceLevelOf('basic', [...year, interaction('purchase', 30, 80_000)], NOW).level).toBe(
      'premium',
    );
    // the tier stands when the value is lower
    expect(serviceLevelOf('platinum', year, NOW).level).toBe('premium');
  });

  it('serves a customer with an open complaint one level higher, until the complaint is answered', () => {
    const open = serviceLevelOf('silver', [interaction('complaint', 5)], NOW);
    expect(open).toMatchObject({ level: 'priority', openComplaints: 1 });
    expect(open.reasons[1]).toBe('1 open complaint in 90 days: raised from standard to priority');

    const answered = [
      interaction('complaint', 9),
      interaction('complaint', 8),
      interaction('complaint-answered', 3),
    ];
    expect(serviceLevelOf('silver', answered, NOW)).toMatchObject({ level: 'standard', openComplaints: 0 });
    expect(serviceLevelOf('silver', [...answered, interaction('complaint', 1)], NOW).openComplaints).toBe(1);
    // older than the window: not open any more
    expect(serviceLevelOf('silver', [interaction('complaint', 120)], NOW).level).toBe('standard');
    // never above premium
    expect(serviceLevelOf('platinum', [interaction('complaint', 2)], NOW)).toMatchObject({
      level: 'premium',
      reasons: ['tier platinum: premium', '1 open complaint in 90 days: already premium'],
    });
  });
});

describe('service level rules from settings.js crmHub.serviceLevel', () => {
  it('changes what is given and keeps the defaults for the rest', () => {
    const rules = serviceLevelRules({
      tiers: { gold: 'premium' },
      value: { currency: 'CHF', premium: 250_000 },
      complaints: { days: 30 },
    });
    expect(rules).toEqual({
      tiers: { ...DEFAULT_SERVICE_LEVEL_RULES.tiers, gold: 'premium' },
      value: { currency: 'CHF', days: 365, priority: 25_000, premium: 250_000 },
      complaints: { days: 30, type: 'complaint', answered: 'complaint-answered' },
    });
    expect(serviceLevelRules(undefined)).toBe(DEFAULT_SERVICE_LEVEL_RULES);
    // the rules decide: 120,000 CHF is priority under a premium threshold of 250,000, EUR not counted
    const answer = serviceLevelOf(
      'silver',
      [interaction('withdrawal', 3, 120_000, 'CHF'), interaction('withdrawal', 3, 500_000)],
      NOW,
      rules,
    );
    expect(answer).toMatchObject({ level: 'priority', value: { amount: 120_000, currency: 'CHF' } });
    expect(answer.reasons).toContain('value 120,000 CHF in 365 days ≥ 25,000 CHF: priority');
    expect(serviceLevelOf('gold', [], NOW, rules).level).toBe('premium');
  });

  it('refuses a setting that is none, naming it', () => {
    const refused: [unknown, string][] = [
      ['premium', 'crmHub.serviceLevel must be an object with any of tiers, value, complaints'],
      [{ tier: {} }, 'crmHub.serviceLevel has no setting tier; it takes tiers, value, complaints'],
      [{ tiers: { diamond: 'premium' } }, 'crmHub.serviceLevel.tiers has no setting diamond'],
      [
        { tiers: { gold: 'vip' } },
        'crmHub.serviceLevel.tiers.gold must be one of standard, priority, premium, not "vip"',
      ],
      [
        { value: { currency: 'euro' } },
        'crmHub.serviceLevel.value.currency must be a currency code like EUR, not "euro"',
      ],
      [
        { value: { days: 0 } },
        'crmHub.serviceLevel.value.days must be a whole number of days from 1 to 3660, not 0',
      ],
      [
        { value: { premium: '100000' } },
        'crmHub.serviceLevel.value.premium must be an amount of 0 or more, not "100000"',
      ],
      [
        { value: { priority: 200_000 } },
        'crmHub.serviceLevel.value: priority (200000) must not be above premium (100000)',
      ],
      [
        { complaints: { type: 'Complaint' } },
        'crmHub.serviceLevel.complaints.type must be an event type like complaint',
      ],
    ];
    for (const [setting, message] of refused) {
      expect(() => serviceLevelRules(setting)).toThrow(message);
    }
  });
});
