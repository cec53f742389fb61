/**
 * Dry-run: replays a card (also one not yet deployed) against the interactions the hub recorded over a
 * period, from every connector, and reports how often it would have fired, how often its own schedule,
 * cooldown, caps or holdout or the contact policy (consent, opt-out, quiet hours, cooldown, caps) would
 * have stopped it, and for whom, before it is switched on.
 *
 * Nothing live is touched: the card runs in a fresh engine with its own in-memory caps and history, the
 * contact policy is a fresh instance whose caps are taken on scratch counters and which records nothing,
 * and no action is emitted. The store is only read: the period's interactions, customer profiles (for the
 * card's `if` and for consents) and the customers' recorded answers (for the contact cooldown).
 *
 * The card is replayed alone. Deployed cards that would fire on the same events do not compete with it,
 * so arbitration never stops it here ("would fire" means "would fire if it won arbitration"); the
 * report's notes say so. Its score uses the card's prior propensity, not learned response rates.
 */
import { INTERACTION_EVENT_SCHEMA_VERSION, type InteractionEvent } from '../mappings/canonical/types';
import type {
  CapClaim,
  CapTakeResult,
  HistoryEntry,
  HubStore,
  StoredInteraction,
  VersionedCustomer,
} from '../records/store';
import { customerOf } from '../records/customer-view';
import { InMemoryCapCounter } from './caps';
import { compileCard, type CompiledPolicy, type PolicyCard } from './card';
import { parseCardYaml } from './card-files';
import { contactChannelOf } from './contact/consent';
import {
  ContactPolicy,
  type ContactPolicySettings,
  type ContactReason,
  type ContactStore,
  type ContactVerdict,
} from './contact/contact-policy';
import { PolicyEngine, type Decision, type Evaluation, type Explanation, type Outcome } from './engine';
import { InMemoryHistory } from './history';
import type { CardVersion } from './version';

/** What a dry-run reads from the hub store; it never writes. */
export type DryRunStore = Pick<HubStore, 'listInteractionsBetween' | 'getCustomer' | 'listHistory'> &
  Partial<Pick<HubStore, 'getGolden'>>;

/** Why a firing was stopped: by the card itself (schedule, cooldown, caps, holdout) or the contact policy. */
export type StopReason = 'out-of-schedule' | 'cooldown' | 'cap' | 'holdout' | ContactReason;

export interface DryRunOptions {
  /** a compiled card, a card object, or its YAML text */
  card: CompiledPolicy | PolicyCard | string;
  /** ISO 8601, inclusive */
  from: string;
  /** ISO 8601, exclusive */
  to: string;
  store: DryRunStore;
  /** the deployment's contact policy settings (settings.js `crmHub.contactPolicy`); defaults otherwise */
  contactPolicy?: ContactPolicySettings;
  /** the purpose the card's contacts are judged for; default "marketing" */
  purpose?: string;
  /** the most events replayed; the report says when the period held more. Default 100000 */
  maxEvents?: number;
  /** customers listed in the report, most affected first; default 100 */
  topCustomers?: number;
  /** decisions sampled in the report, in replay order; default 20 */
  sampleSize?: number;
}

export interface DryRunStage {
  card: Partial<Record<StopReason, number>>;
  contact: Partial<Record<StopReason, number>>;
}

export interface DryRunSample {
  eventId: string;
  customerRef: string;
  type: string;
  channel: string;
  occurredAt: string;
  /** when the card judged it: the event's time, or for a "no B within T" card the end of its wait */
  decidedAt: string;
  outcome: 'would-fire' | 'stopped';
  /** set when stopped */
  reason?: StopReason;
  /** set when stopped: the card's own step or the contact policy */
  stage?: 'card' | 'contact';
  /** the engine's sentence, e.g. "cap reached: per-customer 1 per 7d (1 already in the window)" */
  explanation: string;
  actions: {
    action: string;
    channel: string;
    offer?: string;
    contact: { allowed: boolean; reason?: ContactReason; detail: string };
  }[];
}

export interface DryRunCustomer {
  customerRef: string;
  fired: number;
  stopped: Partial<Record<StopReason, number>>;
}

