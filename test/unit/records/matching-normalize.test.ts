/** Normalisation of what matching compares: names, e-mail, phone, national ids, addresses, birth dates. */
import { foldText } from '../../../records/matching/fold';
import { normalizeRecord } from '../../../records/matching';
import { normalizeAddress } from '../../../records/matching/normalize-address';
import { normalizeBirthDate } from '../../../records/matching/normalize-birth-date';
import { normalizeEmail } from '../../../records/matching/normalize-email';
import { normalizeName } from '../../../records/matching/normalize-name';
import { germanTaxIdCheckDigit, normalizeNationalId } from '../../../records/matching/normalize-national-id';
import { normalizePhone } from '../../../records/matching/normalize-phone';

const DATES = { slashOrder: 'day-first', referenceYear: 2025 } as const;

describe('folding names', () => {
  it('writes umlauts out in one form and drops the marks in the other', () => {
    expect(foldText('Müller-Lüdenscheidt')).toEqual({
      transliterated: 'mueller luedenscheidt',
      plain: 'muller ludenscheidt',
    });
    expect(foldText('Weiß')).toEqual({ transliterated: 'weiss', plain: 'weiss' });
  });

  it('folds letters Unicode does not decompose, and decomposed input alike', () => {
    expect(foldText('Paweł Wiśniewski').plain).toBe('pawel wisniewski');
    expect(foldText('Øster').plain).toBe('oster');
    expect(foldText('Mu\u0308ller').transliterated).toBe('mueller');
  });
});

describe('normalizeName', () => {
  it('takes salutations, titles and generation suffixes off both ends, and keeps particles out of the key', () => {
    const name = normalizeName('Herr Prof. Dr. Hans', 'von der Leyen jun.');
    expect(name.given?.transliterated).toBe('hans');
    expect(name.family?.transliterated).toBe('von der leyen');
    expect(name.family?.key).toBe('leyen');
  });

  it('keeps both words of a double name in the key and codes it with Kölner Phonetik', () => {
    const name = normalizeName(undefined, 'Müller-Schmidt');
    expect(name.family?.key).toBe('muellerschmidt');
    expect(name.family?.keyPlain).toBe('mullerschmidt');
    expect(name.family?.phonetic).toBe('657862');
    expect(name.given).toBeUndefined();
  });

  it('knows nicknames of the first given name and marks an initial', () => {
    const hans = normalizeName('Hans Peter', 'X').given;
    const johannes = normalizeName('Johannes', 'X').given;
    expect(hans?.nicknames.some((g) => johannes?.nicknames.includes(g))).toBe(true);
    expect(normalizeName('A.', 'X').given?.initial).toBe(true);
  });
});

describe('normalizeEmail', () => {
  it('lower-cases and reads googlemail.com as gmail.com, with dots and +tags ignored only there', () => {
    expect(normalizeEmail(' Anna.Schmidt+shop@GoogleMail.com ')?.mailbox).toBe('annaschmidt@gmail.com');
    expect(normalizeEmail('a.n.n.a.schmidt@gmail.com')?.mailbox).toBe('annaschmidt@gmail.com');
  });

  it('keeps dots and +tags at every other provider, where they name other mailboxes', () => {
    expect(normalizeEmail('Anna.Schmidt@web.de')?.mailbox).toBe('anna.schmidt@web.de');
    expect(normalizeEmail('anna+x@gmx.de')?.mailbox).toBe('anna+x@gmx.de');
  });

  it('returns undefined for text that is no address', () => {
    expect(normalizeEmail('anna at web.de')).toBeUndefined();
    expect(normalizeEmail('+news@gmail.com')).toBeUndefined();
  });
});

