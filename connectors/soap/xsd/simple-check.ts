import { xsdPatternToJs } from './pattern';
import type { SimpleType } from './model';

const INTEGER_RANGES: Record<string, [bigint | undefined, bigint | undefined]> = {
  integer: [undefined, undefined],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  short: [-32768n, 32767n],
  byte: [-128n, 127n],
  unsignedLong: [0n, 2n ** 64n - 1n],
  unsignedInt: [0n, 2n ** 32n - 1n],
  unsignedShort: [0n, 65535n],
  unsignedByte: [0n, 255n],
  nonNegativeInteger: [0n, undefined],
  positiveInteger: [1n, undefined],
  nonPositiveInteger: [undefined, 0n],
  negativeInteger: [undefined, -1n],
};

const STRING_LIKE = [
  'string',
  'normalizedString',
  'token',
  'language',
  'Name',
  'NCName',
  'NMTOKEN',
  'NMTOKENS',
  'ID',
  'IDREF',
  'IDREFS',
  'ENTITY',
  'ENTITIES',
  'QName',
  'NOTATION',
  'anyURI',
  'anySimpleType',
  'anyAtomicType',
];
const OTHER = [
  'decimal',
  'float',
  'double',
  'boolean',
  'date',
  'dateTime',
  'dateTimeStamp',
  'time',
  'duration',
  'dayTimeDuration',
  'yearMonthDuration',
  'gYear',
  'gYearMonth',
  'gMonth',
  'gMonthDay',
  'gDay',
  'base64Binary',
  'hexBinary',
];

/** Every built-in type of XML Schema 1.0 (and the 1.1 duration and timestamp ones). */
export const BUILTIN_TYPES = new Set([...Object.keys(INTEGER_RANGES), ...STRING_LIKE, ...OTHER]);

const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/;
const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const DURATION = /^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const TZ = '(Z|[+-]\\d{2}:\\d{2})?';
const G_TYPES: Record<string, RegExp> = {
  gYear: new RegExp(`^-?\\d{4,}${TZ}$`),
  gYearMonth: new RegExp(`^-?\\d{4,}-(0[1-9]|1[0-2])${TZ}$`),
  gMonth: new RegExp(`^--(0[1-9]|1[0-2])${TZ}$`),
  gMonthDay: new RegExp(`^--(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])${TZ}$`),
  gDay: new RegExp(`^---(0[1-9]|[12]\\d|3[01])${TZ}$`),
};
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function validDate(year: string, month: string, day: string): boolean {
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1) return false;
  const y = Number(year);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}

function validTime(h: string, min: string, s: string): boolean {
  // 24:00:00 is XSD's end-of-day; anything else past 23:59:59 is not a time
  if (h === '24') return min === '00' && s === '00';
  return Number(h) < 24 && Number(min) < 60 && Number(s) < 60;
}

/** Returns why `raw` is not a valid value of the built-in `type`, or undefined. String-like types pass. */
export function checkXsdType(type: string, raw: string): string | undefined {
  // Every non-string XSD type collapses whitespace before checking its lexical form.
  const value = raw.trim();
  const range = INTEGER_RANGES[type];
  if (range) {
    if (!/^[+-]?\d+$/.test(value)) return `must be an integer (xsd:${type})`;
    const n = BigInt(value);
    if ((range[0] !== undefined && n < range[0]) || (range[1] !== undefined && n > range[1])) {
      return `is out of range for xsd:${type}`;
    }
    return undefined;
  }
  switch (type) {
    case 'decimal':
      return DECIMAL.test(value) ? undefined : 'must be a decimal number (xsd:decimal)';
    case 'float':
    case 'double':
      return /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$/.test(value)
        ? undefined
        : `must be a number (xsd:${type})`;
    case 'boolean':
      return /^(true|false|1|0)$/.test(value) ? undefined : 'must be true, false, 1 or 0 (xsd:boolean)';
    case 'date': {
      const m = DATE.exec(value);
      return m && validDate(m[1], m[2], m[3]) ? undefined : 'must be a date YYYY-MM-DD (xsd:date)';
    }
    case 'dateTime':
    case 'dateTimeStamp': {
      const m = DATE_TIME.exec(value);
      const ok =
        m && validDate(m[1], m[2], m[3]) && validTime(m[4], m[5], m[6]) && (type === 'dateTime' || m[8]);
      return ok ? undefined : `must be a date-time YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm] (xsd:${type})`;
    }
    case 'time': {
      const m = TIME.exec(value);
      return m && validTime(m[1], m[2], m[3]) ? undefined : 'must be a time hh:mm:ss (xsd:time)';
    }
    case 'duration':
    case 'dayTimeDuration':
    case 'yearMonthDuration':
      return DURATION.test(value) ? undefined : `must be a duration such as P1DT2H (xsd:${type})`;
    case 'base64Binary':
      return /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value) && value.replace(/\s/g, '').length % 4 === 0
        ? undefined
        : 'must be base64 (xsd:base64Binary)';
    case 'hexBinary':
      return /^([0-9A-Fa-f]{2})*$/.test(value) ? undefined : 'must be pairs of hex digits (xsd:hexBinary)';
    default: {
      const g = G_TYPES[type];
      if (g && !g.test(value)) return `is not a valid xsd:${type}`;
      return undefined;
    }
  }
}

