/**
 * Escalation cases, as a Pega user knows them: a case with a deadline per stage. When a card with an
 * `escalation` ladder decides `escalation to <level 0>`, a case opens for (policy, customer, triggering
 * event) and is kept in the store as an open process-state document. When a level's time to answer runs
 * out, the sweep hands the case to the next level with a decision of its own; an event of the `until`
 * type for the customer answers the case and stops the ladder.
 *
 * Each level's timer is a store wait (putWait/claimDueWaits/completeWait), so it survives a restart and
 * only one hub instance holds it at a time; the case's revision decides between an answer and a step
 * that race. A level fires once: a sweep that dies after the step was stored hands out the same
 * decision (same id, same times) again instead of a second one.
 */
import type { Channel, InteractionEvent, ProcessState } from '../mappings/canonical/types';
import type { PendingWait, PolicyStateStore, ProcessStore, StoredProcess } from '../records/store';
import { offerIdFor } from './decision-id';
import type {
  Decision,
  Evaluation,
  Explanation,
  Outcome,
  PendingDecision,
  PolicyEngine,
  RegisteredPolicy,
} from './engine';
import type { CompiledEscalation, EscalationLevel } from './escalation-card';
import type { CardVersion } from './version';

/** the process-state kind of an escalation case, and the payload kind of its timers */
export const ESCALATION_KIND = 'escalation';

/** What an escalation decision says about its case. */
export interface EscalationRef {
  /** the process-state document of the case */
  processId: string;
  /** 0 for the card's own decision, then 1, 2, … per step */
  level: number;
  /** how many levels the ladder has, the card's own included */
  levels: number;
  /** the event types that answer the case */
  until: string[];
}

export interface EscalationDecision extends Decision {
  escalation: EscalationRef;
}

/** A level that got the case: what its decision said, so a repeated hand-over says the same. */
export interface FiredLevel {
  level: number;
  to: string;
  decisionId: string;
  decidedAt: string;
  /** when its time to answer runs out and the next level gets the case */
  expiresAt?: string;
}

/** The `data` of an escalation process-state document. */
export interface EscalationCase {
  policyId: string;
  /** the card that opened the case; later levels follow the ladder it had */
  cardVersion: CardVersion;
  title: { de: string; en: string };
  priority: number;
  /** the event that opened the case */
  eventId: string;
  eventType: string;
  triggeredAt: string;
  until: string[];
  levels: EscalationLevel[];
  /** the level that has the case now */
  level: number;
  fired: FiredLevel[];
  /** set when an `until` event answered the case */
  answeredBy?: { eventId: string; type: string; occurredAt: string };
  /** set when the ladder stopped unanswered: the card was switched off or removed */
  stopped?: string;
}

/** What the sweep does with one due escalation timer. */
export interface EscalationStep {
  /** the level's decision, or none with the reason (answered, switched off, …) */
  evaluation: Evaluation;
  /** the event that opened the case, as a settled wait hands it on */
  pending: PendingDecision;
  /** once the decision is handed on: starts the next level's timer (stored once, whoever calls it) */
  handedOn(): Promise<void>;
}

export interface StepContext {
  engine: PolicyEngine;
  isEnabled(policyId: string): boolean;
  nowMs: number;
  explain: boolean;
}

interface StepPayload {
  kind: typeof ESCALATION_KIND;
  processId: string;
  level: number;
  event: InteractionEvent;
}

interface LadderIndex {
  engine: PolicyEngine;
  generation: number;
  entries: Map<string, RegisteredPolicy>;
  ladders: Map<string, CompiledEscalation>;
  until: Set<string>;
}

/** Another writer may move a case between read and write; after this many tries something is wrong. */
const MAX_ATTEMPTS = 5;

export function isEscalationStep(wait: PendingWait): boolean {
  return wait.payload.kind === ESCALATION_KIND;
}