describe('normalizePhone', () => {
  it('reads national numbers in the record’s country and gives E.164', () => {
    expect(normalizePhone('0171 2345678', 'DE')).toBe('+491712345678');
    expect(normalizePhone('+49 (0)171 234-5678', 'DE')).toBe('+491712345678');
    expect(normalizePhone('01 5123456', 'AT')).toBe('+4315123456');
  });

  it('leaves out a number that is not valid', () => {
    expect(normalizePhone('12', 'DE')).toBeUndefined();
    expect(normalizePhone('0171 2345678', undefined)).toBeUndefined();
  });
});

describe('normalizeNationalId', () => {
  it('checks the German tax id by ISO 7064 MOD 11,10 and takes separators out', () => {
    expect(germanTaxIdCheckDigit('8609574271')).toBe(9);
    expect(normalizeNationalId('DE-Tax-Id', '86 095 742 719')).toEqual({
      scheme: 'de-tax-id',
      value: '86095742719',
      valid: true,
      checked: true,
    });
    // one digit wrong, two digits swapped, a leading zero: all invalid
    expect(normalizeNationalId('de-tax-id', '86095742718')?.valid).toBe(false);
    expect(normalizeNationalId('de-tax-id', '68095742719')?.valid).toBe(false);
    expect(normalizeNationalId('de-tax-id', '06095742719')?.valid).toBe(false);
  });

  it('checks US social security numbers for ranges never issued, and takes other schemes as they are', () => {
    expect(normalizeNationalId('us-ssn', '123-45-6789')?.valid).toBe(true);
    expect(normalizeNationalId('us-ssn', '666-45-6789')?.valid).toBe(false);
    expect(normalizeNationalId('passport', 'c01x00t47')).toEqual({
      scheme: 'passport',
      value: 'C01X00T47',
      valid: true,
      checked: false,
    });
  });
});

describe('normalizeAddress', () => {
  it('writes German street abbreviations out and splits the house number', () => {
    const forms = ['Hauptstr. 5a', 'Haupt-Straße 5 A', 'HAUPTSTRASSE 5a', 'Haupt Str. 5a'];
    for (const street of forms)
      expect(normalizeAddress({ street, postalCode: '80331', city: 'München', country: 'DE' })).toMatchObject(
        {
          street: 'hauptstrasse',
          houseNumber: '5a',
          city: 'muenchen',
        },
      );
  });

  it('reads "St." as Sankt before a German street and as Street after an English one', () => {
    expect(normalizeAddress({ street: 'St.-Martin-Str. 3', city: 'Köln', country: 'DE' })?.street).toBe(
      'sanktmartinstrasse',
    );
    expect(normalizeAddress({ street: '10 Downing St.', city: 'London', country: 'GB' })).toMatchObject({
      street: 'downingstreet',
      houseNumber: '10',
    });
  });

  it('restores the leading zero a numeric field took from a German postal code, and only there', () => {
    expect(normalizeAddress({ postalCode: '1067', city: 'Dresden', country: 'DE' })?.postalCode).toBe(
      '01067',
    );
    expect(normalizeAddress({ postalCode: '1010', city: 'Wien', country: 'AT' })?.postalCode).toBe('1010');
  });
});

describe('normalizeBirthDate', () => {
  it('reads the spellings of the legacy systems into one day', () => {
    const spellings = [
      '1985-03-12',
      '19850312',
      '12.03.1985',
      '12.3.85',
      '12. März 1985',
      'March 12, 1985',
      '12/03/1985',
    ];
    for (const text of spellings) expect(normalizeBirthDate(text, DATES)?.iso).toBe('1985-03-12');
  });

  it('reads slashes by the configured order unless only one reading is a date', () => {
    expect(normalizeBirthDate('03/12/1985', { ...DATES, slashOrder: 'month-first' })?.iso).toBe('1985-03-12');
    expect(normalizeBirthDate('03/25/1985', DATES)?.iso).toBe('1985-03-25');
  });

  it('puts two-digit years at or before the reference year', () => {
    expect(normalizeBirthDate('1.2.05', DATES)?.year).toBe(2005);
    expect(normalizeBirthDate('1.2.26', DATES)?.year).toBe(1926);
  });

  it('returns undefined for impossible dates and the "no date" spellings', () => {
    expect(normalizeBirthDate('30.02.1985', DATES)).toBeUndefined();
    expect(normalizeBirthDate('00000000', DATES)).toBeUndefined();
  });
});

