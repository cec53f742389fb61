import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import {
  compileLayout,
  decodeFixedWidthRecord,
  encodeFixedWidthFile,
  encodeFixedWidthRecord,
  readFixedWidth,
  type FixedWidthItem,
  type FixedWidthReadOptions,
} from '../../../../formats/fixed-width/fixed-width';
import { decodeZoned, encodeZoned } from '../../../../formats/fixed-width/zoned-decimal';

const dir = join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'core-banking');
const layout = compileLayout(JSON.parse(readFileSync(join(dir, 'transactions.layout.json'), 'utf8')));

async function collect(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options?: FixedWidthReadOptions,
): Promise<FixedWidthItem[]> {
  const items: FixedWidthItem[] = [];
  for await (const item of readFixedWidth(source, layout, options)) items.push(item);
  return items;
}

describe('signed zoned decimal', () => {
  it.each([
    ['000000012345}', 2, '-1234.50'],
    ['000000025000{', 2, '2500.00'],
    ['00000001012649I', 2, '101264.99'],
    ['000000000004J', 2, '-0.41'],
    ['000000000000}', 2, '0.00'],
    ['000000000000{', 0, '0'],
    ['000001999999R', 2, '-199999.99'],
    ['00000000000001A', 2, '0.11'],
    ['1I', 0, '19'],
    ['1R', 1, '-1.9'],
    ['0012345', 2, '123.45'],
  ])('%s with scale %i is %s', (text, scale, value) => {
    expect(decodeZoned(text, scale)).toBe(value);
  });

  it.each([
    ['0000X', 'is not a zoned decimal sign digit'],
    ['00A00', 'expected digits with an overpunched sign'],
    [' 123{', 'expected digits with an overpunched sign'],
  ])('refuses %s', (text, message) => {
    expect(() => decodeZoned(text, 0)).toThrow(message);
  });

  it('encodes signs, zero and refuses what does not fit', () => {
    expect(encodeZoned('-1234.5', 13, 2)).toBe('000000012345}');
    expect(encodeZoned('0', 5, 2)).toBe('0000{');
    expect(encodeZoned('-0.00', 5, 2)).toBe('0000{');
    expect(encodeZoned('+7.01', 5, 2)).toBe('0070A');
    expect(() => encodeZoned('123456', 5, 0)).toThrow('123456 does not fit in 5 digits');
    expect(() => encodeZoned('1.234', 5, 2)).toThrow('1.234 has 3 decimals, the layout allows 2');
    expect(() => encodeZoned('1,50', 5, 2)).toThrow('is not a decimal number');
  });

  it('decode(encode(v)) = v for any value that fits (property)', () => {
    const arbitrary = fc
      .record({ length: fc.integer({ min: 1, max: 18 }), scale: fc.integer({ min: 0, max: 17 }) })
      .filter(({ length, scale }) => scale < length)
      .chain(({ length, scale }) =>
        fc.record({
          length: fc.constant(length),
          scale: fc.constant(scale),
          units: fc.bigInt({ min: -(10n ** BigInt(length)) + 1n, max: 10n ** BigInt(length) - 1n }),
        }),
      );
    fc.assert(
      fc.property(arbitrary, ({ length, scale, units }) => {
        const negative = units < 0n;
        const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
        const integer = digits.slice(0, digits.length - scale);
        const value = `${negative && units !== 0n ? '-' : ''}${integer}${scale > 0 ? `.${digits.slice(-scale)}` : ''}`;
        const encoded = encodeZoned(value, length, scale);
        expect(encoded).toHaveLength(length);
        expect(decodeZoned(encoded, scale)).toBe(value);
        expect(encodeZoned(decodeZoned(encoded, scale), length, scale)).toBe(encoded);
      }),
    );
  });
});

