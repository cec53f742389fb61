/**
 * The phone transform works out plain numbers (digits, a leading '+', the separators space - / .)
 * itself and leaves everything else to libphonenumber-js. Both must give the library's public answer
 * (parse, then isValid()) on every input, and the plain way must really be taken for plain numbers.
 */
import fc from 'fast-check';
import { Metadata } from 'libphonenumber-js/core';
import {
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  type CountryCode,
  type MetadataJson,
} from 'libphonenumber-js/max';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import examples from 'libphonenumber-js/examples.mobile.json';
import { NUMBER_TYPES, plainE164, toE164 } from '../../../mappings/contact';
import { library, ours } from './phone-oracle';

const metadata = maxMetadata as unknown as MetadataJson;
const countries = getCountries();

/** The plain way's answer, 'not plain' where it leaves the text to the library. */
function plain(text: string, country: CountryCode | undefined): string {
  const answer = plainE164(text.trim(), country);
  return answer === undefined ? 'not plain' : answer === false ? 'invalid' : answer;
}

interface PlanView {
  nationalPrefix(): string | undefined;
  IDDPrefix(): string | undefined;
  type(name: string): { pattern(): string | undefined } | undefined;
}

interface CountryFacts {
  callingCode: string;
  nationalPrefix: string;
  idd: string;
  /** National numbers of the country: its example and numbers of each of its type patterns. */
  numbers: fc.Arbitrary<string>;
  example: string | undefined;
}

function facts(country: CountryCode): CountryFacts {
  const selected = new Metadata(metadata);
  selected.selectNumberingPlan(country);
  const plan = selected.numberingPlan as unknown as PlanView;
  const example = getExampleNumber(country, examples as never)?.nationalNumber;
  const numbers: fc.Arbitrary<string>[] = example ? [fc.constant(example)] : [];
  for (const name of NUMBER_TYPES) {
    const pattern = plan.type(name)?.pattern();
    if (pattern) numbers.push(fc.stringMatching(new RegExp(`^(?:${pattern})$`)));
  }
  numbers.push(fc.stringMatching(/^[0-9]{1,18}$/));
  return {
    callingCode: getCountryCallingCode(country),
    nationalPrefix: plan.nationalPrefix() || '0',
    // Some IDD prefixes are patterns; a literal one of them will do.
    idd: /^\d+$/.test(plan.IDDPrefix() ?? '') ? (plan.IDDPrefix() as string) : '00',
    numbers: fc.oneof(...numbers),
    example,
  };
}

const FACTS = new Map(countries.map((country) => [country, facts(country)]));

function factsOf(country: CountryCode): CountryFacts {
  return FACTS.get(country) as CountryFacts;
}

/** Near misses: digits deleted, inserted or changed. */
const edits = fc.array(
  fc.record({
    kind: fc.constantFrom('delete', 'insert', 'change'),
    at: fc.nat(),
    digit: fc.integer({ min: 0, max: 9 }).map(String),
  }),
  { maxLength: 3 },
);

function applyEdits(number: string, list: readonly { kind: string; at: number; digit: string }[]): string {
  let result = number;
  for (const { kind, at, digit } of list) {
    const i = result.length === 0 ? 0 : at % (result.length + (kind === 'insert' ? 1 : 0));
    if (kind === 'insert') result = result.slice(0, i) + digit + result.slice(i);
    else if (kind === 'delete') result = result.slice(0, i) + result.slice(i + 1);
    else result = result.slice(0, i) + digit + result.slice(i + 1);
  }
  return result;
}

const FORMS = [
  'national',
  'national prefix',
  'calling code',
  'idd',
  'plus',
  'plus national prefix',
  'plus other country',
] as const;
type Form = (typeof FORMS)[number];

function write(
  form: Form,
  own: CountryFacts,
  other: CountryFacts,
  national: string,
  prefix = own.nationalPrefix,
): string {
  switch (form) {
    case 'national':
      return national;
    case 'national prefix':
      return prefix + national;
    case 'calling code':
      return own.callingCode + national;
    case 'idd':
      return own.idd + own.callingCode + national;
    case 'plus':
      return `+${own.callingCode}${national}`;
    case 'plus national prefix':
      return `+${own.callingCode}${prefix}${national}`;
    case 'plus other country':
      return `+${other.callingCode}${national}`;
  }
}

/** Separators, mostly the plain ones, sometimes anything else a number may be written with. */
const separator = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(' ', '-', '/', '.', '  ', ' - ', ' / ') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '(',
      ')',
      '+',
      'x',
      '#',
      'ext. ',
      ';',
      ',',
      '~',
      '\t',
      '\u00a0',
      '\uff0b',
      '\u0663',
      '\uff11',
      'a',
      '*',
      '_',
      '\u2013',
    ),
  },
);

function separate(text: string, inserts: { at: number; with: string }[]): string {
  let result = text;
  for (const insert of inserts) {
    const i = insert.at % (result.length + 1);
    result = result.slice(0, i) + insert.with + result.slice(i);
  }
  return result;
}

const country = fc.constantFrom(...countries);

/**
 * Countries whose national prefix is cut off under conditions (BY: '0' or '8' or '80', LT: '0' or
 * '8'), whose numbers may start with the calling code (AT: 43..., DE: 49...), with a prefix of
 * their own or none, and some whose numbers the library keeps to itself.
 */
const tricky = fc.constantFrom<CountryCode>(
  'AT',
  'BY',
  'LT',
  'DE',
  'CH',
  'ES',
  'FR',
  'XK',
  'HU',
  'RU',
  'US',
  'GB',
  'IT',
  'AR',
  'BR',
);

