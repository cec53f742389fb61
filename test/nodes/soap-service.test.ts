import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { usernameTokenHeader } from '../../connectors/soap/ws-security';
import { migrate } from '../../nodes/shared/migrate';
import { migrations } from '../../nodes/soap-service/migrations';
import {
  all,
  captured,
  core,
  helper,
  load,
  loggedErrors,
  nextInput,
  tempDir,
  useHelper,
  type FlowNode,
} from './harness';
import { statusesSoFar } from './node-status';
import { goodAddress, reportAddressChange, soapServiceNode } from './soap-fixtures';
import { wsdlWith } from '../unit/connectors/soap/xsd/schema-fixture';

/** A WSDL whose one operation is RPC/encoded, and one with a served and a refused operation. */
const RPC_ONLY = wsdlWith(
  '<xs:element name="Req" type="xs:string"/><xs:element name="Resp" type="xs:string"/>',
).replace('style="document"', 'style="rpc"');
const HALF_SERVED = wsdlWith(
  `<xs:element name="Req"><xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
   <xs:element name="Resp"><xs:complexType><xs:sequence><xs:element name="ok" type="xs:boolean"/></xs:sequence></xs:complexType></xs:element>
   <xs:element name="Old"><xs:complexType><xs:sequence><xs:element name="x" type="xs:string" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>`,
  {
    extra: `<wsdl:message name="OldIn"><wsdl:part name="a" element="t:Old"/><wsdl:part name="b" element="t:Old"/></wsdl:message>
      <wsdl:portType name="PT2"><wsdl:operation name="Old"><wsdl:input message="t:OldIn"/><wsdl:output message="t:Out"/></wsdl:operation></wsdl:portType>
      <wsdl:binding name="B2" type="t:PT2"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
        <wsdl:operation name="Old"><soap:operation soapAction="urn:t/Old"/>
        <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation></wsdl:binding>
      <wsdl:service name="S2"><wsdl:port name="P2" binding="t:B2"><soap:address location="http://x/old"/></wsdl:port></wsdl:service>`,
  },
);

useHelper();

