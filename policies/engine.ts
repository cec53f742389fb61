/**
 * One indexed evaluator for all policies. The PolicyIndex narrows an event to the cards that can fire
 * (by type, channel and each card's most selective condition); each card is then judged in this order:
 * switch, schedule, conditions (when, if, history), a wait for "no B within T", cooldown, caps. The cards
 * that pass compete in arbitration (policies/arbitration.ts); a winner whose customer is in its control
 * group is held back (holdout), the others go out and only they take their caps.
 * Every step that stops a card says so in its explanation, with the values it saw.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import {
  arbitrate,
  checkArbitrationOptions,
  placedCards,
  rankComparator,
  type ArbitrationExplanation,
  type ArbitrationOptions,
  type RankKey,
} from './arbitration';
import { offerIdFor } from './decision-id';
import { capHitIdFor, InMemoryCapCounter, type CapCounter } from './caps';
import { compileCard, type CompiledPolicy, type Limit, type PolicyCard } from './card';
import { describeActual, type Check } from './expression';
import { InMemoryHistory, type HistoryView } from './history';
import { inHoldout } from './holdout';
import { evaluateLurking, type Contact, type LurkingContext, type LurkingEvaluation } from './lurking';
import { byPriority, PolicyIndex, type IndexKey, type IndexScope } from './policy-index';
import { learnedPropensity, segmentOf, type PropensitySource } from './propensity';
import type { ScoreResult } from './score';
import type { CardVersion } from './version';

export interface Decision {
  /** deterministic from policy, event and action, so a redelivered event yields the same id */
  decisionId: string;
  policyId: string;
  /** the card that made the decision: its version number and content hash */
  cardVersion: CardVersion;
  /** who registered the policy, e.g. the id of the policy node that emits the decision */
  owner?: string;
  priority: number;
  /** propensity × value × weight, when the card has a score */
  score?: ScoreResult;
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
  /**
   * W3C traceparent of the message that carried the event (set by the node glue, which sees the
   * transport): one trace id from the legacy call through the decision to the action's delivery
   */
  traceparent?: string;
}

export type Outcome =
  | 'fired'
  | 'not-matched'
  | 'switched-off'
  | 'out-of-schedule'
  /** conditions held; the card waits for "no B within T" (see Evaluation.pending) */
  | 'pending'
  | 'cooldown'
  | 'capped'
  /** the customer is in the card's control group: it would have fired (it won arbitration, too) */
  | 'holdout'
  /** it would have fired, but another card took its place on a channel (see Evaluation.arbitration) */
  | 'arbitration-lost';

export interface Explanation {
  policyId: string;
  cardVersion: CardVersion;
  eventId: string;
  title: { de: string; en: string };
  outcome: Outcome;
  /** one human sentence, e.g. `not matched: customer.tier == "platinum" (actual: "gold")` */
  reason: string;
  /** every condition checked, with the value it saw */
  checks: Check[];
  /** set when outcome is "capped" */
  cap?: { scope: 'per-customer' | 'per-channel' | 'global'; limit: string; count: number; channel?: string };
  /** set when outcome is "pending": when the card's wait ends */
  dueAt?: string;
  /** set when outcome is "arbitration-lost": the winning decision that took the channel it needed */
  lostTo?: { policyId: string; decisionId: string; channel: string };
}

/** A card whose conditions held and that waits for "no B within T"; settle() finishes it. */
export interface PendingDecision {
  policyId: string;
  cardVersion: CardVersion;
  event: InteractionEvent;
  /** when the wait started: the event's occurredAt */
  triggeredAt: string;
  dueAt: string;
}

export type ExplainMode =
  /** every card registered for the event's type, also those the index ruled out (the default) */
  | 'all'
  /** only the cards the index found could fire */
  | 'candidates'
  /** decisions only, the fast path */
  | 'none';

export interface EvaluationContext {
  /** the customer's golden record, seen by the card's `if` as `customer` */
  customer?: Record<string, unknown>;
  isEnabled(policyId: string): boolean;
  now?: Date;
  /** the customer's history, the triggering event already in it; cards with history need it */
  history?: HistoryView;
  explain?: ExplainMode;
  /** how the cards that fire compete; the engine's own options (its constructor's) when left out */
  arbitration?: ArbitrationOptions;
  /** response counts per card and segment: a card's learned propensity replaces its prior in the score */
  propensity?: PropensitySource;
}