describe('normalizeRecord', () => {
  it('keeps what it can read and names what it cannot', () => {
    const record = normalizeRecord(
      {
        ref: 'crm:4711',
        givenName: 'Anna',
        familyName: 'Schmidt',
        birthDate: '30.02.1985',
        emails: ['ANNA.SCHMIDT@web.de', 'anna.schmidt@web.de', 'not-an-address'],
        phones: ['0171 2345678'],
        addresses: [{ street: 'Hauptstr. 5', postalCode: '80331', city: 'München', country: 'DE' }],
        identifiers: [{ system: 'SAP', id: '0000080042' }],
      },
      { ...DATES, defaultCountry: 'DE' },
    );
    // no calendar day, but its digits are still compared (a typo of a real date, more often than not)
    expect(record.birthDate).toEqual({ year: 1985, month: 2, day: 30, iso: '1985-02-30', impossible: true });
    expect(record.emails.map((e) => e.mailbox)).toEqual(['anna.schmidt@web.de']);
    expect(record.phones).toEqual(['+491712345678']);
    expect(record.identifiers).toEqual(['crm:4711', 'sap:0000080042']);
    expect(record.unreadable).toEqual(['email "not-an-address"', 'birthDate "30.02.1985"']);
  });

  it('reads the sex a salutation states, from its field or off the given name; none from "Dr." or a couple', () => {
    const sex = (input: { salutation?: string; givenName?: string; familyName?: string }) =>
      normalizeRecord({ ref: 'x:1', givenName: 'Kim', familyName: 'Meyer', ...input }).sex;
    expect(sex({ salutation: 'Herr' })).toBe('male');
    expect(sex({ salutation: 'Frau Dr.' })).toBe('female');
    expect(sex({ salutation: 'Mr.' })).toBe('male');
    expect(sex({ salutation: 'Ms.' })).toBe('female');
    expect(sex({ salutation: 'Mrs' })).toBe('female');
    expect(sex({ salutation: 'female' })).toBe('female');
    expect(sex({ givenName: 'Frau Kim' })).toBe('female');
    expect(sex({ givenName: 'Herr Dr. Kim' })).toBe('male');
    // the field comes first: a name field holding a salutation is the less careful source
    expect(sex({ salutation: 'Herr', givenName: 'Frau Kim' })).toBe('male');
    expect(sex({ salutation: 'Dr.' })).toBeUndefined();
    expect(sex({ salutation: 'Firma' })).toBeUndefined();
    expect(sex({ salutation: 'Herr und Frau' })).toBeUndefined();
    expect(sex({})).toBeUndefined();
    // a family called Herr is a name, not a salutation
    expect(sex({ givenName: 'Kim', familyName: 'Herr' })).toBeUndefined();
  });

  it('keeps impossible dates as written, compared digit by digit; not the "no date" spellings', () => {
    const written = (birthDate: string) =>
      normalizeRecord({ ref: 'x:1', birthDate }, { ...DATES, defaultCountry: 'DE' });
    expect(written('1994-11-71').birthDate?.iso).toBe('1994-11-71');
    expect(written('1949-00-13').birthDate?.iso).toBe('1949-00-13');
    expect(written('1450-09-23').birthDate?.iso).toBe('1450-09-23');
    expect(written('31.13.1985').birthDate?.iso).toBe('1985-13-31');
    expect(written('00000000').birthDate).toBeUndefined();
    expect(written('0000-00-00').birthDate).toBeUndefined();
    expect(written('unbekannt').birthDate).toBeUndefined();
    expect(written('1994-11-71').unreadable).toEqual(['birthDate "1994-11-71"']);
  });
});
