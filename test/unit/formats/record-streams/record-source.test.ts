import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { compileLayout } from '../../../../formats/fixed-width/fixed-width';
import {
  readRecords,
  type RecordSourceOptions,
  type SourceItem,
} from '../../../../formats/record-streams/record-source';

const legacy = join(__dirname, '..', '..', '..', 'fixtures', 'legacy');
const cli = join(__dirname, '..', '..', '..', 'fixtures', 'cli');

async function collect(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options: RecordSourceOptions,
): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of readRecords(source, options)) items.push(item);
  return items;
}

const refs = (items: SourceItem[]) => items.map((i) => [i.ref, 'error' in i ? 'error' : 'record']);

describe('readRecords', () => {
  it('reads CSV row by row with the physical line as ref, bad rows included', async () => {
    const items = await collect(createReadStream(join(cli, 'accounts.csv'), { highWaterMark: 16 }), {
      kind: 'csv',
      encoding: 'windows-1252',
    });
    expect(refs(items)).toEqual([
      ['line 2', 'record'],
      ['line 3', 'record'],
      ['line 4', 'error'],
      ['line 5', 'record'],
      ['line 6', 'record'],
    ]);
    expect(items[0]).toMatchObject({ line: 2, record: { Kontonummer: '0012345678', Saldo: '-1.234,50' } });
    expect(items[2]).toMatchObject({ line: 4, error: 'line 4: expected 8 fields as in the header, got 5' });
  });

  it('turns a broken CSV header into one error instead of a thrown stream', async () => {
    const items = await collect(['a;a\n1;2\n'], { kind: 'csv' });
    // marked unreadable: no row follows, and the map command exits 2 for it
    expect(items).toEqual([
      { ref: 'line 1', line: 1, error: 'line 1: header column "a" occurs twice', unreadable: true },
    ]);
  });

  it('decodes CSV in the given charset and delimiter', async () => {
    const bytes = iconv.encode('Name,Ort\r\nMüller,"Köln, Innenstadt"\r\n', 'windows-1252');
    const items = await collect([bytes], { kind: 'csv', delimiter: ',', encoding: 'windows-1252' });
    expect(items).toEqual([{ ref: 'line 2', line: 2, record: { Name: 'Müller', Ort: 'Köln, Innenstadt' } }]);
  });

  it('reads fixed-width lines with the layout, naming the line of a bad one', async () => {
    const layout = compileLayout(
      JSON.parse(readFileSync(join(legacy, 'core-banking', 'transactions.layout.json'), 'utf8')),
    );
    const items = await collect(
      createReadStream(join(legacy, 'core-banking', 'transactions-with-errors.dat')),
      {
        kind: 'fixed-width',
        layout,
      },
    );
    expect(refs(items)).toEqual([
      ['line 1', 'record'],
      ['line 2', 'record'],
      ['line 3', 'error'],
      ['line 4', 'record'],
    ]);
    expect(items[0]).toMatchObject({ line: 1, record: { accountNumber: '0012345678', amount: '-1234.50' } });
    expect('error' in items[2] && items[2].error).toMatch(/^line 3: field amount: /);
  });

  it('names the line of an error once, at its start', async () => {
    const tx2 = compileLayout(
      JSON.parse(
        readFileSync(
          join(
            __dirname,
            '..',
            '..',
            '..',
            '..',
            'mappings',
            'systems',
            'layouts',
            'core-banking-transactions.layout.json',
          ),
          'utf8',
        ),
      ),
    );
    const files: [string, RecordSourceOptions][] = [
      [join(legacy, 'core-banking', 'konten-mit-fehlern.csv'), { kind: 'csv' }],
      [
        join(legacy, 'core-banking', 'umsaetze-2024-04-mit-fehlern.dat'),
        { kind: 'fixed-width', layout: tx2 },
      ],
      [join(legacy, 'app-events', 'web-app-events-with-errors.ndjson'), { kind: 'ndjson' }],
    ];
    for (const [file, options] of files) {
      const errors = (await collect(createReadStream(file), options)).flatMap((i) =>
        'error' in i ? [[i.ref, i.error]] : [],
      );
      expect(errors.length).toBeGreaterThan(0);
      for (const [ref, error] of errors) {
        expect(error.startsWith(`${ref}: `)).toBe(true);
        expect(error.indexOf(ref, ref.length)).toBe(-1);
      }
    }
    const csv = await collect(createReadStream(files[0][0]), { kind: 'csv' });
    expect(csv.find((i) => 'error' in i)).toEqual({
      ref: 'line 6',
      line: 6,
      error: 'line 6: expected 11 fields as in the header, got 10',
    });
  });

  it('refuses fixed width without a layout', async () => {
    await expect(collect(['x'], { kind: 'fixed-width' })).rejects.toThrow('fixed-width input needs a layout');
  });

  it('reads NDJSON line by line, skipping blank lines but counting them', async () => {
    const items = await collect(createReadStream(join(legacy, 'app-events', 'app-events.ndjson')), {
      kind: 'ndjson',
    });
    expect(refs(items)).toEqual([
      ['line 1', 'record'],
      ['line 2', 'record'],
      ['line 4', 'error'],
      ['line 5', 'error'],
      ['line 6', 'record'],
    ]);
    expect(items[4]).toMatchObject({ line: 6, record: { eventId: '7f9c2b1e-0004' } });
  });

  it('reads JSON as one object, an array of objects, or NDJSON', async () => {
    expect(await collect(['{ "a": 1,\n  "b": 2 }'], { kind: 'json' })).toEqual([
      { ref: 'document', record: { a: 1, b: 2 } },
    ]);
    expect(await collect(['[{ "a": 1 }, 7, { "a": 3 }]'], { kind: 'json' })).toEqual([
      { ref: '[0]', record: { a: 1 } },
      { ref: '[1]', error: '[1]: expected a JSON object, got a number' },
      { ref: '[2]', record: { a: 3 } },
    ]);
    const lines = await collect(['{"a":1}\n\n{"a":', '2}\n'], { kind: 'json' });
    expect(lines).toEqual([
      { ref: 'line 1', line: 1, record: { a: 1 } },
      { ref: 'line 3', line: 3, record: { a: 2 } },
    ]);
    expect(await collect(['"text"'], { kind: 'json' })).toEqual([
      {
        ref: 'document',
        error: 'expected a JSON object or an array of objects, got a string',
        unreadable: true,
      },
    ]);
  });

  it('refuses JSON and NDJSON nested deeper than 100 levels before anything walks it', async () => {
    const deep = '{"Id":"003A","x":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    expect(await collect([deep], { kind: 'json' })).toEqual([
      {
        ref: 'document',
        error: 'the JSON is nested more than 100 levels deep; at most 100 are taken',
        unreadable: true,
      },
    ]);
    expect(await collect([`{"a":1}\n${deep}\n`], { kind: 'ndjson' })).toEqual([
      { ref: 'line 1', line: 1, record: { a: 1 } },
      {
        ref: 'line 2',
        line: 2,
        error: 'line 2: the JSON is nested more than 100 levels deep; at most 100 are taken',
      },
    ]);
  });

  it('refuses JSON and NDJSON that is not UTF-8, naming the byte, and accepts a UTF-8 BOM', async () => {
    const query = readFileSync(join(legacy, 'salesforce', 'contacts-query.json'));
    const utf8 = await collect([query], { kind: 'json', recordsPath: 'records' });
    expect(utf8[0]).toMatchObject({ ref: 'records[0]', record: { FirstName: 'Anna' } });
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(await collect([bom, query], { kind: 'json', recordsPath: 'records' })).toEqual(utf8);
    const latin1 = iconv.encode(query.toString('utf8'), 'latin1');
    const refused = [
      {
        ref: 'document',
        error: 'the JSON is not valid UTF-8 at byte 482: send UTF-8 (JSON is UTF-8, RFC 8259)',
        unreadable: true,
      },
    ];
    expect(await collect([latin1], { kind: 'json', recordsPath: 'records' })).toEqual(refused);
    expect(await collect([bom, latin1], { kind: 'json' })).toEqual([
      { ...refused[0], error: refused[0].error.replace('482', '485') },
    ]);
    const events = readFileSync(join(legacy, 'app-events', 'app-events.ndjson'), 'utf8');
    const items = await collect([iconv.encode(events, 'latin1')], { kind: 'ndjson' });
    expect(items.map((i) => ('error' in i ? i.error : i.ref))).toEqual([
      'line 1',
      'line 2: not valid UTF-8 at byte 335: NDJSON is UTF-8, so the file is read no further',
    ]);
  });

  it('reads every IDoc of a file as the mapping view, with index and DOCNUM as ref', async () => {
    const items = await collect(createReadStream(join(legacy, 'sap', 'debmas07-two-idocs.xml')), {
      kind: 'idoc-xml',
    });
    expect(refs(items)).toEqual([
      ['IDOC[0] DOCNUM 0000000004815401', 'record'],
      ['IDOC[1] DOCNUM 0000000004815402', 'record'],
    ]);
    expect(items[0]).toMatchObject({
      record: { EDI_DC40: { MESTYP: 'DEBMAS' }, E1KNA1M: { KUNNR: '0000004712', LAND1: 'AT' } },
    });
    expect(items[0]).not.toHaveProperty('line');
  });

  it('decodes an ISO-8859-1 IDoc by its XML declaration', async () => {
    const items = await collect([readFileSync(join(legacy, 'sap', 'debmas07-definition-names-latin1.xml'))], {
      kind: 'idoc-xml',
    });
    expect(items.length).toBeGreaterThan(0);
    expect(JSON.stringify(items[0])).toMatch(/[äöüÄÖÜß]/);
  });

  it('reports an XML document that does not parse, or is too large, as one error', async () => {
    const broken = await collect(['<DEBMAS07><IDOC BEGIN="1">'], { kind: 'idoc-xml' });
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ ref: 'document', unreadable: true });
    expect('error' in broken[0] && broken[0].error).toBeTruthy();
    const doctype = await collect(['<!DOCTYPE x [<!ENTITY a "b">]><ListOfContact/>'], { kind: 'siebel-xml' });
    expect('error' in doctype[0] && doctype[0].error).toMatch(/DOCTYPE/i);
    const big = await collect(['<a>', 'x'.repeat(100), '</a>'], { kind: 'siebel-xml', maxDocumentBytes: 50 });
    expect(big).toEqual([
      {
        ref: 'document',
        error: 'the siebel-xml document is larger than 50 bytes; XML and JSON documents are parsed whole',
        unreadable: true,
      },
    ]);
  });

  it('reads Siebel contacts with raw tags and the Id in the ref', async () => {
    const items = await collect(createReadStream(join(legacy, 'siebel', 'contact-query-response.xml')), {
      kind: 'siebel-xml',
    });
    expect(refs(items)).toEqual([
      ['Contact[0] Id 1-4RT7QK', 'record'],
      ['Contact[1] Id 1-4RT9ZA', 'record'],
    ]);
    expect(items[0]).toMatchObject({
      record: { First_spcName: 'Anna', Personal_spcAddress: [{ City: 'Berlin' }, { City: 'Binz' }] },
    });
  });

  it('names the unknown format', async () => {
    await expect(collect([''], { kind: 'yaml' as unknown as 'csv' })).rejects.toThrow(
      'unknown record format "yaml" (known: idoc-xml, siebel-xml, csv, fixed-width, ndjson, json)',
    );
  });
});
