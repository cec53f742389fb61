import type { Node, NodeMessage } from 'node-red';
import type { MapResult } from '../../mappings/engine';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { countStatus, errorMessage, type Done, type Send, type StatusCounts } from './red';

/**
 * The input handling to-canonical and from-canonical share: a mapped record leaves output 1; a rejected
 * one leaves output 2 with the reason in msg.error and reaches Catch nodes through done(err). An invalid
 * record never stops the stream.
 */
export function mapAndSend(
  node: Node,
  counts: StatusCounts,
  system: LegacySystemNode,
  recordKind: string,
  map: () => MapResult<unknown>,
  msg: NodeMessage,
  send: Send,
  done: Done,
): void {
  let result: MapResult<unknown>;
  try {
    result = map();
  } catch (err) {
    result = { ok: false, error: { field: '', rule: 'mapping', message: errorMessage(err) } };
  }
  if (result.ok) counts.ok += 1;
  else counts.failed += 1;
  countStatus(node, counts, 'mapped');
  if (result.ok) {
    send([{ ...msg, payload: result.value } as NodeMessage, null]);
    done();
    return;
  }
  send([null, { ...msg, error: { ...result.error, system: system.systemId } } as NodeMessage]);
  done(new Error(`${system.systemId} ${recordKind}: ${result.error.message}`));
}
