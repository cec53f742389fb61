/**
 * When a card is active: a campaign period and business hours, in a named time zone.
 *
 *   schedule:
 *     from: 2025-04-01                          # first day, from 00:00 local time
 *     to: 2025-06-30                            # last day, until 24:00 local time
 *     hours: Mon-Fri 09:00-18:00, Sat 10:00-14:00
 *     time-zone: Europe/Berlin
 *
 * Evaluation takes the time as an argument (the engine's clock), so it never reads the system clock.
 */

import { isTimeZone, ZoneClock } from './zone-clock';

export interface ScheduleSpec {
  from?: string;
  to?: string;
  hours?: string;
  'time-zone'?: string;
}

export interface HoursRange {
  /** 0 = Sunday … 6 = Saturday, as Date.getUTCDay() */
  days: number[];
  /** minutes after local midnight, start inclusive, end exclusive */
  start: number;
  end: number;
  text: string;
}

export interface ScheduleCheck {
  active: boolean;
  /** the schedule as written, for explanations */
  condition: string;
  /** the moment in the schedule's terms, e.g. "Sat 2025-03-01 11:00 Europe/Berlin" */
  actual: string;
}

export interface CompiledSchedule {
  fromMs?: number;
  /** exclusive */
  toMs?: number;
  hours?: HoursRange[];
  timeZone?: string;
  text: string;
  check(nowMs: number): ScheduleCheck;
  test(nowMs: number): boolean;
}

export class ScheduleError extends Error {
  constructor(
    /** the key under `schedule`, e.g. "hours" */
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

const SCHEDULE_KEYS = ['from', 'to', 'hours', 'time-zone'];
const DAY_NAMES: Record<string, number> = {
  sun: 0,
  sunday: 0,
  so: 0,
  mon: 1,
  monday: 1,
  mo: 1,
  tue: 2,
  tuesday: 2,
  di: 2,
  wed: 3,
  wednesday: 3,
  mi: 3,
  thu: 4,
  thursday: 4,
  do: 4,
  fri: 5,
  friday: 5,
  fr: 5,
  sat: 6,
  saturday: 6,
  sa: 6,
};
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function compileSchedule(spec: unknown): CompiledSchedule {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ScheduleError('', 'must be { from, to, hours, time-zone }, each optional');
  }
  for (const key of Object.keys(spec)) {
    if (!SCHEDULE_KEYS.includes(key)) {
      throw new ScheduleError(key, `unknown field (allowed: ${SCHEDULE_KEYS.join(', ')})`);
    }
  }
  const { from, to, hours, 'time-zone': zone } = spec as Record<string, unknown>;
  if (from === undefined && to === undefined && hours === undefined) {
    throw new ScheduleError('', 'needs at least one of from, to, hours');
  }
  let timeZone: string | undefined;
  if (zone !== undefined) {
    if (typeof zone !== 'string' || !isTimeZone(zone)) {
      throw new ScheduleError(
        'time-zone',
        `unknown time zone ${JSON.stringify(zone)}; use e.g. Europe/Berlin`,
      );
    }
    timeZone = zone;
  }
  const zoneClock = timeZone ? new ZoneClock(timeZone) : undefined;
  const needZone = (key: string): ZoneClock => {
    if (!zoneClock) {
      throw new ScheduleError(
        key,
        'needs schedule.time-zone (e.g. Europe/Berlin) to know whose local time it is',
      );
    }
    return zoneClock;
  };

  const compiled: Omit<CompiledSchedule, 'check' | 'test'> = { text: '' };
  if (from !== undefined) compiled.fromMs = parseMoment('from', from, false, needZone);
  if (to !== undefined) compiled.toMs = parseMoment('to', to, true, needZone);
  if (compiled.fromMs !== undefined && compiled.toMs !== undefined && compiled.toMs <= compiled.fromMs) {
    throw new ScheduleError('to', 'must be after from');
  }
  if (hours !== undefined) {
    needZone('hours');
    compiled.hours = parseHours(hours);
  }
  if (timeZone) compiled.timeZone = timeZone;
  const parts: string[] = [];
  if (from !== undefined) parts.push(`from ${String(from)}`);
  if (to !== undefined) parts.push(`to ${String(to)}`);
  if (hours !== undefined) parts.push(`hours ${String(hours).trim()}`);
  if (timeZone) parts.push(timeZone);
  compiled.text = `schedule ${parts.join(', ')}`;

  const { fromMs, toMs, hours: ranges } = compiled;
  const test = (nowMs: number): boolean => {
    if (fromMs !== undefined && nowMs < fromMs) return false;
    if (toMs !== undefined && nowMs >= toMs) return false;
    if (!ranges || !zoneClock) return true;
    const local = zoneClock.local(nowMs);
    return ranges.some(
      (range) =>
        range.days.includes(local.weekday) && local.minutes >= range.start && local.minutes < range.end,
    );
  };
  const check = (nowMs: number): ScheduleCheck => ({
    active: test(nowMs),
    condition: compiled.text,
    actual: zoneClock ? zoneClock.describe(nowMs) : new Date(nowMs).toISOString(),
  });
  return { ...compiled, check, test };
}

function parseMoment(
  key: string,
  value: unknown,
  endOfDay: boolean,
  needZone: (key: string) => ZoneClock,
): number {
  const text = typeof value === 'string' ? value.trim() : '';
  if (WITH_OFFSET.test(text)) {
    // Date.parse rolls 2025-02-30T09:00Z over into March and takes 24:30, as Date does
    const [y, m, d, hh, mm] = text.slice(0, 16).split(/[-T:]/).map(Number);
    checkDate(key, text, y, m, d);
    if (hh > 23 || mm > 59) throw new ScheduleError(key, `"${text}" is not a time of day`);
    return Date.parse(text);
  }
  const date = DATE_ONLY.exec(text);
  if (date) {
    const [y, m, d] = date.slice(1).map(Number);
    checkDate(key, text, y, m, d);
    // `to: 2025-06-30` means the whole last day, so the schedule ends at the next local midnight.
    return needZone(key).toUtc(y, m, d + (endOfDay ? 1 : 0), 0, 0);
  }
  const local = LOCAL_DATE_TIME.exec(text);
  if (local) {
    const [y, m, d, hh, mm] = local.slice(1, 6).map(Number);
    checkDate(key, text, y, m, d);
    if (hh > 23 || mm > 59) throw new ScheduleError(key, `"${text}" is not a time of day`);
    return needZone(key).toUtc(y, m, d, hh, mm);
  }
  throw new ScheduleError(
    key,
    `expected a date like 2025-04-01 or a date-time like 2025-04-01T09:00 (or with Z or an offset), got ${JSON.stringify(value)}`,
  );
}

function checkDate(key: string, text: string, y: number, m: number, d: number): void {
  const problem = calendarDateProblem(text, y, m, d);
  if (problem) throw new ScheduleError(key, problem);
}

/**
 * Why a year, month and day written as `text` name no day of the calendar, or undefined when they do.
 * Date rolls 2025-02-30 over into March without a word, so whatever takes a date checks it here: a
 * card's schedule, and the period of a dry-run.
 */
export function calendarDateProblem(text: string, y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d)
    return undefined;
  return `"${text}" is not a calendar date`;
}

