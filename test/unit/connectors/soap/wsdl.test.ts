import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWsdlFile, loadWsdlFileSync, parseWsdl, WsdlError } from '../../../../connectors/soap/wsdl';
import { contentIndex, type Slot } from '../../../../connectors/soap/xsd/content-index';
import type { ElementDecl, SimpleType } from '../../../../connectors/soap/xsd/model';
import { UnsafeXmlError } from '../../../../formats/xml/xml-safety';

const CRM_WSDL = join(__dirname, '../../../../connectors/soap/wsdl/crm.wsdl');

/** A minimal WSDL with other prefixes (no prefix for wsdl, xs:, s12:) and nested types. */
function wsdl(schemaBody: string, extra = ''): string {
  return `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:s12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:o="urn:orders" targetNamespace="urn:orders">
  <types><xs:schema targetNamespace="urn:orders" elementFormDefault="qualified">${schemaBody}</xs:schema></types>
  <message name="In"><part name="parameters" element="o:PlaceOrder"/></message>
  <message name="Out"><part name="parameters" element="o:PlaceOrderResponse"/></message>
  <portType name="PT"><operation name="PlaceOrder"><input message="o:In"/><output message="o:Out"/></operation></portType>
  <binding name="B12" type="o:PT"><s12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="PlaceOrder"><s12:operation soapAction="urn:orders/Place"/>
      <input><s12:body use="literal"/></input><output><s12:body use="literal"/></output></operation></binding>
  ${extra}
  <service name="Orders"><port name="OrdersSoap12" binding="o:B12"><s12:address location="http://x/soap/orders"/></port></service>
</definitions>`;
}

const ORDER_SCHEMA = `
  <xs:simpleType name="Sku"><xs:restriction base="xs:string"><xs:maxLength value="12"/><xs:pattern value="[A-Z]+-[0-9]+"/></xs:restriction></xs:simpleType>
  <xs:complexType name="Address"><xs:sequence>
    <xs:element name="postalCode" type="xs:string"/>
    <xs:element name="kind"><xs:simpleType><xs:restriction base="xs:string">
      <xs:enumeration value="home"/><xs:enumeration value="work"/></xs:restriction></xs:simpleType></xs:element>
  </xs:sequence></xs:complexType>
  <xs:element name="PlaceOrder"><xs:complexType><xs:sequence>
    <xs:element name="orderDate" type="xs:date"/>
    <xs:element name="address" type="o:Address"/>
    <xs:element name="line" minOccurs="1" maxOccurs="unbounded"><xs:complexType><xs:sequence>
      <xs:element name="sku" type="o:Sku"/><xs:element name="qty" type="xs:int"/>
    </xs:sequence></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="PlaceOrderResponse"><xs:complexType><xs:sequence/></xs:complexType></xs:element>`;

function slots(decl: ElementDecl | undefined): Slot[] {
  if (!decl || decl.type.kind !== 'complex') throw new Error('expected a complex element');
  return contentIndex(decl.type).order;
}

function simpleOf(slot: Slot | undefined): SimpleType {
  if (!slot || slot.decl.type.kind !== 'simple') throw new Error('expected a simple element');
  return slot.decl.type;
}

