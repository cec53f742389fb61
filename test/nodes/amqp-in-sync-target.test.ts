import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { NodeMessage } from 'node-red';
import amqplib from 'amqplib';
import { ATTEMPTS_HEADER, LAST_ERROR_HEADER } from '../../connectors/amqp/bus';
import { hubMetrics } from '../../app/metrics/hub-metrics';
import { createVhost, deleteVhost, eventually, queueDepth } from '../e2e/hub-process';
import {
  all,
  core,
  helper,
  load,
  loggedErrors,
  loggedWarnings,
  tempDir,
  useHelper,
  type FlowNode,
} from './harness';
import { amqpOutToQueue, sinkNode, whenStatus } from './amqp-test-nodes';

/**
 * amqp-in with topology "record sync: a target's queue" on crm.out.sap, as an integrator wires the
 * target side: a failing flow sends the message down the retry ladder (crm.out.sap.retry.5s, back
 * after the TTL) instead of dead-lettering it at once, and the queue amqp-out declared is consumed
 * without PRECONDITION_FAILED. Each test runs in a virtual host of its own.
 */
useHelper();
const nodes = [...all, core.fn, sinkNode];

let vhost = '';
let url = '';
beforeEach(() => {
  vhost = `crm-hub-in-target-${randomUUID().slice(0, 8)}`;
  url = createVhost(vhost);
});
afterEach(() => deleteVhost(vhost));

const depth = (queue: string): number => queueDepth(vhost, queue);
/** polls until `ready` holds; bounded, about 30 s */
const until = (ready: () => boolean, what: string) =>
  eventually(async () => (ready() ? true : undefined), what, 300);

interface AmqpMsg extends NodeMessage {
  attempt: number;
  amqp: { messageId?: string; headers: Record<string, unknown> };
}

const amqpIn = (name: string, queue: string, extra: Partial<FlowNode> = {}): FlowNode => ({
  id: 'in',
  type: 'amqp-in',
  name,
  broker: 'broker',
  queue,
  bindings: '#',
  prefetch: '5',
  ack: 'flow',
  timeout: '10000',
  store: 'store',
  topology: 'sync-target',
  output: 'string',
  deliveryLimit: '20',
  atLeastOnce: true,
  singleActive: false,
  wires: [['sap']],
  version: 4,
  ...extra,
});

const config = (): FlowNode[] => [
  { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
  { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('in-target'), version: 2 },
];

/** stands in for the call to SAP: down on the first delivery of each message, up on the next */
const flakySap = (): FlowNode[] => [
  {
    id: 'sap',
    type: 'function',
    func: [
      'const seen = context.get(msg.amqp.messageId) || 0;',
      'context.set(msg.amqp.messageId, seen + 1);',
      "if (seen === 0) { node.done(new Error('SAP is down: connection reset')); return; }",
      'msg.attempt = seen + 1;',
      'node.send(msg);',
      'node.done();',
    ].join('\n'),
    outputs: 1,
    wires: [['got']],
  },
  { id: 'got', type: 'amqp-test-sink' },
];

/** what reached the sink, i.e. what SAP took */
function received(): AmqpMsg[] {
  const got: AmqpMsg[] = [];
  (helper.getNode('got') as unknown as EventEmitter).on('input', (msg: AmqpMsg) => got.push(msg));
  return got;
}

it('retries a message the flow failed through crm.out.sap.retry.5s, then acks it once the flow succeeds', async () => {
  const name = `sap-target-${randomUUID().slice(0, 8)}`;
  await load(nodes, [...config(), amqpIn(name, 'crm.out.sap'), ...flakySap()]);
  const got = received();
  await whenStatus('in', 'amqp-in.status.consuming');
  const meter = hubMetrics.amqpIn('crm.out.sap', name);

  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue('crm.out.sap', Buffer.from('<DEBMAS07>4711</DEBMAS07>'), {
      messageId: 'update-1',
      contentType: 'application/xml',
      persistent: true,
    });
    await channel.waitForConfirms();

    // the first failure: a copy waits in the first retry queue, the original is acked
    await until(() => meter.retried === 1, 'the retry');
    expect((await channel.checkQueue('crm.out.sap.retry.5s')).messageCount).toBe(1);
    expect(loggedWarnings('in')).toContain('amqp-in.warnings.retrying');
    expect(loggedWarnings('in')).not.toContain('amqp-in.errors.dead-lettered');

    // back after the TTL with the failed attempt counted, and taken in (not a duplicate to the ledger)
    await until(() => got.length === 1, 'the redelivery');
    expect(got[0]).toMatchObject({ attempt: 2, amqp: { messageId: 'update-1' } });
    expect(got[0].amqp.headers[ATTEMPTS_HEADER]).toBe(1);
    expect(String(got[0].amqp.headers[LAST_ERROR_HEADER])).toContain('SAP is down');

    // acked on success: nothing left in the queue, nothing further down the ladder, no dead letter
    await until(() => meter.acked === 1, 'the ack');
    await until(() => depth('crm.out.sap') === 0 && depth('crm.out.sap.retry.5s') === 0, 'empty queues');
    expect(depth('crm.out.sap.retry.30s')).toBe(0);
    expect(depth('crm.dead-letter')).toBeLessThanOrEqual(0);
    expect(meter.retried).toBe(1);
    expect(Object.values(meter.deadLettered)).toEqual([0, 0, 0, 0]);

    // the ledger recorded it on success only: the same update again is skipped as a redelivery
    channel.sendToQueue('crm.out.sap', Buffer.from('<DEBMAS07>4711</DEBMAS07>'), {
      messageId: 'update-1',
      contentType: 'application/xml',
      persistent: true,
    });
    await channel.waitForConfirms();
    await until(() => meter.acked === 2, 'the duplicate skipped');
    expect(got).toHaveLength(1);
  } finally {
    await connection.close();
  }
}, 60000);

