import { join } from 'node:path';
import { renderResponse } from '../../../../connectors/soap/serialize';
import type { FieldDef, OperationDef } from '../../../../connectors/soap/types';
import { validateAgainst } from '../../../../connectors/soap/validate';
import { loadWsdlFileSync } from '../../../../connectors/soap/wsdl';

const def = loadWsdlFileSync(join(__dirname, '../../../../connectors/soap/wsdl/hub.wsdl'));

function op(name: string): OperationDef {
  const found = def.operations.get(name);
  if (!found) throw new Error(`operation ${name} missing`);
  return found;
}

function field(fields: FieldDef[], name: string): FieldDef {
  const found = fields.find((f) => f.name === name);
  if (!found) throw new Error(`field ${name} missing`);
  return found;
}

const customer = {
  sourceSystem: 'crm',
  sourceId: '4711',
  kind: 'person',
  givenName: 'Anna',
  birthDate: '1980-02-29',
  tier: 'platinum',
  country: 'DE',
  consents: [
    { channel: 'email', purpose: 'marketing', status: 'granted' },
    { channel: 'sms', purpose: 'marketing', status: 'withdrawn' },
  ],
};

describe('hub.wsdl', () => {
  it('offers the four hub operations over SOAP 1.1 and 1.2 in urn:crm-hub:hub:v1', () => {
    expect(def.targetNamespace).toBe('urn:crm-hub:hub:v1');
    expect(def.versions).toEqual(['1.1', '1.2']);
    expect([...def.operations.keys()]).toEqual([
      'UpsertCustomer',
      'ReportInteraction',
      'GetCustomer360',
      'GetNextBestOffer',
    ]);
    for (const o of def.operations.values()) {
      expect(o.soapAction).toBe(`urn:crm-hub:hub:v1/${o.name}`);
      expect(o.input.qualified).toBe(true);
      expect(o.output.element).toBe(`${o.name}Response`);
    }
  });

  it('reads named complex types, repeats, optional elements, enumerations and facets', () => {
    const record = field(op('UpsertCustomer').input.fields, 'customer');
    expect(record.type).toBe('complex');
    const children = record.children ?? [];
    expect(field(children, 'customerRef')).toMatchObject({ minOccurs: 0, maxOccurs: 1 });
    expect(field(children, 'kind')).toMatchObject({ minOccurs: 1, enumeration: ['person', 'organization'] });
    expect(field(children, 'tier').enumeration).toEqual(['basic', 'silver', 'gold', 'platinum']);
    expect(field(children, 'birthDate').type).toBe('date');
    expect(field(children, 'country').pattern).toBe('[A-Z]{2}');
    const consents = field(children, 'consents');
    expect(consents).toMatchObject({ type: 'complex', minOccurs: 0, maxOccurs: Infinity });
    expect(consents.children?.map((c) => c.name)).toEqual(['channel', 'purpose', 'status']);
    const interaction = op('ReportInteraction').input.fields;
    expect(field(interaction, 'amount').type).toBe('decimal');
    expect(field(interaction, 'occurredAt').type).toBe('dateTime');
    expect(field(interaction, 'details').maxOccurs).toBe(Infinity);
    expect(field(op('UpsertCustomer').output.fields, 'accepted').type).toBe('boolean');
  });

  it('validates requests field by field', () => {
    expect(validateAgainst(op('UpsertCustomer').input.fields, { customer })).toEqual([]);
    const bad = validateAgainst(op('UpsertCustomer').input.fields, {
      customer: {
        ...customer,
        kind: 'robot',
        birthDate: '1981-02-29',
        consents: [{ channel: 'email', purpose: 'x', status: 'maybe' }],
      },
    });
    expect(bad.map((e) => e.field)).toEqual([
      'customer.kind',
      'customer.birthDate',
      'customer.consents[0].status',
    ]);
    expect(bad[0].message).toBe("field 'customer.kind' must be one of 'person', 'organization'");
    const interaction = validateAgainst(op('ReportInteraction').input.fields, {
      type: 'Withdrawal',
      channel: 'branch',
      customerRef: 'crm:4711',
      amount: '12,50',
      currency: 'eur',
    });
    expect(interaction.map((e) => e.field)).toEqual(['type', 'amount', 'currency']);
  });

  it('renders a customer 360 reply in schema order with repeated offers', () => {
    const xml = renderResponse(
      def,
      op('GetCustomer360'),
      {
        lastInteractions: [
          { type: 'withdrawal', channel: 'branch', occurredAt: new Date(Date.UTC(2030, 0, 2)) },
        ],
        offers: [
          { offerId: 'o1', offer: 'Mortgage', channel: 'web', action: 'web-offer', priority: 80 },
          { offerId: 'o2', offer: 'Card', channel: 'web', action: 'web-offer', priority: 10 },
        ],
        customer,
      },
      '1.1',
    );
    expect(xml.indexOf('<tns:customer>')).toBeLessThan(xml.indexOf('<tns:offers>'));
    expect(xml.match(/<tns:offers>/g)).toHaveLength(2);
    expect(xml).toContain('<tns:occurredAt>2030-01-02T00:00:00.000Z</tns:occurredAt>');
    expect(xml).toContain('<tns:priority>80</tns:priority>');
  });
});
