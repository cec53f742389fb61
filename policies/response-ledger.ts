/**
 * The response ledger closes the loop on every policy. Per policy, customer segment and UTC day it
 * keeps how often the card fired, what the engine and the contact policy held back and why, what was
 * delivered, which customers were held out as the control group ("would have fired"), and what the
 * customers answered. From that it reports the response rate and the uplift against the holdout.
 *
 * Everything lives in the hub store as day counters (CounterStore). Each write carries an id, so a
 * redelivered event, action or response counts once, and hub instances on PostgreSQL share the numbers.
 * Key families (U+001F separates the parts; no policy id contains it, other parts are cleaned of it):
 *
 *   m␟<policy>␟<segment>␟<measure>                    report numbers per day (fired, holdout, …)
 *   r␟<policy>␟<segment>␟delivered|positive          the numbers propensity reads, kept apart so that
 *                                                     loading them reads nothing else
 *   a␟<actionId>␟<group>␟<policy>␟<segment>␟<dueMs>   one per action: what a response answers
 *   g␟<policy>␟<customerRef>␟<actionId>              one per action: a customer's latest action of a policy
 *
 * "Ignored" needs no timer. A delivered action adds `due` on the day its answer window ends (the card's
 * `within`, else ignoreAfter), and its first answer within the window adds `answered` on that day. Once
 * a day is over, its due − answered were ignored: derived when a report is read, the same on every
 * instance and after any restart, and never counted twice.
 *
 * Recording is statistics, not a decision: it runs after the action and never holds it up. A write
 * that fails is reported through onError; one lost to a crash in between is lost, never doubled.
 */
import { createHash } from 'node:crypto';
import {
  canonicalOutcome,
  RESPONSE_OUTCOMES,
  type CanonicalResponseOutcome,
  type InteractionEvent,
  type ResponseOutcomeWord,
} from '../mappings/canonical/types';
import type { CounterIncrement, CounterStore, CounterValue } from '../records/store';
import { offerIdFor } from './decision-id';
import { parseDuration } from './duration';
import type { Evaluation, Explanation, Outcome } from './engine';
import { ANY_SEGMENT, segmentOf, type PropensitySource, type ResponseCounts } from './propensity';

export type { PropensitySource, ResponseCounts } from './propensity';

export type LedgerStore = Pick<CounterStore, 'addCounters' | 'readCounters'>;

/** The outcomes a report counts: what customers answered, and "ignored" for no answer within T. */
export type ReportOutcome = CanonicalResponseOutcome;
const REPORT_OUTCOMES: readonly ReportOutcome[] = ['accepted', 'rejected', 'clicked', 'converted', 'ignored'];
const POSITIVE: ReadonlySet<string> = new Set(['accepted', 'clicked', 'converted']);

export interface ResponseLedgerOptions {
  /** the hub store; while there is none nothing is recorded and reports are empty */
  store: () => LedgerStore | undefined;
  /** the golden record, for the segment of a customer the caller did not bring */
  customerOf?: (customerRef: string) => Promise<Record<string, unknown> | undefined>;
  /** ms since the epoch */
  clock?: () => number;
  /** an action with no answer within this time counts as ignored, unless it names its own window; default "7d" */
  ignoreAfter?: string;
  /** how far back a response looks for the action it answers, in days; default 90 */
  lookbackDays?: number;
  /** the days of responses the propensity counts cover; default 90 */
  propensityDays?: number;
  /**
   * how old the propensity counts may get before they are read from the store again; default 60 s. Such a
   * refresh reads the days from the day before the last read on; the whole window is read every
   * fullRefreshMs
   */
  refreshMs?: number;
  /**
   * how often a refresh reads every day of the propensity window, for answers other instances dated
   * further back (a conversion reported days later); default 1 h
   */
  fullRefreshMs?: number;
  onError?: (error: unknown, what: string) => void;
}

/** An action at the contact policy: it left the hub, or the policy refused it. */
export interface ContactOutcome {
  policyId: string;
  /** what a response names as offerId: the decision id, else the contact id */
  actionId: string;
  customerRef?: string;
  /** the profile the message carried; its segment, else the stored customer's, else "*" */
  customer?: Record<string, unknown>;
  allowed: boolean;
  /** when refused: consent, opt-out, quiet-hours, cooldown, cap */
  reason?: string;
  /** ms; default now */
  at?: number;
  /** the end of the answer window when the action names one (a decision's expiresAt, from the card's `within`) */
  expiresAt?: string;
}

