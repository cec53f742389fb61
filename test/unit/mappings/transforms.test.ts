import {
  TransformError,
  TransformOptionError,
  listTransforms,
  transforms,
} from '../../../mappings/transforms';

function make(name: string, option?: unknown): (value: unknown, scope?: unknown) => unknown {
  return transforms[name].create(option);
}

function failsWith(fn: () => unknown, rule: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TransformError);
  expect((caught as TransformError).rule).toBe(rule);
  expect((caught as TransformError).message).toMatch(message);
}

describe('transforms: keys and padding', () => {
  it('zero-pads SAP keys both ways (ALPHA conversion)', () => {
    expect(make('zeroPad', 10)('4711')).toBe('0000004711');
    expect(make('zeroPad', 10)(' 4711 ')).toBe('0000004711');
    expect(make('zeroPad', 10)('CPD-1')).toBe('CPD-1');
    expect(make('stripLeadingZeros')('0000004711')).toBe('4711');
    expect(make('stripLeadingZeros')('0000000000')).toBe('0');
    expect(make('alphaOutput')('0000004711')).toBe('4711');
    expect(make('alphaOutput')(' 0000000000 ')).toBe('0');
    expect(make('alphaOutput')('00ABC-1')).toBe('00ABC-1');
    failsWith(() => make('zeroPad', 4)('47110'), 'zeroPad', /"47110" is longer than 4 characters/);
  });

  it('pads start and end with a character, trims', () => {
    expect(make('padStart', { length: 5, char: '*' })('ab')).toBe('***ab');
    expect(make('padEnd', { length: 5 })('ab')).toBe('ab   ');
    expect(make('padEnd', { length: 2 })('abc')).toBe('abc');
    expect(make('trim')('  x \t')).toBe('x');
  });
});

describe('transforms: dates', () => {
  const date = (from: string, to: string) => make('date', { from, to });

  it('converts between the legacy formats and ISO', () => {
    expect(date('YYYYMMDD', 'iso-date')('20240229')).toBe('2024-02-29');
    expect(date('DD.MM.YYYY', 'iso-date')('01.03.2025')).toBe('2025-03-01');
    expect(date('DD.MM.YYYY', 'YYYYMMDD')('1.3.2025')).toBe('20250301');
    expect(date('iso', 'DD.MM.YYYY')('2025-03-01')).toBe('01.03.2025');
    expect(date('YYYYMMDD', 'iso-datetime')('20250301')).toBe('2025-03-01T00:00:00.000Z');
    expect(date('YYYYMMDDHHMMSS', 'iso-datetime')('20250301093000')).toBe('2025-03-01T09:30:00.000Z');
    expect(date('YYYYMMDDHHMMSS', 'iso-date')('00000000000000')).toBeUndefined();
    expect(date('epoch-s', 'iso-datetime')('1740821400')).toBe('2025-03-01T09:30:00.000Z');
    expect(date('epoch-ms', 'iso-date')(1740821400000)).toBe('2025-03-01');
    expect(date('iso', 'epoch-ms')('2025-03-01T10:30:00+01:00')).toBe(1740821400000);
    expect(date('iso', 'iso-datetime')('2025-03-01T10:30:00+01:00')).toBe('2025-03-01T09:30:00.000Z');
    // The calendar day is the one the sender wrote, in its own offset.
    expect(date('iso', 'iso-date')('2025-03-01T00:30:00+01:00')).toBe('2025-03-01');
  });

  it('treats SAP 00000000 and empty text as no date', () => {
    expect(date('YYYYMMDD', 'iso-date')('00000000')).toBeUndefined();
    expect(date('YYYYMMDD', 'iso-date')('  ')).toBeUndefined();
    expect(date('DD.MM.YYYY', 'iso-date')('00.00.0000')).toBeUndefined();
  });

  it('rejects days the calendar does not have, naming the value', () => {
    failsWith(
      () => date('DD.MM.YYYY', 'iso-date')('30.02.2024'),
      'date',
      /"30.02.2024" is not a calendar date/,
    );
    failsWith(() => date('YYYYMMDD', 'iso-date')('20230229'), 'date', /not a calendar date/);
    failsWith(() => date('YYYYMMDD', 'iso-date')('20241301'), 'date', /not a calendar date/);
    failsWith(() => date('iso', 'iso-date')('2024-04-31'), 'date', /not a calendar date/);
    failsWith(() => date('iso', 'iso-date')('2024-04-01T10:00:00'), 'date', /with time zone/);
    failsWith(() => date('YYYYMMDD', 'iso-date')('2024-01-01'), 'date', /form YYYYMMDD/);
    failsWith(() => date('YYYYMMDDHHMMSS', 'iso-date')('20250301246000'), 'date', /not a time of day/);
    failsWith(() => date('epoch-s', 'iso-date')('12.5'), 'date', /not a epoch-s number/);
    failsWith(() => date('epoch-ms', 'iso-date')(1e17), 'date', /outside the years/);
    expect(date('YYYYMMDD', 'iso-date')('20000229')).toBe('2000-02-29');
    failsWith(() => date('YYYYMMDD', 'iso-date')('19000229'), 'date', /not a calendar date/);
  });

  it('checks its options at compile time', () => {
    expect(() => make('date', { from: 'MM/DD/YYYY', to: 'iso-date' })).toThrow(TransformOptionError);
    expect(() => make('date', { from: 'iso', to: 'iso-date', tz: 'x' })).toThrow(/unknown option "tz"/);
  });
});

