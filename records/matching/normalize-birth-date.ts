/**
 * Birth dates in the spellings legacy systems and forms produce, read into one calendar day:
 * ISO (1985-03-12, also with a time), SAP (19850312), German (12.03.1985, 12.3.85, 12. März 1985),
 * slashes (12/03/1985, 1985/03/12), dashes (12-03-1985) and English month names (March 12, 1985).
 *
 * Two spellings are ambiguous and read by an option, not guessed per value:
 * - "03/12/1985" is 3 December in Europe and 12 March in the US (`slashOrder`); when one of the two
 *   numbers is above 12 only one reading is a date, and that one is taken.
 * - a two-digit year is taken from the century that keeps the date at or before `referenceYear`
 *   ("12.3.85" → 1985, "12.3.05" → 2005 with reference year 2025).
 * A misread day and month still match through the comparator's day/month-swap level.
 */
import { daysInMonth } from '../../mappings/dates';

export interface NormalizedBirthDate {
  year: number;
  month: number;
  day: number;
  /** YYYY-MM-DD */
  iso: string;
  /**
   * No calendar day: the date as written (1994-11-71, 1949-00-13, 1450-09-23), compared digit by
   * digit only. Such a date is a typo of a real one more often than not, and its digits still tell.
   */
  impossible?: true;
}

export interface BirthDateOptions {
  slashOrder: 'day-first' | 'month-first';
  referenceYear: number;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  januar: 1,
  january: 1,
  jaenner: 1,
  feb: 2,
  februar: 2,
  february: 2,
  mar: 3,
  maerz: 3,
  marz: 3,
  march: 3,
  apr: 4,
  april: 4,
  mai: 5,
  may: 5,
  jun: 6,
  juni: 6,
  june: 6,
  jul: 7,
  juli: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  okt: 10,
  oct: 10,
  oktober: 10,
  october: 10,
  nov: 11,
  november: 11,
  dez: 12,
  dec: 12,
  dezember: 12,
  december: 12,
};

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/;
const DIGITS = /^(\d{4})(\d{2})(\d{2})$/;
const YEAR_FIRST = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/;
const DOTTED = /^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{2}|\d{4})$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/;
const DASHED = /^(\d{1,2})-(\d{1,2})-(\d{4})$/;
const DAY_MONTH_NAME = /^(\d{1,2})\.?\s+([a-zäöü]+)\.?\s+(\d{4})$/;
const MONTH_NAME_DAY = /^([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$/;

function fullYear(text: string, options: BirthDateOptions): number {
  const year = Number(text);
  if (text.length === 4) return year;
  const century = Math.floor(options.referenceYear / 100) * 100;
  return century + year <= options.referenceYear ? century + year : century - 100 + year;
}

function monthNamed(name: string): number | undefined {
  return MONTHS[name.replace(/ä/g, 'ae')];
}

function day(year: number, month: number | undefined, dayOfMonth: number): NormalizedBirthDate | undefined {
  if (month === undefined || year < 1800 || month < 1 || month > 12) return undefined;
  if (dayOfMonth < 1 || dayOfMonth > daysInMonth(year, month)) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return { year, month, day: dayOfMonth, iso: `${year}-${pad(month)}-${pad(dayOfMonth)}` };
}

function slashed(first: number, second: number, year: number, options: BirthDateOptions) {
  const dayFirst = day(year, second, first);
  const monthFirst = day(year, first, second);
  if (options.slashOrder === 'day-first') return dayFirst ?? monthFirst;
  return monthFirst ?? dayFirst;
}

/** undefined for no date, "no date" spellings (00000000) and impossible dates (30.02.): data, not errors. */
export function normalizeBirthDate(
  value: string | undefined,
  options: BirthDateOptions,
): NormalizedBirthDate | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase().replace(/\s+/g, ' ');
  let m: RegExpExecArray | null;
  if ((m = ISO.exec(text) ?? DIGITS.exec(text) ?? YEAR_FIRST.exec(text)))
    return day(Number(m[1]), Number(m[2]), Number(m[3]));
  if ((m = DOTTED.exec(text) ?? DASHED.exec(text)))
    return day(fullYear(m[3], options), Number(m[2]), Number(m[1]));
  if ((m = SLASHED.exec(text))) return slashed(Number(m[1]), Number(m[2]), fullYear(m[3], options), options);
  if ((m = DAY_MONTH_NAME.exec(text))) return day(Number(m[3]), monthNamed(m[2]), Number(m[1]));
  if ((m = MONTH_NAME_DAY.exec(text))) return day(Number(m[3]), monthNamed(m[1]), Number(m[2]));
  return undefined;
}

/**
 * The numbers of a numeric spelling that is no calendar day (normalizeBirthDate gave none): month 13,
 * day 71, a year before 1800. undefined for what is not written as numbers, and for the "no date"
 * spellings (a zero year, 00000000).
 */
export function birthDateAsWritten(
  value: string | undefined,
  options: BirthDateOptions,
): NormalizedBirthDate | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let m: RegExpExecArray | null;
  let parts: [number, number, number] | undefined;
  if ((m = ISO.exec(text) ?? DIGITS.exec(text) ?? YEAR_FIRST.exec(text)))
    parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = DOTTED.exec(text) ?? DASHED.exec(text)))
    parts = [fullYear(m[3], options), Number(m[2]), Number(m[1])];
  if (parts === undefined) return undefined;
  const [year, month, dayOfMonth] = parts;
  if (year === 0 || year > 9999 || month > 99 || dayOfMonth > 99) return undefined;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return {
    year,
    month,
    day: dayOfMonth,
    iso: `${pad(year, 4)}-${pad(month)}-${pad(dayOfMonth)}`,
    impossible: true,
  };
}
