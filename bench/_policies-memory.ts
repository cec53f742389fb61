/**
 * The memory part of bench/policies.ts: PolicyState holding the window (history) and cap state of
 * many customers, as one hub instance would after they all came by. The 1,000 generated cards get a
 * per-customer limit, and three cards read the history (a sum and a count over 7 days, a count over 30
 * days, a sequence), so the state keeps withdrawals, card payments, deposits and transfers.
 *
 * The store behind PolicyState keeps nothing (NullPolicyStore): what is measured is the hub process's
 * own hot state, not a database's. The embedded store's LMDB pages or PostgreSQL live elsewhere.
 * Events are generated one at a time and dropped, so the RSS is the state's and the code's.
 */
import { compileCard, type PolicyCard } from '../policies/card';
import { historyNeeds } from '../policies/history';
import { PolicyState } from '../policies/policy-state';
import type { CapClaim, CapTakeResult, HistoryEntry, PendingWait, PolicyStateStore } from '../records/store';
import {
  canonicalEvent,
  cardOf,
  generatePolicies,
  randomEventFields,
  randomTier,
  TIERS,
} from './_policies-sides';
import { SeededRandom } from './_random';

/** Accepts every write and has nothing to read: every cap is granted, every history is empty at first. */
export class NullPolicyStore implements PolicyStateStore {
  async appendHistory(_entry: HistoryEntry): Promise<boolean> {
    return true;
  }
  async listHistory(_customerRef: string, _since: string): Promise<HistoryEntry[]> {
    return [];
  }
  async takeCaps(claims: readonly CapClaim[], _hitId: string, _at: string): Promise<CapTakeResult> {
    return { granted: true, counts: claims.map(() => 0) };
  }
  async releaseCaps(_keys: readonly string[], _hitId: string): Promise<void> {}
  async countCap(_key: string, _windowMs: number, _at: string): Promise<number> {
    return 0;
  }
  async putWait(_wait: PendingWait): Promise<boolean> {
    return true;
  }
  async claimDueWaits(
    _now: string,
    _owner: string,
    _leaseMs: number,
    _limit: number,
  ): Promise<PendingWait[]> {
    return [];
  }
  async completeWait(_waitId: string, _owner: string, _now: string): Promise<boolean> {
    return true;
  }
}

export const HISTORY_CARDS: PolicyCard[] = [
  {
    policy: 'savings-after-withdrawals',
    title: { de: 'Viele Abhebungen', en: 'Many withdrawals' },
    when: 'event withdrawal',
    history: ['sum withdrawal.amount within 7d > 2000', 'count withdrawal within 7d >= 2'],
    then: 'web-offer savings-plan to web within 14d',
    limits: { 'per-customer': '1 per 30d' },
    priority: 40,
  },
  {
    policy: 'frequent-card-user',
    title: { de: 'Häufige Kartenzahlungen', en: 'Frequent card payments' },
    when: 'event card-payment',
    history: 'count card-payment within 30d >= 3',
    then: 'web-offer premium-card to app within 14d',
    limits: { 'per-customer': '1 per 30d' },
    priority: 30,
  },
  {
    policy: 'deposit-then-transfer',
    title: { de: 'Einzahlung, dann Überweisung', en: 'Deposit, then transfer' },
    when: 'event transfer',
    history: 'deposit then transfer within 2d',
    then: 'web-offer deposit-account to web within 7d',
    limits: { 'per-customer': '1 per 30d' },
    priority: 20,
  },
];

export interface MemoryReport {
  customers: number;
  events: number;
  decisions: number;
  /** events of a type some history card reads, so kept in a window */
  windowed: number;
  seconds: number;
  /** RSS with every customer's state held, after a full GC when available */
  rssMiB: number;
  heapMiB: number;
  /** RSS before the first event, cards registered */
  baselineRssMiB: number;
  /** RSS growth from the first event to the last, per customer */
  bytesPerCustomer: number;
  /** PolicyState.evaluate per event over the first events (new customers, code still being compiled) */
  probe: { events: number; p50Us: number; p99Us: number };
  /** the same over the last events, with every customer's state held (returning customers) */
  lastProbe: { events: number; p50Us: number; p99Us: number };
  text: string;
}

const T0 = Date.parse('2026-03-02T08:00:00Z');
const DAY = 86_400_000;
/** the first and the last events, timed one by one through PolicyState */
const PROBE_EVENTS = 2_000;

