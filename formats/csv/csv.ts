import { splitCsvRecord } from './csv-record';
import {
  type ByteSource,
  decodeChunks,
  DEFAULT_MAX_LINE_LENGTH,
  splitLines,
  controlCharacterReason,
  type PhysicalLine,
  withoutEndOfFileMark,
} from '../lines/lines';

/**
 * Streaming reader for delimiter-separated exports (core banking: ';' and Windows-1252).
 * Values stay strings exactly as exported ("1.234,50", "15.03.2024"); the mapping converts them.
 */
export interface CsvReadOptions {
  /** field delimiter; ';' by default as German exports use it */
  delimiter?: string;
  /** character encoding of the bytes; 'windows-1252' by default */
  encoding?: string;
  /** how many physical lines one quoted field may span before the record is given up; 20 by default */
  maxRecordLines?: number;
  /** longest physical line kept, in characters; 1 MiB by default */
  maxLineLength?: number;
}

/** `field` of an error: the header name of the column the reader refused, when it was one column. */
export type CsvItem =
  { line: number; record: Record<string, string> } | { line: number; error: string; field?: string };

export class CsvHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvHeaderError';
  }
}

interface Pending {
  line: number;
  parts: string[];
  lines: PhysicalLine[];
}

/**
 * The header's names; '' for a column without one. Excel exports end in empty header cells
 * ("Bemerkung;;"): such a column is read past, since no mapping could address its values anyway.
 */
function checkHeader(fields: string[], line: number): string[] {
  const names = fields.map((name, index) => (index === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
  if (names.every((name) => name === ''))
    throw new CsvHeaderError(`line ${line}: the header row names no column`);
  const seen = new Set<string>();
  names.forEach((name) => {
    if (name === '') return;
    if (name === '__proto__')
      throw new CsvHeaderError(`line ${line}: header column name __proto__ is not allowed`);
    if (seen.has(name)) throw new CsvHeaderError(`line ${line}: header column "${name}" occurs twice`);
    seen.add(name);
  });
  return names;
}

/**
 * Yields one item per record, in file order: `{ line, record }` keyed by the header row, or
 * `{ line, error }` for a row that cannot be read (wrong field count, broken quotes, over-long
 * line). `line` is the physical line where the record starts. A bad row never ends the stream;
 * only a broken header does (CsvHeaderError), since no row can be read without it. Columns without
 * a header name are left out of the records. A field holding a C0 control character other than tab,
 * CR and LF makes its row an error.
 * Empty lines and a final DOS end-of-file mark are skipped. Memory is bounded by maxRecordLines × maxLineLength, whatever the file size.
 */
export async function* readCsv(input: ByteSource, options: CsvReadOptions = {}): AsyncGenerator<CsvItem> {
  const delimiter = options.delimiter ?? ';';
  if (delimiter === '' || delimiter.includes('"') || /[\r\n]/.test(delimiter)) {
    throw new RangeError(`delimiter ${JSON.stringify(delimiter)} cannot be empty, a quote or a line break`);
  }
  const maxRecordLines = options.maxRecordLines ?? 20;
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  // DOS exports may still end in a Ctrl-Z; read as data it would be a one-field record at the end
  const source = withoutEndOfFileMark(
    splitLines(decodeChunks(input, options.encoding ?? 'windows-1252'), maxLineLength),
  )[Symbol.asyncIterator]();
  let header: string[] | undefined;
  // A row may end before trailing columns without a name: nothing it lacks could be mapped.
  let fewestFields = 0;
  let pending: Pending | undefined;
  // Lines handed back after a record that spanned several lines turned out broken: each of them
  // is read again as a possible record start, so one stray quote costs one row, not the rest.
  const replay: PhysicalLine[] = [];

  const toItem = (line: number, fields: string[]): CsvItem | undefined => {
    if (!header) {
      header = checkHeader(fields, line);
      fewestFields = header.reduce((fewest, name, index) => (name === '' ? fewest : index + 1), 0);
      return undefined;
    }
    if (fields.length > header.length || fields.length < fewestFields) {
      return {
        line,
        error: `line ${line}: expected ${header.length} fields as in the header, got ${fields.length}`,
      };
    }
    const record: Record<string, string> = {};
    for (const [index, name] of header.entries()) {
      if (name === '' || index >= fields.length) continue;
      const control = controlCharacterReason(fields[index]);
      if (control) return { line, field: name, error: `line ${line}: field ${name}: ${control}` };
      record[name] = fields[index];
    }
    return { line, record };
  };

  const giveUp = (reason: string, fieldNumber?: number): CsvItem => {
    const broken = pending as Pending;
    if (!header) throw new CsvHeaderError(`line ${broken.line}: cannot read the header row: ${reason}`);
    pending = undefined;
    replay.unshift(...broken.lines.slice(1));
    const field = fieldNumber === undefined ? undefined : header[fieldNumber - 1];
    return { line: broken.line, error: `line ${broken.line}: ${reason}`, ...(field ? { field } : {}) };
  };

  let sourceDone = false;
  for (;;) {
    let next: PhysicalLine | undefined = replay.shift();
    if (!next && !sourceDone) {
      const result = await source.next();
      if (result.done) sourceDone = true;
      else next = result.value;
    }
    if (!next) {
      if (!pending) break;
      yield giveUp('quoted field is not closed at the end of the file');
      continue;
    }
    if ('tooLong' in next) {
      if (pending) {
        replay.unshift(next);
        yield giveUp('quoted field is not closed');
      } else {
        yield {
          line: next.line,
          error: `line ${next.line}: longer than ${maxLineLength} characters (${next.tooLong})`,
        };
      }
      continue;
    }
    if (!pending && next.text === '') continue;
    const current: Pending = pending
      ? { line: pending.line, parts: [...pending.parts, next.text], lines: [...pending.lines, next] }
      : { line: next.line, parts: [next.text], lines: [next] };
    pending = current;
    const split = splitCsvRecord(current.parts.join('\n'), delimiter);
    if ('incomplete' in split) {
      if (current.parts.length >= maxRecordLines) {
        yield giveUp(`quoted field is not closed within ${maxRecordLines} lines`);
      }
      continue;
    }
    if ('error' in split) {
      yield giveUp(split.error, split.field);
      continue;
    }
    pending = undefined;
    const item = toItem(current.line, split.fields);
    if (item) yield item;
  }
}