describe('soap-service', () => {
  it('answers with a server fault when the flow never replies within the timeout', async () => {
    await load(all, [
      { ...soapServiceNode, timeout: '200' },
      { id: 'in', type: 'soap-in', service: 'svc', operation: '', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ]);
    const res = await request(captured.red!.httpNode)
      .post('/soap/crm')
      .set('Content-Type', 'text/xml')
      .send(reportAddressChange(goodAddress));
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/faultcode[^>]*>[^<]*Server/);
    expect(res.text).toContain('did not answer within 200 ms');
  });

  it('answers a call for an operation no soap-in listens to with a fault', async () => {
    await load(all, [soapServiceNode]);
    const res = await request(captured.red!.httpNode)
      .post('/soap/crm')
      .set('Content-Type', 'text/xml')
      .send(reportAddressChange(goodAddress));
    expect(res.status).toBe(500);
    expect(res.text).toContain('not wired');
  });

  it('rejects a body over the size limit with 413', async () => {
    await load(all, [{ ...soapServiceNode, maxBytes: '1024' }]);
    const res = await request(captured.red!.httpNode)
      .post('/soap/crm')
      .set('Content-Type', 'text/xml')
      .send(reportAddressChange({ ...goodAddress, street: 'x'.repeat(4000) }));
    expect(res.status).toBe(413);
  });

  describe('under settings.js crmHub.soapMaxBytes (CRM_HUB_SOAP_MAX_BYTES)', () => {
    // the real runtime exports node settings to the editor's /settings; the helper's runtime has none
    const exported = new Map<string, unknown>();
    // crmHub is ours; @types/node-red's LocalSettings does not know it
    const settings: Record<string, unknown> = {
      crmHub: { soapMaxBytes: 2048 },
      registerNodeSettings: (type: string, opts: unknown) => exported.set(type, opts),
    };
    beforeEach(() => helper.settings(settings));
    afterEach(() => helper.settings({}));
    const post = (street: string) =>
      request(captured.red!.httpNode)
        .post('/soap/crm')
        .set('Content-Type', 'text/xml')
        .send(reportAddressChange({ ...goodAddress, street }));

    it('takes the setting when the node leaves the limit empty', async () => {
      await load(all, [{ ...soapServiceNode, maxBytes: '' }]);
      const res = await post('x'.repeat(4000));
      expect(res.status).toBe(413);
      expect(res.text).toContain('exceeds the limit of 2048 bytes');
    });

    it('takes the value set on the node over the setting', async () => {
      await load(all, [{ ...soapServiceNode, maxBytes: '65536' }]);
      const res = await post('x'.repeat(4000));
      // past the size check, the WSDL check answers
      expect(res.status).toBe(500);
      expect(res.text).toContain('field &apos;street&apos; is too long');
    });

    it("shows the editor the hub's limit for the placeholder", async () => {
      await load(all, [soapServiceNode]);
      expect(exported.get('soap-service')).toEqual({
        soapServiceMaxBytes: { value: 2048, exportable: true },
      });
    });
  });

  it('serves nothing for a service that is not deployed', async () => {
    await load(all, [soapServiceNode]);
    const res = await request(captured.red!.httpNode).get('/soap/unknown?wsdl');
    expect(res.status).toBe(404);
    expect(res.body.error).toBeDefined();
  });

  it('comes out of a config saved without a version in the current shape, and serves it', async () => {
    // the shape every flow had before versions existed (soapServiceNode has no version)
    expect(migrate(soapServiceNode, migrations)).toEqual({ ...soapServiceNode, version: 2 });
    await load(all, [soapServiceNode]);
    const res = await request(captured.red!.httpNode).get('/soap/crm?wsdl');
    expect(res.status).toBe(200);
    expect(res.text).toContain('ReportAddressChange');
  });

  it("leaves the limit of a version-1 config that kept the old editor default to the hub's setting", () => {
    expect(migrate({ ...soapServiceNode, maxBytes: '1048576', version: 1 }, migrations)).toEqual({
      ...soapServiceNode,
      maxBytes: '',
      version: 2,
    });
    expect(migrate({ ...soapServiceNode, maxBytes: '2000000', version: 1 }, migrations)).toMatchObject({
      maxBytes: '2000000',
    });
  });

  it('refuses a WSDL URL: the service serves a file it parses at deploy', async () => {
    await load(all, [{ ...soapServiceNode, wsdl: 'http://crm.example/crm?wsdl' }]);
    const res = await request(captured.red!.httpNode).get('/soap/crm?wsdl');
    expect(res.status).toBe(404);
    expect(loggedErrors('svc')).toEqual(['soap-service.errors.wsdl-failed']);
    expect((helper.getNode('svc') as unknown as { failure?: string }).failure).toContain(
      'serves a WSDL file, not a URL',
    );
  });

  it('does not look deployed when its WSDL is refused: errors, red soap-in, failed in /healthz and the dialog', async () => {
    const file = join(tempDir('wsdl-rpc-'), 'rpc.wsdl');
    writeFileSync(file, RPC_ONLY);
    const flow = [
      { ...soapServiceNode, wsdl: file },
      { id: 'in', type: 'soap-in', service: 'svc', operation: '', wires: [] },
    ];
    await load(all, flow);
    expect(loggedErrors('svc')).toEqual(['soap-service.errors.wsdl-failed']);
    expect(loggedErrors('in')).toEqual(['soap-in.errors.wsdl-failed']);
    expect(statusesSoFar('in')).toEqual([{ fill: 'red', shape: 'ring', text: 'soap-in.status.wsdl-failed' }]);
    const red = captured.red!;
    expect((await request(red.httpNode).get('/soap/crm?wsdl')).status).toBe(404);
    const health = await request(red.httpNode).get('/healthz');
    expect(health.body.status).toBe('degraded');
    expect(health.body.soap).toEqual([
      expect.objectContaining({
        name: '/soap/crm',
        ok: false,
        state: 'failed',
        detail: expect.stringContaining('style="rpc" is not supported (in binding B operation Op)'),
      }),
    ]);
    const dialog = await request(red.httpAdmin).get('/crm-hub/soap-services/svc');
    expect(dialog.body).toMatchObject({
      state: 'failed',
      failure: expect.stringContaining('none of its 1 operations'),
    });
  });

  it('serves the operations it can and names the refused one in the log, the soap-in and /healthz', async () => {
    const file = join(tempDir('wsdl-half-'), 'half.wsdl');
    writeFileSync(file, HALF_SERVED);
    await load(
      [...all, core.fn],
      [
        { ...soapServiceNode, wsdl: file },
        { id: 'old', type: 'soap-in', service: 'svc', operation: 'Old', wires: [] },
        { id: 'op', type: 'soap-in', service: 'svc', operation: 'Op', wires: [['reply']] },
        { id: 'reply', type: 'function', func: 'msg.payload = { ok: true }; return msg;', wires: [['out']] },
        { id: 'out', type: 'soap-response' },
      ],
    );
    expect(loggedErrors('old')).toEqual(['soap-in.errors.refused-operation']);
    expect(statusesSoFar('old')).toEqual([
      { fill: 'red', shape: 'ring', text: 'soap-in.status.refused-operation' },
    ]);
    expect(loggedErrors('svc')).toEqual([]);
    const red = captured.red!;
    const res = await request(red.httpNode)
      .post('/soap/crm')
      .set('Content-Type', 'text/xml')
      .send(
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><t:Req xmlns:t="urn:t"><t:id>1</t:id></t:Req></s:Body></s:Envelope>',
      );
    expect(res.status).toBe(200);
    expect(res.text).toContain('<tns:ok>true</tns:ok>');
    const health = await request(red.httpNode).get('/healthz');
    expect(health.body.soap[0]).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^1 operations served; refused: Old \(message OldIn with 2 body parts/),
    });
  });

  describe('with WS-Security credentials', () => {
    const credentials = { svc: { username: 'crm-agent', password: 'n0t in the flow' } };
    const replyFlow = (service: Record<string, unknown>): FlowNode[] => [
      { ...soapServiceNode, ...service },
      { id: 'in', type: 'soap-in', service: 'svc', operation: '', wires: [['fn', 'sink']] },
      {
        id: 'fn',
        type: 'function',
        func: 'msg.payload = { accepted: true, eventId: "e-1", message: "ok" }; return msg;',
        wires: [['reply']],
      },
      { id: 'reply', type: 'soap-response' },
      { id: 'sink', type: 'helper' },
    ];
    const withToken = (password = credentials.svc.password): string =>
      reportAddressChange(goodAddress).replace(
        '<soapenv:Header/>',
        `<soapenv:Header>${usernameTokenHeader({ username: 'crm-agent', password, type: 'PasswordDigest' })}</soapenv:Header>`,
      );
    const post = (xml: string) =>
      request(captured.red!.httpNode).post('/soap/crm').set('Content-Type', 'text/xml').send(xml);

    it('requires a UsernameToken: fault without, reply with, and the flow sees the user, not the header', async () => {
      await load([...all, core.fn], replyFlow({}), credentials);
      const without = await post(reportAddressChange(goodAddress));
      expect(without.status).toBe(500);
      expect(without.text).toMatch(/faultcode[^>]*>[^<]*Client/);
      expect(without.text).toContain('WS-Security required');

      const wrong = await post(withToken('guess'));
      expect(wrong.text).toContain('authentication failed: unknown username or wrong password');

      const seen = nextInput<{ soap: { headers: Record<string, unknown> } }>('sink');
      const ok = await post(withToken());
      expect(ok.status).toBe(200);
      expect(ok.text).toMatch(/<(\w+:)?accepted>true<\/(\w+:)?accepted>/);
      const msg = await seen;
      expect(msg.soap.headers).toEqual({});
      expect(JSON.stringify(msg)).not.toContain('Password');
    });

    it('refuses PasswordText unless the service allows it', async () => {
      const text = reportAddressChange(goodAddress).replace(
        '<soapenv:Header/>',
        `<soapenv:Header>${usernameTokenHeader({ username: 'crm-agent', password: credentials.svc.password, type: 'PasswordText' })}</soapenv:Header>`,
      );
      await load([...all, core.fn], replyFlow({ security: 'digest' }), credentials);
      expect((await post(text)).text).toContain('PasswordText is not accepted');
      await helper.unload();
      await load([...all, core.fn], replyFlow({ security: 'text-or-digest' }), credentials);
      expect((await post(text)).status).toBe(200);
    });

    it('serves without a token when security is explicitly none', async () => {
      await load([...all, core.fn], replyFlow({ security: 'none' }), credentials);
      expect((await post(reportAddressChange(goodAddress))).status).toBe(200);
    });

    it('refuses every call and says why when a token is required but no credentials are set', async () => {
      await load([...all, core.fn], replyFlow({ security: 'digest' }));
      expect(loggedErrors('svc')).toEqual(['soap-service.errors.no-credentials']);
      const res = await post(withToken());
      expect(res.status).toBe(500);
      expect(res.text).toContain('authentication failed');
    });
  });
});