/** What a contact's lurking cards did: the offers shown, and the cards the control group held back. */
export interface LurkingContactAnswer {
  customerRef: string;
  /** the profile the cards judged; its segment, else the stored customer's, else "*" */
  customer?: Record<string, unknown>;
  offers: { policyId: string; offerId: string; expiresAt?: string }[];
  /** the card and the offer id it would have shown (lurkingOfferId) */
  heldOut: { policyId: string; actionId: string }[];
  /** ms; default now */
  at?: number;
}

/** A customer's answer, as the canonical response has it. */
export interface LedgerResponse {
  responseId: string;
  offerId: string;
  customerRef: string;
  outcome: ResponseOutcomeWord | string;
  occurredAt: string;
  policyId?: string;
}

export interface ResponseAttribution {
  /** false when this response id was recorded before */
  recorded: boolean;
  /** the policy it was counted for; undefined when neither the response nor an action named one */
  policyId?: string;
  outcome: ReportOutcome;
  /** the action it answers, when the ledger knows it */
  actionId?: string;
  /** "holdout" when the action was a control-group customer's "would have fired" */
  group?: 'treated' | 'holdout';
  /** within the action's answer window */
  inTime?: boolean;
}

export interface ConversionGroup {
  /** deliveries (treated) or "would have fired" (holdout) in the period */
  n: number;
  converted: number;
  /** converted / n; null when n is 0 */
  rate: number | null;
}

export interface PeriodReport {
  /** first and last UTC day, inclusive */
  from: string;
  to: string;
  fires: number;
  /** actions that passed the contact policy and left the hub */
  delivered: number;
  /** control-group customers: the card would have fired */
  holdout: number;
  /** by reason: the engine's (capped-by-card, cooldown, arbitration-lost) and the contact policy's */
  suppressed: Record<string, number>;
  /** answers by outcome; ignored includes `unanswered` */
  responses: Record<ReportOutcome, number>;
  /** delivered actions with no answer when their window ended (counted on that day, once it is over) */
  unanswered: number;
  /** delivered actions with at least one accepted, clicked or converted */
  positive: number;
  /** positive / delivered; null when nothing was delivered */
  responseRate: number | null;
  conversion: {
    treated: ConversionGroup;
    holdout: ConversionGroup;
    /** treated rate − holdout rate; null while either group is empty (look at n before trusting it) */
    uplift: number | null;
  };
}

export interface PolicyReport {
  policyId: string;
  today: PeriodReport;
  last7Days: PeriodReport;
  /** one per day, oldest first, for a chart */
  days: PeriodReport[];
  /** the last 7 days per customer segment ("*": customers with none) */
  segments: Record<string, PeriodReport>;
  /** delivered actions whose answer window is still open */
  awaiting: number;
  /** the default answer window */
  ignoreAfter: string;
}

const SEP = '\u001f';
const DAY_MS = 86_400_000;
const LAST_DAY = '9999-12-31';
const DEFAULT_IGNORE_AFTER = '7d';
const MAX_PART = 128;
/** the store's limit for an id */
const MAX_ID = 256;
/**
 * The suppression reason of an engine outcome that held a card back. The card's own cap is told apart
 * from the contact policy's "cap"; an outcome the engine adds later counts under its own name.
 */
const ENGINE_SUPPRESSIONS: Partial<Record<Outcome, string>> = { capped: 'capped-by-card' };
/** outcomes that are neither a firing, a control-group customer nor a suppression */
const NOT_COUNTED: ReadonlySet<string> = new Set([
  'not-matched',
  'switched-off',
  'out-of-schedule',
  'pending',
]);

export class ResponseLedgerError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ResponseLedgerError';
  }
}

