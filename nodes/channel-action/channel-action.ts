import type { Node, NodeDef, NodeMessage } from 'node-red';
import { actionToOffer, type DecisionLike } from '../../policies/actions';
import type { HubStoreNode } from '../hub-store/hub-store';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, countText, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface ChannelActionDef extends NodeDef {
  store: string;
}

/**
 * Carries out a decision on its channel. A web offer is stored, so the customer's page finds it through
 * GET /api/v1/customers/{id}/offers; the stored id derives from policy and event, so a redelivered
 * event stores nothing twice. Every action also leaves on the output for gateways wired after it.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function ChannelAction(this: Node, saved: ChannelActionDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<ChannelActionDef>(saved, migrations);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    if (!storeNode) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('channel-action.status.no-store') });
      this.error(RED._('channel-action.errors.no-store'));
      return;
    }
    const counts = { ok: 0, failed: 0 };
    const text = countText(RED, 'channel-action');

    onInput(
      this,
      async (msg, send) => {
        const offer = actionToOffer(msg.payload as DecisionLike, new Date());
        if (offer.channel === 'web' || offer.action === 'web-offer') {
          await (await storeNode.ready).putOffer(offer);
        }
        counts.ok += 1;
        countStatus(this, counts, text);
        send({ ...msg, payload: offer } as NodeMessage);
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

  RED.nodes.registerType('channel-action', ChannelAction);
}