export interface Evaluation {
  /** the decisions that won arbitration, best first (by priority, or by score in score mode) */
  decisions: Decision[];
  explanations: Explanation[];
  /** only present when some card waits */
  pending?: PendingDecision[];
  /**
   * Only present when a card with limits fired: the caps its decisions took from the engine's counter.
   * A shared store confirms them afterwards (PolicyState), so two hub instances cannot both pass a cap.
   */
  capClaims?: CapClaimSet[];
  /**
   * Only present when a card fired (won, lost or was held back) and the evaluation explains: how the
   * cards were ranked, which won, and for each loser which decision beat it and why.
   */
  arbitration?: ArbitrationExplanation;
  /**
   * Only present when a winner's customer is in the card's control group, in every explain mode (the
   * response ledger counts them as "would have fired", also where nothing is explained).
   */
  holdouts?: HeldOut[];
}

/** A control-group customer: what the card would have decided had its customer not been held out. */
export interface HeldOut {
  policyId: string;
  cardVersion: CardVersion;
  eventId: string;
  customerRef: string;
  /** the ids its decisions would have had; the first is the offer id a conversion names */
  decisionIds: string[];
}

/** The limits one card's firing counted against, keyed as the engine's cap counter keys them. */
export interface CapClaimSet {
  policyId: string;
  eventId: string;
  /** what the caps count this firing as: the same for every delivery of the event (capHitIdFor) */
  hitId: string;
  /** the decisions that stand or fall with these caps */
  decisionIds: string[];
  /** when the caps were counted, in ms */
  atMs: number;
  claims: {
    key: string;
    limit: number;
    windowMs: number;
    scope: 'per-customer' | 'per-channel' | 'global';
    text: string;
    channel?: string;
  }[];
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
  private version = 0;
  private sorted: RegisteredPolicy[] | undefined;
  private readonly index = new PolicyIndex<RegisteredPolicy>();
  private readonly caps: CapCounter;
  private readonly arbitration: Required<ArbitrationOptions>;

  /**
   * `arbitration` is the default for evaluations whose context names none: by priority, no limit per
   * channel (every card that fires goes out, ranked), prior strength 20. The policy-engine node passes
   * its own (1 winner per channel) with every evaluation.
   */
  constructor(options: { caps?: CapCounter; arbitration?: ArbitrationOptions } = {}) {
    this.caps = options.caps ?? new InMemoryCapCounter();
    this.arbitration = checkArbitrationOptions(options.arbitration);
  }

  /** Registering an id again replaces the earlier card (a redeploy). */
  register(policy: CompiledPolicy, owner?: string): void {
    if (
      typeof policy !== 'object' ||
      policy === null ||
      typeof policy.id !== 'string' ||
      !policy.eventType ||
      !Array.isArray(policy.eventTypes)
    ) {
      throw new TypeError('PolicyEngine.register: expects a policy from compileCard()');
    }
    this.unregister(policy.id);
    const entry: RegisteredPolicy = owner === undefined ? { policy } : { policy, owner };
    this.byId.set(policy.id, entry);
    this.changed();
    // Lurking policies wait for the customer's next contact; they are not triggered by events.
    if (policy.mode === 'trigger') this.index.add(entry);
  }

  unregister(policyId: string): boolean {
    const entry = this.byId.get(policyId);
    if (!entry) return false;
    this.byId.delete(policyId);
    this.index.remove(entry);
    this.changed();
    return true;
  }

  /** Counts registrations and removals, so what is derived from the set of cards is derived once. */
  get generation(): number {
    return this.version;
  }

  list(): RegisteredPolicy[] {
    this.sorted ??= [...this.byId.values()].sort(byPriority);
    return [...this.sorted];
  }

  private changed(): void {
    this.version += 1;
    this.sorted = undefined;
  }

  /** How a registered trigger card is indexed (undefined for unknown or lurking cards). */
  indexKey(policyId: string): IndexKey | undefined {
    const entry = this.byId.get(policyId);
    return entry && this.index.keyOf(entry);
  }

