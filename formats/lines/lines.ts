import iconv from 'iconv-lite';
import { startsWithUtf8Bom } from '../utf8';

/** Where bytes come from: a Readable stream, or any (async) iterable of Buffers or strings. */
export type ByteSource = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/** One physical line, or the mark of a line that was longer than allowed and was skipped unread. */
export type PhysicalLine = { line: number; text: string } | { line: number; tooLong: number };

/**
 * Bytes to text, chunk by chunk, pulled rather than piped so that a failing source ends the
 * iteration with its own error and memory stays bounded by the chunk size.
 * 'ascii' is read as Latin-1 and checked per line by the callers that care, because Node's own
 * ASCII decoder silently clears the high bit (0xE4 'ä' would become 'd').
 * A UTF-8 BOM overrides the configured encoding: Excel and Notepad save "UTF-8" with one, and read
 * as windows-1252 it would become "ï»¿" in the first header name and every umlaut would break.
 */
export async function* decodeChunks(input: ByteSource, encoding: string): AsyncGenerator<string> {
  const name = encoding.toLowerCase() === 'ascii' ? 'latin1' : encoding;
  if (!iconv.encodingExists(name)) throw new RangeError(`unknown character encoding "${encoding}"`);
  let decoder: ReturnType<typeof iconv.getDecoder> | undefined;
  let head: Buffer = Buffer.alloc(0); // the first bytes, until there are enough to tell a BOM
  const start = (): string => {
    decoder = iconv.getDecoder(startsWithUtf8Bom(head) ? 'utf8' : name);
    const text = decoder.write(head);
    head = Buffer.alloc(0);
    return text;
  };
  for await (const chunk of input) {
    let text: string;
    if (typeof chunk === 'string') text = decoder ? chunk : start() + chunk;
    else if (decoder) text = decoder.write(chunk);
    else {
      head = Buffer.concat([head, chunk]);
      if (head.length < 3) continue;
      text = start();
    }
    if (text !== '') yield text;
  }
  const short = decoder ? '' : start(); // a source of fewer bytes than a BOM has
  const rest = short + (decoder?.end() ?? '');
  if (rest) yield rest;
}

/**
 * Splits text into physical lines (LF or CRLF). A line beyond maxLength characters is not kept:
 * its remainder is skipped up to the next line break, so one runaway line cannot exhaust memory.
 */
export async function* splitLines(
  chunks: AsyncIterable<string>,
  maxLength: number,
): AsyncGenerator<PhysicalLine> {
  let carry = '';
  let line = 1;
  let skipped = -1; // characters of an over-long line seen so far; -1 while not skipping
  let skippedCR = false; // whether those characters end in the CR of a CRLF
  for await (const chunk of chunks) {
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline >= 0; newline = chunk.indexOf('\n', start)) {
      if (skipped >= 0) {
        const cr = newline > start ? chunk[newline - 1] === '\r' : skippedCR;
        yield { line, tooLong: skipped + newline - start - (cr ? 1 : 0) };
        skipped = -1;
      } else {
        let text = carry + chunk.slice(start, newline);
        carry = '';
        if (text.endsWith('\r')) text = text.slice(0, -1);
        yield text.length > maxLength ? { line, tooLong: text.length } : { line, text };
      }
      line += 1;
      start = newline + 1;
    }
    if (skipped >= 0) {
      skipped += chunk.length - start;
      if (chunk.length > start) skippedCR = chunk.endsWith('\r');
    } else {
      carry += chunk.slice(start);
      if (carry.length > maxLength) {
        skipped = carry.length;
        skippedCR = carry.endsWith('\r');
        carry = '';
      }
    }
  }
  if (skipped >= 0) yield { line, tooLong: skipped - (skippedCR ? 1 : 0) };
  else if (carry !== '') yield { line, text: carry.endsWith('\r') ? carry.slice(0, -1) : carry };
}

/**
 * Drops a DOS end-of-file mark (0x1A, Ctrl-Z) from the end of the last line. Only the very last
 * character counts: a 0x1A anywhere else is data the caller must see, so each line is held back
 * until the next one shows it was not the last.
 */
export async function* withoutEndOfFileMark(
  lines: AsyncIterable<PhysicalLine>,
): AsyncGenerator<PhysicalLine> {
  let held: PhysicalLine | undefined;
  try {
    for await (const next of lines) {
      if (held) yield held;
      held = next;
    }
  } catch (err) {
    // the line held back was read whole before the source failed, so its reader still gets it
    if (held) yield held;
    throw err;
  }
  if (held && 'text' in held && held.text.endsWith('\x1a')) {
    held = { line: held.line, text: held.text.slice(0, -1) };
  }
  if (held) yield held;
}

export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Why a text field is refused for a C0 control character (other than tab, CR and LF), or undefined.
 * Such a byte in a legacy export is damage (a DOS end-of-file mark mid-line, a stray escape),
 * not a letter of a name, and would travel into every system the record reaches.
 */
export function controlCharacterReason(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const found = /[\x00-\x08\x0b\x0c\x0e-\x1f]/.exec(text);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
  return `control character 0x${code} at character ${found.index + 1} is not text`;
}