export class ResponseLedger implements PropensitySource {
  private readonly store: () => LedgerStore | undefined;
  private readonly customerOf: ResponseLedgerOptions['customerOf'];
  private readonly clock: () => number;
  private readonly lookbackDays: number;
  private readonly propensityDays: number;
  private readonly refreshMs: number;
  private readonly fullRefreshMs: number;
  private readonly onError: (error: unknown, what: string) => void;
  private ignoreAfterText = DEFAULT_IGNORE_AFTER;
  private ignoreAfterMs = parseDuration(DEFAULT_IGNORE_AFTER);
  /** per policy and segment: delivered and positive per day, within propensityDays */
  private hot = new Map<string, HotEntry>();
  private loadedAt: number | undefined;
  /** when the whole propensity window was last read, and the day of the last read of any kind */
  private fullReadAt: number | undefined;
  private readDay: string | undefined;
  private loading: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(options: ResponseLedgerOptions) {
    this.store = options.store;
    this.customerOf = options.customerOf;
    this.clock = options.clock ?? Date.now;
    this.lookbackDays = positive(options.lookbackDays, 90);
    this.propensityDays = positive(options.propensityDays, 90);
    this.refreshMs = positive(options.refreshMs, 60_000);
    this.fullRefreshMs = positive(options.fullRefreshMs, 3_600_000);
    this.onError = options.onError ?? (() => undefined);
    if (options.ignoreAfter !== undefined) this.configure({ ignoreAfter: options.ignoreAfter });
  }

  /** settings.js `crmHub.responses`; throws naming the setting when it is wrong */
  configure(settings: { ignoreAfter?: string }): void {
    if (settings.ignoreAfter === undefined) return;
    try {
      this.ignoreAfterMs = parseDuration(settings.ignoreAfter);
    } catch (error) {
      throw new ResponseLedgerError(`ignoreAfter: ${(error as Error).message}`, 'ignoreAfter');
    }
    this.ignoreAfterText = settings.ignoreAfter;
  }

  get ignoreAfter(): string {
    return this.ignoreAfterText;
  }

  // ---- recording ----

  /**
   * What the engine did with each card for one event: fired, held back (capped-by-card, cooldown,
   * arbitration-lost), or held out as the control group, which is recorded as "would have fired" under
   * the offer id the first action would have had. Fires and control-group customers come from the
   * decisions and `holdouts` too, so an evaluation that explained nothing (explain: 'none') still counts
   * them. Without the event (a settled wait) the customer comes from the decisions or the holdouts.
   */
  async recordEvaluation(
    evaluation: Pick<Evaluation, 'explanations' | 'decisions' | 'holdouts'>,
    event?: Pick<InteractionEvent, 'eventId'> & { customer?: { ref?: string } },
    customer?: Record<string, unknown>,
  ): Promise<void> {
    const store = this.store();
    if (!store) return;
    const { fired, heldOut, suppressed } = countedOutcomes(evaluation);
    if (fired.size === 0 && heldOut.size === 0 && suppressed.length === 0) return;
    const customerRef =
      event?.customer?.ref ??
      evaluation.decisions.find((decision) => decision.customerRef)?.customerRef ??
      evaluation.holdouts?.[0]?.customerRef;
    const segment = await this.segmentFor(customerRef, customer);
    const day = dayOf(this.clock());
    const measure = (policyId: string, name: string) => counter('m', policyId, segment, name, day);
    for (const [policyId, eventId] of fired) {
      await store.addCounters(idOf('fired', policyId, eventId), [measure(policyId, 'fired')]);
    }
    for (const [policyId, actionId] of heldOut) {
      await store.addCounters(idOf('holdout', actionId), [
        measure(policyId, 'holdout'),
        ...marks(actionId, 'holdout', policyId, segment, customerRef, undefined, day),
      ]);
    }
    for (const { policyId, eventId, outcome } of suppressed) {
      const reason = ENGINE_SUPPRESSIONS[outcome] ?? outcome;
      await store.addCounters(idOf('held', policyId, eventId), [measure(policyId, `suppressed:${reason}`)]);
    }
  }

