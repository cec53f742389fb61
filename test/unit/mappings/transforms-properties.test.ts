/**
 * Property tests for every transform: round trips where a reverse exists, idempotence where it
 * does not, and for all of them: arbitrary input gives a value or a TransformError, nothing else.
 */
import fc from 'fast-check';
import countries from 'i18n-iso-countries';
import { TransformError, transforms, type TransformFn } from '../../../mappings/transforms';

function make(name: string, option?: unknown): TransformFn {
  return transforms[name].create(option);
}

/** One configured instance of every transform, so the "only TransformError" property covers them all. */
const INSTANCES: [string, unknown][] = [
  ['trim', undefined],
  ['upper', undefined],
  ['lower', undefined],
  ['prefix', 'crm:'],
  ['suffix', '-x'],
  ['stripLeadingZeros', undefined],
  ['alphaOutput', undefined],
  ['zeroPad', 10],
  ['padStart', { length: 8, char: '0' }],
  ['padEnd', { length: 8 }],
  ['number', undefined],
  ['number', { decimalSeparator: ',' }],
  ['decimal', { locale: 'de', scale: 2 }],
  ['decimal', { locale: 'en' }],
  ['formatDecimal', { locale: 'de', scale: 2, trailingSign: true }],
  ['formatDecimal', { locale: 'en', scale: 0, grouping: false }],
  ...(['YYYYMMDD', 'YYYYMMDDHHMMSS', 'DD.MM.YYYY', 'epoch-s', 'epoch-ms', 'iso'] as const).map(
    (from): [string, unknown] => ['date', { from, to: 'iso-datetime' }],
  ),
  ['date', { from: 'iso', to: 'epoch-s' }],
  ['code', { table: 'country' }],
  ['code', { table: 'country', reverse: true, as: 'name-de' }],
  ['code', { table: 'tier' }],
  ['code', { table: 'accountGroup', reverse: true }],
  ['code', { table: { A: 'active' }, default: 'unknown' }],
  ['phone', { defaultCountry: 'DE' }],
  ['phone', { defaultCountryFrom: 'LAND1' }],
  ['email', undefined],
  ['splitName', undefined],
  ['joinName', undefined],
  ['joinName', { format: 'family-comma-given' }],
  ['splitStreet', undefined],
  ['joinStreet', undefined],
  ['split', ','],
  ['join', ' '],
  ['pick', 'family'],
  ['find', { where: { type: 'work' }, pick: 'number' }],
  ['default', 'x'],
  ['const', 'y'],
  ['map', { a: 'b' }],
  ['boolean', undefined],
  ['flag', undefined],
  ['entries', undefined],
  ['sourceRef', { system: 'LAND1', id: 'LAND1' }],
  ['entries', { key: 'name', value: 'text' }],
];

const anyInput = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.stringMatching(/^[\d.,+\- ]{0,20}$/),
  fc.anything(),
  fc.array(fc.oneof(fc.string(), fc.constant(undefined))),
  fc.double(),
);

describe('every transform: arbitrary input gives a value or a TransformError', () => {
  it('covers every registered transform', () => {
    expect(new Set(INSTANCES.map(([name]) => name))).toEqual(new Set(Object.keys(transforms)));
  });

  it.each(INSTANCES.map(([name, option]) => [name, JSON.stringify(option) ?? '', option]))(
    '%s %s',
    (name, _label, option) => {
      const fn = make(name as string, option);
      fc.assert(
        fc.property(
          anyInput,
          fc.oneof(fc.constant(undefined), fc.record({ LAND1: fc.string() })),
          (value, scope) => {
            try {
              fn(value, scope);
            } catch (error) {
              if (!(error instanceof TransformError)) throw error;
              expect(error.message.length).toBeGreaterThan(0);
            }
          },
        ),
        { numRuns: 300 },
      );
    },
  );
});

