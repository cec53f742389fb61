/**
 * The engine with its state in the hub store: history (StoredHistory), caps confirmed by the store, and
 * "no B within T" waits that a sweep fires once they are due. Decisions stay synchronous; what must be
 * shared between hub instances or survive a restart is written to the store around them.
 */
import type { InteractionEvent } from '../mappings/canonical/types';
import type { PendingWait, PolicyStateStore, ProcessStore } from '../records/store';
import { InMemoryCapCounter } from './caps';
import { offerIdFor } from './decision-id';
import {
  PolicyEngine,
  type CapClaimSet,
  type Evaluation,
  type EvaluationContext,
  type PendingDecision,
} from './engine';
import { Escalations, isEscalationStep } from './escalation';
import { historyNeeds, type HistoryNeeds } from './history';
import { StoredHistory } from './stored-history';

export interface PolicyStateOptions {
  store: PolicyStateStore;
  /** ms since the epoch; injected so tests and replays decide what time it is */
  clock: () => number;
  /** names this hub instance in wait claims */
  instanceId: string;
  /** how long a claimed wait stays with this instance before another may fire it */
  leaseMs?: number;
  /** where escalation cases are kept; the store itself when it keeps processes (a HubStore does) */
  processes?: ProcessStore;
}

export type StateContext = Omit<EvaluationContext, 'history' | 'now'>;

export interface SweepOptions {
  isEnabled(policyId: string): boolean;
  customerOf?: (customerRef: string) => Promise<Record<string, unknown> | undefined>;
  /**
   * Hands a settled wait's evaluation on (e.g. publishes its decisions). The wait is completed only
   * after it resolves; if it throws, the wait goes to whoever sweeps after the lease. `pending` is the
   * wait as it was started, with the event that triggered it.
   */
  onSettled?: (evaluation: Evaluation, pending: PendingDecision) => Promise<void>;
  /** most waits claimed per sweep */
  limit?: number;
  explain?: EvaluationContext['explain'];
  /** ms since the epoch the sweep counts as now; the clock when left out */
  now?: number;
}

export interface SweepResult {
  settled: Evaluation[];
  failed: { waitId: string; error: unknown }[];
}

/** a cap the store refused: its key, and the hits the store counts in its window */
interface RefusedCap {
  key: string;
  windowMs: number;
  atMs: number;
  count: number;
}

const MAX_CAP_ROUNDS = 8;
const DEFAULT_LEASE_MS = 5 * 60_000;
const DEFAULT_SWEEP_LIMIT = 100;

export class PolicyState {
  readonly engine: PolicyEngine;
  readonly history: StoredHistory;
  private readonly store: PolicyStateStore;
  private readonly clock: () => number;
  private readonly instanceId: string;
  private readonly leaseMs: number;
  /** the engine's fast pre-check; the store has the last word on every cap */
  private readonly caps = new InMemoryCapCounter();
  private cachedNeeds: { generation: number; needs: HistoryNeeds; retentionMs: number } | undefined;
  /** escalation ladders; without a process store an escalation card fires its first level only */
  private readonly escalations: Escalations | undefined;

  constructor(options: PolicyStateOptions) {
    this.store = options.store;
    const processes = options.processes ?? processStoreOf(options.store);
    this.escalations = processes && new Escalations({ processes, waits: options.store });
    this.clock = options.clock;
    this.instanceId = options.instanceId;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.engine = new PolicyEngine({ caps: this.caps });
    this.history = new StoredHistory({
      store: options.store,
      needs: () => this.needs(),
      responseRetentionMs: () => this.responseRetentionMs(),
    });
  }

  /**
   * Appends the event to the customer's history, judges it, then confirms the caps its decisions took
   * and stores the waits it started. Decisions a cap refused in the store are dropped and explained as
   * capped, exactly as if this instance had counted the other instances' decisions itself.
   */
  async evaluate(event: InteractionEvent, context: StateContext): Promise<Evaluation> {
    const nowMs = this.clock();
    await this.history.record(event, nowMs);
    const result = await this.confirmed(() =>
      this.engine.evaluate(event, {
        ...context,
        now: new Date(nowMs),
        history: this.history.view(event.customer.ref),
      }),
    );
    for (const pending of result.pending ?? []) await this.store.putWait(waitOf(pending));
    if (this.escalations) {
      await this.escalations.answer(this.engine, event, nowMs);
      await this.escalations.open(this.engine, event, result);
    }
    return result;
  }

