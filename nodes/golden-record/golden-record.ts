import type { Node, NodeDef, NodeMessage } from 'node-red';
import { applyToGoldenRecord } from '../../records/golden-record';
import type { HubStoreNode } from '../hub-store/hub-store';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, errorMessage, type Done, type RED, type Send } from '../shared/red';

export interface GoldenRecordDef extends NodeDef {
  store: string;
}

/** Keeps canonical customers and their interaction history in the hub store. */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function GoldenRecord(this: Node, config: GoldenRecordDef) {
    RED.nodes.createNode(this, config);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    if (!storeNode) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('golden-record.status.no-store') });
      this.error(RED._('golden-record.errors.no-store'));
      return;
    }
    const counts = { ok: 0, failed: 0 };

    this.on('input', (msg: NodeMessage, send: Send, done: Done) => {
      void (async () => {
        try {
          const result = await applyToGoldenRecord(await storeNode.ready, msg.payload);
          counts.ok += 1;
          countStatus(this, counts, 'records');
          send({ ...msg, goldenRecord: result } as NodeMessage);
          done();
        } catch (err) {
          counts.failed += 1;
          countStatus(this, counts, 'records');
          done(new Error(errorMessage(err)));
        }
      })();
    });
  }

  RED.nodes.registerType('golden-record', GoldenRecord);
}
