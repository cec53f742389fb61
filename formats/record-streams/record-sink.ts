import { once } from 'node:events';
import type { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import { recordToIdoc } from '../idoc/idoc-record';
import { writeIdocXml } from '../idoc/idoc';
import { writeSiebelContacts, type SiebelRecord } from '../siebel/siebel';
import {
  encodeFixedWidthRecord,
  FixedWidthFieldError,
  type CompiledLayout,
} from '../fixed-width/fixed-width';
import { toNdjsonLine } from '../lines/ndjson';
import type { RecordFormatKind } from './record-source';
import { errorMessage } from '../error-message';
import { describeCharacter, iconvName, unencodableIn } from '../charset';

/**
 * The way back: mapped records written one at a time in a legacy format, so a file of any size is
 * written in constant memory. XML formats get their document head before the first record and
 * their closing tag at the end; every record is encoded completely before a byte of it is written,
 * so a record that cannot be encoded leaves the file intact and is reported on its own.
 */
export interface RecordEncoderOptions {
  kind: RecordFormatKind;
  /**
   * CSV and fixed width; windows-1252 by default. A value with a character the charset lacks is
   * refused (RecordEncodeError). XML and NDJSON are written as UTF-8.
   */
  encoding?: string;
  /** CSV field delimiter; ';' by default */
  delimiter?: string;
  /** CSV columns in order; the first record's keys when not given */
  columns?: readonly string[];
  /** fixed width only */
  layout?: CompiledLayout;
}

export class RecordEncodeError extends Error {
  constructor(
    /** the legacy field that could not be written, '' when the record as a whole is wrong */
    readonly field: string,
    reason: string,
  ) {
    super(field && !reason.startsWith(`field ${field}:`) ? `field ${field}: ${reason}` : reason);
    this.name = 'RecordEncodeError';
  }
}

export interface RecordEncoder {
  /** the text of one record, with the file head before the first one; throws RecordEncodeError */
  encode(record: object): string;
  /** what closes the file (XML end tag, a CSV header when no record came) */
  end(): string;
}

/**
 * Refuses text the file's charset cannot hold, naming field and character, so a record is rejected
 * instead of reaching the legacy system with '?' in place of a letter.
 */
function charsetGuard(options: RecordEncoderOptions): (field: string, text: string) => void {
  const charset = options.encoding ?? 'windows-1252';
  const unencodable = unencodableIn(charset);
  return (field, text) => {
    const char = unencodable(text);
    if (char !== undefined) {
      throw new RecordEncodeError(field, `${describeCharacter(char)} cannot be written in ${charset}`);
    }
  };
}

function csvEncoder(options: RecordEncoderOptions): RecordEncoder {
  const delimiter = options.delimiter ?? ';';
  const writable = charsetGuard(options);
  let columns = options.columns;
  let started = false;
  const quoted = (text: string): string =>
    text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  const header = (names: readonly string[]): string => {
    for (const name of names) writable(name, name);
    return names.map(quoted).join(delimiter) + '\r\n';
  };
  return {
    encode(record) {
      const names = columns ?? Object.keys(record);
      const unknown = Object.keys(record).find((key) => !names.includes(key));
      if (unknown !== undefined) {
        throw new RecordEncodeError(unknown, `has no CSV column (columns: ${names.join(', ')})`);
      }
      const cells = names.map((name) => {
        const value = (record as Record<string, unknown>)[name];
        if (value === undefined || value === null) return '';
        if (typeof value === 'string') {
          writable(name, value);
          return quoted(value);
        }
        if (typeof value === 'number' && Number.isFinite(value)) return String(value);
        throw new RecordEncodeError(name, `a CSV value must be text, got ${describe(value)}`);
      });
      const head = started ? '' : header(names);
      columns = names;
      started = true;
      return head + cells.join(delimiter) + '\r\n';
    },
    end: () => (started || !columns ? '' : ((started = true), header(columns))),
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function fixedWidthEncoder(options: RecordEncoderOptions): RecordEncoder {
  const layout = options.layout;
  if (!layout) throw new RangeError('fixed-width output needs a layout');
  const known = new Set(layout.fields.map((f) => f.name));
  const writable = charsetGuard(options);
  return {
    encode(record) {
      const unknown = Object.keys(record).find((key) => !known.has(key));
      if (unknown !== undefined) throw new RecordEncodeError(unknown, `is not in layout ${layout.name}`);
      for (const [field, value] of Object.entries(record)) {
        if (typeof value === 'string') writable(field, value);
      }
      try {
        return encodeFixedWidthRecord(layout, record as Record<string, string | number | undefined>) + '\r\n';
      } catch (err) {
        const field = err instanceof FixedWidthFieldError ? err.field : '';
        throw new RecordEncodeError(field, errorMessage(err));
      }
    },
    end: () => '',
  };
}

/**
 * A one-record document from the codec, cut into head, body and tail, so records can be streamed
 * between one head and one tail. The codecs write one element per line, which makes the cut exact.
 */
function xmlEncoder(write: (record: object) => string): RecordEncoder {
  let root: string | undefined;
  return {
    encode(record) {
      let xml: string;
      try {
        xml = write(record);
      } catch (err) {
        throw new RecordEncodeError('', errorMessage(err));
      }
      const lines = xml.split('\n');
      // the document element's start tag without its brackets, e.g. 'ListOfContact xmlns="…"'
      const thisRoot = (lines[1] ?? '').replace(/^<|>$/g, '');
      if (lines.at(-1) === '') lines.pop();
      const closing = `</${thisRoot.split(' ')[0]}>`;
      if (!lines[0].startsWith('<?xml') || lines[1] !== `<${thisRoot}>` || lines.at(-1) !== closing) {
        throw new RecordEncodeError('', 'the XML writer gave an unexpected document layout');
      }
      const body = lines.slice(2, -1).join('\n') + '\n';
      if (root === undefined) {
        root = thisRoot;
        return `${lines[0]}\n${lines[1]}\n${body}`;
      }
      if (thisRoot !== root) {
        throw new RecordEncodeError(
          '',
          `document element <${thisRoot}> differs from <${root}>: one per file`,
        );
      }
      return body;
    },
    end: () => (root === undefined ? '' : `</${root.split(' ')[0]}>\n`),
  };
}

export function createRecordEncoder(options: RecordEncoderOptions): RecordEncoder {
  switch (options.kind) {
    case 'csv':
      return csvEncoder(options);
    case 'fixed-width':
      return fixedWidthEncoder(options);
    case 'ndjson':
    case 'json':
      return { encode: (record) => toNdjsonLine(record), end: () => '' };
    case 'idoc-xml':
      return xmlEncoder((record) => writeIdocXml(recordToIdoc(record), { segmentNames: 'type' }));
    case 'siebel-xml':
      // Raw XML tags, as the reader gives them to mappings (see record-source).
      return xmlEncoder((record) => writeSiebelContacts([record as SiebelRecord], { names: 'raw' }));
    default:
      throw new RangeError(`unknown record format ${JSON.stringify(options.kind)}`);
  }
}

/**
 * Writes text and waits for 'drain' when the destination's buffer is full, so a slow disk or
 * pipe holds the producer back instead of the process buffering the whole output.
 */
export async function writeWithBackpressure(output: Writable, chunk: string | Buffer): Promise<void> {
  if (output.destroyed) throw output.errored ?? new Error('the destination was closed');
  if (output.write(chunk)) return;
  const abort = new AbortController();
  try {
    await Promise.race([
      once(output, 'drain', { signal: abort.signal }),
      once(output, 'close', { signal: abort.signal }).then(() => {
        throw output.errored ?? new Error('the destination was closed');
      }),
    ]);
  } finally {
    abort.abort();
  }
}

export interface RecordSink {
  /** encodes one record and writes it (in batches); a RecordEncodeError means nothing of it was taken */
  write(record: object): Promise<void>;
  /** writes what is still gathered and what closes the file; the stream stays open for its owner */
  end(): Promise<void>;
}

export function createRecordSink(output: Writable, options: RecordEncoderOptions): RecordSink {
  // the encoder refuses what the charset cannot hold, so nothing below turns into '?'
  const encoder = createRecordEncoder(options);
  const legacyCharset = options.kind === 'csv' || options.kind === 'fixed-width';
  const name = legacyCharset ? iconvName(options.encoding ?? 'windows-1252') : '';
  const bytes = (text: string): string | Buffer => (legacyCharset ? iconv.encode(text, name) : text);
  // Records are a few hundred bytes; handing each to the stream on its own costs more than mapping
  // it. They are gathered up to BATCH_CHARS, which also bounds what is held back.
  let batch = '';
  const flush = async (): Promise<void> => {
    if (batch === '') return;
    const chunk = bytes(batch);
    batch = '';
    await writeWithBackpressure(output, chunk);
  };
  return {
    async write(record) {
      batch += encoder.encode(record);
      if (batch.length >= BATCH_CHARS) await flush();
    },
    async end() {
      batch += encoder.end();
      await flush();
    },
  };
}

const BATCH_CHARS = 64 * 1024;
