/**
 * The sides of bench/policies.ts over the same generated policies and events: ours (the PolicyEngine,
 * as the policy-engine node uses it), json-rules-engine (one Engine with a rule per policy), GoRules
 * ZEN (one JDM decision table, hit policy "collect", a row per policy) and a hand-written index over
 * the same policies (the floor: the least any implementation must do). checkSides() proves that every
 * side fires the same set of policy ids for every event of a sample before anything is timed.
 *
 * The policies are trigger cards without limits, history, schedule or holdout, so "fired" means "its
 * conditions held" on every side: our engine does no arbitration (every card that fires makes its
 * decisions), and nothing of the engine's state can hold a card back.
 */
import { ZenEngine, type ZenDecision } from '@gorules/zen-engine';
import { Engine as RulesEngine, type RuleProperties } from 'json-rules-engine';
import type { Channel, InteractionEvent } from '../mappings/canonical/types';
import { compileCard, type PolicyCard } from '../policies/card';
import { PolicyEngine } from '../policies/engine';
import { SeededRandom } from './_random';

export class SidesDiffer extends Error {
  override name = 'SidesDiffer';
}

// ---- the policies: event types × tiers × thresholds × channel lists ----

export const EVENT_TYPES = ['card-payment', 'withdrawal', 'deposit', 'transfer', 'loan-repayment'] as const;
export const TIERS = ['basic', 'silver', 'gold', 'platinum'] as const;
export const THRESHOLDS = [100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000] as const;
export const CHANNEL_LISTS: readonly { name: string; channels: readonly Channel[] }[] = [
  { name: 'digital', channels: ['web', 'app'] },
  { name: 'branch', channels: ['branch'] },
  { name: 'assisted', channels: ['call-center', 'branch'] },
  { name: 'any-personal', channels: ['web', 'app', 'branch', 'call-center'] },
  { name: 'batch', channels: ['core-banking'] },
];

/** One policy as plain data, the source every side's rules are generated from. */
export interface PolicySpec {
  id: string;
  eventType: string;
  tier: string;
  /** fires when the event's amount is strictly greater */
  threshold: number;
  channels: readonly Channel[];
  priority: number;
}

/** 5 event types × 4 tiers × 10 thresholds × 5 channel lists = 1,000 policies, or fewer of each. */
export function generatePolicies(
  options: { eventTypes?: number; tiers?: number; thresholds?: number; channelLists?: number } = {},
): PolicySpec[] {
  const specs: PolicySpec[] = [];
  for (const eventType of EVENT_TYPES.slice(0, options.eventTypes ?? EVENT_TYPES.length)) {
    for (const tier of TIERS.slice(0, options.tiers ?? TIERS.length)) {
      for (const threshold of THRESHOLDS.slice(0, options.thresholds ?? THRESHOLDS.length)) {
        for (const list of CHANNEL_LISTS.slice(0, options.channelLists ?? CHANNEL_LISTS.length)) {
          specs.push({
            id: `${eventType}-${tier}-over-${threshold}-${list.name}`,
            eventType,
            tier,
            threshold,
            channels: list.channels,
            // Larger amounts and better tiers first, as a marketer would rank them.
            priority: 10 + TIERS.indexOf(tier) * 100 + THRESHOLDS.indexOf(threshold as never) * 10,
          });
        }
      }
    }
  }
  return specs;
}

/** The card a marketer would write for the policy; no limits, so every side fires the same. */
export function cardOf(spec: PolicySpec): PolicyCard {
  const over = spec.threshold.toLocaleString('en-US');
  return {
    policy: spec.id,
    title: {
      de: `${spec.tier}-Kunde: ${spec.eventType} über ${spec.threshold.toLocaleString('de-DE')}`,
      en: `${spec.tier} customer: ${spec.eventType} over ${over}`,
    },
    when: `event ${spec.eventType} via ${spec.channels.join(', ')} where amount > ${spec.threshold}`,
    if: `customer.tier == "${spec.tier}"`,
    then:
      spec.tier === 'platinum'
        ? 'call-task to sales-rep within 1d'
        : 'web-offer savings-plan to web within 7d',
    priority: spec.priority,
  };
}

// ---- the event stream ----

/** What the anchors are handed: the same facts, flat, as their rules read them. */
export interface Facts {
  type: string;
  channel: string;
  tier?: string;
  amount?: number;
}

export interface BenchEvent {
  event: InteractionEvent;
  /** the customer's golden record as the hub would hand it to the engine; absent for unknown customers */
  customer?: Record<string, unknown>;
  facts: Facts;
}