  /** The ids of the cards the index hands this event to, in priority order. */
  candidates(event: InteractionEvent, customer?: Record<string, unknown>): string[] {
    checkEvent(event);
    return this.index.candidates({ event, customer }).map((entry) => entry.policy.id);
  }

  evaluate(event: InteractionEvent, context: EvaluationContext): Evaluation {
    checkEvent(event);
    if (typeof context?.isEnabled !== 'function') {
      throw new TypeError('PolicyEngine.evaluate: context.isEnabled(policyId) is required');
    }
    const result: Evaluation = { decisions: [], explanations: [] };
    const scope: Scope = { customer: context.customer, event };
    const mode = context.explain ?? 'all';
    const entries = mode === 'all' ? this.index.forType(event.type) : this.index.candidates(scope);
    if (entries.length === 0) return result;
    const run: Run = {
      scope,
      isEnabled: context.isEnabled,
      now: context.now ?? new Date(),
      caps: this.caps,
      history: context.history,
      explain: mode !== 'none',
      out: result,
      ...this.competition(context),
    };
    for (const entry of entries) considerPolicy(entry, run);
    finish(run);
    return result;
  }

  private competition(context: EvaluationContext): Pick<Run, 'arbitration' | 'propensity' | 'fired'> {
    const arbitration =
      context.arbitration === undefined
        ? this.arbitration
        : checkArbitrationOptions({ ...this.arbitration, ...context.arbitration });
    return { arbitration, propensity: context.propensity, fired: [] };
  }

  /**
   * Judges every registered lurking card against a customer's contact (policies/lurking.ts): the cards
   * the contact wakes come back as offers, ranked, with the conditions that held; every lurking card is
   * explained. Read-only: no cap is taken and nothing is recorded. With `context.propensity`, a card's
   * score uses its learned propensity in the customer's segment, as an evaluation's arbitration does.
   */
  lurking(contact: Contact, context: LurkingContext): LurkingEvaluation {
    return evaluateLurking(this.list(), contact, {
      priorStrength: this.arbitration.priorStrength,
      ...context,
    });
  }

  /**
   * Finishes a card that waited for "no B within T", once its time has come: the absence is judged over
   * the wait, then switch, schedule, cooldown, caps and holdout as at any firing. A card that changed
   * since (another version) or was removed does not fire for the old one's wait.
   */
  settle(pending: PendingDecision, context: EvaluationContext): Evaluation {
    checkEvent(pending?.event);
    const result: Evaluation = { decisions: [], explanations: [] };
    const entry = this.byId.get(pending.policyId);
    const explain = context.explain !== 'none';
    if (!entry || entry.policy.version.hash !== pending.cardVersion.hash) {
      if (explain) {
        const actual = entry ? entry.policy.version : 'not registered';
        result.explanations.push({
          policyId: pending.policyId,
          cardVersion: pending.cardVersion,
          eventId: pending.event.eventId,
          title: entry?.policy.title ?? { de: pending.policyId, en: pending.policyId },
          outcome: 'not-matched',
          reason: `not matched: the card changed or was removed while it waited (now: ${show(actual)})`,
          checks: [{ condition: `card version ${pending.cardVersion.number}`, held: false, actual }],
        });
      }
      return result;
    }
    const run: Run = {
      scope: { customer: context.customer, event: pending.event },
      isEnabled: context.isEnabled,
      now: context.now ?? new Date(),
      caps: this.caps,
      history: context.history,
      explain,
      out: result,
      settling: pending,
      ...this.competition(context),
    };
    considerPolicy(entry, run);
    finish(run);
    return result;
  }

