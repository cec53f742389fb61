import { join } from 'node:path';
import { renderResponse } from '../../../../connectors/soap/serialize';
import type { OperationDef } from '../../../../connectors/soap/types';
import { loadWsdlFileSync } from '../../../../connectors/soap/wsdl';
import { contentIndex, type Slot } from '../../../../connectors/soap/xsd/content-index';
import { encodeElement } from '../../../../connectors/soap/xsd/encode';
import type { ElementDecl, SimpleType, ValidationError } from '../../../../connectors/soap/xsd/model';

const def = loadWsdlFileSync(join(__dirname, '../../../../connectors/soap/wsdl/hub.wsdl'));

function op(name: string): OperationDef {
  const found = def.operations.get(name);
  if (!found) throw new Error(`operation ${name} missing`);
  return found;
}

function slots(decl: ElementDecl): Slot[] {
  if (decl.type.kind !== 'complex') throw new Error(`${decl.name} is not complex`);
  return contentIndex(decl.type).order;
}

function field(decl: ElementDecl, name: string): Slot {
  const found = slots(decl).find((s) => s.decl.name === name);
  if (!found) throw new Error(`field ${name} missing`);
  return found;
}

function simple(slot: Slot): SimpleType {
  if (slot.decl.type.kind !== 'simple') throw new Error(`${slot.decl.name} is not simple`);
  return slot.decl.type;
}

function validateAgainst(decl: ElementDecl, body: unknown): ValidationError[] {
  const result = encodeElement(def.schemas, decl, body);
  return result.ok ? [] : result.errors;
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
      expect(slots(o.input.decl)[0].decl.ns).toBe('urn:crm-hub:hub:v1');
      expect(o.output.element).toBe(`${o.name}Response`);
    }
  });

  it('reads named complex types, repeats, optional elements, enumerations and facets', () => {
    const record = field(op('UpsertCustomer').input.decl, 'customer').decl;
    expect(record.type.kind).toBe('complex');
    expect(field(record, 'customerRef')).toMatchObject({ min: 0, max: 1 });
    expect(field(record, 'kind').min).toBe(1);
    expect(simple(field(record, 'kind')).facets.enumeration).toEqual(['person', 'organization']);
    expect(simple(field(record, 'tier')).facets.enumeration).toEqual(['basic', 'silver', 'gold', 'platinum']);
    expect(simple(field(record, 'birthDate')).builtin).toBe('date');
    expect(simple(field(record, 'country')).facets.patterns).toEqual(['[A-Z]{2}']);
    const consents = field(record, 'consents');
    expect(consents).toMatchObject({ min: 0, max: Infinity, repeated: true });
    expect(slots(consents.decl).map((c) => c.decl.name)).toEqual(['channel', 'purpose', 'status']);
    const interaction = op('ReportInteraction').input.decl;
    expect(simple(field(interaction, 'amount')).builtin).toBe('decimal');
    expect(simple(field(interaction, 'occurredAt')).builtin).toBe('dateTime');
    expect(field(interaction, 'details').max).toBe(Infinity);
    expect(simple(field(op('UpsertCustomer').output.decl, 'accepted')).builtin).toBe('boolean');
  });

  it('validates requests field by field', () => {
    expect(validateAgainst(op('UpsertCustomer').input.decl, { customer })).toEqual([]);
    const bad = validateAgainst(op('UpsertCustomer').input.decl, {
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
    const interaction = validateAgainst(op('ReportInteraction').input.decl, {
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
  it('lists held-back offers apart in GetCustomer360, optional on both sides so clients of the earlier WSDL still validate', () => {
    const request = op('GetCustomer360').input.decl;
    expect(field(request, 'withHeldBack')).toMatchObject({ min: 0, max: 1 });
    expect(simple(field(request, 'withHeldBack')).builtin).toBe('boolean');
    // a request of the earlier WSDL, without the flag, is as valid as before
    expect(validateAgainst(request, { customerRef: 'crm:4711' })).toEqual([]);
    const response = op('GetCustomer360').output.decl;
    const heldBack = field(response, 'heldBack');
    expect(heldBack).toMatchObject({ min: 0, max: Infinity, repeated: true });
    // last, after everything an earlier client knows
    expect(
      slots(response)
        .map((s) => s.decl.name)
        .slice(-4, -1),
    ).toEqual(['serviceLevel', 'openProcesses', 'heldBack']);
    expect(slots(heldBack.decl).map((s) => s.decl.name)).toEqual([
      'offerId',
      'offer',
      'channel',
      'action',
      'priority',
      'expiresAt',
      'policyId',
      'heldBack',
    ]);
    const offer = { offerId: 'o1', offer: 'Mortgage', channel: 'web', action: 'web-offer', priority: 80 };
    const xml = renderResponse(
      def,
      op('GetCustomer360'),
      {
        customer: { customerRef: 'crm:4711', sourceSystem: 'crm', sourceId: '4711' },
        offers: [offer],
        heldBack: [
          { ...offer, offerId: 'o2', policyId: 'address-change-mortgage', heldBack: 'switched-off' },
        ],
      },
      '1.1',
    );
    expect(xml.indexOf('<tns:offers>')).toBeLessThan(xml.indexOf('<tns:heldBack>'));
    expect(xml).toMatch(
      /<tns:heldBack><tns:offerId>o2<\/tns:offerId>[\s\S]*<tns:heldBack>switched-off<\/tns:heldBack><\/tns:heldBack>/,
    );
    // an answer without it (the flag left out) renders as before
    expect(
      renderResponse(
        def,
        op('GetCustomer360'),
        { customer: { customerRef: 'crm:4711', sourceSystem: 'crm', sourceId: '4711' }, offers: [offer] },
        '1.1',
      ),
    ).not.toContain('heldBack');
  });
  it("answers the golden record's data quality last in GetCustomer360, only when asked", () => {
    const request = op('GetCustomer360').input.decl;
    expect(field(request, 'withDataQuality')).toMatchObject({ min: 0, max: 1 });
    expect(simple(field(request, 'withDataQuality')).builtin).toBe('boolean');
    const response = op('GetCustomer360').output.decl;
    const quality = field(response, 'dataQuality');
    expect(quality).toMatchObject({ min: 0, max: 1 });
    expect(slots(response).at(-1)?.decl.name).toBe('dataQuality');
    const xml = renderResponse(
      def,
      op('GetCustomer360'),
      {
        customer: { customerRef: 'sap:100002', sourceSystem: 'sap', sourceId: '100002' },
        dataQuality: {
          complete: false,
          score: 0.55,
          gap: ['person.givenName', 'addresses[0].city'],
          futureDated: [],
        },
      },
      '1.1',
    );
    expect(xml).toMatch(
      /<tns:dataQuality><tns:complete>false<\/tns:complete><tns:score>0.55<\/tns:score><tns:gap>person.givenName<\/tns:gap><tns:gap>addresses\[0\].city<\/tns:gap><\/tns:dataQuality>/,
    );
  });
});
