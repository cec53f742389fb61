import type { Node, NodeMessage } from 'node-red';
import {
  ContactRefusedError,
  contactRequestOf,
  passedContact,
  type ContactGateSettings,
  type DeclaredContact,
} from '../../policies/contact/contact-gate';
import type { ContactRequest, ContactStore, ContactVerdict } from '../../policies/contact/contact-policy';
import type { HubStoreNode } from '../hub-store/hub-store';
import { hubRuntime } from './hub-runtime';
import type { RED, StatusWords } from './red';

export { ContactRefusedError };

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
 * can switch it off. check() returns the verdict (channel-action suppresses a refused action and
 * completes the msg: a suppression is a business outcome, which amqp-in must not dead-letter);
 * enforce() turns a refusal into an error for Catch, with msg.error.code "contact-policy" and the
 * reason (consent, opt-out, quiet-hours, cooldown, cap) in msg.contactPolicy.reason.
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
    /**
     * Judges the contact like check(); a refusal throws ContactRefusedError, for a node whose one job
     * (a request) cannot be done without the contact.
     */
    async enforce(
      msg: ContactMessage,
      request: ContactRequest,
      store: ContactStore | undefined,
      refused: (verdict: ContactVerdict) => string,
    ): Promise<ContactVerdict> {
      const verdict = await this.check(msg, request, store);
      if (!verdict.allowed) throw new ContactRefusedError(refused(verdict), verdict);
      return verdict;
    },
  };
}

/**
 * The refusal of a node that shows its own status: `<type>.status.refused` on the node, and the
 * message `<type>.errors.contact-refused` for the error, both with the verdict's reason and detail.
 */
export function refusedWithStatus(RED: RED, node: Node, type: string, words: StatusWords) {
  return (verdict: ContactVerdict): string => {
    const values = { reason: verdict.reason ?? '', detail: verdict.detail };
    node.status({ fill: 'yellow', shape: 'ring', text: words(`${type}.status.refused`, values) });
    return RED._(`${type}.errors.contact-refused`, values);
  };
}