  /**
   * Evaluates a card that is not registered against recorded events, in the order given. Caps and
   * history are simulated on scratch state over the events' own times, so the real ones stay untouched.
   */
  dryRun(
    card: PolicyCard | CompiledPolicy,
    events: InteractionEvent[],
    options: DryRunOptions = {},
  ): Evaluation {
    const policy = isCompiled(card) ? card : compileCard(card);
    if (!Array.isArray(events)) throw new TypeError('PolicyEngine.dryRun: events must be an array');
    const scratch = new InMemoryCapCounter();
    const history = new InMemoryHistory();
    // Only the event types the card's history reads are kept, so a long replay stays small.
    const kept = new Set(Object.keys(policy.historyNeeds.retentionMs));
    const entry: RegisteredPolicy = { policy };
    const result: Evaluation = { decisions: [], explanations: [] };
    // One card, alone: nothing competes with it, so it wins every arbitration.
    const competition = { arbitration: this.arbitration, propensity: undefined };
    for (const event of events) {
      checkEvent(event);
      const at = new Date(event.occurredAt);
      const valid = !Number.isNaN(at.getTime());
      if (valid && kept.has(event.type)) history.record(event);
      if (policy.eventTypes.length > 0 && !policy.eventTypes.includes(event.type)) continue;
      const run: Run = {
        scope: { customer: options.customerOf?.(event.customer.ref), event },
        isEnabled: ALWAYS_ON,
        now: valid ? at : new Date(),
        caps: scratch,
        history: history.view(event.customer.ref),
        explain: true,
        out: result,
        ...competition,
        fired: [],
      };
      considerPolicy(entry, run);
      finish(run);
    }
    // Scratch caps: nothing for a store to confirm; and one card has nothing to be arbitrated against.
    delete result.capClaims;
    delete result.arbitration;
    result.decisions.sort(byDecisionPriority);
    return result;
  }
}

interface Scope extends IndexScope {
  customer: Record<string, unknown> | undefined;
  event: InteractionEvent;
}

interface Run {
  scope: Scope;
  isEnabled: (policyId: string) => boolean;
  now: Date;
  /** run.now as ISO text, made once per evaluation */
  nowIso?: string;
  caps: CapCounter;
  history: HistoryView | undefined;
  explain: boolean;
  out: Evaluation;
  /** set when finishing a wait rather than judging a fresh event */
  settling?: PendingDecision;
  arbitration: Required<ArbitrationOptions>;
  propensity: PropensitySource | undefined;
  /** the customer's segment for learned propensities, read once per evaluation */
  segment?: string;
  /** the cards whose conditions, cooldown and caps let them fire: they go to arbitration */
  fired: FiredCard[];
}

/** A card that passed every step before arbitration; it ranks as its decisions would. */
interface FiredCard extends RankKey {
  entry: RegisteredPolicy;
  policy: CompiledPolicy;
  /** made by decisionsOf() once needed */
  decisions?: Decision[];
  /** the caps it counts against, checked but not yet taken: only a winner takes them */
  limits: [LimitScope, Limit, string, string?][];
  hitId: string;
  /** the customer is in the card's control group */
  holdout: boolean;
  /** its "fired" explanation, changed when it loses or is held back */
  explanation?: Explanation;
}