  /**
   * A contact's lurking answer: each offer shown is a fire of its card and an action delivered to the
   * treated group; each card held back because the customer is in its control group is a control-group
   * customer. Offer ids stay the same all day (lurkingOfferId), so a page shown again the same day
   * counts once. Returns the offers and held-back cards that were counted now for the first time.
   */
  async recordLurking(answer: LurkingContactAnswer): Promise<{ fired: string[]; heldOut: string[] }> {
    const store = this.store();
    const counted = { fired: [] as string[], heldOut: [] as string[] };
    if (!store || (answer.offers.length === 0 && answer.heldOut.length === 0)) return counted;
    const at = answer.at ?? this.clock();
    const day = dayOf(at);
    const segment = await this.segmentFor(answer.customerRef, answer.customer);
    for (const offer of answer.offers) {
      const fired = await store.addCounters(idOf('fired', offer.policyId, offer.offerId), [
        counter('m', offer.policyId, segment, 'fired', day),
      ]);
      if (fired) counted.fired.push(offer.policyId);
      await this.recordContact({
        policyId: offer.policyId,
        actionId: offer.offerId,
        customerRef: answer.customerRef,
        customer: answer.customer,
        allowed: true,
        at,
        ...(offer.expiresAt ? { expiresAt: offer.expiresAt } : {}),
      });
    }
    for (const held of answer.heldOut) {
      const applied = await store.addCounters(idOf('holdout', held.actionId), [
        counter('m', held.policyId, segment, 'holdout', day),
        ...marks(held.actionId, 'holdout', held.policyId, segment, answer.customerRef, undefined, day),
      ]);
      if (applied) counted.heldOut.push(held.policyId);
    }
    return counted;
  }

  /** An action at the contact policy: delivered (and awaiting an answer), or suppressed by reason. */
  async recordContact(contact: ContactOutcome): Promise<boolean> {
    const store = this.store();
    if (!store) return false;
    const at = contact.at ?? this.clock();
    const day = dayOf(at);
    const segment = await this.segmentFor(contact.customerRef, contact.customer);
    const { policyId, actionId } = contact;
    if (!contact.allowed) {
      const reason = contact.reason ?? 'consent';
      return store.addCounters(idOf('suppressed', actionId), [
        counter('m', policyId, segment, `suppressed:${reason}`, day),
      ]);
    }
    const expires = contact.expiresAt === undefined ? Number.NaN : Date.parse(contact.expiresAt);
    const dueMs = Number.isFinite(expires) && expires > at ? expires : at + this.ignoreAfterMs;
    const applied = await store.addCounters(idOf('delivered', actionId), [
      counter('r', policyId, segment, 'delivered', day),
      counter('m', policyId, segment, 'due', dayOf(dueMs)),
      ...marks(actionId, 'treated', policyId, segment, contact.customerRef, dueMs, day),
    ]);
    if (applied) this.bump(policyId, segment, day, 'delivered');
    return applied;
  }

  /**
   * A customer's answer. It is counted for the policy of the action it answers (found by offer id, or
   * for a response that names only its policy, the customer's latest action of that policy), in that
   * action's segment. The first answer within the action's window closes it (it is not ignored); an
   * accepted, clicked or converted one makes the action positive; a converted one counts as a conversion
   * of the treated group or, for a held-out customer's "would have fired", of the holdout.
   */
  async recordResponse(response: LedgerResponse): Promise<ResponseAttribution> {
    const outcome = outcomeOf(response.outcome);
    const occurredMs = Date.parse(response.occurredAt);
    if (Number.isNaN(occurredMs)) {
      throw new ResponseLedgerError(`occurredAt "${response.occurredAt}" is not a date-time`, 'occurredAt');
    }
    for (const field of ['responseId', 'offerId', 'customerRef'] as const) {
      if (typeof response[field] !== 'string' || response[field] === '') {
        throw new ResponseLedgerError(`${field} is missing or not a string`, field);
      }
    }
    const store = this.store();
    if (!store) return { recorded: false, outcome };
    const action = await this.findAction(store, response, occurredMs);
    const policyId = action?.policyId ?? response.policyId;
    if (!policyId) return { recorded: false, outcome };
    const segment = action?.segment ?? (await this.segmentFor(response.customerRef));
    const day = dayOf(occurredMs);
    const actionId = action?.actionId ?? response.offerId;
    const heldOut = action?.group === 'holdout';
    // a held-out customer got nothing to answer: only a conversion counts, for the control group
    const recorded = await store.addCounters(
      idOf('response', response.responseId),
      heldOut ? [] : [counter('m', policyId, segment, `response:${outcome}`, day)],
    );
    const attribution: ResponseAttribution = { recorded, policyId, outcome };
    if (action) {
      attribution.actionId = action.actionId;
      attribution.group = action.group;
    }
    if (heldOut) {
      if (outcome === 'converted') {
        await store.addCounters(idOf('converted', actionId), [
          counter('m', policyId, segment, 'holdout-converted', day),
        ]);
      }
      return attribution;
    }
    if (action?.dueMs !== undefined) {
      attribution.inTime = occurredMs <= action.dueMs;
      if (attribution.inTime) {
        await store.addCounters(idOf('answered', actionId), [
          counter('m', policyId, segment, 'answered', dayOf(action.dueMs)),
        ]);
      }
    }
    if (POSITIVE.has(outcome)) {
      const applied = await store.addCounters(idOf('positive', actionId), [
        counter('r', policyId, segment, 'positive', day),
      ]);
      if (applied) this.bump(policyId, segment, day, 'positive');
    }
    if (outcome === 'converted') {
      await store.addCounters(idOf('converted', actionId), [
        counter('m', policyId, segment, 'converted', day),
      ]);
    }
    return attribution;
  }

