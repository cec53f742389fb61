/** Each comparator level, the phonetic codes it relies on, and the m/u table behind the weights. */
import { compareAddresses } from '../../../records/matching/compare-addresses';
import { compareBirthDates } from '../../../records/matching/compare-birth-dates';
import { compareEmails, compareNationalIds, comparePhones } from '../../../records/matching/compare-contacts';
import { compareFamilyNames, compareGivenNames } from '../../../records/matching/compare-names';
import { normalizeAddress, type AddressInput } from '../../../records/matching/normalize-address';
import { normalizeBirthDate } from '../../../records/matching/normalize-birth-date';
import { normalizeEmail, type NormalizedEmail } from '../../../records/matching/normalize-email';
import { normalizeName } from '../../../records/matching/normalize-name';
import {
  normalizeNationalId,
  type NormalizedNationalId,
} from '../../../records/matching/normalize-national-id';
import { colognePhonetic } from '../../../records/matching/string-metrics';
import { MATCH_LEVELS, levelWeight } from '../../../records/matching/weights';

const family = (a: string, b: string) =>
  compareFamilyNames(normalizeName(undefined, a).family, normalizeName(undefined, b).family)?.level;
const given = (a: string, b: string) =>
  compareGivenNames(normalizeName(a, 'X').given, normalizeName(b, 'X').given)?.level;
const DATES = { slashOrder: 'day-first', referenceYear: 2025 } as const;
const date = (a: string, b: string) =>
  compareBirthDates(normalizeBirthDate(a, DATES), normalizeBirthDate(b, DATES))?.level;
const address = (a: AddressInput, b: AddressInput) =>
  compareAddresses([normalizeAddress(a)!], [normalizeAddress(b)!])?.level;
const emails = (a: string[], b: string[]) =>
  compareEmails(
    a.map((e) => normalizeEmail(e) as NormalizedEmail),
    b.map((e) => normalizeEmail(e) as NormalizedEmail),
  );
const ids = (a: [string, string][], b: [string, string][]) =>
  compareNationalIds(
    a.map(([s, v]) => normalizeNationalId(s, v) as NormalizedNationalId),
    b.map(([s, v]) => normalizeNationalId(s, v) as NormalizedNationalId),
  );

describe('Kölner Phonetik', () => {
  it.each([
    ['Müller', 'Mueller', 'Miller', '657'],
    ['Meier', 'Meyer', 'Maier', '67'],
    ['Schmidt', 'Schmitt', 'Schmid', '862'],
  ])('codes %s, %s and %s alike', (a, b, c, code) => {
    expect([colognePhonetic(a), colognePhonetic(b), colognePhonetic(c)]).toEqual([code, code, code]);
  });

  it('tells names apart that sound apart', () => {
    expect(colognePhonetic('Müller')).not.toBe(colognePhonetic('Meier'));
    expect(colognePhonetic('Fischer')).not.toBe(colognePhonetic('Schneider'));
  });
});

describe('family name levels', () => {
  it.each([
    ['Müller', 'MUELLER', 'exact'],
    ['Müller', 'Muller', 'exact'],
    ['von der Leyen', 'Leyen', 'exact'],
    ['Müller-Schmidt', 'Schmidt', 'double-name-part'],
    ['Schneider', 'Schnieder', 'close-spelling'],
    ['Hoffmann', 'Hofman', 'close-spelling'],
    ['Meier', 'Mayr', 'phonetic'],
    ['Schubert', 'Schuster', 'similar'],
    ['Müller', 'Fischer', 'differ'],
  ])('%s against %s: %s', (a, b, level) => {
    expect(family(a, b)).toBe(level);
  });

  it('has no level when a side has no family name', () => {
    expect(compareFamilyNames(normalizeName(undefined, 'Müller').family, undefined)).toBeUndefined();
  });
});