function considerPolicy(entry: RegisteredPolicy, run: Run): void {
  const { policy } = entry;
  const { scope, explain, out } = run;
  const { event } = scope;
  const nowMs = run.now.getTime();
  const explainAs = (outcome: Outcome, reason: string, checks: Check[], extra: Partial<Explanation> = {}) => {
    if (!explain) return;
    out.explanations.push({
      policyId: policy.id,
      cardVersion: policy.version,
      eventId: event.eventId,
      title: policy.title,
      outcome,
      reason,
      checks,
      ...extra,
    });
  };

  if (!run.isEnabled(policy.id)) return explainAs('switched-off', 'switched off', []);

  const checks: Check[] = [];
  if (policy.schedule) {
    if (explain) {
      const schedule = policy.schedule.check(nowMs);
      const check = { condition: schedule.condition, held: schedule.active, actual: schedule.actual };
      if (!schedule.active) {
        return explainAs('out-of-schedule', `out of schedule: ${check.condition} (actual: ${check.actual})`, [
          check,
        ]);
      }
      checks.push(check);
    } else if (!policy.schedule.test(nowMs)) {
      return;
    }
  }

  const held = run.settling
    ? judgeWait(policy, run, run.settling, checks)
    : explain
      ? explainConditions(policy, run, checks)
      : testConditions(policy, run);
  if (held === 'waiting') return;
  if (!held) {
    const failed = checks
      .filter((check) => !check.held)
      .map((check) => `${check.condition} (actual: ${describeActual(check, show)})`);
    return explainAs('not-matched', `not matched: ${failed.join('; ')}`, checks);
  }

  if (!run.settling && policy.deferred.length > 0) {
    const triggeredMs = eventTime(event, nowMs);
    const pending: PendingDecision = {
      policyId: policy.id,
      cardVersion: policy.version,
      event,
      triggeredAt: new Date(triggeredMs).toISOString(),
      dueAt: new Date(triggeredMs + policy.deferMs).toISOString(),
    };
    (out.pending ??= []).push(pending);
    const waits = policy.deferred.map((item) => item.source).join('; ');
    return explainAs('pending', `waiting until ${pending.dueAt}: ${waits}`, checks, { dueAt: pending.dueAt });
  }

  const cooldown = policy.limits.cooldown;
  if (cooldown && run.history) {
    const last = run.history.lastResponseAt(policy.id, cooldown.after, nowMs);
    if (last !== undefined && nowMs - last < cooldown.windowMs) {
      const check = {
        condition: `cooldown ${cooldown.text}`,
        held: false,
        actual: new Date(last).toISOString(),
      };
      return explainAs(
        'cooldown',
        `cooldown: ${cooldown.after.join(' or ')} at ${check.actual}, ${cooldown.text}`,
        [...checks, check],
      );
    }
  }

  const customerRef = event.customer.ref;
  const limits = limitsOf(policy, customerRef);
  // A redelivered event is not refused by the hit its first delivery left: it fires again, same ids.
  // The id is a hash, so it is only made for a card with limits.
  const hitId = limits.length > 0 ? capHitIdFor(policy.id, event.eventId) : '';
  for (const [scopeName, limit, key, channel] of limits) {
    const count = run.caps.count(key, limit.windowMs, nowMs);
    if (count >= limit.count && !run.caps.has(key, hitId, limit.windowMs, nowMs)) {
      const where = channel === undefined ? scopeName : `${scopeName} (${channel})`;
      return explainAs(
        'capped',
        `cap reached: ${where} ${limit.text} (${count} already in the window)`,
        checks,
        {
          cap: { scope: scopeName, limit: limit.text, count, ...(channel === undefined ? {} : { channel }) },
        },
      );
    }
  }

  const score = policy.score && scoreOf(policy, run);
  // The control group is judged after the caps and after arbitration (finish), as Pega does: "would have
  // fired" then means it really would have gone out, and the control group is kept off the channel the
  // card would have taken.
  const holdout = policy.holdout > 0 && inHoldout(policy.id, customerRef, policy.holdout);
  const fired: FiredCard = {
    entry,
    policy,
    policyId: policy.id,
    priority: policy.priority,
    limits,
    hitId,
    holdout,
  };
  if (score) fired.score = score;
  if (explain) {
    explainAs(
      holdout ? 'holdout' : 'fired',
      holdout
        ? `holdout (${policy.holdout}% control group): would have fired: ${describeActions(policy)}`
        : `fired: ${describeActions(policy)}`,
      checks,
    );
    fired.explanation = out.explanations[out.explanations.length - 1];
  }
  run.fired.push(fired);
}

/**
 * The card's decisions, made when first needed: a card that loses an arbitration nobody explains never
 * makes them (their ids are hashes).
 */
function decisionsOf(card: FiredCard, run: Run): Decision[] {
  if (card.decisions) return card.decisions;
  const { policy, hitId } = card;
  const { event } = run.scope;
  const nowMs = run.now.getTime();
  const decidedAt = (run.nowIso ??= run.now.toISOString());
  const decisions: Decision[] = [];
  policy.actions.forEach((action, index) => {
    const decision: Decision = {
      // the first action's id is the cap hit id when the card has limits (capHitIdFor)
      decisionId:
        index === 0 && hitId !== ''
          ? hitId
          : offerIdFor(index === 0 ? policy.id : `${policy.id}#${index + 1}`, event.eventId),
      policyId: policy.id,
      cardVersion: policy.version,
      priority: policy.priority,
      action: action.action,
      channel: action.to,
      decidedAt,
      customerRef: event.customer.ref,
      eventId: event.eventId,
      title: policy.title,
    };
    if (card.entry.owner !== undefined) decision.owner = card.entry.owner;
    if (card.score) decision.score = card.score;
    if (action.offer !== undefined) decision.offer = action.offer;
    if (action.withinMs !== undefined) decision.expiresAt = new Date(nowMs + action.withinMs).toISOString();
    decisions.push(decision);
  });
  card.decisions = decisions;
  return decisions;
}

