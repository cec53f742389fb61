import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as soap from 'soap';
import { renderResponse } from '../../connectors/soap/serialize';
import { SoapServer } from '../../connectors/soap/soap-server';
import type { SoapCall, SoapReply, WsdlDefinition } from '../../connectors/soap/types';
import { loadWsdlFileSync } from '../../connectors/soap/wsdl';
import { parseXmlTree, type XmlElement } from '../../formats/xml/xml-tree';

const run = promisify(execFile);
const WSDL_PATH = join(__dirname, '../../connectors/soap/wsdl/crm.wsdl');
const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const CRM = 'urn:crm-hub:crm';
const MAX_BYTES = 64 * 1024;

const goodRequest = {
  customerNumber: '0004711',
  street: 'Hauptstraße 1 & 2',
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
  channel: 'call-center',
};

function envelope11(inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${S11}" xmlns:c="${CRM}"><s:Body>${inner}</s:Body></s:Envelope>`;
}

function requestElement(fields: Record<string, string>): string {
  const children = Object.entries(fields)
    .map(([k, v]) => `<c:${k}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</c:${k}>`)
    .join('');
  return `<c:ReportAddressChange>${children}</c:ReportAddressChange>`;
}

function child(el: XmlElement, ns: string, local: string): XmlElement {
  const found = el.children.find((c) => c.ns === ns && c.local === local);
  if (!found)
    throw new Error(
      `no {${ns}}${local} in <${el.qname}>: ${JSON.stringify(el.children.map((c) => c.qname))}`,
    );
  return found;
}

interface SoapFaultRejection {
  root?: { Envelope?: { Body?: { Fault?: { faultcode?: string; faultstring?: string } } } };
}

