/**
 * The SAP customer master IDoc (DEBMAS) to the canonical customer and back with the shipped spec
 * (mappings/systems/sap.json): code tables, dates, names, streets, phones, conditions, alternatives.
 * Fixture files and the XML round trip are in system-sap.test.ts.
 */
import {
  compileMapping,
  compileOutbound,
  loadSystemSpec,
  MappingSpecError,
  type SystemSpec,
} from '../../../../mappings/engine';
import { compileValidator } from '../../../../mappings/validate';
import type { Customer } from '../../../../mappings/canonical/types';
import { assessDataQuality } from '../../../../records/data-quality';

/** The shipped spec, mappings/systems/sap.json: this test and the system tests share it. */
export const sapSpec: SystemSpec = loadSystemSpec('sap');

export function debmas(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    EDI_DC40: { DOCNUM: '0000000000123456', CREDAT: '20250301', CRETIM: '093000', MESTYP: 'DEBMAS' },
    E1KNA1M: {
      MSGFN: '005',
      KUNNR: '0000004711',
      KTOKD: '0001',
      ANRED: 'Frau',
      NAME1: 'Dr. Anna Maria',
      NAME2: 'Schmidt',
      STRAS: 'Hauptstraße 5a',
      PSTLZ: '10115',
      ORT01: 'Berlin',
      REGIO: '11',
      LAND1: 'DE',
      TELF1: '030 1234567',
      E1KNVVM: [{ VKORG: '1000', KDGRP: '01' }],
      ...overrides,
    },
  };
}

