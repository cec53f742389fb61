const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const UNIT_WORDS: Record<string, string> = {
  second: 's',
  seconds: 's',
  minute: 'm',
  minutes: 'm',
  hour: 'h',
  hours: 'h',
  day: 'd',
  days: 'd',
  week: 'w',
  weeks: 'w',
};

/**
 * "30m", "12h", "1d", "7d", "2w", "day", "7 days" -> milliseconds; m means minutes. No months or
 * years: their length varies, and a window should mean the same span whenever it is evaluated.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+)?\s*([a-z]+)$/.exec(String(text).trim());
  const unit = match ? (UNIT_WORDS[match[2]] ?? match[2]) : undefined;
  const count = match?.[1] === undefined ? 1 : Number(match[1]);
  if (!match || !unit || !Object.hasOwn(UNIT_MS, unit) || count <= 0) {
    throw new Error(`"${text}" is not a duration like 30m, 12h, 1d, 7d, 2w or day`);
  }
  return count * UNIT_MS[unit];
}