function channelsOf(card: FiredCard): string[] {
  return card.policy.actions.map((action) => action.to);
}

/**
 * Arbitrates the cards that fired, then lets the winners out: their decisions, best first, and their
 * caps. A loser takes no cap and makes no decision; a held-back winner (holdout) neither, but it keeps
 * its place, so the cards it beat stay lost.
 */
function finish(run: Run): void {
  const { fired, out, explain } = run;
  if (fired.length === 0) return;
  const { by, perChannel } = run.arbitration;
  let wins: (card: FiredCard) => boolean;
  // held out and not beaten: the card kept its place and "would have fired"
  let keptPlace: (card: FiredCard) => boolean = ALWAYS_ON;
  if (!explain && (perChannel === 0 || fired.length === 1)) {
    // the fast path: every card wins (alone, a card finds every channel free), nothing to explain
    wins = (card) => !card.holdout;
  } else if (!explain) {
    // decisions only: who takes a place is all that is read, so nothing is built to say why
    const placed = placedCards(fired, channelsOf, { by, perChannel });
    wins = (card) => placed.has(card) && !card.holdout;
    keptPlace = (card) => placed.has(card);
  } else {
    const heldOut = new Set(fired.filter((card) => card.holdout).map((card) => card.policy.id));
    const result = arbitrate(
      fired.flatMap((card) => decisionsOf(card, run)),
      { by, perChannel, heldOut },
    );
    const winners = new Set(result.winners.map((decision) => decision.policyId));
    wins = (card) => winners.has(card.policy.id);
    if (heldOut.size > 0) {
      const held = new Set(result.heldOut.map((decision) => decision.policyId));
      keptPlace = (card) => held.has(card.policy.id);
    }
    const losses = new Map(result.losers.map((loss) => [loss.policyId, loss]));
    for (const card of fired) {
      const loss = losses.get(card.policy.id);
      if (!loss || !card.explanation) continue;
      card.explanation.outcome = 'arbitration-lost';
      card.explanation.reason = loss.reason;
      card.explanation.lostTo = {
        policyId: loss.lostTo.policyId,
        decisionId: loss.lostTo.decisionId,
        channel: loss.channel,
      };
    }
    out.arbitration = result.explanation;
  }
  const nowMs = run.now.getTime();
  const firstDecision = out.decisions.length;
  for (const card of fired) {
    if (!wins(card)) {
      if (card.holdout && keptPlace(card)) heldOutBy(card, run);
      continue;
    }
    // Only an emitted decision counts against the caps, and a redelivered one does not count again.
    for (const [, , key] of card.limits) run.caps.record(key, nowMs, card.hitId);
    const decisions = decisionsOf(card, run);
    out.decisions.push(...decisions);
    if (card.limits.length === 0) continue;
    (out.capClaims ??= []).push({
      policyId: card.policy.id,
      eventId: run.scope.event.eventId,
      hitId: card.hitId,
      decisionIds: decisions.map((decision) => decision.decisionId),
      atMs: nowMs,
      claims: card.limits.map(([scope, limit, key, channel]) => ({
        key,
        limit: limit.count,
        windowMs: limit.windowMs,
        scope,
        text: limit.text,
        ...(channel === undefined ? {} : { channel }),
      })),
    });
  }
  sortFrom(out.decisions, firstDecision, rankComparator(by));
}

/** Records a control-group customer; only called when a holdout happens, so the fast path builds nothing. */
function heldOutBy(card: FiredCard, run: Run): void {
  const { event } = run.scope;
  (run.out.holdouts ??= []).push({
    policyId: card.policy.id,
    cardVersion: card.policy.version,
    eventId: event.eventId,
    customerRef: event.customer.ref,
    decisionIds: decisionsOf(card, run).map((decision) => decision.decisionId),
  });
}

/** Sorts list[from..] in place; what an earlier run (a dry-run's earlier event) put before stays. */
function sortFrom<T>(list: T[], from: number, compare: (a: T, b: T) => number): void {
  if (list.length - from < 2) return;
  if (from === 0) {
    list.sort(compare);
    return;
  }
  const tail = list.splice(from).sort(compare);
  list.push(...tail);
}

