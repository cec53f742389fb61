/**
 * Lurking cards at contact time. A `mode: lurking` card never fires on an event: it waits until a
 * matching customer contacts the hub (a web page, the app, a call) and is answered there as an offer.
 * evaluateLurking() judges every registered lurking card against one contact, synchronously and with the
 * same compiled predicates as trigger cards, in this order: switch, schedule, `when` (contact type,
 * `via`, `where`), `if`, history, cooldown, holdout. It is read-only: showing an offer takes no cap and
 * records nothing, so asking twice gives the same answer.
 *
 * Offer ids: offerIdFor(policyId, "lurking" + customerRef + the contact's UTC day). A lurking offer shown
 * twice on one day (a page reload, a second channel) is the same offer, and a response to it is recorded
 * against one id; on the next day the customer sees a new offer with a new id.
 */
import type { Channel, InteractionEvent } from '../mappings/canonical/types';
import { ANY_EVENT, type CompiledPolicy, type Cooldown, type PolicyAction } from './card';
import { offerIdFor } from './decision-id';
import type { Explanation, Outcome, RegisteredPolicy } from './engine';
import { describeActual, type Check } from './expression';
import type { HistoryView } from './history';
import { inHoldout } from './holdout';
import { DEFAULT_PRIOR_STRENGTH, learnedPropensity, segmentOf, type PropensitySource } from './propensity';
import type { ScoreResult } from './score';
import type { CardVersion } from './version';

/** A customer's contact with the hub: where they are now. */
export interface Contact {
  customerRef: string;
  /** the channel of the contact, e.g. "web" */
  channel: string;
  /** where on the channel, e.g. "home"; a card's `where` sees it as `data.point` */
  point?: string;
  /** the kind of contact, e.g. "web-visit"; a card with `when: event web-visit …` needs it */
  eventType?: string;
  /** an id for the contact; made from customer, channel and time when left out */
  contactId?: string;
}

export interface LurkingContext {
  /** the customer's golden record, seen by the card's `if` as `customer` */
  customer?: Record<string, unknown>;
  isEnabled(policyId: string): boolean;
  now?: Date;
  /** the customer's history; cards with `history` conditions need it, and a cooldown reads it */
  history?: HistoryView;
  /**
   * response counts per card and segment: a lurking card's learned propensity in the customer's segment
   * replaces its prior in the score, as for trigger cards (the hub passes its response ledger)
   */
  propensity?: PropensitySource;
  /** how many deliveries the prior is worth against the counts (k); default 20 */
  priorStrength?: number;
  /**
   * false at contact time, where only the offers are read (the next best offer): no explanations, and a
   * card stops at its first condition that fails, so a card the contact does not wake costs no strings.
   * The offers are the same either way. Default true (the explain API and the console).
   */
  explain?: boolean;
}

/** A lurking card the contact woke: the offer to show, ranked against the customer's other offers. */
export interface LurkingOffer {
  /** offerIdFor(policyId, lurking + customerRef + UTC day): the same all day */
  offerId: string;
  policyId: string;
  cardVersion: CardVersion;
  /** who registered the card, e.g. the policy node */
  owner?: string;
  title: { de: string; en: string };
  priority: number;
  score?: ScoreResult;
  /** the card's action for the contact's channel (its `to`), else its first action with an offer */
  action: string;
  offer?: string;
  /** the action's `to` */
  channel: string;
  decidedAt: string;
  /** from the action's `within` */
  expiresAt?: string;
  customerRef: string;
  contactId: string;
  /** every condition that held, with the value it saw */
  reasons: Check[];
  source: 'lurking';
}

export interface LurkingEvaluation {
  /** priority, then score, then policy id: the order is the same for the same cards */
  offers: LurkingOffer[];
  /**
   * one per lurking card, with outcome fired, switched-off, out-of-schedule, not-matched, cooldown or
   * holdout; empty with `explain: false`
   */
  explanations: Explanation[];
  /**
   * the cards the contact would have woken but for their state: switched off, out of schedule, in a
   * cooldown, closed (the customer took the offer), or the customer is in the control group. Kept with
   * `explain: false` too (no strings are built), so an answer without an offer can say why; a card
   * whose conditions did not hold is not listed, nor what the customer's values were.
   */
  dormant: DormantCard[];
}

export interface DormantCard {
  policyId: string;
  state: 'switched-off' | 'out-of-schedule' | 'cooldown' | 'closed' | 'holdout';
}

