import request from 'supertest';
import { replyFor } from '../../nodes/soap-response/soap-response';
import { all, captured, core, helper, nextError, useHelper, load } from './harness';
import { goodAddress, reportAddressChange, soapServiceNode } from './soap-fixtures';

useHelper();

describe('soap-response', () => {
  /** soap-in → a function node with `func` → soap-response; then one ReportAddressChange call */
  async function callThrough(func: string) {
    await load(
      [...all, core.fn],
      [
        soapServiceNode,
        { id: 'in', type: 'soap-in', service: 'svc', operation: '', wires: [['fn']] },
        { id: 'fn', type: 'function', func, wires: [['reply']] },
        { id: 'reply', type: 'soap-response' },
      ],
    );
    return request(captured.red!.httpNode)
      .post('/soap/crm')
      .set('Content-Type', 'text/xml')
      .send(reportAddressChange(goodAddress));
  }

  it('answers the caller with the response element built from msg.payload', async () => {
    const res = await callThrough(
      'msg.payload = { accepted: true, eventId: "e-1", message: "ok " + msg.payload.city }; return msg;',
    );
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<(\w+:)?accepted>true<\/(\w+:)?accepted>/);
    expect(res.text).toContain('ok München');
  });

  it('turns msg.error with a field into a client fault that names the field', async () => {
    const res = await callThrough(
      'msg.error = { message: "must match pattern", field: "data.address.country", sourceField: "country", rule: "pattern" }; return msg;',
    );
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/faultcode[^>]*>[^<]*Client/);
    expect(res.text).toContain('field &apos;country&apos;');
    expect(res.text).toContain('<f:field>country</f:field>');
  });

  it('reports a msg that did not come from soap-in', async () => {
    await load([...all, core.fn], [{ id: 'reply', type: 'soap-response' }]);
    const err = nextError('reply');
    helper.getNode('reply').receive({ payload: {} });
    expect(await err).toContain('soap-response.errors.no-call');
  });

  it('maps errors without a field to server faults', () => {
    const reply = replyFor({ _msgid: 'x', error: { message: 'bus down' } });
    expect(reply).toEqual({ ok: false, fault: { code: 'server', message: 'bus down', detail: {} } });
  });
});
