/**
 * Transforms with a fast path for the usual input give what their general path (or the regular
 * expression they replace) gives, for usual and unusual input alike.
 */
import fc from 'fast-check';
import { formatDate, parseDate, sapDigitsToIso } from '../../../mappings/dates';
import { splitName, splitStreet } from '../../../mappings/names';
import { TransformError, transforms } from '../../../mappings/transforms';

const make = (name: string, option?: unknown) => transforms[name].create(option);

/** The outcome of a call: its value, or the rule and message of the TransformError it threw. */
function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof TransformError) return { rule: error.rule, message: error.message };
    throw error;
  }
}

const digits = (length: number) => fc.stringMatching(new RegExp(`^[0-9]{${length}}$`));
/** Mostly real dates and times, some just out of range. */
const timestamp = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 60 }),
  )
  .map((parts) => parts.map((part, i) => String(part).padStart(i === 0 ? 4 : 2, '0')).join(''));

describe('SAP dates to ISO', () => {
  it.each([
    ['YYYYMMDDHHMMSS', 'iso-datetime', 14],
    ['YYYYMMDD', 'iso-date', 8],
  ] as const)('%s to %s: the direct way gives what parse and format give', (from, to, length) => {
    const direct = sapDigitsToIso(from, to);
    if (!direct) throw new Error('no direct way');
    const general = (value: unknown) =>
      outcome(() => {
        const date = parseDate(from, value);
        return date === undefined ? undefined : formatDate(to, date);
      });
    const transform = make('date', { from, to });
    const input = fc.oneof(
      timestamp.map((text) => text.slice(0, length)),
      digits(length),
      fc.constantFrom(
        '00000000000000'.slice(0, length),
        ' 20240229',
        '2024-02-29',
        '20240229 ',
        '',
        '２０２４０２２９',
      ),
      fc.string({ maxLength: 16 }),
    );
    fc.assert(
      fc.property(input, (value) => {
        const fast = direct(value);
        if (fast !== undefined) expect({ value: fast }).toEqual(general(value));
        expect(outcome(() => transform(value))).toEqual(general(value));
      }),
      { numRuns: 5000 },
    );
    expect(direct('20240229'.padEnd(length, '0'))).toBe(
      length === 8 ? '2024-02-29' : '2024-02-29T00:00:00.000Z',
    );
    expect(direct('20230229'.padEnd(length, '0'))).toBeUndefined();
  });

  it('has no direct way for other formats', () => {
    expect(sapDigitsToIso('YYYYMMDD', 'DD.MM.YYYY')).toBeUndefined();
    expect(sapDigitsToIso('iso', 'iso-date')).toBeUndefined();
  });
});

describe('text transforms', () => {
  const text = fc.oneof(fc.stringMatching(/^[0 \n\r\u2028a1-]{0,8}$/), fc.string({ maxLength: 12 }));

  it('stripLeadingZeros removes what /^0+(?=.)/ matches', () => {
    const strip = make('stripLeadingZeros');
    fc.assert(
      fc.property(text, (value) => {
        expect(strip(value)).toBe(value.trim().replace(/^0+(?=.)/, ''));
      }),
      { numRuns: 3000 },
    );
    expect(strip('0004711')).toBe('4711');
    expect(strip('000')).toBe('0');
    expect(strip('00\u20285')).toBe('0\u20285');
  });

  it('split gives the trimmed parts, empty ones left out unless asked for', () => {
    const parts = fc
      .array(fc.stringMatching(/^[ a;\t]{0,4}$/), { maxLength: 5 })
      .map((list) => list.join(';'));
    for (const keepEmpty of [false, true]) {
      const split = make('split', { separator: ';', keepEmpty });
      fc.assert(
        fc.property(parts, (value) => {
          const expected = value.split(';').map((part) => part.trim());
          expect(split(value)).toEqual(keepEmpty ? expected : expected.filter((part) => part !== ''));
        }),
      );
    }
  });

  it('splitName and splitStreet read white space of any kind and length as one space', () => {
    const space = fc.constantFrom(' ', '  ', '\t', '\u00a0', ' \n ', '\u3000');
    const words = (list: string[]) =>
      fc
        .array(space, { minLength: list.length + 1, maxLength: list.length + 1 })
        .map((gaps) => list.reduce((line, word, i) => line + word + gaps[i + 1], gaps[0]));
    const name = fc
      .array(fc.constantFrom('Frau', 'Dr.', 'Anna', 'Maria', 'von', 'Schmidt', 'med.', ','), {
        minLength: 1,
        maxLength: 5,
      })
      .chain(words);
    const street = fc
      .array(fc.constantFrom('Sendlinger', 'Straße', '12', '5a', '-', '7', 'Rue', 'de', ','), {
        minLength: 1,
        maxLength: 4,
      })
      .chain(words);
    fc.assert(
      fc.property(name, street, (line, address) => {
        const plain = (value: string) => value.trim().replace(/\s+/g, ' ');
        // errors quote the value as given, so only their rule is compared
        const result = (run: () => unknown) => {
          const got = outcome(run) as { value?: unknown; rule?: string };
          return 'value' in got ? got : got.rule;
        };
        expect(result(() => splitName(line))).toEqual(result(() => splitName(plain(line))));
        expect(result(() => splitStreet(address))).toEqual(result(() => splitStreet(plain(address))));
      }),
      { numRuns: 2000 },
    );
    expect(splitStreet('Sendlinger  Straße\t12,')).toEqual({ street: 'Sendlinger Straße 12,' });
    expect(splitStreet('Sendlinger Straße, 12')).toEqual({ street: 'Sendlinger Straße', houseNumber: '12' });
  });
});