const input = (countryOf: fc.Arbitrary<CountryCode>) =>
  countryOf.chain((own) =>
    fc.record({
      own: fc.constant(own),
      prefix: fc.constantFrom(factsOf(own).nationalPrefix, '0', '8', '80', '06'),
      other: country,
      national: factsOf(own).numbers,
      edits: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: edits }),
      form: fc.constantFrom(...FORMS),
      inserts: fc.array(fc.record({ at: fc.nat(), with: separator }), { maxLength: 6 }),
      lead: fc.constantFrom('', '', '', ' ', '-', '(0)'),
      defaultCountry: fc.oneof(
        { weight: 4, arbitrary: fc.constant<CountryCode | undefined>(own) },
        { weight: 1, arbitrary: fc.constant<CountryCode | undefined>(undefined) },
        { weight: 1, arbitrary: country.map((c): CountryCode | undefined => c) },
      ),
    }),
  );

/** Compares toE164 and the plain way with the library on generated text; counts the plain answers. */
function compareWithLibrary(countryOf: fc.Arbitrary<CountryCode>, numRuns: number) {
  const counts = { runs: 0, plain: 0, plainValid: 0 };
  fc.assert(
    fc.property(input(countryOf), (generated) => {
      const own = factsOf(generated.own);
      const number = applyEdits(generated.national, generated.edits);
      const written = write(generated.form, own, factsOf(generated.other), number, generated.prefix);
      const text = generated.lead + separate(written, generated.inserts);
      const expected = library(text, generated.defaultCountry);
      expect([text, generated.defaultCountry, ours(text, generated.defaultCountry)]).toEqual([
        text,
        generated.defaultCountry,
        expected,
      ]);
      const viaPlain = plain(text, generated.defaultCountry);
      if (viaPlain !== 'not plain') {
        expect([text, generated.defaultCountry, viaPlain]).toEqual([
          text,
          generated.defaultCountry,
          expected,
        ]);
        counts.plain++;
        if (expected !== 'invalid') counts.plainValid++;
      }
      counts.runs++;
    }),
    { numRuns },
  );
  return counts;
}

describe('plain phone numbers', () => {
  it('give the library answer for numbers of every country, written every way, with near misses and junk', () => {
    const { runs, plain: taken, plainValid } = compareWithLibrary(country, 30000);
    // The comparison covered the plain way, with valid and invalid answers both.
    expect(taken).toBeGreaterThan(runs / 6);
    expect(plainValid).toBeGreaterThan(runs / 20);
    expect(taken - plainValid).toBeGreaterThan(runs / 20);
  });

  it('give the library answer where the national prefix, the calling code or the country is a question', () => {
    const { runs, plain: taken, plainValid } = compareWithLibrary(tricky, 15000);
    expect(taken).toBeGreaterThan(runs / 8);
    expect(plainValid).toBeGreaterThan(runs / 40);
  });

  it('give the library answer for every country example, every way, with every default country', () => {
    let compared = 0;
    for (const own of countries) {
      const facts = factsOf(own);
      if (!facts.example) continue;
      for (const form of FORMS) {
        const text = write(form, facts, facts, facts.example);
        for (const defaultCountry of [own, undefined, 'DE', 'US', 'IT', 'RU'] as const) {
          expect([text, defaultCountry, ours(text, defaultCountry)]).toEqual([
            text,
            defaultCountry,
            library(text, defaultCountry),
          ]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });

  it('are worked out without the library parse for the plain shapes', () => {
    // Countries alone on their calling code with a plain national prefix (or none).
    const common: [CountryCode, string, string][] = [
      ['DE', '030 1234567', '+49301234567'],
      ['DE', '+49 89 1234567-12', '+4989123456712'],
      ['DE', '+49 (0)89 7654321', 'not plain'],
      ['DE', '0049 89 7654321', 'not plain'],
      ['AT', '01 5121234', '+4315121234'],
      ['CH', '044 668 18 00', '+41446681800'],
      ['CH', '+41 44/668.18.00', '+41446681800'],
      ['ES', '91 123 45 67', '+34911234567'],
      ['FR', '01 23 45 67 89', '+33123456789'],
      ['NL', '020-1234567', '+31201234567'],
      ['PL', '12 345 67 89', '+48123456789'],
      ['DE', '12', 'not plain'],
      ['US', '(212) 555-0100', 'not plain'],
      ['US', '212 555 0100', 'not plain'],
    ];
    for (const [defaultCountry, text, answer] of common) {
      expect([text, plain(text, defaultCountry)]).toEqual([text, answer]);
      if (answer !== 'not plain') expect(toE164(text, defaultCountry)).toBe(answer);
    }
    expect(plain('+34 91 123 45', undefined)).toBe('invalid');
    expect(plain('91 123 45 678', 'ES')).toBe('invalid');

    // Across all countries: their example in national and '+' writing, with separators.
    let plainCountries = 0;
    for (const own of countries) {
      const facts = factsOf(own);
      if (!facts.example) continue;
      const spaced = facts.example.replace(/(\d{3})(?=\d)/g, '$1 ');
      const national = plain(spaced, own);
      const international = plain(`+${facts.callingCode} ${spaced}`, undefined);
      expect(national === 'not plain').toBe(international === 'not plain');
      if (national !== 'not plain') {
        expect(national).toBe(library(spaced, own));
        expect(international).toBe(library(`+${facts.callingCode} ${spaced}`, undefined));
        plainCountries++;
      }
    }
    expect(plainCountries).toBeGreaterThan(150);
  });
});
