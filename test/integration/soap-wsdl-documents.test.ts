import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoapServer } from '../../connectors/soap/soap-server';
import type { SoapCall, SoapReply, WsdlDefinition } from '../../connectors/soap/types';
import { loadWsdlFileSync, parseWsdl } from '../../connectors/soap/wsdl';
import { parseXmlTree } from '../../formats/xml/xml-tree';

/**
 * WSDL-level constructs: schemas spread over inline schemas and files (xsd:import with and without a
 * location, xsd:include, wsdl:import), SOAP 1.1 and 1.2 bindings on several ports and services,
 * declared headers and faults, and an RPC/encoded operation refused on its own.
 */
const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';

const MAIN = `<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
  xmlns:t="urn:svc" xmlns:m="urn:msgs" targetNamespace="urn:svc">
  <wsdl:import namespace="urn:msgs" location="parts/messages.wsdl"/>
  <wsdl:types>
    <xs:schema targetNamespace="urn:svc" elementFormDefault="qualified" xmlns:c="urn:common">
      <xs:import namespace="urn:common"/>
      <xs:element name="Find"><xs:complexType><xs:sequence><xs:element name="who" type="c:Name"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="FindResponse"><xs:complexType><xs:sequence><xs:element name="found" type="c:Name" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="Session"><xs:complexType><xs:sequence><xs:element name="token" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="NotFound"><xs:complexType><xs:sequence><xs:element name="who" type="xs:string"/><xs:element name="code" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
    </xs:schema>
    <xs:schema targetNamespace="urn:common" elementFormDefault="qualified">
      <xs:import namespace="urn:shared" schemaLocation="xsd/shared.xsd"/>
      <xs:complexType name="Name"><xs:sequence><xs:element name="family" type="xs:string"/>
        <xs:element name="country" xmlns:sh="urn:shared" type="sh:Country" minOccurs="0"/></xs:sequence></xs:complexType>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="FindIn"><wsdl:part name="p" element="t:Find"/></wsdl:message>
  <wsdl:message name="FindOut"><wsdl:part name="p" element="t:FindResponse"/></wsdl:message>
  <wsdl:message name="SessionHeader"><wsdl:part name="h" element="t:Session"/></wsdl:message>
  <wsdl:message name="NotFoundFault"><wsdl:part name="f" element="t:NotFound"/></wsdl:message>
  <wsdl:message name="LegacyIn"><wsdl:part name="a" type="xs:string"/></wsdl:message>
  <wsdl:message name="LegacyOut"><wsdl:part name="b" type="xs:string"/></wsdl:message>
  <wsdl:portType name="PT">
    <wsdl:operation name="Find"><wsdl:input message="t:FindIn"/><wsdl:output message="t:FindOut"/><wsdl:fault name="NotFound" message="t:NotFoundFault"/></wsdl:operation>
    <wsdl:operation name="Legacy"><wsdl:input message="t:LegacyIn"/><wsdl:output message="t:LegacyOut"/></wsdl:operation>
    <wsdl:operation name="Ping"><wsdl:input message="m:PingIn"/><wsdl:output message="m:PingOut"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="B11" type="t:PT"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Find"><soap:operation soapAction="urn:svc/Find"/>
      <wsdl:input><soap:body use="literal"/><soap:header message="t:SessionHeader" part="h" use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output><wsdl:fault name="NotFound"><soap:fault name="NotFound" use="literal"/></wsdl:fault></wsdl:operation>
    <wsdl:operation name="Legacy"><soap:operation soapAction="urn:svc/Legacy" style="rpc"/>
      <wsdl:input><soap:body use="encoded" namespace="urn:svc" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"/></wsdl:input>
      <wsdl:output><soap:body use="encoded" namespace="urn:svc" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"/></wsdl:output></wsdl:operation>
    <wsdl:operation name="Ping"><soap:operation soapAction="urn:svc/Ping"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="B12" type="t:PT"><soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Find"><soap12:operation soapAction="urn:svc/Find"/>
      <wsdl:input><soap12:body use="literal"/></wsdl:input><wsdl:output><soap12:body use="literal"/></wsdl:output></wsdl:operation>
    <wsdl:operation name="Ping"><soap12:operation soapAction="urn:svc/Ping"/>
      <wsdl:input><soap12:body use="literal"/></wsdl:input><wsdl:output><soap12:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="Svc"><wsdl:port name="P11" binding="t:B11"><soap:address location="http://vendor.example/svc"/></wsdl:port></wsdl:service>
  <wsdl:service name="Svc12"><wsdl:port name="P12" binding="t:B12"><soap12:address location="http://vendor.example/svc12"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;

const MESSAGES = `<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:m="urn:msgs" targetNamespace="urn:msgs">
  <wsdl:types><xs:schema targetNamespace="urn:msgs" elementFormDefault="qualified">
    <xs:include schemaLocation="../xsd/ping.xsd"/>
  </xs:schema></wsdl:types>
  <wsdl:message name="PingIn"><wsdl:part name="p" element="m:Ping"/></wsdl:message>
  <wsdl:message name="PingOut"><wsdl:part name="p" element="m:PingResponse"/></wsdl:message>
