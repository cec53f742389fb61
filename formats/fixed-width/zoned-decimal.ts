/**
 * Signed zoned decimal as mainframe exports carry it after EBCDIC → ASCII conversion: the sign
 * is "overpunched" into the last digit. '{' and 'A'..'I' are +0..+9, '}' and 'J'..'R' are -0..-9.
 * A plain digit in the last position is read as positive (unsigned zoned data).
 */
export class ZonedDecimalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZonedDecimalError';
  }
}

const POSITIVE = '{ABCDEFGHI';
const NEGATIVE = '}JKLMNOPQR';

/** Digits (possibly with leading zeros) and an implied scale → "-1234.50"; negative zero is "0". */
export function formatDecimal(digits: string, scale: number, negative: boolean): string {
  const padded = digits.padStart(scale + 1, '0');
  const integer = padded.slice(0, padded.length - scale).replace(/^0+(?=\d)/, '');
  const fraction = padded.slice(padded.length - scale);
  const text = scale > 0 ? `${integer}.${fraction}` : integer;
  return negative && /[1-9]/.test(digits) ? `-${text}` : text;
}

export function decodeUnsigned(text: string, scale: number): string {
  if (!/^[0-9]+$/.test(text)) throw new ZonedDecimalError(`expected digits, got ${JSON.stringify(text)}`);
  return formatDecimal(text, scale, false);
}

export function decodeZoned(text: string, scale: number): string {
  const body = text.slice(0, -1);
  const last = text.slice(-1);
  if (!/^[0-9]*$/.test(body) || last === '') {
    throw new ZonedDecimalError(`expected digits with an overpunched sign, got ${JSON.stringify(text)}`);
  }
  let digit: number;
  let negative = false;
  if (/[0-9]/.test(last)) digit = Number(last);
  else if (POSITIVE.includes(last)) digit = POSITIVE.indexOf(last);
  else if (NEGATIVE.includes(last)) {
    digit = NEGATIVE.indexOf(last);
    negative = true;
  } else {
    throw new ZonedDecimalError(
      `${JSON.stringify(last)} is not a zoned decimal sign digit ({, A-I, }, J-R or 0-9)`,
    );
  }
  return formatDecimal(body + String(digit), scale, negative);
}

/** "-1234.5" → its digits scaled to `scale` places, and the sign; refuses rounding. */
export function scaledDigits(
  value: string,
  scale: number,
  signed: boolean,
): { digits: string; negative: boolean } {
  const match = /^([+-]?)([0-9]+)(?:\.([0-9]+))?$/.exec(value);
  if (!match) throw new ZonedDecimalError(`${JSON.stringify(value)} is not a decimal number like -1234.50`);
  const [, sign, integer, fraction = ''] = match;
  if (fraction.length > scale) {
    throw new ZonedDecimalError(`${value} has ${fraction.length} decimals, the layout allows ${scale}`);
  }
  const negative = sign === '-' && /[1-9]/.test(integer + fraction);
  if (negative && !signed) throw new ZonedDecimalError(`${value} is negative but the field is unsigned`);
  return { digits: (integer + fraction.padEnd(scale, '0')).replace(/^0+(?=\d)/, ''), negative };
}

function fit(digits: string, length: number, value: string): string {
  if (digits.length > length) throw new ZonedDecimalError(`${value} does not fit in ${length} digits`);
  return digits.padStart(length, '0');
}

export function encodeUnsigned(value: string, length: number, scale: number): string {
  return fit(scaledDigits(value, scale, false).digits, length, value);
}

export function encodeZoned(value: string, length: number, scale: number): string {
  const { digits, negative } = scaledDigits(value, scale, true);
  const padded = fit(digits, length, value);
  const last = Number(padded.slice(-1));
  return padded.slice(0, -1) + (negative ? NEGATIVE : POSITIVE)[last];
}
