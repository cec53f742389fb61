/**
 * mappings/systems/salesforce.json against REST query responses: the records under format.recordsPath,
 * their kind from attributes.type, valid canonical customers, precise errors that do not stop the
 * list, and JSON → canonical → JSON keeping every mapped field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileMapping, compileOutbound, loadSystemSpec } from '../../../../mappings/engine';
import { transforms } from '../../../../mappings/transforms';
import type { Customer } from '../../../../mappings/canonical/types';
import { assessDataQuality } from '../../../../records/data-quality';
import { lowerCase, mapItems, mappedSourcePaths, roundTripDifferences, validAs } from './system-support';

const dir = path.join(__dirname, '../../../fixtures/legacy/salesforce');
const spec = loadSystemSpec('salesforce');

function contacts(file: string): { ref: string; record: Record<string, unknown> }[] {
  const document = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
  const records = document[spec.format?.recordsPath ?? ''] as Record<string, unknown>[];
  return records.map((record, index) => ({ ref: `${file} records[${index}]`, record }));
}

describe('salesforce spec', () => {
  it('loads with a format block that says where the records are and what kind they are', () => {
    expect(spec.format).toMatchObject({
      kind: 'json',
      recordKind: 'Contact',
      recordKindFrom: { field: 'attributes.type' },
      recordsPath: 'records',
    });
  });

  it('maps every contact of the query response to a valid canonical customer', () => {
    const results = mapItems(spec, contacts('contacts-query.json'));
    expect(results).toHaveLength(4);
    for (const result of results) {
      expect({ ref: result.ref, error: result.error }).toEqual({ ref: result.ref, error: undefined });
      expect(validAs('customer', result.value)).toBe(true);
    }
    expect(results[0].value).toMatchObject({
      customerRef: 'salesforce:0035g00000XyZaBAAV',
      person: { salutation: 'Ms.', givenName: 'Anna', familyName: 'Muster' },
      birthDate: '1984-06-30',
      tier: 'platinum',
      emails: [{ address: 'anna.muster@example.com', type: 'home' }],
      phones: [
        { number: '+4917112345678', type: 'mobile' },
        { number: '+49895551234', type: 'home' },
      ],
      addresses: [
        { type: 'postal', street: 'Leopoldstraße', houseNumber: '12a', region: 'Bayern', country: 'DE' },
      ],
      updatedAt: '2025-03-01T09:30:00.000Z',
    });
    expect(results[2].value).toMatchObject({
      person: { givenName: 'Lena', familyName: 'von der Heide' },
      addresses: [{ streetLines: ['Hinterhaus, 3. OG', 'Am Markt 12-14'], city: 'Bremen' }],
    });
    expect(results[3].value).not.toHaveProperty('addresses');
  });

  it('names canonical field, source field, record and rule for bad contacts and maps the next ones', () => {
    const results = mapItems(spec, contacts('contacts-with-errors.json'));
    expect(results.map((result) => result.error)).toEqual([
      expect.objectContaining({
        field: 'addresses[0].country',
        sourceField: 'MailingCountryCode',
        rule: 'code',
        record: 'contacts-with-errors.json records[0]',
      }),
      expect.objectContaining({
        field: 'birthDate',
        sourceField: 'Birthdate',
        rule: 'date',
        record: 'contacts-with-errors.json records[1]',
        message: 'birthDate (from source field "Birthdate"): "1981-02-29" is not a calendar date',
      }),
      expect.objectContaining({ field: 'tier', sourceField: 'Tier__c', rule: 'code' }),
      undefined,
    ]);
    expect(results[3].value).toMatchObject({ addresses: [{ city: 'Leipzig', country: 'DE' }] });
  });

  it('takes a contact with a street but no city, or no last name, in with the gaps flagged', () => {
    const inbound = compileMapping(spec, 'Contact');
    const result = inbound.map({
      attributes: { type: 'Contact' },
      Id: '0035g00000XyZaCAAV',
      FirstName: 'Jonas',
      MailingStreet: 'Lindenweg 7',
      MailingPostalCode: '04109',
      LastModifiedDate: '2025-03-01T09:30:00.000+0000',
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(validAs('customer', result.value)).toBe(true);
    expect(result.value).toMatchObject({
      person: { givenName: 'Jonas' },
      addresses: [{ type: 'postal', street: 'Lindenweg', houseNumber: '7', postalCode: '04109' }],
    });
    expect(assessDataQuality(result.value as unknown as Customer).gaps).toEqual(
      expect.arrayContaining(['person.familyName', 'addresses[0].city', 'addresses[0].country']),
    );
  });

  it('refuses a record of another sObject type with a clear error', () => {
    const [result] = mapItems(spec, [
      { ref: 'records[9]', record: { attributes: { type: 'Lead' }, Id: '00Q1' } },
    ]);
    expect(result.error).toMatchObject({
      sourceField: 'attributes.type',
      rule: 'recordKind',
      record: 'records[9]',
    });
  });
});

describe('salesforce round trip: JSON → canonical → JSON', () => {
  const inbound = compileMapping(spec, 'Contact');
  const outbound = compileOutbound(spec, 'Contact');
  const phone = transforms.phone.create({ defaultCountryFrom: 'MailingCountryCode' });
  const options = {
    notWritten: { LastModifiedDate: 'system field, read-only' },
    normalize: {
      Email: lowerCase,
      MobilePhone: phone,
      Phone: phone,
      HomePhone: phone,
    },
  };

  it.each(contacts('contacts-query.json').map((item) => [item.ref, item.record] as const))(
    '%s keeps every mapped field',
    (ref, before) => {
      const canonical = inbound.map(before, { recordRef: ref });
      if (!canonical.ok) throw new Error(canonical.error.message);
      const legacy = outbound.map(canonical.value, { recordRef: ref });
      if (!legacy.ok) throw new Error(legacy.error.message);
      const after = JSON.parse(JSON.stringify(legacy.value)) as Record<string, unknown>;
      expect(after.attributes).toEqual({ type: 'Contact' });
      const { compared, differences } = roundTripDifferences(spec, 'Contact', before, after, options);
      expect(differences).toEqual([]);
      expect(compared).toEqual(expect.arrayContaining(['Id', 'LastName']));
      expect(inbound.map({ ...after, LastModifiedDate: before.LastModifiedDate })).toEqual(canonical);
    },
  );

  it('compares the fields that matter, so a lost field would show', () => {
    const [anna] = contacts('contacts-query.json');
    const { compared, differences } = roundTripDifferences(spec, 'Contact', anna.record, {}, options);
    expect(compared).toEqual(
      expect.arrayContaining(['Tier__c', 'MailingStreet', 'MailingCountryCode', 'Birthdate', 'HomePhone']),
    );
    expect(differences).toHaveLength(compared.length);
    expect(mappedSourcePaths(spec, 'Contact')).toContain('LastModifiedDate');
  });
});
