/** The two answers the phone tests compare: the library's public API and the hub's transform. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { toE164 } from '../../../mappings/contact';
import { TransformError } from '../../../mappings/transform-support';

/** What the library's public API says: the E.164 number, or that it is not a valid one. */
export function library(text: string, country: CountryCode | undefined): string {
  if (text.trim() === '') return 'empty';
  const parsed = parsePhoneNumberFromString(text.trim(), country ? { defaultCountry: country } : undefined);
  return parsed && parsed.isValid() ? parsed.number : 'invalid';
}

export function ours(text: string, country: CountryCode | undefined): string {
  try {
    return toE164(text, country) ?? 'empty';
  } catch (error) {
    if (error instanceof TransformError) return 'invalid';
    throw error;
  }
}
