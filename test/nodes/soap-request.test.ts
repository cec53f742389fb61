import request from 'supertest';
import { SoapCallError } from '../../connectors/soap/client';
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
import { nextDoneError, statusMatching } from './node-status';

import soapClientModule from '../../nodes/soap-client/soap-client';
import { migrate } from '../../nodes/shared/migrate';
import type { RED } from '../../nodes/shared/red';
import { migrations } from '../../nodes/soap-request/migrations';
import { callPolicyFrom } from '../../nodes/soap-request/options';
import soapRequestModule, { type SoapRequestNode } from '../../nodes/soap-request/soap-request';

// not in the harness's list yet: loaded next to the others, the way the harness loads them
const soapClient = (red: RED) => soapClientModule(red);
const soapRequest = (red: RED) => soapRequestModule(red);
const modules = [...all, soapClient, soapRequest, core.catchNode];

useHelper();

const server = useCrmActivityServer();

const activity = { customerRef: 'crm:4711', subject: 'Call about the mortgage offer', dueDate: '2026-07-01' };

function flow(overrides: Record<string, unknown> = {}, client: Record<string, unknown> = {}): FlowNode[] {
  return [
    {
      id: 'crm',
      type: 'soap-client',
      wsdl: ACTIVITY_WSDL,
      endpoint: server().url,
      breakerThreshold: '5',
      breakerReset: '30000',
      security: 'none',
      wsdlAuth: 'none',
      version: 1,
      ...client,
    },
    {
      id: 'req',
      type: 'soap-request',
      client: 'crm',
      operation: 'CreateActivity',
      timeout: '5000',
      retries: '2',
      retryDelay: '5',
      version: 2,
      wires: [['out']],
      ...overrides,
    },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['req'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** A soap-request as flows saved it before soap-client existed: no version, everything on the node. */
const savedBeforeSoapClient = () => ({
  id: 'req',
  type: 'soap-request',
  name: '',
  wsdl: ACTIVITY_WSDL,
  endpoint: server().url,
  operation: 'CreateActivity',
  timeout: '5000',
  retries: '2',
  retryDelay: '5',
  breakerThreshold: '5',
  breakerReset: '30000',
  retryServerFaults: false,
  security: 'username-digest',
  wsdlAuth: 'none',
  authHeaderName: '',
  authOnCalls: false,
  rejectUnauthorized: true,
  wires: [['out']],
});

describe('soap-request', () => {
  it('calls the operation with msg.payload and sends the result, keyed by msg.idempotencyKey', async () => {
    await load(modules, flow());
    const out = nextInput<{ payload: unknown; soap: Record<string, unknown> }>('out');
    helper.getNode('req').receive({ payload: activity, idempotencyKey: 'evt-42' } as never);
    const msg = await out;
    expect(msg.payload).toEqual({ activityId: 'ACT-1' });
    expect(msg.soap).toEqual({
      operation: 'CreateActivity',
      attempts: 1,
      messageId: messageIdFor('evt-42'),
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
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
    expect(msg.error.message).toContain('customerRef "4711" is not a CRM customer reference');
    expect(msg.soap).toEqual({
      operation: 'CreateActivity',
      attempts: 1,
      error: 'fault',
      reason: 'SOAP fault soap:Client: customerRef "4711" is not a CRM customer reference (crm:<number>)',
    });
    expect(server().posts).toBe(1);
  });

  it('passes the original error to done(err): its class and kind survive, and the Catch node gets the kind as msg.error.code', async () => {
    await load(modules, flow({ retries: '1' }));
    server().script = [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
    ];
    const reported = nextDoneError('req');
    const caught = nextInput<{ error: { code: string; source: { id: string }; stack: string } }>('caught');
    helper.getNode('req').receive({ payload: activity } as never);
    const err = await reported;
    expect(err).toBeInstanceOf(SoapCallError);
    expect(err).toMatchObject({ kind: 'http', attempts: 2, details: { statusCode: 503 } });
    const msg = await caught;
    expect(msg.error.source.id).toBe('req');
    expect(msg.error.code).toBe('http');
    expect(msg.error.stack).toBe((err as Error).stack);
  });

  it('shows the breaker state: red when open, yellow half-open, green when closed again', async () => {
    // the breaker stays open 3 s: long enough that the call made while it is open still finds it open
    // on a loaded machine, where 300 ms were once not
    await load(modules, flow({ retries: '0' }, { breakerThreshold: '1', breakerReset: '3000' }));
    server().script = [{ kind: 'status', status: 503 }];
    const open = statusMatching('req', (s) => s.fill === 'red');
    const caught = nextInput<{ soap: { reason: string } }>('caught');
    helper.getNode('req').receive({ payload: activity } as never);
    expect((await caught).soap.reason).toBe('HTTP 503 without a SOAP fault');
    expect((await open).text).toBe('soap-request.status.open');

    // while open, the server is not contacted
    const rejected = nextInput<{ soap: { error: string; reason: string }; error: { code: string } }>(
      'caught',
    );
    // listened for from now on: a status reported before anyone listens is not seen
    const halfOpened = statusMatching('req', (s) => s.fill === 'yellow');
    helper.getNode('req').receive({ payload: activity } as never);
    const fast = await rejected;
    expect(fast.soap).toMatchObject({ error: 'circuit-open', reason: expect.stringContaining('is open') });
    expect(fast.error.code).toBe('circuit-open');
    expect(server().posts).toBe(1);

    const halfOpen = await halfOpened;
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

  it('reports an invalid configuration naming the field, and hands every message to Catch', async () => {
    await load(modules, flow({ retries: 'many' }));
    expect(loggedErrors('req')).toEqual(['soap-request.errors.config']);
    const caught = nextInput<{ error: { message: string; code: string } }>('caught');
    helper.getNode('req').receive({ payload: activity } as never);
    expect((await caught).error).toMatchObject({ code: 'misconfigured' });
    expect((await caught).error.message).toContain('soap-request.errors.config');
    expect(server().posts).toBe(0);
    expect(() => callPolicyFrom({ retries: 'many' })).toThrow(
      'retries must be a whole number >= 0, got "many"',
    );
    expect(() => callPolicyFrom({ timeout: '0' })).toThrow('timeout must be a whole number >= 1');
  });

  it('reports a node with neither a soap-client nor settings of its own', async () => {
    await load(modules, flow({ client: '' }));
    expect(loggedErrors('req')).toEqual(['soap-request.errors.config']);
  });

  it('lists the operations of a WSDL for the editor, through a deployed soap-client', async () => {
    server().wsdlAuthorization = `Basic ${Buffer.from('wsdl-user:wsdl-pass').toString('base64')}`;
    await load(modules, flow({}, { wsdl: server().wsdlUrl, wsdlAuth: 'basic' }), {
      crm: { wsdlUser: 'wsdl-user', wsdlPassword: 'wsdl-pass' },
    });
    // the editor has no passwords: the deployed client's credentials load the protected WSDL
    const res = await request(captured.red!.httpAdmin)
      .get('/crm-hub/soap-request/operations')
      .query({ wsdl: server().wsdlUrl, client: 'crm' });
    expect(res.status).toBe(200);
    expect(res.body.operations).toEqual([
      { service: 'CrmActivityService', port: 'ActivityPort', operation: 'CreateActivity' },
    ]);
    const without = await request(captured.red!.httpAdmin)
      .get('/crm-hub/soap-request/operations')
      .query({ wsdl: server().wsdlUrl });
    expect(without.status).toBe(502);
    const lookup = (wsdl: string) =>
      request(captured.red!.httpAdmin).get('/crm-hub/soap-request/operations').query({ wsdl });
    // the user directory (here the working directory) is where it looks for files, and only there
    const missing = await lookup('wsdl/no-such.wsdl');
    expect(missing.status).toBe(502);
    expect(missing.body).toEqual({
      error: 'wsdl-load-failed',
      field: 'wsdl',
      message: 'cannot load WSDL wsdl/no-such.wsdl: no such file',
    });
    // a file that is no WSDL: its contents (the parser's line, column and character) stay out
    const notWsdl = await lookup('package.json');
    expect(notWsdl.status).toBe(502);
    expect(notWsdl.body.message).toBe(
      'cannot load WSDL package.json: the file is not a WSDL the hub reads (is it XML, with wsdl:definitions?)',
    );
    for (const outside of ['/etc/passwd', '/nonexistent/crm.wsdl', '../crm.wsdl']) {
      const refused = await lookup(outside);
      expect([outside, refused.status, refused.body.error]).toEqual([outside, 400, 'invalid-wsdl']);
      expect(refused.body.message).not.toMatch(/root:|Line|Char/);
    }
    expect((await lookup('builtin:crm')).status).toBe(200);
    const empty = await request(captured.red!.httpAdmin).get('/crm-hub/soap-request/operations');
    expect(empty.status).toBe(400);
  });

  it("sends the soap-client's WS-Security UsernameToken, its password kept in credentials", async () => {
    await load(modules, flow({}, { security: 'username-digest' }), {
      crm: { username: 'hub', password: 'pw-1' },
    });
    const out = nextInput('out');
    helper.getNode('req').receive({ payload: activity } as never);
    await out;
    expect(server().rawRequests[0]).toContain('<wsse:Username>hub</wsse:Username>');
    expect(server().rawRequests[0]).toMatch(/#PasswordDigest/);
  });
});

describe('soap-request saved before soap-client existed', () => {
  it('migration 2 moves the client settings into an inline client and leaves the call settings', () => {
    const saved = { ...savedBeforeSoapClient(), endpoint: 'http://crm.example/activity' };
    expect(migrate(saved, migrations)).toEqual({
      id: 'req',
      type: 'soap-request',
      name: '',
      client: '',
      operation: 'CreateActivity',
      timeout: '5000',
      retries: '2',
      retryDelay: '5',
      retryServerFaults: false,
      wires: [['out']],
      inlineClient: {
        wsdl: ACTIVITY_WSDL,
        endpoint: 'http://crm.example/activity',
        security: 'username-digest',
        wsdlAuth: 'none',
        authHeaderName: '',
        authOnCalls: false,
        rejectUnauthorized: true,
        breakerThreshold: '5',
        breakerReset: '30000',
      },
      version: 2,
    });
    // a node whose soap-client was picked drops the settings it carried
    const picked = migrate({ ...saved, client: 'crm' }, migrations);
    expect(picked).toMatchObject({ client: 'crm', version: 2 });
    expect(picked).not.toHaveProperty('inlineClient');
    expect(picked).not.toHaveProperty('wsdl');
  });

  it('still calls the CRM with its own settings and the credentials on the node', async () => {
    await load(modules, [savedBeforeSoapClient(), { id: 'out', type: 'helper' }], {
      req: { username: 'hub', password: 'pw-old' },
    });
    const node = helper.getNode('req') as unknown as SoapRequestNode;
    expect(node.config).toMatchObject({ client: '', version: 2, inlineClient: { wsdl: ACTIVITY_WSDL } });
    const out = nextInput<{ payload: unknown; soap: Record<string, unknown> }>('out');
    helper.getNode('req').receive({ payload: activity, idempotencyKey: 'evt-old' } as never);
    const msg = await out;
    expect(msg.payload).toEqual({ activityId: 'ACT-1' });
    expect(msg.soap).toEqual({
      operation: 'CreateActivity',
      attempts: 1,
      messageId: messageIdFor('evt-old'),
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    expect(server().rawRequests[0]).toContain('<wsse:Username>hub</wsse:Username>');
    expect(server().activities).toHaveLength(1);
  });
});
