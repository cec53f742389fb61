/**
 * The SAP customer master IDoc (DEBMAS) to the canonical customer and back: the spec features a real
 * legacy record needs (code tables, dates, names, streets, phones, repeated segments, conditions).
 */
import { compileMapping, compileOutbound, MappingSpecError, type SystemSpec } from '../../mappings/engine';
import { compileValidator } from '../../mappings/validate';

const isPerson = { field: 'E1KNA1M.ANRED', in: ['Herr', 'Frau'] };
const isCompany = { field: 'E1KNA1M.ANRED', equals: 'Firma' };
const name = ['E1KNA1M.NAME1', 'E1KNA1M.NAME2'];

export const sapSpec: SystemSpec = {
  system: 'sap',
  title: 'SAP ERP (IDoc)',
  inbound: {
    DEBMAS: {
      produces: 'customer',
      set: {
        schemaVersion: '1.0',
        'source.system': 'sap',
        'source.operation': 'DEBMAS',
        'identifiers[0].system': 'sap',
        'addresses[0].type': 'postal',
      },
      fields: [
        {
          to: 'customerRef',
          from: 'E1KNA1M.KUNNR',
          transforms: ['stripLeadingZeros', { prefix: 'sap:' }],
          required: true,
        },
        { to: 'identifiers[0].id', from: 'E1KNA1M.KUNNR', transforms: ['stripLeadingZeros'], required: true },
        { to: 'source.recordId', from: 'EDI_DC40.DOCNUM', transforms: ['stripLeadingZeros'] },
        {
          to: 'kind',
          from: 'E1KNA1M.ANRED',
          transforms: ['trim', { map: { Herr: 'person', Frau: 'person', Firma: 'organization' } }],
          required: true,
        },
        { to: 'person.salutation', from: 'E1KNA1M.ANRED', when: isPerson },
        {
          to: 'person.title',
          from: name,
          transforms: [{ join: ' ' }, 'splitName', { pick: 'title' }],
          when: isPerson,
        },
        {
          to: 'person.givenName',
          from: name,
          transforms: [{ join: ' ' }, 'splitName', { pick: 'givenName' }],
          when: isPerson,
        },
        {
          to: 'person.familyName',
          from: name,
          transforms: [{ join: ' ' }, 'splitName', { pick: 'familyName' }],
          when: isPerson,
          required: true,
        },
        {
          to: 'organization.legalName',
          from: name,
          transforms: [{ join: ' ' }],
          when: isCompany,
          required: true,
        },
        {
          to: 'birthDate',
          from: 'E1KNA1M.GBDAT',
          transforms: [{ date: { from: 'YYYYMMDD', to: 'iso-date' } }],
          when: isPerson,
        },
        { to: 'tier', from: 'E1KNA1M.E1KNVVM[0].KDGRP', transforms: [{ code: { table: 'tier' } }] },
        { to: 'addresses[0].street', from: 'E1KNA1M.STRAS', transforms: ['splitStreet', { pick: 'street' }] },
        {
          to: 'addresses[0].houseNumber',
          from: 'E1KNA1M.STRAS',
          transforms: ['splitStreet', { pick: 'houseNumber' }],
        },
        { to: 'addresses[0].postalCode', from: 'E1KNA1M.PSTLZ', transforms: ['trim'] },
        { to: 'addresses[0].city', from: 'E1KNA1M.ORT01', transforms: ['trim'], required: true },
        {
          to: 'addresses[0].country',
          from: 'E1KNA1M.LAND1',
          transforms: [{ code: { table: 'country' } }],
          required: true,
        },
        {
          to: 'phones[0].number',
          from: 'E1KNA1M.TELF1',
          transforms: [{ phone: { defaultCountryFrom: 'E1KNA1M.LAND1' } }],
        },
        {
          to: 'phones[0].type',
          from: 'E1KNA1M.TELF1',
          transforms: [{ const: 'work' }],
          when: { field: 'E1KNA1M.TELF1', exists: true },
        },
        {
          each: 'E1KNA1M.E1KNVKM',
          to: 'emails',
          where: { field: 'MSGFN', notEquals: '003' },
          set: { type: 'work' },
          fields: [{ to: 'address', from: 'SMTP_ADDR', transforms: ['email'], required: true }],
        },
        {
          to: 'updatedAt',
          from: ['EDI_DC40.CREDAT', 'EDI_DC40.CRETIM'],
          transforms: [{ join: '' }, { date: { from: 'YYYYMMDDHHMMSS', to: 'iso-datetime' } }],
          required: true,
        },
      ],
    },
  },
  outbound: {
    DEBMAS: {
      consumes: 'customer',
      set: { 'EDI_DC40.MESTYP': 'DEBMAS', 'EDI_DC40.IDOCTYP': 'DEBMAS07', 'E1KNA1M.MSGFN': '004' },
      fields: [
        { to: 'E1KNA1M.KUNNR', from: 'identifiers[0].id', transforms: [{ zeroPad: 10 }], required: true },
        { to: 'E1KNA1M.ANRED', from: 'person.salutation', when: { field: 'kind', equals: 'person' } },
        {
          to: 'E1KNA1M.ANRED',
          from: 'kind',
          transforms: [{ const: 'Firma' }],
          when: { field: 'kind', equals: 'organization' },
        },
        {
          to: 'E1KNA1M.NAME1',
          from: 'person',
          transforms: ['joinName'],
          when: { field: 'kind', equals: 'person' },
        },
        {
          to: 'E1KNA1M.NAME1',
          from: 'organization.legalName',
          when: { field: 'kind', equals: 'organization' },
        },
        { to: 'E1KNA1M.GBDAT', from: 'birthDate', transforms: [{ date: { from: 'iso', to: 'YYYYMMDD' } }] },
        {
          to: 'E1KNA1M.STRAS',
          from: ['addresses[0].street', 'addresses[0].houseNumber'],
          transforms: ['joinStreet'],
        },
        { to: 'E1KNA1M.PSTLZ', from: 'addresses[0].postalCode' },
        { to: 'E1KNA1M.ORT01', from: 'addresses[0].city' },
        { to: 'E1KNA1M.LAND1', from: 'addresses[0].country' },
        { to: 'E1KNA1M.TELF1', from: 'phones[0].number' },
        {
          to: 'E1KNA1M.E1KNVVM[0].KDGRP',
          from: 'tier',
          transforms: [{ code: { table: 'tier', reverse: true } }],
        },
        {
          each: 'emails',
          to: 'E1KNA1M.E1KNVKM',
          set: { MSGFN: '004' },
          fields: [{ to: 'SMTP_ADDR', from: 'address' }],
        },
      ],
    },
  },
};

