/**
 * The shipped Record sync tab's fan-out (flows/hub.json: crm.golden → sync target → from-canonical →
 * crm.out.<system>, one row per target) on RabbitMQ in a virtual host of the test's own: a target whose
 * mapping refuses a golden change is a dead letter of that target alone, the other targets' updates
 * stand, and a replay of that dead letter does not send them again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NodeAPI } from 'node-red';
import amqplib from 'amqplib';
import { ORIGINAL_QUEUE_HEADER, REASON_HEADER } from '../../connectors/amqp/bus';
import { DeadLetterQueue } from '../../connectors/amqp/dead-letters';
import { GOLDEN_ID_HEADER } from '../../connectors/amqp/golden-message';
import type { Customer } from '../../mappings/canonical/types';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { GoldenIntake } from '../../records/golden-intake';
import type { GoldenChangedEvent } from '../../records/golden-store';
import { createVhost, deleteVhost, eventually, queueDepth } from '../e2e/hub-process';
import { annaSchmidt } from '../fixtures/anna-schmidt';
import { all, helper, load, tempDir, useHelper, type FlowNode } from './harness';
import { sinkNode, whenStatus } from './amqp-test-nodes';

type NodeModule = { default: (red: NodeAPI) => void | Promise<void> };
const wrap = (mod: NodeModule) => (red: NodeAPI) => {
  const api = red as NodeAPI & { hooks?: unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  api.hooks ??= require('@node-red/util').hooks;
  return mod.default(red);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const syncTarget = wrap(require('../../nodes/sync-target/sync-target'));

useHelper();

let vhost = '';
let url = '';
beforeEach(() => {
  vhost = `crm-hub-fan-out-${randomUUID().slice(0, 8)}`;
  url = createVhost(vhost);
});
afterEach(() => deleteVhost(vhost));

const depth = (queue: string): number => queueDepth(vhost, queue);

/**
 * The golden-change half of the shipped Record sync tab as it is, with this run's broker and a
 * store directory of its own; the debug nodes become sinks.
 */
function shippedFanOut(): FlowNode[] {
  const hub = JSON.parse(fs.readFileSync(path.join(__dirname, '../../flows/hub.json'), 'utf8')) as FlowNode[];
  const sync = hub.filter((n) => n.z === 'tab-sync');
  const consumers = sync.filter((n) => n.type === 'amqp-in' && String(n.bindings).startsWith('crm.golden '));
  const ids = new Set<string>();
  const walk = (id: string) => {
    if (ids.has(id)) return;
    ids.add(id);
    const node = sync.find((n) => n.id === id);
    for (const out of (node?.wires as string[][] | undefined) ?? []) out.forEach(walk);
  };
  consumers.forEach((n) => walk(n.id));
  const config: FlowNode[] = [
    { id: 'cfg-broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
    { id: 'cfg-store', type: 'hub-store', databaseUrl: '', directory: tempDir('fan-out'), version: 1 },
    ...['cfg-sap', 'cfg-siebel', 'cfg-salesforce'].map((id) => hub.find((n) => n.id === id) as FlowNode),
  ];
  const flow = sync
    .filter((n) => ids.has(n.id))
    .map(({ x: _x, y: _y, z: _z, ...node }) =>
      // the debug nodes (and the Demo tab's filter before its own) become sinks: core nodes are not loaded
      node.type === 'debug' || node.id === 'sync-demo-sap'
        ? { id: node.id, type: 'amqp-test-sink' }
        : (node as FlowNode),
    );
  return [...config, ...flow];
}

describe('the shipped record sync fan-out: one target refuses a golden change', () => {
  it("dead-letters the change for that target alone; SAP's update stands and a replay does not resend it", async () => {
    const flow = shippedFanOut();
    await load([...all, syncTarget, sinkNode], flow);
    const consumers = flow.filter((n) => n.type === 'amqp-in');
    for (const consumer of consumers) await whenStatus(consumer.id, 'amqp-in.status.consuming');

    // Salesforce's contact, then SAP's record of the same customer as an organization (the echo of
    // a person sent without a form of address), then the call center's newer street: the golden
    // record is an organization that SAP takes, while Salesforce needs a LastName it has not got.
    const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
    const intake = new GoldenIntake(store);
    const organization = (system: string, id: string, street: string, minute: number): Customer => {
      const { person: _person, ...rest } = annaSchmidt(system, id, street, minute);
      return {
        ...rest,
        kind: 'organization',
        organization: { legalName: 'Schmidt Anna', nameLines: ['Schmidt', 'Anna'] },
      } as Customer;
    };
    await intake.takeCustomer(annaSchmidt('salesforce', '0035g00000AbCdE', 'Ring', 0));
    await intake.takeCustomer(organization('sap', '80042', 'Ring', 5));
    const taken = await intake.takeCustomer(organization('crm', '4711', 'Leopoldstraße', 10));
    if (taken.status !== 'applied') throw new Error(taken.status);
    const change = taken.events.filter((e) => e.type === 'golden.changed').at(-1) as GoldenChangedEvent;

    // as the golden-record node publishes it
    const broker = helper.getNode('cfg-broker') as unknown as AmqpBrokerNode;
    await broker.bus.publish('crm.golden', 'golden.changed', Buffer.from(JSON.stringify(change)), {
      messageId: change.eventId,
      contentType: 'application/json',
      headers: { [GOLDEN_ID_HEADER]: change.goldenId },
    });

    const connection = await amqplib.connect(url);
    try {
      const channel = await connection.createChannel();
      const dead = await eventually(
        async () => (await channel.get('crm.dead-letter')) || undefined,
        'the dead letter',
      );
      const headers = dead.properties.headers ?? {};
      // the target and its reason, not the reasons of every target under one message
      expect(String(headers[ORIGINAL_QUEUE_HEADER])).toMatch(/salesforce/);
      expect(String(headers[REASON_HEADER])).toMatch(/^salesforce Contact: .*LastName/);
      expect(String(headers[REASON_HEADER])).not.toMatch(/sap|siebel/);
      channel.nack(dead, false, true);
      await eventually(async () => (depth('crm.out.sap') === 1 ? true : undefined), "SAP's update");
      // (-1: never declared, as nothing was ever published to it)
      expect(depth('crm.out.salesforce')).toBeLessThanOrEqual(0);

      // the replay's default destination re-runs the refused target; SAP handled the change already
      const dlq = new DeadLetterQueue({ url });
      try {
        const replayed = await dlq.replay({ id: change.eventId });
        expect(replayed.replayed).toHaveLength(1);
      } finally {
        await dlq.close();
      }
      await eventually(
        async () => (depth('crm.dead-letter') === 1 ? true : undefined),
        'the dead letter back after the replay',
      );
      for (const consumer of consumers) {
        await eventually(
          async () => (depth(String(consumer.queue)) === 0 ? true : undefined),
          `${String(consumer.queue)} settled`,
        );
      }
      expect(depth('crm.out.sap')).toBe(1);
    } finally {
      await connection.close();
    }
  }, 60000);
});
