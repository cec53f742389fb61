/**
 * The ways a legacy source gets a person wrong, applied by the generated population
 * (bench/_population.ts): typing errors on a German keyboard, umlauts written out or lost, digits
 * transposed, day and month swapped, and the spellings each kind of system uses for dates, phone
 * numbers and streets.
 */
import type { SeededRandom } from './_random';

// Neighbours on a German QWERTZ keyboard, for substitution typos.
const ROWS = ['qwertzuiopü', 'asdfghjklöä', 'yxcvbnm'];
const NEIGHBOURS = new Map<string, string>();
ROWS.forEach((row, r) => {
  for (let i = 0; i < row.length; i++) {
    let near = (row[i - 1] ?? '') + (row[i + 1] ?? '');
    const above = ROWS[r - 1];
    const below = ROWS[r + 1];
    if (above) near += (above[i] ?? '') + (above[i + 1] ?? '');
    if (below) near += (below[i - 1] ?? '') + (below[i] ?? '');
    NEIGHBOURS.set(row[i], near);
  }
});

function withCase(original: string, replacement: string): string {
  return original === original.toUpperCase() ? replacement.toUpperCase() : replacement;
}

/** One typing error away from the first letter, which people get right most often. */
export function typo(random: SeededRandom, text: string): string {
  if (text.length < 3) return text;
  const i = random.int(1, text.length - 1);
  const c = text[i];
  switch (random.int(0, 3)) {
    case 0: {
      const near = NEIGHBOURS.get(c.toLowerCase());
      return near ? text.slice(0, i) + withCase(c, random.pick([...near])) + text.slice(i + 1) : text;
    }
    case 1:
      return text.slice(0, i) + text.slice(i + 1);
    case 2:
      return text.slice(0, i) + c + text.slice(i);
    default:
      return i < text.length - 1 ? text.slice(0, i) + text[i + 1] + c + text.slice(i + 2) : text;
  }
}

export function transposeDigits(random: SeededRandom, digits: string, from = 0): string {
  const positions: number[] = [];
  for (let i = from; i < digits.length - 1; i++)
    if (/\d/.test(digits[i]) && /\d/.test(digits[i + 1]) && digits[i] !== digits[i + 1]) positions.push(i);
  if (positions.length === 0) return digits;
  const i = random.pick(positions);
  return digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2);
}

const WRITTEN_OUT: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', Ä: 'Ae', Ö: 'Oe', Ü: 'Ue', ß: 'ss' };
const DROPPED: Record<string, string> = { ä: 'a', ö: 'o', ü: 'u', Ä: 'A', Ö: 'O', Ü: 'U', ß: 'ss' };

export function umlautsWrittenOut(text: string): string {
  return text.replace(/[äöüÄÖÜß]/g, (c) => WRITTEN_OUT[c]);
}

/** What a system without the letters makes of them; Turkish and Polish letters lose their marks too. */
export function diacriticsDropped(text: string): string {
  return text
    .replace(/[äöüÄÖÜß]/g, (c) => DROPPED[c])
    .replace(/ı/g, 'i')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

export interface Day {
  year: number;
  month: number;
  day: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const MONTHS_DE = [
  'Januar',
  'Februar',
  'März',
  'April',
  'Mai',
  'Juni',
  'Juli',
  'August',
  'September',
  'Oktober',
  'November',
  'Dezember',
];

export type DateStyle = 'iso' | 'sap' | 'german' | 'german-short' | 'german-long' | 'us';

export function formatDay(date: Day, style: DateStyle): string {
  const { year, month, day } = date;
  switch (style) {
    case 'iso':
      return `${year}-${pad(month)}-${pad(day)}`;
    case 'sap':
      return `${year}${pad(month)}${pad(day)}`;
    case 'german':
      return `${pad(day)}.${pad(month)}.${year}`;
    case 'german-short':
      return `${day}.${month}.${pad(year % 100)}`;
    case 'german-long':
      return `${day}. ${MONTHS_DE[month - 1]} ${year}`;
    case 'us':
      return `${pad(month)}/${pad(day)}/${year}`;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function valid(date: Day): boolean {
  const leap = date.year % 4 === 0 && (date.year % 100 !== 0 || date.year % 400 === 0);
  const days = date.month === 2 && leap ? 29 : DAYS_IN_MONTH[date.month - 1];
  return date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= days;
}

/** Day and month swapped, two digits transposed, or one digit wrong; always still a real date. */
export function corruptDay(random: SeededRandom, date: Day): Day {
  for (let attempt = 0; attempt < 10; attempt++) {
    let candidate: Day;
    const kind = random.int(0, 2);
    if (kind === 0) candidate = { year: date.year, month: date.day, day: date.month };
    else {
      const digits = `${date.year}${pad(date.month)}${pad(date.day)}`;
      let changed: string;
      if (kind === 1) changed = transposeDigits(random, digits, 2);
      else {
        const i = random.pick([2, 3, 6, 7]);
        changed =
          digits.slice(0, i) + String((Number(digits[i]) + random.int(1, 9)) % 10) + digits.slice(i + 1);
      }
      candidate = {
        year: Number(changed.slice(0, 4)),
        month: Number(changed.slice(4, 6)),
        day: Number(changed.slice(6, 8)),
      };
    }
    const same = candidate.year === date.year && candidate.month === date.month && candidate.day === date.day;
    if (!same && valid(candidate) && candidate.year <= 2007) return candidate;
  }
  return date;
}

/** A German national number ("0171 2345678", national significant number given) in one of the ways people write it. */
export function formatGermanPhone(random: SeededRandom, areaOrPrefix: string, subscriber: string): string {
  switch (random.int(0, 5)) {
    case 0:
      return `0${areaOrPrefix} ${subscriber}`;
    case 1:
      return `0${areaOrPrefix}/${subscriber}`;
    case 2:
      return `+49 ${areaOrPrefix} ${subscriber}`;
    case 3:
      return `+49${areaOrPrefix}${subscriber}`;
    case 4:
      return `(0${areaOrPrefix}) ${subscriber}`;
    default:
      return `+49 (0)${areaOrPrefix} ${subscriber.slice(0, 3)}-${subscriber.slice(3)}`;
  }
}

/** "Hauptstraße" as SAP and the call center shorten it: "Hauptstr.", "Haupt-Str.". */
export function abbreviateStreet(random: SeededRandom, street: string): string {
  if (!street.endsWith('straße')) return street;
  const stem = street.slice(0, -'straße'.length);
  if (stem.endsWith('-')) return `${stem}Str.`;
  return random.chance(0.8) ? `${stem}str.` : `${stem}-Str.`;
}
