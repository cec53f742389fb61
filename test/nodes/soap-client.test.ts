import { defaultSoapClientPool } from '../../connectors/soap/client';
import type { EventEmitter } from 'node:events';
import type { NodeStatus } from 'node-red';
import { useCrmActivityServer } from '../fixtures/soap-outbound/crm-activity-server';
import { all, core, helper, load, loggedErrors, nextInput, useHelper, type FlowNode } from './harness';

import { migrations } from '../../nodes/soap-client/migrations';
import soapClientModule, { type SoapClientNode } from '../../nodes/soap-client/soap-client';
import { migrate } from '../../nodes/shared/migrate';
import type { RED } from '../../nodes/shared/red';
import soapRequestModule, { type SoapRequestNode } from '../../nodes/soap-request/soap-request';

const soapClient = (red: RED) => soapClientModule(red);
const soapRequest = (red: RED) => soapRequestModule(red);
const modules = [...all, soapClient, soapRequest, core.catchNode];

useHelper();

const server = useCrmActivityServer();

const activity = { customerRef: 'crm:4711', subject: 'Call back', dueDate: '2026-07-01' };

function request(id: string, client = 'crm'): FlowNode {
  return {
    id,
    type: 'soap-request',
    client,
    operation: 'CreateActivity',
    retries: '0',
    version: 2,
    wires: [[`${id}-out`]],
  };
}

