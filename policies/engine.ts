/**
 * One indexed evaluator for all policies. Cards are indexed by event type, so an event only meets the
 * policies written for it; each of those gets an explanation, whether it fired or not.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import { offerIdFor } from './decision-id';
import { InMemoryCapCounter, type CapCounter } from './caps';
import { compileCard, type CompiledPolicy, type Limit, type PolicyCard } from './card';
import type { Check } from './expression';

export interface Decision {
  /** deterministic from policy, event and action, so a redelivered event yields the same id */
  decisionId: string;
  policyId: string;
  /** who registered the policy, e.g. the id of the policy node that emits the decision */
  owner?: string;
  priority: number;
  action: string;
  offer?: string;
  /** channel or recipient from the card's `to`, e.g. "web", "sales-rep" */
  channel: string;
  decidedAt: string;
  /** from the card's `within` */
  expiresAt?: string;
  customerRef: string;
  eventId: string;
  title: { de: string; en: string };
}

export type Outcome = 'fired' | 'not-matched' | 'switched-off' | 'capped';

export interface Explanation {
  policyId: string;
  eventId: string;
  title: { de: string; en: string };
  outcome: Outcome;
  /** one human sentence, e.g. `not matched: customer.tier == "platinum" (actual: "gold")` */
  reason: string;
  /** every condition checked, with the value it saw */
  checks: Check[];
  /** set when outcome is "capped" */
  cap?: { scope: 'per-customer' | 'global'; limit: string; count: number };
}

export interface EvaluationContext {
  /** the customer's golden record, seen by the card's `if` as `customer` */
  customer?: Record<string, unknown>;
  isEnabled(policyId: string): boolean;
  now?: Date;
}

export interface Evaluation {
  /** highest priority first */
  decisions: Decision[];
  explanations: Explanation[];
}

export interface RegisteredPolicy {
  policy: CompiledPolicy;
  owner?: string;
}

export interface DryRunOptions {
  /** golden record per customer ref, for the card's `if` */
  customerOf?: (customerRef: string) => Record<string, unknown> | undefined;
}

const ALWAYS_ON = (): boolean => true;

export class PolicyEngine {
  private readonly byId = new Map<string, RegisteredPolicy>();
  private readonly byEventType = new Map<string, RegisteredPolicy[]>();
  private readonly caps: CapCounter;

  constructor(options: { caps?: CapCounter } = {}) {
    this.caps = options.caps ?? new InMemoryCapCounter();
  }

  /** Registering an id again replaces the earlier card (a redeploy). */
  register(policy: CompiledPolicy, owner?: string): void {
    if (typeof policy !== 'object' || policy === null || typeof policy.id !== 'string' || !policy.eventType) {
      throw new TypeError('PolicyEngine.register: expects a policy from compileCard()');
    }
    this.unregister(policy.id);
    const entry: RegisteredPolicy = owner === undefined ? { policy } : { policy, owner };
    this.byId.set(policy.id, entry);
    // Lurking policies wait for the customer's next contact; they are not triggered by events.
    if (policy.mode !== 'trigger') return;
    const list = this.byEventType.get(policy.eventType) ?? [];
    list.push(entry);
    list.sort(byPriority);
    this.byEventType.set(policy.eventType, list);
  }

  unregister(policyId: string): boolean {
    const entry = this.byId.get(policyId);
    if (!entry) return false;
    this.byId.delete(policyId);
    const list = this.byEventType.get(entry.policy.eventType);
    if (list) {
      const remaining = list.filter((item) => item !== entry);
      if (remaining.length > 0) this.byEventType.set(entry.policy.eventType, remaining);
      else this.byEventType.delete(entry.policy.eventType);
    }
    return true;
  }

  list(): RegisteredPolicy[] {
    return [...this.byId.values()].sort(byPriority);
  }

  evaluate(event: InteractionEvent, context: EvaluationContext): Evaluation {
    checkEvent(event);
    if (typeof context?.isEnabled !== 'function') {
      throw new TypeError('PolicyEngine.evaluate: context.isEnabled(policyId) is required');
    }
    const result: Evaluation = { decisions: [], explanations: [] };
    const candidates = this.byEventType.get(event.type);
    if (!candidates) return result;
    const now = context.now ?? new Date();
    for (const entry of candidates) {
      considerPolicy(entry, event, context.customer, context.isEnabled, now, this.caps, result);
    }
    // Candidates are already in priority order; the sort only matters for ties across actions.
    result.decisions.sort(byDecisionPriority);
    return result;
  }