const patternCache = new Map<string, RegExp>();

function compiledPattern(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // XSD patterns match the whole value; the compiler kept only patterns that translate.
    re = new RegExp(`^(?:${xsdPatternToJs(pattern) ?? pattern})$`, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

const NUMERIC = new Set(['decimal', 'float', 'double', ...Object.keys(INTEGER_RANGES)]);

function compareNumbers(a: string, b: string): number {
  return Number(a) - Number(b);
}

function checkRange(type: SimpleType, value: string): string | undefined {
  const f = type.facets;
  if (
    f.minInclusive === undefined &&
    f.maxInclusive === undefined &&
    f.minExclusive === undefined &&
    f.maxExclusive === undefined
  )
    return undefined;
  // Dates and times of one form compare as strings; numbers as numbers.
  const compare = NUMERIC.has(type.builtin)
    ? compareNumbers
    : (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const v = value.trim();
  if (f.minInclusive !== undefined && compare(v, f.minInclusive) < 0)
    return `must be at least ${f.minInclusive}`;
  if (f.maxInclusive !== undefined && compare(v, f.maxInclusive) > 0)
    return `must be at most ${f.maxInclusive}`;
  if (f.minExclusive !== undefined && compare(v, f.minExclusive) <= 0)
    return `must be more than ${f.minExclusive}`;
  if (f.maxExclusive !== undefined && compare(v, f.maxExclusive) >= 0)
    return `must be less than ${f.maxExclusive}`;
  return undefined;
}

function checkDigits(type: SimpleType, value: string): string | undefined {
  const { totalDigits, fractionDigits } = type.facets;
  if (totalDigits === undefined && fractionDigits === undefined) return undefined;
  const [whole, fraction = ''] = value.trim().replace(/^[+-]/, '').split('.');
  const frac = fraction.replace(/0+$/, '');
  const digits = (whole.replace(/^0+/, '') + frac).length;
  if (totalDigits !== undefined && digits > totalDigits) return `has more than ${totalDigits} digits`;
  if (fractionDigits !== undefined && frac.length > fractionDigits)
    return `has more than ${fractionDigits} digits after the decimal point`;
  return undefined;
}

function checkLength(type: SimpleType, length: number, unit: string): string | undefined {
  const f = type.facets;
  if (f.length !== undefined && length !== f.length)
    return `must be exactly ${f.length} ${unit} long (is ${length})`;
  if (f.maxLength !== undefined && length > f.maxLength)
    return `is too long (${length} ${unit}, at most ${f.maxLength} allowed)`;
  if (f.minLength !== undefined && length < f.minLength)
    return `is too short (${length} ${unit}, at least ${f.minLength} required)`;
  return undefined;
}

/** Returns why `value` is not valid for the simple type, or undefined. */
/** What `[...value].length` counts (a surrogate pair is one character), without building the array. */
export function codePoints(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

export function checkSimple(type: SimpleType, value: string): string | undefined {
  const f = type.facets;
  if (type.itemType) {
    const items = value.trim() === '' ? [] : value.trim().split(/\s+/);
    for (const item of items) {
      const reason = checkSimple(type.itemType, item);
      if (reason) return `item '${item}' ${reason}`;
    }
    const lengthError = checkLength(type, items.length, 'items');
    if (lengthError) return lengthError;
  } else if (type.memberTypes) {
    if (!type.memberTypes.some((m) => checkSimple(m, value) === undefined)) {
      return `is not valid for any type of the union (${type.memberTypes.map((m) => m.name).join(', ')})`;
    }
  } else {
    const typeError = checkXsdType(type.builtin, value);
    if (typeError) return typeError;
    // Length counts characters (code points), as XSD does, not UTF-16 units.
    if (f.length !== undefined || f.maxLength !== undefined || f.minLength !== undefined) {
      const lengthError = checkLength(type, codePoints(value), 'characters');
      if (lengthError) return lengthError;
    }
    const rangeError = checkRange(type, value) ?? checkDigits(type, value);
    if (rangeError) return rangeError;
  }
  if (f.patterns) {
    for (const pattern of f.patterns) {
      if (!compiledPattern(pattern).test(value)) return `does not match the pattern ${pattern}`;
    }
  }
  if (f.enumeration && !f.enumeration.includes(NUMERIC.has(type.builtin) ? value.trim() : value)) {
    return `must be one of ${f.enumeration.map((e) => `'${e}'`).join(', ')}`;
  }
  return undefined;
}
