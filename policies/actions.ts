import { offerIdFor } from './decision-id';
import type { EscalationRef } from './escalation';
import type { StoredOffer } from '../records/store';

/**
 * What a channel carries out: the offer record, and for an escalation the level of its case, so the
 * mail or task can say "level 2 of 3". The escalation is not part of a stored web offer.
 */
export interface ActionRecord extends StoredOffer {
  escalation?: EscalationRef;
}

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
  /** on an escalation's decisions: its case and level (policies/escalation.ts) */
  escalation?: unknown;
}

/** Turns a decision into the offer/action record a channel shows; names the missing field if any. */
export function actionToOffer(decision: DecisionLike, now: Date): ActionRecord {
  if (!decision || typeof decision !== 'object')
    throw new Error('channel-action needs a decision in msg.payload');
  for (const field of ['policyId', 'eventId', 'customerRef', 'action', 'channel'] as const) {
    if (typeof decision[field] !== 'string' || !decision[field]) {
      throw new Error(`decision field '${field}' is missing or not a string`);
    }
  }
  const escalation = escalationOf(decision.escalation);
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
    ...(escalation ? { escalation } : {}),
  };
}

/** The stored offer of an action record: what the customer's page reads, without the escalation. */
export function storedOfferOf(record: ActionRecord): StoredOffer {
  const { escalation: _escalation, ...offer } = record;
  return offer;
}

/** A decision's escalation as the engine makes it, or a clear error naming the field that is wrong. */
function escalationOf(value: unknown): EscalationRef | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error("decision field 'escalation' must be { processId, level, levels, until }");
  }
  const { processId, level, levels, until } = value as Record<string, unknown>;
  if (typeof processId !== 'string' || processId === '') {
    throw new Error("decision field 'escalation.processId' is missing or not a string");
  }
  const whole = (n: unknown, min: number) => typeof n === 'number' && Number.isInteger(n) && n >= min;
  if (!whole(level, 0)) throw new Error("decision field 'escalation.level' must be a whole number from 0");
  if (!whole(levels, 1) || (levels as number) <= (level as number)) {
    throw new Error("decision field 'escalation.levels' must be a whole number above escalation.level");
  }
  if (!Array.isArray(until) || !until.every((type) => typeof type === 'string')) {
    throw new Error("decision field 'escalation.until' must be a list of event types");
  }
  return { processId, level: level as number, levels: levels as number, until: [...(until as string[])] };
}