  /** Runs a recording without waiting for it; its failure goes to onError. settled() waits for it. */
  background(what: string, record: () => Promise<unknown>): void {
    const running = record().catch((error: unknown) => this.onError(error, what));
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running));
  }

  /** Resolves when every recording started so far has finished (for tests and an orderly shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  // ---- reports ----

  /**
   * Reports per policy from the store, so every hub instance reports the same: today, the last 7 days,
   * one per day for the last `days` (default 7, at most 90), and the last 7 days per segment. Policies
   * asked for but never counted get a report of zeros.
   */
  async report(options: { policyIds?: string[]; days?: number } = {}): Promise<Map<string, PolicyReport>> {
    const chartDays = Math.min(Math.max(Math.trunc(options.days ?? 7), 1), 90);
    const today = dayOf(this.clock());
    const from = addDays(today, -(Math.max(chartDays, 7) - 1));
    const store = this.store();
    const single = options.policyIds?.length === 1 ? `${part(options.policyIds[0])}${SEP}` : '';
    const rows = store
      ? [
          ...(await store.readCounters(`m${SEP}${single}`, from, LAST_DAY)),
          ...(await store.readCounters(`r${SEP}${single}`, from, LAST_DAY)),
        ]
      : [];
    const byPolicy = new Map<string, Tallies>();
    for (const row of rows) {
      const parsed = parseMeasure(row);
      if (!parsed) continue;
      let tallies = byPolicy.get(parsed.policyId);
      if (!tallies) byPolicy.set(parsed.policyId, (tallies = []));
      tallies.push(parsed);
    }
    const wanted = options.policyIds ?? [...byPolicy.keys()].sort();
    const reports = new Map<string, PolicyReport>();
    for (const policyId of wanted) {
      const tallies = byPolicy.get(part(policyId)) ?? [];
      const week = addDays(today, -6);
      const segments: Record<string, PeriodReport> = {};
      for (const segment of [...new Set(tallies.map((t) => t.segment))].sort()) {
        segments[segment] = period(
          tallies.filter((t) => t.segment === segment),
          week,
          today,
          today,
        );
      }
      reports.set(policyId, {
        policyId,
        today: period(tallies, today, today, today),
        last7Days: period(tallies, week, today, today),
        days: Array.from({ length: chartDays }, (_, i) => {
          const day = addDays(today, i - chartDays + 1);
          return period(tallies, day, day, today);
        }),
        segments,
        awaiting: awaiting(tallies, today),
        ignoreAfter: this.ignoreAfterText,
      });
    }
    return reports;
  }

  // ---- propensity ----

  /**
   * Delivered actions and positive answers of a card in a segment ("*": customers with none) over the
   * last propensityDays, from the copy in memory; undefined while nothing is known there. Synchronous
   * for the engine: this instance's own writes show at once, other instances' after the next refresh.
   */
  counts(policyId: string, segment: string): ResponseCounts | undefined {
    this.refreshWhenStale();
    const entry = this.hot.get(hotKey(policyId, part(segment)));
    if (!entry) return undefined;
    const today = dayOf(this.clock());
    if (entry.totalOn !== today) {
      const first = addDays(today, -(this.propensityDays - 1));
      const total = { delivered: 0, positive: 0 };
      for (const [day, counts] of entry.days) {
        if (day < first) entry.days.delete(day);
        else if (day <= today) {
          total.delivered += counts.delivered;
          total.positive += counts.positive;
        }
      }
      entry.total = total;
      entry.totalOn = today;
    }
    return { ...(entry.total as ResponseCounts) };
  }

  /**
   * Reads the propensity counts from the store (at start, and again when they are older than refreshMs):
   * the whole window at start and every fullRefreshMs, else the days from the day before the last read on.
   */
  load(): Promise<void> {
    this.loading ??= this.readHot().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async readHot(): Promise<void> {
    const store = this.store();
    if (!store) return;
    const startedAt = this.clock();
    const today = dayOf(startedAt);
    const first = addDays(today, -(this.propensityDays - 1));
    // The store cannot say which days changed. Writes are dated by their delivery or answer, so nearly all
    // land on the last day or two: reading those keeps a refresh small however long the window is.
    const recent =
      this.readDay !== undefined &&
      this.fullReadAt !== undefined &&
      startedAt - this.fullReadAt < this.fullRefreshMs
        ? maxDay(first, addDays(this.readDay, -1))
        : undefined;
    const full = recent === undefined;
    const from = recent ?? first;
    const rows = await store.readCounters(`r${SEP}`, from, today);
    const read = new Map<string, HotEntry>();
    for (const row of rows) {
      const parsed = parseMeasure(row);
      if (!parsed || (parsed.measure !== 'delivered' && parsed.measure !== 'positive')) continue;
      add(read, hotKey(parsed.policyId, parsed.segment), parsed.day, parsed.measure, parsed.n);
    }
    if (full) {
      this.hot = read;
      this.fullReadAt = startedAt;
    } else {
      // the store's counts replace the copy's from `from` on; older days stay as read before
      for (const entry of this.hot.values()) {
        for (const day of entry.days.keys()) if (day >= from) entry.days.delete(day);
        entry.totalOn = undefined;
      }
      for (const [key, entry] of read) {
        const known = this.hot.get(key);
        if (!known) this.hot.set(key, entry);
        else for (const [day, counts] of entry.days) known.days.set(day, counts);
      }
    }
    this.readDay = today;
    this.loadedAt = startedAt;
  }

  private refreshWhenStale(): void {
    if (this.loading || !this.store()) return;
    if (this.loadedAt !== undefined && this.clock() - this.loadedAt < this.refreshMs) return;
    // the first call after start triggers the load too; until it is done the counts are what this
    // instance recorded itself
    this.loadedAt = this.clock();
    this.background('reading the response counts', () => this.load());
  }

  private bump(policyId: string, segment: string, day: string, measure: 'delivered' | 'positive'): void {
    add(this.hot, hotKey(policyId, segment), day, measure, 1);
  }

  // ---- look-ups ----

  private async findAction(
    store: LedgerStore,
    response: LedgerResponse,
    occurredMs: number,
  ): Promise<ActionMark | undefined> {
    const to = maxDay(dayOf(occurredMs), dayOf(this.clock()));
    const from = addDays(dayOf(occurredMs), -this.lookbackDays);
    const byId = await store.readCounters(`a${SEP}${part(response.offerId)}${SEP}`, from, to);
    const found = byId.map(parseAction).find((mark) => mark !== undefined);
    if (found) return found;
    if (!response.policyId) return undefined;
    // a response naming its policy but not an action the hub made (e.g. a conversion reported by the
    // core system): the customer's latest action of that policy, treated or held out
    const latest = (
      await store.readCounters(
        `g${SEP}${part(response.policyId)}${SEP}${part(response.customerRef)}${SEP}`,
        from,
        to,
      )
    ).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    const last = latest[latest.length - 1];
    if (!last) return undefined;
    const actionId = last.key.slice(last.key.lastIndexOf(SEP) + 1);
    const marked = await store.readCounters(`a${SEP}${actionId}${SEP}`, from, to);
    return marked.map(parseAction).find((mark) => mark !== undefined);
  }

  private async segmentFor(
    customerRef: string | undefined,
    customer?: Record<string, unknown>,
  ): Promise<string> {
    const given = segmentOf(customer);
    if (given !== ANY_SEGMENT || !customerRef || !this.customerOf) return part(given);
    try {
      return part(segmentOf(await this.customerOf(customerRef)));
    } catch (error) {
      this.onError(error, `reading the segment of ${customerRef}`);
      return ANY_SEGMENT;
    }
  }
}

