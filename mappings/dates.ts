/**
 * Calendar dates between the formats legacy systems use (SAP's YYYYMMDD, German DD.MM.YYYY, Unix
 * epochs) and ISO 8601. Every date is checked against the real calendar, so 30.02.2024 is an error
 * instead of silently becoming 1 March the way Date() would have it.
 */
import { TransformError, asText, quote } from './transform-support';
import { isDateTime } from './validate';

export const DATE_INPUTS = [
  'YYYYMMDD',
  'YYYYMMDDHHMMSS',
  'DD.MM.YYYY',
  'MM/DD/YYYY HH:MM:SS',
  'epoch-s',
  'epoch-ms',
  'iso',
] as const;
export const DATE_OUTPUTS = [
  'iso-date',
  'iso-datetime',
  'YYYYMMDD',
  'YYYYMMDDHHMMSS',
  'DD.MM.YYYY',
  'epoch-s',
  'epoch-ms',
] as const;
export type DateInput = (typeof DATE_INPUTS)[number];
export type DateOutput = (typeof DATE_OUTPUTS)[number];

/** A calendar day, plus the instant when the source had one (an epoch or an ISO date-time). */
interface ParsedDate {
  year: number;
  month: number;
  day: number;
  instant?: number;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
// The span the text formats can carry; keeps toISOString() from switching to its +YYYYYY form.
const DAY_MS = 86400000;

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). Plain arithmetic:
 * Date objects cost more than the rest of a mapping, and Date.UTC maps years below 100 to 19xx.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The inverse of daysFromCivil. */
function civilFromDays(days: number): ParsedDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day, instant: undefined };
}

const FIRST_INSTANT = daysFromCivil(1, 1, 1) * DAY_MS;
const LAST_INSTANT = (daysFromCivil(9999, 12, 31) + 1) * DAY_MS - 1;

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month];
}

function calendarDay(original: unknown, year: number, month: number, day: number): ParsedDate {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new TransformError('date', `${quote(original)} is not a calendar date`);
  }
  return { year, month, day, instant: undefined };
}

function fromInstant(original: unknown, instant: number): ParsedDate {
  if (!Number.isFinite(instant) || instant < FIRST_INSTANT || instant > LAST_INSTANT) {
    throw new TransformError('date', `${quote(original)} is outside the years 0001 to 9999`);
  }
  const date: ParsedDate = civilFromDays(Math.floor(instant / DAY_MS));
  date.instant = instant;
  return date;
}

const YYYYMMDD = /^(\d{4})(\d{2})(\d{2})$/;
const SAP_TIMESTAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const GERMAN = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SIEBEL = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;
// Salesforce writes "2024-03-15T10:15:30.000+0000": ISO 8601, but RFC 3339 wants "+00:00".
const BASIC_OFFSET = /(T.*[+-]\d{2})(\d{2})$/;
const EPOCH = /^[+-]?\d{1,16}$/;

/** undefined for the "no date" spellings: empty text, SAP's 00000000, 00.00.0000. */
export function parseDate(format: DateInput, value: unknown): ParsedDate | undefined {
  if (format === 'epoch-s' || format === 'epoch-ms') {
    let count: number;
    if (typeof value === 'number') count = value;
    else {
      const text = asText('date', value).trim();
      if (text === '') return undefined;
      if (!EPOCH.test(text)) throw new TransformError('date', `${quote(value)} is not a ${format} number`);
      count = Number(text);
    }
    if (!Number.isInteger(count))
      throw new TransformError('date', `${quote(value)} is not a whole ${format}`);
    return fromInstant(value, format === 'epoch-s' ? count * 1000 : count);
  }
  let text = asText('date', value).trim();
  if (text === '') return undefined;
  let match: RegExpExecArray | null;
  switch (format) {
    case 'YYYYMMDD':
      if (text === '00000000') return undefined;
      match = YYYYMMDD.exec(text);
      if (!match) throw new TransformError('date', `${quote(value)} is not a date in the form YYYYMMDD`);
      return calendarDay(value, Number(match[1]), Number(match[2]), Number(match[3]));
    case 'YYYYMMDDHHMMSS': {
      if (text === '00000000000000') return undefined;
      match = SAP_TIMESTAMP.exec(text);
      if (!match)
        throw new TransformError('date', `${quote(value)} is not a time stamp in the form YYYYMMDDHHMMSS`);
      const day = calendarDay(value, Number(match[1]), Number(match[2]), Number(match[3]));
      const seconds = Number(match[4]) * 3600 + Number(match[5]) * 60 + Number(match[6]);
      if (match[4] > '23' || match[5] > '59' || match[6] > '59')
        throw new TransformError('date', `${quote(value)} is not a time of day`);
      // SAP time stamps carry no zone; they are read as UTC, the way SAP writes its UTC time stamps.
      day.instant = daysFromCivil(day.year, day.month, day.day) * DAY_MS + seconds * 1000;
      return day;
    }
    case 'DD.MM.YYYY':
      if (text === '00.00.0000') return undefined;
      match = GERMAN.exec(text);
      if (!match) throw new TransformError('date', `${quote(value)} is not a date in the form DD.MM.YYYY`);
      return calendarDay(value, Number(match[3]), Number(match[2]), Number(match[1]));
    case 'MM/DD/YYYY HH:MM:SS': {
      // Siebel's EAI XML date-time; like SAP's it carries no zone and is read as UTC.
      match = SIEBEL.exec(text);
      if (!match)
        throw new TransformError(
          'date',
          `${quote(value)} is not a date-time in the form MM/DD/YYYY HH:MM:SS`,
        );
      const day = calendarDay(value, Number(match[3]), Number(match[1]), Number(match[2]));
      if (match[4] > '23' || match[5] > '59' || match[6] > '59')
        throw new TransformError('date', `${quote(value)} is not a time of day`);
      const seconds = Number(match[4]) * 3600 + Number(match[5]) * 60 + Number(match[6]);
      day.instant = daysFromCivil(day.year, day.month, day.day) * DAY_MS + seconds * 1000;
      return day;
    }
    case 'iso':
      text = text.replace(BASIC_OFFSET, '$1:$2');
      match = ISO_DATE.exec(text);
      if (match) return calendarDay(value, Number(match[1]), Number(match[2]), Number(match[3]));
      if (!isDateTime(text)) {
        throw new TransformError(
          'date',
          `${quote(value)} is not an ISO date (YYYY-MM-DD) or date-time with time zone`,
        );
      }
      // The calendar day is the one the sender wrote, in the sender's own offset.
      return {
        ...calendarDay(value, Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))),
        instant: Date.parse(`${text.slice(0, 10)}T${text.slice(11)}`.replace(/z$/, 'Z')),
      };
  }
}

