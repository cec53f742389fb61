import type { Node, NodeDef } from 'node-red';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import type { SoapMessage } from '../soap-in/soap-in';
import { mapAndSend } from '../shared/mapping-node';
import { ensureHubRoutes } from '../shared/mount';
import type { Done, RED, Send } from '../shared/red';

export interface ToCanonicalDef extends NodeDef {
  system: string;
  /** the record kind to map (a SOAP operation, an IDoc type); empty: msg.soap.operation, then msg.topic */
  record: string;
}

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function ToCanonical(this: Node, config: ToCanonicalDef) {
    RED.nodes.createNode(this, config);
    const system = RED.nodes.getNode(config.system) as LegacySystemNode | null;
    if (!system) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('to-canonical.status.no-system') });
      this.error(RED._('to-canonical.errors.no-system'));
      return;
    }
    const counts = { ok: 0, failed: 0 };

    this.on('input', (msg: SoapMessage, send: Send, done: Done) => {
      const recordKind = config.record || msg.soap?.operation || msg.topic || '';
      const map = () => {
        const payload = msg.payload;
        if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
          throw new Error(RED._('to-canonical.errors.not-an-object'));
        }
        return system.inbound(recordKind).map(payload as Record<string, unknown>, { recordRef: recordKind });
      };
      mapAndSend(this, counts, system, recordKind, map, msg, send, done);
    });
  }

  RED.nodes.registerType('to-canonical', ToCanonical);
}
