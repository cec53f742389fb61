/**
 * Tax and national identifiers. Every scheme is written without separators and in upper case; the
 * schemes with a known structure are also checked, because a typed-in id that fails its check digit
 * is a typo, and a typo must never link two people by rule.
 *
 * - `de-tax-id`, the German Steuerliche Identifikationsnummer: 11 digits, no leading 0, check digit
 *   by ISO/IEC 7064 MOD 11,10 (§ 139b AO; BZSt). The check catches every single wrong digit.
 * - `us-ssn`: 9 digits; area 000, 666 and 900-999, group 00 and serial 0000 are never issued.
 * - any other scheme: separators removed, not checked (`valid` is then true, `checked` false).
 */

export interface NormalizedNationalId {
  scheme: string;
  value: string;
  /** false when the scheme has a structure and the value breaks it */
  valid: boolean;
  /** the scheme has a check: a valid value is no typo of another valid one */
  checked: boolean;
}

const SEPARATORS = /[\s./-]+/g;

/** ISO/IEC 7064 MOD 11,10 over the first ten digits; the eleventh must equal the result. */
export function germanTaxIdCheckDigit(firstTen: string): number {
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (firstTen.charCodeAt(i) - 48 + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product;
  return check === 10 ? 0 : check;
}

function validGermanTaxId(value: string): boolean {
  return /^[1-9]\d{10}$/.test(value) && germanTaxIdCheckDigit(value) === value.charCodeAt(10) - 48;
}

function validSsn(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  const area = value.slice(0, 3);
  return (
    area !== '000' &&
    area !== '666' &&
    area[0] !== '9' &&
    value.slice(3, 5) !== '00' &&
    value.slice(5) !== '0000'
  );
}

const CHECKS: Record<string, (value: string) => boolean> = {
  'de-tax-id': validGermanTaxId,
  'us-ssn': validSsn,
};

export function normalizeNationalId(scheme: string, value: string): NormalizedNationalId | undefined {
  const cleanScheme = scheme.trim().toLowerCase();
  const cleanValue = value.replace(SEPARATORS, '').toUpperCase();
  if (cleanScheme === '' || cleanValue === '') return undefined;
  const check = CHECKS[cleanScheme];
  return {
    scheme: cleanScheme,
    value: cleanValue,
    valid: check ? check(cleanValue) : true,
    checked: check !== undefined,
  };
}
