/**
 * The outbound mappings of the bidirectional systems (SAP, Siebel, Salesforce) address the target's own
 * record: the identifier of that system wherever it sits in the list, never whatever identifiers[0] is
 * (a CRM number written as an SAP KUNNR changes another customer). Without one, the record goes out as
 * a create. The sync path's view (records/golden-fan-out.ts targetView) keeps working.
 */
import { compileOutbound, loadSystemSpec } from '../../../../mappings/engine';
import type { Customer } from '../../../../mappings/canonical/types';
import { targetView } from '../../../../records/golden-fan-out';

/** The example customer of docs/canonical-model.md: the CRM number first, the SAP one second. */
const customer: Customer = {
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: { salutation: 'Frau', givenName: 'Anna', familyName: 'Muster' },
  identifiers: [
    { system: 'crm', id: '4711' },
    { system: 'sap', id: '0000104711' },
  ],
  updatedAt: '2025-03-01T09:30:00Z',
  source: { system: 'crm', operation: 'UpdateCustomer' },
} as Customer;

function withIdentifiers(identifiers: Customer['identifiers']): Customer {
  return { ...customer, identifiers };
}

function mapped(system: string, recordKind: string, document: Customer): Record<string, unknown> {
  const result = compileOutbound(loadSystemSpec(system), recordKind).map(document);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('SAP DEBMAS outbound addresses the SAP customer', () => {
  it('takes the SAP number when another system is listed first, as a change', () => {
    expect(mapped('sap', 'DEBMAS', customer).E1KNA1M).toMatchObject({ MSGFN: '004', KUNNR: '0000104711' });
  });

  it('creates the customer (MSGFN 009, no KUNNR) when SAP has no number for it', () => {
    const idoc = mapped('sap', 'DEBMAS', withIdentifiers([{ system: 'crm', id: '4711' }]));
    expect(idoc.E1KNA1M).toMatchObject({ MSGFN: '009' });
    expect(idoc.E1KNA1M).not.toHaveProperty('KUNNR');
  });

  it('writes the SAP number first in the segment, after MSGFN, as SAP lists them', () => {
    expect(Object.keys(mapped('sap', 'DEBMAS', customer).E1KNA1M as object).slice(0, 2)).toEqual([
      'MSGFN',
      'KUNNR',
    ]);
  });

  it('maps the sync view of one SAP record of several to that record', () => {
    const golden = withIdentifiers([
      { system: 'crm', id: '4711' },
      { system: 'sap', id: '0000104711' },
      { system: 'sap', id: '0000104712' },
    ]);
    const view = targetView(golden, { system: 'sap', sourceId: '0000104712' });
    expect(mapped('sap', 'DEBMAS', view).E1KNA1M).toMatchObject({ MSGFN: '004', KUNNR: '0000104712' });
  });
});

describe.each([
  ['siebel', '1-4RT7QK'],
  ['salesforce', '003000000000001AAA'],
])('%s Contact outbound addresses its own contact', (system, ownId) => {
  it('takes its own row id when another system is listed first', () => {
    const document = withIdentifiers([...customer.identifiers, { system, id: ownId }]);
    expect(mapped(system, 'Contact', document)).toMatchObject({ Id: ownId });
  });

  it('writes no Id (a new contact) when the system holds none, never the CRM number', () => {
    expect(mapped(system, 'Contact', customer)).not.toHaveProperty('Id');
  });

  it('maps the sync view to the record it is for', () => {
    const view = targetView(customer, { system, sourceId: ownId });
    expect(mapped(system, 'Contact', view)).toMatchObject({ Id: ownId });
  });
});

describe.each([
  ['siebel', 'Contact', 'M_slhM'],
  ['salesforce', 'Contact', 'Salutation'],
])("%s Contact outbound writes the salutation as its picklist's value", (system, recordKind, field) => {
  const salutationOf = (salutation: string | undefined) =>
    mapped(system, recordKind, { ...customer, person: { ...customer.person, salutation } } as Customer)[
      field
    ];

  it.each([
    ['Frau', 'Ms.'],
    ['Herr', 'Mr.'],
    ['Herr Dr.', 'Mr.'],
    ['Mrs', 'Mrs.'],
    ['Ms.', 'Ms.'],
    ['Dr.', 'Dr.'],
  ])('%s → %s', (salutation, value) => {
    expect(salutationOf(salutation)).toBe(value);
  });

  it('leaves out a salutation the picklist lacks, so the system keeps its own', () => {
    expect(salutationOf('Firma')).toBeUndefined();
    expect(salutationOf(undefined)).toBeUndefined();
  });
});
