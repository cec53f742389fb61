import { compile, fields } from './schema-fixture';

const SCHEMA = `
  <xs:element name="Req"><xs:complexType><xs:sequence>
    <xs:element name="customerNumber"><xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="[0-9]{1,10}"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="country"><xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="[A-Z]{2}"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="city"><xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="5"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="channel" minOccurs="0"><xs:simpleType><xs:restriction base="xs:string">
      <xs:enumeration value="call-center"/><xs:enumeration value="web"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="address"><xs:complexType><xs:sequence>
      <xs:element name="postalCode" type="xs:string"/><xs:element name="street" type="xs:string" minOccurs="0"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="phone" type="xs:string" minOccurs="0" maxOccurs="2"/>
    <xs:element name="line" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:sequence>
      <xs:element name="qty" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="Resp"><xs:complexType><xs:sequence/></xs:complexType></xs:element>`;

const s = compile(SCHEMA);

const valid = { customerNumber: '0004711', country: 'DE', city: 'Köln', address: { postalCode: '50667' } };
const validXml =
  '<t:customerNumber>0004711</t:customerNumber><t:country>DE</t:country><t:city>Köln</t:city>' +
  '<t:address><t:postalCode>50667</t:postalCode></t:address>';

describe('request validation (XML in, JSON out)', () => {
  it('accepts a valid body and shapes repeatable elements as arrays even when sent once', () => {
    const result = s.request(`${validXml}<t:phone>1</t:phone><t:line><t:qty>2</t:qty></t:line>`);
    expect(result.errors).toEqual([]);
    expect(result.value).toEqual({ ...valid, phone: ['1'], line: [{ qty: '2' }] });
  });

  it('reports missing and empty required fields', () => {
    const result = s.request(
      validXml.replace('<t:customerNumber>0004711</t:customerNumber>', '').replace('DE', ''),
    );
    expect(result.errors).toEqual([
      { field: 'country', message: "field 'country' does not match the pattern [A-Z]{2}" },
      { field: 'country', message: "field 'country' is required and must not be empty" },
      { field: 'customerNumber', message: "field 'customerNumber' is required" },
    ]);
  });

  it('names nested and repeated fields with a path, and unknown elements at any depth', () => {
    const result = s.request(
      validXml.replace('<t:postalCode>50667</t:postalCode>', '<t:floor>2</t:floor>') +
        '<t:line><t:qty>1</t:qty></t:line><t:line><t:qty>x</t:qty></t:line><t:extra>1</t:extra>',
    );
    expect(fields(result)).toEqual(['address.floor', 'address.postalCode', 'line[1].qty', 'extra']);
    expect(result.errors[2].message).toBe("field 'line[1].qty' must be an integer (xsd:int)");
    expect(result.errors[3].message).toMatch(
      /^field 'extra' is an element the schema does not declare here \(expected customerNumber, /,
    );
  });

  it('checks elements are in the namespace the schema gives them', () => {
    const result = s.request(validXml.replace('<t:city>Köln</t:city>', '<city>Köln</city>'));
    expect(result.errors[0]).toEqual({
      field: 'city',
      message: "field 'city' must be in namespace 'urn:t', not '(none)'",
    });
  });
});

describe('JSON validation (replies, and requests checked the same way)', () => {
  it('accepts a valid body', () => {
    expect(s.requestJson(valid).ok).toBe(true);
    expect(s.requestJson({ ...valid, channel: 'web', phone: ['1', '2'] }).ok).toBe(true);
  });

  it('checks pattern (anchored), maxLength in characters, enumeration and maxOccurs', () => {
    const result = s.requestJson({
      ...valid,
      customerNumber: '12345678901',
      country: 'DEU',
      city: 'Kölner',
      channel: 'fax',
      phone: ['1', '2', '3'],
    });
    expect(result.ok ? [] : result.errors).toEqual([
      { field: 'customerNumber', message: "field 'customerNumber' does not match the pattern [0-9]{1,10}" },
      { field: 'country', message: "field 'country' does not match the pattern [A-Z]{2}" },
      { field: 'city', message: "field 'city' is too long (6 characters, at most 5 allowed)" },
      { field: 'channel', message: "field 'channel' must be one of 'call-center', 'web'" },
      { field: 'phone', message: "field 'phone' occurs 3 times, at most 2 allowed" },
    ]);
  });

  it('rejects nested elements where a simple value belongs, and a simple value where elements belong', () => {
    expect(fields(s.requestJson({ ...valid, city: { a: '1' } }))).toEqual(['city']);
    const result = s.requestJson({ ...valid, address: 'flat' });
    expect(result.ok ? '' : result.errors[0].message).toBe(
      "field 'address' must contain elements, not a simple value",
    );
  });
});
