import iconv from 'iconv-lite';
import {
  type ByteSource,
  controlCharacterReason,
  decodeChunks,
  DEFAULT_MAX_LINE_LENGTH,
  splitLines,
  withoutEndOfFileMark,
} from '../lines/lines';
import { decodeUnsigned, decodeZoned, encodeUnsigned, encodeZoned, ZonedDecimalError } from './zoned-decimal';
import { errorMessage } from '../error-message';
import { describeCharacter, iconvName, unencodableIn } from '../charset';

/**
 * Fixed-width records described by a copybook-like layout. Offsets are 0-based character
 * positions (a copybook's position 1 is offset 0). Every decoded value is a string:
 * X → text without trailing blanks; 9 / S9 → a plain decimal like "-1234.50" (scale = implied
 * decimals; S9 is signed zoned decimal with an overpunched last digit); date → "YYYY-MM-DD".
 * An all-blank numeric or date field, and a date of zeros, decode to "" (no value); trailing NULs
 * (COBOL LOW-VALUES) pad as blanks do. Any other C0 control character but tab in an X field is an
 * error, as it is in a CSV field.
 */
export type FixedWidthType = 'X' | '9' | 'S9' | 'date';

export interface FixedWidthField {
  name: string;
  offset: number;
  length: number;
  type: FixedWidthType;
  /** implied decimal places of 9 and S9 fields; 0 by default */
  scale?: number;
  /** date fields only; 'YYYYMMDD' by default */
  format?: 'YYYYMMDD' | 'DDMMYYYY';
}

export interface FixedWidthLayout {
  name: string;
  /** characters per record; the end of the last field by default */
  recordLength?: number;
  fields: FixedWidthField[];
}

export interface CompiledLayout {
  name: string;
  recordLength: number;
  fields: readonly Required<FixedWidthField>[];
}

/** `field` of an error: the layout field the reader refused, when it was one field. */
export type FixedWidthItem =
  { line: number; record: Record<string, string> } | { line: number; error: string; field?: string };

export class FixedWidthLayoutError extends Error {
  constructor(layout: string, reason: string) {
    super(`layout ${layout}: ${reason}`);
    this.name = 'FixedWidthLayoutError';
  }
}

export class FixedWidthFieldError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`field ${field}: ${reason}`);
    this.name = 'FixedWidthFieldError';
  }
}

const TYPES: readonly string[] = ['X', '9', 'S9', 'date'];
const isCount = (n: unknown, min: number): n is number => Number.isInteger(n) && (n as number) >= min;

/** Checks a layout (typically read from JSON) once, so decoding a line does no validation of it. */
export function compileLayout(layout: unknown): CompiledLayout {
  if (layout === null || typeof layout !== 'object')
    throw new FixedWidthLayoutError('?', 'must be an object');
  const { name, recordLength, fields } = layout as Partial<FixedWidthLayout>;
  const label = typeof name === 'string' && name !== '' ? name : '?';
  if (label === '?') throw new FixedWidthLayoutError(label, 'name must be a non-empty string');
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new FixedWidthLayoutError(label, 'fields must be a non-empty array');
  }
  const seen = new Set<string>();
  const compiled = fields.map((raw: unknown, index): Required<FixedWidthField> => {
    const field = (raw ?? {}) as Partial<FixedWidthField>;
    const where = `field ${index} (${String(field.name)})`;
    if (typeof field.name !== 'string' || field.name === '' || field.name === '__proto__') {
      throw new FixedWidthLayoutError(label, `${where}: name must be a non-empty string`);
    }
    if (seen.has(field.name)) throw new FixedWidthLayoutError(label, `${where}: name occurs twice`);
    seen.add(field.name);
    if (!isCount(field.offset, 0))
      throw new FixedWidthLayoutError(label, `${where}: offset must be an integer ≥ 0`);
    if (!isCount(field.length, 1))
      throw new FixedWidthLayoutError(label, `${where}: length must be an integer ≥ 1`);
    if (typeof field.type !== 'string' || !TYPES.includes(field.type)) {
      throw new FixedWidthLayoutError(label, `${where}: type must be one of ${TYPES.join(', ')}`);
    }
    const scale = field.scale ?? 0;
    if (
      !isCount(scale, 0) ||
      (scale > 0 && field.type !== '9' && field.type !== 'S9') ||
      scale >= field.length
    ) {
      throw new FixedWidthLayoutError(
        label,
        `${where}: scale must be an integer below length, on 9 or S9 fields only`,
      );
    }
    const format = field.format ?? 'YYYYMMDD';
    if (format !== 'YYYYMMDD' && format !== 'DDMMYYYY') {
      throw new FixedWidthLayoutError(label, `${where}: format must be YYYYMMDD or DDMMYYYY`);
    }
    if (field.type === 'date' && field.length !== 8) {
      throw new FixedWidthLayoutError(label, `${where}: a date field is 8 characters long`);
    }
    return { name: field.name, offset: field.offset, length: field.length, type: field.type, scale, format };
  });
  const sorted = [...compiled].sort((a, b) => a.offset - b.offset);
  sorted.forEach((field, index) => {
    const previous = sorted[index - 1];
    if (previous && previous.offset + previous.length > field.offset) {
      throw new FixedWidthLayoutError(label, `fields ${previous.name} and ${field.name} overlap`);
    }
  });
  const end = Math.max(...compiled.map((f) => f.offset + f.length));
  const length = recordLength ?? end;
  if (!isCount(length, 1) || length < end) {
    throw new FixedWidthLayoutError(
      label,
      `recordLength ${String(recordLength)} is shorter than the fields (${end})`,
    );
  }
  return { name: label, recordLength: length, fields: compiled };
}

