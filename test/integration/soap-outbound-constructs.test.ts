import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoapClientPool } from '../../connectors/soap/client';
import { SoapServer } from '../../connectors/soap/soap-server';
import type { SoapCall } from '../../connectors/soap/types';
import { loadWsdlFileSync } from '../../connectors/soap/wsdl';
import { wsdlWith } from '../unit/connectors/soap/xsd/schema-fixture';

/**
 * soap-request builds requests with node-soap. This calls the hub's own server for a WSDL with
 * nillable, derived (xsi:type), attribute, simple-content and xsd:any content, so what node-soap
 * writes is checked by an independent reader, and the JSON shape goes both ways unchanged.
 */
const SCHEMA = `
  <xs:complexType name="Party"><xs:sequence><xs:element name="name" type="xs:string"/></xs:sequence>
    <xs:attribute name="id" type="xs:int"/></xs:complexType>
  <xs:complexType name="Person"><xs:complexContent><xs:extension base="t:Party"><xs:sequence>
    <xs:element name="birthDate" type="xs:date"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>
  <xs:complexType name="Money"><xs:simpleContent><xs:extension base="xs:decimal">
    <xs:attribute name="currency" type="xs:string" use="required"/></xs:extension></xs:simpleContent></xs:complexType>
  <xs:element name="Req"><xs:complexType><xs:sequence>
    <xs:element name="party" type="t:Party"/>
    <xs:element name="note" type="xs:string" nillable="true"/>
    <xs:element name="amount" type="t:Money"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="Resp"><xs:complexType><xs:sequence>
    <xs:element name="party" type="t:Party"/>
    <xs:element name="amount" type="t:Money"/>
    <xs:element name="comment" type="xs:string" nillable="true"/>
  </xs:sequence></xs:complexType></xs:element>`;

describe('soap-request (node-soap) against the hub server: nillable, xsi:type, attributes', () => {
  let dir: string;
  let server: http.Server;
  let endpoint: string;
  const calls: SoapCall[] = [];
  const pool = new SoapClientPool();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soap-outbound-'));
    writeFileSync(join(dir, 't.wsdl'), wsdlWith(SCHEMA));
    const soap = new SoapServer({ mountPath: '/soap' });
    soap.addService('t', loadWsdlFileSync(join(dir, 't.wsdl')), async (call) => {
      calls.push(call);
      return { ok: true, body: { party: call.body.party, amount: call.body.amount, comment: null } };
    });
    server = http.createServer((req, res) => void soap.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/t`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends xsi:type, xsi:nil and attributes that the server reads back as the same JSON, and reads the reply', async () => {
    const client = await pool.acquire({ wsdl: join(dir, 't.wsdl'), endpoint });
    const payload = {
      party: { $type: 'Person', '@id': '7', name: 'Anna', birthDate: '1980-02-29' },
      note: null,
      amount: { '@currency': 'EUR', $value: '12.50' },
    };
    const reply = await client.call('Op', payload);
    expect(calls[0].body).toEqual(payload);
    // node-soap reads replies into JavaScript types (a number, a Date) and leaves a nil element out
    expect(reply).toEqual({
      party: { $type: 'Person', '@id': '7', name: 'Anna', birthDate: new Date('1980-02-29T00:00:00Z') },
      amount: { '@currency': 'EUR', $value: 12.5 },
    });
  });
});