describe('given name levels', () => {
  it.each([
    ['Jürgen', 'Juergen', 'exact'],
    ['Anna Maria', 'Anna', 'exact'],
    ['A.', 'Anna', 'initial'],
    ['A.', 'Berta', 'differ'],
    ['Hans', 'Johannes', 'nickname'],
    ['Bill', 'William', 'nickname'],
    ['Sepp', 'Josef', 'nickname'],
    ['Katharina', 'Katharnia', 'close-spelling'],
    // a space put in or left out
    ['Isab elle', 'Isabelle', 'close-spelling'],
    ['Hans Peter', 'Hanspeter', 'close-spelling'],
    ['Christoph', 'Kristof', 'phonetic'],
    ['Maria Anna', 'Anna', 'other-given-name'],
    ['Lukas', 'Sophie', 'differ'],
  ])('%s against %s: %s', (a, b, level) => {
    expect(given(a, b)).toBe(level);
  });

  it('does not take Hüseyin and Hasan for one name, though their Kölner codes agree', () => {
    expect(colognePhonetic('Hüseyin')).toBe(colognePhonetic('Hasan'));
    expect(given('Hüseyin', 'Hasan')).toBe('differ');
  });

  it.each([
    ['Heinrcih', 'Heinz'],
    ['Thomaas', 'Tom'],
    ['Floriwn', 'Flo'],
    ['Max', 'Maximolian'],
  ])('takes %s for a nickname of %s: a typo in a name of the nickname table', (a, b) => {
    expect(given(a, b)).toBe('nickname');
    expect(given(b, a)).toBe('nickname');
  });

  it.each([
    // Hannes is a name of the table, not "Hanne" (Johanna's) mistyped: a brother and his sister
    ['Hannes', 'Johanna'],
    // Lina is one letter from Lisa (Elisabeth's), but among names that short one edit reaches other names
    ['Lina', 'Elisabeth'],
    // a typo of Heinrich is no nickname of another group's name
    ['Heinrcih', 'Wilhelm'],
  ])('does not take %s for a mistyped nickname of %s', (a, b) => {
    expect(given(a, b)).toBe('differ');
    expect(given(b, a)).toBe('differ');
  });

  it.each([
    ['Peter', 'Petra'],
    ['Paul', 'Paula'],
    ['Jan', 'Jana'],
    ['Johann', 'Johanna'],
    ['Christian', 'Christiane'],
    ['Stefan', 'Stefanie'],
    ['René', 'Renée'],
    ['Mario', 'Maria'],
  ])('takes %s and %s for two names, the male and female form, not for a typo or a sound', (a, b) => {
    expect(given(a, b)).toBe('differ');
    expect(given(b, a)).toBe('differ');
  });

  it.each([
    ['Andrea', 'Andre'],
    ['Michaela', 'Mike'],
  ])(
    'gives a female form none of the male name’s nicknames: %s is no typo of a name %s is short for',
    (a, b) => {
      expect(given(a, b)).toBe('differ');
      expect(given(b, a)).toBe('differ');
    },
  );

  it('keeps the nickname table as it was: Johannes / Hannes, and a sister Johanna apart from both', () => {
    expect(given('Hannes', 'Johannes')).toBe('nickname');
    expect(given('Johannes', 'Johanna')).toBe('differ');
    expect(given('Hannes', 'Johanna')).toBe('differ');
    expect(given('Alex', 'Alexandra')).toBe('nickname');
    expect(given('Alex', 'Alexander')).toBe('nickname');
  });

  it('does not chain nicknames: Christian and Christina share "Chris" but are not equivalent', () => {
    expect(given('Chris', 'Christian')).toBe('nickname');
    expect(given('Chris', 'Christina')).toBe('nickname');
    expect(given('Christian', 'Christina')).not.toBe('nickname');
  });
});

describe('birth date levels', () => {
  it.each([
    ['12.03.1985', '1985-03-12', 'exact'],
    ['03.12.1985', '1985-03-12', 'day-month-swapped'],
    ['12.03.1958', '1985-03-12', 'one-digit-off'],
    ['21.03.1985', '1985-03-12', 'one-digit-off'],
    ['13.03.1985', '1985-03-12', 'one-digit-off'],
    ['28.03.1985', '1985-03-12', 'same-year-month'],
    // a two-digit year read in the wrong century, or a year typed from another document
    ['12.03.2047', '1947-03-12', 'same-month-day'],
    ['12.11.1985', '1985-03-12', 'same-year-day'],
    ['01.07.1962', '1985-03-12', 'differ'],
  ])('%s against %s: %s', (a, b, level) => {
    expect(date(a, b)).toBe(level);
  });
});

