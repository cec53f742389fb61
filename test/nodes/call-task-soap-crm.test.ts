import fs from 'node:fs';
import path from 'node:path';
import { traceIdOf } from '../../connectors/http/trace-context';
import { messageIdFor } from '../../connectors/soap/idempotency';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import type { RED } from '../../nodes/shared/red';
import { migrations as soapClientMigrations } from '../../nodes/soap-client/migrations';
import soapClientModule from '../../nodes/soap-client/soap-client';
import { currentVersion } from '../../nodes/shared/migrate';
import { migrations as soapRequestMigrations } from '../../nodes/soap-request/migrations';
import soapRequestModule from '../../nodes/soap-request/soap-request';
import { offerIdFor } from '../../policies/decision-id';
import { ACTIVITY_WSDL, useCrmActivityServer } from '../fixtures/soap-outbound/crm-activity-server';
import { withdrawalEvent } from '../unit/policies/fixtures';
import { all, helper, load, nextInput, tempDir, useHelper, type FlowNode } from './harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const coreNodes = [
  require('@node-red/nodes/core/function/10-switch.js'),
  require('@node-red/nodes/core/function/15-change.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
];
/* eslint-enable @typescript-eslint/no-require-imports */
const soapClient = (red: RED) => soapClientModule(red);
const soapRequest = (red: RED) => soapRequestModule(red);
const modules = [...all, soapClient, soapRequest, ...coreNodes];

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'call-task-to-soap-crm.json');
const example = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
const POLICY_ID = 'platinum-withdrawal-crm-call';

useHelper();

const server = useCrmActivityServer();

/**
 * The example as shipped, made runnable here: the bus consumer and its broker are left out (the test
 * feeds the policy engine what amqp-in would hand it), debug nodes become helper nodes with the same
 * ids, the store lives in a temp directory, and the soap-client points at the local CRM test double.
 */
function runnable(edit: (node: FlowNode) => FlowNode = (n) => n): FlowNode[] {
  return example
    .filter((n) => n.type !== 'amqp-in' && n.type !== 'amqp-broker')
    .map((n) => {
      if (n.type === 'debug') return { id: n.id, z: n.z, type: 'helper', wires: [] };
      if (n.type === 'hub-store') return { ...n, databaseUrl: '', directory: tempDir('call-task') };
      if (n.type === 'soap-client') return { ...n, wsdl: ACTIVITY_WSDL, endpoint: server().url };
      return n;
    })
    .map(edit);
}

async function withCustomers(customers: Record<string, string>): Promise<void> {
  const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
  for (const [ref, tier] of Object.entries(customers)) {
    await store.putCustomer({
      customerRef: ref,
      document: { customerRef: ref, kind: 'person', tier },
      updatedAt: '2026-11-22T10:00:00Z',
      sourceSystem: 'crm',
    });
  }
}

type Msg = Record<string, unknown> & { payload: Record<string, unknown> };
type Evaluated = { decisions: { decisionId: string }[]; explanations: { outcome: string; reason: string }[] };

/** The next msg a node receives, copied as it arrives: nodes further on change the same object. */
function nextCopy(nodeId: string): Promise<Msg> {
  const node = helper.getNode(nodeId);
  return new Promise((resolve) => node.once('input', (msg: Msg) => resolve(structuredClone(msg))));
}

function send(event: ReturnType<typeof withdrawalEvent>): void {
  helper.getNode('ct-engine').receive({ payload: event } as never);
}

function dueDateIn(request: string): string | undefined {
  return /<(?:\w+:)?dueDate>([^<]*)</.exec(request)?.[1];
}

