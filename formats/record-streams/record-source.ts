import { idocToRecord } from '../idoc/idoc-record';
import { readIdocXml } from '../idoc/idoc';
import { parseSiebelContacts } from '../siebel/siebel';
import { CsvHeaderError, readCsv } from '../csv/csv';
import { readFixedWidth, type CompiledLayout } from '../fixed-width/fixed-width';
import type { ByteSource } from '../lines/lines';
import { readNdjson } from '../lines/ndjson';
import { errorMessage } from '../error-message';
import { tooDeeplyNested } from '../json-depth';
import { decodeUtf8, startsWithUtf8Bom, Utf8Error } from '../utf8';

/**
 * One reader for every file format a legacy system writes, so tools (the map command, the
 * editor's preview) need not know the codecs: it yields one record at a time with a reference
 * that finds it again ("line 17", "IDOC[2] DOCNUM 0000000004815401", "Contact[0] Id 1-4RT7QK").
 *
 * CSV, fixed width and NDJSON stream line by line in bounded memory. XML and JSON documents are
 * parsed whole, as their codecs do, and are refused beyond maxDocumentBytes.
 */
export type RecordFormatKind = 'idoc-xml' | 'siebel-xml' | 'csv' | 'fixed-width' | 'ndjson' | 'json';

export const RECORD_FORMAT_KINDS: readonly RecordFormatKind[] = [
  'idoc-xml',
  'siebel-xml',
  'csv',
  'fixed-width',
  'ndjson',
  'json',
];

export interface RecordSourceOptions {
  kind: RecordFormatKind;
  /** CSV and fixed width; windows-1252 by default. XML follows its declaration, JSON is UTF-8. */
  encoding?: string;
  /**
   * The charset the transport states for this input (a message's `text/csv; charset=utf-8`): it comes
   * before `encoding` and before an XML declaration, as RFC 7303 has it. JSON stays UTF-8.
   */
  charset?: string;
  /** CSV field delimiter; ';' by default */
  delimiter?: string;
  /** fixed width only: the compiled layout */
  layout?: CompiledLayout;
  /** XML and JSON documents are read whole; 64 MiB by default */
  maxDocumentBytes?: number;
  /** json: where the document keeps its records, e.g. "records" of a REST query response (dot path) */
  recordsPath?: string;
}

/**
 * `line` is set for line-based formats (counting from 1); `ref` names the record in every format.
 * `field` of an error names the source field (CSV column, fixed-width field) the decoder refused.
 * `unreadable` marks the one error of an input that cannot be read at all (a CSV header without which
 * no row can be read, an XML or JSON document that does not parse or is too large): no record follows.
 */
export type SourceItem =
  | { ref: string; line?: number; record: Record<string, unknown> }
  | { ref: string; line?: number; error: string; field?: string; unreadable?: true };

export const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export function isRecordFormatKind(kind: unknown): kind is RecordFormatKind {
  return typeof kind === 'string' && (RECORD_FORMAT_KINDS as readonly string[]).includes(kind);
}

export async function* readRecords(
  input: ByteSource,
  options: RecordSourceOptions,
): AsyncGenerator<SourceItem> {
  switch (options.kind) {
    case 'csv':
      yield* csvRecords(input, options);
      return;
    case 'fixed-width': {
      if (!options.layout) throw new RangeError('fixed-width input needs a layout');
      const encoding = options.charset ?? options.encoding;
      for await (const item of readFixedWidth(input, options.layout, { encoding })) {
        yield { ref: `line ${item.line}`, ...item };
      }
      return;
    }
    case 'ndjson':
      for await (const item of readNdjson(input)) yield { ref: `line ${item.line}`, ...item };
      return;
    case 'json':
      yield* jsonRecords(input, options);
      return;
    case 'idoc-xml':
    case 'siebel-xml':
      yield* xmlRecords(input, options);
      return;
    default:
      throw new RangeError(
        `unknown record format ${JSON.stringify(options.kind)} (known: ${RECORD_FORMAT_KINDS.join(', ')})`,
      );
  }
}

async function* csvRecords(input: ByteSource, options: RecordSourceOptions): AsyncGenerator<SourceItem> {
  try {
    const encoding = options.charset ?? options.encoding;
    for await (const item of readCsv(input, { delimiter: options.delimiter, encoding })) {
      yield { ref: `line ${item.line}`, ...item };
    }
  } catch (err) {
    // Without a header no row can be read: one error for the file instead of a thrown stream.
    if (!(err instanceof CsvHeaderError)) throw err;
    const line = Number(/^line (\d+)/.exec(err.message)?.[1] ?? 1);
    yield { ref: `line ${line}`, line, error: err.message, unreadable: true };
  }
}

