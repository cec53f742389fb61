/**
 * Local wall-clock time in one IANA zone, for the policies that judge time as the customer or the
 * campaign sees it (a card's business hours, the contact policy's quiet hours). Intl computes the
 * zone's offset (summer time included), so every zone is handled without a dependency.
 */

const WEEKDAY_LABELS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

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

export interface LocalTime {
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** minutes after local midnight */
  minutes: number;
  /** the local wall-clock time as if it were UTC: read it with getUTC*() */
  shifted: Date;
}

/**
 * The last offset is kept per minute, as formatting is the costly part and events come in bursts.
 */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private cachedMinute = NaN;
  private cachedOffset = 0;

  constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** local time minus UTC, in milliseconds, at the instant ms */
  offset(ms: number): number {
    const minute = Math.floor(ms / 60_000);
    if (minute === this.cachedMinute) return this.cachedOffset;
    const fields: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(minute * 60_000))) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(
      fields.year,
      fields.month - 1,
      fields.day,
      fields.hour,
      fields.minute,
      fields.second,
    );
    this.cachedMinute = minute;
    this.cachedOffset = asUtc - minute * 60_000;
    return this.cachedOffset;
  }

  /** weekday and minutes after local midnight at the instant ms */
  local(ms: number): LocalTime {
    const shifted = new Date(ms + this.offset(ms));
    return {
      weekday: shifted.getUTCDay(),
      minutes: shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
      shifted,
    };
  }

  /**
   * The instant a local wall-clock time names. Two passes settle the offset on either side of a summer
   * time change; a time that does not exist locally (skipped by the change) lands just after the gap.
   * Days past the month's end roll over, as in Date.UTC.
   */
  toUtc(y: number, m: number, d: number, hh: number, mm: number): number {
    const wall = Date.UTC(y, m - 1, d, hh, mm);
    const first = wall - this.offset(wall);
    return wall - this.offset(first);
  }

  /** e.g. "2026-03-29 22:30 America/New_York" */
  wallTime(ms: number): string {
    const iso = this.local(ms).shifted.toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 16)} ${this.zone}`;
  }

  /** e.g. "Sat 2025-03-01 11:00 Europe/Berlin" */
  describe(ms: number): string {
    return `${WEEKDAY_LABELS[this.local(ms).weekday]} ${this.wallTime(ms)}`;
  }
}

const clocks = new Map<string, ZoneClock>();

/** One clock per zone, kept: creating an Intl.DateTimeFormat is the costly part. */
export function zoneClock(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = new ZoneClock(zone);
    clocks.set(zone, clock);
  }
  return clock;
}
