/**
 * Person names and street lines between the one-field form legacy systems keep ("Dr. Anna Maria
 * Schmidt", "Hauptstraße 5a") and the parts the canonical model keeps.
 *
 * splitName rule: white space is collapsed. "Family, Given" (comma form) puts everything before the
 * first comma into familyName. Otherwise a leading salutation (Herr, Frau, Mr, Ms, ...) is the
 * salutation, the title tokens after it are the title, the last token together with the lower-case
 * particles right before it (von, van, de, der, zu, ...) is the family name, and what is left
 * (middle names included) is the given name. Title tokens are the known academic titles (Dr., Prof.,
 * Dipl.-Ing., ...) and lower-case abbreviations ending in "." such as "med." or "rer."; in the comma
 * form salutation and titles lead the part after the comma ("Schmidt, Frau Dr. Anna").
 */
import { TransformError, asText, describe, isPlainObject, quote } from './transform-support';

/** The keys of the canonical customer's person name (customer.schema.json). */
export interface PersonName {
  salutation?: string;
  title?: string;
  givenName?: string;
  familyName: string;
}

export interface StreetLine {
  street: string;
  houseNumber?: string;
}

const TITLES = new Set([
  'dr.',
  'prof.',
  'dr.-ing.',
  'dipl.-ing.',
  'dipl.-kfm.',
  'dipl.-inf.',
  'mag.',
  'ing.',
  'pd',
  'h.c.',
  'mba',
]);
const PARTICLES = new Set([
  'von',
  'van',
  'de',
  'der',
  'den',
  'del',
  'della',
  'di',
  'da',
  'du',
  'le',
  'la',
  'zu',
  'zur',
  'zum',
  'vom',
  'ten',
  'ter',
  'y',
]);

function isTitle(token: string): boolean {
  return TITLES.has(token.toLowerCase()) || /^[a-zäöü][a-zäöü.]*\.$/.test(token);
}

// White space other than single plain spaces: a run of two or more, or any other white space.
const UNEVEN_SPACE = /\s\s|[^\S ]/;

function tokens(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  // Single plain spaces between the words (the usual case) split without the regular expression.
  return UNEVEN_SPACE.test(trimmed) ? trimmed.split(/\s+/) : trimmed.split(' ');
}

const SALUTATIONS = new Set([
  'herr',
  'frau',
  'hr.',
  'fr.',
  'mr',
  'mr.',
  'mrs',
  'mrs.',
  'ms',
  'ms.',
  'mx',
  'mx.',
]);

/** `keep`: how many tokens must stay behind it (the family name, outside the comma form). */
function leadingSalutation(parts: string[], keep: number): string[] {
  return parts.length > keep && SALUTATIONS.has(parts[0].toLowerCase()) ? parts.splice(0, 1) : [];
}

function leadingTitles(parts: string[]): string[] {
  let count = 0;
  while (count < parts.length && isTitle(parts[count])) count++;
  return parts.splice(0, count);
}

/** Keys in the order of the schema, so equal names compare equal however they were built. */
function person(familyName: string, salutation: string[], title: string[], given: string[]): PersonName {
  const name = {} as PersonName;
  if (salutation.length > 0) name.salutation = salutation[0];
  if (title.length > 0) name.title = title.join(' ');
  if (given.length > 0) name.givenName = given.join(' ');
  name.familyName = familyName;
  return name;
}

/**
 * A spec that picks several parts of one name (title, given and family name) splits it once per
 * record: the engine shares the common start of such rules (block.ts).
 */
