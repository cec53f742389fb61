/**
 * What the marketers' console reads and changes about the deployed policies, in one place: the cards
 * deployed (by policy nodes or card files), their on/off switch with an audit trail kept in the hub
 * store, how often each fired or was held back, and the engine's recent explanations per customer.
 *
 * The registry decides nothing itself. The engine explains every card it checked; the registry keeps
 * those explanations (a bounded number of customers, a bounded number of evaluations each) so a
 * question like "why did crm:4711 not get the mortgage offer?" can be answered after the event.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import type { HubStore, StoredInteraction } from '../records/store';
import { arbitrate, type ArbitrationExplanation } from './arbitration';
import type { CompiledPolicy } from './card';
import type { Decision, Evaluation, Explanation, Outcome } from './engine';
import type { LurkingContactAnswer, ResponseLedger } from './response-ledger';
import type { CardVersion } from './version';
import { copyData } from '../formats/copy-data';

/** The part of the hub store the audit trail lives in (one pseudo customer per policy, see auditRef). */
export type AuditStore = Pick<HubStore, 'recordInteraction' | 'listInteractions'>;

/** The switch every policy has (PolicySwitches behind the hub runtime's directory). */
export interface PolicySwitch {
  isEnabled(policyId: string): boolean;
  /**
   * Keeps the state (in the store, when there is one), then runs `keep` (the audit entry), and only
   * then takes effect; when either fails it rejects and the switch is as it was.
   */
  setEnabled(policyId: string, enabled: boolean, keep?: () => Promise<void>): Promise<void>;
}

/** Where a deployed card came from. */
export interface CardSource {
  kind: 'node' | 'file';
  /** the policy node's id, or the card file's path */
  id: string;
  /** the policy-engine node the card is registered with */
  engineId?: string;
}

/** Through what a switch came: the REST API, the editor's button, or the marketers' console. */
export type SwitchedVia = 'api' | 'editor' | 'console';
const VIAS: readonly SwitchedVia[] = ['api', 'editor', 'console'];

/** Who switched, and through what. */
export interface Actor {
  /** the authenticated user, or "anonymous@<address>" where no authentication is configured */
  user: string;
  via: SwitchedVia;
  /** the HTTP client's address */
  remoteAddress?: string;
}

export interface AuditEntry {
  auditId: string;
  policyId: string;
  /** ISO 8601, UTC */
  at: string;
  enabled: boolean;
  /** the state before the switch */
  previous: boolean;
  user: string;
  via: SwitchedVia;
  remoteAddress?: string;
}

/** A decision as the engine made it, with the engine that made it, told to onDecision listeners. */
export type DecisionListener = (decision: Decision, engineId: string) => void;
/** A switch as the audit trail keeps it, told to onSwitch listeners once it is kept. */
export type SwitchListener = (entry: AuditEntry) => void;

/** What an engine did with a card, except firing and not matching, by outcome. */
export type SuppressedOutcome = Exclude<Outcome, 'fired' | 'not-matched' | 'pending'>;

export interface OutcomeCounts {
  /** explanations recorded for the card: every event of its type the engine saw */
  evaluated: number;
  fired: number;
  notMatched: number;
  /** started a "no B within T" wait */
  pending: number;
  suppressed: Partial<Record<SuppressedOutcome, number>>;
}

export interface PolicyCounts {
  /** counting started here (the process start or the first evaluation); counts are per hub process */
  since: string;
  /** the current UTC day */
  today: OutcomeCounts;
  /** the current UTC day and the six before it */
  last7Days: OutcomeCounts;
}

export interface PolicySummary {
  policyId: string;
  title: { de: string; en: string };
  mode: 'trigger' | 'lurking';
  version: CardVersion;
  priority: number;
  eventTypes: string[];
  enabled: boolean;
  source: CardSource;
  counts: PolicyCounts;
}

/** One evaluation of one event as the engine explained it. */
export interface EvaluationRecord {
  engineId: string;
  customerRef: string;
  event: { eventId: string; type: string; channel: string; occurredAt: string };
  evaluatedAt: string;
  /** every card the engine checked, with the values each condition saw, the cap or wait consulted */
  explanations: Explanation[];
  /** what fired, highest priority first */
  decisions: Decision[];
  arbitration: Arbitration;
}

