import type { Node, NodeDef, NodeMessage } from 'node-red';
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
}

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

    onMappingInput<NodeMessage & { recordKind?: unknown }>(this, system, countText(RED, 'from-canonical'), {
      recordKind: (msg) => config.record || (typeof msg.recordKind === 'string' ? msg.recordKind : ''),
      map: (msg, recordKind) => system.outbound(recordKind).map(msg.payload, { recordRef: recordKind }),
    });
  }

  RED.nodes.registerType('from-canonical', FromCanonical);
}
