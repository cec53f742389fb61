import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import type { NodeAPI } from 'node-red';
import type { RED } from '../../nodes/shared/red';

helper.init(require.resolve('node-red'));

/** The node API our modules received in the last load; its httpNode is the app our routes live on. */
export const captured: { red?: RED } = {};

type NodeModule = { default: (red: NodeAPI) => void | Promise<void> };

// The helper's mock runtime has no hooks; the real runtime's flows trigger @node-red/util's, so the
// tests hand those to the modules, as Node-RED itself does.
function wrap(mod: NodeModule) {
  return (red: NodeAPI) => {
    const api = red as NodeAPI & { hooks?: unknown };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    api.hooks ??= require('@node-red/util').hooks;
    captured.red = red;
    return mod.default(red);
  };
}

/* eslint-disable @typescript-eslint/no-require-imports */
export const nodes = {
  amqpBroker: wrap(require('../../nodes/amqp-broker/amqp-broker')),
  hubStore: wrap(require('../../nodes/hub-store/hub-store')),
  legacySystem: wrap(require('../../nodes/legacy-system/legacy-system')),
  soapService: wrap(require('../../nodes/soap-service/soap-service')),
  soapIn: wrap(require('../../nodes/soap-in/soap-in')),
  soapResponse: wrap(require('../../nodes/soap-response/soap-response')),
  toCanonical: wrap(require('../../nodes/to-canonical/to-canonical')),
  fromCanonical: wrap(require('../../nodes/from-canonical/from-canonical')),
  amqpOut: wrap(require('../../nodes/amqp-out/amqp-out')),
  amqpIn: wrap(require('../../nodes/amqp-in/amqp-in')),
  policyEngine: wrap(require('../../nodes/policy-engine/policy-engine')),
  policy: wrap(require('../../nodes/policy/policy')),
  channelAction: wrap(require('../../nodes/channel-action/channel-action')),
  goldenRecord: wrap(require('../../nodes/golden-record/golden-record')),
  nextBestOffer: wrap(require('../../nodes/next-best-offer/next-best-offer')),
};
/** core nodes the tests wire between ours */
export const core = {
  fn: require('@node-red/nodes/core/function/10-function.js'),
  catchNode: require('@node-red/nodes/core/common/25-catch.js'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const all = Object.values(nodes);

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `crm-hub-${prefix}-`));
}

export function useHelper(): void {
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });
}

/** Resolves with the next message a node receives; assertions happen outside the handler. */
export function nextInput<T = Record<string, unknown>>(nodeId: string): Promise<T> {
  const node = helper.getNode(nodeId);
  return new Promise((resolve) => node.once('input', (msg: T) => resolve(msg)));
}

/** Resolves with the next error a node reports (node.error / done(err)). */
export function nextError(nodeId: string): Promise<string> {
  const node = helper.getNode(nodeId);
  return new Promise((resolve) =>
    node.once('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0]))),
  );
}

export const RABBIT_URL = process.env.TEST_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';

export { helper };

/** Messages the runtime logged for a node at error level (node.error during construction included). */
export function loggedErrors(nodeId: string): string[] {
  const spy = helper.log() as unknown as { args: { level: number; id?: string; msg?: unknown }[][] };
  return spy.args
    .map((a) => a[0])
    .filter((e) => e && e.id === nodeId && e.level === 20)
    .map((e) => String(e.msg));
}

/** What the node logged as warnings (node.warn), oldest first. */
export function loggedWarnings(nodeId: string): string[] {
  const spy = helper.log() as unknown as { args: { level: number; id?: string; msg?: unknown }[][] };
  return spy.args
    .map((a) => a[0])
    .filter((e) => e && e.id === nodeId && e.level === 30)
    .map((e) => String(e.msg));
}

export type FlowNode = { id: string; type: string; [property: string]: unknown };

/** helper.load with flow nodes typed loosely: every node type has its own properties. */
export function load(
  modules: unknown[],
  flow: FlowNode[],
  credentials?: Record<string, Record<string, string>>,
): Promise<void> {
  return helper.load(
    modules as Parameters<typeof helper.load>[0],
    flow as Parameters<typeof helper.load>[1],
    credentials,
  );
}
