import type { EventEmitter } from 'node:events';
import type { NodeStatus } from 'node-red';
import { helper } from './harness';

/** A node as the helper reports on it: `call:<method>` events, which Node's own typings do not list. */
export function reports(nodeId: string): EventEmitter {
  return helper.getNode(nodeId) as unknown as EventEmitter;
}

/**
 * Every status a node shows from now on. The helper reports a status call on the next tick, before any
 * message the node sent in the same handler arrives, so reading `all` after the output is deterministic.
 */
export function watchStatus(nodeId: string): { all: NodeStatus[]; last(): NodeStatus | undefined } {
  const all: NodeStatus[] = [];
  reports(nodeId).on('call:status', (call: { args: unknown[] }) => all.push(call.args[0] as NodeStatus));
  return { all, last: () => all[all.length - 1] };
}

interface StatusSpy {
  getCalls(): { thisValue: { id?: string }; args: unknown[] }[];
}

/**
 * Every status a node has shown so far, those set while it was constructed included: the helper spies
 * on the Node prototype, so the calls are there before a test can subscribe to a node's events.
 */
export function statusesSoFar(nodeId: string): NodeStatus[] {
  const prototype = (helper as unknown as { _NodePrototype: { status: StatusSpy } })._NodePrototype;
  return prototype.status
    .getCalls()
    .filter((call) => call.thisValue.id === nodeId)
    .map((call) => call.args[0] as NodeStatus);
}

/** Resolves with the first status the node shows that matches. */
export function statusMatching(nodeId: string, test: (s: NodeStatus) => boolean): Promise<NodeStatus> {
  const node = reports(nodeId);
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

/** Resolves with the error object the node hands to done(err) next. */
export function nextDoneError(nodeId: string): Promise<unknown> {
  return new Promise((resolve) =>
    reports(nodeId).once('call:error', (call: { args: unknown[] }) => resolve(call.args[0])),
  );
}