  /** Claims the waits due now, settles each and completes it: each fires once, also across a restart. */
  async sweep(options: SweepOptions): Promise<SweepResult> {
    const nowMs = options.now ?? this.clock();
    const waits = await this.store.claimDueWaits(
      new Date(nowMs).toISOString(),
      this.instanceId,
      this.leaseMs,
      options.limit ?? DEFAULT_SWEEP_LIMIT,
    );
    const outcome: SweepResult = { settled: [], failed: [] };
    for (const wait of waits) {
      try {
        if (isEscalationStep(wait)) {
          outcome.settled.push(await this.climb(wait, options, nowMs));
          continue;
        }
        const pending = pendingOf(wait);
        // The absence is judged over (trigger, trigger + T] whenever the sweep runs, so the view reaches
        // back to the trigger, not only T back from now.
        const history = await this.history.viewSince(
          wait.customerRef,
          Date.parse(pending.triggeredAt),
          nowMs,
        );
        const customer = await options.customerOf?.(wait.customerRef);
        const evaluation = await this.confirmed(() =>
          this.engine.settle(pending, {
            customer,
            isEnabled: options.isEnabled,
            now: new Date(nowMs),
            history,
            explain: options.explain,
          }),
        );
        // a card that waited and then escalates opens its case like one that escalates at once
        await this.escalations?.open(this.engine, pending.event, evaluation);
        await options.onSettled?.(evaluation, pending);
        await this.store.completeWait(
          wait.waitId,
          this.instanceId,
          new Date(options.now ?? this.clock()).toISOString(),
        );
        outcome.settled.push(evaluation);
      } catch (error) {
        outcome.failed.push({ waitId: wait.waitId, error });
      }
    }
    return outcome;
  }

  /** One due level of an escalation case: hands it on, then starts the next level's timer. */
  private async climb(wait: PendingWait, options: SweepOptions, nowMs: number): Promise<Evaluation> {
    if (!this.escalations) throw new Error(`wait ${wait.waitId}: an escalation step, but no process store`);
    const step = await this.escalations.step(wait, {
      engine: this.engine,
      isEnabled: options.isEnabled,
      nowMs,
      explain: options.explain !== 'none',
    });
    await options.onSettled?.(step.evaluation, step.pending);
    await step.handedOn();
    await this.store.completeWait(
      wait.waitId,
      this.instanceId,
      new Date(options.now ?? this.clock()).toISOString(),
    );
    return step.evaluation;
  }

  /**
   * Judges, and has the store confirm the caps the decisions took. A cap the store refuses (hits this
   * instance has not counted: another instance's, or those before a restart) makes the card capped,
   * and a capped card does not compete: the event is judged again with the store's count in the local
   * counter, so the card that lost arbitration to it fires instead. The store's hits stand in the
   * counter only for that judgement; the store keeps the last word on every later one.
   */
  private async confirmed(judge: () => Evaluation): Promise<Evaluation> {
    const standIns: { key: string; hitId: string }[] = [];
    const granted = new Map<string, CapClaimSet>();
    try {
      for (let round = 1; ; round++) {
        const result = judge();
        const refused = await this.confirmCaps(result);
        for (const set of result.capClaims ?? []) granted.set(set.hitId, set);
        // each round caps at least one more card; a card set is small, the bound only a guard
        if (refused.length === 0 || round >= MAX_CAP_ROUNDS) {
          await this.releaseDropped(granted, result);
          return result;
        }
        for (const claim of refused) {
          const missing = claim.count - this.caps.count(claim.key, claim.windowMs, claim.atMs);
          for (let i = 0; i < missing; i++) {
            const hitId = `\u0000store-hit ${standIns.length}`;
            this.caps.record(claim.key, claim.atMs, hitId);
            standIns.push({ key: claim.key, hitId });
          }
        }
      }
    } finally {
      for (const { key, hitId } of standIns) this.caps.forget(key, hitId);
    }
  }

  /**
   * A card an earlier round let through can lose in a later one (the capped card dropping out lets a
   * third take its channel): the hits the store granted it are given back, or the customer would be
   * capped for a decision that never went out.
   */
  private async releaseDropped(granted: Map<string, CapClaimSet>, result: Evaluation): Promise<void> {
    const kept = new Set((result.capClaims ?? []).map((set) => set.hitId));
    for (const [hitId, set] of granted) {
      if (kept.has(hitId)) continue;
      const keys = set.claims.map((claim) => claim.key);
      await this.store.releaseCaps(keys, hitId);
      for (const key of keys) this.caps.forget(key, hitId);
    }
  }