interface HotEntry {
  days: Map<string, ResponseCounts>;
  total?: ResponseCounts;
  /** the day total was summed on; a new day drops the oldest */
  totalOn?: string;
}

interface ActionMark {
  actionId: string;
  group: 'treated' | 'holdout';
  policyId: string;
  segment: string;
  dueMs?: number;
}

interface Tally {
  policyId: string;
  segment: string;
  measure: string;
  day: string;
  n: number;
}
type Tallies = Tally[];

/**
 * What one evaluation counts, per policy: fired (policy → event id), held out (policy → the offer id
 * the first decision would have had) and held back by the engine. Explanations, decisions and holdouts
 * may tell the same thing twice; each is counted once.
 */
function countedOutcomes(evaluation: Pick<Evaluation, 'explanations' | 'decisions' | 'holdouts'>): {
  fired: Map<string, string>;
  heldOut: Map<string, string>;
  suppressed: Pick<Explanation, 'policyId' | 'eventId' | 'outcome'>[];
} {
  const fired = new Map<string, string>();
  const heldOut = new Map<string, string>();
  const suppressed: Pick<Explanation, 'policyId' | 'eventId' | 'outcome'>[] = [];
  for (const held of evaluation.holdouts ?? []) {
    heldOut.set(held.policyId, held.decisionIds[0] ?? offerIdFor(held.policyId, held.eventId));
  }
  for (const decision of evaluation.decisions) {
    if (!fired.has(decision.policyId)) fired.set(decision.policyId, decision.eventId);
  }
  for (const { policyId, eventId, outcome } of evaluation.explanations) {
    if (NOT_COUNTED.has(outcome)) continue;
    if (outcome === 'fired') {
      if (!fired.has(policyId)) fired.set(policyId, eventId);
    } else if (outcome === 'holdout') {
      if (!heldOut.has(policyId)) heldOut.set(policyId, offerIdFor(policyId, eventId));
    } else {
      suppressed.push({ policyId, eventId, outcome });
    }
  }
  return { fired, heldOut, suppressed };
}