describe('transforms: amounts', () => {
  const de = make('decimal', { locale: 'de', scale: 2 });
  const en = make('decimal', { locale: 'en' });

  it('parses German amounts with thousands dots, decimal comma and signs in front or behind', () => {
    expect(de('10.000,00')).toBe(10000);
    expect(de('1.234,50-')).toBe(-1234.5);
    expect(de('-1.234,50')).toBe(-1234.5);
    expect(de('+7,1')).toBe(7.1);
    expect(de('1234,5')).toBe(1234.5);
    expect(de(',5')).toBe(0.5);
    expect(de('0,00-')).toBe(0);
    expect(Object.is(de('0,00-'), -0)).toBe(false);
    expect(de(' ')).toBeUndefined();
    expect(de(12.5)).toBe(12.5);
    expect(en('1,234,567.891-')).toBe(-1234567.891);
  });

  it('rejects what it cannot read exactly', () => {
    failsWith(() => de('1.5'), 'decimal', /"1.5" is not a de decimal/);
    failsWith(() => de('1,234'), 'decimal', /more than 2 decimal places/);
    expect(de('1,2300')).toBe(1.23);
    failsWith(() => de('-1,00-'), 'decimal', /not a de decimal/);
    failsWith(() => de('12a'), 'decimal', /not a de decimal/);
    failsWith(() => de('1234567890123456'), 'decimal', /more digits than can be kept/);
    failsWith(() => de('-'), 'decimal', /not a de decimal/);
  });

  it('formats amounts back, SAP style with a trailing sign', () => {
    const sap = make('formatDecimal', { locale: 'de', scale: 2, trailingSign: true });
    expect(sap(-1234.5)).toBe('1.234,50-');
    expect(sap(1234.5)).toBe('1.234,50');
    expect(sap('-0.001')).toBe('0,00');
    expect(make('formatDecimal', { locale: 'en', scale: 3, grouping: false })(-1234567.5)).toBe(
      '-1234567.500',
    );
    expect(make('formatDecimal', { locale: 'de', scale: 0 })(999999.5)).toBe('1.000.000');
    failsWith(() => sap('abc'), 'formatDecimal', /"abc" is not a number/);
    failsWith(() => sap(1e16), 'formatDecimal', /too large/);
    expect(() => make('formatDecimal', { locale: 'fr' })).toThrow(/"locale" must be one of "de", "en"/);
    expect(() => make('decimal', { locale: 'de', scale: 11 })).toThrow(
      /"scale" must be an integer from 0 to 10/,
    );
  });
});

