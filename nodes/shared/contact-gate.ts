import type { Node, NodeMessage } from 'node-red';
import {
  contactRequestOf,
  passedContact,
  type ContactGateSettings,
  type DeclaredContact,
} from '../../policies/contact/contact-gate';
import type { ContactRequest, ContactStore, ContactVerdict } from '../../policies/contact/contact-policy';
import type { HubStoreNode } from '../hub-store/hub-store';
import { hubRuntime } from './hub-runtime';
import type { RED, StatusWords } from './red';

/** msg.contact declares a customer contact, e.g. msg.contact = { channel: 'sms', purpose: 'marketing' }. */
export type ContactMessage = NodeMessage & {
  contact?: DeclaredContact;
  customerRef?: unknown;
  customer?: Record<string, unknown>;
  idempotencyKey?: unknown;
  /** the contact policy's verdict, passed or refused */
  contactPolicy?: ContactVerdict;
};

/**
 * The contact the msg declares (msg.contact, else what the node knows: a decision's channel, the node's
 * configured channel and purpose), read from msg.customerRef, msg.idempotencyKey and the payload's ids;
 * undefined when neither the msg nor the node declares one.
 */
export function contactOf(msg: ContactMessage, known: DeclaredContact = {}): ContactRequest | undefined {
  return contactRequestOf(
    {
      declared: msg.contact,
      customerRef: msg.customerRef,
      idempotencyKey: msg.idempotencyKey,
      payload: msg.payload,
      messageId: String(msg._msgid),
    },
    known,
  );
}

/**
 * The contact policy in front of a node that sends something out. It is the hub's one policy
 * (hubRuntime.contactGate), configured from settings.js `crmHub.contactPolicy`; nothing on the node
 * can switch it off. check() returns the verdict. Every node that sends something out (channel-action,
 * soap-request, rest-request) suppresses a refused contact and completes the msg: a suppression is a
 * business outcome, which an amqp-in before it must acknowledge, not dead-letter. The msg leaves on the
 * node's second output with msg.suppressed (suppressionOf) and the verdict in msg.contactPolicy.
 */
export function contactGate(RED: RED, node: Node) {
  const settings = (RED.settings as unknown as { crmHub?: ContactGateSettings }).crmHub;
  for (const problem of hubRuntime.contactGate.configure(settings)) node.error(problem);
  return {
    /**
     * The hub's store, for a node without one of its own: the first hub-store deployed, waited for
     * while it still opens (a database not up yet), so a contact is not refused for a store on its way.
     */
    async store(): Promise<ContactStore | undefined> {
      const open = hubRuntime.store();
      if (open) return open;
      let id: string | undefined;
      RED.nodes.eachNode((def: { id: string; type: string }) => {
        if (!id && def.type === 'hub-store') id = def.id;
      });
      const storeNode = id ? (RED.nodes.getNode(id) as HubStoreNode | null) : null;
      return storeNode ? storeNode.ready : undefined;
    },
    /**
     * Judges the contact and returns the verdict, refused or not, without throwing: a suppression is
     * a normal outcome of the contact policy, not a failure of the message. Sets msg.contactPolicy,
     * and on a pass msg.contact, so a node further on checks the same contact again under the same id
     * (a cap counts it once).
     */
    async check(
      msg: ContactMessage,
      request: ContactRequest,
      store: ContactStore | undefined,
    ): Promise<ContactVerdict> {
      const verdict = await hubRuntime.contactGate.judge(request, {
        store,
        customer: msg.customer,
        action: msg.payload,
      });
      msg.contactPolicy = verdict;
      if (verdict.allowed) msg.contact = passedContact(msg.contact, verdict);
      return verdict;
    },
  };
}

/** What a suppressed msg carries as msg.suppressed: the contact policy's reason and why. */
export interface Suppression {
  reason: string;
  detail: string;
  /** quiet hours and cooldowns: when the contact would pass, for a flow that prefers to delay */
  retryAfter?: string;
}

export function suppressionOf(verdict: ContactVerdict): Suppression {
  return {
    reason: verdict.reason ?? 'consent',
    detail: verdict.detail,
    ...(verdict.retryAfter ? { retryAfter: verdict.retryAfter } : {}),
  };
}

/**
 * The suppression of a node that shows its own status (soap-request, rest-request, whose status
 * follows their client's circuit): `<type>.status.suppressed` with the count and the latest reason on
 * the node, and `<type>.log.suppressed` at debug level; returns what goes on msg.suppressed.
 */
export function suppressedWithStatus(RED: RED, node: Node, type: string, words: StatusWords) {
  let count = 0;
  return (verdict: ContactVerdict): Suppression => {
    const suppressed = suppressionOf(verdict);
    count += 1;
    node.status({
      fill: 'yellow',
      shape: 'ring',
      text: words(`${type}.status.suppressed`, { count, reason: suppressed.reason }),
    });
    node.debug(RED._(`${type}.log.suppressed`, { ...suppressed }));
    return suppressed;
  };
}