export interface DryRunReport {
  policyId: string;
  version: CardVersion;
  period: { from: string; to: string };
  /** interactions replayed (every type: history windows read them too) */
  events: number;
  /** true when the period held more than maxEvents; the replay stopped there */
  truncated: boolean;
  /** events the card judged: those of its types (and waits that ended within the period) */
  evaluated: number;
  notMatched: number;
  /**
   * events whose amount was in another currency than a threshold of the card, so not compared (the hub
   * keeps no exchange rates), by that currency; most are among notMatched
   */
  otherCurrencies: Record<string, number>;
  /** "no B within T" waits still open at the end of the period */
  pending: number;
  wouldFire: number;
  /** by reason, whichever stage stopped it */
  stopped: Partial<Record<StopReason, number>>;
  /** the same, split by stage */
  stoppedBy: DryRunStage;
  /** the customers it would have fired for or been stopped for, most first (at most topCustomers) */
  customers: DryRunCustomer[];
  /** customers it would have fired for or been stopped for, in all */
  customerCount: number;
  /** the first firings and stops, in replay order */
  sample: DryRunSample[];
  /** what the replay could not know */
  notes: string[];
  /** the same notes as stable keys, in the same order, for a front end that says them in its language */
  noteKeys: DryRunNoteKey[];
}

/** Each note of a dry-run, by a key that stays when its English wording changes. */
export const DRY_RUN_NOTES = {
  'profiles-now':
    "customer profiles and consents are read as they are now, not as they were at each event's time",
  'recorded-fields': 'events carry what the store recorded of them: type, channel, time, customer and amount',
  'card-alone':
    'the card is replayed alone: arbitration against the deployed cards is not simulated, so a firing here may lose to another card live',
  'lurking-contacts': 'a lurking card is replayed as if every event of its types were a contact',
} as const;

export type DryRunNoteKey = keyof typeof DRY_RUN_NOTES;

/** A card given as YAML text or as an object, compiled; errors are CardFileError or PolicyCardError. */
export function compileDryRunCard(card: CompiledPolicy | PolicyCard | string): CompiledPolicy {
  if (typeof card === 'string') return parseCardYaml(card, 'card');
  if (isCompiled(card)) return card;
  return compileCard(card);
}

/** an event counts once per currency its amounts were in that a threshold of the card was not */
function countOtherCurrencies(explanation: Explanation, counts: Record<string, number>): void {
  const seen = new Set<string>();
  for (const { money } of explanation.checks) {
    if (money && money.currency !== money.threshold) seen.add(money.currency);
  }
  for (const currency of seen) counts[currency] = (counts[currency] ?? 0) + 1;
}

const PAGE = 10_000;
const ENGINE_STOPS: Partial<Record<Outcome, StopReason>> = {
  'out-of-schedule': 'out-of-schedule',
  cooldown: 'cooldown',
  capped: 'cap',
  holdout: 'holdout',
};

