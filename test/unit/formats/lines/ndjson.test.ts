import { createReadStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { readNdjson, toNdjsonLine, writeNdjson, type NdjsonItem } from '../../../../formats/lines/ndjson';

const fixture = join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'app-events', 'app-events.ndjson');

async function collect(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxLineLength?: number,
): Promise<NdjsonItem[]> {
  const items: NdjsonItem[] = [];
  for await (const item of readNdjson(source, { maxLineLength })) items.push(item);
  return items;
}

function chunked(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

describe('readNdjson', () => {
  it('yields events by line, reports bad lines and skips blank ones', async () => {
    const items = await collect(createReadStream(fixture, { highWaterMark: 32 }));
    expect(items.map((i) => [i.line, 'record' in i ? i.record.eventId : 'error'])).toEqual([
      [1, '7f9c2b1e-0001'],
      [2, '7f9c2b1e-0002'],
      [4, 'error'],
      [5, 'error'],
      [6, '7f9c2b1e-0004'],
    ]);
    expect(items[1]).toMatchObject({ record: { data: { amount: 12500.5, atm: 'München Hbf' } } });
    expect('error' in items[2] && items[2].error).toMatch(/^line 4: not valid JSON: /);
    expect('error' in items[3] && items[3].error).toBe('line 5: expected a JSON object, got an array');
  });

  it('refuses bytes that are not UTF-8, naming line and byte, and reads no further', async () => {
    const latin1 = iconv.encode(readFileSync(fixture, 'utf8'), 'latin1');
    const items = await collect(chunked(latin1, 32));
    expect(items).toEqual([
      { line: 1, record: expect.objectContaining({ eventId: '7f9c2b1e-0001' }) },
      {
        line: 2,
        error: 'line 2: not valid UTF-8 at byte 335: NDJSON is UTF-8, so the file is read no further',
      },
    ]);
    const cutShort = await collect([Buffer.from('{"a":1}\n{"b":"'), Buffer.from([0xc3])]);
    expect(cutShort[1]).toEqual({
      line: 2,
      error: 'line 2: not valid UTF-8 at byte 14: NDJSON is UTF-8, so the file is read no further',
    });
  });

  it('skips a final DOS end-of-file mark, on its own line or after the last object', async () => {
    const alone = await collect([Buffer.from('{"a":1}\r\n\x1a')]);
    expect(alone).toEqual([{ line: 1, record: { a: 1 } }]);
    const attached = await collect([Buffer.from('{"a":1}\n{"a":2}\x1a')]);
    expect(attached).toEqual([
      { line: 1, record: { a: 1 } },
      { line: 2, record: { a: 2 } },
    ]);
  });

  it('accepts a UTF-8 BOM and characters split across chunks', async () => {
    const bytes = readFileSync(fixture);
    const expected = await collect([bytes]);
    expect(expected).toHaveLength(5);
    expect(await collect(chunked(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]), 1))).toEqual(
      expected,
    );
    expect(await collect(chunked(bytes, 3))).toEqual(expected);
  });

  it('reports an over-long line without holding it', async () => {
    const items = await collect([`{"a":"${'x'.repeat(100)}"}\n{"b":1}\n`], 50);
    expect(items).toEqual([
      { line: 1, error: 'line 1: longer than 50 characters (108)' },
      { line: 2, record: { b: 1 } },
    ]);
  });
});

describe('writeNdjson', () => {
  it('writes one object per line and refuses non-objects', () => {
    expect(toNdjsonLine({ text: 'a\nb', n: 1 })).toBe('{"text":"a\\nb","n":1}\n');
    expect(() => toNdjsonLine([1])).toThrow('an NDJSON record must be a JSON object, got an array');
  });

  it('waits for drain on a slow destination and round-trips (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 30 }),
        async (records) => {
          const chunks: Buffer[] = [];
          const slow = new Writable({
            highWaterMark: 16,
            write(chunk: Buffer, _encoding, callback) {
              chunks.push(chunk);
              setImmediate(callback);
            },
          });
          const count = await writeNdjson(Readable.from(records), slow);
          expect(count).toBe(records.length);
          // writeNdjson leaves the stream open for more; ending it flushes what is still buffered
          slow.end();
          await once(slow, 'finish');
          const items = await collect([Buffer.concat(chunks)]);
          // JSON has no -0; parse(stringify(x)) is the normal form to compare with
          expect(items.map((i) => ('record' in i ? i.record : i))).toEqual(
            JSON.parse(JSON.stringify(records)),
          );
          expect(items.map((i) => i.line)).toEqual(records.map((_, index) => index + 1));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('rejects when the destination fails', async () => {
    const failing = new PassThrough({ highWaterMark: 1 });
    const seen: Error[] = [];
    failing.on('error', (err) => seen.push(err)); // the stream's owner listens, as with pipeline()
    const pending = writeNdjson([{ a: 1 }, { b: 2 }], failing);
    failing.destroy(new Error('disk full'));
    await expect(pending).rejects.toThrow('disk full');
    expect(seen.every((e) => e.message === 'disk full')).toBe(true);
  });
});

describe('writeNdjson on a closed destination', () => {
  it('fails instead of waiting forever for drain', async () => {
    const closed = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, callback) {
        setTimeout(callback, 50);
      },
    });
    const pending = writeNdjson([{ a: 1 }, { b: 2 }, { c: 3 }], closed);
    // destroyed while writeNdjson waits for 'drain' after the first record
    setTimeout(() => closed.destroy(), 10);
    await expect(pending).rejects.toThrow(/closed/);
  });
});
