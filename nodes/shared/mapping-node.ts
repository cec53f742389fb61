import type { Node, NodeMessage } from 'node-red';
import type { MapResult, MappingError } from '../../mappings/engine';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { onInput } from './input';
import { countStatus, errorMessage, type CountText, type Send, type StatusCounts } from './red';

/** A record the mapping refused: what Catch nodes see, with the field a flow can route on. */
export class RecordRejectedError extends Error {
  readonly kind = 'rejected';
  constructor(
    readonly system: string,
    readonly recordKind: string,
    readonly reason: MappingError,
  ) {
    // the record in a packet (IDOC[2] DOCNUM …) when the caller named one beyond its kind; the kind is
    // empty when the record was refused before one was known
    const record = reason.record && reason.record !== recordKind ? ` ${reason.record}` : '';
    const kind = recordKind ? ` ${recordKind}` : '';
    super(`${system}${kind}${record}: ${reason.message}`);
    this.name = 'RecordRejectedError';
  }
}

export interface Mapping<M extends NodeMessage> {
  /** why the system's spec cannot map what this node asks of it; checked once, at deploy */
  problem(): Error | undefined;
  /** the one record a document (text, a Buffer) holds; undefined when the payload is a record already */
  decode?(msg: M): Promise<MapResult<M>> | undefined;
  /** which record kind of the system's spec the message holds or should become; an error rejects it */
  recordKind(msg: M): MapResult<string>;
  map(msg: M, recordKind: string): MapResult<unknown>;
}

/**
 * A spec error on a status line: without the "mapping <system>/" it starts with (the config node names
 * the system), so the record kind, the rule and the field fit; the log has all of it.
 */
const STATUS_LENGTH = 120;
export function specStatusText(message: string): string {
  const text = message.replace(/^(outbound )?mapping [a-z0-9-]+\//, '');
  return text.length > STATUS_LENGTH ? `${text.slice(0, STATUS_LENGTH - 1)}…` : text;
}

/**
 * The input handling to-canonical and from-canonical share: a mapped record leaves output 1; a rejected
 * one leaves output 2 with the reason in msg.error and reaches Catch nodes through done(err). An invalid
 * record never stops the stream. The status counts both, so it keeps its counts when a record fails.
 */
export function onMappingInput<M extends NodeMessage>(
  node: Node,
  system: LegacySystemNode,
  text: CountText,
  mapping: Mapping<M>,
): void {
  // a spec that cannot compile turns the node red now, not at the first record; its records then fail
  // with the same error
  const problem = mapping.problem();
  if (problem) {
    node.error(problem.message);
    node.status({ fill: 'red', shape: 'ring', text: specStatusText(problem.message) });
  }
  const counts: StatusCounts = { ok: 0, failed: 0 };
  const reject = (msg: M, send: Send, recordKind: string, reason: MappingError): never => {
    send([null, { ...msg, error: { ...reason, system: system.systemId } } as NodeMessage]);
    throw new RecordRejectedError(system.systemId, recordKind, reason);
  };
  const mapOne = (msg: M, send: Send): void => {
    let recordKind = '';
    let result: MapResult<unknown>;
    try {
      const kind = mapping.recordKind(msg);
      result = kind.ok ? mapping.map(msg, (recordKind = kind.value)) : kind;
    } catch (err) {
      // a spec that cannot map this kind at all: output 2 still gets the reason, Catch the original
      const reason = { field: '', rule: 'mapping', message: errorMessage(err) };
      send([null, { ...msg, error: { ...reason, system: system.systemId } } as NodeMessage]);
      throw err;
    }
    if (!result.ok) return reject(msg, send, recordKind, result.error);
    counts.ok += 1;
    countStatus(node, counts, text);
    send([{ ...msg, payload: result.value } as NodeMessage, null]);
  };
  onInput<M>(
    node,
    (msg, send) => {
      const decoding = mapping.decode?.(msg);
      if (decoding === undefined) return mapOne(msg, send);
      return decoding.then((decoded) => {
        if (!decoded.ok) return reject(msg, send, '', decoded.error);
        mapOne(decoded.value, send);
      });
    },
    {
      errorStatus: false,
      onError: () => {
        counts.failed += 1;
        countStatus(node, counts, text);
      },
    },
  );
}