function decodeDate(text: string, format: 'YYYYMMDD' | 'DDMMYYYY'): string {
  if (/^(0{8}| {8})$/.test(text)) return '';
  if (!/^[0-9]{8}$/.test(text))
    throw new ZonedDecimalError(`expected a date ${format}, got ${JSON.stringify(text)}`);
  const [y, m, d] =
    format === 'YYYYMMDD'
      ? [text.slice(0, 4), text.slice(4, 6), text.slice(6, 8)]
      : [text.slice(4, 8), text.slice(2, 4), text.slice(0, 2)];
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d)) {
    throw new ZonedDecimalError(`${JSON.stringify(text)} is not a calendar date (${format})`);
  }
  return `${y}-${m}-${d}`;
}

/**
 * COBOL's LOW-VALUES: a program that never moved a value to a field writes its bytes as NULs, and
 * one that moved a shorter text may leave NULs (or NULs and blanks) after it. That is padding, as
 * trailing blanks are; a NUL between the characters of a value stays damage.
 */
function withoutTrailingPadding(text: string): string {
  return text.replace(/[\0\s]+$/, '');
}

function decodeField(field: Required<FixedWidthField>, raw: string): string {
  const text = withoutTrailingPadding(raw);
  if (field.type === 'X') {
    const control = controlCharacterReason(text);
    if (control) throw new ZonedDecimalError(control);
    return text;
  }
  if (text === '') return '';
  // a number or date is read whole: a blank or NUL after its digits is not padding but a cut value
  if (field.type === 'date') return decodeDate(raw, field.format);
  return field.type === '9' ? decodeUnsigned(raw, field.scale) : decodeZoned(raw, field.scale);
}

/**
 * Export tools and editors trim trailing blanks, which cuts into the last text fields. Padding them
 * back loses nothing, since X values are read without trailing blanks anyway; a cut into a number or
 * a date could be lost data, so that stays an error.
 */
function padTrimmedText(layout: CompiledLayout, text: string): string {
  if (text.length >= layout.recordLength) return text;
  const cut = layout.fields.some((f) => f.type !== 'X' && f.offset + f.length > text.length);
  return cut ? text : text.padEnd(layout.recordLength, ' ');
}

/**
 * One record (line without its line break) → field values; throws naming the field that fails.
 * A line shorter than the layout only where text (X) fields are is read as if blank-padded.
 */
export function decodeFixedWidthRecord(layout: CompiledLayout, line: string): Record<string, string> {
  const text = padTrimmedText(layout, line);
  if (text.length !== layout.recordLength) {
    throw new RangeError(
      `expected ${layout.recordLength} characters (layout ${layout.name}), got ${text.length}`,
    );
  }
  const record: Record<string, string> = {};
  for (const field of layout.fields) {
    const raw = text.slice(field.offset, field.offset + field.length);
    try {
      record[field.name] = decodeField(field, raw);
    } catch (err) {
      const reason = errorMessage(err);
      throw new FixedWidthFieldError(field.name, `${reason} at offset ${field.offset}`);
    }
  }
  return record;
}

export interface FixedWidthReadOptions {
  /** 'windows-1252' by default; 'ascii' refuses bytes above 0x7F */
  encoding?: string;
  maxLineLength?: number;
}

/**
 * Yields `{ line, record }` per line, or `{ line, error }` for a line of the wrong length or with
 * a field that does not decode; a bad line never ends the stream. Blank lines are skipped, and so
 * is the DOS end-of-file mark (0x1A) that some hosts still append.
 */