describe('SAP DEBMAS to the canonical customer', () => {
  const mapping = compileMapping(sapSpec, 'DEBMAS');

  it('maps a person with name parts, code tables, region, phone and the first sales area tier', () => {
    const result = mapping.map(debmas(), { recordRef: 'idoc 123456' });
    expect(result).toEqual({
      ok: true,
      value: {
        schemaVersion: '1.0',
        customerRef: 'sap:4711',
        kind: 'person',
        person: { salutation: 'Frau', title: 'Dr.', givenName: 'Anna Maria', familyName: 'Schmidt' },
        segment: 'sold-to',
        tier: 'platinum',
        addresses: [
          {
            type: 'postal',
            street: 'Hauptstraße',
            houseNumber: '5a',
            postalCode: '10115',
            city: 'Berlin',
            region: 'Berlin',
            country: 'DE',
          },
        ],
        phones: [{ number: '+49301234567', type: 'work' }],
        identifiers: [{ system: 'sap', id: '4711' }],
        updatedAt: '2025-03-01T09:30:00.000Z',
        source: { system: 'sap', operation: 'DEBMAS', recordId: '123456', version: 123456 },
      },
    });
    if (result.ok) expect(compileValidator('customer')(result.value)).toEqual({ ok: true });
  });

  it('keeps a two-word family name in NAME2 whole', () => {
    const result = mapping.map(
      debmas({ ANRED: 'Herr', NAME1: 'Carlos', NAME2: 'García López', LAND1: 'ES', TELF1: '91 123 45 67' }),
    );
    expect(result.ok && result.value).toMatchObject({
      person: { salutation: 'Herr', givenName: 'Carlos', familyName: 'García López' },
    });
  });

  it('maps a company (or a customer without ANRED) with its name lines', () => {
    const result = mapping.map(
      debmas({ ANRED: 'Firma', NAME1: 'Muster Bau', NAME2: 'GmbH', TELF1: '', LAND1: 'Österreich' }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      kind: 'organization',
      organization: { legalName: 'Muster Bau GmbH', nameLines: ['Muster Bau', 'GmbH'] },
    });
    expect(result.value).not.toHaveProperty('person');
    expect(result.value).not.toHaveProperty('phones');
    expect(result.value).toMatchObject({ addresses: [{ country: 'AT' }] });
    expect(result.value).not.toHaveProperty('addresses.0.region');
    const noSalutation = mapping.map(debmas({ ANRED: undefined, NAME1: 'Alt & Partner OHG', NAME2: '' }));
    expect(noSalutation.ok && noSalutation.value).toMatchObject({
      kind: 'organization',
      organization: { legalName: 'Alt & Partner OHG', nameLines: ['Alt & Partner OHG'] },
    });
  });

  it('names field, source field, rule and record for bad values', () => {
    expect(mapping.map(debmas(), { recordRef: 'idoc 9' }).ok).toBe(true);
    const badDate = mapping.map(
      { ...debmas(), EDI_DC40: { CREDAT: '20250230', CRETIM: '093000' } },
      { recordRef: 'idoc 9' },
    );
    expect(badDate).toEqual({
      ok: false,
      error: {
        field: 'updatedAt',
        sourceField: 'EDI_DC40.CREDAT+EDI_DC40.CRETIM',
        rule: 'date',
        message:
          'updatedAt (from source field "EDI_DC40.CREDAT+EDI_DC40.CRETIM"): "20250230093000" is not a calendar date',
        record: 'idoc 9',
      },
    });
    const tier = mapping.map(debmas({ E1KNVVM: { KDGRP: '77' } }));
    expect(tier.ok === false && tier.error).toMatchObject({
      field: 'tier',
      sourceField: 'E1KNA1M.E1KNVVM[0].KDGRP',
      rule: 'code',
      message: expect.stringMatching(/"77" is not a code in code table "tier"/),
    });
    const phone = mapping.map(debmas({ TELF1: '12' }));
    expect(phone.ok === false && phone.error).toMatchObject({ field: 'phones[0].number', rule: 'phone' });
  });

  it('takes incomplete records in, the gaps for the data-quality field, and refuses only what is malformed', () => {
    const valid = compileValidator('customer');
    const gapsOf = (record: Record<string, unknown>) => {
      const result = mapping.map(record);
      if (!result.ok) throw new Error(result.error.message);
      expect(valid(result.value)).toEqual({ ok: true });
      return { value: result.value, gaps: assessDataQuality(result.value as unknown as Customer).gaps };
    };
    const noCity = gapsOf(debmas({ ORT01: ' ' }));
    expect(noCity.value).toMatchObject({
      addresses: [{ type: 'postal', street: 'Hauptstraße', postalCode: '10115' }],
    });
    expect(noCity.gaps).toContain('addresses[0].city');
    const noCountry = gapsOf(debmas({ LAND1: undefined, TELF1: undefined, REGIO: undefined }));
    expect(noCountry.gaps).toContain('addresses[0].country');
    const noName = gapsOf(debmas({ NAME1: '', NAME2: '' }));
    expect(noName.value).toMatchObject({ kind: 'person', person: { salutation: 'Frau' } });
    expect(noName.gaps).toEqual(expect.arrayContaining(['person.familyName', 'person.givenName']));
    const noLegalName = gapsOf(debmas({ ANRED: 'Firma', NAME1: '', NAME2: '' }));
    expect(noLegalName.gaps).toContain('organization.legalName');
    // no customer number: nothing to key the record by, which is malformed, not merely incomplete
    const noNumber = mapping.map(debmas({ KUNNR: '' }));
    expect(noNumber.ok === false && noNumber.error).toMatchObject({
      field: 'identifiers[0].id',
      rule: 'required',
    });
  });
});

