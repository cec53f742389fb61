import { parseEnvelope } from '../../../../connectors/soap/envelope';
import {
  InvalidReplyError,
  invalidReplyFault,
  renderResponse,
  tryRenderResponse,
} from '../../../../connectors/soap/serialize';
import type { FieldDef, OperationDef, WsdlDefinition } from '../../../../connectors/soap/types';

const f = (name: string, type: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type,
  minOccurs: 1,
  maxOccurs: 1,
  ...extra,
});

function operation(qualified: boolean): OperationDef {
  return {
    name: 'Lookup',
    soapAction: '',
    input: { element: 'Lookup', namespace: 'urn:t', fields: [], qualified },
    output: {
      element: 'LookupResponse',
      namespace: 'urn:t',
      qualified,
      fields: [
        f('found', 'boolean'),
        f('count', 'int'),
        f('tag', 'string', { minOccurs: 0, maxOccurs: Infinity }),
        f('address', 'complex', {
          minOccurs: 0,
          children: [f('city', 'string'), f('since', 'date', { minOccurs: 0 })],
        }),
        f('note', 'string', { minOccurs: 0 }),
      ],
    },
  };
}

const def = { targetNamespace: 'urn:t' } as WsdlDefinition;

describe('renderResponse', () => {
  it('renders children in schema order, repeats arrays, escapes text and converts JS values', () => {
    const xml = renderResponse(
      def,
      operation(true),
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
      '<tns:LookupResponse xmlns:tns="urn:t"><tns:found>true</tns:found><tns:count>3</tns:count>' +
        '<tns:tag>x</tns:tag><tns:tag>y</tns:tag><tns:address><tns:city>Köln</tns:city><tns:since>2024-05-01</tns:since>' +
        '</tns:address><tns:note>a &lt; b &amp; &quot;c&quot;</tns:note></tns:LookupResponse>',
    );
    const back = parseEnvelope(xml, { maxBytes: 10_000 });
    expect(back).toMatchObject({ version: '1.1', operationElement: 'LookupResponse', namespace: 'urn:t' });
    expect(back.body.note).toBe('a < b & "c"');
  });

  it('renders unqualified children without a prefix and SOAP 1.2 envelopes', () => {
    const xml = renderResponse(def, operation(false), { found: false, count: '0', note: null }, '1.2');
    expect(xml).toContain('xmlns:env="http://www.w3.org/2003/05/soap-envelope"');
    expect(xml).toContain(
      '<tns:LookupResponse xmlns:tns="urn:t"><found>false</found><count>0</count></tns:LookupResponse>',
    );
  });

  it('returns the errors for a reply that does not fit the schema, and a server fault naming the field', () => {
    const result = tryRenderResponse(def, operation(true), { found: 'maybe', extra: 1 }, '1.1');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toEqual(['found', 'count', 'extra']);
    const fault = invalidReplyFault(result.errors);
    expect(fault.code).toBe('server');
    expect(fault.message).toMatch(/^Invalid reply: field 'found' must be true, false, 1 or 0/);
    expect(fault.detail?.field).toBe('found');
    expect(() => renderResponse(def, operation(true), {}, '1.1')).toThrow(InvalidReplyError);
  });
});
