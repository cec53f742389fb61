import type { InteractionEvent } from '../../../mappings/canonical/types';
import { compileCard } from '../../../policies/card';
import { PolicyEngine } from '../../../policies/engine';
import { compileSchedule, parseHours } from '../../../policies/schedule';
import { platinumCard, withdrawalEvent } from './fixtures';

const at = (iso: string) => Date.parse(iso);

describe('schedules', () => {
  it('business hours are local to the time zone, summer time included', () => {
    const hours = compileSchedule({ hours: 'Mon-Fri 09:00-18:00', 'time-zone': 'Europe/Berlin' });
    const cases: [string, boolean][] = [
      // Monday 3 March 2025, CET = UTC+1
      ['2025-03-03T07:59:59Z', false],
      ['2025-03-03T08:00:00Z', true],
      ['2025-03-03T16:59:59Z', true],
      ['2025-03-03T17:00:00Z', false],
      // Monday 31 March 2025, the day after the change to CEST = UTC+2: 07:00Z is already 09:00
      ['2025-03-31T06:59:59Z', false],
      ['2025-03-31T07:00:00Z', true],
      ['2025-03-31T15:59:59Z', true],
      ['2025-03-31T16:00:00Z', false],
      // Saturday
      ['2025-03-01T10:00:00Z', false],
    ];
    for (const [iso, active] of cases) expect([iso, hours.test(at(iso))]).toEqual([iso, active]);
    expect(hours.check(at('2025-03-01T10:00:00Z'))).toEqual({
      active: false,
      condition: 'schedule hours Mon-Fri 09:00-18:00, Europe/Berlin',
      actual: 'Sat 2025-03-01 11:00 Europe/Berlin',
    });
  });

  it('takes the weekday from the local date, not from UTC', () => {
    const auckland = compileSchedule({ hours: 'Mon-Fri 09:00-17:00', 'time-zone': 'Pacific/Auckland' });
    // Sunday 20:00 UTC is Monday 09:00 in Auckland (UTC+13 in March)
    expect(auckland.test(at('2025-03-02T20:00:00Z'))).toBe(true);
    // Friday 20:00 UTC is already Saturday there
    expect(auckland.test(at('2025-03-07T20:00:00Z'))).toBe(false);
    const newYork = compileSchedule({ hours: 'daily 09:00-17:00', 'time-zone': 'America/New_York' });
    expect(newYork.test(at('2025-03-03T13:59:00Z'))).toBe(false);
    expect(newYork.test(at('2025-03-03T14:00:00Z'))).toBe(true);
  });

  it('a campaign runs from the first local midnight to the end of its last day', () => {
    const period = compileSchedule({ from: '2025-04-01', to: '2025-06-30', 'time-zone': 'Europe/Berlin' });
    expect(period.fromMs).toBe(at('2025-03-31T22:00:00Z'));
    expect(period.toMs).toBe(at('2025-06-30T22:00:00Z'));
    expect(period.test(at('2025-03-31T21:59:59Z'))).toBe(false);
    expect(period.test(at('2025-03-31T22:00:00Z'))).toBe(true);
    expect(period.test(at('2025-06-30T21:59:59Z'))).toBe(true);
    expect(period.test(at('2025-06-30T22:00:00Z'))).toBe(false);
    // a local date-time, and one with its own offset that needs no time zone
    expect(compileSchedule({ from: '2025-04-01T09:30', 'time-zone': 'Europe/Berlin' }).fromMs).toBe(
      at('2025-04-01T07:30:00Z'),
    );
    expect(compileSchedule({ to: '2025-04-01T09:00:00+02:00' }).toMs).toBe(at('2025-04-01T07:00:00Z'));
  });

  it('reads several ranges, German day names and ranges over the weekend', () => {
    expect(
      parseHours('Mo-Fr 09:00-18:00, Sa 10:00-14:00').map((range) => [range.days, range.start, range.end]),
    ).toEqual([
      [[1, 2, 3, 4, 5], 540, 1080],
      [[6], 600, 840],
    ]);
    expect(parseHours('Fri-Mon 10:00-24:00')[0].days).toEqual([5, 6, 0, 1]);
    const late = compileSchedule({ hours: 'Fri 22:00-24:00, Sat 00:00-02:00', 'time-zone': 'UTC' });
    expect(late.test(at('2025-03-07T23:30:00Z'))).toBe(true);
    expect(late.test(at('2025-03-08T01:59:00Z'))).toBe(true);
    expect(late.test(at('2025-03-08T02:00:00Z'))).toBe(false);
  });

  it('the engine holds a card outside its schedule and says when it looked', () => {
    const engine = new PolicyEngine();
    engine.register(
      compileCard({
        ...platinumCard,
        schedule: { hours: 'Mon-Fri 09:00-18:00', 'time-zone': 'Europe/Berlin' },
      }),
    );
    const context = (iso: string) => ({
      isEnabled: () => true,
      customer: { tier: 'platinum' },
      now: new Date(iso),
    });
    const saturday = engine.evaluate(
      withdrawalEvent('e-1', 'crm:1', 20000) as InteractionEvent,
      context('2025-03-01T10:00:00Z'),
    );
    expect(saturday.decisions).toEqual([]);
    expect(saturday.explanations[0]).toMatchObject({
      outcome: 'out-of-schedule',
      reason:
        'out of schedule: schedule hours Mon-Fri 09:00-18:00, Europe/Berlin (actual: Sat 2025-03-01 11:00 Europe/Berlin)',
    });
    const monday = engine.evaluate(
      withdrawalEvent('e-2', 'crm:1', 20000) as InteractionEvent,
      context('2025-03-03T10:00:00Z'),
    );
    expect(monday.decisions).toHaveLength(1);
    expect(monday.explanations[0].checks[0]).toEqual({
      condition: 'schedule hours Mon-Fri 09:00-18:00, Europe/Berlin',
      held: true,
      actual: 'Mon 2025-03-03 11:00 Europe/Berlin',
    });
  });
});
