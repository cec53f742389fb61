import type { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { BusError } from '../../connectors/amqp/bus-error';
import { helper, type FlowNode } from './harness';

/** The end of a test flow: it says done for every message, as real nodes do, so amqp-in can ack. */
export function sinkNode(RED: NodeAPI): void {
  RED.nodes.registerType('amqp-test-sink', function (this: Node, config: NodeDef) {
    RED.nodes.createNode(this, config);
    this.on('input', (_msg: unknown, _send: unknown, done: () => void) => done());
  });
}

/**
 * A node whose store refuses connections the first time it sees a message with eventId "e-outage",
 * as a golden-record node does while PostgreSQL restarts: it fails with the driver's error (code
 * ECONNREFUSED), which a function node would flatten into text. The second time it passes it on.
 */
export function flakyStoreNode(RED: NodeAPI): void {
  RED.nodes.registerType('store-outage-test', function (this: Node, config: NodeDef) {
    RED.nodes.createNode(this, config);
    let seen = 0;
    this.on('input', (input: unknown, send: (m: NodeMessage) => void, done: (e?: Error) => void) => {
      const msg = input as NodeMessage & { payload?: { eventId?: string } };
      if (msg.payload?.eventId === 'e-outage' && ++seen === 1) {
        done(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5439'), { code: 'ECONNREFUSED' }));
        return;
      }
      send({ ...msg, seen } as NodeMessage);
      done();
    });
  });
}

/**
 * A stand-in for amqp-out while the broker is away: the first message it gets fails as amqp-out's
 * publish does then (BusError not-connected), every later one passes on.
 */
export function publishOutageNode(RED: NodeAPI): void {
  RED.nodes.registerType('publish-outage-test', function (this: Node, config: NodeDef) {
    RED.nodes.createNode(this, config);
    let seen = 0;
    this.on('input', (msg: unknown, send: (m: NodeMessage) => void, done: (e?: Error) => void) => {
      if (++seen === 1) return done(new BusError('not-connected', 'the bus is not connected'));
      send(msg as NodeMessage);
      done();
    });
  });
}

interface StatusCall {
  thisValue: unknown;
  args: unknown[];
}

function statusText(args: unknown[]): string {
  return String((args[0] as { text?: unknown } | undefined)?.text);
}

/**
 * Resolves once the node has shown the status text, now or earlier: the helper spies on every
 * node's status(), so a status set while the flow was starting is not missed.
 */
export function whenStatus(nodeId: string, text: string): Promise<void> {
  const node = helper.getNode(nodeId);
  const spy = node.status as unknown as { getCalls(): StatusCall[] };
  if (spy.getCalls().some((c) => c.thisValue === node && statusText(c.args) === text))
    return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (call: { args: unknown[] }) => {
      if (statusText(call.args) !== text) return;
      (node as unknown as EventEmitter).off('call:status', listener);
      resolve();
    };
    (node as unknown as EventEmitter).on('call:status', listener);
  });
}

/**
 * amqp-out on broker node 'broker' straight to a queue (`queue` empty: the one msg.queue names, as
 * from-canonical's message does), into the sink 'sent'.
 */
export function amqpOutToQueue(queue: string): FlowNode[] {
  return [
    {
      id: 'out',
      type: 'amqp-out',
      broker: 'broker',
      exchange: '',
      routingKey: '',
      destination: 'queue',
      queue,
      wires: [['sent']],
      version: 2,
    },
    { id: 'sent', type: 'amqp-test-sink' },
  ];
}
