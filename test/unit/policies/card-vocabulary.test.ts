import { ANY_EVENT, compileCard, PolicyCardError, type PolicyCard } from '../../../policies/card';
import { platinumCard } from './fixtures';

function errorOf(card: unknown): PolicyCardError {
  try {
    compileCard(card as PolicyCard);
  } catch (error) {
    if (error instanceof PolicyCardError) return error;
    throw error;
  }
  throw new Error('expected the card to be rejected');
}

const DAY = 86_400_000;

/** Every construct of the card language on one card. */
const fullCard: PolicyCard = {
  policy: 'second-complaint-escalation',
  version: 4,
  title: { de: 'Zweite Beschwerde in 30 Tagen', en: 'Second complaint within 30 days' },
  description: { en: 'Escalate to the branch manager when nobody answered.' },
  mode: 'trigger',
  when: 'event complaint, complaint-reopened via call-center, branch or web where data.severity >= 2',
  if: ['customer.tier in ["gold", "platinum"]', 'customer.segment != "staff"'],
  history: [
    'count complaint within 30d >= 2',
    'sum withdrawal.amount within 7d > 20_000',
    'address-changed then complaint within 14d',
    'no complaint-answered within 2d',
  ],
  then: ['escalation to branch-manager within 1d', 'sms complaint-received to sms'],
  limits: {
    'per-customer': '1 per 30d',
    'per-channel': { sms: '2 per 7d' },
    global: '500 per day',
    cooldown: '14d after reject or ignore',
  },
  priority: 90,
  score: { propensity: 0.2, value: 'customer.lifetimeValue', weight: 2 },
  schedule: {
    from: '2025-04-01',
    to: '2025-12-31',
    hours: 'Mon-Fri 08:00-20:00, Sat 09:00-13:00',
    'time-zone': 'Europe/Berlin',
  },
  holdout: '5%',
};

