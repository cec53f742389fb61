/**
 * mappings/systems/siebel.json against Siebel contact fixtures decoded with parseSiebelContacts
 * (names: 'raw'): valid canonical customers, precise errors that do not stop the list, and
 * Siebel XML → canonical → Siebel XML keeping every mapped field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseSiebelContacts, writeSiebelContacts } from '../../../../formats/siebel/siebel';
import { compileMapping, compileOutbound, loadSystemSpec } from '../../../../mappings/engine';
import { transforms } from '../../../../mappings/transforms';
import type { Customer } from '../../../../mappings/canonical/types';
import { assessDataQuality } from '../../../../records/data-quality';
import { lowerCase, mapItems, mappedSourcePaths, roundTripDifferences, validAs } from './system-support';

const dir = path.join(__dirname, '../../../fixtures/legacy/siebel');
const spec = loadSystemSpec('siebel');

function contacts(file: string): { ref: string; record: Record<string, unknown> }[] {
  return parseSiebelContacts(fs.readFileSync(path.join(dir, file)), { names: 'raw' }).map(
    (record, index) => ({
      ref: `${file} Contact[${index}]`,
      record,
    }),
  );
}

describe('siebel spec', () => {
  it('loads with a format block', () => {
    expect(spec.format).toEqual({ kind: 'siebel-xml', recordKind: 'Contact', outboundRecordKind: 'Contact' });
  });

  it('maps every contact of the fixtures to a valid canonical customer', () => {
    const results = mapItems(spec, [
      ...contacts('contact-query-response.xml'),
      ...contacts('contact-with-updated.xml'),
    ]);
    expect(results).toHaveLength(3);
    for (const result of results) {
      expect({ ref: result.ref, error: result.error }).toEqual({ ref: result.ref, error: undefined });
      expect(validAs('customer', result.value)).toBe(true);
    }
    expect(results[0].value).toMatchObject({
      customerRef: 'siebel:1-4RT7QK',
      kind: 'person',
      person: { salutation: 'Mrs.', givenName: 'Anna', familyName: 'Schäfer' },
      emails: [{ address: 'anna.schaefer@example.de', type: 'work' }],
      phones: [
        { number: '+491701234567', type: 'mobile' },
        { number: '+4930987654', type: 'work' },
      ],
      addresses: [
        {
          type: 'home',
          street: 'Unter den Linden',
          houseNumber: '21',
          streetLines: ['c/o Müller & Söhne'],
          city: 'Berlin',
          country: 'DE',
        },
        { type: 'home', street: 'Strandweg', houseNumber: '3', city: 'Binz', country: 'DE' },
      ],
      updatedAt: '2024-03-14T09:12:44.000Z',
    });
    expect(results[0].value?.person).not.toHaveProperty('middleNames');
    // no mobile: the work phone closes up to the first place
    expect(results[1].value).toMatchObject({
      phones: [{ number: '+33142000000', type: 'work' }],
      addresses: [],
    });
    expect(results[2].value).toMatchObject({
      person: { givenName: 'Hans', middleNames: ['Peter'], familyName: 'von der Heide' },
      updatedAt: '2024-03-20T17:45:00.000Z',
      addresses: [{ country: 'AT', postalCode: '1010' }],
    });
  });

  it('names canonical field, source field, contact and rule for bad contacts and maps the next ones', () => {
    const results = mapItems(spec, contacts('contacts-with-errors.xml'));
    expect(results.map((result) => result.error)).toEqual([
      expect.objectContaining({
        field: 'addresses[0].country',
        sourceField: 'Personal_spcAddress[0].Country',
        rule: 'code',
        record: 'contacts-with-errors.xml Contact[0] segment Personal_spcAddress[0]',
      }),
      expect.objectContaining({
        field: 'updatedAt',
        sourceField: 'Created',
        rule: 'date',
        record: 'contacts-with-errors.xml Contact[1]',
        message: expect.stringContaining('"02/30/2024 10:00:00" is not a calendar date'),
      }),
      // no last name is a gap, not an error: the contact is taken in and flagged
      undefined,
      undefined,
    ]);
    expect(results[2].value).toMatchObject({ customerRef: 'siebel:1-5AA003', person: { givenName: 'Ohne' } });
    expect(results[2].value).not.toHaveProperty('person.familyName');
    expect(validAs('customer', results[2].value)).toBe(true);
    expect(assessDataQuality(results[2].value as unknown as Customer).gaps).toContain('person.familyName');
    expect(results[3].value).toMatchObject({ customerRef: 'siebel:1-5AA004' });
  });
});

describe('siebel round trip: Siebel XML → canonical → Siebel XML', () => {
  const inbound = compileMapping(spec, 'Contact');
  const outbound = compileOutbound(spec, 'Contact');
  const notWritten = {
    Created: 'Siebel system field, read-only',
    Updated: 'Siebel system field, read-only',
  };
  // the canonical model keeps e-mail in lower case and phones in E.164: the same address and number
  const phone = transforms.phone.create(undefined);
  const normalize = {
    Email_spcAddress: lowerCase,
    Cellular_spcPhone_spc_pnd: (value: unknown) => phone(value, undefined),
    Work_spcPhone_spc_pnd: (value: unknown) => phone(value, undefined),
  };
  const records = [...contacts('contact-query-response.xml'), ...contacts('contact-with-updated.xml')];

  it.each(records.map((item) => [item.ref, item.record] as const))(
    '%s keeps every mapped field',
    (ref, before) => {
      const canonical = inbound.map(before, { recordRef: ref });
      if (!canonical.ok) throw new Error(canonical.error.message);
      const legacy = outbound.map(canonical.value, { recordRef: ref });
      if (!legacy.ok) throw new Error(legacy.error.message);
      const xml = writeSiebelContacts([legacy.value as never], {
        names: 'raw',
        soap: { operation: 'SiebelContactInsertOrUpdate_Input', namespace: 'http://siebel.com/asi/' },
      });
      const [after] = parseSiebelContacts(xml, { names: 'raw' });
      expect(after.Id).toBe(before.Id);
      const { compared, differences } = roundTripDifferences(spec, 'Contact', before, after, {
        notWritten,
        normalize,
      });
      expect(differences).toEqual([]);
      expect(compared).toEqual(expect.arrayContaining(['First_spcName', 'Last_spcName', 'Email_spcAddress']));
      expect(inbound.map({ ...after, Created: before.Created, Updated: before.Updated })).toEqual(canonical);
    },
  );

  it('compares the address list item by item', () => {
    expect(mappedSourcePaths(spec, 'Contact')).toEqual(
      expect.arrayContaining(['Personal_spcAddress[*].City', 'Personal_spcAddress[*].Street_spcAddress']),
    );
    const { compared } = roundTripDifferences(spec, 'Contact', records[0].record, records[0].record, {
      notWritten,
    });
    expect(compared).toEqual(
      expect.arrayContaining([
        'Personal_spcAddress[1].City',
        'Personal_spcAddress[0].Street_spcAddress_spc2',
      ]),
    );
  });

  it('refuses an organization, since a Siebel contact is a person', () => {
    const result = outbound.map({
      schemaVersion: '1.0',
      customerRef: 'siebel:1-9ZZ',
      kind: 'organization',
      organization: { legalName: 'Muster Bau GmbH' },
      identifiers: [{ system: 'siebel', id: '1-9ZZ' }],
      updatedAt: '2025-01-01T00:00:00Z',
      source: { system: 'hub' },
    });
    expect(result.ok === false && result.error).toMatchObject({
      field: 'Last_spcName',
      sourceField: 'person.familyName',
      rule: 'required',
    });
  });
});
