import { parseEnvelope } from '../../../../connectors/soap/envelope';
import {
  FAULT_DETAIL_NS,
  FAULT_HTTP_STATUS,
  renderFault,
  soapContentType,
} from '../../../../connectors/soap/fault';
import { parseXmlTree, type XmlElement } from '../../../../formats/xml/xml-tree';

const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';

function find(el: XmlElement, ns: string, local: string): XmlElement {
  const found = el.children.find((c) => c.ns === ns && c.local === local);
  if (!found) throw new Error(`no {${ns}}${local} in <${el.qname}>`);
  return found;
}

const fault = {
  code: 'client' as const,
  message: `Invalid request: field 'postalCode' is required & <b>"odd"</b>`,
  detail: { field: 'postalCode', reason: "field 'postalCode' is required", 'bad key': 'dropped' },
};

describe('renderFault', () => {
  it('renders a SOAP 1.1 Client fault with escaped text and a qualified detail', () => {
    const xml = renderFault(fault, '1.1');
    const root = parseXmlTree(xml);
    expect(root).toMatchObject({ ns: S11, local: 'Envelope' });
    const f = find(find(root, S11, 'Body'), S11, 'Fault');
    expect(find(f, '', 'faultcode').text).toBe('soap:Client');
    expect(find(f, '', 'faultstring').text).toBe(fault.message);
    const entry = find(find(f, '', 'detail'), FAULT_DETAIL_NS, 'fault');
    expect(find(entry, FAULT_DETAIL_NS, 'field').text).toBe('postalCode');
    expect(find(entry, FAULT_DETAIL_NS, 'reason').text).toBe("field 'postalCode' is required");
    expect(xml).not.toContain('bad key');
    // a fault is itself a well-formed envelope our own parser accepts
    expect(parseEnvelope(xml, { maxBytes: 10_000 }).operationElement).toBe('Fault');
  });

  it('renders a SOAP 1.1 Server fault without detail', () => {
    const xml = renderFault({ code: 'server', message: 'timed out after 5 ms' }, '1.1');
    const f = find(find(parseXmlTree(xml), S11, 'Body'), S11, 'Fault');
    expect(find(f, '', 'faultcode').text).toBe('soap:Server');
    expect(f.children.map((c) => c.local)).toEqual(['faultcode', 'faultstring']);
  });

  it('renders a SOAP 1.2 Sender fault with Code/Value, Reason/Text xml:lang and Detail', () => {
    const xml = renderFault(fault, '1.2');
    const f = find(find(parseXmlTree(xml), S12, 'Body'), S12, 'Fault');
    expect(find(find(f, S12, 'Code'), S12, 'Value').text).toBe('env:Sender');
    const text = find(find(f, S12, 'Reason'), S12, 'Text');
    expect(text.text).toBe(fault.message);
    expect(text.attrs['xml:lang']).toBe('en');
    const entry = find(find(f, S12, 'Detail'), FAULT_DETAIL_NS, 'fault');
    expect(find(entry, FAULT_DETAIL_NS, 'field').text).toBe('postalCode');
  });

  it('renders a SOAP 1.2 Receiver fault', () => {
    const xml = renderFault({ code: 'server', message: 'boom' }, '1.2');
    const f = find(find(parseXmlTree(xml), S12, 'Body'), S12, 'Fault');
    expect(find(find(f, S12, 'Code'), S12, 'Value').text).toBe('env:Receiver');
  });

  it('replaces characters XML cannot carry instead of emitting a broken document', () => {
    const xml = renderFault({ code: 'server', message: 'bad \u0001 char\r\n' }, '1.1');
    const f = find(find(parseXmlTree(xml), S11, 'Body'), S11, 'Fault');
    expect(find(f, '', 'faultstring').text).toBe('bad \uFFFD char\r\n');
  });

  it('uses status 500 and the content type of each version', () => {
    expect(FAULT_HTTP_STATUS).toBe(500);
    expect(soapContentType('1.1')).toBe('text/xml; charset=utf-8');
    expect(soapContentType('1.2')).toBe('application/soap+xml; charset=utf-8');
  });
});
