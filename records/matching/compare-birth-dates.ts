/** Birth dates to comparison levels, with the two errors dates suffer most: swapped day and month, and a digit typed wrong or two digits transposed. */
import { compared, type Compared } from './compared';
import type { NormalizedBirthDate } from './normalize-birth-date';
import { editDistanceWithin } from './string-metrics';
import type { LevelOf } from './weights';

function digits(date: NormalizedBirthDate): string {
  return date.iso.replace(/-/g, '');
}

function level(a: NormalizedBirthDate, b: NormalizedBirthDate): LevelOf<'birthDate'> {
  if (a.iso === b.iso) return 'exact';
  if (a.year === b.year && a.month === b.day && a.day === b.month) return 'day-month-swapped';
  if (editDistanceWithin(1, digits(a), digits(b)) <= 1) return 'one-digit-off';
  if (a.year === b.year && a.month === b.month) return 'same-year-month';
  if (a.month === b.month && a.day === b.day) return 'same-month-day';
  if (a.year === b.year && a.day === b.day) return 'same-year-day';
  return 'differ';
}

const showDate = (date: NormalizedBirthDate) => date.iso;

export function compareBirthDates(
  a: NormalizedBirthDate | undefined,
  b: NormalizedBirthDate | undefined,
): Compared<LevelOf<'birthDate'>> | undefined {
  return a && b ? compared(level(a, b), a, b, showDate) : undefined;
}