export async function dryRun(options: DryRunOptions): Promise<DryRunReport> {
  const compiled = compileDryRunCard(options.card);
  // A lurking card answers a customer's next contact: every event of its types stands for one here.
  const policy: CompiledPolicy = compiled.mode === 'trigger' ? compiled : { ...compiled, mode: 'trigger' };
  const from = instant(options.from, 'from');
  const to = instant(options.to, 'to');
  if (to < from) throw new RangeError(`dry-run: to (${to}) is before from (${from})`);
  const maxEvents = options.maxEvents ?? 100_000;
  const { store } = options;

  const engine = new PolicyEngine({ caps: new InMemoryCapCounter() });
  engine.register(policy);
  const history = new InMemoryHistory();
  const kept = new Set(Object.keys(policy.historyNeeds.retentionMs));
  const profiles = new Map<string, Promise<VersionedCustomer | undefined>>();
  const profile = (ref: string) => {
    let found = profiles.get(ref);
    if (!found) {
      // the golden record's attributes, as the live engine judges them (records/customer-view.ts)
      found = customerOf(store, ref);
      profiles.set(ref, found);
    }
    return found;
  };
  let nowMs = Date.parse(from);
  const contact = new ContactPolicy(options.contactPolicy ?? {}, { clock: () => nowMs });
  const contactStore = scratchContactStore(store, profile);
  const purpose = options.purpose ?? 'marketing';

  const report: DryRunReport = {
    policyId: policy.id,
    version: policy.version,
    period: { from, to },
    events: 0,
    truncated: false,
    evaluated: 0,
    notMatched: 0,
    otherCurrencies: {},
    pending: 0,
    wouldFire: 0,
    stopped: {},
    stoppedBy: { card: {}, contact: {} },
    customers: [],
    customerCount: 0,
    sample: [],
    notes: [],
    noteKeys: ['profiles-now', 'recorded-fields', 'card-alone'],
  };
  if (compiled.mode === 'lurking') report.noteKeys.push('lurking-contacts');
  report.notes = report.noteKeys.map((key) => DRY_RUN_NOTES[key]);
  const customers = new Map<string, DryRunCustomer>();
  const sampleSize = options.sampleSize ?? 20;
  const waits: { dueMs: number; pending: NonNullable<Evaluation['pending']>[number] }[] = [];

  const judge = async (evaluation: Evaluation, event: InteractionEvent, atMs: number): Promise<void> => {
    for (const explanation of evaluation.explanations) {
      if (explanation.policyId !== policy.id) continue;
      if (explanation.outcome === 'pending') continue;
      report.evaluated += 1;
      countOtherCurrencies(explanation, report.otherCurrencies);
      if (explanation.outcome === 'not-matched' || explanation.outcome === 'switched-off') {
        report.notMatched += 1;
        continue;
      }
      const decisions = evaluation.decisions.filter((decision) => decision.policyId === policy.id);
      await tally(explanation, decisions, event, atMs);
    }
    for (const pending of evaluation.pending ?? []) {
      waits.push({ dueMs: Date.parse(pending.dueAt), pending });
      waits.sort((a, b) => a.dueMs - b.dueMs);
    }
  };

  const tally = async (
    explanation: Explanation,
    decisions: Decision[],
    event: InteractionEvent,
    atMs: number,
  ): Promise<void> => {
    const ref = event.customer.ref;
    const who = customers.get(ref) ?? { customerRef: ref, fired: 0, stopped: {} };
    customers.set(ref, who);
    const sample: DryRunSample = {
      eventId: event.eventId,
      customerRef: ref,
      type: event.type,
      channel: event.channel,
      occurredAt: event.occurredAt,
      decidedAt: new Date(atMs).toISOString(),
      outcome: 'stopped',
      explanation: explanation.reason,
      actions: [],
    };
    const engineStop = ENGINE_STOPS[explanation.outcome];
    let reason: StopReason | undefined;
    let stage: 'card' | 'contact' | undefined;
    if (engineStop) {
      reason = engineStop;
      stage = 'card';
    } else {
      nowMs = atMs;
      let passed = false;
      for (const decision of decisions) {
        const verdict = await contact.check(contactRequest(decision, purpose), { store: contactStore });
        sample.actions.push(actionOf(decision, verdict));
        if (verdict.allowed) passed = true;
        else if (!reason && verdict.reason) reason = verdict.reason;
      }
      if (passed) reason = undefined;
      else stage = 'contact';
      // a card fired with no action has nothing the contact policy could stop
      if (decisions.length === 0) passed = true;
      if (passed) {
        report.wouldFire += 1;
        who.fired += 1;
        sample.outcome = 'would-fire';
      }
    }
    if (sample.outcome === 'stopped' && reason && stage) {
      report.stopped[reason] = (report.stopped[reason] ?? 0) + 1;
      report.stoppedBy[stage][reason] = (report.stoppedBy[stage][reason] ?? 0) + 1;
      who.stopped[reason] = (who.stopped[reason] ?? 0) + 1;
      sample.reason = reason;
      sample.stage = stage;
    }
    if (report.sample.length < sampleSize) report.sample.push(sample);
  };

  const settleUntil = async (untilMs: number): Promise<void> => {
    while (waits.length > 0 && waits[0].dueMs <= untilMs) {
      const { pending, dueMs } = waits.shift()!;
      const ref = pending.event.customer.ref;
      const evaluation = engine.settle(pending, {
        customer: (await profile(ref))?.document,
        isEnabled: ALWAYS_ON,
        now: new Date(dueMs),
        history: history.view(ref),
      });
      await judge(evaluation, pending.event, dueMs);
    }
  };

  let after: StoredInteraction | undefined;
  for (;;) {
    const page = await store.listInteractionsBetween(from, to, {
      limit: PAGE,
      ...(after ? { after: { occurredAt: after.occurredAt, eventId: after.eventId } } : {}),
    });
    for (const stored of page) {
      if (report.events >= maxEvents) {
        report.truncated = true;
        break;
      }
      const event = eventOf(stored);
      if (!event) continue;
      report.events += 1;
      const atMs = Date.parse(event.occurredAt);
      await settleUntil(atMs);
      if (kept.has(event.type)) history.record(event);
      const ref = event.customer.ref;
      const evaluation = engine.evaluate(event, {
        customer: (await profile(ref))?.document,
        isEnabled: ALWAYS_ON,
        now: new Date(atMs),
        history: history.view(ref),
        explain: 'all',
      });
      await judge(evaluation, event, atMs);
    }
    if (report.truncated || page.length < PAGE) break;
    after = page[page.length - 1];
  }
  // waits that end before the period does are judged; later ones were still open at its end
  await settleUntil(Date.parse(to) - 1);
  report.pending = waits.length;

  const affected = [...customers.values()].filter(
    (who) => who.fired > 0 || Object.keys(who.stopped).length > 0,
  );
  report.customerCount = affected.length;
  report.customers = affected
    .sort((a, b) => total(b) - total(a) || (a.customerRef < b.customerRef ? -1 : 1))
    .slice(0, options.topCustomers ?? 100);
  return report;
}

