import type { InteractionEvent } from '../mappings/canonical/types';
import type { PolicyStateStore } from '../records/store';
import type { ArbitrationOptions } from './arbitration';
import type { CompiledPolicy } from './card';
import { PolicyEngine, type Decision, type Evaluation, type PendingDecision } from './engine';
import {
  evaluateLurking,
  type Contact,
  type DormantCard,
  type LurkingContext,
  type LurkingOffer,
} from './lurking';
import { LurkingCardCache, mergeLurkingOffers } from './lurking-offers';
import { PolicyState, type SweepResult } from './policy-state';
import type { PropensitySource } from './propensity';
import { PolicySwitches, type SwitchStore } from './switches';

/** Whoever holds a card (the policy node): the engine emits a decision through it. */
export interface PolicyOwner {
  nodeId: string;
  emit(decision: Decision, event: unknown): void;
  enabledChanged(enabled: boolean): void;
}

export interface StateBinding {
  store: PolicyStateStore;
  instanceId: string;
  clock?: () => number;
}

type CustomerOf = (customerRef: string) => Promise<Record<string, unknown> | undefined>;

/** A wait the sweep settled: its evaluation, the event that started it, and the profile it was judged with. */
export type ObserveSettled = (
  evaluation: Evaluation,
  event: InteractionEvent,
  customer: Record<string, unknown> | undefined,
) => void;

/** How an engine's cards compete, and where learned propensities come from (the response ledger). */
export interface EngineSettings {
  arbitration?: ArbitrationOptions;
  propensity?: PropensitySource;
}

export interface PolicyDirectoryOptions {
  /**
   * The W3C traceparent the decisions of one emission share, from what caused them (the message that
   * carried the event, or `{ payload: event }` for a wait the sweep fired). Only the glue sees the
   * transport, so it supplies this; left out, decisions keep the traceparent they have (none).
   */
  traceOf?: (source: unknown) => string;
}

/**
 * Engines by the id of their engine node, and the owners of the cards. Owners may be attached before
 * their engine is configured, so both sides meet here instead of looking each other up. An engine bound
 * to a store gets a PolicyState: its history, caps and waits then live in the store. The cards are kept
 * in the plain engine as well, so binding and unbinding need no re-attach. The switches are
 * PolicySwitches; this only tells the owner when its switch moved.
 */
export class PolicyDirectory {
  private readonly engines = new Map<string, PolicyEngine>();
  private readonly states = new Map<string, PolicyState>();
  private readonly owners = new Map<string, PolicyOwner>();
  private readonly settings = new Map<string, EngineSettings>();
  private readonly lurkingCards = new LurkingCardCache();
  private readonly switches = new PolicySwitches((policyId, enabled) =>
    this.owners.get(policyId)?.enabledChanged(enabled),
  );
  private readonly traceOf: ((source: unknown) => string) | undefined;

  constructor(options: PolicyDirectoryOptions = {}) {
    this.traceOf = options.traceOf;
  }

  /** the engine that decides for the engine id: the bound state's, else a plain one */
  engine(engineId: string): PolicyEngine {
    const state = this.states.get(engineId);
    if (state) return state.engine;
    return this.plain(engineId);
  }

  attach(engineId: string, policy: CompiledPolicy, owner: PolicyOwner, enabledByDefault: boolean): void {
    this.plain(engineId).register(policy, owner.nodeId);
    this.states.get(engineId)?.engine.register(policy, owner.nodeId);
    this.owners.set(policy.id, owner);
    void this.switches.declare(policy.id, enabledByDefault);
  }

  detach(engineId: string, policyId: string, nodeId: string): void {
    if (this.owners.get(policyId)?.nodeId !== nodeId) return;
    this.owners.delete(policyId);
    this.plain(engineId).unregister(policyId);
    this.states.get(engineId)?.engine.unregister(policyId);
  }

  /** The engine's arbitration (and propensity source), used from its next evaluation on. */
  configure(engineId: string, settings: EngineSettings): void {
    this.settings.set(engineId, { ...this.settings.get(engineId), ...settings });
  }

  /** Keeps the engine's state in the store from now on, with the cards attached so far. */
  bind(engineId: string, binding: StateBinding): PolicyState {
    const state = new PolicyState({
      store: binding.store,
      instanceId: binding.instanceId,
      clock: binding.clock ?? Date.now,
    });
    for (const { policy, owner } of this.plain(engineId).list()) state.engine.register(policy, owner);
    this.states.set(engineId, state);
    return state;
  }

  /** Drops the state (its store is closing); a state bound meanwhile by a newer engine node stays. */
  unbind(engineId: string, state: PolicyState): void {
    if (this.states.get(engineId) === state) this.states.delete(engineId);
  }

  /** Evaluates with the current switches and emits each decision from the owner of its card. */
  async evaluate(
    engineId: string,
    event: InteractionEvent,
    customer: Record<string, unknown> | undefined,
    source: unknown,
  ): Promise<Evaluation> {
    const context = {
      customer,
      isEnabled: this.isEnabledFn,
      // The engine's output documents an explanation for every card of the event's type, also the
      // ones the index ruled out ("not matched: via call-center"), so not 'candidates'.
      explain: 'all' as const,
      ...this.settings.get(engineId),
    };
    const state = this.states.get(engineId);
    const result = state
      ? await state.evaluate(event, context)
      : this.plain(engineId).evaluate(event, context);
    this.emit(result, source);
    return result;
  }

