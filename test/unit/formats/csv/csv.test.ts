import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { CsvHeaderError, readCsv, type CsvItem, type CsvReadOptions } from '../../../../formats/csv/csv';
import { splitCsvRecord } from '../../../../formats/csv/csv-record';

const dir = join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'core-banking');

async function collect(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options?: CsvReadOptions,
): Promise<CsvItem[]> {
  const items: CsvItem[] = [];
  for await (const item of readCsv(source, options)) items.push(item);
  return items;
}

/** Splits bytes into small chunks so records and multi-byte sequences straddle chunk borders. */
function chunked(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

describe('readCsv on core banking exports', () => {
  it('decodes Windows-1252 umlauts, € and keeps German numbers and dates as strings', async () => {
    const items = await collect(createReadStream(join(dir, 'umsaetze-2024-03.csv'), { highWaterMark: 17 }));
    expect(items.map((i) => i.line)).toEqual([2, 3, 4, 5, 7]);
    expect(items[0]).toEqual({
      line: 2,
      record: {
        Kontonummer: '0012345678',
        IBAN: 'DE89370400440532013000',
        Buchungsdatum: '15.03.2024',
        Valuta: '15.03.2024',
        Betrag: '-1.234,50',
        Währung: 'EUR',
        Verwendungszweck: 'Miete März',
        'Empfänger/Auftraggeber': 'Hausverwaltung Größe & Söhne',
      },
    });
    const records = items.map((i) => ('record' in i ? i.record : {}));
    expect(records[1].Verwendungszweck).toBe('Gehalt 03/2024; Prämie');
    expect(records[2].Verwendungszweck).toBe('Gebühr "Express" Überweisung');
    expect(records[3].Verwendungszweck).toBe('Kauf Bäckerei Weiß\nFiliale Süd');
    expect(records[3]['Empfänger/Auftraggeber']).toBe('Bäckerei Weiß €');
    expect(records[4]).toMatchObject({ Betrag: '0,00', Verwendungszweck: '', 'Empfänger/Auftraggeber': '' });
  });

  it('reports bad rows with their line numbers and goes on reading', async () => {
    const items = await collect(createReadStream(join(dir, 'umsaetze-mit-fehlern.csv')));
    expect(items.map((i) => [i.line, 'record' in i ? 'record' : 'error'])).toEqual([
      [2, 'record'],
      [3, 'error'],
      [4, 'error'],
      [5, 'record'],
      [6, 'error'],
      [7, 'record'],
      [8, 'record'],
    ]);
    const errors = items.flatMap((i) => ('error' in i ? [i.error] : []));
    expect(errors[0]).toBe('line 3: expected 8 fields as in the header, got 7');
    expect(errors[1]).toBe('line 4: field 7: unexpected "E" after the closing quote (column 75)');
    expect(errors[2]).toBe('line 6: quoted field is not closed at the end of the file');
    // the column a decoder names is in `field`, by its header name, so a reject can say which
    expect(items[2]).toMatchObject({ line: 4, field: 'Verwendungszweck' });
    expect(items[1]).not.toHaveProperty('field');
    const last = items[items.length - 1];
    expect('record' in last && last.record['Empfänger/Auftraggeber']).toBe('Café Ümit');
  });

  it('gives up an unclosed quote after maxRecordLines and re-reads the lines it had taken', async () => {
    const text = ['a;b', '1;"open', '2;x', '3;y', '4;z', '5;w'].join('\n');
    const items = await collect([Buffer.from(text)], { maxRecordLines: 3 });
    expect(items).toEqual([
      { line: 2, error: 'line 2: quoted field is not closed within 3 lines' },
      { line: 3, record: { a: '2', b: 'x' } },
      { line: 4, record: { a: '3', b: 'y' } },
      { line: 5, record: { a: '4', b: 'z' } },
      { line: 6, record: { a: '5', b: 'w' } },
    ]);
  });

  it('keeps going past over-long lines, skips empty lines and reads a BOM-free UTF-8 file when told', async () => {
    const text = `name;city\r\nA;${'x'.repeat(200)}\r\n\r\nJörg;Köln\r\n`;
    const items = await collect(chunked(Buffer.from(text, 'utf8'), 5), {
      encoding: 'utf8',
      maxLineLength: 100,
    });
    expect(items).toEqual([
      { line: 2, error: 'line 2: longer than 100 characters (202)' },
      { line: 4, record: { name: 'Jörg', city: 'Köln' } },
    ]);
  });

  it('reads a file with a UTF-8 BOM as UTF-8 whatever encoding is configured', async () => {
    const file = join(dir, 'konten-2024-03-31.csv');
    const expected = await collect(createReadStream(file));
    expect(expected[0]).toHaveProperty('record.Kontonummer', '0012345678');
    const text = iconv.decode(readFileSync(file), 'windows-1252');
    const withBom = Buffer.from(`\uFEFF${text}`, 'utf8');
    expect(await collect(chunked(withBom, 1))).toEqual(expected);
    expect(await collect([withBom], { encoding: 'iso-8859-1' })).toEqual(expected);
    expect(await collect([withBom], { encoding: 'utf8' })).toEqual(expected);
  });

  it('skips a final DOS end-of-file mark, on its own line or after the last record, and refuses one inside', async () => {
    const alone = await collect(['KONTO;NAME\r\n1;Anna\r\n\x1a']);
    expect(alone).toEqual([{ line: 2, record: { KONTO: '1', NAME: 'Anna' } }]);
    const attached = await collect(['KONTO;NAME\r\n1;Anna\r\n2;Bernd\x1a']);
    expect(attached.map((item) => 'record' in item && item.record.NAME)).toEqual(['Anna', 'Bernd']);
    const inside = await collect(['KONTO;NAME\r\n1;Ctrl\x1aZ\r\n2;Bernd\r\n']);
    expect(inside).toEqual([
      {
        line: 2,
        field: 'NAME',
        error: 'line 2: field NAME: control character 0x1A at character 5 is not text',
      },
      { line: 3, record: { KONTO: '2', NAME: 'Bernd' } },
    ]);
  });

  it('refuses C0 control characters in a field, but keeps tabs and the line breaks of a quoted field', async () => {
    const items = await collect(['A;B\r\n"x\r\ny";a\tb\r\n\x00;1\r\n2;\x1b[0m\r\n']);
    expect(items).toEqual([
      { line: 2, record: { A: 'x\ny', B: 'a\tb' } },
      { line: 4, field: 'A', error: 'line 4: field A: control character 0x00 at character 1 is not text' },
      { line: 5, field: 'B', error: 'line 5: field B: control character 0x1B at character 1 is not text' },
    ]);
  });

  it('handles multi-byte text split across chunks and a comma delimiter', async () => {
    const bytes = iconv.encode('Name,Ort\n"Müller, Hans",Düsseldorf\n', 'windows-1252');
    const items = await collect(chunked(bytes, 1), { delimiter: ',' });
    expect(items).toEqual([{ line: 2, record: { Name: 'Müller, Hans', Ort: 'Düsseldorf' } }]);
  });

  it('refuses a header it cannot use', async () => {
    await expect(collect([Buffer.from('a;b;a\n1;2;3\n')])).rejects.toThrow(
      'line 1: header column "a" occurs twice',
    );
    await expect(collect([Buffer.from(';;\n1;2;3\n')])).rejects.toThrow(
      new CsvHeaderError('line 1: the header row names no column'),
    );
    await expect(collect([Buffer.from('a;"b\n')])).rejects.toThrow('line 1: cannot read the header row');
  });

  it('keeps columns without a header name out of the record, as Excel exports leave them', async () => {
    const items = await collect([
      'KdNr;Name;;Bemerkung;;\r\n',
      '1;Anna;;Stammkundin;;\r\n',
      '2;Bernd;x;;\r\n', // one cell fewer: only an unnamed column is missing
      '3;Clara;;;;;\r\n',
      '4;Dora\r\n',
    ]);
    expect(items).toEqual([
      { line: 2, record: { KdNr: '1', Name: 'Anna', Bemerkung: 'Stammkundin' } },
      { line: 3, record: { KdNr: '2', Name: 'Bernd', Bemerkung: '' } },
      { line: 4, error: 'line 4: expected 6 fields as in the header, got 7' },
      { line: 5, error: 'line 5: expected 6 fields as in the header, got 2' },
    ]);
    await expect(collect(['a;;a\r\n'])).rejects.toThrow('line 1: header column "a" occurs twice');
  });
});

describe('splitCsvRecord', () => {
  it.each([
    ['a;b;c', ['a', 'b', 'c']],
    ['a;;', ['a', '', '']],
    ['"";"x""y";', ['', 'x"y', '']],
    ['"a;b"', ['a;b']],
  ])('%s', (text, fields) => {
    expect(splitCsvRecord(text, ';')).toEqual({ fields });
  });

  it('tells incomplete from broken', () => {
    expect(splitCsvRecord('a;"b', ';')).toEqual({ incomplete: true });
    expect(splitCsvRecord('a;b"c', ';')).toEqual({
      error: 'field 2: quote inside an unquoted field (column 4)',
      field: 2,
    });
  });
});