const ALWAYS_ON = (): boolean => true;
const AUDIT_PREFIX = 'policy-audit:';

/**
 * The event as the store recorded it: golden-record keeps type, channel, time, customer and amount.
 * The policy switch audit trail, kept as interactions of pseudo customers, is no customer's event.
 */
function eventOf(stored: StoredInteraction): InteractionEvent | undefined {
  if (stored.customerRef.startsWith(AUDIT_PREFIX)) return undefined;
  const summary = stored.summary ?? {};
  const colon = stored.customerRef.indexOf(':');
  const event: InteractionEvent = {
    eventId: stored.eventId,
    schemaVersion: INTERACTION_EVENT_SCHEMA_VERSION,
    type: stored.type,
    occurredAt: stored.occurredAt,
    channel: stored.channel as InteractionEvent['channel'],
    source: { system: colon > 0 ? stored.customerRef.slice(0, colon) : 'unknown' },
    customer: { ref: stored.customerRef, identifiers: [] },
    data: isObject(summary.data) ? (summary.data as InteractionEvent['data']) : {},
  };
  if (isObject(summary.amount)) event.amount = summary.amount as unknown as InteractionEvent['amount'];
  if (isObject(summary.account)) event.account = summary.account as unknown as InteractionEvent['account'];
  return event;
}

/** channel-action's request for a decision: the action word when it names a channel, else its `to` */
function contactRequest(decision: Decision, purpose: string) {
  const channel = contactChannelOf(decision.action) ? decision.action : decision.channel;
  return {
    contactId: decision.decisionId,
    customerRef: decision.customerRef,
    channel,
    purpose,
    policyId: decision.policyId,
    ...(decision.offer ? { offer: decision.offer } : {}),
  };
}

function actionOf(decision: Decision, verdict: ContactVerdict): DryRunSample['actions'][number] {
  return {
    action: decision.action,
    channel: decision.channel,
    ...(decision.offer ? { offer: decision.offer } : {}),
    contact: {
      allowed: verdict.allowed,
      ...(verdict.reason ? { reason: verdict.reason } : {}),
      detail: verdict.detail,
    },
  };
}

/**
 * The contact policy's store for a replay: profiles and recorded answers come from the hub store, caps
 * are taken on scratch counters, and nothing is written.
 */
function scratchContactStore(
  store: DryRunStore,
  profile: (ref: string) => Promise<VersionedCustomer | undefined>,
): ContactStore {
  const caps = new InMemoryCapCounter();
  return {
    getCustomer: (ref) => profile(ref),
    listHistory: (ref, since) => store.listHistory(ref, since),
    appendHistory: async (_entry: HistoryEntry) => false,
    takeCaps: async (claims: readonly CapClaim[], hitId: string, at: string): Promise<CapTakeResult> => {
      const atMs = Date.parse(at);
      const counts = claims.map((claim) => caps.count(claim.key, claim.windowMs, atMs));
      const refused = claims.findIndex(
        (claim, index) => counts[index] >= claim.limit && !caps.has(claim.key, hitId, claim.windowMs, atMs),
      );
      if (refused >= 0) return { granted: false, counts, refused };
      for (const claim of claims) caps.record(claim.key, atMs, hitId);
      return {
        granted: true,
        counts: claims.map((claim) => caps.count(claim.key, claim.windowMs, atMs)),
      };
    },
  };
}

function instant(value: string, field: 'from' | 'to'): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`dry-run: ${field} must be an ISO 8601 date-time`);
  return new Date(ms).toISOString();
}

function total(who: DryRunCustomer): number {
  return who.fired + Object.values(who.stopped).reduce((sum, n) => sum + (n ?? 0), 0);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCompiled(card: CompiledPolicy | PolicyCard): card is CompiledPolicy {
  const maybe = card as Partial<CompiledPolicy>;
  return typeof maybe.eventType === 'string' && Array.isArray(maybe.actions) && 'version' in maybe;
}