/** The UTC day of `now`, e.g. "2026-11-22": the part of a lurking offer's id that changes. */
export function contactDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function lurkingOfferId(policyId: string, customerRef: string, now: Date): string {
  return offerIdFor(policyId, `lurking\u001f${customerRef}\u001f${contactDay(now)}`);
}

export function evaluateLurking(
  entries: readonly RegisteredPolicy[],
  contact: Contact,
  context: LurkingContext,
): LurkingEvaluation {
  checkContact(contact);
  if (typeof context?.isEnabled !== 'function') {
    throw new TypeError('lurking evaluation: context.isEnabled(policyId) is required');
  }
  const now = context.now ?? new Date();
  const nowMs = now.getTime();
  const decidedAt = now.toISOString();
  const contactId =
    contact.contactId ??
    `contact:${contact.customerRef}:${contact.channel}:${contact.point ?? ''}:${decidedAt}`;
  const event = contactEvent(contact, contactId, decidedAt);
  const scope = { customer: context.customer, event };
  const result: LurkingEvaluation = { offers: [], explanations: [], dormant: [] };
  const dormant = (policy: CompiledPolicy, state: DormantCard['state']) =>
    result.dormant.push({ policyId: policy.id, state });
  const explaining = context.explain !== false;
  const explain = (policy: CompiledPolicy, outcome: Outcome, reason: string, checks: Check[]) =>
    explaining &&
    result.explanations.push({
      policyId: policy.id,
      cardVersion: policy.version,
      eventId: contactId,
      title: policy.title,
      outcome,
      reason,
      checks,
    });

  for (const entry of entries) {
    const { policy } = entry;
    if (policy.mode !== 'lurking') continue;

    if (!context.isEnabled(policy.id)) {
      dormant(policy, 'switched-off');
      explain(policy, 'switched-off', 'switched off', []);
      continue;
    }
    const checks: Check[] = [];
    if (policy.schedule) {
      const schedule = policy.schedule.check(nowMs);
      const check = { condition: schedule.condition, held: schedule.active, actual: schedule.actual };
      if (!schedule.active) {
        dormant(policy, 'out-of-schedule');
        if (!explaining) continue;
        explain(policy, 'out-of-schedule', `out of schedule: ${check.condition} (actual: ${check.actual})`, [
          check,
        ]);
        continue;
      }
      checks.push(check);
    }

    // Unexplained, the first condition that fails ends the card: it wakes no offer, and nothing reads why.
    let held = true;
    const add = (check: Check) => {
      checks.push(check);
      held &&= check.held;
    };
    const eventTypeHeld =
      policy.eventTypes.length === 0 ||
      (contact.eventType !== undefined && policy.eventTypes.includes(contact.eventType));
    if (!eventTypeHeld && !explaining) continue;
    if (policy.eventTypes.length > 0) {
      add({
        condition: `contact ${policy.eventTypes.join(', ')}`,
        held: eventTypeHeld,
        actual: contact.eventType,
      });
    }
    const channelHeld = policy.channels === undefined || policy.channels.includes(contact.channel as Channel);
    if (!channelHeld && !explaining) continue;
    if (policy.channels !== undefined) {
      add({
        condition: `via ${policy.channels.join(', ')}`,
        held: channelHeld,
        actual: contact.channel,
      });
    }
    if (policy.where && (held || explaining)) {
      const where = policy.where(event);
      checks.push(...where.checks);
      held &&= where.held;
    }
    if (policy.condition && (held || explaining)) {
      const condition = policy.condition(scope);
      checks.push(...condition.checks);
      held &&= condition.held;
    }
    for (const item of policy.history) {
      if (!held && !explaining) break;
      add(
        context.history
          ? item.check(context.history, nowMs)
          : { condition: item.source, held: false, actual: 'no history available' },
      );
    }
    if (!held) {
      if (!explaining) continue;
      const failed = checks
        .filter((check) => !check.held)
        .map((check) => `${check.condition} (actual: ${describeActual(check, show)})`);
      explain(policy, 'not-matched', `not matched: ${failed.join('; ')}`, checks);
      continue;
    }

    // a cooldown after a refusal and the close after a taken offer are one rule: a response within a window
    const resting = restingWindow(policy, context.history, nowMs);
    if (resting) {
      dormant(policy, resting.state);
      if (!explaining) continue;
      const { window, at } = resting;
      const reason =
        resting.state === 'cooldown'
          ? `cooldown: ${window.after.join(' or ')} at ${at}, ${window.text}`
          : `closed: the customer accepted or converted at ${at}, ${window.text}`;
      explain(policy, 'cooldown', reason, [
        ...checks,
        { condition: `${resting.state} ${window.text}`, held: false, actual: at },
      ]);
      continue;
    }

    const action = offerAction(policy, contact.channel);
    // The control group is stable per policy and customer, as for trigger cards.
    if (policy.holdout > 0 && inHoldout(policy.id, contact.customerRef, policy.holdout)) {
      dormant(policy, 'holdout');
      if (!explaining) continue;
      explain(
        policy,
        'holdout',
        `holdout (${policy.holdout}% control group): would have offered: ${described(action)}`,
        checks,
      );
      continue;
    }

    const offer: LurkingOffer = {
      offerId: lurkingOfferId(policy.id, contact.customerRef, now),
      policyId: policy.id,
      cardVersion: policy.version,
      title: policy.title,
      priority: policy.priority,
      action: action.action,
      channel: action.to,
      decidedAt,
      customerRef: contact.customerRef,
      contactId,
      reasons: checks,
      source: 'lurking',
    };
    if (entry.owner !== undefined) offer.owner = entry.owner;
    if (policy.score) offer.score = scoreOf(policy, scope, context);
    if (action.offer !== undefined) offer.offer = action.offer;
    if (action.withinMs !== undefined) offer.expiresAt = new Date(nowMs + action.withinMs).toISOString();
    result.offers.push(offer);
    if (explaining) explain(policy, 'fired', `woken by the contact: ${described(action)}`, checks);
  }
  result.offers.sort(byLurkingRank);
  return result;
}

