import fs from 'node:fs';
import path from 'node:path';
import { makeI18n } from '../../../../console/src/i18n';
import { gapText, term } from '../../../../console/src/words';

const de = makeI18n('de', () => undefined);
const en = makeI18n('en', () => undefined);
const canonical = path.join(__dirname, '../../../../mappings/canonical');

/** an enum of a canonical schema, by its JSON pointer */
function schemaEnum(file: string, pointer: string): string[] {
  let here: unknown = JSON.parse(fs.readFileSync(path.join(canonical, file), 'utf8'));
  for (const part of pointer.split('/').filter(Boolean)) here = (here as Record<string, unknown>)[part];
  return (here as { enum: string[] }).enum;
}

describe("the customer view's words in German and English", () => {
  const groups = {
    'offer-status': schemaEnum('offer.schema.json', '/properties/status'),
    'process-status': schemaEnum('process-state.schema.json', '/properties/status'),
    'address-type': schemaEnum('customer.schema.json', '/$defs/Address/properties/type'),
    'phone-type': schemaEnum('customer.schema.json', '/$defs/Phone/properties/type'),
    'email-type': schemaEnum('customer.schema.json', '/$defs/Email/properties/type'),
    // records/survivorship.ts LineageRule
    rule: ['trust', 'recency', 'completeness', 'tie-break', 'event', 'sole-source'],
  } as const;

  it('reads the enums it checks from the canonical schemas', () => {
    expect(groups['offer-status']).toContain('open');
    expect(groups['address-type']).toContain('home');
  });

  it.each(Object.entries(groups))('has a German word for every %s, and an English one', (group, values) => {
    for (const value of values) {
      const german = term(de, group as keyof typeof groups, value);
      const english = term(en, group as keyof typeof groups, value);
      expect([value, german === english]).toEqual([value, false]);
      expect(english).not.toBe('');
    }
  });

  it('says the reported ones in German: open, home, sole-source', () => {
    expect(term(de, 'offer-status', 'open')).toBe('offen');
    expect(term(de, 'process-status', 'open')).toBe('offen');
    expect(term(de, 'address-type', 'home')).toBe('Wohnadresse');
    expect(term(de, 'rule', 'sole-source')).toBe('einzige Quelle');
  });

  it('keeps a value it has no word for as it is', () => {
    expect(term(de, 'offer-status', 'switched-sideways')).toBe('switched-sideways');
  });

  it("names data-quality gaps in words, an address's by its number", () => {
    expect(['birthDate', 'contact'].map((g) => gapText(de, g))).toEqual([
      'Geburtsdatum',
      'E-Mail oder Telefon',
    ]);
    expect(gapText(de, 'person.familyName')).toBe('Nachname');
    expect(gapText(de, 'addresses')).toBe('Adresse');
    expect(gapText(de, 'addresses[0].city')).toBe('Adresse 1: Ort');
    expect(gapText(en, 'addresses[1].postalCode')).toBe('address 2: postal code');
    expect(gapText(de, 'something.new')).toBe('something.new');
  });
});