it('sends a message whose call found the target refusing connections (ECONNREFUSED) down the ladder, not back to the queue', async () => {
  const name = `sap-refused-${randomUUID().slice(0, 8)}`;
  const refusing: FlowNode = {
    id: 'sap',
    type: 'function',
    // as Node-RED's http request fails when SAP's gateway is down
    func: "node.done(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:8000'), { code: 'ECONNREFUSED' }));",
    outputs: 1,
    wires: [[]],
  };
  await load(nodes, [...config(), amqpIn(name, 'crm.out.sap'), refusing]);
  await whenStatus('in', 'amqp-in.status.consuming');
  const meter = hubMetrics.amqpIn('crm.out.sap', name);
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue('crm.out.sap', Buffer.from('<DEBMAS07>4712</DEBMAS07>'), {
      messageId: 'update-2',
      contentType: 'application/xml',
      persistent: true,
    });
    await channel.waitForConfirms();
    await until(() => meter.retried === 1, 'the retry');
    expect((await channel.checkQueue('crm.out.sap.retry.5s')).messageCount).toBe(1);
    // not paused in memory and given back to crm.out.sap, which spent the delivery limit in minutes
    expect(meter.requeued).toBe(0);
    expect(loggedWarnings('in')).not.toContain('amqp-in.errors.passing');
  } finally {
    await connection.close();
  }
}, 60000);

it("consumes crm.out.sap that amqp-out declared first, with the topology's arguments, without PRECONDITION_FAILED", async () => {
  await load(nodes, [...config(), ...amqpOutToQueue('crm.out.sap')]);
  const sent = new Promise((resolve) => helper.getNode('sent').once('input', resolve));
  helper.getNode('out').receive({
    payload: '<DEBMAS07>4712</DEBMAS07>',
    messageId: 'update-2',
    contentType: 'application/xml',
  } as never);
  await sent;
  await helper.unload();

  const name = `sap-target-${randomUUID().slice(0, 8)}`;
  await load(nodes, [
    ...config(),
    amqpIn(name, 'crm.out.sap', { wires: [['got']] }),
    { id: 'got', type: 'amqp-test-sink' },
  ]);
  const got = received();
  await whenStatus('in', 'amqp-in.status.consuming');
  await until(() => got.length === 1, 'the update amqp-out sent');
  expect(got[0]).toMatchObject({ payload: '<DEBMAS07>4712</DEBMAS07>', amqp: { messageId: 'update-2' } });
  const meter = hubMetrics.amqpIn('crm.out.sap', name);
  await until(() => meter.acked === 1, 'the ack');
  expect(loggedWarnings('in').filter((w) => w.startsWith('amqp-in.errors'))).toEqual([]);
}, 30000);

it.each([['sap.out'], ['crm.out.SAP'], ['']])(
  'refuses queue "%s" with this topology: red status and an error at deploy, nothing consumed',
  async (queue) => {
    await load(nodes, [...config(), amqpIn('not-a-target', queue, { wires: [[]] })]);
    await whenStatus('in', 'amqp-in.status.not-target');
    expect(loggedErrors('in')).toEqual(['amqp-in.errors.not-target']);
    const node = helper.getNode('in');
    const statuses = (node.status as unknown as { getCalls(): { args: unknown[] }[] }).getCalls();
    expect(statuses.map((c) => JSON.stringify(c.args[0]))).not.toContainEqual(
      expect.stringContaining('amqp-in.status.consuming'),
    );
  },
);

it('says so when crm.out.sap was declared with other arguments first (an amqp-in with the queue typed in)', async () => {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    // as an amqp-in with the queue typed in declares it: no dead-letter routing key
    await channel.assertQueue('crm.out.sap', {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': 'crm.dlx',
        'x-delivery-limit': 20,
        'x-overflow': 'reject-publish',
        'x-dead-letter-strategy': 'at-least-once',
      },
    });
  } finally {
    await connection.close();
  }
  await load(nodes, [...config(), amqpIn('declared-otherwise', 'crm.out.sap', { wires: [[]] })]);
  await whenStatus('in', 'amqp-in.status.target-inequivalent');
  expect(loggedWarnings('in')).toContain('amqp-in.errors.target-inequivalent');
  expect(loggedWarnings('in')).not.toContain('amqp-in.errors.sync-target');
});