  /**
   * Fires the waits that are due at `nowMs` (the state's clock when left out): each settled decision
   * leaves through the owner of its card, as an evaluated one does. Nothing without a state.
   * `observe` then hears of each wait that settled for good, with the event that started it and the
   * customer profile it was judged with (when the sweep read one), e.g. for the response ledger.
   */
  async sweep(
    engineId: string,
    options: { now?: number; customerOf?: CustomerOf; observe?: ObserveSettled } = {},
  ): Promise<SweepResult> {
    const state = this.states.get(engineId);
    if (!state) return { settled: [], failed: [] };
    const { customerOf, observe } = options;
    // the profiles the sweep read, by customer, so observing costs no second read
    const profiles = new Map<string, Record<string, unknown> | undefined>();
    const handedOn = new Map<Evaluation, PendingDecision>();
    const result = await state.sweep({
      now: options.now,
      customerOf:
        customerOf &&
        (async (customerRef) => {
          const profile = await customerOf(customerRef);
          profiles.set(customerRef, profile);
          return profile;
        }),
      isEnabled: this.isEnabledFn,
      // the owner sends the decision with the event that triggered the wait, as on evaluation
      onSettled: async (evaluation, pending) => {
        this.emit(evaluation, { payload: pending.event });
        handedOn.set(evaluation, pending);
      },
    });
    if (observe) {
      // only what settled for good: a wait whose completion failed is swept again and observed then
      for (const evaluation of result.settled) {
        const pending = handedOn.get(evaluation);
        if (pending) observe(evaluation, pending.event, profiles.get(pending.event.customer.ref));
      }
    }
    return result;
  }

  /**
   * The lurking cards of every engine that this contact wakes, ranked, with the current switches. An
   * engine bound to a store lends the customer's stored history to cards that read it.
   */
  async lurkingOffers(
    customer: Record<string, unknown> | undefined,
    contact: Contact,
    now: Date = new Date(),
  ): Promise<LurkingOffer[]> {
    return (await this.lurkingAnswer(customer, contact, now)).offers;
  }

  /**
   * The offers, and the cards that would have woken but for their state (DormantCard), once each: an
   * answer without an offer says why. Only the offers are read here, so no explanations
   * (engine.lurking() gives them, for the console).
   */
  async lurkingAnswer(
    customer: Record<string, unknown> | undefined,
    contact: Contact,
    now: Date = new Date(),
  ): Promise<{ offers: LurkingOffer[]; dormant: DormantCard[] }> {
    const perEngine = await this.judgeLurking(customer, contact, now, false);
    const seen = new Set<string>();
    const dormant: DormantCard[] = [];
    for (const { policyId, state } of perEngine.flatMap((result) => result.dormant)) {
      if (seen.has(policyId)) continue;
      seen.add(policyId);
      dormant.push({ policyId, state });
    }
    return { offers: mergeLurkingOffers(perEngine.map((result) => result.offers)), dormant };
  }

  private async judgeLurking(
    customer: Record<string, unknown> | undefined,
    contact: Contact,
    now: Date,
    explain: boolean,
  ): Promise<ReturnType<typeof evaluateLurking>[]> {
    const perEngine: ReturnType<typeof evaluateLurking>[] = [];
    for (const [engineId, engine] of this.engines) {
      const { entries, readsHistory } = this.lurkingCards.of(engine);
      if (entries.length === 0) continue;
      // The directory's engines keep the default prior strength, as engine.lurking() would pass it.
      const context: LurkingContext = { customer, isEnabled: this.isEnabledFn, now, explain };
      const state = this.states.get(engineId);
      if (state && readsHistory) {
        await state.history.load(contact.customerRef, now.getTime());
        context.history = state.history.view(contact.customerRef);
      }
      // the engine's propensity source (the response ledger) and prior strength rank by learned rates
      const settings = this.settings.get(engineId);
      if (settings?.propensity) context.propensity = settings.propensity;
      const priorStrength = settings?.arbitration?.priorStrength;
      if (priorStrength !== undefined) context.priorStrength = priorStrength;
      perEngine.push(evaluateLurking(entries, contact, context));
    }
    return perEngine;
  }

  /** Every engine's hot history of the customer read again, after a response was written to the store. */
  async refreshHistory(customerRef: string, now: Date = new Date()): Promise<void> {
    for (const state of this.states.values()) await state.history.refresh(customerRef, now.getTime());
  }

  isEnabled(policyId: string): boolean {
    return this.switches.isEnabled(policyId);
  }

  setEnabled(policyId: string, enabled: boolean, keep?: () => Promise<void>): Promise<void> {
    return this.switches.set(policyId, enabled, keep);
  }

  useStore(store: SwitchStore | undefined): void {
    void this.switches.useStore(store);
  }

  private readonly isEnabledFn = (policyId: string): boolean => this.switches.isEnabled(policyId);

  private plain(engineId: string): PolicyEngine {
    let engine = this.engines.get(engineId);
    if (!engine) {
      engine = new PolicyEngine();
      this.engines.set(engineId, engine);
    }
    return engine;
  }

  private emit(result: Evaluation, source: unknown): void {
    if (result.decisions.length === 0) return;
    // The decisions of one event share one trace; explain and /decisions show it.
    const traceparent = this.traceOf?.(source);
    for (const decision of result.decisions) {
      if (traceparent !== undefined) decision.traceparent ??= traceparent;
      this.owners.get(decision.policyId)?.emit(decision, source);
    }
  }
}
