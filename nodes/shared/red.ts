import type { Node, NodeAPI, NodeMessage } from 'node-red';

/** Node-RED types the @types package leaves out or types too loosely for our glue. */
export type RED = NodeAPI;

export type Done = (err?: Error) => void;
export type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;

export interface StatusCounts {
  ok: number;
  failed: number;
}

export function countStatus(node: Node, counts: StatusCounts, label = 'ok'): void {
  node.status({
    fill: counts.failed > 0 ? 'yellow' : 'green',
    shape: 'dot',
    text: `${counts.ok} ${label}${counts.failed ? `, ${counts.failed} rejected` : ''}`,
  });
}

export { errorMessage } from '../../formats/error-message';

/**
 * Node-RED leaves `${VAR}` as it is when VAR is not set; for our URL fields that means "not
 * configured", so the embedded bus or store is used.
 */
export function configuredValue(value: string | undefined): string {
  const v = (value ?? '').trim();
  return /^\$\{\S+\}$/.test(v) ? '' : v;
}
