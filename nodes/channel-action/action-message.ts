import { ACTION_KEY, routingKeyFor } from '../../connectors/amqp/routing-key';
import { childTraceparent, TRACEPARENT } from '../../connectors/http/trace-context';
import type { ActionRecord } from '../../policies/actions';
import { contactChannelOf } from '../../policies/contact/consent';
import type { EscalationRef } from '../../policies/escalation';
import type { CardVersion } from '../../policies/version';
import type { StoredOffer } from '../../records/store';

/**
 * What channel-action publishes on crm.actions for an action the contact policy let through. The
 * routing word is the contact channel, not the card's `to`: gateways bind `action.sms` or
 * `action.phone` and never have to learn the recipients marketers write on cards (sales-rep,
 * regional-manager), which stay in `to`.
 */
export interface ActionMessage {
  decisionId: string;
  policyId: string;
  /** the card version that decided; absent only for an action a flow built without one */
  cardVersion?: CardVersion;
  customerRef: string;
  /** sms, email, phone, web, app, post; internal for what never reaches the customer (escalation) */
  channel: string;
  /** the card's action word: call-task, web-offer, sms, escalation … */
  action: string;
  /** the card's `to`: a channel or a recipient such as sales-rep */
  to: string;
  offer: string;
  /** the purpose the contact policy checked: marketing unless the flow said otherwise */
  purpose?: string;
  eventId: string;
  priority: number;
  title?: Record<string, string>;
  decidedAt: string;
  expiresAt?: string;
  /** an escalation's case and level: level 0 is the card's own, `levels` counts them all */
  escalation?: EscalationRef;
  /** W3C trace context, the same as the header */
  traceparent: string;
}

export interface ActionPublication {
  routingKey: string;
  /** the decision id, so consumers deduplicate a redelivered decision */
  messageId: string;
  body: Buffer;
  headers: Record<string, string>;
  message: ActionMessage;
}

/** The ids every action carries on the msg too, for rest-request's X-CRM-* headers and soap-request. */
export interface ActionIds {
  policyId: string;
  decisionId: string;
  cardVersion?: CardVersion;
  traceparent: string;
}

export function actionIds(decision: unknown, offer: StoredOffer, traceparent: string): ActionIds {
  const cardVersion = cardVersionOf(decision);
  return {
    policyId: offer.policyId,
    decisionId: offer.offerId,
    ...(cardVersion ? { cardVersion } : {}),
    traceparent,
  };
}

/**
 * The publication of one action. `checkedChannel` is the channel the contact policy resolved; without
 * a verdict the action word, then the card's `to`, are read as channels; a word that names none is
 * used as it is, made a topic word.
 */
export function actionPublication(
  decision: unknown,
  offer: ActionRecord,
  verdict: { channel?: string; purpose?: string } | undefined,
  ids: ActionIds,
): ActionPublication {
  const channel =
    verdict?.channel ?? contactChannelOf(offer.action) ?? contactChannelOf(offer.channel) ?? offer.channel;
  const traceparent = childTraceparent(ids.traceparent);
  const decidedAt = (decision as { decidedAt?: unknown } | null)?.decidedAt;
  const message: ActionMessage = {
    decisionId: ids.decisionId,
    policyId: ids.policyId,
    ...(ids.cardVersion ? { cardVersion: ids.cardVersion } : {}),
    customerRef: offer.customerId,
    channel,
    action: offer.action,
    to: offer.channel,
    offer: offer.offer,
    ...(verdict?.purpose ? { purpose: verdict.purpose } : {}),
    eventId: offer.eventId,
    priority: offer.priority,
    ...(offer.title ? { title: offer.title } : {}),
    decidedAt: typeof decidedAt === 'string' && decidedAt ? decidedAt : offer.createdAt,
    ...(offer.expiresAt ? { expiresAt: offer.expiresAt } : {}),
    ...(offer.escalation ? { escalation: offer.escalation } : {}),
    traceparent,
  };
  const headers: Record<string, string> = {
    [TRACEPARENT]: traceparent,
    'x-crm-policy': ids.policyId,
    'x-crm-decision': ids.decisionId,
    'x-crm-action': offer.action,
    'x-crm-to': offer.channel,
  };
  if (ids.cardVersion) headers['x-crm-card-version'] = `${ids.cardVersion.number}@${ids.cardVersion.hash}`;
  return {
    routingKey: routingKeyFor(ACTION_KEY, { channel }),
    messageId: ids.decisionId,
    body: Buffer.from(JSON.stringify(message)),
    headers,
    message,
  };
}

function cardVersionOf(decision: unknown): CardVersion | undefined {
  const version = (decision as { cardVersion?: unknown } | null)?.cardVersion;
  if (!version || typeof version !== 'object') return undefined;
  const { number, hash } = version as { number?: unknown; hash?: unknown };
  return typeof number === 'number' && typeof hash === 'string' ? { number, hash } : undefined;
}
