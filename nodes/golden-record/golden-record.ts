import type { Node, NodeDef, NodeMessage } from 'node-red';
import { applyToGoldenRecord } from '../../records/golden-record';
import type { HubStoreNode } from '../hub-store/hub-store';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, countText, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface GoldenRecordDef extends NodeDef {
  store: string;
}

/** Keeps canonical customers and their interaction history in the hub store. */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function GoldenRecord(this: Node, saved: GoldenRecordDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<GoldenRecordDef>(saved, migrations);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    if (!storeNode) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('golden-record.status.no-store') });
      this.error(RED._('golden-record.errors.no-store'));
      return;
    }
    const counts = { ok: 0, failed: 0 };
    const text = countText(RED, 'golden-record');

    onInput(
      this,
      async (msg, send) => {
        const result = await applyToGoldenRecord(await storeNode.ready, msg.payload);
        counts.ok += 1;
        countStatus(this, counts, text);
        send({ ...msg, goldenRecord: result } as NodeMessage);
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

  RED.nodes.registerType('golden-record', GoldenRecord);
}
