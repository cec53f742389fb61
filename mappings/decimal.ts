/**
 * Amounts as legacy systems write them: German "1.234,50", English "1,234.50", and SAP's trailing
 * minus ("1.234,50-"). Parsing is strict about grouping (groups of three) so that "1.5" in a German
 * file is an error rather than fifteen, and about precision so that no digit is silently dropped.
 */
import { TransformError, asText, quote } from './transform-support';

export const DECIMAL_LOCALES = ['de', 'en'] as const;
export type DecimalLocale = (typeof DECIMAL_LOCALES)[number];

const SEPARATORS: Record<DecimalLocale, { group: string; decimal: string }> = {
  de: { group: '.', decimal: ',' },
  en: { group: ',', decimal: '.' },
};

const PATTERNS: Record<DecimalLocale, RegExp> = {
  de: /^(\d{1,3}(?:\.\d{3})+|\d*)(?:,(\d+))?$/,
  en: /^(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d+))?$/,
};

/** Doubles carry 15 significant decimal digits exactly; past that an amount would change. */
const MAX_DIGITS = 15;

export function parseDecimal(
  locale: DecimalLocale,
  scale: number | undefined,
  value: unknown,
): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TransformError('decimal', `${value} is not a finite number`);
    return value;
  }
  const original = asText('decimal', value);
  let text = original.trim();
  if (text === '') return undefined;
  let negative = false;
  const first = text[0];
  const last = text[text.length - 1];
  if (first === '-' || first === '+') {
    negative = first === '-';
    text = text.slice(1).trimStart();
  } else if (last === '-' || last === '+') {
    negative = last === '-';
    text = text.slice(0, -1).trimEnd();
  }
  const match = PATTERNS[locale].exec(text);
  if (!match || (match[1] === '' && match[2] === undefined)) {
    const { group, decimal } = SEPARATORS[locale];
    throw new TransformError(
      'decimal',
      `${quote(original)} is not a ${locale} decimal (digits, "${group}" between thousands, "${decimal}" before decimals, sign in front or behind)`,
    );
  }
  const whole = match[1]
    .split(SEPARATORS[locale].group)
    .join('')
    .replace(/^0+(?=\d)/, '');
  let fraction = match[2] ?? '';
  if (scale !== undefined && fraction.length > scale) {
    if (/[1-9]/.test(fraction.slice(scale))) {
      throw new TransformError('decimal', `${quote(original)} has more than ${scale} decimal places`);
    }
    fraction = fraction.slice(0, scale);
  }
  if (whole.replace(/^0+/, '').length + fraction.length > MAX_DIGITS) {
    throw new TransformError('decimal', `${quote(original)} has more digits than can be kept exactly`);
  }
  const magnitude = Number(`${whole || '0'}.${fraction || '0'}`);
  return negative && magnitude !== 0 ? -magnitude : magnitude;
}

export interface DecimalFormat {
  locale: DecimalLocale;
  scale: number;
  trailingSign: boolean;
  grouping: boolean;
}

const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const LIMIT = 1e15;

export function formatDecimal(format: DecimalFormat, value: unknown): string {
  let amount: number;
  if (typeof value === 'number') amount = value;
  else {
    const text = asText('formatDecimal', value).trim();
    amount = PLAIN_NUMBER.test(text) ? Number(text) : NaN;
  }
  if (!Number.isFinite(amount)) throw new TransformError('formatDecimal', `${quote(value)} is not a number`);
  if (Math.abs(amount) >= LIMIT)
    throw new TransformError('formatDecimal', `${quote(value)} is too large to write exactly`);
  const fixed = Math.abs(amount).toFixed(format.scale);
  const [whole, fraction] = fixed.split('.');
  const { group, decimal } = SEPARATORS[format.locale];
  const grouped = format.grouping ? whole.replace(/\B(?=(\d{3})+$)/g, group) : whole;
  const body = fraction === undefined ? grouped : `${grouped}${decimal}${fraction}`;
  // A negative amount that rounds to zero is written as zero: "-0,00" means nothing to a legacy system.
  if (amount >= 0 || /^[0.]*$/.test(fixed)) return body;
  return format.trailingSign ? `${body}-` : `-${body}`;
}
