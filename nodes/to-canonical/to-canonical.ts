import type { Node, NodeDef, NodeMessage } from 'node-red';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import type { SoapMessage } from '../soap-in/soap-in';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, errorMessage, type Done, type RED, type Send } from '../shared/red';

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
      try {
        const payload = msg.payload;
        if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
          throw new Error(RED._('to-canonical.errors.not-an-object'));
        }
        const result = system
          .inbound(recordKind)
          .map(payload as Record<string, unknown>, { recordRef: recordKind });
        if (result.ok) {
          counts.ok += 1;
          countStatus(this, counts, 'mapped');
          send([{ ...msg, payload: result.value } as NodeMessage, null]);
          done();
          return;
        }
        counts.failed += 1;
        countStatus(this, counts, 'mapped');
        const error = { ...result.error, system: system.systemId };
        // The second output carries the reason for a flow that answers the caller; done(err) lets a
        // Catch node see the same rejection.
        send([null, { ...msg, error } as NodeMessage]);
        done(new Error(`${system.systemId} ${recordKind}: ${result.error.message}`));
      } catch (err) {
        counts.failed += 1;
        countStatus(this, counts, 'mapped');
        const error = { message: errorMessage(err), rule: 'mapping', system: system.systemId };
        send([null, { ...msg, error } as NodeMessage]);
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  RED.nodes.registerType('to-canonical', ToCanonical);
}
