import { offerIdFor } from './decision-id';
import type { StoredOffer } from '../records/store';

/** The fields of a decision that carrying it out needs; decisions from the engine have them all. */
export interface DecisionLike {
  decisionId?: string;
  policyId: string;
  eventId: string;
  customerRef: string;
  action: string;
  channel: string;
  offer?: string;
  target?: string;
  priority?: number;
  title?: Record<string, string>;
  expiresAt?: string;
}

/** Turns a decision into the offer/action record a channel shows; names the missing field if any. */
export function actionToOffer(decision: DecisionLike, now: Date): StoredOffer {
  if (!decision || typeof decision !== 'object')
    throw new Error('channel-action needs a decision in msg.payload');
  for (const field of ['policyId', 'eventId', 'customerRef', 'action', 'channel'] as const) {
    if (typeof decision[field] !== 'string' || !decision[field]) {
      throw new Error(`decision field '${field}' is missing or not a string`);
    }
  }
  return {
    offerId: decision.decisionId || offerIdFor(decision.policyId, decision.eventId),
    customerId: decision.customerRef,
    channel: decision.channel,
    action: decision.action,
    offer: decision.offer ?? decision.target ?? decision.action,
    policyId: decision.policyId,
    eventId: decision.eventId,
    priority: decision.priority ?? 50,
    ...(decision.title ? { title: decision.title } : {}),
    createdAt: now.toISOString(),
    ...(decision.expiresAt ? { expiresAt: decision.expiresAt } : {}),
    status: 'open',
  };
}