describe('address levels', () => {
  const home = { street: 'Hauptstraße 5a', postalCode: '80331', city: 'München', country: 'DE' };
  it.each([
    [{ street: 'Hauptstr. 5 A', postalCode: '80331', city: 'Muenchen', country: 'DE' }, 'exact'],
    [{ street: 'Hauptsrtaße 5a', postalCode: '80331', city: 'München', country: 'DE' }, 'street-typo'],
    // a mistyped or outdated postal code: street, number and city still agree
    [{ street: 'Hauptstraße 5a', postalCode: '83031', city: 'München', country: 'DE' }, 'exact'],
    [{ street: 'Hauptstraße 15', postalCode: '80331', city: 'München', country: 'DE' }, 'same-street'],
    [{ street: 'Hauptstraße', postalCode: '80331', city: 'München', country: 'DE' }, 'same-street'],
    [{ street: 'Hauptstraße 7', postalCode: '81929', city: 'München', country: 'DE' }, 'same-street'],
    [{ street: 'Lindenweg 7', postalCode: '80331', city: 'München', country: 'DE' }, 'same-postal-code'],
    [{ street: 'Lindenweg 7', postalCode: '81929', city: 'München', country: 'DE' }, 'same-city'],
    [{ street: 'Hauptstraße 5a', postalCode: '10115', city: 'Berlin', country: 'DE' }, 'differ'],
  ])('against %j: %s', (other, level) => {
    expect(address(home, other)).toBe(level);
  });

  it('takes the best pair when a side has several addresses', () => {
    const a = [
      normalizeAddress(home)!,
      normalizeAddress({ street: 'Am Markt 1', city: 'Bonn', country: 'DE' })!,
    ];
    const b = [normalizeAddress({ street: 'Am Markt 1', city: 'Bonn', country: 'DE' })!];
    expect(compareAddresses(a, b)?.level).toBe('exact');
    expect(compareAddresses(a, b)?.values()).toEqual(['ammarkt 1, bonn, DE', 'ammarkt 1, bonn, DE']);
  });
});

describe('e-mail, phone and national id levels', () => {
  it('compares mailboxes, then local parts', () => {
    expect(emails(['Anna.Schmidt@googlemail.com'], ['annaschmidt@gmail.com'])?.level).toBe('exact');
    expect(emails(['anna.schmidt@web.de'], ['anna.schmidt@gmx.de'])?.level).toBe('same-local-part');
    expect(emails(['anna.schmidt@web.de'], ['anna.schmit@gmx.de'])?.level).toBe('close-local-part');
    expect(emails(['info@web.de'], ['infx@gmx.de'])?.level).toBe('differ');
    expect(emails([], ['a@b.de'])).toBeUndefined();
  });

  it('tells a shared mobile number from a shared landline, which a household shares', () => {
    expect(comparePhones(['+4917123456789'], ['+4917123456789'])?.level).toBe('exact');
    expect(comparePhones(['+49301234567'], ['+49301234567'])?.level).toBe('same-landline');
    expect(comparePhones(['+4917123456789'], ['+4917123456798'])?.level).toBe('one-digit-off');
    expect(comparePhones(['+4917123456789'], ['+4915199999999'])?.level).toBe('differ');
  });

  it('compares ids of one scheme only, and masks them in what it shows', () => {
    const found = ids([['de-tax-id', '86095742719']], [['de-tax-id', '86095742791']]);
    expect(found?.level).toBe('one-digit-off');
    expect(found?.values()).toEqual(['de-tax-id ••••••••719', 'de-tax-id ••••••••791']);
    expect(ids([['de-tax-id', '86095742719']], [['us-ssn', '123456789']])).toBeUndefined();
  });
});

describe('the m/u table', () => {
  it.each(Object.entries(MATCH_LEVELS))('%s: m and u each sum to 1 over the levels', (_field, levels) => {
    const values = Object.values(levels);
    expect(values.reduce((s, l) => s + l.m, 0)).toBeCloseTo(1, 6);
    expect(values.reduce((s, l) => s + l.u, 0)).toBeCloseTo(1, 6);
  });

  it.each(Object.entries(MATCH_LEVELS))(
    '%s: the first level weighs most, "differ" least and below 0',
    (_field, levels) => {
      const weights = Object.values(levels).map(levelWeight);
      expect(Math.max(...weights)).toBe(weights[0]);
      const differ = levelWeight((levels as Record<string, { m: number; u: number; why: string }>).differ);
      expect(Math.min(...weights)).toBe(differ);
      expect(differ).toBeLessThan(0);
    },
  );
});
