import { parseEnvelope, SoapFaultError } from '../../../../connectors/soap/envelope';
import {
  assertSafeXml,
  assertWithinSize,
  PayloadTooLargeError,
  UnsafeXmlError,
} from '../../../../formats/xml/xml-safety';

const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const opts = { maxBytes: 64 * 1024 };

function faultOf(fn: () => unknown): SoapFaultError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SoapFaultError) return err;
    throw err;
  }
  throw new Error('expected a SoapFaultError');
}

describe('assertSafeXml', () => {
  it.each([
    '<!DOCTYPE a>',
    '<?xml version="1.0"?>\n<!doctype a [ ]><a/>',
    '<a><!ENTITY x "y"></a>',
    '<! DOCTYPE a>',
    '<!-- note --><!DOCTYPE a><a/>',
    '<a><![CDATA[x]]></a><!ENTITY x "y">',
    '<a><!-- never closed <!DOCTYPE a></a>',
    '<a><![CDATA[ never closed <!ENTITY x "y"></a>',
    '<a><![cdata[<!DOCTYPE a>]]></a>',
    '<?x <!-- ?><!DOCTYPE r [<!ENTITY e "boom">]><r>&e; --></r>',
    '<?x never closed <!DOCTYPE a><a/>',
  ])('refuses %s', (text) => {
    expect(() => assertSafeXml(text)).toThrow(UnsafeXmlError);
    expect(() => assertSafeXml(text)).toThrow(/declarations are not allowed/);
  });

  it('lets ordinary XML and comments through', () => {
    expect(() => assertSafeXml('<!-- note --><a>DOCTYPE is just a word</a>')).not.toThrow();
    expect(() => assertSafeXml('<?xml version="1.0"?><?pi <!DOCTYPE is its data ?><a/>')).not.toThrow();
  });

  it('lets a CDATA section or a comment quote a declaration: it is data, not markup', () => {
    expect(() => assertSafeXml('<a><![CDATA[<!doctype html><p>Hello</p>]]></a>')).not.toThrow();
    expect(() => assertSafeXml('<a><!-- was <!DOCTYPE a> --><![CDATA[<!ENTITY x]]></a>')).not.toThrow();
  });

  it('hands the quoted declaration on as the value', () => {
    const value = '<h:value><![CDATA[<!doctype html><p>Hello</p>]]></h:value>';
    const xml = `<s:Envelope xmlns:s="${S11}"><s:Body><h:Report xmlns:h="urn:h">${value}</h:Report></s:Body></s:Envelope>`;
    expect(parseEnvelope(xml, opts).body).toEqual({ value: '<!doctype html><p>Hello</p>' });
  });

  it('checks byte size in UTF-8, not characters', () => {
    expect(() => assertWithinSize('ääää', 7)).toThrow(PayloadTooLargeError);
    expect(() => assertWithinSize('ääää', 8)).not.toThrow();
  });
});