describe('example: call task from a policy → CreateActivity in the SOAP CRM', () => {
  it('creates exactly one activity for a platinum customer withdrawing 12,000', async () => {
    await load(modules, runnable());
    await withCustomers({ 'crm:1001': 'platinum' });
    const decided = nextCopy('ct-act');
    const action = nextCopy('ct-is-call');
    const created = nextInput<Msg & { soap: Record<string, unknown>; idempotencyKey: string }>('ct-created');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001001', 'crm:1001', 12000));

    const decision = (await decided).payload;
    const record = (await action).payload;
    const result = await created;

    const offerId = offerIdFor(POLICY_ID, '00000000-0000-4000-8000-000000001001');
    expect(decision).toMatchObject({ decisionId: offerId, action: 'call-task', channel: 'sales-rep' });
    // "within 1d"
    expect(Date.parse(String(decision.expiresAt)) - Date.parse(String(decision.decidedAt))).toBe(86_400_000);
    expect(record).toMatchObject({
      offerId,
      customerId: 'crm:1001',
      action: 'call-task',
      eventId: '00000000-0000-4000-8000-000000001001',
    });

    expect(result.payload).toEqual({ activityId: 'ACT-1' });
    expect(result.idempotencyKey).toBe(offerId);
    expect(result.soap).toEqual({
      operation: 'CreateActivity',
      attempts: 1,
      messageId: messageIdFor(offerId),
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    // the event came without a trace: the decision started one, and the SOAP call carried it on
    expect(traceIdOf(result.soap.traceparent)).toBe(traceIdOf(decision.traceparent));
    expect(server().activities).toEqual([
      {
        activityId: 'ACT-1',
        customerRef: 'crm:1001',
        subject: 'Call task for sales-rep: Platinum customer withdraws over 10,000',
        key: messageIdFor(offerId),
      },
    ]);
    expect(server().rawRequests).toHaveLength(1);
    expect(dueDateIn(server().rawRequests[0])).toBe(String(decision.expiresAt).slice(0, 10));
    expect(server().rawRequests[0]).toContain(`>${messageIdFor(offerId)}</wsa:MessageID>`);
    expect(server().rawRequests[0]).toMatch(new RegExp(`<(\\w+:)?idempotencyKey>${offerId}<`));
  });

  it('creates no second activity when the event is redelivered: the same decision again, deduplicated by the CRM', async () => {
    await load(modules, runnable());
    await withCustomers({ 'crm:1002': 'platinum' });
    const created = nextInput<Msg>('ct-created');
    const first = nextInput<Evaluated>('ct-trace');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001002', 'crm:1002', 12000));
    const firstTrace = await first;
    expect(firstTrace.decisions).toHaveLength(1);
    await created;

    // at-least-once: the bus redelivers the event; its own cap hit does not refuse it
    const createdAgain = nextInput<Msg>('ct-created');
    const again = nextInput<Evaluated>('ct-trace');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001002', 'crm:1002', 12000));
    const trace = await again;
    expect(trace.decisions).toHaveLength(1);
    expect(trace.decisions[0].decisionId).toBe(firstTrace.decisions[0].decisionId);
    await createdAgain;
    expect(server().posts).toBe(2);
    expect(server().activities).toHaveLength(1);

    // a new withdrawal of the same customer within the week is capped
    const third = nextInput<Evaluated>('ct-trace');
    send(withdrawalEvent('00000000-0000-4000-8000-00000001002b', 'crm:1002', 12000));
    const capped = await third;
    expect(capped.decisions).toEqual([]);
    expect(capped.explanations[0]).toMatchObject({ outcome: 'capped' });
    expect(server().posts).toBe(2);
  });

  it('creates no second activity when the same call task reaches soap-request again: same MessageID', async () => {
    await load(modules, runnable());
    await withCustomers({ 'crm:1003': 'platinum' });
    const action = nextCopy('ct-is-call');
    const first = nextInput<Msg & { soap: { messageId: string } }>('ct-created');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001003', 'crm:1003', 12000));
    const output = await action;
    const firstResult = await first;

    // channel-action's output once more, as a new msg (new _msgid), e.g. replayed from a dead-letter queue
    const replay: Record<string, unknown> = structuredClone(output);
    delete replay._msgid;
    const second = nextInput<Msg & { soap: { messageId: string } }>('ct-created');
    helper.getNode('ct-is-call').receive(replay as never);
    const secondResult = await second;

    expect(server().posts).toBe(2);
    expect(secondResult._msgid).not.toBe(firstResult._msgid);
    expect(secondResult.soap.messageId).toBe(firstResult.soap.messageId);
    expect(secondResult.payload).toEqual(firstResult.payload);
    expect(server().activities).toHaveLength(1);
  });

  it('creates one activity when a redelivered event fires again (caps are in memory, e.g. after a restart)', async () => {
    const uncapped = (n: FlowNode) => (n.type === 'policy' ? { ...n, perCustomer: '', global: '' } : n);
    await load(modules, runnable(uncapped));
    await withCustomers({ 'crm:1004': 'platinum' });
    const first = nextInput<Msg & { soap: { messageId: string } }>('ct-created');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001004', 'crm:1004', 12000));
    const firstResult = await first;
    const second = nextInput<Msg & { soap: { messageId: string } }>('ct-created');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001004', 'crm:1004', 12000));
    const secondResult = await second;

    expect(server().posts).toBe(2);
    expect(secondResult.soap.messageId).toBe(
      messageIdFor(offerIdFor(POLICY_ID, '00000000-0000-4000-8000-000000001004')),
    );
    expect(secondResult.soap.messageId).toBe(firstResult.soap.messageId);
    expect(server().activities).toEqual([
      expect.objectContaining({ activityId: 'ACT-1', customerRef: 'crm:1004' }),
    ]);
  });

  it('creates none for a withdrawal of 5,000 or for a gold customer', async () => {
    await load(modules, runnable());
    await withCustomers({ 'crm:1005': 'platinum', 'crm:1006': 'gold', 'crm:1007': 'platinum' });

    const small = nextInput<Evaluated>('ct-trace');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001005', 'crm:1005', 5000));
    const smallTrace = await small;
    expect(smallTrace.decisions).toEqual([]);
    expect(smallTrace.explanations[0]).toMatchObject({ outcome: 'not-matched' });
    expect(smallTrace.explanations[0].reason).toContain('5000');

    const gold = nextInput<Evaluated>('ct-trace');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001006', 'crm:1006', 12000));
    const goldTrace = await gold;
    expect(goldTrace.decisions).toEqual([]);
    expect(goldTrace.explanations[0].reason).toContain('"gold"');

    // a qualifying event afterwards goes through: the flow works, and only it reached the CRM
    const created = nextInput<Msg>('ct-created');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001007', 'crm:1007', 12000));
    await created;
    expect(server().posts).toBe(1);
    expect(server().activities.map((a) => a.customerRef)).toEqual(['crm:1007']);
  });

  it('hands a SOAP fault from the CRM to the Catch node with the fault', async () => {
    await load(modules, runnable());
    // the CRM answers a Client fault for a reference that is not crm:<number>
    await withCustomers({ 'crm:anna': 'platinum' });
    const failed = nextInput<{
      fault: Record<string, unknown>;
      soap: Record<string, unknown>;
      error: { message: string; source: { id: string } };
      callTask: Record<string, unknown>;
    }>('ct-failed');
    send(withdrawalEvent('00000000-0000-4000-8000-000000001008', 'crm:anna', 12000));
    const msg = await failed;

    expect(msg.fault).toEqual({
      code: 'soap:Client',
      string: 'customerRef "crm:anna" is not a CRM customer reference (crm:<number>)',
      detail: { field: 'customerRef' },
    });
    expect(msg.soap).toMatchObject({ operation: 'CreateActivity', attempts: 1, error: 'fault' });
    expect(msg.error.source.id).toBe('ct-soap');
    expect(msg.callTask).toMatchObject({ customerId: 'crm:anna', action: 'call-task' });
    // a Client fault is the caller's mistake: not retried
    expect(server().posts).toBe(1);
    expect(server().activities).toEqual([]);
  });
});

describe('example: call-task-to-soap-crm.json as shipped', () => {
  it('uses only node types of Node-RED core or this package, and wires to nodes that exist', () => {
    const ours = Object.keys(
      (
        JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
          'node-red': { nodes: object };
        }
      )['node-red'].nodes,
    );
    const core = ['tab', 'comment', 'change', 'switch', 'debug', 'catch'];
    expect(example.map((n) => n.type).filter((t) => !ours.includes(t) && !core.includes(t))).toEqual([]);
    const ids = new Set(example.map((n) => n.id));
    const targets = example.flatMap((n) => ((n.wires as string[][] | undefined) ?? []).flat());
    expect(targets.filter((t) => !ids.has(t))).toEqual([]);
    const caught = example.find((n) => n.type === 'catch');
    expect(caught?.scope).toContain('ct-soap');
  });

  it('is saved in the current shape: soap-request calls through a soap-client and carries no client settings', () => {
    const req = example.find((n) => n.type === 'soap-request');
    const client = example.find((n) => n.type === 'soap-client');
    expect(req?.client).toBe(client?.id);
    expect(req?.version).toBe(currentVersion(soapRequestMigrations));
    expect(client?.version).toBe(currentVersion(soapClientMigrations));
    expect(req).not.toHaveProperty('wsdl');
    expect(req).not.toHaveProperty('security');
    expect(client?.wsdl).toBe('crm-activity.wsdl');
  });

  it('keeps secrets out: broker and store from the environment, no credentials in the JSON', () => {
    expect(example.find((n) => n.type === 'amqp-broker')?.urls).toBe('${AMQP_URL}');
    expect(example.find((n) => n.type === 'hub-store')?.databaseUrl).toBe('${DATABASE_URL}');
    expect(example.some((n) => 'credentials' in n)).toBe(false);
    expect(JSON.stringify(example)).not.toMatch(/password|passphrase|privateKey|guest:guest/i);
  });

  it("shares the hub flow's broker and store (same ids and settings) but not its policy id or queue", () => {
    const hub = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '..', '..', 'flows', 'hub.json'), 'utf8'),
    ) as FlowNode[];
    for (const id of ['cfg-broker', 'cfg-store']) {
      expect(example.find((n) => n.id === id)).toEqual(hub.find((n) => n.id === id));
    }
    const policyIds = (flow: FlowNode[]) => flow.filter((n) => n.type === 'policy').map((n) => n.policyId);
    const queues = (flow: FlowNode[]) => flow.filter((n) => n.type === 'amqp-in').map((n) => n.queue);
    expect(policyIds(hub)).not.toContain(POLICY_ID);
    expect(policyIds(example)).toEqual([POLICY_ID]);
    expect(queues(hub)).not.toContain(queues(example)[0]);
  });

  it('gives no node an id that another node uses as a property value of its own', () => {
    for (const node of example) {
      const values = Object.entries(node)
        .filter(([k]) => k !== 'id' && k !== 'z' && k !== 'wires')
        .map(([, v]) => v);
      expect(values).not.toContain(node.id);
    }
  });
});
