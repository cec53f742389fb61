/**
 * mappings/systems/sap.json against the DEBMAS07 fixture files, decoded by the IDoc codec: every IDoc
 * maps to a valid canonical document, bad IDocs are reported precisely while the next ones still map,
 * and IDoc XML → canonical → IDoc XML keeps every mapped field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseIdocXml, writeIdocXml } from '../../../../formats/idoc/idoc';
import { idocToRecord, recordToIdoc } from '../../../../formats/idoc/idoc-record';
import { compileMapping, compileOutbound, loadSystemSpec } from '../../../../mappings/engine';
import type { Customer } from '../../../../mappings/canonical/types';
import { compileRecordKind } from '../../../../mappings/record-kind';
import { transforms } from '../../../../mappings/transforms';
import { mapItems, mappedSourcePaths, roundTripDifferences, validAs } from './system-support';

const dir = path.join(__dirname, '../../../fixtures/legacy/sap');
const spec = loadSystemSpec('sap');
const GOOD_FILES = [
  'debmas07-create.xml',
  'debmas07-change.xml',
  'debmas07-two-idocs.xml',
  'debmas07-definition-names-latin1.xml',
  'debmas07-persons.xml',
];

function idocs(file: string): { ref: string; record: Record<string, unknown> }[] {
  return parseIdocXml(fs.readFileSync(path.join(dir, file))).map((doc, index) => ({
    ref: `${file} IDOC[${index}]`,
    record: idocToRecord(doc, index),
  }));
}

describe('sap spec', () => {
  it('loads with a format block that names the codec and the record kinds', () => {
    expect(spec.format).toEqual({
      kind: 'idoc-xml',
      recordKind: 'DEBMAS',
      recordKindFrom: { field: 'E1KNA1M.MSGFN', kinds: { '003': 'DEBMAS_DELETE' } },
      outboundRecordKind: 'DEBMAS',
    });
    expect(Object.keys(spec.inbound).sort()).toEqual(['DEBMAS', 'DEBMAS_DELETE']);
    expect(Object.keys(spec.outbound ?? {})).toEqual(['DEBMAS']);
  });

  it('refuses an IDoc of a message type it has no mapping for as such, naming the type', () => {
    const kindOf = compileRecordKind(spec);
    const [debmas] = idocs('debmas07-create.xml');
    expect(kindOf(debmas.record)).toEqual({ ok: true, value: 'DEBMAS' });
    const orders = parseIdocXml(
      Buffer.from(
        '<ORDERS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>0000000000481551</DOCNUM>' +
          '<IDOCTYP>ORDERS05</IDOCTYP><MESTYP>ORDERS</MESTYP></EDI_DC40>' +
          '<E1EDK01 SEGMENT="1"><BELNR>4500012345</BELNR></E1EDK01></IDOC></ORDERS05>',
      ),
    );
    // a reduced message type of the customer namespace (BD53: ZDEBMAS) is the site's DEBMAS
    const reduced = structuredClone(debmas.record) as { EDI_DC40: { MESTYP: string } };
    reduced.EDI_DC40.MESTYP = 'ZDEBMAS';
    expect(kindOf(reduced)).toEqual({ ok: true, value: 'DEBMAS' });
    expect(kindOf(idocToRecord(orders[0], 0), 'IDOC[0]')).toEqual({
      ok: false,
      error: {
        field: '',
        sourceField: 'EDI_DC40.MESTYP',
        rule: 'recordKind',
        message: 'sap: IDoc message type "ORDERS" is not one this system maps (maps: DEBMAS, DEBMAS_DELETE)',
        record: 'IDOC[0]',
      },
    });
  });

  it('maps every IDoc of the fixture files to a valid canonical document', () => {
    const results = mapItems(spec, GOOD_FILES.flatMap(idocs));
    expect(results).toHaveLength(7);
    for (const result of results) {
      expect({ ref: result.ref, error: result.error }).toEqual({ ref: result.ref, error: undefined });
      const schema = result.kind === 'DEBMAS' ? 'customer' : 'interaction-event';
      expect(validAs(schema, result.value)).toBe(true);
    }
    const byRef = new Map(results.map((result) => [result.ref, result.value]));
    expect(byRef.get('debmas07-persons.xml IDOC[0]')).toMatchObject({
      customerRef: 'sap:104711',
      kind: 'person',
      person: { salutation: 'Frau', title: 'Dr.', givenName: 'Anna Maria', familyName: 'Schmidt' },
      segment: 'sold-to',
      tier: 'platinum',
      addresses: [{ street: 'Hauptstraße', houseNumber: '5a', region: 'Berlin', country: 'DE' }],
      phones: [{ number: '+49301234567', type: 'work' }],
    });
    expect(byRef.get('debmas07-persons.xml IDOC[1]')).toMatchObject({
      person: { givenName: 'Carlos', familyName: 'García López' },
      segment: 'prospect',
      tier: 'basic',
      phones: [{ number: '+34911234567' }],
    });
    expect(byRef.get('debmas07-create.xml IDOC[0]')).toMatchObject({
      kind: 'organization',
      organization: {
        legalName: 'Müller Fördertechnik GmbH Werk Süd & Logistik',
        nameLines: ['Müller Fördertechnik GmbH', 'Werk Süd & Logistik'],
      },
      segment: 'general-customer',
      tier: 'gold',
      addresses: [{ city: 'München', region: 'Bayern' }],
      updatedAt: '2024-03-15T10:15:30.000Z',
      source: { system: 'sap', operation: 'DEBMAS', recordId: '4815162' },
    });
    expect(byRef.get('debmas07-definition-names-latin1.xml IDOC[0]')).toMatchObject({
      customerRef: 'sap:80042',
      organization: { legalName: 'Zürcher Käserei AG' },
      addresses: [{ city: 'Zürich', country: 'CH' }],
    });
  });

  it('turns MSGFN 003 (delete) into a customer-deleted event, never into a customer', () => {
    const [, deleted] = mapItems(spec, idocs('debmas07-two-idocs.xml'));
    expect(deleted.kind).toBe('DEBMAS_DELETE');
    expect(deleted.value).toMatchObject({
      type: 'customer-deleted',
      channel: 'erp',
      customer: { ref: 'sap:3901', identifiers: [{ system: 'sap', id: '3901' }] },
      occurredAt: '2024-04-02T09:12:01.000Z',
      data: { deletionFlag: true, name: 'Alt & Partner OHG' },
      source: { system: 'sap', recordId: '4815402' },
    });
  });

  it('names canonical field, source field, IDoc and rule for bad IDocs and maps the next ones', () => {
    const results = mapItems(spec, idocs('debmas07-bad-records.xml'));
    expect(results.map((result) => result.error)).toEqual([
      expect.objectContaining({
        field: 'addresses[0].country',
        sourceField: 'E1KNA1M.LAND1',
        rule: 'code',
        record: 'debmas07-bad-records.xml IDOC[0]',
        message: expect.stringContaining('"XY" is not a code in code table "country"'),
      }),
      expect.objectContaining({
        field: 'updatedAt',
        sourceField: 'EDI_DC40.CREDAT+EDI_DC40.CRETIM',
        rule: 'date',
        record: 'debmas07-bad-records.xml IDOC[1]',
        message: expect.stringContaining('"20240231080001" is not a calendar date'),
      }),
      expect.objectContaining({
        field: 'tier',
        sourceField: 'E1KNA1M.E1KNVVM[0].KDGRP',
        rule: 'code',
        record: 'debmas07-bad-records.xml IDOC[2]',
      }),
      undefined,
    ]);
    expect(results[3].value).toMatchObject({ customerRef: 'sap:104803' });
  });
});

describe('sap round trip: IDoc XML → canonical → IDoc XML', () => {
  const inbound = compileMapping(spec, 'DEBMAS');
  const outbound = compileOutbound(spec, 'DEBMAS');
  const phone = transforms.phone.create({ defaultCountryFrom: 'E1KNA1M.LAND1' });
  const options = {
    notWritten: {
      'EDI_DC40.DOCNUM': 'the control record describes the message, SAP numbers its own IDocs',
      'EDI_DC40.CREDAT': 'the control record describes the message, not the customer',
      'EDI_DC40.CRETIM': 'the control record describes the message, not the customer',
    },
  };
  const records = GOOD_FILES.flatMap(idocs).filter(
    ({ record }) => (record.E1KNA1M as Record<string, unknown>).MSGFN !== '003',
  );

  it.each(records.map((item) => [item.ref, item.record] as const))(
    '%s keeps every mapped field',
    (ref, before) => {
      const canonical = inbound.map(before, { recordRef: ref });
      if (!canonical.ok) throw new Error(canonical.error.message);
      const legacy = outbound.map(canonical.value, { recordRef: ref });
      if (!legacy.ok) throw new Error(legacy.error.message);
      const xml = writeIdocXml(recordToIdoc(legacy.value), { segmentNames: 'type' });
      const [doc] = parseIdocXml(xml);
      const after = idocToRecord(doc);
      expect(doc.idocType).toBe('DEBMAS07');
      const { compared, differences } = roundTripDifferences(spec, 'DEBMAS', before, after, {
        ...options,
        normalize: { 'E1KNA1M.TELF1': (value, record) => phone(value, record) },
      });
      expect(differences).toEqual([]);
      expect(compared).toEqual(expect.arrayContaining(['E1KNA1M.KUNNR', 'E1KNA1M.NAME1', 'E1KNA1M.ORT01']));
      // with the original control record (SAP stamps its own), the canonical document survives too
      expect(inbound.map({ ...after, EDI_DC40: before.EDI_DC40 })).toEqual(canonical);
    },
  );

  it('compares every field the inbound spec maps, except the documented control fields', () => {
    expect(mappedSourcePaths(spec, 'DEBMAS')).toEqual(
      expect.arrayContaining(['E1KNA1M.KUNNR', 'E1KNA1M.STRAS', 'E1KNA1M.TELF1', 'E1KNA1M.E1KNVVM[0].KDGRP']),
    );
    const personFields = roundTripDifferences(
      spec,
      'DEBMAS',
      records[records.length - 2].record,
      {},
      options,
    );
    expect(personFields.differences.length).toBe(personFields.compared.length);
    expect(personFields.compared).toEqual(
      expect.arrayContaining(['E1KNA1M.ANRED', 'E1KNA1M.NAME2', 'E1KNA1M.KTOKD', 'E1KNA1M.REGIO']),
    );
  });
});

describe("sap round trip of a golden person: SAP's echo of the hub's IDoc is the same kind and name", () => {
  const inbound = compileMapping(spec, 'DEBMAS');
  const outbound = compileOutbound(spec, 'DEBMAS');
  const FORMS_OF_ADDRESS = ['Herr', 'Frau', 'Mr.', 'Ms.', 'Mrs.'];
  const golden = (person: Record<string, string>) => ({
    schemaVersion: '1.0',
    customerRef: 'sap:4711',
    kind: 'person',
    person,
    identifiers: [{ system: 'sap', id: '4711' }],
    updatedAt: '2026-03-01T09:00:00Z',
    source: { system: 'hub', operation: 'golden-record', recordId: 'g-1' },
  });
  /** from-canonical sap, written and read as XML, SAP's echo of it (as SAP sent it back), to-canonical sap */
  const echo = (customer: unknown) => {
    const legacy = outbound.map(customer);
    if (!legacy.ok) throw new Error(legacy.error.message);
    const [doc] = parseIdocXml(writeIdocXml(recordToIdoc(legacy.value), { segmentNames: 'type' }));
    const record = idocToRecord(doc);
    (record as { EDI_DC40: Record<string, string> }).EDI_DC40 = {
      DOCNUM: '0000000000073001',
      CREDAT: '20260301',
      CRETIM: '090500',
      MESTYP: 'DEBMAS',
    };
    const back = inbound.map(record);
    if (!back.ok) throw new Error(back.error.message);
    return { sent: legacy.value.E1KNA1M as Record<string, unknown>, back: back.value as unknown as Customer };
  };

  it.each([
    ['Frau', 'Frau'],
    ['Herr', 'Herr'],
    ['Mr', 'Mr.'],
    ['Herr Dr.', 'Herr'],
    ['Dr.', undefined],
    ['Prof.', undefined],
    [undefined, undefined],
  ])('salutation %s: ANRED %s, and a person Anna Schmidt comes back', (salutation, anred) => {
    const person = { givenName: 'Anna', familyName: 'Schmidt', ...(salutation ? { salutation } : {}) };
    const { sent, back } = echo(golden(person));
    // only what the inbound mapping reads as a form of address goes to SAP
    expect(sent.ANRED).toBe(anred);
    if (sent.ANRED !== undefined) expect(FORMS_OF_ADDRESS).toContain(sent.ANRED);
    expect(back.kind).toBe('person');
    expect(back).not.toHaveProperty('organization');
    expect(back.person).toMatchObject({ givenName: 'Anna', familyName: 'Schmidt' });
    expect(back.person?.salutation).toBe(anred);
  });

  it('keeps a title and a family name alone', () => {
    expect(
      echo(golden({ salutation: 'Frau', title: 'Dr.', givenName: 'Anna', familyName: 'Schmidt' })).back
        .person,
    ).toEqual({
      salutation: 'Frau',
      title: 'Dr.',
      givenName: 'Anna',
      familyName: 'Schmidt',
    });
    expect(echo(golden({ familyName: 'Schmidt' })).back).toMatchObject({
      kind: 'person',
      person: { familyName: 'Schmidt' },
    });
  });

  it('sends an organization as Firma, and it comes back one', () => {
    const company = { ...golden({}), kind: 'organization', organization: { legalName: 'Muster Bau GmbH' } };
    delete (company as { person?: unknown }).person;
    const { sent, back } = echo(company);
    expect(sent.ANRED).toBe('Firma');
    expect(back).toMatchObject({ kind: 'organization', organization: { legalName: 'Muster Bau GmbH' } });
  });

  it("reads an ANRED it does not know as a person's salutation when NAME2 holds a name", () => {
    const record = (fields: Record<string, string | undefined>) => ({
      EDI_DC40: { DOCNUM: '0000000000073002', CREDAT: '20260301', CRETIM: '090500', MESTYP: 'DEBMAS' },
      E1KNA1M: { MSGFN: '004', KUNNR: '0000004711', LAND1: 'DE', ...fields },
    });
    for (const anred of ['Dr.', 'Herr Dr.']) {
      const mapped = inbound.map(record({ ANRED: anred, NAME1: 'Anna', NAME2: 'Schmidt' }));
      expect({ anred, mapped }).toMatchObject({
        anred,
        mapped: {
          ok: true,
          value: { kind: 'person', person: { salutation: anred, givenName: 'Anna', familyName: 'Schmidt' } },
        },
      });
    }
    // SAP's own convention for organizations, and the B2B customers that carry no form of address
    for (const fields of [
      { ANRED: 'Firma', NAME1: 'Muster Bau', NAME2: 'GmbH', STKZN: 'X' },
      { NAME1: 'Muster Bau', NAME2: 'GmbH' },
      { ANRED: 'Gemeinde', NAME1: 'Stadt Köln' },
    ]) {
      const mapped = inbound.map(record(fields));
      expect({ fields, mapped }).toMatchObject({
        fields,
        mapped: { ok: true, value: { kind: 'organization' } },
      });
    }
  });

  it('invents no address for a customer master without one, and keeps a lone country as data', () => {
    const record = (fields: Record<string, string | undefined>) => ({
      EDI_DC40: { DOCNUM: '0000000000073003', CREDAT: '20260301', CRETIM: '090500', MESTYP: 'DEBMAS' },
      E1KNA1M: { MSGFN: '004', KUNNR: '0000004712', ANRED: 'Herr', NAME1: 'Jan', NAME2: 'Berg', ...fields },
    });
    const addressesOf = (mapped: ReturnType<typeof inbound.map>) => {
      if (!mapped.ok) throw new Error(mapped.error.message);
      return (mapped.value as Partial<Customer>).addresses;
    };
    expect(addressesOf(inbound.map(record({})))).toBeUndefined();
    expect(addressesOf(inbound.map(record({ LAND1: 'DE' })))).toEqual([{ type: 'postal', country: 'DE' }]);
  });
});