describe('round trips', () => {
  it('zeroPad and stripLeadingZeros undo each other', () => {
    const pad = make('zeroPad', 10);
    const strip = make('stripLeadingZeros');
    fc.assert(
      fc.property(fc.stringMatching(/^(0|[1-9]\d{0,9})$/), (key) => {
        expect(strip(pad(key))).toBe(key);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^\d{10}$/), (kunnr) => {
        expect(pad(strip(kunnr))).toBe(kunnr);
      }),
    );
    // alphaOutput undoes zeroPad for every customer number SAP keeps, alphanumeric ones included
    const alpha = make('alphaOutput');
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Z-]{1,10}$/), (kunnr) => {
        expect(pad(alpha(kunnr))).toBe(pad(kunnr));
      }),
    );
  });

  const days = fc.date({
    min: new Date('0001-01-01T00:00:00Z'),
    max: new Date('9999-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  });

  it('date formats convert to ISO and back without loss', () => {
    const formats = ['YYYYMMDD', 'DD.MM.YYYY'] as const;
    fc.assert(
      fc.property(days, fc.constantFrom(...formats), (day, format) => {
        const iso = day.toISOString().slice(0, 10);
        const legacy = make('date', { from: 'iso', to: format })(iso);
        expect(make('date', { from: format, to: 'iso-date' })(legacy)).toBe(iso);
        expect(make('date', { from: format, to: format })(legacy)).toBe(legacy);
      }),
    );
  });

  it('epochs convert to ISO date-times and back without loss', () => {
    fc.assert(
      fc.property(days, (day) => {
        const ms = day.getTime();
        const iso = make('date', { from: 'epoch-ms', to: 'iso-datetime' })(ms);
        expect(iso).toBe(day.toISOString());
        expect(make('date', { from: 'iso', to: 'epoch-ms' })(iso)).toBe(ms);
        const stamp = make('date', { from: 'epoch-ms', to: 'YYYYMMDDHHMMSS' })(ms);
        expect(stamp).toMatch(/^\d{14}$/);
        expect(make('date', { from: 'YYYYMMDDHHMMSS', to: 'epoch-ms' })(stamp)).toBe(
          ms - (((ms % 1000) + 1000) % 1000),
        );
        const seconds = Math.floor(ms / 1000);
        const isoSeconds = make('date', { from: 'epoch-s', to: 'iso-datetime' })(String(seconds));
        expect(make('date', { from: 'iso', to: 'epoch-s' })(isoSeconds)).toBe(seconds);
      }),
    );
  });

  it('amounts survive format and parse, with leading or trailing signs, in both locales', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e13, max: 1e13 }),
        fc.constantFrom('de', 'en'),
        fc.boolean(),
        fc.boolean(),
        (cents, locale, trailingSign, grouping) => {
          const amount = cents / 100;
          const text = make('formatDecimal', { locale, scale: 2, trailingSign, grouping })(amount) as string;
          if (amount < 0) expect(trailingSign ? text.endsWith('-') : text.startsWith('-')).toBe(true);
          const parsed = make('decimal', { locale, scale: 2 })(text);
          expect(parsed).toBe(amount === 0 ? 0 : amount);
          // And the text is the canonical spelling: formatting the parsed value gives it again.
          expect(make('formatDecimal', { locale, scale: 2, trailingSign, grouping })(parsed)).toBe(text);
        },
      ),
    );
  });

  it('code tables map every entry back and forth', () => {
    for (const table of ['tier', 'accountGroup']) {
      const forward = make('code', { table });
      const back = make('code', { table, reverse: true });
      const codes =
        table === 'tier'
          ? ['01', '02', '03', '04']
          : ['0001', '0002', '0003', '0004', '0005', '0006', '0007', '0012', 'CPD'];
      fc.assert(
        fc.property(fc.constantFrom(...codes), (code) => {
          expect(back(forward(code))).toBe(code);
          expect(forward(back(forward(code)))).toBe(forward(code));
        }),
      );
    }
  });

  it('every country goes to each legacy spelling and back to its alpha-2 code', () => {
    const forward = make('code', { table: 'country' });
    const formats = ['alpha-2', 'alpha-3', 'numeric', 'name-de', 'name-en'];
    const backs = formats.map((as) => make('code', { table: 'country', reverse: true, as }));
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(countries.getAlpha2Codes())),
        fc.nat(formats.length - 1),
        (alpha2, index) => {
          expect(forward(backs[index](alpha2))).toBe(alpha2);
        },
      ),
      { numRuns: 1000 },
    );
  });

  const word = fc
    .tuple(fc.constantFrom(...'ABCDEFGHIKLMNOPRSTUVWZÄÖÜ'), fc.stringMatching(/^[a-zäöüß]{1,10}$/))
    .map(([first, rest]) => first + rest);

  it('street lines split into street and house number and join back', () => {
    const split = make('splitStreet');
    const join = make('joinStreet');
    const street = fc
      .tuple(
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('', 'straße', 'str.', 'weg', '-Allee'),
      )
      .map(([words, suffix]) => words.join(' ') + suffix);
    const houseNumber = fc.stringMatching(/^[1-9]\d{0,3}([a-z]|-[1-9]\d{0,2})?$/);
    fc.assert(
      fc.property(street, fc.option(houseNumber, { nil: undefined }), (name, number) => {
        const line = { street: name, ...(number === undefined ? {} : { houseNumber: number }) };
        expect(split(join(line))).toEqual(line);
      }),
    );
  });

  it('person names split into salutation, title, given and family name and join back, in both formats', () => {
    const salutation = fc.constantFrom('Frau', 'Herr', 'Ms');
    const title = fc.constantFrom('Dr.', 'Prof.', 'Prof. Dr.', 'Dipl.-Ing.', 'Dr. med.');
    const familyName = fc
      .tuple(fc.constantFrom('', 'von ', 'van der ', 'de '), word, fc.option(word, { nil: undefined }))
      .map(([particle, first, second]) => particle + first + (second ? `-${second}` : ''));
    const givenName = fc.array(word, { minLength: 1, maxLength: 2 }).map((w) => w.join(' '));
    const name = fc.record({ salutation, title, givenName, familyName }, { requiredKeys: ['familyName'] });
    const split = make('splitName');
    fc.assert(
      fc.property(name, fc.constantFrom('given-family', 'family-comma-given'), (person, format) => {
        const expected = {
          ...(person.salutation ? { salutation: person.salutation } : {}),
          ...(person.title ? { title: person.title } : {}),
          ...(person.givenName ? { givenName: person.givenName } : {}),
          familyName: person.familyName,
        };
        expect(split(make('joinName', { format })(person))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('generic split and join undo each other', () => {
    const part = fc.stringMatching(/^[^;\s]([^;]*[^;\s])?$/);
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        expect(make('split', ';')(make('join', ';')(parts))).toEqual(parts);
      }),
    );
  });

  it('flags written back read as the same boolean', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.constantFrom(undefined, { true: 'J', false: 'N' }), (value, option) => {
        const words = option ? { true: [option.true], false: [option.false] } : undefined;
        expect(make('boolean', words)(make('flag', option)(value))).toBe(value);
      }),
    );
  });
});

describe('idempotence where no reverse exists', () => {
  it('trim, upper, lower, email and phone are stable when applied twice', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const name of ['trim', 'upper', 'lower']) {
          const fn = make(name);
          expect(fn(fn(text))).toBe(fn(text));
        }
      }),
    );
    const email = make('email');
    fc.assert(
      fc.property(fc.emailAddress(), (address) => {
        const once = email(address);
        expect(once).toBe(address.toLowerCase());
        expect(email(once)).toBe(once);
      }),
    );
    const phone = make('phone', { defaultCountry: 'DE' });
    fc.assert(
      fc.property(
        fc.constantFrom('030', '089', '0151', '040', '0221'),
        fc.stringMatching(/^\d{6,8}$/),
        (area, number) => {
          let once: unknown;
          try {
            once = phone(`${area} ${number}`);
          } catch (error) {
            expect(error).toBeInstanceOf(TransformError);
            return;
          }
          expect(once).toMatch(/^\+49\d{6,13}$/);
          expect(phone(once)).toBe(once);
        },
      ),
    );
  });
});
