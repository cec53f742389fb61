import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import { compileLayout } from '../../../../formats/fixed-width/fixed-width';
import {
  createRecordEncoder,
  createRecordSink,
  RecordEncodeError,
} from '../../../../formats/record-streams/record-sink';
import { readRecords, type SourceItem } from '../../../../formats/record-streams/record-source';
import { parseIdocXml } from '../../../../formats/idoc/idoc';
import { parseSiebelContacts } from '../../../../formats/siebel/siebel';

const layout = compileLayout(
  JSON.parse(
    readFileSync(
      join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'core-banking', 'transactions.layout.json'),
      'utf8',
    ),
  ),
);

/** A destination that takes one chunk at a time and reports how many writes had to wait for it. */
function slowSink(): { stream: Writable; chunks: Buffer[]; pending: { max: number } } {
  const chunks: Buffer[] = [];
  const pending = { max: 0 };
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      pending.max = Math.max(pending.max, stream.writableLength);
      setImmediate(done);
    },
  });
  return { stream, chunks, pending };
}

describe('createRecordEncoder', () => {
  it('writes CSV with a header, quoting only where needed, in CRLF', () => {
    const csv = createRecordEncoder({ kind: 'csv', columns: ['a', 'b', 'c'] });
    expect(csv.encode({ a: 'x;y', b: 'say "hi"', c: 3 })).toBe('a;b;c\r\n"x;y";"say ""hi""";3\r\n');
    expect(csv.encode({ a: 'plain' })).toBe('plain;;\r\n');
    expect(csv.end()).toBe('');
  });

  it('writes the CSV header even when no record came, and names a field without a column', () => {
    const csv = createRecordEncoder({ kind: 'csv', delimiter: ',', columns: ['a', 'b'] });
    expect(() => csv.encode({ a: '1', z: '2' })).toThrow(
      new RecordEncodeError('z', 'has no CSV column (columns: a, b)'),
    );
    expect(() => csv.encode({ a: { nested: true } })).toThrow(
      'field a: a CSV value must be text, got an object',
    );
    expect(csv.end()).toBe('a,b\r\n');
  });

  it('takes the CSV columns from the first record when none are given', () => {
    const csv = createRecordEncoder({ kind: 'csv' });
    expect(csv.encode({ b: '1', a: '2' })).toBe('b;a\r\n1;2\r\n');
    expect(() => csv.encode({ c: '3' })).toThrow('field c: has no CSV column (columns: b, a)');
  });

  it('writes fixed-width lines and names a field that does not fit or is not in the layout', () => {
    const fixed = createRecordEncoder({ kind: 'fixed-width', layout });
    const line = fixed.encode({
      recordType: 'TX',
      accountNumber: '0012345678',
      amount: '-1234.5',
      currency: 'EUR',
    });
    expect(line).toHaveLength(92);
    // dates without a value are zeros; S9 amount with 2 implied decimals and the sign overpunched
    expect(line.slice(0, 44)).toBe('TX' + '0012345678' + '0'.repeat(16) + '000000012345}' + 'EUR');
    expect(() => fixed.encode({ accountNumber: '00123456789' })).toThrow(
      /^field accountNumber: 11 characters do not fit in 10/,
    );
    expect(() => fixed.encode({ iban: 'DE' })).toThrow('field iban: is not in layout KTOUMS-TX');
  });

  it('streams IDocs between one document head and one end tag, so the file parses back', () => {
    const idoc = createRecordEncoder({ kind: 'idoc-xml' });
    const control = { IDOCTYP: 'DEBMAS07', MESTYP: 'DEBMAS' };
    const xml =
      idoc.encode({ EDI_DC40: control, E1KNA1M: { KUNNR: '0000004711', NAME1: 'Müller & Co' } }) +
      idoc.encode({ EDI_DC40: control, E1KNA1M: { KUNNR: '0000004712' } }) +
      idoc.end();
    const docs = parseIdocXml(xml);
    expect(docs.map((d) => d.segments.E1KNA1M[0].KUNNR)).toEqual(['0000004711', '0000004712']);
    expect(docs[0].segments.E1KNA1M[0].NAME1).toBe('Müller & Co');
    expect(() => idoc.encode({ EDI_DC40: { IDOCTYP: 'ORDERS05' } })).toThrow(
      'document element <ORDERS05> differs from <DEBMAS07>: one per file',
    );
    expect(() => idoc.encode({ E1KNA1M: {} })).toThrow(/no IDoc type/);
  });

  it('streams Siebel contacts with raw tags into one ListOfContact', () => {
    const siebel = createRecordEncoder({ kind: 'siebel-xml' });
    const xml =
      siebel.encode({ Id: '1-A', First_spcName: 'Anna' }) + siebel.encode({ Id: '1-B' }) + siebel.end();
    expect(parseSiebelContacts(xml, { names: 'raw' })).toEqual([
      { Id: '1-A', First_spcName: 'Anna' },
      { Id: '1-B' },
    ]);
  });

  it('refuses a value the CSV or fixed-width charset lacks, naming field and character, never "?"', () => {
    const csv = createRecordEncoder({ kind: 'csv', columns: ['Vorname', 'Nachname'] });
    expect(() => csv.encode({ Vorname: 'Łukasz', Nachname: 'Dvořák €' })).toThrow(
      new RecordEncodeError('Vorname', '"Ł" (U+0141) cannot be written in windows-1252'),
    );
    expect(csv.encode({ Vorname: 'Jürgen', Nachname: 'Weiß €' })).toBe(
      'Vorname;Nachname\r\nJürgen;Weiß €\r\n',
    );
    const latin1 = createRecordEncoder({ kind: 'fixed-width', layout, encoding: 'iso-8859-1' });
    expect(() => latin1.encode({ purpose: 'Miete 10 €' })).toThrow(
      'field purpose: "€" (U+20AC) cannot be written in iso-8859-1',
    );
    const ascii = createRecordEncoder({ kind: 'csv', columns: ['a'], encoding: 'ascii' });
    expect(() => ascii.encode({ a: 'Müller' })).toThrow('field a: "ü" (U+00FC) cannot be written in ascii');
    // JSON and XML are UTF-8, where every character has its bytes
    expect(createRecordEncoder({ kind: 'ndjson', encoding: 'windows-1252' }).encode({ a: 'Ł' })).toBe(
      '{"a":"Ł"}\n',
    );
  });

  it('writes nothing for an XML file without records', () => {
    expect(createRecordEncoder({ kind: 'idoc-xml' }).end()).toBe('');
  });
});