/**
 * How the cards that fired were ranked and which won, as the engine arbitrated them
 * (policies/arbitration.ts): the rule, the tie-break, the winners per channel, and every decision with
 * its priority, score and, for a loser, the decision that beat it and why.
 */
export type Arbitration = ArbitrationExplanation;

export interface PolicyExplanation {
  policyId: string;
  customerRef: string;
  /** newest first: one per evaluated event that had this card on its list */
  evaluations: (Explanation & {
    engineId: string;
    event: EvaluationRecord['event'];
    evaluatedAt: string;
    decisions: Decision[];
    arbitration: Arbitration;
  })[];
}

export interface PolicyRegistryOptions {
  switches: PolicySwitch;
  /** where the audit trail is kept; the registry keeps a bounded one in memory without a store */
  store?: () => AuditStore | undefined;
  clock?: () => number;
  /** customers whose recent evaluations are kept (least recently evaluated go first); default 500 */
  maxCustomers?: number;
  /** evaluations kept per customer; default 10 */
  perCustomer?: number;
  /** audit entries per policy kept in memory when there is no store; default 200 */
  memoryAuditLimit?: number;
  /** where fires, suppressions and control-group customers are counted for good (per process otherwise) */
  ledger?: Pick<ResponseLedger, 'recordEvaluation' | 'recordLurking' | 'background'>;
  /** whether a store is deployed, open or not; while one is and `store` has none open, switches are refused */
  storeDeployed?: () => boolean;
}

const DAY_MS = 86_400_000;
/** ids remembered per day before the memory starts afresh (a store read each then) */
const LURKING_SEEN_MAX = 100_000;
const WEEK_DAYS = 7;
const AUDIT_TYPE = 'policy-switched';

/** The pseudo customer reference a policy's audit trail is kept under in the store's interactions. */
export function auditRef(policyId: string): string {
  return `policy-audit:${policyId}`;
}

export class UnknownPolicyError extends Error {
  constructor(readonly policyId: string) {
    super(`no policy '${policyId}' is deployed`);
    this.name = 'UnknownPolicyError';
  }
}

/** A store is deployed but not open: a switch now would be lost at the next restart, so none is made. */
export class StoreNotOpenError extends Error {
  constructor(readonly policyId: string) {
    super(`the hub store is deployed but not open, so switching ${policyId} could not be kept`);
    this.name = 'StoreNotOpenError';
  }
}

interface Deployed {
  policy: CompiledPolicy;
  source: CardSource;
}

export class PolicyRegistry {
  private readonly deployed = new Map<string, Deployed>();
  /** per policy: counts per UTC day number, at most WEEK_DAYS + 1 days */
  private readonly days = new Map<string, Map<number, OutcomeCounts>>();
  /** per policy since the process started, never forgotten: what a monitoring system scrapes */
  private readonly sinceStart = new Map<string, OutcomeCounts>();
  /** the lurking offers and held-back cards counted today by this process (observeLurking) */
  private readonly lurkingSeen = new Set<string>();
  private lurkingDay = -1;
  /** the store they were counted in: another store (a redeploy onto another database) counts afresh */
  private lurkingStore: AuditStore | undefined;
  /** customers in least-recently-evaluated order (Map keeps insertion order) */
  private readonly recent = new Map<string, EvaluationRecord[]>();
  private readonly byDecision = new Map<string, EvaluationRecord>();
  private readonly memoryAudit = new Map<string, AuditEntry[]>();
  /** the switch of each policy under way: the next waits for it */
  private readonly switching = new Map<string, Promise<AuditEntry | undefined>>();
  private readonly switches: PolicySwitch;
  private readonly store: () => AuditStore | undefined;
  private readonly clock: () => number;
  private readonly maxCustomers: number;
  private readonly perCustomer: number;
  private readonly memoryAuditLimit: number;
  private readonly ledger: PolicyRegistryOptions['ledger'];
  private readonly storeDeployed: () => boolean;
  private readonly since: string;
  private lastAuditMs = 0;
  private auditSeq = 0;
  /** copied on change, so a listener that unsubscribes while being told does not skip another */
  private decisionListeners: readonly DecisionListener[] = [];
  private switchListeners: readonly SwitchListener[] = [];

