import fs from 'node:fs';
import path from 'node:path';
import { RestCallError } from '../../connectors/http';
import { CircuitOpenError } from '../../connectors/resilience';
import restClientModule from '../../nodes/rest-client/rest-client';
import restRequestModule from '../../nodes/rest-request/rest-request';
import { migrate } from '../../nodes/shared/migrate';
import { migrations as clientMigrations } from '../../nodes/rest-client/migrations';
import { migrations as requestMigrations } from '../../nodes/rest-request/migrations';
import type { RED } from '../../nodes/shared/red';
import { useGateway } from '../unit/connectors/http/gateway-server';
import { core, helper, load, loggedErrors, nextInput, useHelper, type FlowNode } from './harness';
import { nextDoneError, statusMatching } from './node-status';

const restClient = (red: RED) => restClientModule(red);
const restRequest = (red: RED) => restRequestModule(red);
const modules = [restClient, restRequest, core.catchNode];

useHelper();
const gateway = useGateway();

function flow(request: Record<string, unknown> = {}, client: Record<string, unknown> = {}): FlowNode[] {
  return [
    {
      id: 'gw',
      type: 'rest-client',
      name: 'SMS gateway',
      baseUrl: `${gateway().url}/api/v1`,
      auth: 'bearer',
      apiKeyHeader: 'X-API-Key',
      headers: 'Accept: application/json\nX-Tenant: bank-1',
      rejectUnauthorized: true,
      timeout: '2000',
      retries: '2',
      retryDelay: '1',
      retryAfterMax: '5000',
      breakerThreshold: '5',
      breakerReset: '30000',
      version: 1,
      ...client,
    },
    {
      id: 'req',
      type: 'rest-request',
      client: 'gw',
      method: 'POST',
      path: '/messages/{channel}',
      maxRequest: '',
      maxResponse: '',
      version: 1,
      wires: [['out']],
      ...request,
    },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['req', 'req2'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

const creds = { gw: { token: 'tok-secret-1' } };
const sms = { to: '+491701234567', text: 'Ihr Angebot wartet', decisionId: 'dec-77' };

type Out = {
  payload: unknown;
  statusCode: number;
  headers: Record<string, string>;
  rest: Record<string, unknown>;
};
type Caught = {
  error: { code: string; message: string; source: { id: string } };
  statusCode?: number;
  payload: unknown;
  rest: Record<string, unknown>;
};

/** Node-RED's credentials store, which the helper exposes but does not type. */
function runtimeCredentials() {
  return (
    helper as unknown as {
      credentials: {
        extract(node: object): Promise<void> | void;
        get(id: string): Record<string, string> | undefined;
        getDefinition(type: string): unknown;
      };
    }
  ).credentials;
}

describe('rest-request', () => {
  it('posts msg.payload as JSON and sends the answer, with the trace headers and the key', async () => {
    await load(modules, flow(), creds);
    const out = nextInput<Out>('out');
    helper.getNode('req').receive({
      payload: sms,
      params: { channel: 'sms/premium' },
      headers: { 'X-Campaign': 'autumn', host: 'ignored.example' },
      idempotencyKey: 'key-1',
      policyId: 'platinum-withdrawal-sms',
      decisionId: 'dec-77',
      cardVersion: { number: 3, hash: '9f2c1a0b7e6d5c4b' },
    } as never);
    const msg = await out;
    expect(msg.payload).toEqual({ messageId: 'm-1' });
    expect(msg.statusCode).toBe(200);
    expect(msg.headers['content-type']).toBe('application/json');
    expect(msg.rest).toEqual({
      method: 'POST',
      url: `${gateway().url}/api/v1/messages/sms%2Fpremium`,
      attempts: 1,
      idempotencyKey: 'key-1',
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    const [seen] = gateway().seen;
    // a msg without a trace starts one, and the gateway sees what msg.rest reports
    expect(seen.headers.traceparent).toBe(msg.rest.traceparent);
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/api/v1/messages/sms%2Fpremium');
    expect(JSON.parse(seen.body)).toEqual(sms);
    expect(seen.headers).toMatchObject({
      authorization: 'Bearer tok-secret-1',
      'idempotency-key': 'key-1',
      'x-tenant': 'bank-1',
      'x-campaign': 'autumn',
      'x-crm-policy': 'platinum-withdrawal-sms',
      'x-crm-decision': 'dec-77',
      'x-crm-card-version': '3@9f2c1a0b7e6d5c4b',
      'content-type': 'application/json',
    });
  });

  it('does not retry a 4xx and hands it to Catch with msg.error.code "http" and the answer', async () => {
    await load(modules, flow(), creds);
    gateway().script = [{ status: 422, body: { error: 'invalid number' } }];
    const reported = nextDoneError('req');
    const caught = nextInput<Caught>('caught');
    helper.getNode('req').receive({ payload: sms, params: { channel: 'sms' } } as never);
    const err = await reported;
    expect(err).toBeInstanceOf(RestCallError);
    expect(err).toMatchObject({ kind: 'http', attempts: 1 });
    const msg = await caught;
    expect(msg.error.code).toBe('http');
    expect(msg.error.source.id).toBe('req');
    expect(msg.statusCode).toBe(422);
    expect(msg.payload).toEqual(sms);
    expect(msg.rest).toMatchObject({
      error: 'http',
      attempts: 1,
      idempotencyKey: 'dec-77',
      response: { statusCode: 422, body: { error: 'invalid number' } },
    });
    expect(gateway().seen).toHaveLength(1);
  });

  it('retries a 503 and succeeds, the gateway seeing the same Idempotency-Key twice', async () => {
    await load(modules, flow(), creds);
    gateway().script = [{ status: 503, headers: { 'retry-after': '0' } }];
    const out = nextInput<Out>('out');
    // no msg.idempotencyKey: the decision id in the payload is the key
    helper.getNode('req').receive({ payload: sms, params: { channel: 'sms' } } as never);
    const msg = await out;
    expect(msg.rest).toMatchObject({ attempts: 2, idempotencyKey: 'dec-77' });
    expect(gateway().seen.map((s) => s.headers['idempotency-key'])).toEqual(['dec-77', 'dec-77']);
  });

  it('opens the shared circuit after repeated failures: every node using the client fails fast, then a trial closes it', async () => {
    const second: FlowNode = {
      id: 'req2',
      type: 'rest-request',
      client: 'gw',
      method: 'POST',
      path: '/mails',
      version: 1,
      wires: [['out']],
    };
    await load(
      modules,
      // open 3 s: the call made while it is open still finds it open on a loaded machine
      [...flow({}, { retries: '0', breakerThreshold: '2', breakerReset: '3000' }), second],
      creds,
    );
    gateway().script = [{ status: 503 }, { status: 503 }];
    const red = statusMatching('req2', (s) => s.fill === 'red');
    for (let i = 0; i < 2; i++) {
      const caught = nextInput<Caught>('caught');
      helper.getNode('req').receive({ payload: sms, params: { channel: 'sms' } } as never);
      expect((await caught).error.code).toBe('http');
    }
    expect((await red).text).toBe('rest-request.status.open');

    const reported = nextDoneError('req2');
    const fast = nextInput<Caught>('caught');
    // listened for from now on: a status reported before anyone listens is not seen
    const halfOpened = statusMatching('req', (s) => s.fill === 'yellow');
    helper.getNode('req2').receive({ payload: { to: 'a@example.com' } } as never);
    expect(await reported).toBeInstanceOf(CircuitOpenError);
    const msg = await fast;
    expect(msg.error.code).toBe('circuit-open');
    expect(msg.rest).toMatchObject({ error: 'circuit-open' });
    expect(gateway().seen).toHaveLength(2);

    const halfOpen = await halfOpened;
    expect(halfOpen.text).toBe('rest-request.status.half-open');
    const closed = statusMatching('req2', (s) => s.fill === 'green');
    const out = nextInput<Out>('out');
    helper.getNode('req2').receive({ payload: { to: 'a@example.com' } } as never);
    expect((await out).statusCode).toBe(200);
    expect((await closed).text).toBe('rest-request.status.closed');
    expect(gateway().seen[2].url).toBe('/api/v1/mails');
  });

  it('names a missing path parameter as a request error, sending nothing', async () => {
    await load(modules, flow(), creds);
    const caught = nextInput<Caught>('caught');
    helper.getNode('req').receive({ payload: sms } as never);
    const msg = await caught;
    expect(msg.error.code).toBe('request');
    expect(msg.error.message).toContain('{channel}');
    expect(gateway().seen).toHaveLength(0);
  });

  it('sends the API key header from the credentials, and no Authorization', async () => {
    await load(modules, flow({}, { auth: 'api-key', apiKeyHeader: 'X-Gateway-Key' }), {
      gw: { apiKey: 'k-123' },
    });
    const out = nextInput('out');
    helper.getNode('req').receive({ payload: sms, params: { channel: 'sms' } } as never);
    await out;
    expect(gateway().seen[0].headers['x-gateway-key']).toBe('k-123');
    expect(gateway().seen[0].headers.authorization).toBeUndefined();
  });

  it('keeps the secrets in credentials, never in the flow JSON', async () => {
    await load(modules, flow(), creds);
    // what the editor deploys: the secrets ride along in `credentials` and the runtime takes them out
    const deployed = { ...flow()[0], credentials: { token: 'tok-new', username: 'hub', password: 'pw-2' } };
    await runtimeCredentials().extract(deployed);
    expect(deployed).not.toHaveProperty('credentials');
    expect(JSON.stringify(deployed)).not.toMatch(/tok-new|pw-2/);
    expect(runtimeCredentials().get('gw')).toMatchObject({ token: 'tok-new', password: 'pw-2' });
    expect(runtimeCredentials().getDefinition('rest-client')).toEqual({
      username: { type: 'text' },
      password: { type: 'password' },
      token: { type: 'password' },
      apiKey: { type: 'password' },
      tlsCa: { type: 'text' },
      tlsCert: { type: 'text' },
      tlsKey: { type: 'password' },
    });
    // the editor declares the same, and none of them among the saved properties
    const html = fs.readFileSync(path.resolve(__dirname, '../../nodes/rest-client/rest-client.html'), 'utf8');
    const defaults = /defaults:\s*\{([\s\S]*?)\n\s{6}\},/.exec(html)?.[1] ?? '';
    expect(defaults).toContain('baseUrl');
    expect(defaults).not.toMatch(/\b(password|token|apiKey|tlsKey):/);
    expect(html).toMatch(/credentials:\s*\{[\s\S]*token: \{ type: 'password' \}/);
  });

  it('reports an invalid configuration and hands every message to Catch', async () => {
    await load(modules, flow({}, { baseUrl: 'sms.example/api', auth: 'none' }), {});
    expect(loggedErrors('gw')).toEqual(['rest-client.errors.config']);
    expect(loggedErrors('req')).toEqual(['rest-request.errors.config']);
    const caught = nextInput<Caught>('caught');
    helper.getNode('req').receive({ payload: sms } as never);
    expect((await caught).error.message).toContain('rest-request.errors.config');
  });

  it('a base URL with a user or password: refused at deploy, and Catch sees code misconfigured', async () => {
    await load(modules, flow({}, { baseUrl: 'https://u:p4ss@gw.example/api', auth: 'none' }), {});
    expect(loggedErrors('gw')).toEqual(['rest-client.errors.config']);
    const caught = nextInput<Caught>('caught');
    helper.getNode('req').receive({ payload: sms } as never);
    const { error } = await caught;
    expect(error.code).toBe('misconfigured');
    expect(error.message).toContain('rest-request.errors.config');
    expect(JSON.stringify(error)).not.toContain('p4ss');
  });

  it('refuses a path with a host of its own, and a bearer client without a token', async () => {
    await load(modules, flow({ path: 'https://evil.example/x' }), creds);
    expect(loggedErrors('req')).toEqual(['rest-request.errors.config']);
    await helper.unload();
    await load(modules, flow(), {});
    expect(loggedErrors('gw')).toEqual(['rest-client.errors.config']);
  });

  it('migrates configs saved before versions to version 1', () => {
    expect(migrate({ id: 'a', type: 'rest-client', baseUrl: 'https://x' }, clientMigrations)).toMatchObject({
      baseUrl: 'https://x',
      version: 1,
    });
    expect(migrate({ id: 'b', type: 'rest-request', path: '/sms' }, requestMigrations)).toMatchObject({
      path: '/sms',
      version: 1,
    });
  });
});