const TYPE_WEIGHTS: [string, number][] = [
  ['card-payment', 40],
  ['withdrawal', 20],
  ['deposit', 15],
  ['transfer', 12],
  ['loan-repayment', 5],
  // types no policy is about, without an amount
  ['login', 5],
  ['address-changed', 3],
];
const CHANNEL_WEIGHTS: [Channel, number][] = [
  ['app', 35],
  ['web', 25],
  ['branch', 15],
  ['core-banking', 12],
  ['call-center', 8],
  ['email', 3],
  ['sms', 2],
];
const TIER_WEIGHTS: [string, number][] = [
  ['basic', 55],
  ['silver', 25],
  ['gold', 15],
  ['platinum', 5],
];
const T0 = Date.parse('2026-03-02T08:00:00Z');

function weighted<T>(random: SeededRandom, table: [T, number][]): T {
  const total = table.reduce((sum, [, weight]) => sum + weight, 0);
  let r = random.next() * total;
  for (const [value, weight] of table) {
    r -= weight;
    if (r < 0) return value;
  }
  return table[table.length - 1][0];
}

/**
 * A seeded stream of canonical events: card payments most often, amounts log-normal around a median
 * of about 150 (1 % of them exactly on a threshold, where "greater than" must not fire), 2 % from
 * customers the hub does not know (no golden record, so no tier), and some types no policy is about.
 */
export function generateEvents(options: { count: number; customers?: number; seed: number }): BenchEvent[] {
  const random = new SeededRandom(options.seed);
  const customerCount = options.customers ?? Math.max(1, Math.ceil(options.count / 10));
  const customers: Record<string, unknown>[] = [];
  for (let i = 0; i < customerCount; i++) {
    const ref = `core-banking:${String(i + 1).padStart(10, '0')}`;
    customers.push({ customerRef: ref, tier: weighted(random, TIER_WEIGHTS), country: 'DE' });
  }
  const events: BenchEvent[] = [];
  let at = T0;
  for (let i = 0; i < options.count; i++) {
    at += random.int(1, 3000);
    const { type, channel, amount } = randomEventFields(random);
    const known = !random.chance(0.02);
    const customer = known ? random.pick(customers) : undefined;
    const ref = customer ? (customer.customerRef as string) : `web:anon-${random.digits(8)}`;
    const event = canonicalEvent(`evt-${options.seed}-${i}`, type, channel, ref, at, amount);
    const facts: Facts = { type, channel };
    if (customer) facts.tier = customer.tier as string;
    if (amount !== undefined) facts.amount = amount;
    events.push(customer ? { event, customer, facts } : { event, facts });
  }
  return events;
}

export function randomTier(random: SeededRandom): string {
  return weighted(random, TIER_WEIGHTS);
}

/** The type, channel and amount of one event, as the stream draws them. */
export function randomEventFields(random: SeededRandom): { type: string; channel: Channel; amount?: number } {
  const type = weighted(random, TYPE_WEIGHTS);
  const channel = weighted(random, CHANNEL_WEIGHTS);
  if (!EVENT_TYPES.includes(type as never)) return { type, channel };
  const amount = random.chance(0.01) ? random.pick(THRESHOLDS) : logNormalAmount(random);
  return { type, channel, amount };
}

export function canonicalEvent(
  eventId: string,
  type: string,
  channel: Channel,
  customerRef: string,
  atMs: number,
  amount?: number,
): InteractionEvent {
  const event: InteractionEvent = {
    eventId,
    schemaVersion: '1.0',
    type,
    occurredAt: new Date(atMs).toISOString(),
    channel,
    source: { system: channel === 'core-banking' ? 'core-banking' : 'web' },
    customer: { ref: customerRef, identifiers: [] },
    data: {},
  };
  if (amount !== undefined) event.amount = { value: amount, currency: 'EUR' };
  return event;
}

function logNormalAmount(random: SeededRandom): number {
  // Box-Muller; median 150, and about 1 in 100 amounts above 10,000.
  const u = 1 - random.next();
  const v = random.next();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(1, Math.round(Math.exp(Math.log(150) + 1.8 * normal) * 100) / 100);
}

// ---- the sides ----

export interface Side {
  name: string;
  /** the policy ids that fire for the event; the timed loops call exactly this */
  fire(item: BenchEvent): string[] | Promise<string[]>;
}

const ALWAYS_ON = (): boolean => true;

/**
 * Ours, as the policy-engine node calls it, on the fast path: decisions only (explain "none"). The
 * ids are those of the decisions, one action per card. `explain` "all" is the node's default; it is
 * checked to agree (see checkSides) and timed separately.
 */