/** A soap-client with two soap-request nodes using it, each with its own output and Catch node. */
function twoUsers(client: Record<string, unknown> = {}): FlowNode[] {
  return [
    {
      id: 'crm',
      type: 'soap-client',
      wsdl: server().wsdlUrl,
      endpoint: server().url,
      version: 1,
      ...client,
    },
    request('a'),
    request('b'),
    { id: 'a-out', type: 'helper' },
    { id: 'b-out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['a', 'b'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

const node = <T>(id: string) => helper.getNode(id) as unknown as T;

/** The texts of every status a node shows from now on (the helper reports each as call:status). */
function statusTexts(id: string): string[] {
  const texts: string[] = [];
  (helper.getNode(id) as unknown as EventEmitter).on('call:status', (call: { args: NodeStatus[] }) =>
    texts.push(String(call.args[0].text)),
  );
  return texts;
}

describe('soap-client', () => {
  it('comes out of a config saved without a version in the current shape', () => {
    const saved = {
      id: 'crm',
      type: 'soap-client',
      wsdl: 'crm-activity.wsdl',
      endpoint: '',
      security: 'none',
    };
    expect(migrate(saved, migrations)).toEqual({ ...saved, version: 1 });
  });

  it('gives two soap-request nodes one shared client: the WSDL is loaded once and both calls work', async () => {
    await load(modules, twoUsers());
    const shared = node<SoapClientNode>('crm').shared!;
    expect(node<SoapRequestNode>('a').endpoint).toBe(shared);
    expect(node<SoapRequestNode>('b').endpoint).toBe(shared);
    expect(shared.userCount).toBe(2);

    const fromA = nextInput<{ payload: unknown }>('a-out');
    const fromB = nextInput<{ payload: unknown }>('b-out');
    helper.getNode('a').receive({ payload: activity, idempotencyKey: 'evt-a' } as never);
    helper.getNode('b').receive({ payload: activity, idempotencyKey: 'evt-b' } as never);
    expect((await fromA).payload).toEqual({ activityId: 'ACT-1' });
    expect((await fromB).payload).toEqual({ activityId: 'ACT-2' });
    expect(server().wsdlGets).toBe(1);
    expect(defaultSoapClientPool.size).toBe(1);
  });

  it('shares the circuit breaker: once a call through one node opens it, the other fails fast', async () => {
    await load(modules, twoUsers({ breakerThreshold: '1', breakerReset: '60000' }));
    server().script = [{ kind: 'status', status: 503 }];
    const first = nextInput<{ soap: { error: string } }>('caught');
    helper.getNode('a').receive({ payload: activity } as never);
    expect((await first).soap.error).toBe('http');
    expect(node<SoapClientNode>('crm').shared!.state).toBe('open');

    const second = nextInput<{ soap: { error: string }; error: { source: { id: string } } }>('caught');
    helper.getNode('b').receive({ payload: activity } as never);
    const msg = await second;
    expect(msg.soap.error).toBe('circuit-open');
    expect(msg.error.source.id).toBe('b');
    expect(server().posts).toBe(1);
  });

  it('releases the WSDL when its last user leaves', async () => {
    await load(modules, twoUsers());
    const shared = node<SoapClientNode>('crm').shared!;
    const out = nextInput('a-out');
    helper.getNode('a').receive({ payload: activity } as never);
    await out;
    expect(defaultSoapClientPool.size).toBe(1);
    await helper.unload();
    expect(shared.userCount).toBe(0);
    expect(defaultSoapClientPool.size).toBe(0);
  });

  it('reports an invalid configuration, and its users hand every message to Catch', async () => {
    await load(modules, twoUsers({ wsdl: '' }));
    expect(loggedErrors('crm')).toEqual(['soap-client.errors.config']);
    expect(loggedErrors('a')).toEqual(['soap-request.errors.config']);
    const caught = nextInput<{ error: { message: string; source: { id: string } } }>('caught');
    helper.getNode('a').receive({ payload: activity } as never);
    expect((await caught).error.source.id).toBe('a');
  });

  it.each([
    ['wsdl', (u: string) => u.replace('http://', 'http://wsdluser:WsdlSecret12@')],
    ['endpoint', (u: string) => u.replace('http://', 'http://epuser:EpSecret13@')],
    ['endpoint', (u: string) => u.replace('http://', 'http://epuser@')],
  ] as const)(
    'refuses a user or password in the %s URL, pointing to HTTP auth, and never sends them',
    async (field, withUser) => {
      const url = field === 'wsdl' ? server().wsdlUrl : server().url;
      await load(modules, twoUsers({ [field]: withUser(url) }));
      expect(loggedErrors('crm')).toEqual(['soap-client.errors.config']);
      expect(node<SoapClientNode>('crm').configError).toBe(
        `${field} URL must not contain a user or password: put them in the HTTP auth settings (Basic: user and password${field === 'endpoint' ? ', sent with every call' : ''})`,
      );
      expect(loggedErrors('a')).toEqual(['soap-request.errors.config']);
      const caught = nextInput<{ error: { message: string; source: { id: string } } }>('caught');
      helper.getNode('a').receive({ payload: activity } as never);
      expect((await caught).error.source.id).toBe('a');
      expect({ wsdlGets: server().wsdlGets, posts: server().posts }).toEqual({ wsdlGets: 0, posts: 0 });
    },
  );

  it('warns, and its users show it, when the WSDL cannot be loaded; the next call loads it', async () => {
    server().wsdlAuthorization = 'Basic nobody-has-this';
    await load(modules, twoUsers());
    const shared = node<SoapClientNode>('crm').shared!;
    await new Promise<void>((resolve) => {
      if (shared.state === 'no-wsdl') resolve();
      else shared.on('state', (state) => state === 'no-wsdl' && resolve());
    });
    expect(shared.reason).toContain('cannot load WSDL');
    const warnings = (
      helper.log() as unknown as { args: { level: number; id?: string; msg?: unknown }[][] }
    ).args
      .map((a) => a[0])
      .filter((e) => e.id === 'crm' && e.level === 30);
    expect(warnings.map((e) => e.msg)).toEqual(['soap-client.errors.wsdl']);
    const shown = statusTexts('a');

    server().wsdlAuthorization = undefined;
    const out = nextInput<{ payload: unknown }>('a-out');
    helper.getNode('a').receive({ payload: activity } as never);
    expect((await out).payload).toEqual({ activityId: 'ACT-1' });
    expect(shared.state).toBe('closed');
    expect(shown[shown.length - 1]).toBe('soap-request.status.closed');
    expect(server().wsdlGets).toBe(2);
  });
});
