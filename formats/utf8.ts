import { isUtf8 } from 'node:buffer';

/**
 * Strict UTF-8 for the formats that are UTF-8 by definition (JSON, NDJSON, undeclared XML). Node's
 * decoders replace bytes that are not UTF-8 with U+FFFD, which would store "M\uFFFDnchen" for a
 * Latin-1 "München"; these refuse them instead, naming the first offending byte.
 */
export class Utf8Error extends Error {
  constructor(readonly offset: number) {
    super(`not valid UTF-8 at byte ${offset}`);
    this.name = 'Utf8Error';
  }
}

const BOM = [0xef, 0xbb, 0xbf];

export const startsWithUtf8Bom = (bytes: Uint8Array): boolean =>
  bytes.length >= 3 && BOM.every((b, i) => bytes[i] === b);

/** The offset of the first byte that does not start or continue a valid sequence; undefined when all do. */
export function invalidUtf8At(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes[i]);
    if (length === 0 || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return i;
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  return lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
}

/** Bytes to text, or Utf8Error naming the byte (counted from `offset`, the bytes' place in the file). */
export function decodeUtf8(bytes: Buffer, offset = 0): string {
  const bad = invalidUtf8At(bytes);
  if (bad !== undefined) throw new Utf8Error(offset + bad);
  return bytes.toString('utf8');
}

/** Where the bytes end before a sequence that the next chunk may complete. */
function completeUpTo(bytes: Buffer): number {
  for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 3); i -= 1) {
    if ((bytes[i] & 0xc0) === 0x80) continue;
    return i + Math.max(sequenceLength(bytes[i]), 1) > bytes.length ? i : bytes.length;
  }
  return bytes.length;
}

/**
 * Decodes a stream chunk by chunk, without a leading BOM. At the first byte that is not UTF-8 it
 * yields the text before it and then throws Utf8Error, so a line reader has seen every line up to
 * the bad one. Strings pass as they are: they are text already.
 */
export async function* decodeUtf8Chunks(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string> {
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0; // of pending[0] in the input
  let started = false; // whether the BOM question is settled
  function* take(final: boolean): Generator<string> {
    if (!started) {
      if (pending.length < 3 && !final) return;
      started = true;
      if (startsWithUtf8Bom(pending)) [pending, offset] = [pending.subarray(3), offset + 3];
    }
    const end = final ? pending.length : completeUpTo(pending);
    const body = pending.subarray(0, end);
    const bad = invalidUtf8At(body);
    if (bad !== undefined) {
      if (bad > 0) yield body.subarray(0, bad).toString('utf8');
      throw new Utf8Error(offset + bad);
    }
    [pending, offset] = [pending.subarray(end), offset + end];
    if (body.length > 0) yield body.toString('utf8');
  }
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      yield* take(true);
      offset += Buffer.byteLength(chunk);
      if (chunk !== '') yield chunk;
    } else {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      yield* take(false);
    }
  }
  yield* take(true);
}