export function oursSide(
  specs: readonly PolicySpec[],
  explain: 'none' | 'candidates' | 'all' = 'none',
): Side {
  const engine = new PolicyEngine();
  for (const spec of specs) engine.register(compileCard(cardOf(spec)));
  if (explain === 'none') {
    return {
      name: 'ours',
      fire: ({ event, customer }) =>
        engine
          .evaluate(event, { customer, isEnabled: ALWAYS_ON, explain: 'none' })
          .decisions.map((d) => d.policyId),
    };
  }
  return {
    name: `ours (explain ${explain})`,
    fire: ({ event, customer }) => {
      const { decisions, explanations } = engine.evaluate(event, { customer, isEnabled: ALWAYS_ON, explain });
      const fired = explanations.filter((e) => e.outcome === 'fired').map((e) => e.policyId);
      const decided = decisions.map((d) => d.policyId);
      if (fired.length !== decided.length || fired.some((id) => !decided.includes(id))) {
        throw new SidesDiffer(
          `${event.eventId}: our explanations (fired: ${fired.join(', ')}) and decisions (${decided.join(', ')}) differ`,
        );
      }
      return decided;
    },
  };
}

/**
 * json-rules-engine: one Engine, one rule per policy; `engine.run(facts)` per event. The conditions
 * carry priorities (the library's tuning for "all": a higher set runs first, and a failing set ends the
 * rule), the most selective first, as for ZEN's columns.
 */
export function jsonRulesEngineSide(specs: readonly PolicySpec[]): Side {
  const engine = new RulesEngine([], { allowUndefinedFacts: true });
  for (const spec of specs) {
    const rule: RuleProperties = {
      name: spec.id,
      conditions: {
        all: [
          { fact: 'type', operator: 'equal', value: spec.eventType, priority: 4 },
          { fact: 'channel', operator: 'in', value: [...spec.channels], priority: 3 },
          { fact: 'tier', operator: 'equal', value: spec.tier, priority: 2 },
          { fact: 'amount', operator: 'greaterThan', value: spec.threshold, priority: 1 },
        ],
      },
      event: { type: 'policy-fired', params: { policy: spec.id } },
    };
    engine.addRule(rule);
  }
  return {
    name: 'json-rules-engine',
    fire: async ({ facts }) => {
      const { events } = await engine.run({ ...facts });
      return events.map((e) => e.params?.policy as string);
    },
  };
}

/** The JDM graph: request → one decision table (hit policy "collect", a row per policy) → response. */
export function zenGraph(specs: readonly PolicySpec[]): object {
  const quote = (text: string) => JSON.stringify(text);
  return {
    contentType: 'application/vnd.gorules.decision',
    nodes: [
      { id: 'request', type: 'inputNode', name: 'Request', position: { x: 0, y: 0 } },
      {
        id: 'policies',
        type: 'decisionTableNode',
        name: 'Policies',
        position: { x: 300, y: 0 },
        content: {
          hitPolicy: 'collect',
          passThrough: false,
          outputPath: 'fired',
          inputs: [
            { id: 'type', name: 'Event type', field: 'type' },
            { id: 'channel', name: 'Channel', field: 'channel' },
            { id: 'tier', name: 'Tier', field: 'tier' },
            { id: 'amount', name: 'Amount', field: 'amount' },
          ],
          outputs: [{ id: 'policy', name: 'Policy', field: 'policy' }],
          rules: specs.map((spec) => ({
            _id: spec.id,
            type: quote(spec.eventType),
            // a comma-separated list in a unary cell: any of the values
            channel: spec.channels.map(quote).join(', '),
            tier: quote(spec.tier),
            amount: `> ${spec.threshold}`,
            policy: quote(spec.id),
          })),
        },
      },
      { id: 'response', type: 'outputNode', name: 'Response', position: { x: 600, y: 0 } },
    ],
    edges: [
      { id: 'request-policies', sourceId: 'request', targetId: 'policies', type: 'edge' },
      { id: 'policies-response', sourceId: 'policies', targetId: 'response', type: 'edge' },
    ],
  };
}

export interface ZenSide extends Side {
  decision: ZenDecision;
  dispose(): void;
}

/** GoRules ZEN: `decision.evaluate(facts)` per event (asynchronous; ZEN has no sync or batch call). */
export function zenSide(specs: readonly PolicySpec[]): ZenSide {
  const engine = new ZenEngine();
  const decision = engine.createDecision(zenGraph(specs));
  return {
    name: 'ZEN',
    decision,
    fire: async ({ facts }) => {
      const response = await decision.evaluate(facts);
      return (response.result.fired as { policy: string }[]).map((row) => row.policy);
    },
    dispose: () => engine.dispose(),
  };
}