describe('parseEnvelope', () => {
  it('reads a SOAP 1.1 envelope: local names, strings kept verbatim, repeats as arrays', () => {
    const xml = `<?xml version="1.0"?>
      <soapenv:Envelope xmlns:soapenv="${S11}" xmlns:c="urn:crm-hub:crm">
        <soapenv:Header><c:Trace>abc</c:Trace></soapenv:Header>
        <soapenv:Body>
          <c:ReportAddressChange>
            <c:customerNumber>0004711</c:customerNumber>
            <c:street>  Hauptstraße 1 &amp; 2 </c:street>
            <c:amount>1e3</c:amount>
            <c:note><![CDATA[<b>bold</b>]]></c:note>
            <c:tag>a</c:tag><c:tag>b</c:tag><c:tag>c</c:tag>
            <c:address><c:postalCode>01067</c:postalCode></c:address>
            <c:empty/>
          </c:ReportAddressChange>
        </soapenv:Body>
      </soapenv:Envelope>`;
    const env = parseEnvelope(xml, opts);
    expect(env.version).toBe('1.1');
    expect(env.operationElement).toBe('ReportAddressChange');
    expect(env.namespace).toBe('urn:crm-hub:crm');
    expect(env.headers).toEqual({ Trace: 'abc' });
    expect(env.body).toEqual({
      customerNumber: '0004711',
      street: '  Hauptstraße 1 & 2 ',
      amount: '1e3',
      note: '<b>bold</b>',
      tag: ['a', 'b', 'c'],
      address: { postalCode: '01067' },
      empty: '',
    });
  });

  it('detects SOAP 1.2 by namespace, whatever the prefix, from a Buffer', () => {
    const xml = `<e:Envelope xmlns:e="${S12}"><e:Body><Ping xmlns="urn:x"><n>1</n></Ping></e:Body></e:Envelope>`;
    const env = parseEnvelope(Buffer.from(xml), opts);
    expect(env).toMatchObject({
      version: '1.2',
      operationElement: 'Ping',
      namespace: 'urn:x',
      body: { n: '1' },
    });
  });

  it.each([
    ['an empty body', '   ', /empty request body/],
    ['text that is not XML', 'hello', /not well-formed XML/],
    ['broken XML', `<s:Envelope xmlns:s="${S11}"><s:Body>`, /not well-formed XML/],
    ['XML that is not an envelope', '<order/>', /not a SOAP envelope: root element is <order>/],
    ['a missing Body', `<s:Envelope xmlns:s="${S11}"><s:Header/></s:Envelope>`, /has no Body/],
    ['an empty Body', `<s:Envelope xmlns:s="${S11}"><s:Body>  </s:Body></s:Envelope>`, /SOAP Body is empty/],
    [
      'two body elements',
      `<s:Envelope xmlns:s="${S11}"><s:Body><a/><b/></s:Body></s:Envelope>`,
      /exactly one element.*found 2/,
    ],
    [
      'an undeclared prefix',
      `<s:Envelope xmlns:s="${S11}"><s:Body><x:a/></s:Body></s:Envelope>`,
      /undeclared namespace prefix 'x'/,
    ],
    [
      'a raw control character, as its character reference would be',
      `<s:Envelope xmlns:s="${S11}"><s:Body><u><givenName>Eve\u0001\u0008</givenName></u></s:Body></s:Envelope>`,
      /not well-formed XML: character U\+0001 is not a legal XML character \(line 1, column \d+\)/,
    ],
    [
      'a DOCTYPE',
      `<!DOCTYPE s [<!ENTITY a "aaaa">]><s:Envelope xmlns:s="${S11}"><s:Body><a>&a;</a></s:Body></s:Envelope>`,
      /DOCTYPE/,
    ],
  ])('rejects %s with a specific client fault', (_what, xml, message) => {
    const err = faultOf(() => parseEnvelope(xml, opts));
    expect(err.fault.code).toBe('client');
    expect(err.fault.message).toMatch(message);
  });

  it('answers an envelope of neither SOAP version with a VersionMismatch fault in SOAP 1.1', () => {
    const err = faultOf(() => parseEnvelope('<s:Envelope xmlns:s="urn:nope"><s:Body/></s:Envelope>', opts));
    expect(err.fault.code).toBe('version-mismatch');
    expect(err.fault.message).toMatch(/unknown envelope namespace 'urn:nope'/);
    expect(err.version).toBe('1.1');
  });

  it('rejects a body over maxBytes with a 413 hint', () => {
    const err = faultOf(() => parseEnvelope('x'.repeat(101), { maxBytes: 100 }));
    expect(err.httpStatus).toBe(413);
    expect(err.fault.message).toMatch(/exceeds the limit of 100 bytes/);
  });

  it('remembers the version for faults when the envelope namespace is visible', () => {
    const err = faultOf(() => parseEnvelope(`<!DOCTYPE x><e:Envelope xmlns:e="${S12}"/>`, opts));
    expect(err.version).toBe('1.2');
  });
});
