import type { Node, NodeDef, NodeMessage } from 'node-red';
import { customer360, nextBestOffer, type NextBestOfferOptions } from '../../records/customer-view';
import { defaultOfferOf, deployedLurkingOffers, deployedSwitchedOff } from './contact-offers';
import type { HubStoreNode } from '../hub-store/hub-store';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { refuseMessages } from '../shared/misconfigured';
import { ensureHubRoutes } from '../shared/mount';
import { serviceLevelRulesOf } from '../shared/service-level-settings';
import { showThrottled, statusWords, type RED } from '../shared/red';
import { migrations } from './migrations';
import { copyData } from '../../formats/copy-data';
import { isStoreUnavailable, StoreUnavailableError } from '../../records/store-unavailable';

export interface NextBestOfferDef extends NodeDef {
  store: string;
  /** what to answer: the one offer for the channel, or the whole customer view */
  answer: 'next-best-offer' | 'customer-360';
  channel: string;
}

interface Query {
  customerRef?: unknown;
  channel?: unknown;
  /** where on the channel, e.g. "home" */
  point?: unknown;
  /** how many ranked offers, 1 to 10 */
  limit?: unknown;
  eventType?: unknown;
}

/**
 * Answers at contact time, from msg.payload.customerRef (and .channel, .point, .limit): the next best
 * offer, ranked over stored offers and the deployed lurking cards the contact wakes, or customer 360.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);

  function NextBestOfferNode(this: Node, saved: NextBestOfferDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<NextBestOfferDef>(saved, migrations);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    if (!storeNode) {
      refuseMessages(
        this,
        RED._('next-best-offer.errors.no-store'),
        RED._('next-best-offer.status.no-store'),
      );
      return;
    }
    let answered = 0;
    // the driver's code (55000, ECONNREFUSED) becomes the one a flow routes on, the driver's error its cause
    const unreachable = (err: unknown): never => {
      if (isStoreUnavailable(err) && !(err instanceof StoreUnavailableError)) {
        throw new StoreUnavailableError(RED._('next-best-offer.errors.store-unavailable'), { cause: err });
      }
      throw err;
    };

    onInput(this, async (msg, send) => {
      const query = (msg.payload ?? {}) as Query;
      if (typeof query.customerRef !== 'string' || !query.customerRef) {
        throw new Error(RED._('next-best-offer.errors.no-customer'));
      }
      // a caller waits for this answer: a store that is not open fails the message in a bounded time
      const store = await storeNode.readyForCaller();
      let payload: unknown;
      if (config.answer === 'customer-360') {
        payload = await customer360(
          store,
          query.customerRef,
          undefined,
          serviceLevelRulesOf(RED),
          deployedSwitchedOff,
        ).catch(unreachable);
      } else {
        const channel =
          typeof query.channel === 'string' && query.channel ? query.channel : config.channel || 'web';
        const options: NextBestOfferOptions = {
          lurking: deployedLurkingOffers,
          switchedOff: deployedSwitchedOff,
          limit: query.limit === undefined ? undefined : Number(query.limit),
        };
        if (typeof query.point === 'string' && query.point) options.point = query.point;
        if (typeof query.eventType === 'string' && query.eventType) options.eventType = query.eventType;
        const defaultOffer = defaultOfferOf(RED);
        if (defaultOffer) options.defaultOffer = defaultOffer;
        payload = await nextBestOffer(store, query.customerRef, channel, options).catch(unreachable);
      }
      answered += 1;
      showThrottled(this, () => ({
        fill: 'green',
        shape: 'dot',
        text: words('next-best-offer.status.answered', { count: answered }),
      }));
      // the embedded store shares what it read with later reads (frozen); a flow gets a copy it may change
      send({ ...msg, payload: copyData(payload) } as NodeMessage);
    });
  }

  RED.nodes.registerType('next-best-offer', NextBestOfferNode);
}
