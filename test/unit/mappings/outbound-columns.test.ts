/** The header a CSV file of a record kind is written with. */
import { outboundColumns } from '../../../mappings/outbound-columns';
import type { SystemSpec } from '../../../mappings/mapping-types';

describe('outboundColumns', () => {
  const spec = {
    system: 'old-crm',
    format: { kind: 'csv', recordKind: 'Kunde' },
    outbound: {
      Kunde: {
        consumes: 'customer',
        set: { Satzart: 'K' },
        fields: [
          { to: '["Kd-Nr."]', from: 'identifiers[0].id' },
          { to: 'Straße', from: 'addresses[0].street' },
          { to: '["Geb. Datum"]', from: 'birthDate' },
          { to: 'Straße', from: 'addresses[0].streetLines[0]' },
        ],
      },
    },
  } as unknown as SystemSpec;

  it('names every column once, in order, quoted keys by the header they stand for', () => {
    expect(outboundColumns(spec, 'Kunde')).toEqual(['Satzart', 'Kd-Nr.', 'Straße', 'Geb. Datum']);
  });

  it('has none for a record kind the spec does not write', () => {
    expect(outboundColumns(spec, 'Konto')).toBeUndefined();
  });
});