  constructor(options: PolicyRegistryOptions) {
    this.switches = options.switches;
    this.store = options.store ?? (() => undefined);
    this.clock = options.clock ?? Date.now;
    this.maxCustomers = positive(options.maxCustomers, 500);
    this.perCustomer = positive(options.perCustomer, 10);
    this.memoryAuditLimit = positive(options.memoryAuditLimit, 200);
    this.ledger = options.ledger;
    this.storeDeployed = options.storeDeployed ?? (() => false);
    this.since = new Date(this.clock()).toISOString();
  }

  /** A card was deployed (again); the later deployment of an id wins, as in the engine. */
  declare(policy: CompiledPolicy, source: CardSource): void {
    this.deployed.set(policy.id, { policy, source });
  }

  /** The card's source went away (a redeploy closed its node); a newer source of the id stays. */
  remove(policyId: string, sourceId: string): void {
    if (this.deployed.get(policyId)?.source.id === sourceId) this.deployed.delete(policyId);
  }

  has(policyId: string): boolean {
    return this.deployed.has(policyId);
  }

  /**
   * A deployed card switched off now: its stored offers are held back at contact time. An id no card
   * is deployed under has no switch to be off (its switch reads false), so it is not.
   */
  isSwitchedOff(policyId: string): boolean {
    return this.deployed.has(policyId) && !this.switches.isEnabled(policyId);
  }

  /** Every deployed card, by id. */
  /** The compiled card deployed under an id (for a dry-run by policyId). */
  card(policyId: string): CompiledPolicy | undefined {
    return this.deployed.get(policyId)?.policy;
  }

  list(): PolicySummary[] {
    return [...this.deployed.keys()]
      .sort()
      .map((policyId) => this.get(policyId))
      .filter((summary): summary is PolicySummary => summary !== undefined);
  }

  get(policyId: string): PolicySummary | undefined {
    const entry = this.deployed.get(policyId);
    if (!entry) return undefined;
    const { policy, source } = entry;
    return {
      policyId,
      title: policy.title,
      mode: policy.mode,
      version: policy.version,
      priority: policy.priority,
      eventTypes: [...policy.eventTypes],
      enabled: this.switches.isEnabled(policyId),
      source,
      counts: this.counts(policyId),
    };
  }

  /**
   * Switches a deployed policy on or off through the one switch the editor button uses too, and keeps
   * who did it, when and from where. All or nothing: the state and its audit entry are kept in the
   * store first and the switch takes effect only then, so a store that cannot be reached rejects with
   * the switch as it was (and a client's retry does not flip it back). A switch to the state the card
   * is already in changes nothing and resolves to undefined without an audit entry: the trail is what
   * an auditor reads as changes, and a double-click would fill it with "switched on" after "switched on".
   */
  async setEnabled(policyId: string, enabled: boolean, actor: Actor): Promise<AuditEntry | undefined> {
    if (typeof enabled !== 'boolean') throw new TypeError('setEnabled: enabled must be true or false');
    if (!this.deployed.has(policyId)) throw new UnknownPolicyError(policyId);
    // One switch of a policy at a time: two at once (a double click, a retry, two marketers) would both
    // see the old state, both write "switched on" to the trail, or answer "off" while an "on" is landing.
    const prior = this.switching.get(policyId) ?? Promise.resolve();
    const run = prior.catch(() => undefined).then(() => this.switchNow(policyId, enabled, actor));
    this.switching.set(policyId, run);
    try {
      return await run;
    } finally {
      if (this.switching.get(policyId) === run) this.switching.delete(policyId);
    }
  }

