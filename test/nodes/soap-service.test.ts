import path from 'node:path';
import request from 'supertest';
import { resolveWsdlPath } from '../../nodes/soap-service/soap-service';
import { all, captured, load, useHelper } from './harness';
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

  it('finds shipped WSDLs by builtin: name and user WSDLs relative to the user directory', () => {
    expect(resolveWsdlPath('builtin:crm', '/u')).toMatch(/connectors[/\\]soap[/\\]wsdl[/\\]crm\.wsdl$/);
    expect(resolveWsdlPath('wsdl/mine.wsdl', '/u')).toBe(path.resolve('/u/wsdl/mine.wsdl'));
  });
});
