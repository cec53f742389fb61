/** Phone numbers to E.164 and e-mail addresses to their lower-case form, each checked. */
import path from 'node:path';
import {
  Metadata,
  getCountries,
  parsePhoneNumberFromString,
  type CountryCode,
  type MetadataJson,
  type PhoneNumber,
} from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import { TransformError, asText, quote } from './transform-support';

// The full set (what 'libphonenumber-js/max' uses). Read as JSON its codes are plain strings.
const metadata = maxMetadata as unknown as MetadataJson;

const COUNTRIES = new Set<string>(getCountries(metadata));

export function isPhoneCountry(code: unknown): code is CountryCode {
  return typeof code === 'string' && COUNTRIES.has(code);
}

interface ParseOptions {
  defaultCountry?: CountryCode;
  v2: true;
}
type Parse = (text: string, options: ParseOptions, metadata: MetadataJson) => PhoneNumber | undefined;

/**
 * Every parse entry point of libphonenumber-js ends in its parse(text, { defaultCountry, v2: true },
 * metadata), after normalizing the arguments and copying the options twice with Babel's object-spread
 * helper, which costs more than the parse itself. Its module is not among the package's exports, so it
 * is loaded by file next to them; should a later version move or change it, the public
 * parsePhoneNumberFromString() takes over with the same result.
 */
function libraryParse(): Parse {
  const viaExports: Parse = (text, { defaultCountry }, data) =>
    parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : {}, data);
  try {
    const file = path.join(
      path.dirname(require.resolve('libphonenumber-js/core')),
      '..',
      'build',
      'parse.js',
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = (require(file) as { default?: unknown }).default;
    return typeof loaded === 'function' && loaded.length === 3 ? (loaded as Parse) : viaExports;
  } catch {
    return viaExports;
  }
}

const parse = libraryParse();

// One options object per country, made once, instead of one per number (parse() only reads them).
const PARSE_OPTIONS = new Map<string, ParseOptions>(
  [...COUNTRIES].map((country) => [country, { defaultCountry: country as CountryCode, v2: true }]),
);
const NO_COUNTRY: ParseOptions = { v2: true };

/** undefined for empty text; the full metadata set, so "valid" means a number that can exist. */
export function toE164(value: unknown, defaultCountry: CountryCode | undefined): string | undefined {
  const text = asText('phone', value).trim();
  if (text === '') return undefined;
  let number = plainE164(text, defaultCountry);
  if (number === undefined) number = parsedE164(text, defaultCountry);
  if (number === false) {
    const hint = defaultCountry
      ? ` for country ${defaultCountry}`
      : ' (no country known: write it with +<country code>)';
    throw new TransformError('phone', `${quote(value)} is not a valid phone number${hint}`);
  }
  return number;
}

/** The library's answer for any text: the E.164 number, or false for no valid phone number. */
function parsedE164(text: string, defaultCountry: CountryCode | undefined): string | false {
  let parsed: PhoneNumber | undefined;
  try {
    parsed = parse(text, (defaultCountry && PARSE_OPTIONS.get(defaultCountry)) || NO_COUNTRY, metadata);
  } catch {
    // ParseError: not a phone number at all
    parsed = undefined;
  }
  return parsed && isValidNumber(parsed) ? parsed.number : false;
}

/*
 * Validity is libphonenumber's own rule on its own metadata (isValid(): the national number matches
 * the plan's general pattern and, where the plan lists number types, the pattern of one type whose
 * possible lengths allow it), but with each plan's patterns compiled once. isValid() builds a new
 * RegExp from the pattern text for every test, which cost more than the rest of a mapping. The
 * patterns are read through the library's Metadata class, whose typings leave these methods out;
 * should a later version change them, numbers fall back to isValid().
 */

interface NumberTypeView {
  pattern(): string | undefined;
  possibleLengths(): number[] | undefined;
}

interface NumberingPlanView {
  nationalNumberPattern(): string;
  hasTypes(): boolean;
  type(name: string): NumberTypeView | undefined;
}

/** null: the library's metadata did not look as expected, ask isValid() instead. */
type CompiledPlan = {
  general: RegExp;
  types: { pattern: RegExp; lengths: number[] | undefined }[] | undefined;
} | null;

// The order of the library's getNumberType(); any type that matches makes the number valid.
export const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/** Keyed by numbering plan (country, or calling code for a number without one): a few hundred at most. */
const plans = new Map<string, CompiledPlan>();

/** matchesEntirely() of the library, compiled. */
function entire(pattern: string | undefined): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/**
 * The library's numbering plan object for a country or calling code, seen through the view a caller
 * expects; the typings leave its methods out, so each caller checks the ones it uses.
 */