  /** Drops the decisions whose caps the store refused, explained as capped; returns what was refused. */
  private async confirmCaps(result: Evaluation): Promise<RefusedCap[]> {
    if (!result.capClaims) return [];
    const refusedCaps: RefusedCap[] = [];
    const kept: CapClaimSet[] = [];
    for (const set of result.capClaims) {
      // The hit id is the same on every delivery of the event (and the one the local counter used), so
      // the store neither counts a redelivered decision twice nor refuses it for its own first hit.
      const taken = await this.store.takeCaps(
        set.claims.map(({ key, limit, windowMs }) => ({ key, limit, windowMs })),
        set.hitId,
        new Date(set.atMs).toISOString(),
      );
      if (taken.granted) {
        kept.push(set);
        continue;
      }
      for (const claim of set.claims) this.caps.forget(claim.key, set.hitId);
      const dropped = new Set(set.decisionIds);
      result.decisions = result.decisions.filter((decision) => !dropped.has(decision.decisionId));
      const refused = set.claims[taken.refused ?? 0];
      const count = taken.counts[taken.refused ?? 0];
      refusedCaps.push({
        key: refused.key,
        windowMs: refused.windowMs,
        atMs: set.atMs,
        count: Math.max(count, refused.limit),
      });
      const where = refused.channel === undefined ? refused.scope : `${refused.scope} (${refused.channel})`;
      for (const explanation of result.explanations) {
        if (explanation.policyId !== set.policyId || explanation.eventId !== set.eventId) continue;
        if (explanation.outcome !== 'fired') continue;
        explanation.outcome = 'capped';
        explanation.reason = `cap reached: ${where} ${refused.text} (${count} already in the window)`;
        explanation.cap = {
          scope: refused.scope,
          limit: refused.text,
          count,
          ...(refused.channel === undefined ? {} : { channel: refused.channel }),
        };
      }
    }
    if (kept.length > 0) result.capClaims = kept;
    else delete result.capClaims;
    return refusedCaps;
  }

  private needs(): HistoryNeeds {
    // derived from the set of cards, so computed again only when that set changes
    if (this.cachedNeeds?.generation !== this.engine.generation) {
      this.cachedNeeds = {
        generation: this.engine.generation,
        needs: historyNeeds(
          this.engine.list().flatMap(({ policy }) => [...policy.history, ...policy.deferred]),
        ),
        retentionMs: Math.max(
          0,
          ...this.engine
            .list()
            .map(({ policy }) =>
              Math.max(policy.limits.cooldown?.windowMs ?? 0, policy.limits.closed?.windowMs ?? 0),
            ),
        ),
      };
    }
    return this.cachedNeeds.needs;
  }

  private responseRetentionMs(): number {
    this.needs();
    return this.cachedNeeds!.retentionMs;
  }
}

function processStoreOf(store: PolicyStateStore): ProcessStore | undefined {
  const candidate = store as PolicyStateStore & Partial<ProcessStore>;
  return typeof candidate.putProcess === 'function' && typeof candidate.listProcesses === 'function'
    ? (candidate as ProcessStore)
    : undefined;
}

/** The version is in the id: an edited card's wait is another wait, and the old one lapses at settle. */
function waitOf(pending: PendingDecision): PendingWait {
  return {
    waitId: offerIdFor(`${pending.policyId}@${pending.cardVersion.hash}`, pending.event.eventId),
    policyId: pending.policyId,
    customerRef: pending.event.customer.ref,
    dueAt: pending.dueAt,
    cardVersion: pending.cardVersion,
    payload: { triggeredAt: pending.triggeredAt, event: pending.event },
  };
}

function pendingOf(wait: PendingWait): PendingDecision {
  const { triggeredAt, event } = wait.payload;
  if (typeof triggeredAt !== 'string' || typeof event !== 'object' || event === null) {
    throw new Error(`wait ${wait.waitId}: payload lacks triggeredAt or event`);
  }
  return {
    policyId: wait.policyId,
    cardVersion: wait.cardVersion,
    event: event as InteractionEvent,
    triggeredAt,
    dueAt: wait.dueAt,
  };
}
