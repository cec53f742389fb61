/**
 * Quiet hours: a daily window of local wall-clock time (e.g. 21:00–08:00) in the customer's time zone,
 * during which the contact policy sends nothing that would reach the customer at once (an SMS, an
 * e-mail, a push). Local time comes from Intl, so summer time and every IANA zone are handled without
 * a dependency; the window is judged on the wall clock, so "21:00" is 21:00 on either side of a change.
 */

export interface QuietHours {
  /** minutes after local midnight the window starts, e.g. 21:00 -> 1260 */
  fromMinutes: number;
  /** minutes after local midnight the window ends (exclusive), e.g. 08:00 -> 480 */
  toMinutes: number;
  /** as written, e.g. "21:00-08:00" */
  text: string;
}

export interface QuietVerdict {
  quiet: boolean;
  /** the customer's local time, e.g. "2026-03-29 22:30 America/New_York" */
  local: string;
  /** when quiet: the instant the window ends, ISO 8601 UTC */
  endsAt?: string;
}

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "21:00-08:00" (also with – or "to") -> the window; a window that starts where it ends is refused. */
export function parseQuietHours(text: string): QuietHours {
  const source = String(text).trim();
  const parts = source.split(/\s*(?:-|–|\bto\b|\bbis\b)\s*/);
  const from = parts.length === 2 ? HHMM.exec(parts[0]) : null;
  const to = parts.length === 2 ? HHMM.exec(parts[1]) : null;
  if (!from || !to)
    throw new Error(`quiet hours: expected "HH:MM-HH:MM" like "21:00-08:00", got "${source}"`);
  const fromMinutes = Number(from[1]) * 60 + Number(from[2]);
  const toMinutes = Number(to[1]) * 60 + Number(to[2]);
  if (fromMinutes === toMinutes) throw new Error(`quiet hours: "${source}" starts where it ends`);
  return { fromMinutes, toMinutes, text: source };
}

/** Whether Intl knows the zone (an IANA name such as "Europe/Berlin"). */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function inQuietHours(window: QuietHours, zone: string, atMs: number): QuietVerdict {
  const clock = zoneClock(zone);
  const local = clock.fields(atMs);
  const minutes = local.hour * 60 + local.minute;
  const { fromMinutes: from, toMinutes: to } = window;
  const quiet = from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
  const text = `${local.year}-${pad(local.month)}-${pad(local.day)} ${pad(local.hour)}:${pad(local.minute)} ${zone}`;
  if (!quiet) return { quiet, local: text };
  // The window ends today at `to` when we are before it, else tomorrow (a window over midnight).
  const endsToday = minutes < to;
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (endsToday ? 0 : 1)));
  const endsMs = clock.toUtc(
    day.getUTCFullYear(),
    day.getUTCMonth() + 1,
    day.getUTCDate(),
    Math.floor(to / 60),
    to % 60,
  );
  return { quiet, local: text, endsAt: new Date(endsMs).toISOString() };
}

interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

interface ZoneClock {
  fields(ms: number): LocalFields;
  toUtc(y: number, m: number, d: number, hh: number, mm: number): number;
}

const clocks = new Map<string, ZoneClock>();

/** One formatter per zone, kept: creating an Intl.DateTimeFormat is the costly part. */
function zoneClock(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (clock) return clock;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const fields = (ms: number): LocalFields & { second: number } => {
    const out: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(ms))) {
      if (part.type !== 'literal') out[part.type] = Number(part.value);
    }
    return {
      year: out.year,
      month: out.month,
      day: out.day,
      hour: out.hour,
      minute: out.minute,
      second: out.second,
    };
  };
  /** local time minus UTC at the instant ms */
  const offset = (ms: number): number => {
    const whole = Math.floor(ms / 1000) * 1000;
    const f = fields(whole);
    return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - whole;
  };
  clock = {
    fields,
    // Two passes settle the offset on either side of a change; a time the change skipped lands after it.
    toUtc: (y, m, d, hh, mm) => {
      const wall = Date.UTC(y, m - 1, d, hh, mm);
      const first = wall - offset(wall);
      return wall - offset(first);
    },
  };
  clocks.set(zone, clock);
  return clock;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
