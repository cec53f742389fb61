import fs from 'node:fs';
import path from 'node:path';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import restClientModule from '../../nodes/rest-client/rest-client';
import restRequestModule from '../../nodes/rest-request/rest-request';
import type { RED } from '../../nodes/shared/red';
import { offerIdFor } from '../../policies/decision-id';
import { withdrawalEvent } from '../unit/policies/fixtures';
import { useGateway } from '../unit/connectors/http/gateway-server';
import { all, core, helper, load, nextInput, tempDir, useHelper, type FlowNode } from './harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const coreNodes = [
  require('@node-red/nodes/core/function/15-change.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  core.catchNode,
];
/* eslint-enable @typescript-eslint/no-require-imports */
const restClient = (red: RED) => restClientModule(red);
const restRequest = (red: RED) => restRequestModule(red);
const modules = [...all, restClient, restRequest, ...coreNodes];

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'sms-gateway-rest-request.json');
const example = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
const POLICY_ID = 'platinum-withdrawal-sms';

useHelper();
const gateway = useGateway();

/**
 * The example as shipped, made runnable here: the bus consumer and its broker are left out (the test
 * feeds the policy engine what amqp-in would hand it), debug nodes become helper nodes with the same
 * ids, the store lives in a temp directory, and the rest-client points at a local gateway double.
 */
function runnable(): FlowNode[] {
  return example
    .filter((n) => n.type !== 'amqp-in' && n.type !== 'amqp-broker')
    .map((n) => {
      if (n.type === 'debug') return { id: n.id, z: n.z, type: 'helper', wires: [] };
      if (n.type === 'hub-store') return { ...n, databaseUrl: '', directory: tempDir('sms-example') };
      if (n.type === 'rest-client') return { ...n, baseUrl: `${gateway().url}/api/v1` };
      return n;
    });
}

async function withCustomer(ref: string, tier: string): Promise<void> {
  const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
  await store.putCustomer({
    customerRef: ref,
    document: { customerRef: ref, kind: 'person', tier },
    updatedAt: '2026-11-22T10:00:00Z',
    sourceSystem: 'crm',
  });
}

describe('example: policy decision → SMS through a REST gateway', () => {
  it('ships no secrets: the API key is a credential of the rest-client', () => {
    expect(JSON.stringify(example)).not.toMatch(/"credentials"|"apiKey"|"password"|"token"/);
    expect(example.find((n) => n.type === 'rest-client')).toMatchObject({ auth: 'api-key', version: 1 });
  });

  it('sends one SMS per decision, carrying policy, decision and card version, keyed by the decision', async () => {
    await load(modules, runnable(), { 'sms-gateway': { apiKey: 'gw-key-1' } });
    await withCustomer('crm:2001', 'platinum');
    const sent = nextInput<{ payload: unknown; statusCode: number; rest: { idempotencyKey: string } }>(
      'sms-sent',
    );
    helper.getNode('sms-engine').receive({
      payload: withdrawalEvent('00000000-0000-4000-8000-000000002001', 'crm:2001', 12000),
    } as never);
    const msg = await sent;

    const decisionId = offerIdFor(POLICY_ID, '00000000-0000-4000-8000-000000002001');
    expect(msg.statusCode).toBe(200);
    expect(msg.payload).toEqual({ messageId: 'm-1' });
    expect(msg.rest.idempotencyKey).toBe(decisionId);
    const [request] = gateway().seen;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/v1/templates/withdrawal-notice/send');
    expect(request.headers).toMatchObject({
      'x-api-key': 'gw-key-1',
      'idempotency-key': decisionId,
      'x-crm-policy': POLICY_ID,
      'x-crm-decision': decisionId,
    });
    expect(request.headers['x-crm-card-version']).toMatch(/^1@[0-9a-f]{16}$/);
    expect(JSON.parse(request.body)).toEqual({
      recipientRef: 'crm:2001',
      language: 'de',
      variables: { title: 'Platin-Kunde hebt mehr als 10.000 ab: SMS-Hinweis' },
      reference: decisionId,
    });
  });

  it('retries a busy gateway with the same key, and hands a refusal to the Catch node', async () => {
    await load(modules, runnable(), { 'sms-gateway': { apiKey: 'gw-key-1' } });
    await withCustomer('crm:2002', 'platinum');
    await withCustomer('crm:2003', 'platinum');
    gateway().script = [{ status: 503, headers: { 'retry-after': '0' } }];
    const sent = nextInput('sms-sent');
    helper.getNode('sms-engine').receive({
      payload: withdrawalEvent('00000000-0000-4000-8000-000000002002', 'crm:2002', 15000),
    } as never);
    await sent;
    const key = offerIdFor(POLICY_ID, '00000000-0000-4000-8000-000000002002');
    expect(gateway().seen.map((s) => s.headers['idempotency-key'])).toEqual([key, key]);

    gateway().script = [{ status: 400, body: { error: 'unknown recipient' } }];
    const failed = nextInput<{ error: { code: string }; statusCode: number }>('sms-failed');
    helper.getNode('sms-engine').receive({
      payload: withdrawalEvent('00000000-0000-4000-8000-000000002003', 'crm:2003', 15000),
    } as never);
    const msg = await failed;
    expect(msg.error.code).toBe('http');
    expect(msg.statusCode).toBe(400);
    expect(gateway().seen).toHaveLength(3);
  });
});
