/**
 * Postal addresses as matching compares them. The street is folded, its abbreviations written out
 * and its spaces and hyphens dropped, so "Hauptstr. 5a", "Haupt-Straße 5 A" and "HAUPTSTRASSE 5a"
 * are one street and one house number. Which abbreviations are expanded depends on the country:
 * "St." is "Sankt" before a German street name and "Street" after an English one.
 */
import { splitStreet } from '../../mappings/names';
import { foldKey } from './fold';

export interface AddressInput {
  street?: string;
  houseNumber?: string;
  /** free lines when the source does not split street and number; the first one is read */
  streetLines?: readonly string[];
  postalCode?: string;
  city?: string;
  /** ISO 3166-1 alpha-2 */
  country?: string;
}

export interface NormalizedAddress {
  /** folded, abbreviations written out, no spaces: "hauptstrasse" */
  street?: string;
  /** "5a", "12-14" */
  houseNumber?: string;
  postalCode?: string;
  /** folded, no spaces: "frankfurtammain" */
  city?: string;
  /** first word of the folded city, which survives "Frankfurt a. M." against "Frankfurt am Main" */
  cityKey?: string;
  country?: string;
}

const ENGLISH_SPEAKING = new Set(['GB', 'UK', 'US', 'IE', 'CA', 'AU', 'NZ']);

// Folded words (fold.ts drops the dots), each rule on a word or a word ending.
const GERMAN_RULES: [RegExp, string][] = [
  [/^st (?=\S)/, 'sankt '],
  [/str\b/g, 'strasse'],
  [/\bpl\b/g, 'platz'],
  [/(\S)pl\b/g, '$1platz'],
];
const ENGLISH_RULES: [RegExp, string][] = [
  [/\bst$/, 'street'],
  [/\brd$/, 'road'],
  [/\bave?$/, 'avenue'],
  [/\bdr$/, 'drive'],
  [/\bln$/, 'lane'],
  [/\bsq$/, 'square'],
];

function normalizeStreet(street: string, country: string | undefined): string | undefined {
  let text = foldKey(street);
  for (const [pattern, replacement] of ENGLISH_SPEAKING.has(country ?? '') ? ENGLISH_RULES : GERMAN_RULES)
    text = text.replace(pattern, replacement);
  const compact = text.replace(/ /g, '');
  return compact === '' ? undefined : compact;
}

function normalizeHouseNumber(value: string): string | undefined {
  const compact = value.toLowerCase().replace(/\s+/g, '');
  return compact === '' ? undefined : compact;
}

function normalizePostalCode(value: string, country: string | undefined): string | undefined {
  const compact = value.replace(/\s+/g, '').toUpperCase();
  if (compact === '') return undefined;
  // German codes have five digits; a numeric legacy field loses the leading zero of 01067 Dresden.
  if (country === 'DE' && /^\d{4}$/.test(compact)) return `0${compact}`;
  return compact;
}

export function normalizeAddress(input: AddressInput): NormalizedAddress | undefined {
  const country = input.country?.trim().toUpperCase() || undefined;
  let street = input.street ?? input.streetLines?.[0];
  let houseNumber = input.houseNumber;
  if (street !== undefined && houseNumber === undefined) {
    const split = splitStreet(street);
    street = split?.street;
    houseNumber = split?.houseNumber;
  }
  const address: NormalizedAddress = {};
  const normalizedStreet = street === undefined ? undefined : normalizeStreet(street, country);
  if (normalizedStreet) address.street = normalizedStreet;
  const number = houseNumber === undefined ? undefined : normalizeHouseNumber(houseNumber);
  if (number) address.houseNumber = number;
  const postalCode =
    input.postalCode === undefined ? undefined : normalizePostalCode(input.postalCode, country);
  if (postalCode) address.postalCode = postalCode;
  const city = input.city === undefined ? '' : foldKey(input.city);
  if (city !== '') {
    address.city = city.replace(/ /g, '');
    address.cityKey = city.split(' ')[0];
  }
  if (country) address.country = country;
  return address.street || address.postalCode || address.city ? address : undefined;
}