/** The case's id: a UUID (process-state wants one) derived from policy and triggering event. */
export function escalationProcessId(policyId: string, eventId: string): string {
  const hex = offerIdFor(`${ESCALATION_KIND}:${policyId}`, eventId);
  const variant = (8 | (parseInt(hex[16], 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Level 0 keeps the engine's decision id; each later level has its own, the same on every hand-over. */
export function escalationDecisionId(policyId: string, eventId: string, level: number): string {
  return offerIdFor(`${policyId}#escalation-${level}`, eventId);
}

export class Escalations {
  private readonly processes: ProcessStore;
  private readonly waits: Pick<PolicyStateStore, 'putWait'>;
  private cached: LadderIndex | undefined;

  constructor(options: { processes: ProcessStore; waits: Pick<PolicyStateStore, 'putWait'> }) {
    this.processes = options.processes;
    this.waits = options.waits;
  }

  /**
   * Opens a case for each escalation decision of a ladder card, marks the decision with it, and starts
   * level 0's timer. A redelivered event finds its case and keeps the first delivery's timer.
   */
  async open(engine: PolicyEngine, event: InteractionEvent, evaluation: Evaluation): Promise<void> {
    const { ladders } = this.index(engine);
    if (ladders.size === 0) return;
    for (const decision of evaluation.decisions) {
      const ladder = decision.action === ESCALATION_KIND ? ladders.get(decision.policyId) : undefined;
      if (!ladder) continue;
      const opened = newCase(decision, event, ladder);
      const stored = (await this.processes.putProcess(opened))
        ? { process: opened, revision: 1 }
        : await this.processes.getProcess(opened.processId);
      if (!stored) throw new Error(`escalation: case ${opened.processId} was stored but cannot be read`);
      const data = caseOf(stored.process);
      (decision as EscalationDecision).escalation = refOf(stored.process.processId, 0, data);
      if (stored.process.status === 'open' && data.level === 0) {
        await this.putStep(stored.process, data, 1, event);
      }
    }
  }

  /**
   * Closes the customer's open cases that this event answers (its type is their `until`, and it came
   * after the event that opened them); returns the cases it closed.
   */
  async answer(engine: PolicyEngine, event: InteractionEvent, nowMs: number): Promise<ProcessState[]> {
    if (!this.index(engine).until.has(event.type)) return [];
    const answeredAt = timeOf(event.occurredAt, nowMs);
    const closed: ProcessState[] = [];
    for (const stored of await this.processes.listProcesses(event.customer.ref, { status: 'open' })) {
      if (stored.process.kind !== ESCALATION_KIND) continue;
      const changed = await this.change(stored, (process, data) => {
        if (process.status !== 'open' || !data.until.includes(event.type)) return undefined;
        if (answeredAt < timeOf(data.triggeredAt, nowMs)) return undefined;
        const answeredBy = { eventId: event.eventId, type: event.type, occurredAt: iso(answeredAt) };
        const next: ProcessState = {
          ...process,
          status: 'completed',
          lastChannel: event.channel as Channel,
          updatedAt: iso(nowMs),
          data: { ...data, answeredBy },
        };
        delete next.expiresAt;
        return next;
      });
      if (changed) closed.push(changed);
    }
    return closed;
  }

  /** The due timer of a level: hands the case on, or says why not (answered, switched off, removed). */
  async step(wait: PendingWait, context: StepContext): Promise<EscalationStep> {
    const { processId, level, event } = payloadOf(wait);
    const pendingOf = (data?: EscalationCase): PendingDecision => ({
      policyId: wait.policyId,
      cardVersion: wait.cardVersion,
      event,
      triggeredAt: data?.triggeredAt ?? event.occurredAt,
      dueAt: wait.dueAt,
    });
    for (let attempt = 1; ; attempt++) {
      const stored = await this.processes.getProcess(processId);
      if (!stored) {
        return this.quiet(
          pendingOf(),
          undefined,
          'not-matched',
          `not escalated: case ${processId} is not stored`,
          context,
        );
      }
      const { process } = stored;
      const data = caseOf(process);
      const pending = pendingOf(data);
      // An answer wins over a level that was stored but perhaps never handed on: nothing goes out late.
      if (process.status !== 'open') {
        const reason = data.answeredBy
          ? `not escalated: answered by ${data.answeredBy.type} at ${data.answeredBy.occurredAt}`
          : `not escalated: the case was ${process.status}${data.stopped ? ` (${data.stopped})` : ''}`;
        return this.quiet(pending, data, 'not-matched', reason, context);
      }
      if (data.level >= level) {
        // An earlier sweep stored this level and died before finishing: the same decision, once more.
        const fired = data.fired.find((item) => item.level === level);
        if (!fired) {
          throw new Error(`escalation: case ${processId} is at level ${data.level} without level ${level}`);
        }
        return this.handOver(process, data, fired, pending, context);
      }
      if (level !== data.level + 1 || level >= data.levels.length) {
        throw new Error(
          `escalation: case ${processId} is at level ${data.level}; a timer for level ${level} does not fit`,
        );
      }
      const entry = this.index(context.engine).entries.get(data.policyId);
      const stop = !entry
        ? { outcome: 'not-matched' as const, why: 'the card is no longer deployed' }
        : !context.isEnabled(data.policyId)
          ? { outcome: 'switched-off' as const, why: 'the card was switched off' }
          : undefined;
      const at = iso(context.nowMs);
      if (stop) {
        const stopped = `${stop.why}; the case stayed with ${data.levels[data.level].to}`;
        const changed = await this.tryChange(stored, {
          ...process,
          status: 'abandoned',
          updatedAt: at,
          data: { ...data, stopped },
        });
        if (changed) return this.quiet(pending, data, stop.outcome, `not escalated: ${stopped}`, context);
        if (attempt >= MAX_ATTEMPTS) throw conflict(processId);
        continue;
      }
      const spec = data.levels[level];
      const fired: FiredLevel = {
        level,
        to: spec.to,
        decisionId: escalationDecisionId(data.policyId, data.eventId, level),
        decidedAt: at,
      };
      if (spec.withinMs !== undefined) fired.expiresAt = iso(context.nowMs + spec.withinMs);
      const next: ProcessState = {
        ...process,
        step: spec.to,
        updatedAt: at,
        data: { ...data, level, fired: [...data.fired, fired] },
      };
      if (fired.expiresAt) next.expiresAt = fired.expiresAt;
      else delete next.expiresAt;
      if (await this.tryChange(stored, next)) {
        return this.handOver(
          next,
          { ...data, level, fired: [...data.fired, fired] },
          fired,
          pending,
          context,
        );
      }
      if (attempt >= MAX_ATTEMPTS) throw conflict(processId);
    }
  }

  private handOver(
    process: ProcessState,
    data: EscalationCase,
    fired: FiredLevel,
    pending: PendingDecision,
    context: StepContext,
  ): EscalationStep {
    const decision: EscalationDecision = {
      decisionId: fired.decisionId,
      policyId: data.policyId,
      cardVersion: data.cardVersion,
      priority: data.priority,
      action: ESCALATION_KIND,
      channel: fired.to,
      decidedAt: fired.decidedAt,
      customerRef: process.customerRef,
      eventId: data.eventId,
      title: data.title,
      escalation: refOf(process.processId, fired.level, data),
    };
    const owner = this.cached?.entries.get(data.policyId)?.owner;
    if (owner !== undefined) decision.owner = owner;
    if (fired.expiresAt) decision.expiresAt = fired.expiresAt;
    const evaluation: Evaluation = { decisions: [decision], explanations: [] };
    if (context.explain) {
      const previous = data.levels[fired.level - 1];
      const answers = data.until.join(' or ');
      evaluation.explanations.push(
        explanation(
          data,
          'fired',
          `escalated: no ${answers} within ${previous.within} of the escalation to ${previous.to}: escalation to ${fired.to} (level ${fired.level + 1} of ${data.levels.length})`,
          {
            condition: `no ${answers} since ${data.triggeredAt}`,
            held: true,
            actual: 'open',
          },
        ),
      );
    }
    const nextLevel = fired.level + 1;
    return {
      evaluation,
      pending,
      handedOn: async () => {
        if (process.status !== 'open' || nextLevel >= data.levels.length) return;
        await this.putStep(process, data, nextLevel, pending.event);
      },
    };
  }

  private quiet(
    pending: PendingDecision,
    data: EscalationCase | undefined,
    outcome: Outcome,
    reason: string,
    context: StepContext,
  ): EscalationStep {
    const evaluation: Evaluation = { decisions: [], explanations: [] };
    if (context.explain) {
      const title = data?.title ?? { de: pending.policyId, en: pending.policyId };
      evaluation.explanations.push({
        policyId: pending.policyId,
        cardVersion: pending.cardVersion,
        eventId: pending.event.eventId,
        title,
        outcome,
        reason,
        checks: [],
      });
    }
    return { evaluation, pending, handedOn: async () => undefined };
  }

  /** The timer of `level`: due when the level before it runs out of time to answer. */
  private async putStep(
    process: ProcessState,
    data: EscalationCase,
    level: number,
    event: InteractionEvent,
  ): Promise<void> {
    const dueAt = data.fired.find((item) => item.level === level - 1)?.expiresAt;
    if (dueAt === undefined) return;
    const payload: StepPayload = { kind: ESCALATION_KIND, processId: process.processId, level, event };
    await this.waits.putWait({
      waitId: offerIdFor(`${ESCALATION_KIND}:${process.processId}`, String(level)),
      policyId: data.policyId,
      customerRef: process.customerRef,
      dueAt,
      cardVersion: data.cardVersion,
      payload: payload as unknown as Record<string, unknown>,
    });
  }

  /** Reads and changes a case until the change lands or `edit` declines; undefined when it declined. */
  private async change(
    stored: StoredProcess,
    edit: (process: ProcessState, data: EscalationCase) => ProcessState | undefined,
  ): Promise<ProcessState | undefined> {
    let current: StoredProcess | undefined = stored;
    for (let attempt = 1; current; attempt++) {
      const next = edit(current.process, caseOf(current.process));
      if (!next) return undefined;
      if (await this.tryChange(current, next)) return next;
      if (attempt >= MAX_ATTEMPTS) throw conflict(stored.process.processId);
      current = await this.processes.getProcess(stored.process.processId);
    }
    return undefined;
  }

  private tryChange(stored: StoredProcess, next: ProcessState): Promise<boolean> {
    return this.processes.updateProcess(next, stored.revision);
  }

  /** The cards by id, their ladders and every `until` type, derived again only when the cards change. */
  private index(engine: PolicyEngine): LadderIndex {
    if (this.cached?.engine === engine && this.cached.generation === engine.generation) return this.cached;
    const index: LadderIndex = {
      engine,
      generation: engine.generation,
      entries: new Map(),
      ladders: new Map(),
      until: new Set(),
    };
    for (const entry of engine.list()) {
      index.entries.set(entry.policy.id, entry);
      const ladder = entry.policy.escalation;
      if (!ladder) continue;
      index.ladders.set(entry.policy.id, ladder);
      for (const type of ladder.until) index.until.add(type);
    }
    this.cached = index;
    return index;
  }
}

function newCase(decision: Decision, event: InteractionEvent, ladder: CompiledEscalation): ProcessState {
  const fired: FiredLevel = {
    level: 0,
    to: decision.channel,
    decisionId: decision.decisionId,
    decidedAt: decision.decidedAt,
  };
  if (decision.expiresAt) fired.expiresAt = decision.expiresAt;
  const data: EscalationCase = {
    policyId: decision.policyId,
    cardVersion: decision.cardVersion,
    title: decision.title,
    priority: decision.priority,
    eventId: event.eventId,
    eventType: event.type,
    triggeredAt: iso(timeOf(event.occurredAt, Date.parse(decision.decidedAt))),
    until: ladder.until,
    levels: ladder.levels,
    level: 0,
    fired: [fired],
  };
  const process: ProcessState = {
    schemaVersion: '1.0',
    processId: escalationProcessId(decision.policyId, event.eventId),
    customerRef: event.customer.ref,
    kind: ESCALATION_KIND,
    startedOn: event.channel as Channel,
    lastChannel: event.channel as Channel,
    step: decision.channel,
    status: 'open',
    data: data as unknown as Record<string, unknown>,
    startedAt: decision.decidedAt,
    updatedAt: decision.decidedAt,
  };
  if (decision.expiresAt) process.expiresAt = decision.expiresAt;
  return process;
}

function caseOf(process: ProcessState): EscalationCase {
  const data = process.data as unknown as EscalationCase;
  if (typeof data?.policyId !== 'string' || !Array.isArray(data.levels) || !Array.isArray(data.fired)) {
    throw new Error(`escalation: process ${process.processId} is not an escalation case`);
  }
  return data;
}

function payloadOf(wait: PendingWait): StepPayload {
  const payload = wait.payload as Partial<StepPayload>;
  if (
    typeof payload.processId !== 'string' ||
    typeof payload.level !== 'number' ||
    typeof payload.event !== 'object' ||
    payload.event === null
  ) {
    throw new Error(`wait ${wait.waitId}: escalation payload lacks processId, level or event`);
  }
  return payload as StepPayload;
}

function refOf(processId: string, level: number, data: EscalationCase): EscalationRef {
  return { processId, level, levels: data.levels.length, until: data.until };
}

function explanation(
  data: EscalationCase,
  outcome: Outcome,
  reason: string,
  check: Explanation['checks'][number],
): Explanation {
  return {
    policyId: data.policyId,
    cardVersion: data.cardVersion,
    eventId: data.eventId,
    title: data.title,
    outcome,
    reason,
    checks: [check],
  };
}

function conflict(processId: string): Error {
  return new Error(`escalation: case ${processId} kept changing under ${MAX_ATTEMPTS} attempts to update it`);
}

function timeOf(text: string, fallbackMs: number): number {
  const at = Date.parse(text);
  return Number.isNaN(at) ? fallbackMs : at;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