/** The card's cooldown or close that a response of the customer started and that has not passed yet. */
function restingWindow(
  policy: CompiledPolicy,
  history: HistoryView | undefined,
  nowMs: number,
): { state: 'cooldown' | 'closed'; window: Cooldown; at: string } | undefined {
  if (!history) return undefined;
  for (const state of ['cooldown', 'closed'] as const) {
    const window = policy.limits[state];
    if (!window) continue;
    const last = history.lastResponseAt(policy.id, window.after, nowMs);
    if (last !== undefined && nowMs - last < window.windowMs)
      return { state, window, at: new Date(last).toISOString() };
  }
  return undefined;
}

/** The card's score, with the propensity learned in the customer's segment once responses came in. */
function scoreOf(
  policy: CompiledPolicy,
  scope: { customer: Record<string, unknown> | undefined; event: InteractionEvent },
  context: LurkingContext,
): ScoreResult {
  const score = policy.score!;
  if (!context.propensity) return score.compute(scope);
  const segment = segmentOf(context.customer);
  const learned = learnedPropensity(
    context.propensity.counts(policy.id, segment),
    score.propensity,
    segment,
    context.priorStrength ?? DEFAULT_PRIOR_STRENGTH,
  );
  return score.compute(scope, learned);
}

/** Priority, then score (a card without one ranks below one with any), then policy id. */
export function byLurkingRank(a: LurkingOffer, b: LurkingOffer): number {
  return (
    b.priority - a.priority ||
    (b.score?.score ?? -1) - (a.score?.score ?? -1) ||
    (a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : 0)
  );
}

function described(action: PolicyAction): string {
  return [action.action, action.offer, 'to', action.to].filter(Boolean).join(' ');
}

function offerAction(policy: CompiledPolicy, channel: string): PolicyAction {
  const { actions } = policy;
  return (
    actions.find((action) => action.to === channel && action.offer !== undefined) ??
    actions.find((action) => action.offer !== undefined) ??
    actions[0]
  );
}

/** The contact as the event a card's `where` reads: type, channel, occurredAt, data.point. */
function contactEvent(contact: Contact, contactId: string, at: string): InteractionEvent {
  return {
    eventId: contactId,
    schemaVersion: '1.0',
    type: contact.eventType ?? ANY_EVENT,
    occurredAt: at,
    channel: contact.channel as Channel,
    source: { system: 'contact' },
    customer: { ref: contact.customerRef },
    data: contact.point === undefined ? {} : { point: contact.point },
  } as InteractionEvent;
}

function checkContact(contact: Contact): void {
  if (typeof contact !== 'object' || contact === null)
    throw new TypeError('lurking evaluation: contact must be an object');
  if (typeof contact.customerRef !== 'string' || contact.customerRef === '')
    throw new TypeError('lurking evaluation: contact.customerRef must be a non-empty string');
  if (typeof contact.channel !== 'string' || contact.channel === '')
    throw new TypeError('lurking evaluation: contact.channel must be a non-empty string');
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