function outcomeOf(word: string): ReportOutcome {
  if (!(RESPONSE_OUTCOMES as readonly string[]).includes(word)) {
    throw new ResponseLedgerError(
      `outcome "${word}" is not one of ${RESPONSE_OUTCOMES.join(', ')}`,
      'outcome',
    );
  }
  return canonicalOutcome(word as ResponseOutcomeWord);
}

function marks(
  actionId: string,
  group: 'treated' | 'holdout',
  policyId: string,
  segment: string,
  customerRef: string | undefined,
  dueMs: number | undefined,
  day: string,
): CounterIncrement[] {
  const id = part(actionId);
  const due = dueMs === undefined ? '-' : String(dueMs);
  const policy = part(policyId);
  const found: CounterIncrement[] = [{ key: ['a', id, group, policy, segment, due].join(SEP), day, n: 1 }];
  if (customerRef) found.push({ key: ['g', policy, part(customerRef), id].join(SEP), day, n: 1 });
  return found;
}

function parseAction(row: CounterValue): ActionMark | undefined {
  const [family, actionId, group, policyId, segment, due] = row.key.split(SEP);
  if (family !== 'a' || (group !== 'treated' && group !== 'holdout') || !policyId || segment === undefined) {
    return undefined;
  }
  const dueMs = Number(due);
  return { actionId, group, policyId, segment, ...(Number.isFinite(dueMs) ? { dueMs } : {}) };
}

function parseMeasure(row: CounterValue): Tally | undefined {
  const [family, policyId, segment, measure] = row.key.split(SEP);
  if ((family !== 'm' && family !== 'r') || !policyId || segment === undefined || !measure) return undefined;
  return { policyId, segment, measure, day: row.day, n: row.n };
}

