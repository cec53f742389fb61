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
  useHelper,
  type FlowNode,
} from './harness';
import { goodAddress, reportAddressChange, soapServiceNode } from './soap-fixtures';

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

  it('serves nothing for a service that is not deployed', async () => {
    await load(all, [soapServiceNode]);
    const res = await request(captured.red!.httpNode).get('/soap/unknown?wsdl');
    expect(res.status).toBe(404);
    expect(res.body.error).toBeDefined();
  });

  it('comes out of a config saved without a version in the current shape, and serves it', async () => {
    // the shape every flow had before versions existed (soapServiceNode has no version)
    expect(migrate(soapServiceNode, migrations)).toEqual({ ...soapServiceNode, version: 1 });
    await load(all, [soapServiceNode]);
    const res = await request(captured.red!.httpNode).get('/soap/crm?wsdl');
    expect(res.status).toBe(200);
    expect(res.text).toContain('ReportAddressChange');
  });

  it('refuses a WSDL URL: the service serves a file it parses at deploy', async () => {
    await load(all, [{ ...soapServiceNode, wsdl: 'http://crm.example/crm?wsdl' }]);
    const res = await request(captured.red!.httpNode).get('/soap/crm?wsdl');
    expect(res.status).toBe(404);
    expect(loggedErrors('svc').join('\n')).toContain('serves a WSDL file, not a URL');
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