/** The card's score, with the propensity learned in the customer's segment once responses came in. */
function scoreOf(policy: CompiledPolicy, run: Run): ScoreResult {
  const score = policy.score!;
  if (!run.propensity) return score.compute(run.scope);
  const segment = (run.segment ??= segmentOf(run.scope.customer));
  const counts = run.propensity.counts(policy.id, segment);
  return score.compute(
    run.scope,
    learnedPropensity(counts, score.propensity, segment, run.arbitration.priorStrength),
  );
}

/** All conditions, each recorded with its value; every one runs so the explanation is complete. */
function explainConditions(policy: CompiledPolicy, run: Run, checks: Check[]): boolean {
  const { event, customer } = run.scope;
  let held = true;
  if (policy.channels !== undefined) {
    const channelHeld = policy.channels.includes(event.channel);
    checks.push({ condition: `via ${policy.channels.join(', ')}`, held: channelHeld, actual: event.channel });
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
  const nowMs = run.now.getTime();
  for (const item of policy.history) {
    const check = run.history
      ? item.check(run.history, nowMs)
      : { condition: item.source, held: false, actual: 'no history available' };
    checks.push(check);
    held &&= check.held;
  }
  return held;
}

/** The same verdict as explainConditions, short-circuited and without allocations. */
function testConditions(policy: CompiledPolicy, run: Run): boolean {
  const { event } = run.scope;
  if (policy.channels !== undefined && !policy.channels.includes(event.channel)) return false;
  if (policy.where && !policy.where.test(event)) return false;
  if (policy.condition && !policy.condition.test(run.scope)) return false;
  if (policy.history.length > 0) {
    const view = run.history;
    if (!view) return false;
    const nowMs = run.now.getTime();
    for (const item of policy.history) if (!item.test(view, nowMs)) return false;
  }
  return true;
}

/** At the end of a wait: did no B come? Too early gives the wait back instead of a verdict. */
function judgeWait(
  policy: CompiledPolicy,
  run: Run,
  pending: PendingDecision,
  checks: Check[],
): boolean | 'waiting' {
  const nowMs = run.now.getTime();
  const dueMs = Date.parse(pending.dueAt);
  if (nowMs < dueMs) {
    (run.out.pending ??= []).push(pending);
    if (run.explain) {
      run.out.explanations.push({
        policyId: policy.id,
        cardVersion: policy.version,
        eventId: pending.event.eventId,
        title: policy.title,
        outcome: 'pending',
        reason: `waiting until ${pending.dueAt}`,
        checks,
        dueAt: pending.dueAt,
      });
    }
    return 'waiting';
  }
  const triggeredMs = Date.parse(pending.triggeredAt);
  let held = true;
  for (const item of policy.deferred) {
    const check = run.history
      ? item.check(run.history, nowMs, triggeredMs)
      : { condition: item.source, held: false, actual: 'no history available' };
    checks.push(check);
    held &&= check.held;
  }
  return held;
}

type LimitScope = 'per-customer' | 'per-channel' | 'global';

// Keys are separated by U+001F, not NUL: they double as store keys (PolicyState), and stores refuse NUL in ids.
function limitsOf(policy: CompiledPolicy, customerRef: string): [LimitScope, Limit, string, string?][] {
  const out: [LimitScope, Limit, string, string?][] = [];
  const { perCustomer, perChannel, global } = policy.limits;
  if (perCustomer) out.push(['per-customer', perCustomer, `${policy.id}\u001fcustomer\u001f${customerRef}`]);
  for (const [channel, limit] of Object.entries(perChannel ?? {})) {
    out.push([
      'per-channel',
      limit,
      `${policy.id}\u001fchannel\u001f${customerRef}\u001f${channel}`,
      channel,
    ]);
  }
  if (global) out.push(['global', global, `${policy.id}\u001fglobal`]);
  return out;
}

function describeActions(policy: CompiledPolicy): string {
  return policy.actions
    .map((action) => [action.action, action.offer, 'to', action.to].filter(Boolean).join(' '))
    .join('; ');
}

function eventTime(event: InteractionEvent, fallbackMs: number): number {
  const at = Date.parse(event.occurredAt);
  return Number.isNaN(at) ? fallbackMs : at;
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

function byDecisionPriority(a: Decision, b: Decision): number {
  return b.priority - a.priority;
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
