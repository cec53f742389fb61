import request from 'supertest';
import { all, captured, helper, load, useHelper } from './harness';
import { goodAddress, reportAddressChange, soapServiceNode } from './soap-fixtures';

/**
 * While the flows stop (a SIGTERM, a deploy) the nodes deregister one by one: the lists in /healthz
 * empty out and the SOAP services go. Until the runtime said "stopped", /healthz answered 200 with
 * empty lists and a SOAP caller got a JSON 404; now the flow state follows the runtime's stopping and
 * starting too, and a SOAP caller is told in SOAP to try again.
 */
useHelper();

const flow = [soapServiceNode, { id: 'in', type: 'soap-in', service: 'svc', operation: '', wires: [] }];

function events(): { emit(event: string, ...args: unknown[]): boolean } {
  return (captured.red as unknown as { events: { emit(event: string, ...args: unknown[]): boolean } }).events;
}

const soap11 = (path: string) =>
  request(captured.red!.httpNode)
    .post(path)
    .set('Content-Type', 'text/xml')
    .send(reportAddressChange(goodAddress));

describe('the flow state in /healthz and at /soap', () => {
  it('answers 503 from the moment the flows start stopping, and a SOAP fault for a service gone meanwhile', async () => {
    await load(all, flow);
    const running = await request(captured.red!.httpNode).get('/healthz');
    expect(running.status).toBe(200);
    expect(running.body.flows.state).toBe('started');

    events().emit('flows:stopping', { type: 'full' });
    const stopping = await request(captured.red!.httpNode).get('/healthz');
    expect(stopping.status).toBe(503);
    expect(stopping.body).toMatchObject({ status: 'degraded', flows: { state: 'stopping' } });

    const gone = await soap11('/soap/other');
    expect(gone.status).toBe(503);
    expect(gone.headers['content-type']).toMatch(/^text\/xml/);
    expect(gone.text).toMatch(/<faultcode>soap:Server<\/faultcode>/);
    expect(gone.text).toContain('the hub is stopping; try again');

    events().emit('flows:starting', { type: 'full' });
    const starting = await request(captured.red!.httpNode).get('/healthz');
    expect(starting.status).toBe(503);
    expect(starting.body.flows.state).toBe('starting');
    const early = await request(captured.red!.httpNode)
      .post('/soap/other')
      .set('Content-Type', 'application/soap+xml')
      .send('<x/>');
    expect(early.status).toBe(503);
    expect(early.text).toContain('<env:Value>env:Receiver</env:Value>');
    expect(early.text).toContain('the hub is starting; try again');

    events().emit('flows:started', { type: 'full' });
    expect((await request(captured.red!.httpNode).get('/healthz')).status).toBe(200);
  });

  it('answers a SOAP call for a service no flow registers with a SOAP fault 404 while the flows run', async () => {
    await load(all, flow);
    const unknown = await soap11('/soap/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toMatch(/<faultcode>soap:Client<\/faultcode>/);
    expect(unknown.text).toContain('no SOAP service &apos;nope&apos; is registered at /soap/nope');
    const wsdl = await request(captured.red!.httpNode).get('/soap/nope?wsdl');
    expect(wsdl.status).toBe(404);
    expect(wsdl.body).toEqual({ error: "no SOAP service 'nope' is registered at /soap/nope" });
  });

  it('answers a SOAP call that reaches the hub after its flows stopped with a fault 503', async () => {
    await load(all, flow);
    const red = captured.red!;
    await helper.unload();
    const health = await request(red.httpNode).get('/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', soap: [], flows: { state: 'stopped' } });
    const late = await request(red.httpNode)
      .post('/soap/crm')
      .set('Content-Type', 'text/xml')
      .send(reportAddressChange(goodAddress));
    expect(late.status).toBe(503);
    expect(late.text).toContain('the hub&apos;s flows are stopped; try again');
  });
});
