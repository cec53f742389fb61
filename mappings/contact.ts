/** Phone numbers to E.164 and e-mail addresses to their lower-case form, each checked. */
import { getCountries, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { TransformError, asText, quote } from './transform-support';

const COUNTRIES = new Set<string>(getCountries());

export function isPhoneCountry(code: unknown): code is CountryCode {
  return typeof code === 'string' && COUNTRIES.has(code);
}

/** undefined for empty text; the full metadata set, so "valid" means a number that can exist. */
export function toE164(value: unknown, defaultCountry: CountryCode | undefined): string | undefined {
  const text = asText('phone', value).trim();
  if (text === '') return undefined;
  let parsed: ReturnType<typeof parsePhoneNumberFromString>;
  try {
    parsed = parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : undefined);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !parsed.isValid()) {
    const hint = defaultCountry
      ? ` for country ${defaultCountry}`
      : ' (no country known: write it with +<country code>)';
    throw new TransformError('phone', `${quote(value)} is not a valid phone number${hint}`);
  }
  return parsed.number;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function normalizeEmail(value: unknown): string | undefined {
  const text = asText('email', value).trim().toLowerCase();
  if (text === '') return undefined;
  if (text.length > 254 || !EMAIL.test(text))
    throw new TransformError('email', `${quote(value)} is not an e-mail address`);
  return text;
}
