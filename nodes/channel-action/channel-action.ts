import type { Node, NodeDef, NodeMessage } from 'node-red';
import { continueTrace } from '../../connectors/http/trace-context';
import { actionToOffer, storedOfferOf, type DecisionLike } from '../../policies/actions';
import { contactChannelOf } from '../../policies/contact/consent';
import { isOfferResponse, recordOfferResponse } from '../../policies/contact/responses';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import type { HubStoreNode } from '../hub-store/hub-store';
import { contactGate, contactOf, suppressionOf, type ContactMessage } from '../shared/contact-gate';
import { hubRuntime } from '../shared/hub-runtime';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { refuseMessages } from '../shared/misconfigured';
import { ensureHubRoutes } from '../shared/mount';
import { showThrottled, statusWords, type RED } from '../shared/red';
import { traceparentOf } from '../shared/trace';
import { actionIds, actionPublication } from './action-message';
import { actionPublisher } from './action-publisher';
import { migrations } from './migrations';

export interface ChannelActionDef extends NodeDef {
  store: string;
  /** optional amqp-broker: every action is then published on crm.actions, confirmed, before it goes on */
  broker?: string;
}

/**
 * Carries out a decision on its channel. Every action passes the contact policy first (consent,
 * opt-out, quiet hours, cooldown, caps); a refused one is suppressed: it leaves on the second output
 * with msg.suppressed {reason, detail} and the msg completes without an error (a suppression is a
 * business outcome, not bad input). A web offer is stored, so the customer's page finds it through
 * GET /api/v1/customers/{id}/offers; the stored id derives from policy and event, so a redelivered
 * event stores nothing twice. With a broker, the action is published on crm.actions as
 * `action.<channel>` (message id = decision id) and confirmed before it goes on. Every action also
 * leaves on the output for gateways wired after it, with msg.policyId, decisionId, cardVersion and
 * traceparent; an escalation's payload keeps its `escalation` (case, level, levels, until). A customer's answer (a canonical response) is recorded instead, so a decline starts
 * the cooldown.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);

  function ChannelAction(this: Node, saved: ChannelActionDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<ChannelActionDef>(saved, migrations);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    if (!storeNode) {
      refuseMessages(this, RED._('channel-action.errors.no-store'), RED._('channel-action.status.no-store'));
      return;
    }
    const broker = config.broker ? (RED.nodes.getNode(config.broker) as AmqpBrokerNode | null) : null;
    if (config.broker && !broker) {
      refuseMessages(
        this,
        RED._('channel-action.errors.no-broker'),
        RED._('channel-action.status.no-broker'),
      );
      return;
    }
    const publisher = broker ? actionPublisher(RED, this, broker) : undefined;
    const gate = contactGate(RED, this);
    const counts = { ok: 0, failed: 0, refused: 0 };
    const show = () =>
      showThrottled(this, () => {
        const key = counts.refused ? 'counted-refused' : counts.failed ? 'counted-rejected' : 'counted';
        const fill = counts.failed || counts.refused ? 'yellow' : 'green';
        return { fill, shape: 'dot', text: words(`channel-action.status.${key}`, { ...counts }) };
      });

    onInput<ContactMessage>(
      this,
      async (msg, send) => {
        const store = await storeNode.ready;
        if (isOfferResponse(msg.payload)) {
          await recordOfferResponse(hubRuntime.contactPolicy, store, msg.payload, hubRuntime.responseLedger);
          send(msg);
          return;
        }
        const offer = actionToOffer(msg.payload as DecisionLike, new Date());
        const channel = contactChannelOf(offer.action) ? offer.action : offer.channel;
        const request = contactOf(msg, { channel, id: offer.offerId, customerRef: offer.customerId });
        const verdict = request ? await gate.check(msg, request, store) : undefined;
        const ids = actionIds(msg.payload, offer, continueTrace(traceparentOf(msg)));
        if (verdict && !verdict.allowed) {
          // suppressed, not failed: the msg completes, so amqp-in acknowledges the event instead of
          // dead-lettering it; the second output, the status and the response ledger show it
          counts.refused += 1;
          show();
          const suppressed = suppressionOf(verdict);
          this.debug(RED._('channel-action.log.suppressed', { ...suppressed }));
          send([null, { ...msg, ...ids, suppressed, payload: offer } as NodeMessage]);
          return;
        }
        if (offer.channel === 'web' || offer.action === 'web-offer')
          await store.putOffer(storedOfferOf(offer));
        const amqp = publisher
          ? await publisher.publish(actionPublication(msg.payload, offer, verdict, ids))
          : undefined;
        counts.ok += 1;
        show();
        send({ ...msg, ...ids, ...(amqp ? { amqp } : {}), payload: offer } as NodeMessage);
      },
      {
        errorStatus: false,
        onError: () => {
          counts.failed += 1;
          show();
        },
      },
    );

    this.on('close', (_removed: boolean, done: () => void) => {
      if (publisher) publisher.close(done);
      else done();
    });
  }

  RED.nodes.registerType('channel-action', ChannelAction);
}