export function debmas(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    EDI_DC40: { DOCNUM: '0000000000123456', CREDAT: '20250301', CRETIM: '093000', MESTYP: 'DEBMAS' },
    E1KNA1M: {
      MSGFN: '005',
      KUNNR: '0000004711',
      ANRED: 'Frau',
      NAME1: 'Dr. Anna Maria',
      NAME2: 'Schmidt',
      GBDAT: '19800229',
      STRAS: 'Hauptstraße 5a',
      PSTLZ: '10115',
      ORT01: 'Berlin',
      LAND1: 'DE',
      TELF1: '030 1234567',
      E1KNVVM: [{ VKORG: '1000', KDGRP: '01' }],
      E1KNVKM: [
        { MSGFN: '005', SMTP_ADDR: 'Anna.Schmidt@Example.DE' },
        { MSGFN: '003', SMTP_ADDR: 'old@example.de' },
      ],
      ...overrides,
    },
  };
}

describe('SAP DEBMAS to the canonical customer', () => {
  const mapping = compileMapping(sapSpec, 'DEBMAS');

  it('maps a person with name parts, dates, code tables, phone and repeated e-mail segments', () => {
    const result = mapping.map(debmas(), { recordRef: 'idoc 123456' });
    expect(result).toEqual({
      ok: true,
      value: {
        schemaVersion: '1.0',
        customerRef: 'sap:4711',
        kind: 'person',
        person: { salutation: 'Frau', title: 'Dr.', givenName: 'Anna Maria', familyName: 'Schmidt' },
        birthDate: '1980-02-29',
        tier: 'platinum',
        addresses: [
          {
            type: 'postal',
            street: 'Hauptstraße',
            houseNumber: '5a',
            postalCode: '10115',
            city: 'Berlin',
            country: 'DE',
          },
        ],
        phones: [{ number: '+49301234567', type: 'work' }],
        emails: [{ type: 'work', address: 'anna.schmidt@example.de' }],
        identifiers: [{ system: 'sap', id: '4711' }],
        updatedAt: '2025-03-01T09:30:00.000Z',
        source: { system: 'sap', operation: 'DEBMAS', recordId: '123456' },
      },
    });
    if (result.ok) expect(compileValidator('customer')(result.value)).toEqual({ ok: true });
  });

  it('maps a company under its own conditions and leaves out what the IDoc does not carry', () => {
    const result = mapping.map(
      debmas({
        ANRED: 'Firma',
        NAME1: 'Muster Bau',
        NAME2: 'GmbH',
        GBDAT: '00000000',
        TELF1: '',
        E1KNVKM: undefined,
        LAND1: 'Österreich',
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      kind: 'organization',
      organization: { legalName: 'Muster Bau GmbH' },
    });
    expect(result.value).not.toHaveProperty('person');
    expect(result.value).not.toHaveProperty('birthDate');
    expect(result.value).not.toHaveProperty('phones');
    expect(result.value).not.toHaveProperty('emails');
    expect(result.value).toMatchObject({ addresses: [{ country: 'AT' }] });
  });

  it('names field, source field, rule and record for bad values, inside repeated segments too', () => {
    expect(mapping.map(debmas({ GBDAT: '19810229' }), { recordRef: 'idoc 9' })).toEqual({
      ok: false,
      error: {
        field: 'birthDate',
        sourceField: 'E1KNA1M.GBDAT',
        rule: 'date',
        message: 'birthDate (from source field "E1KNA1M.GBDAT"): "19810229" is not a calendar date',
        record: 'idoc 9',
      },
    });
    const badMail = mapping.map(
      debmas({
        E1KNVKM: [
          { MSGFN: '005', SMTP_ADDR: 'a@b.de' },
          { MSGFN: '005', SMTP_ADDR: 'kaputt' },
        ],
      }),
      { recordRef: 'idoc 9' },
    );
    expect(badMail).toEqual({
      ok: false,
      error: {
        field: 'emails[1].address',
        sourceField: 'E1KNA1M.E1KNVKM[1].SMTP_ADDR',
        rule: 'email',
        message:
          'emails[1].address (from source field "E1KNA1M.E1KNVKM[1].SMTP_ADDR"): "kaputt" is not an e-mail address',
        record: 'idoc 9 segment E1KNA1M.E1KNVKM[1]',
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
    const noCity = mapping.map(debmas({ ORT01: ' ' }));
    expect(noCity.ok === false && noCity.error.message).toBe(
      'addresses[0].city is required but source field "E1KNA1M.ORT01" is missing or empty',
    );
  });

  it('maps a schema violation inside a repeated segment back to the source segment', () => {
    const loose: SystemSpec = structuredClone(sapSpec);
    const emails = loose.inbound.DEBMAS.fields.find((rule) => 'each' in rule && rule.to === 'emails');
    if (!emails || !('each' in emails)) throw new Error('spec changed');
    emails.fields = [{ to: 'address', from: 'SMTP_ADDR' }];
    const result = compileMapping(loose, 'DEBMAS').map(
      debmas({ E1KNVKM: [{ SMTP_ADDR: 'a@b.de' }, { SMTP_ADDR: 'Upper@Case.DE' }] }),
      { recordRef: 'idoc 5' },
    );
    expect(result.ok === false && result.error).toMatchObject({
      field: 'emails[1].address',
      sourceField: 'E1KNA1M.E1KNVKM[1].SMTP_ADDR',
      rule: 'pattern',
      record: 'idoc 5 segment E1KNA1M.E1KNVKM[1]',
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
        EDI_DC40: { MESTYP: 'DEBMAS', IDOCTYP: 'DEBMAS07' },
        E1KNA1M: {
          MSGFN: '004',
          KUNNR: '0000004711',
          ANRED: 'Frau',
          NAME1: 'Frau Dr. Anna Maria Schmidt',
          GBDAT: '19800229',
          STRAS: 'Hauptstraße 5a',
          PSTLZ: '10115',
          ORT01: 'Berlin',
          LAND1: 'DE',
          TELF1: '+49301234567',
          E1KNVVM: [{ KDGRP: '01' }],
          E1KNVKM: [{ MSGFN: '004', SMTP_ADDR: 'anna.schmidt@example.de' }],
        },
      },
    });
  });

  it('takes the alternative rule whose condition holds', () => {
    const company = inbound.map(debmas({ ANRED: 'Firma', NAME1: 'Muster Bau GmbH', NAME2: '', GBDAT: '' }));
    if (!company.ok) throw new Error(company.error.message);
    const result = outbound.map(company.value);
    expect(result.ok && result.value.E1KNA1M).toMatchObject({ ANRED: 'Firma', NAME1: 'Muster Bau GmbH' });
    expect(result.ok && result.value.E1KNA1M).not.toHaveProperty('GBDAT');
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
    typo.outbound!.DEBMAS.fields.push({ to: 'E1KNA1M.NAME2', from: 'person.famliyName' });
    expect(() => compileOutbound(typo, 'DEBMAS')).toThrow(MappingSpecError);
    expect(() => compileOutbound(typo, 'DEBMAS')).toThrow(/fields\[13\].*no field "person\.famliyName"/);
    expect(() => compileOutbound(sapSpec, 'DEBMAS99')).toThrow(/no such record kind \(known: DEBMAS\)/);
  });
});