  private async switchNow(policyId: string, enabled: boolean, actor: Actor): Promise<AuditEntry | undefined> {
    const previous = this.switches.isEnabled(policyId);
    if (previous === enabled) return undefined;
    const store = this.store();
    if (!store && this.storeDeployed()) throw new StoreNotOpenError(policyId);
    const entry: AuditEntry = {
      auditId: this.nextAuditId(),
      policyId,
      at: this.auditTime(),
      enabled,
      previous,
      user: actor.user,
      via: actor.via,
      ...(actor.remoteAddress ? { remoteAddress: actor.remoteAddress } : {}),
    };
    let audited = false;
    const keep = async (): Promise<void> => {
      audited = true;
      await store?.recordInteraction({
        customerRef: auditRef(policyId),
        eventId: entry.auditId,
        type: AUDIT_TYPE,
        channel: entry.via,
        occurredAt: entry.at,
        summary: { ...entry },
      });
    };
    await this.switches.setEnabled(policyId, enabled, keep);
    // a switch that takes no `keep` (a stand-in) still gets its trail, if only after the fact
    if (!audited) await keep();
    if (!store) {
      const kept = this.memoryAudit.get(policyId) ?? [];
      kept.unshift(entry);
      kept.length = Math.min(kept.length, this.memoryAuditLimit);
      this.memoryAudit.set(policyId, kept);
    }
    if (this.switchListeners.length !== 0) this.tell(this.switchListeners, entry);
    return entry;
  }

  /** Newest first, from the store when there is one. */
  async audit(policyId: string, limit = 100): Promise<AuditEntry[]> {
    const store = this.store();
    if (!store) return (this.memoryAudit.get(policyId) ?? []).slice(0, limit);
    const found = await store.listInteractions(auditRef(policyId), { limit });
    return found.filter((item) => item.type === AUDIT_TYPE).map(auditEntryOf);
  }

  /**
   * Counts the outcomes and keeps the explanations of one evaluation by an engine. Without the event
   * (a settled wait, whose evaluation names no customer when nothing fired) it only counts. The ledger
   * gets the fires, suppressions and control-group customers ("would have fired", from
   * `evaluation.holdouts` in every explain mode) in the background; `customer` (the profile the engine
   * judged) gives their segment without a store read.
   */
  observe(
    engineId: string,
    event: InteractionEvent | undefined,
    evaluation: Evaluation,
    customer?: Record<string, unknown>,
  ): void {
    const nowMs = this.clock();
    for (const explanation of evaluation.explanations) {
      this.count(explanation.policyId, explanation.outcome, nowMs);
    }
    if (this.decisionListeners.length !== 0) {
      for (const decision of evaluation.decisions) this.tell(this.decisionListeners, decision, engineId);
    }
    // an evaluation that explained nothing (explain: 'none') still names its control-group customers
    if (evaluation.explanations.length === 0) {
      for (const held of evaluation.holdouts ?? []) this.count(held.policyId, 'holdout', nowMs);
    }
    const ledger = this.ledger;
    if (
      ledger &&
      (evaluation.explanations.length > 0 || evaluation.decisions.length > 0 || evaluation.holdouts)
    ) {
      ledger.background('counting an evaluation', () => ledger.recordEvaluation(evaluation, event, customer));
    }
    if (!event || (evaluation.explanations.length === 0 && evaluation.decisions.length === 0)) return;
    let copy: Pick<Evaluation, 'explanations' | 'decisions' | 'arbitration'>;
    try {
      copy = copyData({
        explanations: evaluation.explanations,
        decisions: evaluation.decisions,
        arbitration: evaluation.arbitration,
      });
    } catch {
      // a value a flow put on the customer that cannot be copied (a function): keep no explanation
      // rather than fail the evaluation that was already made
      return;
    }
    const record: EvaluationRecord = {
      engineId,
      customerRef: event.customer.ref,
      event: {
        eventId: event.eventId,
        type: event.type,
        channel: event.channel,
        occurredAt: event.occurredAt,
      },
      evaluatedAt: new Date(nowMs).toISOString(),
      explanations: copy.explanations,
      decisions: copy.decisions,
      // an evaluation that explained nothing (explain: 'none') brings no arbitration: rank what went out
      arbitration: copy.arbitration ?? arbitrate(copy.decisions).explanation,
    };
    this.keep(record);
  }

