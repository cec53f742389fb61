import fc from 'fast-check';
import { decodeUtf8Chunks, invalidUtf8At, Utf8Error } from '../../../formats/utf8';

async function decodeInChunks(bytes: Buffer, cuts: number[]): Promise<{ text: string; bad?: number }> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts = [0, ...points, bytes.length]
    .slice(1)
    .map((end, i, ends) => bytes.subarray(ends[i - 1] ?? 0, end));
  let text = '';
  try {
    for await (const chunk of decodeUtf8Chunks(parts)) text += chunk;
    return { text };
  } catch (err) {
    if (!(err instanceof Utf8Error)) throw err;
    return { text, bad: err.offset };
  }
}

describe('decodeUtf8Chunks', () => {
  it('decodes as a whole would, however the bytes are cut, or names the first bad byte (property)', async () => {
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme' }).map((s) => Buffer.from(s, 'utf8')),
      fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        async (pieces, cuts) => {
          const bytes = Buffer.concat(pieces);
          const { text, bad } = await decodeInChunks(bytes, cuts);
          const bom = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? 3 : 0;
          const at = invalidUtf8At(bytes.subarray(bom));
          expect(bad).toBe(at === undefined ? undefined : at + bom);
          expect(text).toBe(bytes.subarray(bom, at === undefined ? bytes.length : bom + at).toString('utf8'));
        },
      ),
    );
  });

  it('names the byte of a sequence cut off at the end', async () => {
    expect(await decodeInChunks(Buffer.from([0x41, 0xe2, 0x82]), [2])).toEqual({ text: 'A', bad: 1 });
  });
});
