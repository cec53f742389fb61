import type { FieldDef } from '../../../../connectors/soap/types';
import { checkXsdType, validateAgainst } from '../../../../connectors/soap/validate';

const f = (name: string, type: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type,
  minOccurs: 1,
  maxOccurs: 1,
  ...extra,
});

const FIELDS: FieldDef[] = [
  f('customerNumber', 'string', { pattern: '[0-9]{1,10}' }),
  f('country', 'string', { pattern: '[A-Z]{2}' }),
  f('city', 'string', { maxLength: 5 }),
  f('channel', 'string', { minOccurs: 0, enumeration: ['call-center', 'web'] }),
  f('address', 'complex', { children: [f('postalCode', 'string'), f('street', 'string', { minOccurs: 0 })] }),
  f('phone', 'string', { minOccurs: 0, maxOccurs: 2 }),
];

const valid = {
  customerNumber: '0004711',
  country: 'DE',
  city: 'Köln',
  address: { postalCode: '50667' },
};

describe('validateAgainst', () => {
  it('accepts a valid body', () => {
    expect(validateAgainst(FIELDS, valid)).toEqual([]);
    expect(validateAgainst(FIELDS, { ...valid, channel: 'web', phone: ['1', '2'] })).toEqual([]);
  });

  it('reports missing and empty required fields', () => {
    const { customerNumber: _omit, ...rest } = valid;
    expect(validateAgainst(FIELDS, { ...rest, country: '' })).toEqual([
      { field: 'customerNumber', message: "field 'customerNumber' is required" },
      { field: 'country', message: "field 'country' is required and must not be empty" },
    ]);
  });

  it('names nested fields with a dotted path', () => {
    expect(validateAgainst(FIELDS, { ...valid, address: { street: 'x' } })).toEqual([
      { field: 'address.postalCode', message: "field 'address.postalCode' is required" },
    ]);
    expect(validateAgainst(FIELDS, { ...valid, address: 'flat' })[0]).toMatchObject({
      field: 'address',
      message: expect.stringMatching(/must contain elements/),
    });
  });

  it('reports unknown elements, at any depth', () => {
    const errors = validateAgainst(FIELDS, {
      ...valid,
      extra: '1',
      address: { postalCode: '1', floor: '2' },
    });
    expect(errors.map((e) => e.field)).toEqual(['address.floor', 'extra']);
    expect(errors[1].message).toBe("unknown element 'extra'");
  });

  it('checks pattern (anchored), maxLength in characters, enumeration and maxOccurs', () => {
    const errors = validateAgainst(FIELDS, {
      ...valid,
      customerNumber: '12345678901',
      country: 'DEU',
      city: 'Kölner',
      channel: 'fax',
      phone: ['1', '2', '3'],
    });
    expect(errors).toEqual([
      { field: 'customerNumber', message: "field 'customerNumber' does not match the pattern [0-9]{1,10}" },
      { field: 'country', message: "field 'country' does not match the pattern [A-Z]{2}" },
      { field: 'city', message: "field 'city' is too long (6 characters, at most 5 allowed)" },
      { field: 'channel', message: "field 'channel' must be one of 'call-center', 'web'" },
      { field: 'phone', message: "field 'phone' occurs 3 times, at most 2 allowed" },
    ]);
  });

  it('indexes repeated complex elements in the path', () => {
    const lines = [f('line', 'complex', { maxOccurs: Infinity, children: [f('qty', 'int')] })];
    expect(validateAgainst(lines, { line: [{ qty: '1' }, { qty: 'x' }] })).toEqual([
      { field: 'line[1].qty', message: "field 'line[1].qty' must be an integer (xsd:int)" },
    ]);
  });

  it('rejects nested elements where a simple value belongs', () => {
    expect(validateAgainst(FIELDS, { ...valid, city: { a: '1' } })[0].message).toBe(
      "field 'city' must be a simple value, not nested elements",
    );
  });
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
