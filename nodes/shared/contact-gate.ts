import type { Node, NodeMessage } from 'node-red';
import {
  ContactPolicyError,
  type ContactPolicySettings,
  type ContactReason,
  type ContactRequest,
  type ContactStore,
  type ContactVerdict,
} from '../../policies/contact/contact-policy';
import type { HubStoreNode } from '../hub-store/hub-store';
import { hubRuntime } from './hub-runtime';
import type { RED, StatusWords } from './red';

/** What a flow sets to declare a customer contact, e.g. msg.contact = { channel: 'sms', purpose: 'marketing' }. */
export interface MessageContact {
  channel?: string;
  purpose?: string;
  customerRef?: string;
  policyId?: string;
  offer?: string;
  /** the same on every delivery; else msg.idempotencyKey, the decision id, the event id or msg._msgid */
  id?: string;
}

export type ContactMessage = NodeMessage & {
  contact?: MessageContact;
  customerRef?: unknown;
  customer?: Record<string, unknown>;
  idempotencyKey?: unknown;
  /** the contact policy's verdict, passed or refused */
  contactPolicy?: ContactVerdict;
};

/**
 * The contact policy refused: a Catch node sees msg.error.code "contact-policy", and the reason
 * (consent, opt-out, quiet-hours, cooldown, cap) in msg.contactPolicy.reason.
 */
export class ContactRefusedError extends Error {
  readonly kind = 'contact-policy';
  readonly reason: ContactReason;
  constructor(
    message: string,
    readonly verdict: ContactVerdict,
  ) {
    super(message);
    this.name = 'ContactRefusedError';
    this.reason = verdict.reason ?? 'consent';
  }
}

/**
 * The contact the msg declares, filled in from what the node knows (a decision's channel, the node's
 * configured channel and purpose); undefined when neither the msg nor the node declares one.
 */
export function contactOf(msg: ContactMessage, known: MessageContact = {}): ContactRequest | undefined {
  const declared = typeof msg.contact === 'object' && msg.contact !== null ? msg.contact : undefined;
  const channel = text(declared?.channel) ?? text(known.channel);
  if (!declared && !channel) return undefined;
  const payload = (typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : {}) as Record<
    string,
    unknown
  >;
  const customerRef =
    text(declared?.customerRef) ??
    text(msg.customerRef) ??
    text(payload.customerRef) ??
    text(payload.customerId) ??
    text((payload.customer as { ref?: unknown } | undefined)?.ref) ??
    text(known.customerRef);
  const contactId =
    text(declared?.id) ??
    text(known.id) ??
    text(msg.idempotencyKey) ??
    text(payload.decisionId) ??
    text(payload.offerId) ??
    text(payload.eventId) ??
    String(msg._msgid);
  const request: ContactRequest = { contactId };
  const set = <K extends keyof ContactRequest>(key: K, value: ContactRequest[K] | undefined) => {
    if (value !== undefined) request[key] = value;
  };
  set('customerRef', customerRef);
  set('channel', channel);
  set('purpose', text(declared?.purpose) ?? text(known.purpose));
  set('policyId', text(declared?.policyId) ?? text(known.policyId) ?? text(payload.policyId));
  set('offer', text(declared?.offer) ?? text(known.offer) ?? text(payload.offer));
  return request;
}

/**
 * The contact policy in front of a node that sends something out. It is the hub's one policy
 * (hubRuntime.contactPolicy), configured from settings.js `crmHub.contactPolicy`; nothing on the node
 * can switch it off.
 */
export function contactGate(RED: RED, node: Node) {
  const hubSettings = (
    RED.settings as unknown as {
      crmHub?: { contactPolicy?: ContactPolicySettings; responses?: { ignoreAfter?: string } };
    }
  ).crmHub;
  const settings = hubSettings?.contactPolicy;
  if (settings && typeof settings === 'object') {
    try {
      hubRuntime.contactPolicy.configure(settings);
    } catch (err) {
      // the policy keeps its last good settings (at first the defaults), which are never more lenient
      node.error(err instanceof ContactPolicyError ? err.message : String(err));
    }
  }
  try {
    hubRuntime.responseLedger.configure(hubSettings?.responses ?? {});
  } catch (err) {
    node.error(`crmHub.responses.${(err as Error).message}`);
  }
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
     * Judges the contact; a refusal throws ContactRefusedError (after setting msg.contactPolicy), a
     * pass sets msg.contactPolicy and msg.contact, so a node further on checks the same contact again
     * under the same id (a cap counts it once).
     */
    async enforce(
      msg: ContactMessage,
      request: ContactRequest,
      store: ContactStore | undefined,
      refused: (verdict: ContactVerdict) => string,
    ): Promise<ContactVerdict> {
      const verdict = await hubRuntime.contactPolicy.check(request, { store, customer: msg.customer });
      msg.contactPolicy = verdict;
      countForPolicy(msg, verdict);
      if (!verdict.allowed) throw new ContactRefusedError(refused(verdict), verdict);
      msg.contact = {
        ...msg.contact,
        ...(verdict.channel ? { channel: verdict.channel } : {}),
        purpose: verdict.purpose,
        ...(verdict.customerRef ? { customerRef: verdict.customerRef } : {}),
        ...(verdict.policyId ? { policyId: verdict.policyId } : {}),
        ...(verdict.offer ? { offer: verdict.offer } : {}),
        id: verdict.contactId,
      };
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

/**
 * A policy's action, delivered or refused, goes into the response ledger under the id a response will
 * name (the decision id), in the background: statistics never hold up a delivery. Checked again by a
 * node further on, it counts once.
 */
function countForPolicy(msg: ContactMessage, verdict: ContactVerdict): void {
  const policyId = verdict.policyId;
  if (!policyId) return;
  const payload = (typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : {}) as Record<
    string,
    unknown
  >;
  const ledger = hubRuntime.responseLedger;
  const expiresAt = text(payload.expiresAt);
  ledger.background(`counting the contact ${verdict.contactId}`, () =>
    ledger.recordContact({
      policyId,
      actionId: text(payload.decisionId) ?? text(payload.offerId) ?? verdict.contactId,
      allowed: verdict.allowed,
      at: Date.parse(verdict.checkedAt),
      ...(verdict.customerRef ? { customerRef: verdict.customerRef } : {}),
      ...(msg.customer ? { customer: msg.customer } : {}),
      ...(verdict.reason ? { reason: verdict.reason } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    }),
  );
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
