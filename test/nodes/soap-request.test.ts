import type { EventEmitter } from 'node:events';
import request from 'supertest';
import type { NodeStatus } from 'node-red';
import { messageIdFor } from '../../connectors/soap/idempotency';
import { ACTIVITY_WSDL, useCrmActivityServer } from '../fixtures/soap-outbound/crm-activity-server';
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

import soapRequestModule from '../../nodes/soap-request/soap-request';
import type { RED } from '../../nodes/shared/red';
import { clientOptionsFrom, resilienceFrom } from '../../nodes/soap-request/options';

// not in the harness's list yet: loaded next to the others, the way the harness loads them
const soapRequest = (red: RED) => soapRequestModule(red);
const modules = [...all, soapRequest, core.catchNode];

useHelper();

const server = useCrmActivityServer();

const activity = { customerRef: 'crm:4711', subject: 'Call about the mortgage offer', dueDate: '2026-07-01' };

function flow(overrides: Record<string, unknown> = {}): FlowNode[] {
  return [
    {
      id: 'req',
      type: 'soap-request',
      wsdl: ACTIVITY_WSDL,
      endpoint: server().url,
      operation: 'CreateActivity',
      timeout: '5000',
      retries: '2',
      retryDelay: '5',
      breakerThreshold: '5',
      breakerReset: '30000',
      security: 'none',
      wsdlAuth: 'none',
      wires: [['out']],
      ...overrides,
    },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['req'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** Resolves with the first status the node shows that matches. */
function statusMatching(nodeId: string, test: (s: NodeStatus) => boolean): Promise<NodeStatus> {
  // the helper emits call:<method> for every spied node method
  const node = helper.getNode(nodeId) as unknown as EventEmitter;
  return new Promise((resolve) => {
    const listener = (call: { args: NodeStatus[] }) => {
      if (test(call.args[0])) {
        node.removeListener('call:status', listener);
        resolve(call.args[0]);
      }
    };
    node.on('call:status', listener);
  });
}

describe('soap-request', () => {
  it('calls the operation with msg.payload and sends the result, keyed by msg.idempotencyKey', async () => {
    await load(modules, flow());
    const out = nextInput<{ payload: unknown; soap: Record<string, unknown> }>('out');
    helper.getNode('req').receive({ payload: activity, idempotencyKey: 'evt-42' } as never);
    const msg = await out;
    expect(msg.payload).toEqual({ activityId: 'ACT-1' });
    expect(msg.soap).toEqual({ operation: 'CreateActivity', attempts: 1, messageId: messageIdFor('evt-42') });
    expect(server().activities[0]).toMatchObject({ customerRef: 'crm:4711', key: messageIdFor('evt-42') });
  });

  it('hands a SOAP fault to a Catch node with msg.fault and does not retry it', async () => {
    await load(modules, flow());
    const caught = nextInput<{ fault: Record<string, unknown>; error: { message: string }; soap: unknown }>(
      'caught',
    );
    helper.getNode('req').receive({ payload: { ...activity, customerRef: '4711' } } as never);
    const msg = await caught;
    expect(msg.fault).toEqual({
      code: 'soap:Client',
      string: 'customerRef "4711" is not a CRM customer reference (crm:<number>)',
      detail: { field: 'customerRef' },
    });
    // the test runtime does not translate: the message is the catalog key
    expect(msg.error.message).toContain('soap-request.errors.call');
    expect(msg.soap).toEqual({
      operation: 'CreateActivity',
      attempts: 1,
      error: 'fault',
      reason: 'SOAP fault soap:Client: customerRef "4711" is not a CRM customer reference (crm:<number>)',
    });
    expect(server().posts).toBe(1);
  });

  it('shows the breaker state: red when open, yellow half-open, green when closed again', async () => {
    await load(modules, flow({ retries: '0', breakerThreshold: '1', breakerReset: '300' }));
    server().script = [{ kind: 'status', status: 503 }];
    const open = statusMatching('req', (s) => s.fill === 'red');
    const caught = nextInput<{ soap: { reason: string } }>('caught');
    helper.getNode('req').receive({ payload: activity } as never);
    expect((await caught).soap.reason).toBe('HTTP 503 without a SOAP fault');
    expect((await open).text).toBe('soap-request.status.open');

    // while open, the server is not contacted
    const rejected = nextInput<{ soap: { error: string; reason: string } }>('caught');
    helper.getNode('req').receive({ payload: activity } as never);
    expect((await rejected).soap).toMatchObject({
      error: 'circuit-open',
      reason: expect.stringContaining('is open'),
    });
    expect(server().posts).toBe(1);

    const halfOpen = await statusMatching('req', (s) => s.fill === 'yellow');
    expect(halfOpen.text).toBe('soap-request.status.half-open');
    const closed = statusMatching('req', (s) => s.fill === 'green');
    const out = nextInput('out');
    helper.getNode('req').receive({ payload: activity } as never);
    await out;
    expect((await closed).text).toBe('soap-request.status.closed');
  });

  it('takes the operation from msg.operation and names an unknown one', async () => {
    await load(modules, flow({ operation: '' }));
    const caught = nextInput<{ soap: Record<string, unknown> }>('caught');
    helper.getNode('req').receive({ payload: activity, operation: 'CreateTask' } as never);
    expect((await caught).soap).toMatchObject({
      operation: 'CreateTask',
      error: 'operation',
      reason: 'operation "CreateTask" is not in the WSDL (it has: CreateActivity)',
    });
  });

  it('reports an invalid configuration naming the field', async () => {
    await load(modules, flow({ retries: 'many' }));
    expect(loggedErrors('req')).toEqual(['soap-request.errors.config']);
    expect(() => resilienceFrom({ retries: 'many' })).toThrow(
      'retries must be a whole number >= 0, got "many"',
    );
    expect(() => resilienceFrom({ breakerThreshold: '0' })).toThrow(
      'breakerThreshold must be a whole number >= 1',
    );
    expect(() => clientOptionsFrom({ wsdl: ' ' }, {}, '/u')).toThrow(
      'wsdl: no WSDL file or URL is configured',
    );
  });

  it('lists the operations of a WSDL for the editor', async () => {
    await load(modules, flow());
    const res = await request(captured.red!.httpAdmin)
      .get('/crm-hub/soap-request/operations')
      .query({ wsdl: server().wsdlUrl });
    expect(res.status).toBe(200);
    expect(res.body.operations).toEqual([
      { service: 'CrmActivityService', port: 'ActivityPort', operation: 'CreateActivity' },
    ]);
    const bad = await request(captured.red!.httpAdmin)
      .get('/crm-hub/soap-request/operations')
      .query({ wsdl: '/nonexistent/crm.wsdl' });
    expect(bad.status).toBe(502);
    expect(bad.body).toMatchObject({ error: 'wsdl-load-failed', field: 'wsdl' });
    expect(bad.body.message).toContain('/nonexistent/crm.wsdl');
  });

  it('keeps WS-Security passwords in credentials and sends the UsernameToken', async () => {
    await load(modules, flow({ security: 'username-digest' }), {
      req: { username: 'hub', password: 'pw-1' },
    });
    const out = nextInput('out');
    helper.getNode('req').receive({ payload: activity } as never);
    await out;
    expect(server().rawRequests[0]).toContain('<wsse:Username>hub</wsse:Username>');
    expect(server().rawRequests[0]).toMatch(/#PasswordDigest/);
  });
});