export async function* readFixedWidth(
  input: ByteSource,
  layout: CompiledLayout,
  options: FixedWidthReadOptions = {},
): AsyncGenerator<FixedWidthItem> {
  const encoding = options.encoding ?? 'windows-1252';
  const ascii = encoding.toLowerCase() === 'ascii';
  const maxLineLength = Math.max(options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH, layout.recordLength);
  const lines = withoutEndOfFileMark(splitLines(decodeChunks(input, encoding), maxLineLength));
  for await (const physical of lines) {
    const { line } = physical;
    if ('text' in physical && physical.text.trim() === '') continue;
    if ('tooLong' in physical) {
      const reason = `expected ${layout.recordLength} characters (layout ${layout.name}), got ${physical.tooLong}`;
      yield { line, error: `line ${line}: ${reason}` };
      continue;
    }
    const nonAscii = ascii ? /[^\x20-\x7e]/.exec(physical.text) : null;
    if (nonAscii) {
      const code = nonAscii[0].charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
      const at = nonAscii.index;
      const field = layout.fields.find((f) => f.offset <= at && at < f.offset + f.length)?.name;
      yield {
        line,
        ...(field ? { field } : {}),
        error: `line ${line}: byte 0x${code} at column ${at + 1} is not printable ASCII`,
      };
      continue;
    }
    try {
      yield { line, record: decodeFixedWidthRecord(layout, physical.text) };
    } catch (err) {
      const field = err instanceof FixedWidthFieldError ? { field: err.field } : {};
      yield { line, ...field, error: `line ${line}: ${errorMessage(err)}` };
    }
  }
}

function encodeField(field: Required<FixedWidthField>, value: string): string {
  switch (field.type) {
    case 'X':
      if (value.length > field.length)
        throw new ZonedDecimalError(`${value.length} characters do not fit in ${field.length}`);
      if (/[\r\n]/.test(value))
        throw new ZonedDecimalError('a line break cannot be written into a fixed-width field');
      return value.padEnd(field.length, ' ');
    case 'date': {
      if (value === '') return '0'.repeat(8);
      const match = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(value);
      if (!match) throw new ZonedDecimalError(`${JSON.stringify(value)} is not a date YYYY-MM-DD`);
      const [, y, m, d] = match;
      const text = field.format === 'YYYYMMDD' ? `${y}${m}${d}` : `${d}${m}${y}`;
      decodeDate(text, field.format);
      return text;
    }
    case '9':
      return value === '' ? ' '.repeat(field.length) : encodeUnsigned(value, field.length, field.scale);
    case 'S9':
      return value === '' ? ' '.repeat(field.length) : encodeZoned(value, field.length, field.scale);
  }
}

/** The reverse of decodeFixedWidthRecord: a missing value is written blank (X, 9, S9) or as zeros (date). */
export function encodeFixedWidthRecord(
  layout: CompiledLayout,
  record: Readonly<Record<string, string | number | undefined>>,
): string {
  let line = ' '.repeat(layout.recordLength);
  for (const field of layout.fields) {
    const value = record[field.name];
    if (
      value !== undefined &&
      typeof value !== 'string' &&
      !(typeof value === 'number' && Number.isFinite(value))
    ) {
      throw new FixedWidthFieldError(field.name, `must be a string or a finite number, got ${typeof value}`);
    }
    let text: string;
    try {
      text = encodeField(field, value === undefined ? '' : String(value));
    } catch (err) {
      throw new FixedWidthFieldError(field.name, errorMessage(err));
    }
    line = line.slice(0, field.offset) + text + line.slice(field.offset + field.length);
  }
  return line;
}

/**
 * Records → file bytes, one record per line (CRLF as the exports come from Windows hosts). A value
 * with a character the charset lacks throws FixedWidthFieldError, instead of being written as '?'.
 */
export function encodeFixedWidthFile(
  layout: CompiledLayout,
  records: Iterable<Readonly<Record<string, string | number | undefined>>>,
  encoding = 'windows-1252',
): Buffer {
  const unencodable = unencodableIn(encoding);
  const lines: string[] = [];
  for (const record of records) {
    for (const field of layout.fields) {
      const value = record[field.name];
      const char = typeof value === 'string' ? unencodable(value) : undefined;
      if (char !== undefined) {
        throw new FixedWidthFieldError(
          field.name,
          `${describeCharacter(char)} cannot be written in ${encoding}`,
        );
      }
    }
    lines.push(encodeFixedWidthRecord(layout, record) + '\r\n');
  }
  return iconv.encode(lines.join(''), iconvName(encoding));
}
