import type { Node, NodeDef, NodeMessage } from 'node-red';
import { customer360, nextBestOffer } from '../../records/customer-view';
import type { HubStoreNode } from '../hub-store/hub-store';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, type Done, type RED, type Send } from '../shared/red';

export interface NextBestOfferDef extends NodeDef {
  store: string;
  /** what to answer: the one offer for the channel, or the whole customer view */
  answer: 'next-best-offer' | 'customer-360';
  channel: string;
}

interface Query {
  customerRef?: unknown;
  channel?: unknown;
}

/** Answers at contact time, from msg.payload.customerRef (and .channel): next best offer or customer 360. */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function NextBestOfferNode(this: Node, config: NextBestOfferDef) {
    RED.nodes.createNode(this, config);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    if (!storeNode) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('next-best-offer.status.no-store') });
      this.error(RED._('next-best-offer.errors.no-store'));
      return;
    }
    let answered = 0;

    this.on('input', (msg: NodeMessage, send: Send, done: Done) => {
      void (async () => {
        try {
          const query = (msg.payload ?? {}) as Query;
          if (typeof query.customerRef !== 'string' || !query.customerRef) {
            throw new Error(RED._('next-best-offer.errors.no-customer'));
          }
          const store = await storeNode.ready;
          let payload: unknown;
          if (config.answer === 'customer-360') {
            payload = await customer360(store, query.customerRef);
          } else {
            const channel =
              typeof query.channel === 'string' && query.channel ? query.channel : config.channel || 'web';
            payload = await nextBestOffer(store, query.customerRef, channel);
          }
          answered += 1;
          this.status({ fill: 'green', shape: 'dot', text: `${answered} answered` });
          send({ ...msg, payload } as NodeMessage);
          done();
        } catch (err) {
          done(new Error(errorMessage(err)));
        }
      })();
    });
  }

  RED.nodes.registerType('next-best-offer', NextBestOfferNode);
}
