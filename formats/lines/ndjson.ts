import type { Writable } from 'node:stream';
import { once } from 'node:events';
import {
  type ByteSource,
  DEFAULT_MAX_LINE_LENGTH,
  type PhysicalLine,
  splitLines,
  withoutEndOfFileMark,
} from './lines';
import { decodeUtf8Chunks, Utf8Error } from '../utf8';
import { errorMessage } from '../error-message';
import { tooDeeplyNested } from '../json-depth';

/**
 * Newline-delimited JSON (one JSON object per line, UTF-8), as the web and mobile apps send
 * events. Blank lines and a final DOS end-of-file mark are skipped; anything else that is not a JSON object is reported by line.
 */
export type NdjsonItem = { line: number; record: Record<string, unknown> } | { line: number; error: string };

export interface NdjsonReadOptions {
  /** longest line kept, in characters; 1 MiB by default */
  maxLineLength?: number;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

export async function* readNdjson(
  input: ByteSource,
  options: NdjsonReadOptions = {},
): AsyncGenerator<NdjsonItem> {
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  let line = 0;
  try {
    for await (const physical of withoutEndOfFileMark(splitLines(decodeUtf8Chunks(input), maxLineLength))) {
      line = physical.line;
      const item = toItem(physical, maxLineLength);
      if (item) yield item;
    }
  } catch (err) {
    if (!(err instanceof Utf8Error)) throw err;
    // Bytes that are not UTF-8 mean another code page throughout: reading on would take the
    // lines that happen to be ASCII and refuse the rest, half a file from a wrongly encoded one.
    yield {
      line: line + 1,
      error: `line ${line + 1}: ${err.message}: NDJSON is UTF-8, so the file is read no further`,
    };
  }
}

function toItem(physical: PhysicalLine, maxLineLength: number): NdjsonItem | undefined {
  const { line } = physical;
  if ('tooLong' in physical) {
    return { line, error: `line ${line}: longer than ${maxLineLength} characters (${physical.tooLong})` };
  }
  if (physical.text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(physical.text);
  } catch (err) {
    return { line, error: `line ${line}: not valid JSON: ${errorMessage(err)}` };
  }
  const tooDeep = tooDeeplyNested(value);
  if (tooDeep) return { line, error: `line ${line}: the JSON is ${tooDeep}` };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { line, error: `line ${line}: expected a JSON object, got ${kindOf(value)}` };
  }
  return { line, record: value as Record<string, unknown> };
}

/** One NDJSON line (with its "\n"); JSON.stringify never emits a raw line break inside it. */
export function toNdjsonLine(record: unknown): string {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new TypeError(`an NDJSON record must be a JSON object, got ${kindOf(record)}`);
  }
  return `${JSON.stringify(record)}\n`;
}

/**
 * Writes records to a stream, waiting for 'drain' so a slow destination never buffers the whole
 * set. Rejects when the destination fails or closes; its 'error' events stay the owner's to handle.
 * The stream is left open (more may follow): end it and await 'finish' to know everything is flushed.
 */
export async function writeNdjson(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  output: Writable,
): Promise<number> {
  let count = 0;
  for await (const record of records) {
    if (output.destroyed) throw output.errored ?? new Error('the NDJSON destination was closed');
    if (!output.write(toNdjsonLine(record))) await drained(output);
    count += 1;
  }
  return count;
}

// 'drain' never comes to a stream destroyed meanwhile; 'close' ends the wait instead of hanging.
async function drained(output: Writable): Promise<void> {
  const abort = new AbortController();
  try {
    await Promise.race([
      once(output, 'drain', { signal: abort.signal }),
      once(output, 'close', { signal: abort.signal }).then(() => {
        throw output.errored ?? new Error('the NDJSON destination was closed');
      }),
    ]);
  } finally {
    abort.abort();
  }
}
