import type { Node, NodeDef, NodeMessage } from 'node-red';
import { actionToOffer, type DecisionLike } from '../../policies/actions';
import type { HubStoreNode } from '../hub-store/hub-store';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, errorMessage, type Done, type RED, type Send } from '../shared/red';

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

  function ChannelAction(this: Node, config: ChannelActionDef) {
    RED.nodes.createNode(this, config);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    if (!storeNode) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('channel-action.status.no-store') });
      this.error(RED._('channel-action.errors.no-store'));
      return;
    }
    const counts = { ok: 0, failed: 0 };

    this.on('input', (msg: NodeMessage, send: Send, done: Done) => {
      void (async () => {
        try {
          const offer = actionToOffer(msg.payload as DecisionLike, new Date());
          if (offer.channel === 'web' || offer.action === 'web-offer') {
            await (await storeNode.ready).putOffer(offer);
          }
          counts.ok += 1;
          countStatus(this, counts, 'actions');
          send({ ...msg, payload: offer } as NodeMessage);
          done();
        } catch (err) {
          counts.failed += 1;
          countStatus(this, counts, 'actions');
          done(new Error(errorMessage(err)));
        }
      })();
    });
  }

  RED.nodes.registerType('channel-action', ChannelAction);
}
