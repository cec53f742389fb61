import type { Node, NodeDef, NodeMessage } from 'node-red';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { mapAndSend } from '../shared/mapping-node';
import { ensureHubRoutes } from '../shared/mount';
import type { Done, RED, Send } from '../shared/red';

export interface FromCanonicalDef extends NodeDef {
  system: string;
  /** the legacy record kind to produce (an IDoc type, a SOAP operation); empty: msg.recordKind */
  record: string;
}

/** The reverse of to-canonical: a canonical document to the record tree a legacy system receives. */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function FromCanonical(this: Node, config: FromCanonicalDef) {
    RED.nodes.createNode(this, config);
    const system = RED.nodes.getNode(config.system) as LegacySystemNode | null;
    if (!system) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('from-canonical.status.no-system') });
      this.error(RED._('from-canonical.errors.no-system'));
      return;
    }
    const counts = { ok: 0, failed: 0 };

    this.on('input', (msg: NodeMessage & { recordKind?: unknown }, send: Send, done: Done) => {
      const recordKind = config.record || (typeof msg.recordKind === 'string' ? msg.recordKind : '');
      const map = () => system.outbound(recordKind).map(msg.payload, { recordRef: recordKind });
      mapAndSend(this, counts, system, recordKind, map, msg, send, done);
    });
  }

  RED.nodes.registerType('from-canonical', FromCanonical);
}
