import type { Node, NodeMessage } from 'node-red';
import type { MapResult, MappingError } from '../../mappings/engine';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { onInput } from './input';
import { countStatus, errorMessage, type CountText, type StatusCounts } from './red';

/** A record the mapping refused: what Catch nodes see, with the field a flow can route on. */
export class RecordRejectedError extends Error {
  readonly kind = 'rejected';
  constructor(
    readonly system: string,
    readonly recordKind: string,
    readonly reason: MappingError,
  ) {
    // the record in a packet (IDOC[2] DOCNUM …) when the caller named one beyond its kind
    const record = reason.record && reason.record !== recordKind ? ` ${reason.record}` : '';
    super(`${system} ${recordKind}${record}: ${reason.message}`);
    this.name = 'RecordRejectedError';
  }
}

export interface Mapping<M extends NodeMessage> {
  /** which record kind of the system's spec the message holds or should become */
  recordKind(msg: M): string;
  map(msg: M, recordKind: string): MapResult<unknown>;
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
  const counts: StatusCounts = { ok: 0, failed: 0 };
  onInput<M>(
    node,
    (msg, send) => {
      const recordKind = mapping.recordKind(msg);
      let result: MapResult<unknown>;
      try {
        result = mapping.map(msg, recordKind);
      } catch (err) {
        // a spec that cannot map this kind at all: output 2 still gets the reason, Catch the original
        const reason = { field: '', rule: 'mapping', message: errorMessage(err) };
        send([null, { ...msg, error: { ...reason, system: system.systemId } } as NodeMessage]);
        throw err;
      }
      if (!result.ok) {
        send([null, { ...msg, error: { ...result.error, system: system.systemId } } as NodeMessage]);
        throw new RecordRejectedError(system.systemId, recordKind, result.error);
      }
      counts.ok += 1;
      countStatus(node, counts, text);
      send([{ ...msg, payload: result.value } as NodeMessage, null]);
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
