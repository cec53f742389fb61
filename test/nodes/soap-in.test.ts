import request from 'supertest';
import type { EventEmitter } from 'node:events';
import type { NodeStatus } from 'node-red';
import { migrate } from '../../nodes/shared/migrate';
import { migrations } from '../../nodes/soap-in/migrations';
import { all, captured, helper, loggedErrors, nextInput, useHelper, load } from './harness';
import { goodAddress, reportAddressChange, soapServiceNode } from './soap-fixtures';

useHelper();

const flow = [
  soapServiceNode,
  { id: 'in', type: 'soap-in', service: 'svc', operation: 'ReportAddressChange', wires: [['out', 'reply']] },
  { id: 'out', type: 'helper' },
  { id: 'reply', type: 'soap-response' },
];

function post(xml: string) {
  return request(captured.red!.httpNode)
    .post('/soap/crm')
    .set('Content-Type', 'text/xml; charset=utf-8')
    .set('SOAPAction', '"urn:crm-hub:crm/ReportAddressChange"')
    .send(xml);
}

describe('soap-in', () => {
  it('turns a SOAP call into a msg with the parsed body and the call info', async () => {
    await load(all, flow);
    const got = nextInput('out');
    const res = post(reportAddressChange(goodAddress)).then((r) => r);
    const msg = await got;
    expect(msg).toMatchObject({
      topic: 'ReportAddressChange',
      payload: { customerNumber: '0004711', city: 'München', country: 'DE' },
      soap: { service: 'crm', operation: 'ReportAddressChange', version: '1.1' },
    });
    // the payload echoed back is not a valid response, so soap-response must fault on the reply check
    const answer = await res;
    expect(answer.status).toBe(500);
    expect(answer.text).toContain('Fault');
  });

  it('puts the W3C trace on msg.traceparent: the HTTP header, else a SOAP header, else a new trace', async () => {
    await load(all, flow);
    const trace = (id: string) => `00-${id}-00f067aa0ba902b7-01`;
    const http = '4bf92f3577b34da6a3ce929d0e0e4736';
    const envelope = '0af7651916cd43dd8448eb211c80319c';
    const withSoapHeader = reportAddressChange(goodAddress).replace(
      '<soapenv:Header/>',
      `<soapenv:Header><t:traceparent xmlns:t="urn:example:trace">${trace(envelope)}</t:traceparent></soapenv:Header>`,
    );
    const seen: string[] = [];
    for (const [xml, header] of [
      [withSoapHeader, trace(http)],
      [withSoapHeader, 'broken'],
      [reportAddressChange(goodAddress), undefined],
    ] as const) {
      const got = nextInput<{ traceparent: string }>('out');
      const call = post(xml);
      void (header ? call.set('traceparent', header) : call).then((r) => r);
      seen.push((await got).traceparent);
    }
    expect(seen[0]).toBe(trace(http));
    expect(seen[1]).toBe(trace(envelope));
    expect(seen[2]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen[2]).not.toContain(http);
    expect(seen[2]).not.toContain(envelope);
  });

  it('serves the WSDL at ?wsdl with the address the client used', async () => {
    await load(all, flow);
    const res = await request(captured.red!.httpNode).get('/soap/crm?wsdl').set('Host', 'localhost:8080');
    expect(res.status).toBe(200);
    expect(res.text).toContain('ReportAddressChange');
    expect(res.text).toContain('http://localhost:8080/soap/crm');
  });

  it('answers a request with a missing field with a fault naming it, without reaching the flow', async () => {
    await load(all, flow);
    let reached = false;
    helper.getNode('out').on('input', () => (reached = true));
    const res = await post(reportAddressChange({ ...goodAddress, postalCode: undefined }));
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/faultcode[^>]*>[^<]*Client/);
    expect(res.text).toContain('postalCode');
    expect(reached).toBe(false);
  });

  it('comes out of a config saved without a version in the current shape', () => {
    const saved = flow[1];
    expect(migrate(saved, migrations)).toEqual({ ...saved, version: 1 });
  });

  it('shows the path it listens on and the calls it took, in words from its locale', async () => {
    await load(all, flow);
    const statuses: NodeStatus[] = [];
    (helper.getNode('in') as unknown as EventEmitter).on('call:status', (call: { args: NodeStatus[] }) =>
      statuses.push(call.args[0]),
    );
    const got = nextInput('out');
    void post(reportAddressChange(goodAddress)).then((r) => r);
    await got;
    // the deploy-time status (listening) may be reported before or after the listener is attached
    expect(statuses.at(-1)).toEqual({ fill: 'green', shape: 'dot', text: 'soap-in.status.calls' });
    expect(
      statuses.map((st) => st.text).every((t) => /^soap-in\.status\.(listening|calls)$/.test(String(t))),
    ).toBe(true);
  });

  it('reports an unknown operation at deploy time', async () => {
    await load(all, [
      soapServiceNode,
      { id: 'in', type: 'soap-in', service: 'svc', operation: 'Nope', wires: [] },
    ]);
    expect(loggedErrors('in')).toEqual(['soap-in.errors.unknown-operation']);
  });
});
