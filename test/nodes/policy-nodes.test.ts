import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import type { NodeMessage, NodeStatus } from 'node-red';
import request from 'supertest';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { migrations as engineMigrations } from '../../nodes/policy-engine/migrations';
import { migrations as policyMigrations } from '../../nodes/policy/migrations';
import { cardFromConfig, type PolicyDef } from '../../nodes/policy/policy';
import { compileCard } from '../../policies/card';
import { parseCardYaml } from '../../policies/card-files';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import { migrate } from '../../nodes/shared/migrate';
import { EmbeddedStore } from '../../records/embedded-store';
import { withdrawalEvent } from '../unit/policies/fixtures';
import {
  all,
  captured,
  helper,
  loggedErrors,
  nextError,
  nextInput,
  tempDir,
  useHelper,
  load,
} from './harness';
import { reports, statusesSoFar, watchStatus } from './node-status';

useHelper();

const addressChanged = (channel: string) => ({
  eventId: '3b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: '2026-11-22T10:00:00.000Z',
  channel,
  source: { system: 'crm' },
  customer: { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
  data: { address: { street: 'Hauptstraße 5', postalCode: '80331', city: 'München', country: 'DE' } },
});

const policyNode = (id: string, extra: Partial<PolicyDef> = {}) => ({
  id,
  type: 'policy',
  engine: 'eng',
  policyId: `mortgage-${id}`,
  titleEn: 'Address change → mortgage',
  titleDe: 'Adressänderung → Hypothek',
  when: 'event address-changed via call-center',
  condition: '',
  then: 'web-offer mortgage to web within 30d',
  perCustomer: '',
  global: '',
  priority: '60',
  mode: 'trigger',
  active: true,
  wires: [['decided']],
  ...extra,
});

const flow = [
  { id: 'eng', type: 'policy-engine', wires: [['evaluated']] },
  policyNode('p1'),
  { id: 'decided', type: 'helper' },
  { id: 'evaluated', type: 'helper' },
];

describe('policy-engine and policy', () => {
  it('emits the decision from the output of the policy node whose card fired', async () => {
    await load(all, flow);
    const decided = nextInput<{ payload: Record<string, unknown>; event: Record<string, unknown> }>(
      'decided',
    );
    const evaluated = nextInput<{ decisions: unknown[]; explanations: { outcome: string }[] }>('evaluated');
    helper.getNode('eng').receive({ payload: addressChanged('call-center') });
    const decision = await decided;
    expect(decision.payload).toMatchObject({
      policyId: 'mortgage-p1',
      action: 'web-offer',
      offer: 'mortgage',
      channel: 'web',
      customerRef: 'crm:0004711',
      eventId: addressChanged('call-center').eventId,
    });
    expect(decision.event).toMatchObject({ type: 'address-changed' });
    const trace = await evaluated;
    expect(trace.decisions).toHaveLength(1);
    expect(trace.explanations[0].outcome).toBe('fired');
  });

  it('shows on and off, and how often it fired, in words from its locale', async () => {
    await load(all, flow);
    const policy = watchStatus('p1');
    const engine = watchStatus('eng');
    const decided = nextInput('decided');
    const evaluated = nextInput('evaluated');
    helper.getNode('eng').receive({ payload: addressChanged('call-center') });
    await decided;
    await evaluated;
    expect(policy.last()).toEqual({ fill: 'green', shape: 'dot', text: 'policy.status.on-fired' });
    expect(engine.last()).toEqual({ fill: 'green', shape: 'dot', text: 'policy-engine.status.evaluated' });
  });

  it('does not fire for an address change reported on the web, and explains why', async () => {
    await load(all, flow);
    let fired = false;
    helper.getNode('decided').on('input', () => (fired = true));
    const evaluated = nextInput<{
      decisions: unknown[];
      explanations: { outcome: string; reason: string }[];
    }>('evaluated');
    helper.getNode('eng').receive({ payload: addressChanged('web') });
    const trace = await evaluated;
    expect(trace.decisions).toEqual([]);
    expect(trace.explanations[0].outcome).toBe('not-matched');
    expect(trace.explanations[0].reason).toContain('call-center');
    expect(fired).toBe(false);
  });

  it('is switched off through the admin endpoint without a redeploy', async () => {
    await load(all, flow);
    const policy = watchStatus('p1');
    const res = await request(captured.red!.httpAdmin)
      .post('/crm-hub/policies/mortgage-p1/enabled')
      .send({ enabled: false });
    expect(res.status).toBe(200);
    expect(policy.last()).toEqual({ fill: 'grey', shape: 'ring', text: 'policy.status.off' });
    const evaluated = nextInput<{ decisions: unknown[]; explanations: { outcome: string }[] }>('evaluated');
    helper.getNode('eng').receive({ payload: addressChanged('call-center') });
    const trace = await evaluated;
    expect(trace.decisions).toEqual([]);
    expect(trace.explanations[0].outcome).toBe('switched-off');
    const bad = await request(captured.red!.httpAdmin)
      .post('/crm-hub/policies/mortgage-p1/enabled')
      .send({ enabled: 'no' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: 'enabled' });
  });

  it('rejects an event without a type', async () => {
    await load(all, flow);
    const err = new Promise<string>((resolve) =>
      helper.getNode('eng').once('call:error', (c: { args: unknown[] }) => resolve(String(c.args[0]))),
    );
    helper.getNode('eng').receive({ payload: { hello: 'world' } });
    expect(await err).toContain('policy-engine.errors.not-an-event');
  });

  it.each([
    ['an amount as text', { value: '10001', currency: 'EUR' }, 'amount.value'],
    ['an amount in German notation', { value: '10.001,00' }, 'amount.currency'],
    ['an amount without its currency', { value: 10001 }, 'amount.currency'],
    ['a bare number', 10001, 'amount'],
  ])(
    'fails an event with %s, naming the field, decides nothing, and evaluates the next one',
    async (_what, amount, field) => {
      await load(all, flow);
      const decisions: unknown[] = [];
      helper.getNode('decided').on('input', (msg: unknown) => decisions.push(msg));
      const err = new Promise<{ message: string; code?: string; field?: string }>((resolve) =>
        helper
          .getNode('eng')
          .once('call:error', (c: { args: unknown[] }) => resolve(c.args[0] as { message: string })),
      );
      helper.getNode('eng').receive({ payload: { ...addressChanged('call-center'), amount } });
      const error = await err;
      expect(error.message).toContain('policy-engine.errors.invalid-event');
      expect(error.code).toBe('invalid-event');
      expect(error.field).toBe(field);
      const evaluated = nextInput<{ payload: unknown }>('evaluated');
      const next = { ...addressChanged('call-center'), eventId: randomUUID() };
      helper.getNode('eng').receive({ payload: next });
      // the stream goes on: the next event is evaluated, and no decision came from the invalid one
      expect(await evaluated).toMatchObject({ payload: { eventId: next.eventId } });
      for (const msg of decisions as { payload: { eventId: string } }[])
        expect(msg.payload.eventId).toBe(next.eventId);
    },
  );

  it('reports an invalid card at deploy time with the reason', async () => {
    await load(all, [
      { id: 'eng', type: 'policy-engine', wires: [[]] },
      policyNode('bad', { when: 'whenever it rains' }),
    ]);
    expect(loggedErrors('bad')[0]).toContain('policy.errors.invalid-card');
  });

  it('builds the card from the node config, limits included', () => {
    const card = cardFromConfig({
      ...(policyNode('p') as unknown as PolicyDef),
      perCustomer: '1 per 7d',
      global: '200 per day',
    });
    expect(card).toMatchObject({
      policy: 'mortgage-p',
      priority: 60,
      limits: { 'per-customer': '1 per 7d', global: '200 per day' },
    });
  });
});

describe('policy-engine arbitration', () => {
  /** two cards that both fire on a call-center address change and both want the web channel */
  const competing = (engine: Record<string, unknown>) => [
    { id: 'eng', type: 'policy-engine', wires: [['evaluated']], ...engine },
    { ...policyNode('hi', { policyId: 'mortgage-offer', priority: '80' }), wires: [['decided-hi']] },
    {
      ...policyNode('lo', { policyId: 'savings-offer', then: 'web-offer savings to web', priority: '40' }),
      wires: [['decided-lo']],
    },
    { id: 'decided-hi', type: 'helper' },
    { id: 'decided-lo', type: 'helper' },
    { id: 'evaluated', type: 'helper' },
  ];
  type Trace = {
    decisions: { policyId: string }[];
    explanations: { policyId: string; outcome: string; reason: string }[];
    arbitration?: { perChannel: number; ranked: { policyId: string; outcome: string }[] };
  };

  /** Sends one event; resolves with the engine's output and the policy ids each policy node emitted. */
  async function fire(): Promise<{ trace: Trace; emitted: string[] }> {
    const emitted: string[] = [];
    for (const id of ['decided-hi', 'decided-lo']) {
      helper.getNode(id).on('input', (msg: NodeMessage) => {
        emitted.push((msg.payload as { policyId: string }).policyId);
      });
    }
    const evaluated = nextInput<Trace>('evaluated');
    helper.getNode('eng').receive({ payload: addressChanged('call-center') });
    const trace = await evaluated;
    // the policy nodes sent before the engine did; one more turn lets any late message arrive
    await new Promise((resolve) => setImmediate(resolve));
    return { trace, emitted };
  }

  it('with 1 winner per channel, emits only the winning card from its policy node and explains the loser', async () => {
    await load(all, competing({ arbitrateBy: 'priority', winnersPerChannel: '1', version: 3 }));
    const { trace, emitted } = await fire();
    expect(emitted).toEqual(['mortgage-offer']);
    expect(trace.decisions.map((d) => d.policyId)).toEqual(['mortgage-offer']);
    expect(trace.explanations.find((e) => e.policyId === 'savings-offer')).toMatchObject({
      outcome: 'arbitration-lost',
      reason: 'arbitration lost to mortgage-offer (priority 80 > 40) on web',
    });
    expect(trace.arbitration).toMatchObject({
      perChannel: 1,
      ranked: [
        { policyId: 'mortgage-offer', outcome: 'won' },
        { policyId: 'savings-offer', outcome: 'lost' },
      ],
    });
  });

  it('a flow saved before arbitration gets 1 winner per channel; 0 opts out and emits both', async () => {
    await load(all, competing({ sweepSeconds: '30', version: 2 }));
    expect((await fire()).emitted).toEqual(['mortgage-offer']);
    await helper.unload();
    await load(all, competing({ arbitrateBy: 'priority', winnersPerChannel: '0', version: 3 }));
    const { trace, emitted } = await fire();
    expect(emitted.sort()).toEqual(['mortgage-offer', 'savings-offer']);
    expect(trace.decisions.map((d) => d.policyId)).toEqual(['mortgage-offer', 'savings-offer']);
  });

  it('reports winners per channel that is not a whole number, and keeps the default', async () => {
    await load(all, competing({ arbitrateBy: 'priority', winnersPerChannel: 'two', version: 3 }));
    expect(loggedErrors('eng')[0]).toContain('policy-engine.errors.bad-arbitration');
    expect((await fire()).emitted).toEqual(['mortgage-offer']);
  });
});

/** The platinum card on an engine that reads customer profiles from a store of its own. */
const platinumOnStore = (directory: string) => [
  { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir(directory) },
  { id: 'eng', type: 'policy-engine', store: 'store', wires: [['evaluated']] },
  policyNode('plat', {
    policyId: 'platinum-large-withdrawal',
    when: 'event withdrawal where amount > 10000',
    condition: 'customer.tier == "platinum"',
    then: 'call-task to sales-rep within 1d',
  }),
  { id: 'decided', type: 'helper' },
  { id: 'evaluated', type: 'helper' },
];

describe('policy-engine with customer profiles from the store', () => {
  it('fires the platinum card for a large withdrawal when the stored customer is platinum, not for gold', async () => {
    await load(all, platinumOnStore('profiles'));
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    const customer = (ref: string, tier: string) => ({
      customerRef: ref,
      document: { customerRef: ref, kind: 'person', tier },
      updatedAt: '2026-11-22T10:00:00Z',
      sourceSystem: 'crm',
    });
    await store.putCustomer(customer('crm:1', 'platinum'));
    await store.putCustomer(customer('crm:2', 'gold'));
    const withdrawal = (ref: string) =>
      withdrawalEvent(`5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a${ref.slice(-1)}0`, ref, 12000);
    const decided = nextInput<{ payload: Record<string, unknown> }>('decided');
    const first = nextInput<{ decisions: unknown[] }>('evaluated');
    helper.getNode('eng').receive({ payload: withdrawal('crm:1') });
    expect((await first).decisions).toHaveLength(1);
    expect((await decided).payload).toMatchObject({
      action: 'call-task',
      channel: 'sales-rep',
      customerRef: 'crm:1',
    });

    const second = nextInput<{ decisions: unknown[]; explanations: { reason: string }[] }>('evaluated');
    helper.getNode('eng').receive({ payload: withdrawal('crm:2') });
    const trace = await second;
    expect(trace.decisions).toEqual([]);
    expect(trace.explanations[0].reason).toContain('"gold"');
  });

  it("judges an event with SAP's padded number as the customer the hub keys without the zeros", async () => {
    await load(all, platinumOnStore('profiles-sap'));
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await store.putCustomer({
      customerRef: 'sap:104711',
      document: { customerRef: 'sap:104711', kind: 'person', tier: 'platinum' },
      updatedAt: '2026-11-22T10:00:00Z',
      sourceSystem: 'sap',
    });
    const event = withdrawalEvent('5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a77', 'sap:0000104711', 12000);
    event.customer.identifiers = [{ system: 'sap', id: '0000104711' }];
    const decided = nextInput<{ payload: Record<string, unknown> }>('decided');
    const evaluated = nextInput<{ payload: { customer: unknown } }>('evaluated');
    helper.getNode('eng').receive({ payload: event });
    expect((await decided).payload).toMatchObject({ action: 'call-task', customerRef: 'sap:104711' });
    expect((await evaluated).payload.customer).toEqual({
      ref: 'sap:104711',
      identifiers: [{ system: 'sap', id: '104711' }],
    });
  });
});

describe('policy-engine and event ids', () => {
  it('judges an event id in capitals as the same UUID in lower case, so its history, caps and offers key on one id', async () => {
    await load(all, platinumOnStore('profiles-case'));
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await store.putCustomer({
      customerRef: 'crm:1',
      document: { customerRef: 'crm:1', kind: 'person', tier: 'platinum' },
      updatedAt: '2026-11-22T10:00:00Z',
      sourceSystem: 'crm',
    });
    const decided = nextInput<{ payload: Record<string, unknown> }>('decided');
    const evaluated = nextInput<{ payload: { eventId: string } }>('evaluated');
    helper
      .getNode('eng')
      .receive({ payload: withdrawalEvent('BBBBBBBB-0000-4000-8000-000000000001', 'crm:1', 20000) });
    expect((await evaluated).payload.eventId).toBe('bbbbbbbb-0000-4000-8000-000000000001');
    expect((await decided).payload).toMatchObject({ eventId: 'bbbbbbbb-0000-4000-8000-000000000001' });
  });
});

describe('policy-engine and a reused event id', () => {
  it('refuses an event whose id another event holds (event-id-reused), and takes the same event again', async () => {
    await load(all, platinumOnStore('reused-id'));
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    await store.putCustomer({
      customerRef: 'crm:1',
      document: { customerRef: 'crm:1', kind: 'person', tier: 'platinum' },
      updatedAt: '2026-11-22T10:00:00Z',
      sourceSystem: 'crm',
    });
    const id = '5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a99';
    const first = nextInput<{ decisions: unknown[] }>('evaluated');
    helper.getNode('eng').receive({ payload: withdrawalEvent(id, 'crm:1', 20000) });
    expect((await first).decisions).toHaveLength(1);

    const refused = nextError('eng');
    helper.getNode('eng').receive({ payload: withdrawalEvent(id, 'crm:1', 90000) });
    expect(await refused).toContain(`event-id-reused: eventId ${id} `);

    // the same event again (in capitals, as a redelivery may spell it) is no reuse
    const again = nextInput<{ payload: { eventId: string } }>('evaluated');
    helper.getNode('eng').receive({ payload: withdrawalEvent(id.toUpperCase(), 'crm:1', 20000) });
    expect((await again).payload.eventId).toBe(id);
  });
});

describe('policy switches kept in the hub store', () => {
  it('deploys a policy in the state the store kept, whatever its card was deployed with', async () => {
    // switched off earlier, e.g. in the console of another hub instance on the same store
    const directory = tempDir('switches');
    const earlier = new EmbeddedStore({ directory });
    await earlier.open();
    await earlier.setPolicyEnabled('kept-off', false);
    await earlier.close();

    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory },
      { id: 'eng', type: 'policy-engine', wires: [['evaluated']] },
      policyNode('p1', { policyId: 'kept-off', active: true }),
      { id: 'decided', type: 'helper' },
      { id: 'evaluated', type: 'helper' },
    ]);
    await switchedOff('p1', 'kept-off');
    const evaluated = nextInput<{ decisions: unknown[]; explanations: { outcome: string }[] }>('evaluated');
    helper.getNode('eng').receive({ payload: addressChanged('call-center') });
    const trace = await evaluated;
    expect(trace.decisions).toEqual([]);
    expect(trace.explanations[0].outcome).toBe('switched-off');
  });
});

