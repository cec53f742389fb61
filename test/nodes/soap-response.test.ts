import type { EventEmitter } from 'node:events';
import type { NodeStatus } from 'node-red';
import request from 'supertest';
import { migrate } from '../../nodes/shared/migrate';
import { migrations } from '../../nodes/soap-response/migrations';
import { replyFor } from '../../nodes/soap-response/soap-response';
import { all, captured, core, helper, nextError, useHelper, load } from './harness';
import { goodAddress, reportAddressChange, soapServiceNode } from './soap-fixtures';

useHelper();

describe('soap-response', () => {
  /** soap-in → a function node with `func` → soap-response; then one ReportAddressChange call */
  async function callThrough(func: string, beforeCall: () => void = () => undefined) {
    await load(
      [...all, core.fn],
      [
        soapServiceNode,
        { id: 'in', type: 'soap-in', service: 'svc', operation: '', wires: [['fn']] },
        { id: 'fn', type: 'function', func, wires: [['reply']] },
        { id: 'reply', type: 'soap-response' },
      ],
    );
    beforeCall();
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

  it('comes out of a config saved without a version in the current shape', () => {
    const saved = { id: 'reply', type: 'soap-response', name: 'answer CRM' };
    expect(migrate(saved, migrations)).toEqual({ ...saved, version: 1 });
  });

  it('counts answers and faults in words from its locale', async () => {
    const statuses: NodeStatus[] = [];
    const res = await callThrough(
      'msg.payload = { accepted: true, eventId: "e-1", message: "ok" }; return msg;',
      () =>
        (helper.getNode('reply') as unknown as EventEmitter).on(
          'call:status',
          (call: { args: NodeStatus[] }) => statuses.push(call.args[0]),
        ),
    );
    expect(res.status).toBe(200);
    expect(statuses).toEqual([{ fill: 'green', shape: 'dot', text: 'soap-response.status.answered' }]);
  });

  it('answers a declared fault by name, with its detail for the schema to check', () => {
    const reply = replyFor({ _msgid: 'x', fault: { name: 'NotFound', detail: { who: 'x', code: 404 } } });
    expect(reply).toEqual({
      ok: false,
      fault: {
        code: 'client',
        message: 'NotFound',
        declared: { name: 'NotFound', detail: { who: 'x', code: 404 } },
      },
    });
    const server = replyFor({ _msgid: 'x', fault: { name: 'Busy', code: 'server', message: 'try later' } });
    expect(server).toMatchObject({
      ok: false,
      fault: { code: 'server', message: 'try later', declared: { name: 'Busy', detail: {} } },
    });
  });

  it('maps errors without a field to server faults', () => {
    const reply = replyFor({ _msgid: 'x', error: { message: 'bus down' } });
    expect(reply).toEqual({ ok: false, fault: { code: 'server', message: 'bus down', detail: {} } });
  });

  it("tells a failure on the bus by its kind, without the broker's address, vhost or user", () => {
    const reply = replyFor({
      _msgid: 'x',
      error: {
        message: 'BusError: not connected to RabbitMQ amqp://10.1.2.3:5672/prod (user hub) within 10000 ms',
        code: 'not-connected',
      },
    });
    expect(reply).toEqual({
      ok: false,
      fault: {
        code: 'server',
        message: 'the message bus cannot be reached; nothing was taken, try again later',
        detail: { reason: 'not-connected' },
      },
    });
  });
});
