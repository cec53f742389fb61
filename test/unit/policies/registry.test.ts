import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileCard } from '../../../policies/card';
import { PolicyEngine } from '../../../policies/engine';
import {
  auditRef,
  PolicyRegistry,
  StoreNotOpenError,
  UnknownPolicyError,
  type PolicySwitch,
} from '../../../policies/registry';
import { PolicySwitches } from '../../../policies/switches';
import { EmbeddedStore } from '../../../records/embedded-store';
import type { StoredInteraction } from '../../../records/store';
import { addressChangeCard, DAY, platinumCard, T0, withdrawalEvent } from './fixtures';

const platinum = compileCard(platinumCard);
const mortgage = compileCard(addressChangeCard);
const node = (id: string) => ({ kind: 'node' as const, id, engineId: 'eng' });
const anna = { user: 'anna', via: 'api' as const, remoteAddress: '10.0.0.7' };

function memorySwitch(): PolicySwitch & { states: Map<string, boolean> } {
  const states = new Map<string, boolean>();
  return {
    states,
    isEnabled: (policyId) => states.get(policyId) ?? true,
    setEnabled: async (policyId, enabled) => void states.set(policyId, enabled),
  };
}

/** The store's interactions as a map, enough for the audit trail. */
function memoryAuditStore() {
  const items: StoredInteraction[] = [];
  return {
    items,
    recordInteraction: async (item: StoredInteraction) => {
      if (items.some((known) => known.eventId === item.eventId)) return false;
      items.push(structuredClone(item));
      return true;
    },
    listInteractions: async (customerRef: string, options: { limit?: number } = {}) =>
      items
        .filter((item) => item.customerRef === customerRef)
        .sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : 0))
        .slice(0, options.limit ?? 20),
  };
}

describe('PolicyRegistry: the deployed cards', () => {
  it('lists every deployed card with title, mode, version, switch state and source', () => {
    const switches = memorySwitch();
    const registry = new PolicyRegistry({ switches, clock: () => T0 });
    registry.declare(platinum, node('n1'));
    registry.declare(mortgage, { kind: 'file', id: 'cards/mortgage.yml' });
    switches.states.set('address-change-mortgage', false);
    expect(registry.list()).toEqual([
      expect.objectContaining({
        policyId: 'address-change-mortgage',
        title: addressChangeCard.title,
        mode: 'trigger',
        version: { number: 1, hash: mortgage.version.hash },
        enabled: false,
        source: { kind: 'file', id: 'cards/mortgage.yml' },
      }),
      expect.objectContaining({ policyId: 'platinum-large-withdrawal', enabled: true, priority: 80 }),
    ]);
  });

  it('names a deployed card switched off as such, and no card that is not deployed', () => {
    const switches = memorySwitch();
    const registry = new PolicyRegistry({ switches });
    registry.declare(mortgage, node('n1'));
    expect(registry.isSwitchedOff('address-change-mortgage')).toBe(false);
    switches.states.set('address-change-mortgage', false);
    switches.states.set('gone', false);
    expect(registry.isSwitchedOff('address-change-mortgage')).toBe(true);
    // its offers stay stored and show as decided: there is no switch left to be off
    expect(registry.isSwitchedOff('gone')).toBe(false);
    registry.remove('address-change-mortgage', 'n1');
    expect(registry.isSwitchedOff('address-change-mortgage')).toBe(false);
  });

  it('forgets a card when its node closes, but not when an older node of the same id closes', () => {
    const registry = new PolicyRegistry({ switches: memorySwitch() });
    registry.declare(platinum, node('old'));
    registry.declare(platinum, node('new'));
    registry.remove(platinum.id, 'old');
    expect(registry.has(platinum.id)).toBe(true);
    registry.remove(platinum.id, 'new');
    expect(registry.list()).toEqual([]);
  });
  it('counts a lurking offer once a day, and tries again at the next contact when the ledger failed', async () => {
    const recorded: string[][] = [];
    let fail = true;
    const running: Promise<unknown>[] = [];
    const ledger = {
      recordEvaluation: async () => undefined,
      background: (_what: string, record: () => Promise<unknown>) =>
        void running.push(record().catch(() => undefined)),
      recordLurking: async (answer: { offers: { offerId: string; policyId: string }[] }) => {
        recorded.push(answer.offers.map((offer) => offer.offerId));
        if (fail) throw new Error('store down');
        return { fired: answer.offers.map((offer) => offer.policyId), heldOut: [] };
      },
    };
    const registry = new PolicyRegistry({ switches: memorySwitch(), clock: () => T0, ledger });
    registry.declare(platinum, node('n1'));
    const shown = { customerRef: 'crm:1', offers: [{ policyId: platinum.id, offerId: 'o-1' }], heldOut: [] };
    registry.observeLurking(shown);
    await Promise.all(running);
    fail = false;
    registry.observeLurking(shown);
    await Promise.all(running);
    registry.observeLurking(shown);
    await Promise.all(running);
    expect(recorded).toEqual([['o-1'], ['o-1']]);
    expect(registry.get(platinum.id)!.counts.today.fired).toBe(1);
  });
});

