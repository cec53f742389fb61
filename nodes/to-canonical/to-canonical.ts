import type { Node, NodeDef } from 'node-red';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import type { SoapMessage } from '../soap-in/soap-in';
import { onMappingInput } from '../shared/mapping-node';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { countText, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface ToCanonicalDef extends NodeDef {
  system: string;
  /** the record kind to map (a SOAP operation, an IDoc type); empty: msg.soap.operation, then msg.topic */
  record: string;
}

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function ToCanonical(this: Node, saved: ToCanonicalDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<ToCanonicalDef>(saved, migrations);
    const system = RED.nodes.getNode(config.system) as LegacySystemNode | null;
    if (!system) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('to-canonical.status.no-system') });
      this.error(RED._('to-canonical.errors.no-system'));
      return;
    }

    onMappingInput<SoapMessage>(this, system, countText(RED, 'to-canonical'), {
      recordKind: (msg) => config.record || msg.soap?.operation || msg.topic || '',
      map: (msg, recordKind) => {
        const payload = msg.payload;
        if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
          throw new Error(RED._('to-canonical.errors.not-an-object'));
        }
        // legacy decode names the record in a packet (IDOC[2] DOCNUM …), so a dead letter says which
        const ref = (msg as { recordRef?: unknown }).recordRef;
        return system.inbound(recordKind).map(payload as Record<string, unknown>, {
          recordRef: typeof ref === 'string' && ref ? ref : recordKind,
        });
      },
    });
  }

  RED.nodes.registerType('to-canonical', ToCanonical);
}