/** Resolves once the policy is off: at once if it already is, else when its node shows it. */
function switchedOff(nodeId: string, policyId: string): Promise<void> {
  return new Promise((resolve) => {
    reports(nodeId).on('call:status', (call: { args: unknown[] }) => {
      if ((call.args[0] as NodeStatus).text === 'policy.status.off') resolve();
    });
    if (!hubRuntime.policies.isEnabled(policyId)) resolve();
  });
}

describe('policy and policy-engine config versions', () => {
  it('read configs saved before versions existed in the current shape and decide with them', async () => {
    const engine = { id: 'eng', type: 'policy-engine', name: '', store: '' };
    const { wires: _wires, ...policy } = policyNode('p1', { policyId: 'saved-before-versions' });
    expect(migrate(engine, engineMigrations)).toEqual({
      ...engine,
      sweepSeconds: '30',
      arbitrateBy: 'priority',
      winnersPerChannel: '1',
      version: 3,
    });
    // a flow saved at version 2 keeps its sweep and gets the arbitration defaults
    expect(migrate({ ...engine, sweepSeconds: '5', version: 2 }, engineMigrations)).toMatchObject({
      sweepSeconds: '5',
      arbitrateBy: 'priority',
      winnersPerChannel: '1',
      version: 3,
    });
    expect(migrate(policy, policyMigrations)).toEqual({
      ...policy,
      history: '',
      escalation: '',
      ...EMPTY_V4_FIELDS,
      version: 5,
    });
    await load(all, [
      { ...engine, wires: [['evaluated']] },
      { ...policy, wires: [['decided']] },
      { id: 'decided', type: 'helper' },
      { id: 'evaluated', type: 'helper' },
    ]);
    const decided = nextInput<{ payload: { policyId: string } }>('decided');
    helper.getNode('eng').receive({ payload: addressChanged('call-center') });
    expect((await decided).payload.policyId).toBe('saved-before-versions');
  });
});

