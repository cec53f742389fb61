/**
 * The phone transform calls libphonenumber-js's parse directly and checks validity with each numbering
 * plan's patterns compiled once; both must agree with the library's public API (parse, then isValid())
 * on every country's numbers and on near misses of them.
 */
import fc from 'fast-check';
import { getCountries, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { isPhoneCountry, toE164 } from '../../../mappings/contact';
import { TransformError } from '../../../mappings/transform-support';
import { library, ours } from './phone-oracle';

/** The number and near misses: a digit less, one more, the last or first one changed. */
function variants(national: string): string[] {
  const last = national.slice(-1);
  const other = last === '9' ? '0' : String(Number(last) + 1);
  return [
    national,
    national.slice(0, -1),
    `${national}5`,
    national.slice(0, -1) + other,
    (national[0] === '1' ? '2' : '1') + national.slice(1),
  ];
}

describe('phone numbers', () => {
  const countries = getCountries();

  it('agree with the library for every country, in national, international and E.164 writing', () => {
    let compared = 0;
    let valid = 0;
    for (const country of countries) {
      expect(isPhoneCountry(country)).toBe(true);
      const example = getExampleNumber(country, examples as never);
      if (!example) continue;
      for (const national of variants(example.nationalNumber)) {
        const international = `+${example.countryCallingCode} ${national}`;
        for (const [text, defaultCountry] of [
          [national, country],
          [`0${national}`, country],
          [international, country],
          [international, undefined],
          [international.replace(' ', ''), undefined],
        ] as const) {
          const expected = library(text, defaultCountry);
          expect([text, defaultCountry, ours(text, defaultCountry)]).toEqual([
            text,
            defaultCountry,
            expected,
          ]);
          compared++;
          if (expected !== 'invalid') valid++;
        }
      }
    }
    // both kinds were compared, plenty of each
    expect(valid).toBeGreaterThan(1000);
    expect(compared - valid).toBeGreaterThan(1000);
  });

  it('agree with the library on arbitrary digit strings, punctuation and extensions', () => {
    const text = fc
      .tuple(
        fc.constantFrom('', '+', '00', '0', '(0)'),
        fc.stringMatching(/^[0-9 ()\-./]{1,18}$/),
        fc.constantFrom('', ' ext. 12', '#3', ' x'),
      )
      .map(([lead, body, tail]) => lead + body + tail);
    fc.assert(
      fc.property(
        text,
        fc.constantFrom<CountryCode | undefined>(undefined, 'DE', 'US', 'GB', 'RU', 'IN', 'BR', 'CH'),
        (value, country) => {
          expect(ours(value, country)).toBe(library(value, country));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('says what was wrong in the error', () => {
    expect(() => toE164('12', 'DE')).toThrow(/"12" is not a valid phone number for country DE/);
    expect(() => toE164('030 1234567', undefined)).toThrow(
      /no country known: write it with \+<country code>/,
    );
    expect(() => toE164('not a number', 'DE')).toThrow(TransformError);
    expect(toE164('  ', 'DE')).toBeUndefined();
    expect(toE164('+49 89 7654321', 'AT')).toBe('+49897654321');
    expect(toE164('91 123 45 67', 'ES')).toBe('+34911234567');
  });
});