  /**
   * Evaluates a card that is not registered against recorded events. Caps are simulated on a scratch
   * counter over the events' own times, so the real caps stay untouched.
   */
  dryRun(
    card: PolicyCard | CompiledPolicy,
    events: InteractionEvent[],
    options: DryRunOptions = {},
  ): Evaluation {
    const policy = isCompiled(card) ? card : compileCard(card);
    if (!Array.isArray(events)) throw new TypeError('PolicyEngine.dryRun: events must be an array');
    const scratch = new InMemoryCapCounter();
    const entry: RegisteredPolicy = { policy };
    const result: Evaluation = { decisions: [], explanations: [] };
    for (const event of events) {
      checkEvent(event);
      if (event.type !== policy.eventType) continue;
      const at = new Date(event.occurredAt);
      const now = Number.isNaN(at.getTime()) ? new Date() : at;
      const customer = options.customerOf?.(event.customer.ref);
      considerPolicy(entry, event, customer, ALWAYS_ON, now, scratch, result);
    }
    result.decisions.sort(byDecisionPriority);
    return result;
  }
}

function considerPolicy(
  entry: RegisteredPolicy,
  event: InteractionEvent,
  customer: Record<string, unknown> | undefined,
  isEnabled: (policyId: string) => boolean,
  now: Date,
  caps: CapCounter,
  out: Evaluation,
): void {
  const { policy } = entry;
  const base = { policyId: policy.id, eventId: event.eventId, title: policy.title };
  if (!isEnabled(policy.id)) {
    out.explanations.push({ ...base, outcome: 'switched-off', reason: 'switched off', checks: [] });
    return;
  }

  const checks: Check[] = [];
  let held = true;
  if (policy.channel !== undefined) {
    const channelHeld = event.channel === policy.channel;
    checks.push({ condition: `via ${policy.channel}`, held: channelHeld, actual: event.channel });
    held &&= channelHeld;
  }
  if (policy.where) {
    const where = policy.where(event);
    checks.push(...where.checks);
    held &&= where.held;
  }
  if (policy.condition) {
    const condition = policy.condition({ customer, event });
    checks.push(...condition.checks);
    held &&= condition.held;
  }
  if (!held) {
    const failed = checks
      .filter((check) => !check.held)
      .map((check) => `${check.condition} (actual: ${show(check.actual)})`);
    out.explanations.push({
      ...base,
      outcome: 'not-matched',
      reason: `not matched: ${failed.join('; ')}`,
      checks,
    });
    return;
  }

  const nowMs = now.getTime();
  const customerRef = event.customer.ref;
  const capKeys: string[] = [];
  const limits: [scope: 'per-customer' | 'global', limit: Limit | undefined, key: string][] = [
    ['per-customer', policy.limits.perCustomer, `${policy.id}\u0000customer\u0000${customerRef}`],
    ['global', policy.limits.global, `${policy.id}\u0000global`],
  ];
  for (const [scope, limit, key] of limits) {
    if (!limit) continue;
    const count = caps.count(key, limit.windowMs, nowMs);
    if (count >= limit.count) {
      out.explanations.push({
        ...base,
        outcome: 'capped',
        reason: `cap reached: ${scope} ${limit.text} (${count} already in the window)`,
        checks,
        cap: { scope, limit: limit.text, count },
      });
      return;
    }
    capKeys.push(key);
  }
  // Only an emitted decision counts against the caps.
  for (const key of capKeys) caps.record(key, nowMs);

  const decidedAt = now.toISOString();
  policy.actions.forEach((action, index) => {
    const decision: Decision = {
      decisionId: offerIdFor(index === 0 ? policy.id : `${policy.id}#${index + 1}`, event.eventId),
      policyId: policy.id,
      priority: policy.priority,
      action: action.action,
      channel: action.to,
      decidedAt,
      customerRef,
      eventId: event.eventId,
      title: policy.title,
    };
    if (entry.owner !== undefined) decision.owner = entry.owner;
    if (action.offer !== undefined) decision.offer = action.offer;
    if (action.withinMs !== undefined) decision.expiresAt = new Date(nowMs + action.withinMs).toISOString();
    out.decisions.push(decision);
  });
  const what = policy.actions.map((action) =>
    [action.action, action.offer, 'to', action.to].filter(Boolean).join(' '),
  );
  out.explanations.push({ ...base, outcome: 'fired', reason: `fired: ${what.join('; ')}`, checks });
}

function checkEvent(event: InteractionEvent): void {
  if (typeof event !== 'object' || event === null)
    throw new TypeError('policy evaluation: event must be an object');
  if (typeof event.type !== 'string') throw new TypeError('policy evaluation: event.type must be a string');
  if (typeof event.eventId !== 'string' || event.eventId === '') {
    throw new TypeError('policy evaluation: event.eventId must be a non-empty string');
  }
  if (typeof event.customer?.ref !== 'string')
    throw new TypeError('policy evaluation: event.customer.ref must be a string');
}

function isCompiled(card: PolicyCard | CompiledPolicy): card is CompiledPolicy {
  return (
    typeof (card as CompiledPolicy).eventType === 'string' && Array.isArray((card as CompiledPolicy).actions)
  );
}

function byPriority(a: RegisteredPolicy, b: RegisteredPolicy): number {
  return (
    b.policy.priority - a.policy.priority ||
    (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0)
  );
}

function byDecisionPriority(a: Decision, b: Decision): number {
  return b.priority - a.priority;
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