describe('PolicyRegistry: counts', () => {
  it('counts fired and suppressed by reason, today and over the last seven UTC days', () => {
    let now = T0;
    const registry = new PolicyRegistry({ switches: memorySwitch(), clock: () => now });
    registry.declare(platinum, node('n1'));
    const engine = new PolicyEngine();
    engine.register(platinum);
    const platinumCustomer = { tier: 'platinum' };
    let on = true;
    const evaluate = (id: string, value: number, customer = platinumCustomer) => {
      const event = withdrawalEvent(id, 'crm:1', value);
      registry.observe(
        'eng',
        event as never,
        engine.evaluate(event as never, { customer, isEnabled: () => on }),
      );
    };
    now = T0 - 3 * DAY;
    evaluate('e-1', 12000); // fired
    evaluate('e-2', 12000); // capped: 1 per 7d per customer
    now = T0;
    evaluate('e-3', 500); // not matched
    on = false;
    evaluate('e-4', 12000); // switched off
    const { counts } = registry.get(platinum.id)!;
    expect(counts.today).toEqual({
      evaluated: 2,
      fired: 0,
      notMatched: 1,
      pending: 0,
      suppressed: { 'switched-off': 1 },
    });
    expect(counts.last7Days).toEqual({
      evaluated: 4,
      fired: 1,
      notMatched: 1,
      pending: 0,
      suppressed: { capped: 1, 'switched-off': 1 },
    });
    now = T0 + 7 * DAY;
    expect(registry.get(platinum.id)!.counts.last7Days.evaluated).toBe(0);
  });
});

describe('PolicyRegistry: explanations', () => {
  const setup = (options: { maxCustomers?: number; perCustomer?: number } = {}) => {
    const registry = new PolicyRegistry({ switches: memorySwitch(), clock: () => T0, ...options });
    const engine = new PolicyEngine();
    engine.register(platinum);
    const evaluate = (id: string, ref: string, value: number, tier = 'platinum') => {
      const event = withdrawalEvent(id, ref, value);
      const result = engine.evaluate(event as never, { customer: { tier }, isEnabled: () => true });
      registry.observe('eng', event as never, result);
      return result;
    };
    return { registry, evaluate };
  };

  it('answers why a card did not fire for a customer, with the values its conditions saw', () => {
    const { registry, evaluate } = setup();
    evaluate('e-1', 'crm:2', 12000, 'gold');
    const answer = registry.explain(platinum.id, 'crm:2');
    expect(answer.evaluations).toHaveLength(1);
    expect(answer.evaluations[0]).toMatchObject({
      outcome: 'not-matched',
      event: { eventId: 'e-1', type: 'withdrawal', channel: 'branch' },
      engineId: 'eng',
      decisions: [],
      checks: expect.arrayContaining([
        { condition: 'customer.tier == "platinum"', held: false, actual: 'gold' },
      ]),
    });
    expect(registry.explain(platinum.id, 'crm:9').evaluations).toEqual([]);
  });

  it('finds the evaluation behind a decision, with the cap it consulted and the arbitration', () => {
    const { registry, evaluate } = setup();
    const fired = evaluate('e-1', 'crm:1', 12000);
    const [decision] = fired.decisions;
    expect(registry.decision(decision.decisionId)).toMatchObject({
      decision: { decisionId: decision.decisionId, policyId: platinum.id },
      evaluation: {
        customerRef: 'crm:1',
        arbitration: { ranked: [{ rank: 1, decisionId: decision.decisionId, priority: 80 }] },
      },
    });
    evaluate('e-2', 'crm:1', 13000);
    const [newest] = registry.explain(platinum.id, 'crm:1').evaluations;
    expect(newest).toMatchObject({ outcome: 'capped', cap: { scope: 'per-customer', limit: '1 per 7d' } });
  });

  it('keeps a bounded number of evaluations per customer and of customers', () => {
    const { registry, evaluate } = setup({ maxCustomers: 2, perCustomer: 2 });
    const first = evaluate('e-1', 'crm:1', 12000).decisions[0];
    evaluate('e-2', 'crm:1', 500);
    evaluate('e-3', 'crm:1', 500);
    expect(registry.explain(platinum.id, 'crm:1').evaluations.map((e) => e.event.eventId)).toEqual([
      'e-3',
      'e-2',
    ]);
    expect(registry.decision(first.decisionId)).toBeUndefined();
    evaluate('e-4', 'crm:2', 500);
    evaluate('e-5', 'crm:3', 500);
    expect(registry.explain(platinum.id, 'crm:1').evaluations).toEqual([]);
    expect(registry.explain(platinum.id, 'crm:3').evaluations).toHaveLength(1);
  });

  it('keeps its own copy, so a flow that changes the message changes no explanation', () => {
    const { registry, evaluate } = setup();
    const result = evaluate('e-1', 'crm:1', 12000);
    result.explanations[0].reason = 'changed downstream';
    expect(registry.explain(platinum.id, 'crm:1').evaluations[0].reason).toMatch(/^fired/);
  });

  it('copies what a condition saw however deep, a Date as a Date, and keeps nothing it cannot copy', () => {
    const { registry, evaluate } = setup();
    const tier = { name: 'gold', since: new Date(T0), history: [{ tier: 'silver' }] };
    evaluate('e-1', 'crm:4', 12000, tier as never);
    tier.history[0].tier = 'changed downstream';
    const [kept] = registry.explain(platinum.id, 'crm:4').evaluations;
    const seen = kept.checks.find((check) => check.condition.startsWith('customer.tier'))!.actual;
    expect(seen).toEqual({ name: 'gold', since: new Date(T0), history: [{ tier: 'silver' }] });
    // structuredClone makes it in Node's realm, not the test's: compared by its tag
    expect(Object.prototype.toString.call((seen as { since: unknown }).since)).toBe('[object Date]');
    // a function on the customer cannot be copied: the evaluation stands, no explanation is kept
    evaluate('e-2', 'crm:5', 12000, { name: 'gold', rank: () => 1 } as never);
    expect(registry.explain(platinum.id, 'crm:5').evaluations).toEqual([]);
  });
});