describe('SoapServer with real clients', () => {
  let def: WsdlDefinition;
  let server: http.Server;
  let base: string;
  const calls: SoapCall[] = [];
  const soapServer = new SoapServer({ mountPath: '/soap' });

  const crmHandler = async (call: SoapCall): Promise<SoapReply> => {
    calls.push(call);
    const customer = call.body.customerNumber;
    if (customer === '9999999999') throw new Error('database is down');
    if (customer === '8888888888')
      return { ok: true, body: { accepted: 'maybe', eventId: 'e', message: 'm' } };
    if (customer === '7777777777') {
      return {
        ok: false,
        fault: {
          code: 'client',
          message: 'customer 7777777777 is locked',
          detail: { field: 'customerNumber' },
        },
      };
    }
    return {
      ok: true,
      body: { accepted: true, eventId: call.id, message: `address of ${String(customer)} recorded` },
    };
  };

  beforeAll(async () => {
    def = loadWsdlFileSync(WSDL_PATH);
    soapServer.addService('crm', def, crmHandler, { maxBytes: MAX_BYTES });
    soapServer.addService('crm-slow', def, () => new Promise<SoapReply>(() => undefined), { timeoutMs: 50 });
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      if (url.startsWith('/soap/')) {
        // like express: the mount path is stripped, except on /soap/full/... to test full paths
        if (!url.startsWith('/soap/full/')) req.url = url.slice('/soap'.length);
        else req.url = url.slice('/soap/full'.length).replace(/^/, '/soap');
        void soapServer.handle(req, res);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/crm`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function post(body: string, headers: Record<string, string> = {}, url = base): Promise<Response> {
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: '"urn:crm-hub:crm/ReportAddressChange"',
        ...headers,
      },
      body,
    });
  }

  it('serves the WSDL at ?wsdl and ?WSDL with the address rewritten to the URL the client used', async () => {
    for (const query of ['?wsdl', '?WSDL']) {
      const res = await fetch(base + query);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      const text = await res.text();
      expect(text).toContain(`<soap:address location="${base}"/>`);
      expect(text).toContain(`<soap12:address location="${base}"/>`);
      expect(text).not.toContain('127.0.0.1:1880');
    }
  });

  it('answers node-soap: ReportAddressChange is accepted and the flow sees the exact strings', async () => {
    const client = await soap.createClientAsync(`${base}?wsdl`);
    const before = calls.length;
    const [result] = (await client.ReportAddressChangeAsync(goodRequest)) as [Record<string, unknown>];
    expect(result.accepted).toBe(true);
    expect(result.message).toBe('address of 0004711 recorded');
    const call = calls[before];
    expect(call).toMatchObject({
      service: 'crm',
      operation: 'ReportAddressChange',
      version: '1.1',
      body: goodRequest,
    });
    expect(result.eventId).toBe(call.id);
    expect(call.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers node-soap with a client fault naming postalCode when it is missing', async () => {
    const client = await soap.createClientAsync(`${base}?wsdl`);
    const { postalCode: _omit, ...withoutPostalCode } = goodRequest;
    const before = calls.length;
    const err = (await client
      .ReportAddressChangeAsync(withoutPostalCode)
      .catch((e: unknown) => e)) as SoapFaultRejection;
    const fault = err.root?.Envelope?.Body?.Fault;
    expect(fault?.faultcode).toBe('soap:Client');
    expect(fault?.faultstring).toBe("Invalid request: field 'postalCode' is required");
    expect(calls.length).toBe(before);
  });

  it('puts the offending field into the fault detail', async () => {
    const res = await post(envelope11(requestElement({ ...goodRequest, country: 'Deutschland' })));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain('<faultcode>soap:Client</faultcode>');
    expect(text).toContain('field &apos;country&apos; does not match the pattern [A-Z]{2}');
    expect(text).toContain('<f:field>country</f:field>');
  });

  it('reads a Latin-1 body by its XML declaration or charset, and refuses bytes that are no UTF-8', async () => {
    const fields = { ...goodRequest, street: 'Königsallee 1', city: 'Düsseldorf' };
    const latin1 = (declared: string) =>
      Buffer.from(
        envelope11(requestElement(fields)).replace('encoding="utf-8"', `encoding="${declared}"`),
        'latin1',
      );
    const send = (body: Buffer, contentType: string) =>
      fetch(base, {
        method: 'POST',
        headers: { 'content-type': contentType, soapaction: '"urn:crm-hub:crm/ReportAddressChange"' },
        body: new Uint8Array(body),
      });
    for (const [body, contentType] of [
      [latin1('ISO-8859-1'), 'text/xml'],
      [latin1('windows-1252'), 'text/xml'],
      // the transport's charset comes first (RFC 7303), whatever the declaration says
      [latin1('utf-8'), 'text/xml; charset=ISO-8859-1'],
    ] as const) {
      const before = calls.length;
      const res = await send(body, contentType);
      expect({ contentType, status: res.status }).toEqual({ contentType, status: 200 });
      expect(calls[before].body).toMatchObject({ street: 'Königsallee 1', city: 'Düsseldorf' });
    }
    // Latin-1 bytes declared (or defaulted) as UTF-8: a fault naming the byte, nothing reaches the flow
    const before = calls.length;
    for (const res of [
      await send(latin1('utf-8'), 'text/xml'),
      await send(latin1('utf-8'), 'text/xml; charset=utf-8'),
    ]) {
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toContain('<faultcode>soap:Client</faultcode>');
      expect(text).toMatch(/the XML is not valid UTF-8 at byte \d+: declare its encoding/);
    }
    const unknown = await send(latin1('ebcdic-xyz'), 'text/xml');
    expect(await unknown.text()).toContain('unsupported XML encoding &quot;ebcdic-xyz&quot;');
    expect(calls.length).toBe(before);
  });

  it('refuses a billion-laughs payload as a client fault and keeps serving', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
      envelope11(requestElement({ ...goodRequest, street: '&lol3;' })).replace(
        '<?xml version="1.0" encoding="utf-8"?>',
        '',
      );
    const bad = await post(laughs);
    expect(bad.status).toBe(500);
    const text = await bad.text();
    expect(text).toContain('<faultcode>soap:Client</faultcode>');
    expect(text).toMatch(/DOCTYPE&gt; declarations are not allowed/);

    const xxe = await post(
      `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${envelope11('<c:x>&e;</c:x>')}`,
    );
    expect(await xxe.text()).not.toContain('root:');

    const good = await post(envelope11(requestElement(goodRequest)));
    expect(good.status).toBe(200);
    expect(await good.text()).toContain('<tns:accepted>true</tns:accepted>');
  });

  it('answers an oversize body with 413 and a SOAP fault (declared length)', async () => {
    const res = await post(envelope11(requestElement({ ...goodRequest, street: 'x'.repeat(MAX_BYTES) })));
    expect(res.status).toBe(413);
    expect(await res.text()).toContain(`exceeds the limit of ${MAX_BYTES} bytes`);
  });

  it('reads an oversize body to its end before the 413, so a client still sending gets the fault, not a reset', async () => {
    const body = Buffer.from(
      envelope11(requestElement({ ...goodRequest, street: 'x'.repeat(16 * MAX_BYTES) })),
    );
    const { port } = new URL(base);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (data) => (received += data.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(
        `POST /soap/crm HTTP/1.1\r\nHost: hub.test\r\nContent-Type: text/xml\r\nSOAPAction: ""\r\n` +
          `Content-Length: ${body.length}\r\n\r\n`,
      );
      // a legacy client on a slow line: ten parts, a pause between them; the hub must not close on it
      const part = Math.ceil(body.length / 10);
      let offset = 0;
      const next = () => {
        if (offset >= body.length) return;
        socket.write(body.subarray(offset, offset + part));
        offset += part;
        setTimeout(next, 20);
      };
      next();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain(`exceeds the limit of ${MAX_BYTES} bytes`);
  });

  it('stops reading a chunked body once it passes the limit and answers 413', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${base}`,
        { method: 'POST', headers: { 'content-type': 'text/xml' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      // the server closes the connection while we still write: that EPIPE is expected
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
      });
      const chunk = 'y'.repeat(16 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64) {
          sent++;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(body).toContain('<faultcode>soap:Client</faultcode>');
    const good = await post(envelope11(requestElement(goodRequest)));
    expect(good.status).toBe(200);
  });

  it('answers a SOAP 1.2 request in SOAP 1.2', async () => {
    const xml =
      `<env:Envelope xmlns:env="${S12}"><env:Header><Trace xmlns="urn:trace">t-1</Trace></env:Header>` +
      `<env:Body><ReportAddressChange xmlns="${CRM}"><customerNumber>42</customerNumber><street>A</street>` +
      '<postalCode>1010</postalCode><city>Wien</city><country>AT</country></ReportAddressChange></env:Body></env:Envelope>';
    const before = calls.length;
    const res = await post(xml, {
      'content-type': 'application/soap+xml; charset=utf-8; action="urn:crm-hub:crm/ReportAddressChange"',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/soap+xml; charset=utf-8');
    const root = parseXmlTree(await res.text());
    expect(root.ns).toBe(S12);
    const reply = child(child(root, S12, 'Body'), CRM, 'ReportAddressChangeResponse');
    expect(reply.children.map((c) => [c.ns, c.local, c.text])).toEqual([
      [CRM, 'accepted', 'true'],
      [CRM, 'eventId', calls[before].id],
      [CRM, 'message', 'address of 42 recorded'],
    ]);
    expect(calls[before]).toMatchObject({ version: '1.2', headers: { Trace: 't-1' } });
  });

  it('answers a bad SOAP 1.2 request with a Sender fault', async () => {
    const xml = `<env:Envelope xmlns:env="${S12}"><env:Body><ReportAddressChange xmlns="${CRM}"/></env:Body></env:Envelope>`;
    const res = await post(xml, { 'content-type': 'application/soap+xml; charset=utf-8' });
    // SOAP 1.2 part 2 §7.5.2.2: a Sender fault is 400 (SOAP 1.1 answers every fault with 500)
    expect(res.status).toBe(400);
    const fault = child(child(parseXmlTree(await res.text()), S12, 'Body'), S12, 'Fault');
    expect(child(child(fault, S12, 'Code'), S12, 'Value').text).toBe('env:Sender');
    expect(child(child(fault, S12, 'Reason'), S12, 'Text').text).toMatch(
      /^Invalid request: field 'customerNumber' is required/,
    );
  });

  it('refuses a header block marked mustUnderstand that it does not process, in either version', async () => {
    const before = calls.length;
    const tx = (env: string, mark: string, role = '') =>
      `<tx:Transaction xmlns:tx="urn:example:tx" ${env}:mustUnderstand="${mark}"${role}>42</tx:Transaction>`;
    const header11 = `<s:Header>${tx('s', '1')}</s:Header>`;
    const res11 = await post(
      envelope11(requestElement(goodRequest)).replace('<s:Body>', `${header11}<s:Body>`),
    );
    expect(res11.status).toBe(500);
    const text11 = await res11.text();
    expect(text11).toContain('<faultcode>soap:MustUnderstand</faultcode>');
    expect(text11).toContain('header {urn:example:tx}Transaction is marked mustUnderstand');
    const xml12 = (block: string) =>
      `<env:Envelope xmlns:env="${S12}" xmlns:c="${CRM}"><env:Header>${block}</env:Header><env:Body>${requestElement(goodRequest)}</env:Body></env:Envelope>`;
    const res12 = await post(xml12(tx('env', 'true')), {
      'content-type': 'application/soap+xml; charset=utf-8',
    });
    expect(res12.status).toBe(500);
    expect(await res12.text()).toContain('<env:Value>env:MustUnderstand</env:Value>');
    expect(calls.length).toBe(before);
    // not marked, marked false, or for another role: processed as before
    for (const block of [
      tx('env', 'false'),
      tx('env', 'true', ` env:role="http://www.w3.org/2003/05/soap-envelope/role/none"`),
      '<tx:Transaction xmlns:tx="urn:example:tx">42</tx:Transaction>',
    ]) {
      const res = await post(xml12(block), { 'content-type': 'application/soap+xml; charset=utf-8' });
      expect({ block, status: res.status }).toEqual({ block, status: 200 });
    }
    expect(calls.length).toBe(before + 3);
  });

  it('turns handler exceptions, invalid replies, handler faults and timeouts into faults', async () => {
    const thrown = await post(envelope11(requestElement({ ...goodRequest, customerNumber: '9999999999' })));
    expect(thrown.status).toBe(500);
    const thrownText = await thrown.text();
    expect(thrownText).toContain('<faultcode>soap:Server</faultcode>');
    expect(thrownText).toContain('internal error in operation &apos;ReportAddressChange&apos;');
    expect(thrownText).not.toContain('database is down');

    const invalid = await (
      await post(envelope11(requestElement({ ...goodRequest, customerNumber: '8888888888' })))
    ).text();
    expect(invalid).toContain('<faultcode>soap:Server</faultcode>');
    expect(invalid).toContain('<f:field>accepted</f:field>');

    const locked = await (
      await post(envelope11(requestElement({ ...goodRequest, customerNumber: '7777777777' })))
    ).text();
    expect(locked).toContain('<faultcode>soap:Client</faultcode>');
    expect(locked).toContain('customer 7777777777 is locked');

    const slow = await post(envelope11(requestElement(goodRequest)), {}, base.replace(/crm$/, 'crm-slow'));
    expect(slow.status).toBe(500);
    expect(await slow.text()).toContain('timed out after 50 ms');
  });

  it('answers unknown operations, not-XML bodies, unknown services and wrong methods clearly', async () => {
    const unknownOp = await (await post(envelope11('<c:DeleteCustomer/>'), { soapaction: '""' })).text();
    expect(unknownOp).toContain(
      'unknown operation element &lt;DeleteCustomer&gt; for service &apos;crm&apos;',
    );
    const mismatch = await (await post(envelope11('<c:DeleteCustomer/>'))).text();
    expect(mismatch).toContain('does not match operation &apos;ReportAddressChange&apos;');
    const wrongNs = await (await post(envelope11('<ReportAddressChange/>'), { soapaction: '""' })).text();
    expect(wrongNs).toContain('must be in namespace &apos;urn:crm-hub:crm&apos;');

    const notXml = await post('{"customerNumber":"1"}');
    expect(notXml.status).toBe(500);
    expect(await notXml.text()).toContain('not well-formed XML');

    const missing = await fetch(base.replace(/crm$/, 'nope'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "no SOAP service 'nope' is registered at /soap/nope" });

    const put = await fetch(base, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses a type an HTML form can send (or any other non-XML type) with 415 and a client fault', async () => {
    const before = calls.length;
    const body = envelope11(requestElement(goodRequest));
    for (const type of [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json',
    ]) {
      const res = await post(body, { 'content-type': type });
      expect([type, res.status]).toEqual([type, 415]);
      expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      const text = await res.text();
      expect(text).toContain('<faultcode>soap:Client</faultcode>');
      expect(text).toContain(`Content-Type ${type.split(';')[0]} is not accepted`);
    }
    expect(calls.length).toBe(before);
    // the XML types, and none at all (legacy clients send none), reach the operation
    for (const type of ['text/xml', 'TEXT/XML; charset=utf-8', 'application/xml', undefined]) {
      const res = await fetch(base, {
        method: 'POST',
        headers: { soapaction: '"urn:crm-hub:crm/ReportAddressChange"' },
        body: type === undefined ? Buffer.from(body) : new Blob([body], { type }),
      });
      expect([type, res.status]).toEqual([type, 200]);
    }
    expect(calls.length).toBe(before + 4);
  });

  it('accepts the full /soap/<name> path when the mount path was not stripped', async () => {
    const res = await post(
      envelope11(requestElement(goodRequest)),
      {},
      base.replace('/soap/crm', '/soap/full/crm'),
    );
    expect(res.status).toBe(200);
  });

  it('lists services with their counters', () => {
    const crm = soapServer.listServices().find((s) => s.name === 'crm');
    expect(crm).toMatchObject({
      serviceName: 'CrmCallCenterService',
      operations: ['ReportAddressChange'],
      versions: ['1.1', '1.2'],
    });
    expect(crm?.calls).toBeGreaterThan(0);
    expect(crm?.clientFaults).toBeGreaterThan(0);
    expect(crm?.serverFaults).toBeGreaterThan(0);
  });

  it('counts calls and faults per operation for /metrics, a fault before any operation as unknown', async () => {
    const counts = () => soapServer.operationCounts().filter((c) => c.service === 'crm-counted');
    soapServer.addService('crm-counted', def, crmHandler, { maxBytes: MAX_BYTES });
    const url = base.replace('/soap/crm', '/soap/crm-counted');
    expect((await post(envelope11(requestElement(goodRequest)), {}, url)).status).toBe(200);
    const locked = { ...goodRequest, customerNumber: '7777777777' };
    expect((await post(envelope11(requestElement(locked)), {}, url)).status).toBe(500);
    const down = { ...goodRequest, customerNumber: '9999999999' };
    expect((await post(envelope11(requestElement(down)), {}, url)).status).toBe(500);
    expect((await post('<not-soap/>', {}, url)).status).toBeGreaterThanOrEqual(400);
    expect(counts()).toEqual(
      expect.arrayContaining([
        {
          service: 'crm-counted',
          operation: 'ReportAddressChange',
          calls: 3,
          clientFaults: 1,
          serverFaults: 1,
        },
        { service: 'crm-counted', operation: 'unknown', calls: 0, clientFaults: 1, serverFaults: 0 },
      ]),
    );
    expect(counts()).toHaveLength(2);
    // a redeploy registers the service again: its counts go on
    soapServer.removeService('crm-counted');
    soapServer.addService('crm-counted', def, crmHandler, { maxBytes: MAX_BYTES });
    expect(counts().find((c) => c.operation === 'ReportAddressChange')?.calls).toBe(3);
  });

  it('answers python zeep over SOAP 1.1 and SOAP 1.2', async () => {
    const script = [
      'import json, sys, zeep',
      'client = zeep.Client(sys.argv[1] + "?wsdl")',
      'args = json.loads(sys.argv[2])',
      'out = {}',
      'r = client.service.ReportAddressChange(**args)',
      'out["soap11"] = {"accepted": r.accepted, "eventId": r.eventId, "message": r.message}',
      'svc12 = client.bind("CrmCallCenterService", "CrmCallCenterSoap12")',
      'r = svc12.ReportAddressChange(**args)',
      'out["soap12"] = {"accepted": r.accepted, "eventId": r.eventId, "message": r.message}',
      'try:',
      '    client.service.ReportAddressChange(**dict(args, country="de"))',
      'except zeep.exceptions.Fault as f:',
      '    out["fault"] = f.message',
      'print(json.dumps(out))',
    ].join('\n');
    const before = calls.length;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, base, JSON.stringify(goodRequest)]);
    const out = JSON.parse(stdout) as Record<
      string,
      { accepted: boolean; eventId: string; message: string } | string
    >;
    expect(out.soap11).toEqual({
      accepted: true,
      eventId: calls[before].id,
      message: 'address of 0004711 recorded',
    });
    expect(out.soap12).toEqual({
      accepted: true,
      eventId: calls[before + 1].id,
      message: 'address of 0004711 recorded',
    });
    expect(calls.slice(before).map((c) => c.version)).toEqual(['1.1', '1.2']);
    expect(calls[before].body).toEqual(goodRequest);
    expect(out.fault).toBe("Invalid request: field 'country' does not match the pattern [A-Z]{2}");
  });
});

describe('crm.wsdl schema (xmllint)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soap-xsd-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a valid XML Schema that accepts a sample request and our rendered response', async () => {
    const def = loadWsdlFileSync(WSDL_PATH);
    const schema = /<xsd:schema[\s\S]*<\/xsd:schema>/.exec(def.text)?.[0] ?? '';
    const xsd = schema.replace(
      '<xsd:schema',
      `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${CRM}"`,
    );
    writeFileSync(join(dir, 'crm.xsd'), xsd);
    const request = requestElement(goodRequest).replace(
      '<c:ReportAddressChange>',
      `<c:ReportAddressChange xmlns:c="${CRM}">`,
    );
    writeFileSync(join(dir, 'request.xml'), request);
    const op = def.operations.get('ReportAddressChange');
    if (!op) throw new Error('operation missing');
    const reply = renderResponse(def, op, { accepted: false, eventId: 'e-1', message: 'a <b> & c' }, '1.1');
    const replyElement =
      /<tns:ReportAddressChangeResponse[\s\S]*<\/tns:ReportAddressChangeResponse>/.exec(reply)?.[0] ?? '';
    writeFileSync(join(dir, 'response.xml'), replyElement);
    const ok = await run('xmllint', [
      '--noout',
      '--schema',
      join(dir, 'crm.xsd'),
      join(dir, 'request.xml'),
      join(dir, 'response.xml'),
    ]);
    expect(ok.stderr).toMatch(/request\.xml validates[\s\S]*response\.xml validates/);

    writeFileSync(
      join(dir, 'bad.xml'),
      request.replace('<c:country>DE</c:country>', '<c:country>de</c:country>'),
    );
    const bad = await run('xmllint', [
      '--noout',
      '--schema',
      join(dir, 'crm.xsd'),
      join(dir, 'bad.xml'),
    ]).catch((err: { stderr: string }) => err);
    expect(bad.stderr).toMatch(/country.*not accepted by the pattern/);
  });
});