/** `Mon-Fri 09:00-18:00, Sat 10:00-14:00`, `daily 08:00-20:00`; German day names (Mo, Di, …) work too. */
export function parseHours(value: unknown): HoursRange[] {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ScheduleError('hours', 'expected business hours like "Mon-Fri 09:00-18:00, Sat 10:00-14:00"');
  }
  return value.split(/[,;]/).map((part) => {
    const text = part.trim();
    const match = /^(.+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text);
    if (!match) {
      throw new ScheduleError(
        'hours',
        `expected "<days> HH:MM-HH:MM" like "Mon-Fri 09:00-18:00", got "${text}"`,
      );
    }
    const [, dayText, h1, m1, h2, m2] = match;
    const start = clock('hours', Number(h1), Number(m1), text);
    const end = clock('hours', Number(h2), Number(m2), text);
    if (end <= start) {
      throw new ScheduleError(
        'hours',
        `"${text}": the end must be after the start; write hours past midnight as two ranges, e.g. "Fri 22:00-24:00, Sat 00:00-02:00"`,
      );
    }
    return { days: parseDays(dayText.trim(), text), start, end, text };
  });
}

function clock(key: string, hours: number, minutes: number, text: string): number {
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) {
    throw new ScheduleError(
      key,
      `"${text}": ${hours}:${String(minutes).padStart(2, '0')} is not a time of day`,
    );
  }
  return hours * 60 + minutes;
}

function parseDays(text: string, range: string): number[] {
  const lower = text.toLowerCase();
  if (lower === 'daily' || lower === 'every day' || lower === 'täglich') return [0, 1, 2, 3, 4, 5, 6];
  const span = /^([a-zäöü]+)\s*-\s*([a-zäöü]+)$/.exec(lower);
  const day = (name: string): number => {
    const number = DAY_NAMES[name];
    if (number === undefined) {
      throw new ScheduleError('hours', `"${range}": "${name}" is not a day (Mon … Sun, Mo … So, or daily)`);
    }
    return number;
  };
  if (!span) return [day(lower)];
  const first = day(span[1]);
  const last = day(span[2]);
  const days: number[] = [];
  // Fri-Mon wraps over the weekend.
  for (let d = first; ; d = (d + 1) % 7) {
    days.push(d);
    if (d === last) break;
  }
  return days;
}