/** The whole input, bounded; undefined when it is larger than allowed. */
async function readWhole(input: ByteSource, maxBytes: number): Promise<Buffer | string | undefined> {
  const buffers: Buffer[] = [];
  const texts: string[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (size > maxBytes) return undefined;
    if (typeof chunk === 'string') texts.push(chunk);
    else buffers.push(chunk);
  }
  if (texts.length === 0) return Buffer.concat(buffers);
  // Mixed sources are unusual; strings win and Buffers are read as UTF-8.
  return buffers.length === 0 ? texts.join('') : Buffer.concat([...buffers, Buffer.from(texts.join(''))]);
}

function tooLarge(kind: string, maxBytes: number): SourceItem {
  return unreadable(
    `the ${kind} document is larger than ${maxBytes} bytes; XML and JSON documents are parsed whole`,
  );
}

const unreadable = (error: string): SourceItem => ({ ref: 'document', error, unreadable: true });

async function* xmlRecords(input: ByteSource, options: RecordSourceOptions): AsyncGenerator<SourceItem> {
  const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const xml = await readWhole(input, maxBytes);
  if (xml === undefined) {
    yield tooLarge(options.kind, maxBytes);
    return;
  }
  if (options.kind === 'idoc-xml') {
    let items;
    try {
      items = readIdocXml(xml, options.charset);
    } catch (err) {
      yield unreadable(errorMessage(err));
      return;
    }
    // one malformed IDoc of a packet is an error of its own; the others are read
    for (const item of items) {
      const ref = item.docnum ? `IDOC[${item.index}] DOCNUM ${item.docnum}` : `IDOC[${item.index}]`;
      if ('error' in item) {
        yield { ref, error: item.error.message };
        continue;
      }
      try {
        yield { ref, record: idocToRecord(item.doc, item.index) };
      } catch (err) {
        yield { ref, error: errorMessage(err) };
      }
    }
    return;
  }
  let contacts;
  try {
    // Raw XML tags, because mapping paths cannot address Siebel's names with blanks ("First Name").
    contacts = parseSiebelContacts(xml, { names: 'raw', charset: options.charset });
  } catch (err) {
    yield unreadable(errorMessage(err));
    return;
  }
  for (const [index, contact] of contacts.entries()) {
    const id = typeof contact.Id === 'string' && contact.Id !== '' ? ` Id ${contact.Id}` : '';
    yield { ref: `Contact[${index}]${id}`, record: contact };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

const jsonText = (bytes: Buffer): string =>
  startsWithUtf8Bom(bytes) ? decodeUtf8(bytes.subarray(3), 3) : decodeUtf8(bytes);

/** One JSON object, an array of objects, or (when the whole does not parse) NDJSON lines. */
async function* jsonRecords(input: ByteSource, options: RecordSourceOptions): AsyncGenerator<SourceItem> {
  const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const whole = await readWhole(input, maxBytes);
  if (whole === undefined) {
    yield tooLarge('json', maxBytes);
    return;
  }
  let text: string;
  try {
    text = typeof whole === 'string' ? whole.replace(/^\uFEFF/, '') : jsonText(whole);
  } catch (err) {
    if (!(err instanceof Utf8Error)) throw err;
    yield unreadable(`the JSON is ${err.message}: send UTF-8 (JSON is UTF-8, RFC 8259)`);
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    for await (const item of readNdjson([text])) yield { ref: `line ${item.line}`, ...item };
    return;
  }
  const tooDeep = tooDeeplyNested(value);
  if (tooDeep) {
    yield unreadable(`the JSON is ${tooDeep}`);
    return;
  }
  const at = options.recordsPath ?? '';
  if (at !== '') {
    for (const key of at.split('.'))
      value = isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    if (value === undefined) {
      yield unreadable(`the document has no ${JSON.stringify(at)} (format.recordsPath)`);
      return;
    }
  }
  if (isObject(value)) {
    yield { ref: at || 'document', record: value };
  } else if (Array.isArray(value)) {
    for (const [index, element] of value.entries()) {
      const ref = `${at}[${index}]`;
      yield isObject(element)
        ? { ref, record: element }
        : { ref, error: `${ref}: expected a JSON object, got ${kindOf(element)}` };
    }
  } else {
    yield unreadable(`expected a JSON object or an array of objects, got ${kindOf(value)}`);
  }
}
