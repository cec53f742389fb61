import type { SimpleType } from '../../../../../connectors/soap/xsd/model';
import { checkSimple, checkXsdType } from '../../../../../connectors/soap/xsd/simple-check';

const simple = (builtin: string, facets: SimpleType['facets'] = {}): SimpleType => ({
  kind: 'simple',
  name: builtin,
  builtin,
  facets,
});

describe('checkXsdType', () => {
  it.each([
    ['int', '42'],
    ['int', ' -7 '],
    ['int', '2147483647'],
    ['long', '9223372036854775807'],
    ['decimal', '-12.50'],
    ['decimal', '.5'],
    ['double', '1.5E-3'],
    ['boolean', 'true'],
    ['boolean', '0'],
    ['date', '2024-02-29'],
    ['date', '2024-02-29Z'],
    ['dateTime', '2024-05-01T12:30:00'],
    ['dateTime', '2024-05-01T12:30:00.123+02:00'],
    ['string', ' anything '],
  ])('accepts %s %j', (type, value) => {
    expect(checkXsdType(type, value)).toBeUndefined();
  });

  it.each([
    ['int', '4.2', /integer/],
    ['int', '2147483648', /out of range/],
    ['unsignedByte', '256', /out of range/],
    ['decimal', '1e3', /decimal/],
    ['boolean', 'yes', /xsd:boolean/],
    ['date', '2023-02-29', /xsd:date/],
    ['date', '2024-13-01', /xsd:date/],
    ['dateTime', '2024-05-01 12:30:00', /xsd:dateTime/],
    ['dateTime', '2024-05-01T25:00:00', /xsd:dateTime/],
  ])('rejects %s %j', (type, value, message) => {
    expect(checkXsdType(type, value)).toMatch(message);
  });
});

describe('checkSimple', () => {
  it('checks numeric ranges as numbers, digits, and exclusive bounds', () => {
    const amount = simple('decimal', {
      minInclusive: '0',
      maxExclusive: '100',
      totalDigits: 5,
      fractionDigits: 2,
    });
    expect(checkSimple(amount, '99.99')).toBeUndefined();
    expect(checkSimple(amount, '9.5')).toBeUndefined();
    expect(checkSimple(amount, '100')).toBe('must be less than 100');
    expect(checkSimple(amount, '-1')).toBe('must be at least 0');
    expect(checkSimple(simple('decimal', { totalDigits: 5 }), '1234.56')).toBe('has more than 5 digits');
    expect(checkSimple(simple('decimal', { fractionDigits: 2 }), '1.234')).toBe(
      'has more than 2 digits after the decimal point',
    );
  });

  it('checks every pattern of a derivation chain, and enumerations', () => {
    const code = simple('string', { patterns: ['[A-Z]+', '.{2}'], enumeration: ['DE', 'AT', 'CHX'] });
    expect(checkSimple(code, 'DE')).toBeUndefined();
    expect(checkSimple(code, 'CHX')).toBe('does not match the pattern .{2}');
    expect(checkSimple(code, 'FR')).toBe("must be one of 'DE', 'AT', 'CHX'");
  });

  it('checks list items and list length, and union members', () => {
    const list: SimpleType = { ...simple('list', { maxLength: 3 }), itemType: simple('int') };
    expect(checkSimple(list, ' 1 2  3 ')).toBeUndefined();
    expect(checkSimple(list, '1 x')).toBe("item 'x' must be an integer (xsd:int)");
    expect(checkSimple(list, '1 2 3 4')).toBe('is too long (4 items, at most 3 allowed)');
    const union: SimpleType = { ...simple('union'), memberTypes: [simple('int'), simple('date')] };
    expect(checkSimple(union, '2024-01-31')).toBeUndefined();
    expect(checkSimple(union, '42')).toBeUndefined();
    expect(checkSimple(union, 'soon')).toBe('is not valid for any type of the union (int, date)');
  });

  it('knows durations, g-types and binary types', () => {
    expect(checkSimple(simple('duration'), 'P1DT2H')).toBeUndefined();
    expect(checkSimple(simple('duration'), 'P')).toMatch(/duration/);
    expect(checkSimple(simple('gYearMonth'), '2024-13')).toMatch(/gYearMonth/);
    expect(checkSimple(simple('base64Binary'), 'aGk=')).toBeUndefined();
    expect(checkSimple(simple('base64Binary'), 'aGk')).toMatch(/base64/);
    expect(checkSimple(simple('hexBinary'), '0aF')).toMatch(/hex/);
  });
});