describe('transforms: code tables', () => {
  it('maps countries from codes and German or English names to ISO alpha-2', () => {
    const country = make('code', { table: 'country' });
    for (const spelling of ['DE', 'de', 'DEU', 'Deutschland', 'deutschland', 'Germany', 'D', '276', 'BRD'])
      expect(country(spelling)).toBe('DE');
    expect(country('Österreich')).toBe('AT');
    expect(country('Schweiz')).toBe('CH');
    expect(country('CHE')).toBe('CH');
    failsWith(() => country('Atlantis'), 'code', /"Atlantis" is not a code in code table "country"/);
    // the codes as the data writes them (LAND1 "DE"), not the lower-cased keys of the lookup
    failsWith(
      () => country('XY'),
      'code',
      /\(known: AF, AL, DZ, AS, AD, AO, AI, AQ, AG, AR, AM, AW, \.\.\.\)$/,
    );
    expect(make('code', { table: 'country', reverse: true })('DE')).toBe('DEU');
    expect(make('code', { table: 'country', reverse: true, as: 'name-de' })('AT')).toBe('Österreich');
    expect(make('code', { table: 'country', reverse: true, as: 'alpha-2' })('at')).toBe('AT');
  });

  it('maps tiers and account groups and back; unknown codes fail unless a default is given', () => {
    expect(make('code', { table: 'tier' })('01')).toBe('platinum');
    expect(make('code', { table: 'tier' })('1')).toBe('platinum');
    expect(make('code', { table: 'tier', reverse: true })('platinum')).toBe('01');
    expect(make('code', { table: 'accountGroup' })('0001')).toBe('sold-to');
    expect(make('code', { table: 'account-group', reverse: true })('payer')).toBe('0003');
    failsWith(
      () => make('code', { table: 'tier' })('99'),
      'code',
      /"99" is not a code in code table "tier" \(known: 01, 02/,
    );
    failsWith(
      () => make('code', { table: 'tier', reverse: true })('gold-plus'),
      'code',
      /not a canonical value in code table "tier"/,
    );
    expect(make('code', { table: 'tier', default: 'basic' })('99')).toBe('basic');
    expect(make('code', { table: { A: 'active', I: 'inactive' } })('I')).toBe('inactive');
    expect(make('code', { table: 'tier' })('')).toBeUndefined();
  });

  it('rejects bad tables at compile time', () => {
    expect(() => make('code', { table: 'colour' })).toThrow(
      /table "colour": no such table \(known: accountGroup, country, tier\)/,
    );
    expect(() => make('code', { table: { a: 'x', b: 'x' } })).toThrow(/maps both "a" and "b" to "x"/);
    expect(() => make('code', { table: 'tier', as: 'alpha-3' })).toThrow(/"as" applies to the country table/);
    expect(() => make('code', { tabel: 'tier' })).toThrow(/unknown option "tabel"/);
  });
});

describe('transforms: contact data', () => {
  it('normalises phone numbers to E.164', () => {
    expect(make('phone', { defaultCountry: 'DE' })('030 1234567')).toBe('+49301234567');
    expect(make('phone', { defaultCountry: 'DE' })('+43 1 5331234')).toBe('+4315331234');
    expect(make('phone')('+49 (0)89 636-48018')).toBe('+498963648018');
    const fromField = make('phone', { defaultCountryFrom: 'LAND1' });
    expect(fromField('01 5331234', { LAND1: 'AT' })).toBe('+4315331234');
    expect(fromField('030 1234567', { LAND1: 'Deutschland' })).toBe('+49301234567');
    failsWith(
      () => make('phone', { defaultCountry: 'DE' })('12'),
      'phone',
      /"12" is not a valid phone number for country DE/,
    );
    failsWith(() => fromField('030 1234567', {}), 'phone', /no country known/);
    expect(() => make('phone', { defaultCountry: 'XX' })).toThrow(/"XX" is not an ISO alpha-2/);
  });

  it('lower-cases and checks e-mail addresses', () => {
    expect(make('email')(' Anna.Schmidt@Example.DE ')).toBe('anna.schmidt@example.de');
    failsWith(() => make('email')('anna@localhost'), 'email', /"anna@localhost" is not an e-mail address/);
    failsWith(() => make('email')('an na@x.de'), 'email', /not an e-mail address/);
  });
});

describe('transforms: names and streets', () => {
  it('splits names by the documented rule', () => {
    const split = make('splitName');
    expect(split('Dr. Anna Maria Schmidt')).toEqual({
      title: 'Dr.',
      givenName: 'Anna Maria',
      familyName: 'Schmidt',
    });
    expect(split('Schmidt, Anna')).toEqual({ givenName: 'Anna', familyName: 'Schmidt' });
    expect(split('Schmidt, Prof. Dr. Anna')).toEqual({
      title: 'Prof. Dr.',
      givenName: 'Anna',
      familyName: 'Schmidt',
    });
    expect(split('Dr. med. Hans von der Heide')).toEqual({
      title: 'Dr. med.',
      givenName: 'Hans',
      familyName: 'von der Heide',
    });
    expect(split('Madonna')).toEqual({ familyName: 'Madonna' });
    expect(split('Frau Dr. Anna Schmidt')).toEqual({
      salutation: 'Frau',
      title: 'Dr.',
      givenName: 'Anna',
      familyName: 'Schmidt',
    });
    expect(split('Herr Meier')).toEqual({ salutation: 'Herr', familyName: 'Meier' });
    expect(split('Schmidt, Frau')).toEqual({ salutation: 'Frau', familyName: 'Schmidt' });
    expect(split('  ')).toBeUndefined();
    failsWith(() => split('Dr.'), 'splitName', /holds a title but no name/);
    failsWith(() => split(', Anna'), 'splitName', /no family name before the comma/);
  });

  it('joins names from an object or a list', () => {
    const join = make('joinName');
    expect(join({ title: 'Dr.', givenName: 'Anna', familyName: 'Schmidt' })).toBe('Dr. Anna Schmidt');
    expect(join(['Anna', 'Schmidt'])).toBe('Anna Schmidt');
    expect(join([undefined, 'Schmidt'])).toBe('Schmidt');
    expect(make('joinName', { format: 'family-comma-given' })(['Anna', 'Schmidt'])).toBe('Schmidt, Anna');
    failsWith(() => join('Anna'), 'joinName', /expects \{ salutation, title, givenName, familyName \}/);
  });

  it('splits and joins street lines', () => {
    const split = make('splitStreet');
    expect(split('Hauptstraße 5a')).toEqual({ street: 'Hauptstraße', houseNumber: '5a' });
    expect(split('Straße des 17. Juni 112')).toEqual({ street: 'Straße des 17. Juni', houseNumber: '112' });
    expect(split('Hauptstr.5')).toEqual({ street: 'Hauptstr.', houseNumber: '5' });
    expect(split('Am Markt 12-14')).toEqual({ street: 'Am Markt', houseNumber: '12-14' });
    expect(split('Ringstraße 3 b')).toEqual({ street: 'Ringstraße', houseNumber: '3 b' });
    expect(split('10 Downing Street')).toEqual({ street: 'Downing Street', houseNumber: '10' });
    expect(split('Marktplatz')).toEqual({ street: 'Marktplatz' });
    expect(make('joinStreet')({ street: 'Hauptstraße', houseNumber: '5a' })).toBe('Hauptstraße 5a');
    expect(make('joinStreet')(['Marktplatz', undefined])).toBe('Marktplatz');
  });

  it('splits, joins and picks generically', () => {
    expect(make('split', ';')('a; b;;c ')).toEqual(['a', 'b', 'c']);
    expect(make('split', { separator: ';', keepEmpty: true })('a;;b')).toEqual(['a', '', 'b']);
    expect(make('join', ' ')(['Müller', undefined, ' GmbH ', ''])).toBe('Müller GmbH');
    expect(make('pick', 'family')({ family: 'Schmidt' })).toBe('Schmidt');
    expect(make('pick', 1)(['a', 'b'])).toBe('b');
    failsWith(() => make('pick', 'x')('text'), 'pick', /expects an object or list, got string/);
    expect(() => make('split', '')).toThrow(/non-empty separator/);
  });
});

describe('transforms: values', () => {
  it('reads SAP and other yes/no flags, and writes them back', () => {
    const yes = make('boolean');
    for (const word of ['X', 'x', 'J', 'Y', '1', 'true', 1]) expect(yes(word)).toBe(true);
    for (const word of ['', ' ', 'N', '0', 'false', 0]) expect(yes(word)).toBe(false);
    failsWith(() => yes('vielleicht'), 'boolean', /"vielleicht" is not a yes\/no value/);
    expect(make('boolean', { true: ['A'], false: ['I'] })('i')).toBe(false);
    expect(() => make('boolean', { true: ['A'], false: ['a'] })).toThrow(/both true and false/);
    expect(make('flag')(true)).toBe('X');
    expect(make('flag', { true: 'J', false: 'N' })(false)).toBe('N');
    failsWith(() => make('flag')('X'), 'flag', /expects true or false/);
  });

  it('default, const, map, upper, lower, number', () => {
    expect(make('default', 'EUR')('')).toBe('EUR');
    expect(make('const', 'sap')('anything')).toBe('sap');
    expect(make('map', { F: 'branch' })('F')).toBe('branch');
    expect(make('map', { F: 'branch' })('Q')).toBe('Q');
    expect(make('upper')('de')).toBe('DE');
    expect(make('lower')('DE')).toBe('de');
    expect(make('number')('10_000')).toBe(10000);
  });

  it('find picks the first item of a list that matches, or nothing', () => {
    const phones = [
      { type: 'mobile', number: '+4917155598100' },
      { type: 'work', number: '+49221555100' },
    ];
    expect(make('find', { where: { type: 'work' }, pick: 'number' })(phones)).toBe('+49221555100');
    expect(make('find', { where: { type: 'work' } })(phones)).toEqual(phones[1]);
    expect(make('find', { where: { type: 'fax' }, pick: 'number' })(phones)).toBeUndefined();
    expect(make('find', { where: { type: 'work' }, pick: 'number' })(undefined)).toBeUndefined();
    failsWith(() => make('find', { where: { type: 'work' } })('x'), 'find', /expects a list/);
    expect(() => make('find', { where: {} })).toThrow(/find needs where/);
  });

  it('entries makes an object of key/value items, nesting dotted keys, and refuses what it cannot place', () => {
    const entries = make('entries');
    expect(
      entries([
        { key: 'reason', value: 'late' },
        { key: 'address.city', value: 'München' },
        { key: 'address.country', value: 'DE' },
      ]),
    ).toEqual({ reason: 'late', address: { city: 'München', country: 'DE' } });
    expect(make('entries', { key: 'name', value: 'text' })({ name: 'a', text: 'b' })).toEqual({ a: 'b' });
    // a value that is an object stays that value: a later dotted key cannot write into it
    const kept = { city: 'Köln' };
    failsWith(
      () =>
        entries([
          { key: 'address', value: kept },
          { key: 'address.city', value: 'Bonn' },
        ]),
      'entries',
      /clashes with key "address" of item \[0\]/,
    );
    expect(kept).toEqual({ city: 'Köln' });
    failsWith(
      () =>
        entries([
          { key: 'a.b', value: '1' },
          { key: 'a', value: '2' },
        ]),
      'entries',
      /clashes with key "a.b"/,
    );
    // names an object inherits are free keys, not parents
    expect(entries([{ key: 'toString.x', value: '1' }])).toEqual({ toString: { x: '1' } });
    failsWith(() => entries(['reason=late']), 'entries', /item \[0\] must be an object, got string/);
    failsWith(() => entries([{ value: 'late' }]), 'entries', /item \[0\] has no text in "key"/);
    expect(() => make('entries', { key: 'k', value: 'k' })).toThrow(/two different property names/);
  });

  it('number keeps every digit or refuses: 15 significant digits, an integer’s zeros counted', () => {
    expect(make('number')('123456789012345')).toBe(123456789012345);
    expect(make('number')('0.000123456789012345')).toBe(0.000123456789012345);
    expect(make('number')('1.50000000000000000000')).toBe(1.5);
    expect(make('number')('1.5e22')).toBe(1.5e22);
    for (const text of ['10000000000000000000000', '1234567890123456', '0.1234567890123456']) {
      failsWith(() => make('number')(text), 'number', /has more digits than can be kept exactly/);
    }
  });

  it('lists every transform with a usage line', () => {
    for (const name of listTransforms())
      expect(transforms[name].usage).toMatch(
        name === 'default' || name === 'const' ? /\S/ : new RegExp(name),
      );
    expect(listTransforms()).toEqual(
      expect.arrayContaining([
        'zeroPad',
        'date',
        'decimal',
        'formatDecimal',
        'code',
        'phone',
        'email',
        'splitName',
        'joinName',
        'splitStreet',
        'joinStreet',
        'split',
        'join',
        'boolean',
        'flag',
        'const',
        'padEnd',
      ]),
    );
  });
});
