/** the first year a dry-run's date field takes: an earlier one is a typing slip (0002 for 2002) */
export const FIRST_YEAR = 1900;

/**
 * The start of the local calendar day `day` (yyyy-mm-dd, what <input type="date"> holds) plus
 * `plusDays`, as an instant; undefined for a text that is no such day or lies before FIRST_YEAR.
 * The year is set with setFullYear: the Date constructor reads a year from 0 to 99 as 1900 to 1999,
 * so "0002-01-01" ran over 1902.
 */
export function dayStart(day: string, plusDays = 0): string | undefined {
  const match = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const [y, m, d] = match.slice(1).map(Number);
  if (y < FIRST_YEAR) return undefined;
  const at = new Date(0);
  at.setFullYear(y, m - 1, d);
  at.setHours(0, 0, 0, 0);
  // 2025-02-30 would roll over into March
  if (at.getFullYear() !== y || at.getMonth() !== m - 1 || at.getDate() !== d) return undefined;
  at.setDate(at.getDate() + plusDays);
  return at.toISOString();
}