describe('PolicyRegistry: switching with an audit trail', () => {
  it('switches through the one switch and records who, when and from where, newest first', async () => {
    let now = T0;
    const switches = memorySwitch();
    const store = memoryAuditStore();
    const registry = new PolicyRegistry({ switches, store: () => store, clock: () => now });
    registry.declare(platinum, node('n1'));
    const off = await registry.setEnabled(platinum.id, false, anna);
    expect(switches.states.get(platinum.id)).toBe(false);
    expect(off).toMatchObject({
      policyId: platinum.id,
      enabled: false,
      previous: true,
      user: 'anna',
      via: 'api',
      remoteAddress: '10.0.0.7',
      at: new Date(T0).toISOString(),
    });
    // the same instant again: the trail still has an order
    await registry.setEnabled(platinum.id, true, { user: 'admin', via: 'editor' });
    now = T0 + 1000;
    const trail = await registry.audit(platinum.id);
    expect(trail.map((entry) => [entry.user, entry.via, entry.enabled])).toEqual([
      ['admin', 'editor', true],
      ['anna', 'api', false],
    ]);
    expect(store.items.every((item) => item.customerRef === auditRef(platinum.id))).toBe(true);
  });

  it('refuses an unknown policy and writes no audit entry', async () => {
    const store = memoryAuditStore();
    const registry = new PolicyRegistry({ switches: memorySwitch(), store: () => store });
    await expect(registry.setEnabled('nope', false, anna)).rejects.toBeInstanceOf(UnknownPolicyError);
    expect(store.items).toEqual([]);
  });

  it('keeps the trail in memory without a store, bounded', async () => {
    const registry = new PolicyRegistry({ switches: memorySwitch(), memoryAuditLimit: 2 });
    registry.declare(platinum, node('n1'));
    for (const enabled of [false, true, false]) await registry.setEnabled(platinum.id, enabled, anna);
    expect((await registry.audit(platinum.id)).map((entry) => entry.enabled)).toEqual([false, true]);
  });

  it('keeps the switch and its trail in the embedded store across a restart', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-registry-'));
    const run = async (work: (registry: PolicyRegistry, switches: PolicySwitches) => Promise<void>) => {
      const store = new EmbeddedStore({ directory });
      await store.open();
      try {
        const switches = new PolicySwitches();
        await switches.useStore(store);
        await switches.declare(platinum.id, true);
        const registry = new PolicyRegistry({
          switches: {
            isEnabled: (id) => switches.isEnabled(id),
            setEnabled: (id, enabled) => switches.set(id, enabled),
          },
          store: () => store,
        });
        registry.declare(platinum, node('n1'));
        await work(registry, switches);
      } finally {
        await store.close();
      }
    };
    await run(async (registry) => {
      await registry.setEnabled(platinum.id, false, { user: 'anonymous@127.0.0.1', via: 'api' });
    });
    await run(async (registry, switches) => {
      expect(switches.isEnabled(platinum.id)).toBe(false);
      expect(registry.get(platinum.id)!.enabled).toBe(false);
      expect(await registry.audit(platinum.id)).toEqual([
        expect.objectContaining({ enabled: false, previous: true, user: 'anonymous@127.0.0.1', via: 'api' }),
      ]);
    });
  });
});