describe('parseWsdl', () => {
  it('reads the shipped crm.wsdl: service, ports, both SOAP versions and the operation', () => {
    const def = parseWsdl(readFileSync(CRM_WSDL, 'utf8'));
    expect(def.targetNamespace).toBe('urn:crm-hub:crm');
    expect(def.serviceName).toBe('CrmCallCenterService');
    expect(def.portName).toBe('CrmCallCenterSoap');
    expect(def.versions).toEqual(['1.1', '1.2']);
    expect(def.refused).toEqual([]);
    const op = def.operations.get('ReportAddressChange');
    expect(op?.soapAction).toBe('urn:crm-hub:crm/ReportAddressChange');
    expect(op?.input).toMatchObject({ element: 'ReportAddressChange', namespace: 'urn:crm-hub:crm' });
    const input = slots(op?.input.decl);
    expect(input.map((s) => s.decl.name)).toEqual([
      'customerNumber',
      'street',
      'postalCode',
      'city',
      'country',
      'channel',
    ]);
    expect(input[0].decl.ns).toBe('urn:crm-hub:crm');
    expect(simpleOf(input[0])).toMatchObject({ builtin: 'string', facets: { patterns: ['[0-9]{1,10}'] } });
    expect(simpleOf(input[2]).facets).toMatchObject({ maxLength: 10, minLength: 1 });
    expect(input[5]).toMatchObject({ min: 0, max: 1, repeated: false });
    expect(op?.output.element).toBe('ReportAddressChangeResponse');
    expect(slots(op?.output.decl).map((s) => [s.decl.name, simpleOf(s).builtin])).toEqual([
      ['accepted', 'boolean'],
      ['eventId', 'string'],
      ['message', 'string'],
    ]);
  });

  it('handles other prefixes, a SOAP 1.2-only binding, nested and repeated complex types', () => {
    const def = parseWsdl(wsdl(ORDER_SCHEMA));
    expect(def.versions).toEqual(['1.2']);
    expect(def.portName).toBe('OrdersSoap12');
    const op = def.operations.get('PlaceOrder');
    expect(op?.soapAction).toBe('urn:orders/Place');
    expect(slots(op?.output.decl)).toEqual([]);
    const [date, address, line] = slots(op?.input.decl);
    expect(simpleOf(date).builtin).toBe('date');
    expect(address.decl.type.kind).toBe('complex');
    expect(simpleOf(slots(address.decl)[1]).facets.enumeration).toEqual(['home', 'work']);
    expect(line).toMatchObject({ min: 1, max: Infinity, repeated: true });
    expect(simpleOf(slots(line.decl)[0])).toMatchObject({
      name: 'Sku',
      facets: { maxLength: 12, patterns: ['[A-Z]+-[0-9]+'] },
    });
    expect(simpleOf(slots(line.decl)[1]).builtin).toBe('int');
  });

  it.each([
    [
      'XSD 1.1 assertions',
      ORDER_SCHEMA.replace(
        '<xs:sequence/></xs:complexType>',
        '<xs:sequence/><xs:assert test="true()"/></xs:complexType>',
      ),
      /XSD 1.1 xsd:assert is not supported \(in element PlaceOrderResponse\)/,
    ],
    [
      'an unknown facet',
      ORDER_SCHEMA.replace('<xs:maxLength value="12"/>', '<xs:explicitTimezone value="required"/>'),
      /facet xsd:explicitTimezone is not supported \(in simpleType Sku\)/,
    ],
    [
      'an undefined type',
      ORDER_SCHEMA.replace('type="o:Address"', 'type="o:Nope"'),
      /type \{urn:orders\}Nope is not defined/,
    ],
  ])(
    'refuses %s, naming the construct and its place, when no operation is left',
    (_what, schema, message) => {
      expect(() => parseWsdl(wsdl(schema))).toThrow(WsdlError);
      expect(() => parseWsdl(wsdl(schema))).toThrow(/none of its 1 operations can be served: PlaceOrder: /);
      expect(() => parseWsdl(wsdl(schema))).toThrow(message);
    },
  );

  it('refuses RPC style per operation, and non-WSDL documents', () => {
    const rpc = wsdl(ORDER_SCHEMA).replace('style="document"', 'style="rpc"');
    expect(() => parseWsdl(rpc)).toThrow(
      /style="rpc" is not supported \(in binding B12 operation PlaceOrder\)/,
    );
    expect(() => parseWsdl('<a/>')).toThrow(/expected wsdl:definitions/);
    expect(() => parseWsdl('<definitions')).toThrow(/not well-formed XML/);
  });

  it('refuses a WSDL with a DOCTYPE before parsing it', () => {
    expect(() => parseWsdl(`<!DOCTYPE x [<!ENTITY a "b">]>${wsdl(ORDER_SCHEMA)}`)).toThrow(UnsafeXmlError);
  });
});

describe('loadWsdlFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soap-wsdl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('caches by path and re-reads when the file changes', async () => {
    const file = join(dir, 'orders.wsdl');
    writeFileSync(file, wsdl(ORDER_SCHEMA));
    const first = await loadWsdlFile(file);
    expect(await loadWsdlFile(file)).toBe(first);
    expect(loadWsdlFileSync(file)).toBe(first);
    writeFileSync(file, wsdl(ORDER_SCHEMA).replace('urn:orders/Place', 'urn:orders/Place2'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const second = await loadWsdlFile(file);
    expect(second).not.toBe(first);
    expect(second.operations.get('PlaceOrder')?.soapAction).toBe('urn:orders/Place2');
  });
});
