import { parseEnvelope } from '../../../../connectors/soap/envelope';
import {
  InvalidReplyError,
  invalidReplyFault,
  renderResponse,
  tryRenderResponse,
} from '../../../../connectors/soap/serialize';
import type { OperationDef, WsdlDefinition } from '../../../../connectors/soap/types';
import { parseWsdl } from '../../../../connectors/soap/wsdl';
import { wsdlWith } from './xsd/schema-fixture';

const LOOKUP = `
  <xs:element name="Req"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
  <xs:element name="Resp"><xs:complexType><xs:sequence>
    <xs:element name="found" type="xs:boolean"/>
    <xs:element name="count" type="xs:int"/>
    <xs:element name="tag" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
    <xs:element name="address" minOccurs="0"><xs:complexType><xs:sequence>
      <xs:element name="city" type="xs:string"/><xs:element name="since" type="xs:date" minOccurs="0"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="note" type="xs:string" minOccurs="0"/>
  </xs:sequence></xs:complexType></xs:element>`;

function lookup(qualified: boolean): { def: WsdlDefinition; op: OperationDef } {
  const def = parseWsdl(wsdlWith(LOOKUP, { form: qualified ? 'qualified' : 'unqualified' }));
  return { def, op: def.operations.get('Op')! };
}

describe('renderResponse', () => {
  it('renders children in schema order, repeats arrays, escapes text and converts JS values', () => {
    const xml = renderResponse(
      lookup(true).def,
      lookup(true).op,
      {
        note: 'a < b & "c"',
        tag: ['x', 'y'],
        count: 3,
        found: true,
        address: { since: new Date('2024-05-01T00:00:00Z'), city: 'Köln' },
      },
      '1.1',
    );
    expect(xml).toContain(
      '<tns:Resp xmlns:tns="urn:t"><tns:found>true</tns:found><tns:count>3</tns:count>' +
        '<tns:tag>x</tns:tag><tns:tag>y</tns:tag><tns:address><tns:city>Köln</tns:city><tns:since>2024-05-01</tns:since>' +
        '</tns:address><tns:note>a &lt; b &amp; &quot;c&quot;</tns:note></tns:Resp>',
    );
    const back = parseEnvelope(xml, { maxBytes: 10_000 });
    expect(back).toMatchObject({ version: '1.1', operationElement: 'Resp', namespace: 'urn:t' });
    expect(back.body.note).toBe('a < b & "c"');
  });

  it('renders unqualified children without a prefix and SOAP 1.2 envelopes', () => {
    const { def, op } = lookup(false);
    const xml = renderResponse(def, op, { found: false, count: '0', note: null }, '1.2');
    expect(xml).toContain('xmlns:env="http://www.w3.org/2003/05/soap-envelope"');
    expect(xml).toContain('<tns:Resp xmlns:tns="urn:t"><found>false</found><count>0</count></tns:Resp>');
  });

  it('returns the errors for a reply that does not fit the schema, and a server fault naming the field', () => {
    const { def, op } = lookup(true);
    const result = tryRenderResponse(def, op, { found: 'maybe', extra: 1 }, '1.1');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toEqual(['found', 'extra', 'count']);
    const fault = invalidReplyFault(result.errors);
    expect(fault.code).toBe('server');
    expect(fault.message).toMatch(/^Invalid reply: field 'found' must be true, false, 1 or 0/);
    expect(fault.detail?.field).toBe('found');
    expect(() => renderResponse(def, op, {}, '1.1')).toThrow(InvalidReplyError);
  });
});
