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
  let parsed: PhoneNumber | undefined;
  try {
    parsed = parse(text, (defaultCountry && PARSE_OPTIONS.get(defaultCountry)) || NO_COUNTRY, metadata);
  } catch {
    // ParseError: not a phone number at all
    parsed = undefined;
  }
  if (!parsed || !isValidNumber(parsed)) {
    const hint = defaultCountry
      ? ` for country ${defaultCountry}`
      : ' (no country known: write it with +<country code>)';
    throw new TransformError('phone', `${quote(value)} is not a valid phone number${hint}`);
  }
  return parsed.number;
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
const NUMBER_TYPES = [
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

function compilePlan(key: string): CompiledPlan {
  const selected = new Metadata(metadata);
  try {
    selected.selectNumberingPlan(key as CountryCode);
  } catch {
    return null;
  }
  const plan = selected.numberingPlan as unknown as Partial<NumberingPlanView> | undefined;
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

function isValidNumber(parsed: PhoneNumber): boolean {
  const key: string | undefined = parsed.country || parsed.countryCallingCode;
  if (!key) return false;
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = compilePlan(key);
    plans.set(key, plan);
  }
  if (plan === null) return parsed.isValid();
  const national = parsed.nationalNumber || '';
  if (!plan.general.test(national)) return false;
  if (plan.types === undefined) return true;
  for (const { pattern, lengths } of plan.types) {
    if (lengths && !lengths.includes(national.length)) continue;
    if (pattern.test(national)) return true;
  }
  return false;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function normalizeEmail(value: unknown): string | undefined {
  const text = asText('email', value).trim().toLowerCase();
  if (text === '') return undefined;
  if (text.length > 254 || !EMAIL.test(text))
    throw new TransformError('email', `${quote(value)} is not an e-mail address`);
  return text;
}
