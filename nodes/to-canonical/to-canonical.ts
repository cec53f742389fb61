import type { Node, NodeDef } from 'node-red';
import type { MapResult } from '../../mappings/engine';
import type { DecodedRecord, LegacyFormat } from '../../records/golden-legacy-format';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import type { SoapMessage } from '../soap-in/soap-in';
import { onMappingInput } from '../shared/mapping-node';
import { migrate } from '../shared/migrate';
import { refuseMessages } from '../shared/misconfigured';
import { ensureHubRoutes } from '../shared/mount';
import { countText, errorMessage, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface ToCanonicalDef extends NodeDef {
  system: string;
  /**
   * the record kind to map (a SOAP operation, an IDoc type); empty: msg.soap.operation, then msg.topic,
   * then the spec's format.recordKind / recordKindFrom or its only kind
   */
  record: string;
}

type ToCanonicalMessage = SoapMessage & { recordRef?: unknown; amqp?: { contentType?: unknown } };

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function ToCanonical(this: Node, saved: ToCanonicalDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<ToCanonicalDef>(saved, migrations);
    const system = RED.nodes.getNode(config.system) as LegacySystemNode | null;
    if (!system) {
      refuseMessages(this, RED._('to-canonical.errors.no-system'), RED._('to-canonical.status.no-system'));
      return;
    }

    const named = (msg: ToCanonicalMessage) => config.record || msg.soap?.operation || msg.topic || '';
    const refused = (message: string, record?: string): MapResult<ToCanonicalMessage> => ({
      ok: false,
      error: { field: '', rule: 'decode', message, ...(record === undefined ? {} : { record }) },
    });
    /** A document in the system's format (IDoc XML, CSV, JSON text …) holding one record, as legacy-decode reads it. */
    const decodeOne = async (msg: ToCanonicalMessage): Promise<MapResult<ToCanonicalMessage>> => {
      let records: DecodedRecord[];
      try {
        const format = system.legacyFormat();
        const contentType = typeof msg.amqp?.contentType === 'string' ? msg.amqp.contentType : undefined;
        // two are enough to say "several": a large document is not read whole to be refused
        records = await format.decode(body(format, msg.payload as Buffer | string), named(msg), {
          contentType,
          maxRecords: 1,
        });
      } catch (err) {
        return refused(errorMessage(err));
      }
      if (records.some((r) => 'limit' in r))
        return refused(RED._('to-canonical.errors.several-records', { count: '2+' }));
      const failed = records.find((r) => 'error' in r);
      if (failed && 'error' in failed) return refused(failed.error, failed.ref);
      const [first] = records;
      if (records.length !== 1 || !('record' in first))
        return refused(
          records.length === 0
            ? RED._('to-canonical.errors.no-record')
            : RED._('to-canonical.errors.several-records', { count: records.length }),
        );
      return { ok: true, value: { ...msg, payload: first.record } };
    };

    onMappingInput<ToCanonicalMessage>(this, system, countText(RED, 'to-canonical'), {
      // a Record the spec lacks, or any kind a message may name or the spec may resolve
      problem: () => system.problem('inbound', config.record ? [config.record] : undefined),
      decode: (msg) =>
        typeof msg.payload === 'string' || Buffer.isBuffer(msg.payload) ? decodeOne(msg) : undefined,
      recordKind: (msg) => {
        const payload = msg.payload;
        if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
          throw new Error(RED._('to-canonical.errors.not-an-object'));
        }
        const kind = named(msg);
        if (kind) return { ok: true, value: kind };
        // as the CLI reads a file: the spec's format.recordKind / recordKindFrom, or its only kind
        const fromSpec = system.inboundKindOf(payload as Record<string, unknown>, recordRef(msg));
        return (
          fromSpec ?? {
            ok: false,
            error: { field: '', rule: 'recordKind', message: RED._('to-canonical.errors.no-record-kind') },
          }
        );
      },
      map: (msg, recordKind) =>
        system.inbound(recordKind).map(msg.payload as Record<string, unknown>, {
          recordRef: recordRef(msg) ?? recordKind,
        }),
    });
  }

  /**
   * JSON text parsed, as legacy-decode takes a parsed body: then a single record need not sit under the
   * spec's format.recordsPath (a Salesforce Contact as GET sobjects/Contact/{Id} returns it).
   */
  function body(format: LegacyFormat, payload: Buffer | string): Buffer | string | object {
    if (format.format.kind !== 'json' && format.format.kind !== 'soap') return payload;
    const text = (typeof payload === 'string' ? payload : payload.toString('utf8')).replace(/^\uFEFF/, '');
    try {
      return JSON.parse(text) as object;
    } catch (err) {
      throw new Error(RED._('to-canonical.errors.not-json', { error: errorMessage(err) }), { cause: err });
    }
  }

  /** legacy-decode names the record in a packet (IDOC[2] DOCNUM …), so a dead letter says which */
  function recordRef(msg: ToCanonicalMessage): string | undefined {
    return typeof msg.recordRef === 'string' && msg.recordRef ? msg.recordRef : undefined;
  }

  RED.nodes.registerType('to-canonical', ToCanonical);
}