describe('fixed-width transaction records', () => {
  it('decodes the Windows-1252 fixture into records of strings', async () => {
    const items = await collect(createReadStream(join(dir, 'transactions.dat'), { highWaterMark: 64 }));
    expect(items.map((i) => i.line)).toEqual([1, 2, 3, 4, 5]);
    const records = items.map((i) => ('record' in i ? i.record : { error: i.error }));
    expect(records[0]).toEqual({
      recordType: 'TX',
      accountNumber: '0012345678',
      bookingDate: '2024-03-15',
      valueDate: '2024-03-15',
      amount: '-1234.50',
      currency: 'EUR',
      transactionCode: '5',
      balance: '98765.40',
      purpose: 'Miete März Wohnung 3.OG',
    });
    expect(records.map((r) => r.amount)).toEqual(['-1234.50', '2500.00', '-0.41', '0.00', '-199999.99']);
    expect(records.map((r) => r.balance)).toEqual(['98765.40', '101265.40', '101264.99', '0.00', '0.11']);
    expect(records[4]).toMatchObject({ valueDate: '', purpose: 'Kauf Bäckerei Weiß €-Karte' });
  });

  it('reports bad fields by line and goes on; a line short only in its purpose text is read', async () => {
    const items = await collect(createReadStream(join(dir, 'transactions-with-errors.dat')));
    expect(items[1]).toMatchObject({ line: 2, record: { purpose: 'Miete März Wohnung 3.OG' } });
    expect(items.map((i) => ('error' in i ? i.error : `record ${i.line}`))).toEqual([
      'record 1',
      'record 2',
      'line 3: field amount: "X" is not a zoned decimal sign digit ({, A-I, }, J-R or 0-9) at offset 28',
      'record 4',
    ]);
    expect(items[2]).toHaveProperty('field', 'amount');
  });

  it('refuses non-ASCII bytes when the file is declared ASCII', async () => {
    const items = await collect(createReadStream(join(dir, 'transactions.dat')), { encoding: 'ascii' });
    expect(items[0]).toEqual({
      line: 1,
      field: 'purpose',
      error: 'line 1: byte 0xE4 at column 70 is not printable ASCII',
    });
    expect(items[3]).toHaveProperty('record');
  });

  it('re-encodes the fixture byte for byte (negative zero comes back as positive zero)', async () => {
    const bytes = readFileSync(join(dir, 'transactions.dat'));
    const records = (await collect([bytes])).flatMap((i) => ('record' in i ? [i.record] : []));
    expect(records).toHaveLength(5);
    const expected = Buffer.from(
      bytes.toString('latin1').replace('000000000000}', '000000000000{'),
      'latin1',
    );
    expect(encodeFixedWidthFile(layout, records).equals(expected)).toBe(true);
  });

  it('round-trips generated records (property)', () => {
    const text = (max: number) =>
      fc
        .string({ maxLength: max, unit: fc.constantFrom(...'ABCXYZ abcäöüßÄÖÜ€0123456789-./'.split('')) })
        .map((s) => s.trimEnd());
    const amount = (length: number) =>
      fc.bigInt({ min: -(10n ** BigInt(length)) + 1n, max: 10n ** BigInt(length) - 1n }).map((units) => {
        const digits = (units < 0n ? -units : units).toString().padStart(3, '0');
        return `${units < 0n ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
      });
    const date = fc
      .date({
        min: new Date('1990-01-01T00:00:00Z'),
        max: new Date('2099-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    const record = fc.record({
      recordType: fc.constant('TX'),
      accountNumber: text(10),
      bookingDate: date,
      valueDate: fc.oneof(date, fc.constant('')),
      amount: amount(13),
      currency: fc.constantFrom('EUR', 'CHF', 'USD'),
      transactionCode: fc.integer({ min: 0, max: 999 }).map(String),
      balance: amount(15),
      purpose: text(27),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
        const lines = records.map((r) => encodeFixedWidthRecord(layout, r));
        for (const [i, line] of lines.entries()) {
          expect(line).toHaveLength(90);
          expect(decodeFixedWidthRecord(layout, line)).toEqual(records[i]);
          expect(encodeFixedWidthRecord(layout, decodeFixedWidthRecord(layout, line))).toBe(line);
        }
      }),
    );
  });

  it('names the field an encoder cannot write', () => {
    expect(() => encodeFixedWidthRecord(layout, { purpose: 'x'.repeat(28) })).toThrow(
      'field purpose: 28 characters do not fit in 27',
    );
    expect(() => encodeFixedWidthRecord(layout, { transactionCode: '-1' })).toThrow(
      'field transactionCode: -1 is negative but the field is unsigned',
    );
    expect(() => encodeFixedWidthRecord(layout, { bookingDate: '2024-02-30' })).toThrow(
      'field bookingDate: "20240230" is not a calendar date (YYYYMMDD)',
    );
  });

  it('refuses to write a character the file charset lacks instead of writing "?"', () => {
    expect(() => encodeFixedWidthFile(layout, [{ purpose: 'Miete Łódź' }])).toThrow(
      'field purpose: "Ł" (U+0141) cannot be written in windows-1252',
    );
    expect(() => encodeFixedWidthFile(layout, [{ purpose: 'Miete März' }], 'ascii')).toThrow(
      'field purpose: "ä" (U+00E4) cannot be written in ascii',
    );
    const bytes = encodeFixedWidthFile(layout, [{ purpose: 'Miete März 10 €' }]);
    expect(iconv.decode(bytes, 'windows-1252')).toContain('Miete März 10 €');
  });
});

describe('fixed-width files as core banking writes them (KTOUMS-TX2)', () => {
  const systems = join(__dirname, '..', '..', '..', '..', 'mappings', 'systems', 'layouts');
  const tx2 = compileLayout(
    JSON.parse(readFileSync(join(systems, 'core-banking-transactions.layout.json'), 'utf8')),
  );
  const clean = readFileSync(join(dir, 'umsaetze-2024-04.dat'));
  const read = async (bytes: Buffer, chunk = 64): Promise<FixedWidthItem[]> => {
    const items: FixedWidthItem[] = [];
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
    for await (const item of readFixedWidth(parts, tx2)) items.push(item);
    return items;
  };
  const latin1 = (text: string) => Buffer.from(text, 'latin1');
  const lines = clean.toString('latin1').split('\r\n').slice(0, -1);

  it('skips blank lines and a DOS end-of-file mark', async () => {
    const expected = await read(clean);
    expect(expected.map((i) => ('record' in i ? i.line : i.error))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const tail of ['\r\n', '\r\n\x1a', '\x1a', '   \r\n\x1a\r\n']) {
      expect(await read(Buffer.concat([clean, latin1(tail)]))).toEqual(expected);
    }
    const withoutLastBreak = clean.subarray(0, clean.length - 2);
    expect(await read(Buffer.concat([withoutLastBreak, latin1('\x1a')]), 7)).toEqual(expected);
    const blankInside = latin1(`${lines[0]}\r\n\r\n${lines[1]}\r\n`);
    expect((await read(blankInside)).map((i) => i.line)).toEqual([1, 3]);
  });

  it('reads a file with a UTF-8 BOM as UTF-8', async () => {
    const utf8 = Buffer.from(`\uFEFF${iconv.decode(clean, 'windows-1252')}`, 'utf8');
    expect(await read(utf8, 2)).toEqual(await read(clean));
    expect(await read(latin1('x'))).toEqual([
      { line: 1, error: 'line 1: expected 128 characters (layout KTOUMS-TX2), got 1' },
    ]);
  });

  it('refuses a control character inside a text field, as CSV does', async () => {
    const withMark = `${lines[0].slice(0, 105)}\x1a${lines[0].slice(106)}`;
    const items = await read(latin1(`${withMark}\r\n${lines[1]}\r\n`));
    expect(items[0]).toEqual({
      line: 1,
      field: 'purpose',
      error: 'line 1: field purpose: control character 0x1A at character 5 is not text at offset 101',
    });
    expect(items[1]).toHaveProperty('record');
  });

  describe('LOW-VALUES (NUL bytes), which COBOL programs leave in fields they never moved a value to', () => {
    const small = compileLayout({
      name: 'LOWVAL',
      fields: [
        { name: 'name', offset: 0, length: 8, type: 'X' },
        { name: 'amount', offset: 8, length: 5, type: '9', scale: 2 },
        { name: 'born', offset: 13, length: 8, type: 'date' },
      ],
    });

    it('reads NUL padding after a text value, and all-NUL fields, as no value', () => {
      expect(decodeFixedWidthRecord(small, `MEIER\x00 \x00${'\x00'.repeat(5)}${'\x00'.repeat(8)}`)).toEqual({
        name: 'MEIER',
        amount: '',
        born: '',
      });
      expect(decodeFixedWidthRecord(small, `${'\x00'.repeat(8)}00150  \x00\x00\x00\x00\x00\x00`)).toEqual({
        name: '',
        amount: '1.50',
        born: '',
      });
    });

    it('still refuses a NUL between the characters of a value, which is damage, not padding', () => {
      expect(() => decodeFixedWidthRecord(small, `ME\x00ER   00150${'\x00'.repeat(8)}`)).toThrow(
        'field name: control character 0x00 at character 3 is not text at offset 0',
      );
      expect(() => decodeFixedWidthRecord(small, `MEIER   0\x00150${'\x00'.repeat(8)}`)).toThrow(
        /field amount/,
      );
      expect(() => decodeFixedWidthRecord(small, `MEIER   00150198\x00\x00101`)).toThrow(/field born/);
    });
  });

  it('still refuses an end-of-file mark that is not at the end', async () => {
    const items = await read(latin1(`${lines[0]}\r\n\x1a\r\n${lines[1]}\r\n`));
    expect(items.map((i) => ('error' in i ? i.error : i.line))).toEqual([
      1,
      'line 2: expected 128 characters (layout KTOUMS-TX2), got 1',
      3,
    ]);
  });

  it('reads records whose blank-padded trailing text fields were trimmed', async () => {
    const expected = await read(clean);
    const trimmed = latin1(lines.map((line) => `${line.trimEnd()}\r\n`).join(''));
    expect(lines.some((line) => line.trimEnd().length < 128)).toBe(true);
    expect(await read(trimmed)).toEqual(expected);
    const noPurpose = latin1(`${lines[0].slice(0, 101)}\r\n`);
    expect(await read(noPurpose)).toEqual([
      { line: 1, record: { ...(expected[0] as { record: object }).record, purpose: '' } },
    ]);
  });

  it('refuses a line cut inside a numeric or date field, or longer than the layout', async () => {
    const cut = (length: number) => latin1(`${lines[0].slice(0, length)}\r\n`);
    const errors = async (bytes: Buffer) => (await read(bytes)).map((i) => ('error' in i ? i.error : i.line));
    expect(await errors(cut(80))).toEqual(['line 1: expected 128 characters (layout KTOUMS-TX2), got 80']);
    expect(await errors(cut(44))).toEqual(['line 1: expected 128 characters (layout KTOUMS-TX2), got 44']);
    expect(await errors(cut(70))).toEqual(['line 1: expected 128 characters (layout KTOUMS-TX2), got 70']);
    expect(await errors(latin1(`${lines[0]}X\r\n`))).toEqual([
      'line 1: expected 128 characters (layout KTOUMS-TX2), got 129',
    ]);
  });
});

describe('compileLayout', () => {
  const base = { name: 'T', fields: [{ name: 'a', offset: 0, length: 2, type: 'X' }] };
  it.each([
    [
      { ...base, fields: [...base.fields, { name: 'b', offset: 1, length: 2, type: 'X' }] },
      'fields a and b overlap',
    ],
    [{ ...base, recordLength: 1 }, 'recordLength 1 is shorter than the fields (2)'],
    [
      { ...base, fields: [{ name: 'a', offset: 0, length: 2, type: 'P' }] },
      'type must be one of X, 9, S9, date',
    ],
    [
      { ...base, fields: [{ name: 'a', offset: 0, length: 2, type: '9', scale: 2 }] },
      'scale must be an integer below length',
    ],
    [
      { ...base, fields: [{ name: 'd', offset: 0, length: 6, type: 'date' }] },
      'a date field is 8 characters long',
    ],
    [
      { ...base, fields: [...base.fields, { name: 'a', offset: 2, length: 1, type: 'X' }] },
      'name occurs twice',
    ],
  ])('refuses a bad layout (%#)', (layoutJson, message) => {
    expect(() => compileLayout(layoutJson)).toThrow(message);
  });
});