/**
 * SAP's digit forms to ISO text, for a value that is a well-formed date (time stamp): the output
 * repeats the input's digits, so no calendar arithmetic is needed. A function only for those pairs of
 * formats; it returns undefined for anything else (empty, "no date" spellings, errors, white space),
 * which then takes the general parseDate / formatDate path. The text is made in one piece from
 * character codes: pieces joined with + or a template literal form a rope that every later reader
 * (the validator's date-time check first) has to copy flat again.
 */
export function sapDigitsToIso(
  from: DateInput,
  to: DateOutput,
): ((value: unknown) => string | undefined) | undefined {
  if (from === 'YYYYMMDDHHMMSS' && to === 'iso-datetime') {
    return (value) => {
      if (typeof value !== 'string' || value.length !== 14 || !allDigits(value) || !isCalendarDay(value))
        return undefined;
      if (digitsAt(value, 8) > 23 || digitsAt(value, 10) > 59 || digitsAt(value, 12) > 59) return undefined;
      const at = (index: number) => value.charCodeAt(index);
      // YYYY-MM-DDThh:mm:ss.000Z
      // prettier-ignore
      return String.fromCharCode(
        at(0), at(1), at(2), at(3), DASH, at(4), at(5), DASH, at(6), at(7), LETTER_T,
        at(8), at(9), COLON, at(10), at(11), COLON, at(12), at(13), DOT, ZERO, ZERO, ZERO, LETTER_Z,
      );
    };
  }
  if (from === 'YYYYMMDD' && to === 'iso-date') {
    return (value) => {
      if (typeof value !== 'string' || value.length !== 8 || !allDigits(value) || !isCalendarDay(value))
        return undefined;
      const at = (index: number) => value.charCodeAt(index);
      return String.fromCharCode(at(0), at(1), at(2), at(3), DASH, at(4), at(5), DASH, at(6), at(7));
    };
  }
  return undefined;
}

const DASH = 45;
const DOT = 46;
const ZERO = 48;
const COLON = 58;
const LETTER_T = 84;
const LETTER_Z = 90;

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/** The two digits at `at` as a number. */
function digitsAt(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/** YYYYMMDD at the start of the text is a day of the calendar, years 0001 to 9999. */
function isCalendarDay(text: string): boolean {
  const year = digitsAt(text, 0) * 100 + digitsAt(text, 2);
  const month = digitsAt(text, 4);
  const day = digitsAt(text, 6);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function four(value: number): string {
  return value >= 1000 ? String(value) : String(value).padStart(4, '0');
}

/** UTC date and time of day of an instant, [YYYY, MM, DD, hh, mm, ss, mmm] as text. */
function utcParts(instant: number): string[] {
  const days = Math.floor(instant / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  const ms = instant - days * DAY_MS;
  const seconds = Math.floor(ms / 1000);
  return [
    four(year),
    two(month),
    two(day),
    two(Math.floor(seconds / 3600)),
    two(Math.floor(seconds / 60) % 60),
    two(seconds % 60),
    String(ms % 1000).padStart(3, '0'),
  ];
}

export function formatDate(format: DateOutput, date: ParsedDate): string | number {
  switch (format) {
    case 'iso-date':
      return `${four(date.year)}-${two(date.month)}-${two(date.day)}`;
    case 'iso-datetime': {
      if (date.instant === undefined)
        return `${four(date.year)}-${two(date.month)}-${two(date.day)}T00:00:00.000Z`;
      const [y, mo, d, h, mi, s, ms] = utcParts(date.instant);
      return `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`;
    }
    case 'YYYYMMDD':
      return `${four(date.year)}${two(date.month)}${two(date.day)}`;
    case 'YYYYMMDDHHMMSS': {
      if (date.instant === undefined) return `${four(date.year)}${two(date.month)}${two(date.day)}000000`;
      return utcParts(date.instant).slice(0, 6).join('');
    }
    case 'DD.MM.YYYY':
      return `${two(date.day)}.${two(date.month)}.${four(date.year)}`;
    case 'epoch-ms':
    case 'epoch-s': {
      const instant = date.instant ?? daysFromCivil(date.year, date.month, date.day) * DAY_MS;
      return format === 'epoch-ms' ? instant : Math.floor(instant / 1000);
    }
  }
}
