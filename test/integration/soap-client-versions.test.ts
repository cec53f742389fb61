import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoapCallError, SoapClientPool } from '../../connectors/soap/client';
import { SOAP11_ENV_NS, SOAP12_ENV_NS } from '../../connectors/soap/envelope';
import { SoapServer } from '../../connectors/soap/soap-server';
import type { SoapVersion } from '../../connectors/soap/types';
import { loadWsdlFileSync } from '../../connectors/soap/wsdl';
import { SHIPPED_WSDL_DIR } from '../../connectors/soap/wsdl-location';
import { wsdlWith } from '../unit/connectors/soap/xsd/schema-fixture';

/**
 * node-soap decides SOAP 1.1 or 1.2 per client, not per port; the outbound client must send each
 * call in the version of the binding of the port it goes through.
 */
const SCHEMA = `
  <xs:element name="Req"><xs:complexType><xs:sequence><xs:element name="n" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
  <xs:element name="Resp"><xs:complexType><xs:sequence><xs:element name="twice" type="xs:int"/></xs:sequence></xs:complexType></xs:element>`;

/**
 * The fixture's WSDL with a second, SOAP 1.2, binding and port P12 after the SOAP 1.1 port P (node-soap
 * gives a bare operation name to the last port it defines).
 */
function twoVersionWsdl(): string {
  return wsdlWith(SCHEMA, {
    extra: `<wsdl:binding name="B12" type="t:PT" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/">
      <soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
      <wsdl:operation name="Op"><soap12:operation soapAction="urn:t/Op"/>
        <wsdl:input><soap12:body use="literal"/></wsdl:input><wsdl:output><soap12:body use="literal"/></wsdl:output>
      </wsdl:operation></wsdl:binding>`,
  }).replace(
    '</wsdl:service>',
    `<wsdl:port name="P12" binding="t:B12" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/">
      <soap12:address location="http://x/soap/t"/></wsdl:port></wsdl:service>`,
  );
}

describe('soap-request calls a SOAP 1.2 port in SOAP 1.2 and a SOAP 1.1 port in SOAP 1.1', () => {
  let dir: string;
  let server: http.Server;
  let endpoint: string;
  const versions: SoapVersion[] = [];
  const pool = new SoapClientPool();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soap-versions-'));
    writeFileSync(join(dir, 't.wsdl'), twoVersionWsdl());
    const soap = new SoapServer({ mountPath: '/soap' });
    soap.addService('t', loadWsdlFileSync(join(dir, 't.wsdl')), async (call) => {
      versions.push(call.version);
      if (Number(call.body.n) === 0)
        return { ok: false, fault: { code: 'client', message: 'n must not be 0' } };
      return { ok: true, body: { twice: Number(call.body.n) * 2 } };
    });
    server = http.createServer((req, res) => void soap.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/t`;
  });

  beforeEach(() => {
    versions.length = 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists both ports, and each call reaches the server in its port’s version, answers read', async () => {
    const client = await pool.acquire({ wsdl: join(dir, 't.wsdl'), endpoint });
    expect(client.listOperations()).toEqual(
      expect.arrayContaining([
        { service: 'S', port: 'P12', operation: 'Op' },
        { service: 'S', port: 'P', operation: 'Op' },
      ]),
    );
    expect(await client.call('S.P12.Op', { n: 4 })).toEqual({ twice: 8 });
    expect(await client.call('S.P.Op', { n: 5 })).toEqual({ twice: 10 });
    // again in the other order: the version of one call does not stay behind for the next
    expect(await client.call('S.P12.Op', { n: 6 })).toEqual({ twice: 12 });
    expect(versions).toEqual(['1.2', '1.1', '1.2']);
  });

  it('sends a bare name that both ports offer through the SOAP 1.1 port', async () => {
    const client = await pool.acquire({ wsdl: join(dir, 't.wsdl'), endpoint });
    expect(await client.call('Op', { n: 1 })).toEqual({ twice: 2 });
    expect(versions).toEqual(['1.1']);
  });

  it('reads a SOAP 1.2 fault as a Sender fault of the caller', async () => {
    const client = await pool.acquire({ wsdl: join(dir, 't.wsdl'), endpoint });
    const err = await client.call('S.P12.Op', { n: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SoapCallError);
    expect(err).toMatchObject({ kind: 'fault', fault: { side: 'client', string: 'n must not be 0' } });
    expect((err as SoapCallError).fault?.code).toMatch(/Sender$/);
    expect(versions).toEqual(['1.2']);
  });
});

describe("the hub's own WSDL: GetNextBestOffer on the SOAP 1.2 port, on the wire", () => {
  const requests: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let server: http.Server;
  let endpoint: string;
  const pool = new SoapClientPool();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const soap12 = String(req.headers['content-type']).startsWith('application/soap+xml');
        res.writeHead(200, {
          'Content-Type': soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8',
        });
        res.end(
          `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${soap12 ? SOAP12_ENV_NS : SOAP11_ENV_NS}">` +
            '<env:Body><h:GetNextBestOfferResponse xmlns:h="urn:crm-hub:hub:v1"><h:explanation>none applies</h:explanation>' +
            '</h:GetNextBestOfferResponse></env:Body></env:Envelope>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm`;
  });

  beforeEach(() => {
    requests.length = 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a SOAP 1.2 envelope with application/soap+xml and the action in the Content-Type', async () => {
    const client = await pool.acquire({ wsdl: join(SHIPPED_WSDL_DIR, 'hub.wsdl'), endpoint });
    const ops = client.listOperations().filter((o) => o.operation === 'GetNextBestOffer');
    expect(ops.map((o) => o.port).sort()).toEqual(['CrmHubSoap', 'CrmHubSoap12']);
    const result = await client.call('CrmHubService.CrmHubSoap12.GetNextBestOffer', {
      customerRef: 'crm:4711',
      channel: 'web',
    });
    expect(result).toMatchObject({ explanation: 'none applies' });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request.headers['content-type']).toBe(
      'application/soap+xml; charset=utf-8; action="urn:crm-hub:hub:v1/GetNextBestOffer"',
    );
    expect(request.headers.soapaction).toBeUndefined();
    expect(request.body).toContain(`="${SOAP12_ENV_NS}"`);
    expect(request.body).not.toContain(SOAP11_ENV_NS);
  });

  it('still sends SOAP 1.1 with a SOAPAction header through the SOAP 1.1 port', async () => {
    const client = await pool.acquire({ wsdl: join(SHIPPED_WSDL_DIR, 'hub.wsdl'), endpoint });
    await client.call('CrmHubService.CrmHubSoap.GetNextBestOffer', {
      customerRef: 'crm:4711',
      channel: 'web',
    });
    const [request] = requests;
    expect(request.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(request.headers.soapaction).toBe('"urn:crm-hub:hub:v1/GetNextBestOffer"');
    expect(request.body).toContain(`="${SOAP11_ENV_NS}"`);
  });
});