function numberingPlan<View>(key: string): Partial<View> | undefined {
  const selected = new Metadata(metadata);
  try {
    selected.selectNumberingPlan(key as CountryCode);
  } catch {
    return undefined;
  }
  return selected.numberingPlan as unknown as Partial<View> | undefined;
}

function compilePlan(key: string): CompiledPlan {
  const plan = numberingPlan<NumberingPlanView>(key);
  if (
    typeof plan?.nationalNumberPattern !== 'function' ||
    typeof plan.hasTypes !== 'function' ||
    typeof plan.type !== 'function'
  )
    return null;
  const general = entire(plan.nationalNumberPattern());
  if (!plan.hasTypes()) return { general, types: undefined };
  const types: { pattern: RegExp; lengths: number[] | undefined }[] = [];
  for (const name of NUMBER_TYPES) {
    const type = plan.type(name);
    if (type === undefined) continue;
    if (typeof type.pattern !== 'function' || typeof type.possibleLengths !== 'function') return null;
    const pattern = type.pattern();
    if (!pattern) continue;
    types.push({ pattern: entire(pattern), lengths: type.possibleLengths() });
  }
  return { general, types };
}

function planFor(key: string): CompiledPlan {
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = compilePlan(key);
    plans.set(key, plan);
  }
  return plan;
}

function isValidNumber(parsed: PhoneNumber): boolean {
  const key: string | undefined = parsed.country || parsed.countryCallingCode;
  if (!key) return false;
  const plan = planFor(key);
  if (plan === null) return parsed.isValid();
  return matchesPlan(plan, parsed.nationalNumber || '');
}

function matchesPlan(plan: NonNullable<CompiledPlan>, national: string): boolean {
  if (!plan.general.test(national)) return false;
  if (plan.types === undefined) return true;
  for (const { pattern, lengths } of plan.types) {
    if (lengths && !lengths.includes(national.length)) continue;
    if (pattern.test(national)) return true;
  }
  return false;
}

/*
 * Plain numbers, the usual case, are worked out here without the library's parse: digits with an
 * optional leading '+' and only the separators space, '-', '/' and '.', in a country that alone has
 * its calling code and whose national prefix is stripped without being rewritten. For these the
 * library's parse does only what is mirrored below (its source: parse.js, extractCountryCallingCode,
 * extractNationalNumber); any input or country where it might do more is left to it.
 */

// Text longer than this the library rejects before looking at it.
const MAX_INPUT_LENGTH = 250;
// The library's limits on the national (significant) number.
const MIN_NATIONAL_LENGTH = 2;
const MAX_NATIONAL_LENGTH = 17;

const PLAIN = /^[+\d][\d ./-]*$/;
const SEPARATORS = /[ ./-]/g;

interface MetadataView {
  hasCallingCode(callingCode: string): unknown;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
}

interface PlanDetailsView {
  callingCode(): string;
  IDDPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  possibleLengths(): number[] | undefined;
}

/** A country whose plain numbers are worked out here. */
interface PlainCountry {
  callingCode: string;
  plan: NonNullable<CompiledPlan>;
  /** Its international dialling prefix at the start: such a number is left to the library. */
  idd: RegExp;
  /** Its national_prefix_for_parsing, without capturing groups, so that a match is only cut off. */
  prefix: RegExp | undefined;
  /** The possible lengths of its general description. */
  lengths: number[] | undefined;
}

/**
 * Calling code (as the library reads it from '+' numbers: 1-3 digits) to the one country that has it;
 * null for the codes shared by several countries or of no country, whose numbers the library assigns
 * by their digits.
 */
const CALLING_CODES = callingCodes();

function callingCodes(): Map<string, string | null> {
  const codes = new Map<string, string | null>();
  const view = new Metadata(metadata) as unknown as Partial<MetadataView>;
  if (typeof view.hasCallingCode !== 'function' || typeof view.getCountryCodesForCallingCode !== 'function')
    return codes;
  for (let code = 1; code < 1000; code++) {
    const callingCode = String(code);
    if (!view.hasCallingCode(callingCode)) continue;
    const countries = view.getCountryCodesForCallingCode(callingCode);
    const only = countries?.length === 1 ? countries[0] : undefined;
    codes.set(callingCode, only !== undefined && COUNTRIES.has(only) ? only : null);
  }
  return codes;
}

/** Keyed by country; null where its numbers are left to the library. */
const plainCountries = new Map<string, PlainCountry | null>();

function plainCountry(country: string): PlainCountry | null {
  let found = plainCountries.get(country);
  if (found === undefined) {
    found = describePlainCountry(country);
    plainCountries.set(country, found);
  }
  return found;
}