  /** The evaluation that made a decision, while it is among the recent ones. */
  decision(decisionId: string): { decision: Decision; evaluation: EvaluationRecord } | undefined {
    const evaluation = this.byDecision.get(decisionId);
    const decision = evaluation?.decisions.find((item) => item.decisionId === decisionId);
    return evaluation && decision ? { decision, evaluation } : undefined;
  }

  /** What the engine said about one card for one customer's recent events, newest first. */
  explain(policyId: string, customerRef: string): PolicyExplanation {
    const records = this.recent.get(customerRef) ?? [];
    const evaluations: PolicyExplanation['evaluations'] = [];
    for (const record of [...records].reverse()) {
      for (const explanation of record.explanations) {
        if (explanation.policyId !== policyId) continue;
        evaluations.push({
          ...explanation,
          engineId: record.engineId,
          event: record.event,
          evaluatedAt: record.evaluatedAt,
          decisions: record.decisions.filter((decision) => decision.policyId === policyId),
          arbitration: record.arbitration,
        });
      }
    }
    return { policyId, customerRef, evaluations };
  }

  /** The bounds of the explanations kept, for an answer that says why nothing was found. */
  retention(): { customers: number; perCustomer: number; since: string } {
    return { customers: this.maxCustomers, perCustomer: this.perCustomer, since: this.since };
  }

  /**
   * Tells the listener every decision an engine reports from now on (the live view of the console).
   * Returns the unsubscribe. The engine's path checks one array length when nobody listens.
   */
  onDecision(listener: DecisionListener): () => void {
    this.decisionListeners = [...this.decisionListeners, listener];
    return () => {
      this.decisionListeners = this.decisionListeners.filter((known) => known !== listener);
    };
  }

  /** Tells the listener every switch once its audit entry is kept; returns the unsubscribe. */
  onSwitch(listener: SwitchListener): () => void {
    this.switchListeners = [...this.switchListeners, listener];
    return () => {
      this.switchListeners = this.switchListeners.filter((known) => known !== listener);
    };
  }

