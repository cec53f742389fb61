/**
 * Phone numbers as E.164 through the mapping layer's transform (libphonenumber's full metadata), so
 * that "0171 2345678" from a German system and "+49 171 2345678" compare equal. A national number
 * is read in the record's own country; a number that is not valid there is left out (it is data,
 * not an error, and a wrong number must not link two people).
 */
import { isPhoneCountry, toE164 } from '../../mappings/contact';
import { TransformError } from '../../mappings/transform-support';

export function normalizePhone(value: string | undefined, country: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const upper = country?.toUpperCase();
  try {
    return toE164(value, isPhoneCountry(upper) ? upper : undefined);
  } catch (err) {
    if (err instanceof TransformError) return undefined;
    throw err;
  }
}