describe('PolicyRegistry: a switch is kept before it takes effect', () => {
  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5439'), { code: 'ECONNREFUSED' });

  /** The switches on a store whose parts can be made to fail, as PostgreSQL going away does. */
  function onStore(fail: { state?: boolean; audit?: boolean } = {}) {
    const audit = memoryAuditStore();
    const kept = new Map<string, boolean>();
    const store = {
      getPolicyEnabled: async (policyId: string) => kept.get(policyId),
      setPolicyEnabled: async (policyId: string, enabled: boolean) => {
        if (fail.state) throw refused();
        kept.set(policyId, enabled);
      },
      recordInteraction: async (item: StoredInteraction) => {
        if (fail.audit) throw refused();
        return audit.recordInteraction(item);
      },
      listInteractions: audit.listInteractions,
    };
    const switches = new PolicySwitches();
    const registry = new PolicyRegistry({
      switches: {
        isEnabled: (id) => switches.isEnabled(id),
        setEnabled: (id, enabled, keep) => switches.set(id, enabled, keep),
      },
      store: () => store,
    });
    return { audit, kept, store, switches, registry };
  }

  it('leaves the switch as it was when the store cannot keep the state', async () => {
    const { audit, kept, store, switches, registry } = onStore({ state: true });
    await switches.useStore(store);
    await switches.declare(platinum.id, true);
    registry.declare(platinum, node('n1'));
    await expect(registry.setEnabled(platinum.id, false, anna)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(registry.get(platinum.id)!.enabled).toBe(true);
    expect(kept.has(platinum.id)).toBe(false);
    expect(audit.items).toEqual([]);
  });

  it('leaves the switch and the kept state as they were when the audit entry cannot be written', async () => {
    const { audit, kept, store, switches, registry } = onStore({ audit: true });
    await switches.useStore(store);
    await switches.declare(platinum.id, true);
    registry.declare(platinum, node('n1'));
    await expect(registry.setEnabled(platinum.id, false, anna)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(registry.get(platinum.id)!.enabled).toBe(true);
    // a restart reads the store: it must not bring back a switch nobody sees in the trail
    expect(kept.get(platinum.id)).not.toBe(false);
    expect(audit.items).toEqual([]);
  });

  it('writes no audit entry for a switch to the state the card is already in, whoever asks', async () => {
    const { audit, store, switches, registry } = onStore();
    await switches.useStore(store);
    await switches.declare(platinum.id, true);
    registry.declare(platinum, node('n1'));
    expect(await registry.setEnabled(platinum.id, true, { user: 'admin', via: 'editor' })).toBeUndefined();
    expect(audit.items).toEqual([]);
    expect(await registry.setEnabled(platinum.id, false, anna)).toMatchObject({
      previous: true,
      enabled: false,
    });
    expect(audit.items).toHaveLength(1);
  });

  it('takes two switches of one policy at once in turn: one audit entry for a double click, the last word wins', async () => {
    const { audit, store, switches, registry } = onStore();
    await switches.useStore(store);
    await switches.declare(platinum.id, true);
    registry.declare(platinum, node('n1'));
    const twice = await Promise.all([
      registry.setEnabled(platinum.id, false, anna),
      registry.setEnabled(platinum.id, false, anna),
    ]);
    expect(twice.map((entry) => entry?.enabled)).toEqual([false, undefined]);
    expect(audit.items).toHaveLength(1);
    // an "on" under way, then an "off": the off is judged after the on landed, and wins
    const [on, off] = await Promise.all([
      registry.setEnabled(platinum.id, true, anna),
      registry.setEnabled(platinum.id, false, anna),
    ]);
    expect([on?.previous, on?.enabled, off?.previous, off?.enabled]).toEqual([false, true, true, false]);
    expect(registry.get(platinum.id)!.enabled).toBe(false);
    expect(audit.items).toHaveLength(3);
  });

  it('refuses a switch while a deployed store is not open, rather than keep it in memory only', async () => {
    const switches = memorySwitch();
    const registry = new PolicyRegistry({ switches, store: () => undefined, storeDeployed: () => true });
    registry.declare(platinum, node('n1'));
    await expect(registry.setEnabled(platinum.id, false, anna)).rejects.toBeInstanceOf(StoreNotOpenError);
    expect(registry.get(platinum.id)!.enabled).toBe(true);
    expect(await registry.audit(platinum.id)).toEqual([]);
  });
});