function period(tallies: Tallies, from: string, to: string, today: string): PeriodReport {
  const sum = new Map<string, number>();
  const perDay = new Map<string, { due: number; answered: number }>();
  for (const tally of tallies) {
    if (tally.day < from || tally.day > to) continue;
    sum.set(tally.measure, (sum.get(tally.measure) ?? 0) + tally.n);
    if (tally.measure === 'due' || tally.measure === 'answered') {
      const entry = perDay.get(tally.day) ?? { due: 0, answered: 0 };
      entry[tally.measure] += tally.n;
      perDay.set(tally.day, entry);
    }
  }
  let unanswered = 0;
  // a day's window-ends are all past only once the day is over
  for (const [day, { due, answered }] of perDay) if (day < today) unanswered += Math.max(due - answered, 0);
  const get = (measure: string) => sum.get(measure) ?? 0;
  const suppressed: Record<string, number> = {};
  for (const [measure, n] of [...sum].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (measure.startsWith('suppressed:') && n !== 0) suppressed[measure.slice('suppressed:'.length)] = n;
  }
  const responses = Object.fromEntries(REPORT_OUTCOMES.map((o) => [o, get(`response:${o}`)])) as Record<
    ReportOutcome,
    number
  >;
  responses.ignored += unanswered;
  const delivered = get('delivered');
  const holdout = get('holdout');
  const treated = group(delivered, get('converted'));
  const control = group(holdout, get('holdout-converted'));
  return {
    from,
    to,
    fires: get('fired'),
    delivered,
    holdout,
    suppressed,
    responses,
    unanswered,
    positive: get('positive'),
    responseRate: delivered > 0 ? get('positive') / delivered : null,
    conversion: {
      treated,
      holdout: control,
      uplift: treated.rate === null || control.rate === null ? null : treated.rate - control.rate,
    },
  };
}

function awaiting(tallies: Tallies, today: string): number {
  let open = 0;
  for (const tally of tallies) {
    if (tally.day < today) continue;
    if (tally.measure === 'due') open += tally.n;
    else if (tally.measure === 'answered') open -= tally.n;
  }
  return Math.max(open, 0);
}

function group(n: number, converted: number): ConversionGroup {
  return { n, converted, rate: n > 0 ? converted / n : null };
}

function add(
  hot: Map<string, HotEntry>,
  key: string,
  day: string,
  measure: keyof ResponseCounts,
  n: number,
): void {
  let entry = hot.get(key);
  if (!entry) hot.set(key, (entry = { days: new Map() }));
  let counts = entry.days.get(day);
  if (!counts) entry.days.set(day, (counts = { delivered: 0, positive: 0 }));
  counts[measure] += n;
  entry.totalOn = undefined;
}

function counter(
  family: 'm' | 'r',
  policyId: string,
  segment: string,
  measure: string,
  day: string,
): CounterIncrement {
  return { key: [family, part(policyId), segment, measure].join(SEP), day, n: 1 };
}

/** The id a write is applied once under; long or odd parts are hashed, which keeps it within the store's limit. */
function idOf(kind: string, ...parts: string[]): string {
  const id = [`ledger:${kind}`, ...parts.map(part)].join(SEP);
  return id.length <= MAX_ID ? id : `ledger:${kind}${SEP}#${sha256(id)}`;
}

/**
 * A key part: no separators or control characters, at most MAX_PART characters (else its hash). Card
 * ids pass unchanged; a policy id a flow set on msg.contact might not.
 */
function part(text: string): string {
  // card ids and segments are clean: the engine's look-ups (counts) then copy nothing
  if (text.length <= MAX_PART && !CONTROL.test(text)) return text;
  // eslint-disable-next-line no-control-regex -- the separator and NUL are exactly what must go
  const clean = text.replace(/[\u0000-\u001f]/g, ' ');
  return clean.length <= MAX_PART ? clean : `#${sha256(clean)}`;
}

// eslint-disable-next-line no-control-regex -- the separator and NUL are exactly what must go
const CONTROL = /[\u0000-\u001f]/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

function hotKey(policyId: string, segment: string): string {
  return `${part(policyId)}${SEP}${segment}`;
}

function dayOf(ms: number): string {
  // UTC days are 86,400,000 ms each in JavaScript time, so the day number tells whether the text is known
  const number = Math.floor(ms / DAY_MS);
  if (number !== lastDay.number) lastDay = { number, text: new Date(ms).toISOString().slice(0, 10) };
  return lastDay.text;
}

/** The last day dayOf() wrote out: counts() reads the clock for every card the engine scores. */
let lastDay = { number: Number.NaN, text: '' };

function addDays(day: string, days: number): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}

function maxDay(a: string, b: string): string {
  return a > b ? a : b;
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