  private tell<T extends unknown[]>(listeners: readonly ((...args: T) => void)[], ...args: T): void {
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch {
        // a listener (an SSE client that went away) must not fail the evaluation or the switch
      }
    }
  }

  private keep(record: EvaluationRecord): void {
    const list = this.recent.get(record.customerRef) ?? [];
    this.recent.delete(record.customerRef);
    list.push(record);
    while (list.length > this.perCustomer) this.forget(list.shift()!);
    this.recent.set(record.customerRef, list);
    for (const decision of record.decisions) this.byDecision.set(decision.decisionId, record);
    while (this.recent.size > this.maxCustomers) {
      const [oldest, dropped] = this.recent.entries().next().value as [string, EvaluationRecord[]];
      this.recent.delete(oldest);
      for (const item of dropped) this.forget(item);
    }
  }

  private forget(record: EvaluationRecord): void {
    // a redelivered event makes the same decision ids: only the record that still holds them lets go
    for (const decision of record.decisions) {
      if (this.byDecision.get(decision.decisionId) === record) this.byDecision.delete(decision.decisionId);
    }
  }

  /**
   * A channel's contact woke lurking cards: the offers it was shown and the cards its control group
   * held back are counted, in the ledger for good (in the background, so the answer does not wait)
   * and here once each. A page shown again the same day counts once: the ledger says which counted now.
   * The console's own look at a customer is no contact and is not observed.
   */
  observeLurking(answer: LurkingContactAnswer): void {
    const ledger = this.ledger;
    if (!ledger) return;
    const at = answer.at ?? this.clock();
    // a page asks at every visit: what this process counted today needs no store read again
    const day = Math.floor(at / DAY_MS);
    const store = this.store();
    if (day !== this.lurkingDay || store !== this.lurkingStore || this.lurkingSeen.size >= LURKING_SEEN_MAX) {
      this.lurkingDay = day;
      this.lurkingStore = store;
      this.lurkingSeen.clear();
    }
    const fresh = (id: string) => !this.lurkingSeen.has(id) && Boolean(this.lurkingSeen.add(id));
    const offers = answer.offers.filter((offer) => fresh(offer.offerId));
    const heldOut = answer.heldOut.filter((held) => fresh(held.actionId));
    if (offers.length === 0 && heldOut.length === 0) return;
    ledger.background('counting a lurking answer', async () => {
      let counted: Awaited<ReturnType<typeof ledger.recordLurking>>;
      try {
        counted = await ledger.recordLurking({ ...answer, offers, heldOut, at });
      } catch (err) {
        // not counted: the next contact today tries again
        for (const offer of offers) this.lurkingSeen.delete(offer.offerId);
        for (const held of heldOut) this.lurkingSeen.delete(held.actionId);
        throw err;
      }
      for (const policyId of counted.fired) this.count(policyId, 'fired', at);
      for (const policyId of counted.heldOut) this.count(policyId, 'holdout', at);
    });
  }

  private count(policyId: string, outcome: Outcome, nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    let days = this.days.get(policyId);
    if (!days) {
      days = new Map();
      this.days.set(policyId, days);
    }
    let counts = days.get(day);
    if (!counts) {
      counts = emptyCounts();
      days.set(day, counts);
      for (const known of days.keys()) if (known <= day - WEEK_DAYS) days.delete(known);
    }
    add(counts, outcome);
    let total = this.sinceStart.get(policyId);
    if (!total) {
      total = emptyCounts();
      this.sinceStart.set(policyId, total);
    }
    add(total, outcome);
  }

  /** Per policy that was evaluated, its counts since the process started (GET /metrics reads them). */
  totals(): ReadonlyMap<string, Readonly<OutcomeCounts>> {
    return this.sinceStart;
  }

  private counts(policyId: string): PolicyCounts {
    const today = Math.floor(this.clock() / DAY_MS);
    const days = this.days.get(policyId) ?? new Map<number, OutcomeCounts>();
    const week = emptyCounts();
    for (const [day, counts] of days) if (day > today - WEEK_DAYS && day <= today) merge(week, counts);
    return {
      since: this.since,
      today: structuredClone(days.get(today) ?? emptyCounts()),
      last7Days: week,
    };
  }

  private nextAuditId(): string {
    this.auditSeq = (this.auditSeq + 1) % 1_000_000;
    const random = Math.random().toString(36).slice(2, 10);
    return `policy-switch-${this.clock().toString(36)}-${this.auditSeq.toString(36)}-${random}`;
  }

  /** Strictly increasing within this process, so the trail's order never depends on a tie. */
  private auditTime(): string {
    this.lastAuditMs = Math.max(this.clock(), this.lastAuditMs + 1);
    return new Date(this.lastAuditMs).toISOString();
  }
}

function auditEntryOf(item: StoredInteraction): AuditEntry {
  const summary = (item.summary ?? {}) as Partial<AuditEntry>;
  return {
    auditId: item.eventId,
    policyId: String(summary.policyId ?? item.customerRef.slice('policy-audit:'.length)),
    at: item.occurredAt,
    enabled: summary.enabled === true,
    previous: summary.previous === true,
    user: String(summary.user ?? 'unknown'),
    via: VIAS.includes(summary.via as SwitchedVia) ? (summary.via as SwitchedVia) : 'api',
    ...(typeof summary.remoteAddress === 'string' ? { remoteAddress: summary.remoteAddress } : {}),
  };
}

function emptyCounts(): OutcomeCounts {
  return { evaluated: 0, fired: 0, notMatched: 0, pending: 0, suppressed: {} };
}

function add(counts: OutcomeCounts, outcome: Outcome): void {
  counts.evaluated += 1;
  if (outcome === 'fired') counts.fired += 1;
  else if (outcome === 'not-matched') counts.notMatched += 1;
  else if (outcome === 'pending') counts.pending += 1;
  else counts.suppressed[outcome] = (counts.suppressed[outcome] ?? 0) + 1;
}

function merge(into: OutcomeCounts, from: OutcomeCounts): void {
  into.evaluated += from.evaluated;
  into.fired += from.fired;
  into.notMatched += from.notMatched;
  into.pending += from.pending;
  for (const [outcome, n] of Object.entries(from.suppressed) as [SuppressedOutcome, number][]) {
    into.suppressed[outcome] = (into.suppressed[outcome] ?? 0) + n;
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}