function describePlainCountry(country: string): PlainCountry | null {
  if (!COUNTRIES.has(country)) return null;
  const plan = planFor(country);
  if (plan === null) return null;
  const details = numberingPlan<PlanDetailsView>(country);
  if (
    typeof details?.callingCode !== 'function' ||
    typeof details.IDDPrefix !== 'function' ||
    typeof details.nationalPrefixForParsing !== 'function' ||
    typeof details.possibleLengths !== 'function'
  )
    return null;
  const callingCode = details.callingCode();
  if (CALLING_CODES.get(callingCode) !== country) return null;
  const idd = details.IDDPrefix();
  if (typeof idd !== 'string' || idd === '') return null;
  const prefixPattern = details.nationalPrefixForParsing();
  let prefix: RegExp | undefined;
  if (prefixPattern) {
    // With a capturing group the library may rewrite the number (national_prefix_transform_rule)
    // or take a carrier code out of it.
    if (capturingGroups(prefixPattern) !== 0) return null;
    prefix = new RegExp(`^(?:${prefixPattern})`);
  }
  // The library checks the length against a list only when there is one; an empty list (which it
  // would read as allowing no length at all) is not mirrored.
  const possible = details.possibleLengths();
  let lengths: number[] | undefined;
  if (possible) {
    if (!Array.isArray(possible) || possible.length === 0) return null;
    lengths = possible;
  }
  return { callingCode, plan, idd: new RegExp(`^(?:${idd})`), prefix, lengths };
}

function capturingGroups(pattern: string): number {
  return (new RegExp(`${pattern}|`).exec('') as RegExpExecArray).length - 1;
}

/**
 * The library's answer for plain text (E.164 number, or false for an invalid one), or undefined
 * when the text or country is not one that this covers and the library must parse it.
 * Exported so that tests can hold it to the library and check that it is used.
 */
export function plainE164(text: string, defaultCountry: CountryCode | undefined): string | false | undefined {
  if (text.length > MAX_INPUT_LENGTH || !PLAIN.test(text)) return undefined;
  const international = text.charCodeAt(0) === 43; // '+'
  const digits = (international ? text.slice(1) : text).replace(SEPARATORS, '');
  // Fewer digits and the library answers in ways not worth mirroring (it is never valid anyway).
  if (digits.length < 3) return undefined;
  let country: PlainCountry | null;
  let number: string;
  if (international) {
    // No calling code starts with 0.
    if (digits.charCodeAt(0) === 48) return undefined;
    // Calling codes are prefix-free, so the first one found is the one.
    let callingCode: string | undefined;
    for (let length = 1; length <= 3; length++) {
      if (CALLING_CODES.has(digits.slice(0, length))) {
        callingCode = digits.slice(0, length);
        break;
      }
    }
    if (callingCode === undefined) return undefined;
    const only = CALLING_CODES.get(callingCode);
    if (!only) return undefined;
    country = plainCountry(only);
    if (country === null) return undefined;
    number = digits.slice(callingCode.length);
  } else {
    if (!defaultCountry) return undefined;
    country = plainCountry(defaultCountry);
    if (country === null) return undefined;
    // The library would read these as dialled from abroad (international prefix) or as written
    // with the calling code but without the '+'.
    if (country.idd.test(digits) || digits.startsWith(country.callingCode)) return undefined;
    number = digits;
  }
  const national = nationalNumber(country, number);
  if (national.length < MIN_NATIONAL_LENGTH || national.length > MAX_NATIONAL_LENGTH) return false;
  return matchesPlan(country.plan, national) ? `+${country.callingCode}${national}` : false;
}

/**
 * The library's extractNationalNumber() for a prefix without capturing groups: the prefix is cut off
 * unless that turns a number of the plan's general pattern into one not of it, or leaves a number
 * too short or of a length between the possible ones.
 */
function nationalNumber(country: PlainCountry, number: string): string {
  if (number === '' || country.prefix === undefined) return number;
  const match = country.prefix.exec(number);
  if (match === null || match[0] === '') return number;
  const national = number.slice(match[0].length);
  const { general } = country.plan;
  if (general.test(number) && !general.test(national)) return number;
  const { lengths } = country;
  if (lengths) {
    const length = national.length;
    if (length < lengths[0]) return number;
    if (length !== lengths[0] && length <= lengths[lengths.length - 1] && !lengths.includes(length))
      return number;
  }
  return national;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function normalizeEmail(value: unknown): string | undefined {
  const text = asText('email', value).trim().toLowerCase();
  if (text === '') return undefined;
  if (text.length > 254 || !EMAIL.test(text))
    throw new TransformError('email', `${quote(value)} is not an e-mail address`);
  return text;
}
