import type { Node, NodeDef, NodeMessage } from 'node-red';
import { LegacyFormat, maxRecordsOf, splitInboundKey } from '../../records/golden-legacy-format';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { onInput } from '../shared/input';
import { specStatusText } from '../shared/mapping-node';
import { migrate } from '../shared/migrate';
import { refuseMessages } from '../shared/misconfigured';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, countText, errorMessage, type RED } from '../shared/red';
import { RecordLimitError, UndecodableRecordError, undecodableRecords } from './decode-errors';
import { migrations } from './migrations';
import { systemSpecOf } from './system-spec';

export { RecordLimitError, UndecodableRecordError, undecodableRecords };

export interface LegacyDecodeDef extends NodeDef {
  system: string;
  /** the most records one message may hold, as typed; empty: DEFAULT_MAX_RECORDS */
  maxRecords?: string;
}

/**
 * A legacy system's message (IDoc XML, Siebel XML, JSON, CSV or fixed-width lines, as its mapping spec
 * says) to the record trees to-canonical maps: one message per record, msg.topic its record kind.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);
  const text = countText(RED, 'legacy-decode');

  function LegacyDecode(this: Node, saved: LegacyDecodeDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<LegacyDecodeDef>(saved, migrations);
    const system = RED.nodes.getNode(config.system) as LegacySystemNode | null;
    if (!system) {
      refuseMessages(this, RED._('legacy-decode.errors.no-system'), RED._('legacy-decode.status.no-system'));
      return;
    }
    let format: LegacyFormat | undefined;
    let formatError: Error | undefined;
    try {
      format = new LegacyFormat(systemSpecOf(RED, system));
    } catch (err) {
      formatError = new Error(RED._('legacy-decode.errors.spec', { error: errorMessage(err) }), {
        cause: err,
      });
      this.error(formatError.message);
      this.status({ fill: 'red', shape: 'ring', text: specStatusText(errorMessage(err)) });
    }
    let maxRecords = 0;
    try {
      maxRecords = maxRecordsOf(config.maxRecords);
    } catch (err) {
      formatError = new Error(RED._('legacy-decode.errors.max-records', { error: errorMessage(err) }));
      format = undefined;
      this.error(formatError.message);
    }
    const counts = { ok: 0, failed: 0 };

    onInput<NodeMessage & { amqp?: { routingKey?: unknown; contentType?: unknown } }>(
      this,
      async (msg, send) => {
        if (!format) throw formatError;
        const key = typeof msg.amqp?.routingKey === 'string' ? msg.amqp.routingKey : String(msg.topic ?? '');
        const contentType = typeof msg.amqp?.contentType === 'string' ? msg.amqp.contentType : undefined;
        const type = splitInboundKey(key).messageType;
        const body = msg.payload as Buffer | string | object;
        const items = await format.decode(body, type, { contentType, maxRecords });
        if (items.some((item) => 'limit' in item)) throw new RecordLimitError(format.system, maxRecords);
        if (items.length === 0)
          throw new UndecodableRecordError(format.system, 'document', 'holds no record');
        // record by record: the good ones go on, the bad ones fail the message (amqp-in dead-letters it
        // once the good ones are stored; the golden record takes a replayed good one as a repeat)
        const failures: { ref: string; error: string }[] = [];
        let taken = 0;
        for (const r of items) {
          if ('record' in r) {
            taken += 1;
            send({ ...msg, payload: r.record, topic: r.recordKind, recordRef: r.ref } as NodeMessage);
          } else failures.push(r);
        }
        counts.ok += taken;
        countStatus(this, counts, text);
        if (failures.length > 0) throw undecodableRecords(format.system, failures, taken);
      },
      {
        errorStatus: false,
        onError: () => {
          counts.failed += 1;
          countStatus(this, counts, text);
        },
      },
    );
  }

  RED.nodes.registerType('legacy-decode', LegacyDecode);
}
