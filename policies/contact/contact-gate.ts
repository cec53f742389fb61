/**
 * The contact policy in front of whatever sends something out: which contact an outgoing message
 * declares, the verdict on it, and the policy's action counted in the response ledger. Nothing here
 * knows the message's transport; the caller hands over the fields it read off the message.
 */
import type { ContactOutcome, ResponseLedger } from '../response-ledger';
import {
  ContactPolicyError,
  type ContactPolicy,
  type ContactPolicySettings,
  type ContactReason,
  type ContactRequest,
  type ContactSource,
  type ContactVerdict,
} from './contact-policy';

/** What a flow declares as a customer contact, e.g. { channel: 'sms', purpose: 'marketing' }. */
export interface DeclaredContact {
  channel?: string;
  purpose?: string;
  customerRef?: string;
  policyId?: string;
  offer?: string;
  /** the same on every delivery; else the idempotency key, the decision id, the event id or the message id */
  id?: string;
}

/** Where an outgoing message's contact is read from, as the caller found them on the message. */
export interface ContactClues {
  /** what the flow declared, if anything (any value; only an object counts) */
  declared?: unknown;
  customerRef?: unknown;
  idempotencyKey?: unknown;
  /** a decision, an offer or an event: their customer, ids, policy and offer */
  payload?: unknown;
  /** the message's own id: the contact id when nothing steadier names it */
  messageId: string;
}

/** The hub's settings the gate follows (settings.js `crmHub`). */
export interface ContactGateSettings {
  contactPolicy?: ContactPolicySettings;
  responses?: { ignoreAfter?: string };
}

/**
 * The contact policy refused: `kind` "contact-policy" for a flow to route on, and the reason (consent,
 * opt-out, quiet-hours, cooldown, cap) with the verdict.
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
 * The contact the message declares, filled in from what the sender knows (a decision's channel, a
 * node's configured channel and purpose); undefined when neither declares one.
 */
export function contactRequestOf(
  clues: ContactClues,
  known: DeclaredContact = {},
): ContactRequest | undefined {
  const declared =
    typeof clues.declared === 'object' && clues.declared !== null
      ? (clues.declared as DeclaredContact)
      : undefined;
  const channel = text(declared?.channel) ?? text(known.channel);
  if (!declared && !channel) return undefined;
  const payload = objectOf(clues.payload);
  const customerRef =
    text(declared?.customerRef) ??
    text(clues.customerRef) ??
    text(payload.customerRef) ??
    text(payload.customerId) ??
    text((payload.customer as { ref?: unknown } | undefined)?.ref) ??
    text(known.customerRef);
  const contactId =
    text(declared?.id) ??
    text(known.id) ??
    text(clues.idempotencyKey) ??
    text(payload.decisionId) ??
    text(payload.offerId) ??
    text(payload.eventId) ??
    clues.messageId;
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
 * The contact as it passed, to declare on the message from then on: a sender further on checks the
 * same contact again under the same id, so a cap counts it once.
 */
export function passedContact(
  declared: DeclaredContact | undefined,
  verdict: ContactVerdict,
): DeclaredContact {
  return {
    ...declared,
    ...(verdict.channel ? { channel: verdict.channel } : {}),
    purpose: verdict.purpose,
    ...(verdict.customerRef ? { customerRef: verdict.customerRef } : {}),
    ...(verdict.policyId ? { policyId: verdict.policyId } : {}),
    ...(verdict.offer ? { offer: verdict.offer } : {}),
    id: verdict.contactId,
  };
}

/**
 * What the response ledger counts for a policy's action, delivered or refused, under the id a response
 * will name (the decision id); undefined for a contact no policy decided.
 */
export function contactOutcomeOf(
  verdict: ContactVerdict,
  payload: unknown,
  customer: Record<string, unknown> | undefined,
): ContactOutcome | undefined {
  const policyId = verdict.policyId;
  if (!policyId) return undefined;
  const action = objectOf(payload);
  const expiresAt = text(action.expiresAt);
  return {
    policyId,
    actionId: text(action.decisionId) ?? text(action.offerId) ?? verdict.contactId,
    allowed: verdict.allowed,
    at: Date.parse(verdict.checkedAt),
    ...(verdict.customerRef ? { customerRef: verdict.customerRef } : {}),
    ...(customer ? { customer } : {}),
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

/**
 * The hub's one contact policy and its response ledger, judged together: every verdict on a policy's
 * action is counted in the ledger in the background, since statistics never hold up a delivery.
 */
export class ContactGate {
  constructor(
    readonly policy: ContactPolicy,
    private readonly ledger: Pick<ResponseLedger, 'configure' | 'background' | 'recordContact'>,
  ) {}

  /**
   * Applies the hub's settings and returns what was wrong with them, one message each. A policy whose
   * settings are refused keeps its last good ones (at first the defaults), which are never more lenient.
   */
  configure(settings: ContactGateSettings | undefined): string[] {
    const problems: string[] = [];
    const policySettings = settings?.contactPolicy;
    if (policySettings && typeof policySettings === 'object') {
      try {
        this.policy.configure(policySettings);
      } catch (err) {
        problems.push(err instanceof ContactPolicyError ? err.message : String(err));
      }
    }
    try {
      this.ledger.configure(settings?.responses ?? {});
    } catch (err) {
      problems.push(`crmHub.responses.${(err as Error).message}`);
    }
    return problems;
  }

  /**
   * Judges the contact. `action` is what is being sent (a decision or an offer), whose ids and answer
   * window the ledger keeps; a contact declared by the same action again counts once.
   */
  async judge(
    request: ContactRequest,
    source: ContactSource & { action?: unknown },
  ): Promise<ContactVerdict> {
    const verdict = await this.policy.check(request, { store: source.store, customer: source.customer });
    const outcome = contactOutcomeOf(verdict, source.action, source.customer);
    if (outcome) {
      const ledger = this.ledger;
      ledger.background(`counting the contact ${verdict.contactId}`, () => ledger.recordContact(outcome));
    }
    return verdict;
  }
}

function objectOf(value: unknown): Record<string, unknown> {
  return (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
