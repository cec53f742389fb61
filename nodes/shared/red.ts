import type { Node, NodeAPI, NodeMessage } from 'node-red';

/** Node-RED types the @types package leaves out or types too loosely for our glue. */
export type RED = NodeAPI;

export type Done = (err?: Error) => void;
export type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;

export interface StatusCounts {
  ok: number;
  failed: number;
}

/** The words of a counting node's status; they come from the node's locale, German users read them too. */
export type CountText = (counts: StatusCounts) => string;

/**
 * The CountText of a node type whose locale has `status.counted` (e.g. "__ok__ mapped") and
 * `status.counted-rejected` (e.g. "__ok__ mapped, __failed__ rejected"). The second key exists because
 * the word order around the two numbers differs between languages.
 */
export function countText(RED: RED, type: string): CountText {
  return ({ ok, failed }) =>
    RED._(`${type}.status.${failed ? 'counted-rejected' : 'counted'}`, { ok, failed });
}

/**
 * Green while everything passed, yellow once something was rejected. A plain label is the old English
 * form ("3 published, 1 rejected"), kept until every caller words its status from its locale.
 */
export function countStatus(node: Node, counts: StatusCounts, text: CountText | string = 'ok'): void {
  const words =
    typeof text === 'function'
      ? text(counts)
      : `${counts.ok} ${text}${counts.failed ? `, ${counts.failed} rejected` : ''}`;
  node.status({ fill: counts.failed > 0 ? 'yellow' : 'green', shape: 'dot', text: words });
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
