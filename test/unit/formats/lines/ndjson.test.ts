import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import fc from 'fast-check';
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