describe('createRecordSink', () => {
  it('encodes CSV in the legacy charset and waits for a slow destination', async () => {
    const { stream, chunks, pending } = slowSink();
    const sink = createRecordSink(stream, { kind: 'csv', columns: ['Name', 'Nr'], encoding: 'windows-1252' });
    for (let i = 0; i < 5000; i += 1) await sink.write({ Name: 'Bäckerei Weiß', Nr: String(i) });
    await sink.end();
    const text = iconv.decode(Buffer.concat(chunks), 'windows-1252');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('Name;Nr');
    expect(lines[1]).toBe('Bäckerei Weiß;0');
    expect(lines).toHaveLength(5002);
    // Without waiting for 'drain' the whole output would queue in the stream.
    expect(pending.max).toBeLessThan(200 * 1024);
  });

  it('refuses non-ASCII text for an ASCII file, naming the field, and keeps the file intact', async () => {
    const { stream, chunks } = slowSink();
    const sink = createRecordSink(stream, { kind: 'fixed-width', layout, encoding: 'ascii' });
    await expect(sink.write({ purpose: 'Miete März' })).rejects.toThrow(
      'field purpose: "ä" (U+00E4) cannot be written in ascii',
    );
    await sink.write({ purpose: 'Miete' });
    await sink.end();
    const expected = ' '.repeat(12) + '0'.repeat(16) + ' '.repeat(34) + 'Miete'.padEnd(28, ' ') + '\r\n';
    expect(Buffer.concat(chunks).toString('latin1')).toBe(expected);
  });

  it('round-trips NDJSON through the reader', async () => {
    const { stream, chunks } = slowSink();
    const sink = createRecordSink(stream, { kind: 'ndjson' });
    await sink.write({ a: 'line\nbreak' });
    await sink.end();
    const items: SourceItem[] = [];
    for await (const item of readRecords([Buffer.concat(chunks)], { kind: 'ndjson' })) items.push(item);
    expect(items).toEqual([{ ref: 'line 1', line: 1, record: { a: 'line\nbreak' } }]);
  });

  it('refuses an unknown charset up front', () => {
    expect(() => createRecordSink(slowSink().stream, { kind: 'csv', encoding: 'klingon' })).toThrow(
      'unknown character encoding "klingon"',
    );
  });
});
