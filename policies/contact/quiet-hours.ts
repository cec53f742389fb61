/**
 * Quiet hours: a daily window of local wall-clock time (e.g. 21:00–08:00) in the customer's time zone,
 * during which the contact policy sends nothing that would reach the customer at once (an SMS, an
 * e-mail, a push). Local time comes from Intl, so summer time and every IANA zone are handled without
 * a dependency; the window is judged on the wall clock, so "21:00" is 21:00 on either side of a change.
 */

import { zoneClock } from '../zone-clock';

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

export function inQuietHours(window: QuietHours, zone: string, atMs: number): QuietVerdict {
  const clock = zoneClock(zone);
  const { minutes, shifted } = clock.local(atMs);
  const { fromMinutes: from, toMinutes: to } = window;
  const quiet = from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
  const text = clock.wallTime(atMs);
  if (!quiet) return { quiet, local: text };
  // The window ends today at `to` when we are before it, else tomorrow (a window over midnight).
  const endsToday = minutes < to;
  const endsMs = clock.toUtc(
    shifted.getUTCFullYear(),
    shifted.getUTCMonth() + 1,
    shifted.getUTCDate() + (endsToday ? 0 : 1),
    Math.floor(to / 60),
    to % 60,
  );
  return { quiet, local: text, endsAt: new Date(endsMs).toISOString() };
}