</wsdl:definitions>`;

const SHARED = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:shared">
  <xs:simpleType name="Country"><xs:restriction base="xs:string"><xs:pattern value="[A-Z]{2}"/></xs:restriction></xs:simpleType>
</xs:schema>`;

/** A chameleon include: no targetNamespace of its own, it takes urn:msgs from the includer. */
const PING = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:element name="Ping"><xs:complexType><xs:sequence><xs:element name="n" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
  <xs:element name="PingResponse"><xs:complexType><xs:sequence><xs:element name="n" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>`;

function envelope(version: '1.1' | '1.2', body: string, header = ''): string {
  const ns = version === '1.1' ? S11 : S12;
  return `<s:Envelope xmlns:s="${ns}" xmlns:t="urn:svc" xmlns:c="urn:common" xmlns:m="urn:msgs">${header ? `<s:Header>${header}</s:Header>` : ''}<s:Body>${body}</s:Body></s:Envelope>`;
}

describe('WSDLs spread over several documents, bindings and services', () => {
  let dir: string;
  let def: WsdlDefinition;
  let server: http.Server;
  let base: string;
  const calls: SoapCall[] = [];
  const soapServer = new SoapServer({ mountPath: '/soap' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wsdl-docs-'));
    mkdirSync(join(dir, 'parts'));
    mkdirSync(join(dir, 'xsd'));
    writeFileSync(join(dir, 'main.wsdl'), MAIN);
    writeFileSync(join(dir, 'parts/messages.wsdl'), MESSAGES);
    writeFileSync(join(dir, 'xsd/shared.xsd'), SHARED);
    writeFileSync(join(dir, 'xsd/ping.xsd'), PING);
    def = loadWsdlFileSync(join(dir, 'main.wsdl'));
    soapServer.addService('svc', def, async (call): Promise<SoapReply> => {
      calls.push(call);
      if (call.operation === 'Ping') return { ok: true, body: { n: Number(call.body.n) + 1 } };
      const who = (call.body.who as { family: string }).family;
      if (who === 'Nobody') {
        return {
          ok: false,
          fault: {
            code: 'client',
            message: 'no such person',
            declared: { name: 'NotFound', detail: { who, code: 404 } },
          },
        };
      }
      if (who === 'Broken') {
        return {
          ok: false,
          fault: { code: 'client', message: 'x', declared: { name: 'NotFound', detail: { who } } },
        };
      }
      return { ok: true, body: { found: [{ family: who, country: 'DE' }] } };
    });
    server = http.createServer((req, res) => void soapServer.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/svc`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (
    version: '1.1' | '1.2',
    xml: string,
    action = '',
  ): Promise<{ status: number; text: string }> => {
    const res = await fetch(base, {
      method: 'POST',
      headers:
        version === '1.1'
          ? { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${action}"` }
          : { 'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"` },
      body: xml,
    });
    // faultstrings escape quotes; the assertions read the text as a client shows it
    return { status: res.status, text: (await res.text()).replace(/&apos;/g, "'").replace(/&quot;/g, '"') };
  };

  it('reads every document once, both SOAP versions, and refuses only the RPC/encoded operation', () => {
    expect([...def.operations.keys()]).toEqual(['Find', 'Ping']);
    expect(def.versions).toEqual(['1.1', '1.2']);
    expect(def.refused).toEqual([
      {
        name: 'Legacy',
        reason: expect.stringMatching(/^style="rpc" is not supported \(in binding B11 operation Legacy\)/),
      },
    ]);
    expect([...def.documents.keys()].sort()).toEqual([
      'parts/messages.wsdl',
      'xsd/ping.xsd',
      'xsd/shared.xsd',
    ]);
    expect(def.operations.get('Find')?.headers.has('Session')).toBe(true);
    expect([...(def.operations.get('Find')?.faults.keys() ?? [])]).toEqual(['NotFound']);
  });

  it('validates types from an imported file and an included chameleon schema', async () => {
    const ok = await post(
      '1.1',
      envelope('1.1', '<t:Find><t:who><c:family>Meier</c:family><c:country>DE</c:country></t:who></t:Find>'),
    );
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<ns1:family>Meier</ns1:family>');
    const bad = await post(
      '1.1',
      envelope(
        '1.1',
        '<t:Find><t:who><c:family>Meier</c:family><c:country>Deutschland</c:country></t:who></t:Find>',
      ),
    );
    expect(bad.status).toBe(500);
    expect(bad.text).toContain("field 'who.country' does not match the pattern [A-Z]{2}");
    const ping = await post('1.2', envelope('1.2', '<m:Ping><m:n>41</m:n></m:Ping>'), 'urn:svc/Ping');
    expect(ping.text).toContain('<tns:n>42</tns:n>');
  });

  it('passes declared headers to the flow decoded, and checks them', async () => {
    calls.length = 0;
    await post(
      '1.1',
      envelope(
        '1.1',
        '<t:Find><t:who><c:family>Meier</c:family></t:who></t:Find>',
        '<t:Session><t:token>abc</t:token></t:Session>',
      ),
    );
    expect(calls[0].headers).toEqual({ Session: { token: 'abc' } });
    const bad = await post(
      '1.1',
      envelope('1.1', '<t:Find><t:who><c:family>Meier</c:family></t:who></t:Find>', '<t:Session/>'),
    );
    expect(bad.text).toContain("field '(header Session).token' is required");
  });

  it('answers a declared fault with its typed detail, and a detail that does not fit as a server fault', async () => {
    const fault = await post(
      '1.1',
      envelope('1.1', '<t:Find><t:who><c:family>Nobody</c:family></t:who></t:Find>'),
    );
    expect(fault.status).toBe(500);
    const detail = parseXmlTree(fault.text).children[0].children[0].children.find(
      (c) => c.local === 'detail',
    );
    expect(detail?.children[0]).toMatchObject({ ns: 'urn:svc', local: 'NotFound' });
    expect(fault.text).toContain('<faultcode>soap:Client</faultcode>');
    expect(fault.text).toContain('<tns:who>Nobody</tns:who><tns:code>404</tns:code>');
    const broken = await post(
      '1.1',
      envelope('1.1', '<t:Find><t:who><c:family>Broken</c:family></t:who></t:Find>'),
    );
    expect(broken.text).toContain('<faultcode>soap:Server</faultcode>');
    expect(broken.text).toContain("Invalid fault detail for 'NotFound': field 'code' is required");
  });

  it('tells a caller of the refused operation why it is not served', async () => {
    const res = await post('1.1', envelope('1.1', '<t:Legacy><a>1</a></t:Legacy>'), 'urn:svc/Legacy');
    expect(res.status).toBe(500);
    expect(res.text).toContain(
      'operation \'Legacy\' is not served by this hub: style="rpc" is not supported',
    );
  });

  it('serves the WSDL with every address and import pointing at the hub, and the imported documents', async () => {
    const wsdl = await (await fetch(`${base}?wsdl`)).text();
    expect(wsdl).not.toContain('vendor.example');
    expect(wsdl).toContain(`location="${base}"`);
    expect(wsdl).toContain(`location="${base}?xsd=parts%2Fmessages.wsdl"`);
    expect(wsdl).toContain(`schemaLocation="${base}?xsd=xsd%2Fshared.xsd"`);
    const messages = await (await fetch(`${base}?xsd=parts%2Fmessages.wsdl`)).text();
    expect(messages).toContain(`schemaLocation="${base}?xsd=xsd%2Fping.xsd"`);
    const missing = await fetch(`${base}?xsd=..%2F..%2Fetc%2Fpasswd`);
    expect(missing.status).toBe(404);
  });

  it('refuses remote imports per operation, naming the location', () => {
    const remote = MAIN.replace(
      'schemaLocation="xsd/shared.xsd"',
      'schemaLocation="https://vendor.example/shared.xsd"',
    );
    const file = join(dir, 'remote.wsdl');
    writeFileSync(file, remote);
    const parsed = loadWsdlFileSync(file);
    expect([...parsed.operations.keys()]).toEqual(['Ping']);
    expect(parsed.refused.find((r) => r.name === 'Find')?.reason).toMatch(
      /type \{urn:shared\}Country is not defined .*'https:\/\/vendor.example\/shared.xsd' \(imported by remote.wsdl\) is remote; the hub reads only local files/,
    );
  });

  it('refuses a relative import when the WSDL did not come from a file', () => {
    expect(() => parseWsdl(MAIN)).toThrow(
      /Find: type \{urn:shared\}Country is not defined .*'xsd\/shared.xsd' \(imported by \(inline WSDL\)\) cannot be found: the WSDL was not read from a file/,
    );
  });
});