/**
 * The floor: the same policies in a hand-written index, one hash lookup on (type, channel, tier) and
 * a binary search over the thresholds, sorted ascending; what fires is the prefix below the amount.
 * No rule language, no explanation, no decision objects: nothing an engine could leave out.
 */
export function floorSide(specs: readonly PolicySpec[]): Side {
  const lists = new Map<string, { bounds: number[]; ids: string[] }>();
  for (const spec of specs) {
    for (const channel of spec.channels) {
      const key = `${spec.eventType}\u001f${channel}\u001f${spec.tier}`;
      const list = lists.get(key) ?? { bounds: [], ids: [] };
      lists.set(key, list);
      let at = list.bounds.length;
      while (at > 0 && list.bounds[at - 1] > spec.threshold) at--;
      list.bounds.splice(at, 0, spec.threshold);
      list.ids.splice(at, 0, spec.id);
    }
  }
  const none: string[] = [];
  return {
    name: 'hand-written index',
    fire: ({ facts }) => {
      if (facts.tier === undefined || facts.amount === undefined) return none;
      const list = lists.get(`${facts.type}\u001f${facts.channel}\u001f${facts.tier}`);
      if (!list) return none;
      const { bounds } = list;
      let lo = 0;
      let hi = bounds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (bounds[mid] < facts.amount) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? none : list.ids.slice(0, lo);
    },
  };
}

/** The reference: every policy's conditions, tested one by one. For the tests; far too slow to time. */
export function bruteForceSide(specs: readonly PolicySpec[]): Side {
  return {
    name: 'brute force',
    fire: ({ facts }) =>
      specs
        .filter(
          (s) =>
            s.eventType === facts.type &&
            s.channels.includes(facts.channel as Channel) &&
            s.tier === facts.tier &&
            facts.amount !== undefined &&
            facts.amount > s.threshold,
        )
        .map((s) => s.id),
  };
}

// ---- the check ----

export interface CheckSummary {
  events: number;
  /** events for which at least one policy fired */
  firing: number;
  /** fired policies, summed over events */
  fired: number;
  mostPerEvent: number;
  /** events whose amount equals one of the thresholds ("greater than" must not fire there) */
  onThreshold: number;
  /** distinct policies that fired at least once */
  distinctPolicies: number;
}

/**
 * Every side fires the same set of policy ids for every event, compared with the first side; throws
 * SidesDiffer listing the first differences (event, facts, ids only one side fired) otherwise.
 */
export async function checkSides(
  items: readonly BenchEvent[],
  sides: readonly Side[],
): Promise<CheckSummary> {
  const [reference, ...others] = sides;
  const diffs: string[] = [];
  const distinct = new Set<string>();
  const summary: CheckSummary = {
    events: items.length,
    firing: 0,
    fired: 0,
    mostPerEvent: 0,
    onThreshold: 0,
    distinctPolicies: 0,
  };
  for (const item of items) {
    const expected = sorted(await reference.fire(item));
    if (new Set(expected).size !== expected.length) {
      diffs.push(`${item.event.eventId}: ${reference.name} fired a policy twice: ${expected.join(', ')}`);
    }
    for (const side of others) {
      const actual = sorted(await side.fire(item));
      if (actual.join('\n') === expected.join('\n')) continue;
      const onlyReference = expected.filter((id) => !actual.includes(id));
      const onlySide = actual.filter((id) => !expected.includes(id));
      diffs.push(
        `${item.event.eventId} ${JSON.stringify(item.facts)}: only ${reference.name} fired [${onlyReference.join(', ')}], ` +
          `only ${side.name} fired [${onlySide.join(', ')}]`,
      );
    }
    if (diffs.length >= 10) break;
    if (expected.length > 0) summary.firing++;
    summary.fired += expected.length;
    summary.mostPerEvent = Math.max(summary.mostPerEvent, expected.length);
    if (item.facts.amount !== undefined && THRESHOLDS.includes(item.facts.amount as never))
      summary.onThreshold++;
    for (const id of expected) distinct.add(id);
  }
  if (diffs.length > 0) {
    throw new SidesDiffer(
      `the sides fire different policies, so timing them would compare different work:\n${diffs.join('\n')}`,
    );
  }
  summary.distinctPolicies = distinct.size;
  return summary;
}

function sorted(ids: string[]): string[] {
  return [...ids].sort();
}