/**
 * Every customer comes by `eventsPerCustomer` times, round by round over two days each, with the event
 * stream's types, channels and amounts. The first and the last PROBE_EVENTS are timed one by one.
 */
export async function memoryPart(customers: number, eventsPerCustomer = 2): Promise<MemoryReport> {
  let now = T0;
  const state = new PolicyState({ store: new NullPolicyStore(), clock: () => now, instanceId: 'bench' });
  for (const spec of generatePolicies()) {
    state.engine.register(compileCard({ ...cardOf(spec), limits: { 'per-customer': '1 per 7d' } }));
  }
  for (const card of HISTORY_CARDS) state.engine.register(compileCard(card));
  const kept = new Set(
    Object.keys(historyNeeds(HISTORY_CARDS.flatMap((c) => compileCard(c).history)).retentionMs),
  );
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.memoryUsage().rss;
  const random = new SeededRandom(7);
  const tiers = new Uint8Array(customers);
  for (let c = 0; c < customers; c++) tiers[c] = TIERS.indexOf(randomTier(random) as never);
  const context = { isEnabled: () => true, explain: 'none' as const };
  const probe: number[] = [];
  const lastProbe: number[] = [];
  const lastFrom = customers * eventsPerCustomer - PROBE_EVENTS;
  const started = process.hrtime.bigint();
  let events = 0;
  let decisions = 0;
  let windowed = 0;
  const spacing = (2 * DAY) / customers;
  for (let round = 0; round < eventsPerCustomer; round++) {
    for (let c = 0; c < customers; c++) {
      now = T0 + round * 2 * DAY + Math.floor(c * spacing);
      const { type, channel, amount } = randomEventFields(random);
      const ref = `core-banking:${String(c + 1).padStart(10, '0')}`;
      const event = canonicalEvent(`mem-${round}-${c}`, type, channel, ref, now, amount);
      const customer = { customerRef: ref, tier: TIERS[tiers[c]] };
      if (events < PROBE_EVENTS || events >= lastFrom) {
        const t = process.hrtime.bigint();
        decisions += (await state.evaluate(event, { ...context, customer })).decisions.length;
        (events < PROBE_EVENTS ? probe : lastProbe).push(Number(process.hrtime.bigint() - t) / 1000);
      } else {
        decisions += (await state.evaluate(event, { ...context, customer })).decisions.length;
      }
      events++;
      if (kept.has(type)) windowed++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  gc?.();
  const usage = process.memoryUsage();
  // The state must still be reachable here, or the collector takes it before it is measured.
  if (!state.history.isLoaded('core-banking:0000000001')) throw new Error('the state lost a customer');
  const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
  const percentiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    return { events: values.length, p50Us: at(0.5), p99Us: at(0.99) };
  };
  const report = {
    customers,
    events,
    decisions,
    windowed,
    seconds,
    rssMiB: mib(usage.rss),
    heapMiB: mib(usage.heapUsed),
    baselineRssMiB: mib(baseline),
    bytesPerCustomer: Math.round((usage.rss - baseline) / customers),
    probe: percentiles(probe),
    lastProbe: percentiles(lastProbe),
  };
  const n = (value: number) => value.toLocaleString('en-US');
  return {
    ...report,
    text:
      `memory: PolicyState holding ${n(customers)} customers' windows and caps, ${n(events)} events ` +
      `(${n(windowed)} kept in history windows, ${n(decisions)} decisions each holding a per-customer cap hit; ` +
      `the store keeps nothing), in ${seconds.toFixed(1)} s: RSS ${report.rssMiB} MiB (${report.baselineRssMiB} MiB ` +
      `before the first event), heap used ${report.heapMiB} MiB, ` +
      `${n(report.bytesPerCustomer)} bytes per customer (goal: 1 GiB for 1,000,000 customers, ` +
      `${n(Math.round(2 ** 30 / 1e6))} bytes each)\n` +
      `memory: PolicyState.evaluate, first ${n(probe.length)} events: p50 ${report.probe.p50Us.toFixed(0)} µs, ` +
      `p99 ${report.probe.p99Us.toFixed(0)} µs per event; last ${n(lastProbe.length)} events, every ` +
      `customer's state held: p50 ${report.lastProbe.p50Us.toFixed(0)} µs, p99 ${report.lastProbe.p99Us.toFixed(0)} µs; ` +
      `${state.engine.list().length} cards`,
  };
}