describe('canonical customer back to SAP DEBMAS (outbound)', () => {
  const inbound = compileMapping(sapSpec, 'DEBMAS');
  const outbound = compileOutbound(sapSpec, 'DEBMAS');

  it('builds the legacy record tree with text leaves', () => {
    const customer = inbound.map(debmas());
    if (!customer.ok) throw new Error(customer.error.message);
    expect(outbound.map(customer.value, { recordRef: 'customer sap:4711' })).toEqual({
      ok: true,
      value: {
        EDI_DC40: {
          TABNAM: 'EDI_DC40',
          DIRECT: '2',
          MESTYP: 'DEBMAS',
          IDOCTYP: 'DEBMAS07',
          MANDT: '100',
          SNDPOR: 'CRMHUB',
          SNDPRT: 'LS',
          SNDPRN: 'CRMHUB',
          RCVPOR: 'SAP',
          RCVPRT: 'LS',
          RCVPRN: 'SAP',
        },
        E1KNA1M: {
          MSGFN: '004',
          KUNNR: '0000004711',
          KTOKD: '0001',
          ANRED: 'Frau',
          NAME1: 'Dr. Anna Maria',
          NAME2: 'Schmidt',
          STRAS: 'Hauptstraße 5a',
          PSTLZ: '10115',
          ORT01: 'Berlin',
          LAND1: 'DE',
          REGIO: '11',
          STKZN: 'X',
          TELF1: '+49301234567',
          // the IDoc named VKORG without VTWEG and SPART: no sales area to post KDGRP in
        },
      },
    });
  });

  it('keeps the zeros of an alphanumeric customer number both ways, as SAP pads only numbers', () => {
    const customer = inbound.map(debmas({ KUNNR: '00ABC-1' }));
    if (!customer.ok) throw new Error(customer.error.message);
    const value = customer.value as unknown as Customer;
    expect(value.customerRef).toBe('sap:00ABC-1');
    expect(value.identifiers[0]).toMatchObject({ system: 'sap', id: '00ABC-1' });
    const back = outbound.map(value, { recordRef: 'customer sap:00ABC-1' });
    expect(back.ok && (back.value.E1KNA1M as Record<string, unknown>).KUNNR).toBe('00ABC-1');
  });

  it('writes the work number to TELF1, never a mobile that comes first, and no TELF1 without one', () => {
    const customer = inbound.map(debmas());
    if (!customer.ok) throw new Error(customer.error.message);
    const mobileFirst = {
      ...customer.value,
      phones: [
        { type: 'mobile', number: '+4917155598100' },
        { type: 'work', number: '+49221555100' },
      ],
    };
    const written = outbound.map(mobileFirst);
    expect(written.ok && written.value.E1KNA1M).toMatchObject({ TELF1: '+49221555100' });
    const mobileOnly = outbound.map({
      ...customer.value,
      phones: [{ type: 'mobile', number: '+4917155598100' }],
    });
    expect(mobileOnly.ok && mobileOnly.value.E1KNA1M).not.toHaveProperty('TELF1');
  });

  it('takes the alternative rule whose condition holds', () => {
    const company = inbound.map(debmas({ ANRED: 'Firma', NAME1: 'Muster Bau GmbH', NAME2: '' }));
    if (!company.ok) throw new Error(company.error.message);
    const result = outbound.map(company.value);
    expect(result.ok && result.value.E1KNA1M).toMatchObject({ ANRED: 'Firma', NAME1: 'Muster Bau GmbH' });
    expect(result.ok && result.value.E1KNA1M).not.toHaveProperty('NAME2');
    const familyOnly = inbound.map(debmas({ NAME1: '', NAME2: 'Schmidt' }));
    if (!familyOnly.ok) throw new Error(familyOnly.error.message);
    const written = outbound.map(familyOnly.value);
    expect(written.ok && written.value.E1KNA1M).toMatchObject({ NAME1: 'Schmidt' });
    expect(written.ok && written.value.E1KNA1M).not.toHaveProperty('NAME2');
  });

  it('validates the canonical input first and names what is wrong', () => {
    const customer = inbound.map(debmas());
    if (!customer.ok) throw new Error(customer.error.message);
    const broken = { ...customer.value, tier: 'diamond' };
    const result = outbound.map(broken, { recordRef: 'customer sap:4711' });
    expect(result.ok === false && result.error).toMatchObject({
      field: 'tier',
      rule: 'enum',
      record: 'customer sap:4711',
      message: expect.stringMatching(/^canonical customer input: tier must be one of/),
    });
    expect(outbound.map('nope').ok).toBe(false);
  });

  it('checks canonical source paths against the consumed schema at compile time', () => {
    const typo: SystemSpec = structuredClone(sapSpec);
    const index = typo.outbound!.DEBMAS.fields.push({ to: 'E1KNA1M.NAME2', from: 'person.famliyName' }) - 1;
    expect(() => compileOutbound(typo, 'DEBMAS')).toThrow(MappingSpecError);
    expect(() => compileOutbound(typo, 'DEBMAS')).toThrow(
      new RegExp(`fields\\[${index}\\].*no field "person\\.famliyName"`),
    );
    expect(() => compileOutbound(sapSpec, 'DEBMAS99')).toThrow(/no such record kind \(known: DEBMAS\)/);
  });
});
