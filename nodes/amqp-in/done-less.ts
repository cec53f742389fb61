import type { Node } from 'node-red';
import type { RED } from '../shared/red';
import { cannotComplete } from './completion-hooks';

type WiredNode = Node & { wires?: string[][]; name?: string };

/**
 * The nodes downstream of `start` (by wires, within the deployment) that cannot report completion:
 * amqp-in holds a message at such a node until it sends it on, or for the grace when it sends
 * nothing, instead of waiting for a done() that never comes. Named once at deploy, so an integrator
 * sees where a message may wait and why a dropped one is acknowledged only after the grace.
 */
export function doneLessDownstream(RED: RED, start: WiredNode): string[] {
  const seen = new Set<string>([start.id]);
  const found: string[] = [];
  const queue = (start.wires ?? []).flat();
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = RED.nodes.getNode(id) as WiredNode | null;
    if (!node) continue;
    if (cannotComplete(node)) found.push(`${node.type} "${node.name || node.id}" (${node.id})`);
    queue.push(...(node.wires ?? []).flat());
  }
  return found;
}