/** What version 4 of the policy node added: the rest of the card vocabulary, all empty. */
const EMPTY_V4_FIELDS = {
  perChannel: '',
  cooldown: '',
  scorePropensity: '',
  scoreValue: '',
  scoreWeight: '',
  scheduleFrom: '',
  scheduleTo: '',
  scheduleHours: '',
  scheduleTimeZone: '',
  holdout: '',
  descriptionEn: '',
  descriptionDe: '',
  cardVersion: '',
};

describe('the policy node speaks the whole card vocabulary', () => {
  const DELAY_YAML = `policy: delay-apology-sms
version: 3
title: { de: "Verspätung bei Top-Kunden", en: "Delay for a top-tier customer" }
description:
  en: "An apology for a long delay"
  de: "Eine Entschuldigung für eine lange Verspätung"
when: event flight-delayed or delivery-delayed where data.delayMinutes >= 120
if: customer.tier in ["gold", "platinum"]
then: sms delay-voucher to sms within 2h
limits:
  per-channel: { sms: 1 per 7d }
  global: 5000 per day
  cooldown: 30d after reject
priority: 70
score: { propensity: 0.05, value: customer.clv, weight: 1.5 }
schedule:
  from: 2025-04-01
  to: 2030-06-30
  hours: Mon-Fri 08:00-20:00, Sat 10:00-14:00
  time-zone: Europe/Berlin
holdout: 5%
`;
  const delayNode = (extra: Partial<PolicyDef> = {}) =>
    policyNode('delay', {
      policyId: 'delay-apology-sms',
      titleEn: 'Delay for a top-tier customer',
      titleDe: 'Verspätung bei Top-Kunden',
      descriptionEn: 'An apology for a long delay',
      descriptionDe: 'Eine Entschuldigung für eine lange Verspätung',
      cardVersion: '3',
      when: 'event flight-delayed or delivery-delayed where data.delayMinutes >= 120',
      condition: 'customer.tier in ["gold", "platinum"]',
      history: '',
      then: 'sms delay-voucher to sms within 2h',
      escalation: '',
      perCustomer: '',
      perChannel: 'sms: 1 per 7d',
      global: '5000 per day',
      cooldown: '30d after reject',
      priority: '70',
      scorePropensity: '0.05',
      scoreValue: 'customer.clv',
      scoreWeight: '1.5',
      scheduleFrom: '2025-04-01',
      scheduleTo: '2030-06-30',
      scheduleHours: 'Mon-Fri 08:00-20:00, Sat 10:00-14:00',
      scheduleTimeZone: 'Europe/Berlin',
      holdout: '5%',
      version: 5,
      ...extra,
    } as Partial<PolicyDef>);

  it('deploys a card with holdout, cooldown, per-channel, score and schedule as the same version as its YAML', async () => {
    await load(all, [
      { id: 'eng', type: 'policy-engine', wires: [['evaluated']] },
      delayNode(),
      { id: 'decided', type: 'helper' },
      { id: 'evaluated', type: 'helper' },
    ]);
    const deployed = hubRuntime.policyRegistry.card('delay-apology-sms')!;
    const fromYaml = parseCardYaml(DELAY_YAML);
    expect(deployed.version).toEqual(fromYaml.version);
    expect(deployed.version.number).toBe(3);
    // every field reached the engine, as the YAML's did
    expect(deployed).toMatchObject({
      description: { en: 'An apology for a long delay' },
      limits: {
        perChannel: { sms: { count: 1, text: '1 per 7d' } },
        global: { count: 5000 },
        cooldown: { after: ['rejected'], text: '30d after reject' },
      },
      score: { propensity: 0.05, value: { path: 'customer.clv' }, weight: 1.5 },
      schedule: { timeZone: 'Europe/Berlin' },
      holdout: 5,
    });
    expect(deployed.limits).toEqual(fromYaml.limits);
    expect(deployed.schedule?.text).toBe(fromYaml.schedule?.text);

    // one text for every channel of the card is the YAML's one text too
    const everyChannel = compileCard(cardFromConfig(delayNode({ perChannel: '1 per 7d' }) as PolicyDef));
    expect(everyChannel.version.hash).toBe(
      parseCardYaml(DELAY_YAML.replace('{ sms: 1 per 7d }', '1 per 7d')).version.hash,
    );
    // a holdout typed as a bare number is the same control group
    const bare = compileCard(cardFromConfig(delayNode({ holdout: '5' }) as PolicyDef));
    expect(bare.version.hash).toBe(fromYaml.version.hash);
  });

  it('keeps priority 0 as 0, the same version as the YAML card with priority 0', () => {
    const zero = compileCard(cardFromConfig(delayNode({ priority: '0' }) as PolicyDef));
    expect(zero.priority).toBe(0);
    expect(zero.version.hash).toBe(
      parseCardYaml(DELAY_YAML.replace('priority: 70', 'priority: 0')).version.hash,
    );
  });

  it('gives a card saved at version 4 with an empty priority the 50 it ran with', () => {
    const saved = delayNode({ priority: '', version: 4 } as Partial<PolicyDef>);
    const migrated = migrate<PolicyDef>(saved, policyMigrations);
    expect(migrated).toEqual({ ...saved, priority: '50', version: 5 });
    expect(compileCard(cardFromConfig(migrated)).priority).toBe(50);
    // a priority that was filled in stays as it was
    expect(
      migrate<PolicyDef>(delayNode({ priority: '0', version: 4 } as Partial<PolicyDef>), policyMigrations)
        .priority,
    ).toBe('0');
  });

  it('gives a card saved at version 3 the new fields empty, and the same card as before', () => {
    const saved = {
      ...policyNode('p3', { perCustomer: '1 per 7d' }),
      history: '',
      escalation: '',
      version: 3,
    };
    const migrated = migrate<PolicyDef>(saved, policyMigrations);
    expect(migrated).toEqual({ ...saved, ...EMPTY_V4_FIELDS, version: 5 });
    expect(cardFromConfig(migrated)).toEqual(cardFromConfig(saved as unknown as PolicyDef));
  });

  it.each([
    ['perChannel', 'sms: 1 per 7d, 5 per day', 'limits.per-channel'],
    ['perChannel', 'sms: 1 per 7d, sms: 2 per 7d', 'limits.per-channel.sms'],
    ['perChannel', 'web: 1 per 7d', 'limits.per-channel.web'],
    ['cooldown', '30d after a complaint', 'limits.cooldown'],
    ['holdout', '120%', 'holdout'],
    ['scorePropensity', '5%', 'score.propensity'],
    ['scoreValue', 'clv', 'score.value'],
    ['scheduleTimeZone', 'Mars/Olympus', 'schedule.time-zone'],
    ['scheduleHours', 'Mon-Fri 9-18', 'schedule.hours'],
    ['cardVersion', '2.5', 'version'],
    ['priority', 'high', 'priority'],
    ['priority', '', 'priority'],
    ['priority', '1001', 'priority'],
  ] as const)('refuses %s "%s", naming %s on the status and in the log', async (field, value, named) => {
    const config = delayNode({ [field]: value } as Partial<PolicyDef>);
    expect(() => compileCard(cardFromConfig(config as PolicyDef))).toThrow(
      expect.objectContaining({ name: 'PolicyCardError', field: named }),
    );
    // the helper's RED._ gives back bare keys; what the node asked it to say shows the field
    const said: { key: string; values?: Record<string, unknown> }[] = [];
    const listening = (red: { _: (key: string, values?: Record<string, unknown>) => string }) => {
      const translate = red._;
      red._ = (key, values) => {
        said.push({ key, values });
        return translate(key, values);
      };
    };
    await load(
      [listening, ...all],
      [
        { id: 'eng', type: 'policy-engine', wires: [[]] },
        { ...config, wires: [[]] },
      ],
    );
    expect(statusesSoFar('delay')).toEqual([
      { fill: 'red', shape: 'ring', text: 'policy.status.invalid-field' },
    ]);
    expect(said).toContainEqual({ key: 'policy.status.invalid-field', values: { field: named } });
    expect(loggedErrors('delay')[0]).toContain('policy.errors.invalid-card');
    const logged = said.find((entry) => entry.key === 'policy.errors.invalid-card');
    expect(String(logged?.values?.error)).toContain(`"delay-apology-sms": ${named}: `);
    expect(hubRuntime.policyRegistry.has('delay-apology-sms')).toBe(false);
  });
});