export function splitName(value: unknown): PersonName | undefined {
  const text = asText('splitName', value);
  const comma = text.indexOf(',');
  if (comma >= 0) {
    const family = tokens(text.slice(0, comma)).join(' ');
    const rest = tokens(text.slice(comma + 1));
    if (family === '')
      throw new TransformError('splitName', `${quote(value)} has no family name before the comma`);
    const salutation = leadingSalutation(rest, 0);
    return person(family, salutation, leadingTitles(rest), rest);
  }
  const parts = tokens(text);
  if (parts.length === 0) return undefined;
  const salutation = leadingSalutation(parts, 1);
  const title = leadingTitles(parts);
  if (parts.length === 0) throw new TransformError('splitName', `${quote(value)} holds a title but no name`);
  let start = parts.length - 1;
  while (start > 0 && PARTICLES.has(parts[start - 1])) start--;
  return person(parts.slice(start).join(' '), salutation, title, parts.slice(0, start));
}

export type NameFormat = 'given-family' | 'family-comma-given';

function textPart(rule: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  return asText(rule, value).trim().replace(/\s+/g, ' ');
}

/** Object { salutation, title, givenName, familyName } or array [given, family] / [title, given, family]. */
export function joinName(format: NameFormat, value: unknown): string {
  let salutation: unknown, title: unknown, given: unknown, family: unknown;
  if (isPlainObject(value)) ({ salutation, title, givenName: given, familyName: family } = value);
  else if (Array.isArray(value) && (value.length === 2 || value.length === 3)) {
    [title, given, family] = value.length === 3 ? value : [undefined, ...value];
  } else {
    throw new TransformError(
      'joinName',
      `joinName expects { salutation, title, givenName, familyName } or [given, family] or [title, given, family], got ${describe(value)}`,
    );
  }
  const parts = [
    textPart('joinName', salutation),
    textPart('joinName', title),
    textPart('joinName', given),
  ].filter((part) => part !== '');
  const last = textPart('joinName', family);
  if (format === 'family-comma-given' && last !== '')
    return parts.length > 0 ? `${last}, ${parts.join(' ')}` : last;
  return [...parts, last].filter((part) => part !== '').join(' ');
}

/** Trimmed, white-space runs as one space; most lines need neither, and then nothing is copied. */
function collapseSpace(text: string): string {
  const trimmed = text.trim();
  return UNEVEN_SPACE.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

const HOUSE_NUMBER = String.raw`\d+(?: ?[a-zA-Z](?![a-zA-Z]))?(?: ?[-/] ?\d+(?: ?[a-zA-Z](?![a-zA-Z]))?)?`;
const NUMBER_LAST = new RegExp(String.raw`^(.+?)(?:[ ,]+|(?<=\.))(${HOUSE_NUMBER})$`);
const NUMBER_FIRST = new RegExp(String.raw`^(${HOUSE_NUMBER})[ ,]+(\D.*)$`);

/** "Hauptstraße 5a" and "10 Downing Street" alike; a line without a number is all street. */
export function splitStreet(value: unknown): StreetLine | undefined {
  const text = collapseSpace(asText('splitStreet', value));
  if (text === '') return undefined;
  const last = NUMBER_LAST.exec(text);
  if (last) {
    const street = last[1];
    return { street: street.endsWith(',') ? street.slice(0, -1) : street, houseNumber: last[2] };
  }
  const first = NUMBER_FIRST.exec(text);
  if (first) return { street: first[2], houseNumber: first[1] };
  return { street: text };
}

/** Object { street, houseNumber } or array [street, houseNumber]; numberFirst for "12 Rue de Rivoli". */
export function joinStreet(value: unknown, numberFirst = false): string {
  let street: unknown, houseNumber: unknown;
  if (isPlainObject(value)) ({ street, houseNumber } = value);
  else if (Array.isArray(value) && value.length === 2) [street, houseNumber] = value;
  else {
    throw new TransformError(
      'joinStreet',
      `joinStreet expects { street, houseNumber } or [street, houseNumber], got ${describe(value)}`,
    );
  }
  const parts = [textPart('joinStreet', street), textPart('joinStreet', houseNumber)];
  return (numberFirst ? parts.reverse() : parts).filter((part) => part !== '').join(' ');
}
