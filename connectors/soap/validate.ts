import type { FieldDef } from './types';

export interface ValidationError {
  /** dotted path, e.g. address.postalCode; repeats carry an index: lines[1].sku */
  field: string;
  message: string;
}

const patternCache = new Map<string, RegExp>();

function compiledPattern(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // XSD patterns match the whole value; there are no ^/$ anchors in XSD regex syntax.
    re = new RegExp(`^(?:${pattern})$`, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

const INTEGER_RANGES: Record<string, [bigint, bigint] | [bigint, undefined] | [undefined, bigint]> = {
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

const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/;
const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

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

/** Returns why `value` is not a valid `type`, or undefined. Unknown string-like types pass. */
export function checkXsdType(type: string, raw: string): string | undefined {
  // Every non-string XSD type collapses whitespace before checking its lexical form.
  const value = raw.trim();
  if (type in INTEGER_RANGES || type === 'integer') {
    if (!/^[+-]?\d+$/.test(value)) return `must be an integer (xsd:${type})`;
    const range = INTEGER_RANGES[type];
    if (range) {
      const n = BigInt(value);
      if ((range[0] !== undefined && n < range[0]) || (range[1] !== undefined && n > range[1])) {
        return `is out of range for xsd:${type}`;
      }
    }
    return undefined;
  }
  switch (type) {
    case 'decimal':
      return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value) ? undefined : 'must be a decimal number (xsd:decimal)';
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
    case 'dateTime': {
      const m = DATE_TIME.exec(value);
      return m && validDate(m[1], m[2], m[3]) && validTime(m[4], m[5], m[6])
        ? undefined
        : 'must be a date-time YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm] (xsd:dateTime)';
    }
    case 'time': {
      const m = TIME.exec(value);
      return m && validTime(m[1], m[2], m[3]) ? undefined : 'must be a time hh:mm:ss (xsd:time)';
    }
    default:
      return undefined;
  }
}

function checkSimple(def: FieldDef, value: string): string | undefined {
  const typeError = checkXsdType(def.type, value);
  if (typeError) return typeError;
  // Length counts characters (code points), as XSD does, not UTF-16 units.
  const length = def.maxLength !== undefined || def.minLength !== undefined ? [...value].length : 0;
  if (def.maxLength !== undefined && length > def.maxLength) {
    return `is too long (${length} characters, at most ${def.maxLength} allowed)`;
  }
  if (def.minLength !== undefined && length < def.minLength) {
    return `is too short (${length} characters, at least ${def.minLength} required)`;
  }
  if (def.pattern !== undefined && !compiledPattern(def.pattern).test(value)) {
    return `does not match the pattern ${def.pattern}`;
  }
  if (def.enumeration && !def.enumeration.includes(value)) {
    return `must be one of ${def.enumeration.map((e) => `'${e}'`).join(', ')}`;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const join = (prefix: string, name: string): string => (prefix ? `${prefix}.${name}` : name);

function validateValue(def: FieldDef, value: unknown, path: string, errors: ValidationError[]): void {
  const fail = (reason: string): void => {
    errors.push({ field: path, message: `field '${path}' ${reason}` });
  };
  if (def.type === 'complex') {
    // <address/> arrives as '' and simply has no children
    if (value === '') value = {};
    if (!isRecord(value)) {
      fail('must contain elements, not a simple value');
      return;
    }
    validateInto(def.children ?? [], value, path, errors);
    return;
  }
  if (typeof value !== 'string') {
    fail(
      isRecord(value) || Array.isArray(value)
        ? 'must be a simple value, not nested elements'
        : 'must be a string',
    );
    return;
  }
  if (value === '' && def.minOccurs > 0) {
    fail('is required and must not be empty');
    return;
  }
  const reason = checkSimple(def, value);
  if (reason) fail(reason);
}

function validateInto(
  fields: FieldDef[],
  body: Record<string, unknown>,
  prefix: string,
  errors: ValidationError[],
): void {
  const known = new Set<string>();
  for (const def of fields) {
    known.add(def.name);
    const path = join(prefix, def.name);
    const raw = body[def.name];
    const values = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
    if (values.length < def.minOccurs) {
      errors.push({
        field: path,
        message:
          values.length === 0 && def.minOccurs === 1
            ? `field '${path}' is required`
            : `field '${path}' occurs ${values.length} times, at least ${def.minOccurs} required`,
      });
      continue;
    }
    if (values.length > def.maxOccurs) {
      errors.push({
        field: path,
        message: `field '${path}' occurs ${values.length} times, at most ${def.maxOccurs} allowed`,
      });
      continue;
    }
    const repeats = Array.isArray(raw);
    values.forEach((value, i) => validateValue(def, value, repeats ? `${path}[${i}]` : path, errors));
  }
  for (const name of Object.keys(body)) {
    if (known.has(name)) continue;
    const path = join(prefix, name);
    errors.push(
      name === '#text'
        ? {
            field: prefix || '(body)',
            message: `unexpected text content in '${prefix || 'the operation element'}'`,
          }
        : { field: path, message: `unknown element '${path}'` },
    );
  }
}

/** Checks a parsed body against the schema's fields; an empty list means valid. */
export function validateAgainst(fields: FieldDef[], body: Record<string, unknown>): ValidationError[] {
  const errors: ValidationError[] = [];
  validateInto(fields, body, '', errors);
  return errors;
}

/**
 * Makes every element the schema declares as repeatable (maxOccurs > 1) an array, also when the caller
 * sent it once, so flows and mappings see one shape whatever the count. Call after validateAgainst.
 */
export function normalizeRepeats(fields: FieldDef[], body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const def of fields) {
    const value = out[def.name];
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    const shaped = def.children?.length
      ? values.map((v) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? normalizeRepeats(def.children!, v as Record<string, unknown>)
            : v,
        )
      : values;
    out[def.name] = def.maxOccurs > 1 ? shaped : shaped[0];
  }
  return out;
}
