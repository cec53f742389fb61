import type { Node, NodeDef, NodeMessage } from 'node-red';
import { LegacyFormat, splitInboundKey } from '../../records/golden-legacy-format';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, countText, errorMessage, type RED } from '../shared/red';
import { migrations } from './migrations';
import { systemSpecOf } from './system-spec';

export interface LegacyDecodeDef extends NodeDef {
  system: string;
}

/** A message a legacy system sent in its own format that the hub cannot read: what Catch nodes see. */
export class UndecodableRecordError extends Error {
  readonly kind = 'rejected';
  constructor(
    readonly system: string,
    readonly ref: string,
    reason: string,
  ) {
    super(`${system} ${ref}: ${withoutPrefix(reason, system, ref)}`);
    this.name = 'UndecodableRecordError';
  }
}

/**
 * The readers and the record-kind resolver already name the line or record ("line 6: …", "sap IDOC[1]:
 * …"); said once is enough.
 */
function withoutPrefix(reason: string, system: string, ref: string): string {
  const prefixes = [`${system} ${ref}: `, `${ref}: `, `${system}: `];
  let rest = reason;
  for (let found = true; found;) {
    const prefix = prefixes.find((p) => rest.startsWith(p));
    found = prefix !== undefined;
    if (prefix) rest = rest.slice(prefix.length);
  }
  return rest;
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
      this.status({ fill: 'red', shape: 'ring', text: RED._('legacy-decode.status.no-system') });
      this.error(RED._('legacy-decode.errors.no-system'));
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
    }
    const counts = { ok: 0, failed: 0 };

    onInput<NodeMessage & { amqp?: { routingKey?: unknown } }>(
      this,
      async (msg, send) => {
        if (!format) throw formatError;
        const key = typeof msg.amqp?.routingKey === 'string' ? msg.amqp.routingKey : String(msg.topic ?? '');
        const records = await format.decode(
          msg.payload as Buffer | string | object,
          splitInboundKey(key).messageType,
        );
        const failed = records.find((r) => 'error' in r);
        // a message is one unit: a bad record in it dead-letters the whole message with the reason
        if (failed && 'error' in failed)
          throw new UndecodableRecordError(format.system, failed.ref, failed.error);
        if (records.length === 0)
          throw new UndecodableRecordError(format.system, 'document', 'holds no record');
        counts.ok += records.length;
        countStatus(this, counts, text);
        for (const r of records) {
          if ('record' in r)
            send({ ...msg, payload: r.record, topic: r.recordKind, recordRef: r.ref } as NodeMessage);
        }
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