describe('the policy node editor checks the card fields as the hub reads them', () => {
  type Validate = (this: { _: (key: string) => string }, value: string, opt: object) => true | string;
  const definition = (): Record<string, { value: unknown; validate?: Validate }> => {
    const html = fs.readFileSync(path.resolve(__dirname, '../../nodes/policy/policy.html'), 'utf8');
    const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
    let defaults: Record<string, { value: unknown; validate?: Validate }> = {};
    const RED = {
      nodes: {
        registerType: (_type: string, def: { defaults: typeof defaults }) => (defaults = def.defaults),
      },
      validators: { regex: (re: RegExp) => (v: string) => re.test(v), number: () => () => true },
    };
    vm.runInNewContext(script, { RED });
    return defaults;
  };
  const node = { _: (key: string) => key };

  it.each([
    [
      'perChannel',
      ['3 per 7d', 'sms: 1 per 7d', 'sms: 1 per 7d, web: 5 per day', ''],
      ['sms 1 per 7d', 'sms: once'],
    ],
    ['cooldown', ['30d after reject', '14 days after reject or ignore', ''], ['30d', 'after reject']],
    ['holdout', ['5%', '2.5 %', '10', ''], ['100%', 'five']],
    ['scorePropensity', ['0.05', '1', ''], ['0', '1.5', '5%']],
    ['scoreValue', ['450', 'customer.clv', 'event.amount.value', ''], ['clv', '-3']],
    ['scoreWeight', ['1', '1.5', '0', ''], ['-1', 'heavy']],
    ['scheduleFrom', ['2025-04-01', '2025-04-01T09:00', '2025-04-01T09:00:00+02:00', ''], ['April 1st']],
    ['scheduleHours', ['Mon-Fri 09:00-18:00, Sat 10:00-14:00', 'täglich 08:00-20:00', ''], ['Mon-Fri 9-18']],
    ['scheduleTimeZone', ['Europe/Berlin', 'UTC', ''], ['Europe Berlin']],
    ['cardVersion', ['1', '12', ''], ['0', '2.5']],
    ['perCustomer', ['1 per 7d', ''], ['once a week']],
    ['priority', ['0', '50', '1000'], ['', 'high', '1001', '2.5', '-1']],
  ] as const)('%s', (field, valid, invalid) => {
    const validate = definition()[field].validate!;
    for (const value of valid) expect([value, validate.call(node, value, {})]).toEqual([value, true]);
    for (const value of invalid) {
      expect([value, validate.call(node, value, {})]).toEqual([value, `policy.invalid.${field}`]);
    }
  });

  it('saves new nodes at version 5 with the fields version 4 added empty', () => {
    const defaults = definition();
    for (const field of Object.keys(EMPTY_V4_FIELDS))
      expect([field, defaults[field]?.value]).toEqual([field, '']);
    expect(defaults.version.value).toBe(5);
  });
});

