import type { Node, NodeDef, NodeMessage } from 'node-red';
import { LegacyFormat } from '../../records/golden-legacy-format';
import { systemSpecOf } from '../legacy-decode/system-spec';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { onMappingInput } from '../shared/mapping-node';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { countText, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface FromCanonicalDef extends NodeDef {
  system: string;
  /** the legacy record kind to produce (an IDoc type, a SOAP operation); empty: msg.recordKind */
  record: string;
  /** "record": the record tree; "document": written in the system's format (IDoc XML, …), as text */
  output: 'record' | 'document';
}

type FromCanonicalMessage = NodeMessage & { recordKind?: unknown; contentType?: unknown };

/** The reverse of to-canonical: a canonical document to the record tree a legacy system receives. */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function FromCanonical(this: Node, saved: FromCanonicalDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<FromCanonicalDef>(saved, migrations);
    const system = RED.nodes.getNode(config.system) as LegacySystemNode | null;
    if (!system) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('from-canonical.status.no-system') });
      this.error(RED._('from-canonical.errors.no-system'));
      return;
    }
    // compiled on first use, so a spec that cannot be read fails its messages with the reason
    let format: LegacyFormat | undefined;
    const formatOf = () => (format ??= new LegacyFormat(systemSpecOf(RED, system)));

    onMappingInput<FromCanonicalMessage>(this, system, countText(RED, 'from-canonical'), {
      recordKind: (msg) => config.record || (typeof msg.recordKind === 'string' ? msg.recordKind : ''),
      map: (msg, recordKind) => {
        const mapped = system.outbound(recordKind).map(msg.payload, { recordRef: recordKind });
        if (!mapped.ok || config.output !== 'document') return mapped;
        const document = formatOf().encode(mapped.value);
        // amqp-out publishes a text payload with msg.contentType as it is (an IDoc stays XML)
        msg.contentType = document.contentType;
        return { ok: true, value: document.text };
      },
    });
  }

  RED.nodes.registerType('from-canonical', FromCanonical);
}
