import type { Node, NodeDef, NodeMessage } from 'node-red';
import { withDocumentNumber } from '../../formats/idoc/idoc-record';
import { RecordEncodeError } from '../../formats/record-streams/record-sink';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { onMappingInput } from '../shared/mapping-node';
import { migrate } from '../shared/migrate';
import { refuseMessages } from '../shared/misconfigured';
import { ensureHubRoutes } from '../shared/mount';
import { countText, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface FromCanonicalDef extends NodeDef {
  system: string;
  /**
   * the legacy record kind to produce (an IDoc type, a SOAP operation); empty: msg.recordKind, then the
   * spec's format.outboundRecordKind or its only outbound kind
   */
  record: string;
  /** "record": the record tree; "document": in the system's format (IDoc XML as text, CSV as bytes, …) */
  output: 'record' | 'document';
}

type FromCanonicalMessage = NodeMessage & {
  recordKind?: unknown;
  contentType?: unknown;
  messageId?: unknown;
};

/** what names this update: sync-target's messageId (stable across redeliveries), else the msg's own id */
const documentIdOf = (msg: FromCanonicalMessage): string =>
  typeof msg.messageId === 'string' && msg.messageId !== '' ? msg.messageId : String(msg._msgid);

/** The reverse of to-canonical: a canonical document to the record tree a legacy system receives. */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function FromCanonical(this: Node, saved: FromCanonicalDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<FromCanonicalDef>(saved, migrations);
    const system = RED.nodes.getNode(config.system) as LegacySystemNode | null;
    if (!system) {
      refuseMessages(
        this,
        RED._('from-canonical.errors.no-system'),
        RED._('from-canonical.status.no-system'),
      );
      return;
    }
    const document = config.output === 'document';

    onMappingInput<FromCanonicalMessage>(this, system, countText(RED, 'from-canonical'), {
      // the Record (or every kind a message may name) and, for documents, the system's format
      problem: () =>
        system.problem('outbound', config.record ? [config.record] : undefined) ??
        (document ? formatProblem(system) : undefined),
      recordKind: (msg) => {
        // as `crm-hub map --reverse` picks it: the spec's format.outboundRecordKind, or its only kind
        const kind =
          config.record ||
          (typeof msg.recordKind === 'string' ? msg.recordKind : '') ||
          system.outboundKind();
        if (kind) return { ok: true, value: kind };
        return {
          ok: false,
          error: { field: '', rule: 'recordKind', message: RED._('from-canonical.errors.no-record-kind') },
        };
      },
      map: (msg, recordKind) => {
        const result = system.outbound(recordKind).map(msg.payload, { recordRef: recordKind });
        // an IDoc gets its number from the update's message id (sync-target: one per change and record)
        const mapped = result.ok
          ? { ...result, value: withDocumentNumber(result.value, documentIdOf(msg)) }
          : result;
        if (!mapped.ok || !document) return mapped;
        let written;
        try {
          written = system.legacyFormat().encode(mapped.value, recordKind);
        } catch (err) {
          if (!(err instanceof RecordEncodeError)) throw err;
          return { ok: false, error: { field: err.field, rule: 'encode', message: err.message } };
        }
        // amqp-out publishes the payload (text, or CSV bytes in the system's charset) with msg.contentType
        msg.contentType = written.contentType;
        return { ok: true, value: written.body };
      },
    });
  }

  function formatProblem(system: LegacySystemNode): Error | undefined {
    try {
      system.legacyFormat();
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  RED.nodes.registerType('from-canonical', FromCanonical);
}
