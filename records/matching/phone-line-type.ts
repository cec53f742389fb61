/**
 * Whether an E.164 number is a fixed line. A household shares its landline, so an agreeing landline
 * says "same household", while an agreeing mobile number says "same person". The type comes from
 * libphonenumber's full metadata; it is looked up only for numbers that agree, and remembered.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const known = new Map<string, boolean>();
// Numbers seen by one process stay few compared with this; the bound only keeps memory flat.
const MAX_REMEMBERED = 100_000;

export function isFixedLine(e164: string): boolean {
  let fixed = known.get(e164);
  if (fixed === undefined) {
    fixed = parsePhoneNumberFromString(e164)?.getType() === 'FIXED_LINE';
    if (known.size >= MAX_REMEMBERED) known.clear();
    known.set(e164, fixed);
  }
  return fixed;
}