describe('policy-engine with its history, caps and waits in the hub store', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;

  const complaint = (atMs: number) => ({
    eventId: '7c1f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    schemaVersion: '1.0',
    type: 'complaint',
    occurredAt: new Date(atMs).toISOString(),
    channel: 'call-center',
    source: { system: 'crm' },
    customer: { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
    data: {},
  });

  /** a deployment of the flow over the store in `directory`; the same directory is a redeploy */
  const deploy = (directory: string, policy: ReturnType<typeof policyNode>) =>
    load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory },
      { id: 'eng', type: 'policy-engine', store: 'store', sweepSeconds: '30', wires: [['evaluated']] },
      policy,
      { id: 'decided', type: 'helper' },
      { id: 'evaluated', type: 'helper' },
    ]);

  const escalation = policyNode('esc', {
    policyId: 'unanswered-complaint',
    when: 'event complaint',
    history: 'no complaint-answered within 2d',
    then: 'escalation to regional-manager',
    priority: '95',
  });

  it('fires "no B within T" once, at the sweep when due, through the policy node, and not again after a redeploy', async () => {
    const directory = tempDir('waits');
    const t0 = Date.now();
    await deploy(directory, escalation);
    const decided: Record<string, unknown>[] = [];
    helper.getNode('decided').on('input', (msg: Record<string, unknown>) => decided.push(msg));

    const evaluated = nextInput<{ decisions: unknown[]; explanations: { outcome: string }[] }>('evaluated');
    helper.getNode('eng').receive({ payload: complaint(t0) });
    const trace = await evaluated;
    expect(trace.decisions).toEqual([]);
    expect(trace.explanations[0].outcome).toBe('pending');

    const early = await hubRuntime.policies.sweep('eng', { now: t0 + DAY });
    expect(early.settled).toEqual([]);
    expect(decided).toEqual([]);

    const due = await hubRuntime.policies.sweep('eng', { now: t0 + 2 * DAY + HOUR });
    expect(due.failed).toEqual([]);
    expect(due.settled).toHaveLength(1);
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({
      payload: { policyId: 'unanswered-complaint', action: 'escalation', channel: 'regional-manager' },
      event: { type: 'complaint', eventId: complaint(t0).eventId },
    });

    await helper.unload();
    await deploy(directory, escalation);
    let again = 0;
    helper.getNode('decided').on('input', () => (again += 1));
    const later = await hubRuntime.policies.sweep('eng', { now: t0 + 3 * DAY });
    expect(later).toEqual({ settled: [], failed: [] });
    expect(again).toBe(0);
  });

  it('keeps the per-customer cap across a redeploy on the embedded store', async () => {
    const directory = tempDir('caps');
    const capped = policyNode('cap', { policyId: 'mortgage-capped', perCustomer: '1 per 7d' });
    await deploy(directory, capped);
    const first = nextInput<{ decisions: unknown[] }>('evaluated');
    helper.getNode('eng').receive({ payload: addressChanged('call-center') });
    expect((await first).decisions).toHaveLength(1);

    await helper.unload();
    await deploy(directory, capped);
    const second = nextInput<{
      decisions: unknown[];
      explanations: { outcome: string; cap?: { scope: string } }[];
    }>('evaluated');
    // another address change of the same customer: a new event, not a redelivery
    helper.getNode('eng').receive({
      payload: { ...addressChanged('call-center'), eventId: '4c8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b' },
    });
    const trace = await second;
    expect(trace.decisions).toEqual([]);
    expect(trace.explanations[0]).toMatchObject({ outcome: 'capped', cap: { scope: 'per-customer' } });
  });
});