describe('the card vocabulary', () => {
  it('compiles a card with every construct into data the engine and the history store can use', () => {
    const policy = compileCard(fullCard);
    expect(policy).toMatchObject({
      id: 'second-complaint-escalation',
      version: { number: 4, hash: expect.stringMatching(/^[0-9a-f]{16}$/) },
      description: { en: 'Escalate to the branch manager when nobody answered.' },
      eventType: 'complaint',
      eventTypes: ['complaint', 'complaint-reopened'],
      channels: ['call-center', 'branch', 'web'],
      actions: [
        { action: 'escalation', to: 'branch-manager', within: '1d', withinMs: DAY },
        { action: 'sms', offer: 'complaint-received', to: 'sms' },
      ],
      limits: {
        perCustomer: { count: 1, windowMs: 30 * DAY },
        perChannel: { sms: { count: 2, windowMs: 7 * DAY, text: '2 per 7d' } },
        global: { count: 500, windowMs: DAY },
        cooldown: { windowMs: 14 * DAY, after: ['rejected', 'ignored'], text: '14d after reject or ignore' },
      },
      holdout: 5,
      deferMs: 2 * DAY,
    });
    // several channels leave the single-channel field unset, so no reader mistakes one for all
    expect(policy.channel).toBeUndefined();
    expect(policy.history.map((item) => item.requirement)).toEqual([
      { kind: 'count', eventType: 'complaint', windowMs: 30 * DAY },
      { kind: 'sum', eventType: 'withdrawal', field: 'amount', windowMs: 7 * DAY, currency: 'EUR' },
      { kind: 'sequence', first: 'address-changed', then: 'complaint', windowMs: 14 * DAY },
    ]);
    expect(policy.deferred.map((item) => item.requirement)).toEqual([
      { kind: 'absence', eventType: 'complaint-answered', windowMs: 2 * DAY },
    ]);
    expect(policy.historyNeeds).toEqual({
      retentionMs: {
        complaint: 30 * DAY,
        withdrawal: 7 * DAY,
        'address-changed': 28 * DAY,
        'complaint-answered': 2 * DAY,
      },
      sumFields: { withdrawal: ['amount'] },
      timestamps: ['address-changed', 'complaint'],
    });
    // if-lists must all hold
    expect(policy.condition?.test({ customer: { tier: 'gold', segment: 'retail' } })).toBe(true);
    expect(policy.condition?.test({ customer: { tier: 'gold', segment: 'staff' } })).toBe(false);
    expect(policy.where?.test({ data: { severity: 2 } })).toBe(true);
    expect(policy.where?.test({ data: { severity: 1 } })).toBe(false);
    expect(policy.score?.compute({ customer: { lifetimeValue: 1000 } })).toEqual({
      score: 400,
      propensity: 0.2,
      value: 1000,
      weight: 2,
    });
    // a learned propensity replaces the card's prior, and a missing value is worth nothing
    expect(policy.score?.compute({ customer: { lifetimeValue: 1000 } }, 0.05).score).toBe(100);
    expect(policy.score?.compute({ customer: {} }).score).toBe(0);
    expect(policy.schedule?.timeZone).toBe('Europe/Berlin');
    expect(policy.schedule?.hours?.map((range) => range.days)).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('reads "or" and commas alike in lists of types and channels', () => {
    const policy = compileCard({
      ...platinumCard,
      when: 'event flight-delayed or delivery-delayed via app or sms',
    });
    expect(policy.eventTypes).toEqual(['flight-delayed', 'delivery-delayed']);
    expect(policy.channels).toEqual(['app', 'sms']);
    // "or" inside a kebab-case name is part of the name
    expect(compileCard({ ...platinumCard, when: 'event color-or-size-changed' }).eventTypes).toEqual([
      'color-or-size-changed',
    ]);
  });

  it('takes "contact" for any event, and lets a lurking card leave out when', () => {
    const contact = compileCard({ ...platinumCard, when: 'contact via web' });
    expect([contact.eventType, contact.eventTypes, contact.channel]).toEqual([ANY_EVENT, [], 'web']);
    const { when: _when, ...withoutWhen } = platinumCard;
    const lurking = compileCard({ ...withoutWhen, mode: 'lurking', limits: undefined });
    expect([lurking.mode, lurking.eventTypes, lurking.channels]).toEqual(['lurking', [], undefined]);
    // a trigger card must say what triggers it
    expect(errorOf(withoutWhen).field).toBe('when');
  });

  it('applies a per-channel limit written once to every channel the card acts on', () => {
    const policy = compileCard({
      ...platinumCard,
      then: 'web-offer mortgage to web; email mortgage to email',
      limits: { 'per-channel': '3 per 7d' },
    });
    expect(Object.keys(policy.limits.perChannel ?? {})).toEqual(['web', 'email']);
    expect(policy.limits.perChannel?.email).toEqual({ count: 3, windowMs: 7 * DAY, text: '3 per 7d' });
  });

  it('defaults: version 1, no holdout, no score, no schedule, no history, no wait', () => {
    const policy = compileCard(platinumCard);
    expect(policy).toMatchObject({
      version: { number: 1 },
      holdout: 0,
      history: [],
      deferred: [],
      deferMs: 0,
    });
    expect([policy.score, policy.schedule, policy.description]).toEqual([undefined, undefined, undefined]);
  });

  it('refuses what it cannot mean, naming the field', () => {
    const cases: [Partial<Record<keyof PolicyCard | string, unknown>>, string, RegExp][] = [
      [{ version: 0 }, 'version', /whole number from 1/],
      [{ version: 1.5 }, 'version', /whole number from 1/],
      [{ title: { de: 'x', en: 'y', fr: 'z' } }, 'title.fr', /unknown language/],
      [{ description: { en: '' } }, 'description.en', /non-empty/],
      [{ priority: 1001 }, 'priority', /0 to 1000/],
      [{ when: 'event withdrawal via web or fax' }, 'when', /unknown channel "fax"/],
      [{ when: 'event Withdrawal' }, 'when', /kebab-case/],
      [{ if: ['customer.tier == "gold"', 42] }, 'if[2]', /must be a text/],
      [{ if: { tier: 'gold' } }, 'if', /a text or a list of texts/],
      [{ history: 'count complaint >= 2' }, 'history', /needs a window/],
      [
        { history: ['count complaint within 30d >= 2', 'complaints twice'] },
        'history[2]',
        /expected "count <type>/,
      ],
      [{ history: 'count complaint within 1y >= 2' }, 'history', /"1y" is not a duration/],
      [{ history: 'sum withdrawal.balance within 7d > 1' }, 'history', /"balance" is not an event field/],
      [{ mode: 'lurking', history: 'no reply within 2d' }, 'history', /lurking card has none/],
      [{ then: [] }, 'then', /at least one action/],
      [{ then: ['call-task to sales-rep', 'call sales'] }, 'then[2]', /expected "<action>/],
      [{ limits: { 'per-channel': { sms: '1 per 7d' } } }, 'limits.per-channel.sms', /does not act on "sms"/],
      [{ limits: { 'per-channel': ['1 per day'] } }, 'limits.per-channel', /"3 per 7d" for every channel/],
      [{ limits: { cooldown: '30d' } }, 'limits.cooldown', /"<duration> after reject"/],
      [
        { limits: { cooldown: '30d after complaining' } },
        'limits.cooldown',
        /"complaining" is not a response/,
      ],
      [{ limits: { cooldown: 'a month after reject' } }, 'limits.cooldown', /not a duration/],
      [{ score: { propensity: 0, value: 1 } }, 'score.propensity', /above 0 and at most 1/],
      [{ score: { propensity: 0.1, value: 'tier' } }, 'score.value', /customer\. or event\./],
      [{ score: { propensity: 0.1, value: 5, weight: -1 } }, 'score.weight', /at least 0/],
      [{ score: { propensity: 0.1, value: 5, lever: 2 } }, 'score.lever', /unknown field/],
      [{ score: 12 }, 'score', /must be \{ propensity/],
      [{ schedule: { hours: 'Mon-Fri 09:00-18:00' } }, 'schedule.hours', /needs schedule.time-zone/],
      [{ schedule: { from: '2025-04-01' } }, 'schedule.from', /needs schedule.time-zone/],
      [{ schedule: { hours: 'Mon-Fri 9-18', 'time-zone': 'UTC' } }, 'schedule.hours', /"<days> HH:MM-HH:MM"/],
      [{ schedule: { hours: 'Fri 22:00-02:00', 'time-zone': 'UTC' } }, 'schedule.hours', /two ranges/],
      [{ schedule: { hours: 'Weekdays 09:00-17:00', 'time-zone': 'UTC' } }, 'schedule.hours', /not a day/],
      [{ schedule: { hours: 'Mon 09:00-25:00', 'time-zone': 'UTC' } }, 'schedule.hours', /not a time of day/],
      [
        { schedule: { 'time-zone': 'Europe/Munich', hours: 'Mon 09:00-10:00' } },
        'schedule.time-zone',
        /unknown time zone/,
      ],
      [{ schedule: { from: '2025-02-30', 'time-zone': 'UTC' } }, 'schedule.from', /not a calendar date/],
      [{ schedule: { from: '2025-02-30T09:00Z' } }, 'schedule.from', /not a calendar date/],
      [{ schedule: { to: '2025-04-31T09:00:00+02:00' } }, 'schedule.to', /not a calendar date/],
      [{ schedule: { from: '2025-04-01T24:30Z' } }, 'schedule.from', /not a time of day/],
      [{ schedule: { from: '2025-05-01Z', to: '2025-04-01Z' } }, 'schedule.from', /expected a date/],
      [
        { schedule: { from: '2025-05-01', to: '2025-04-01', 'time-zone': 'UTC' } },
        'schedule.to',
        /after from/,
      ],
      [{ schedule: { 'time-zone': 'UTC' } }, 'schedule', /at least one of from, to, hours/],
      [{ schedule: { days: 'Mon' } }, 'schedule.days', /unknown field/],
      [{ holdout: 'ten percent' }, 'holdout', /percentage like 10%/],
      [{ holdout: '100%' }, 'holdout', /less than 100%/],
    ];
    for (const [change, field, problem] of cases) {
      const error = errorOf({ ...platinumCard, ...change });
      expect([field, error.field, error.message]).toEqual([field, field, expect.stringMatching(problem)]);
    }
  });
});
