import { randomUUID } from 'node:crypto';
import type { NodeMessage } from 'node-red';
import amqplib from 'amqplib';
import { REASON_HEADER } from '../../connectors/amqp/bus';
import {
  all,
  core,
  helper,
  load,
  loggedWarnings,
  RABBIT_URL,
  tempDir,
  useHelper,
  type FlowNode,
} from './harness';
import { sinkNode, whenStatus } from './amqp-test-nodes';

/* eslint-disable @typescript-eslint/no-require-imports */
const switchNode = require('@node-red/nodes/core/function/10-switch.js');
/* eslint-enable @typescript-eslint/no-require-imports */

useHelper();
const nodes = [...all, sinkNode, core.fn, switchNode];

/**
 * amqp-in behind nodes that cannot report completion (Node-RED's core switch): a message waits there
 * until the switch sends it on, or is acknowledged after the grace when the switch dropped it; on
 * RabbitMQ, with a dead-letter queue of this run's own on crm.dlx.
 */
describe('amqp-in with a core switch after it, on RabbitMQ', () => {
  const run = randomUUID().slice(0, 8);
  const exchange = `test.done-less.${run}`;
  const queue = `test.done-less.${run}`;
  const deadQueue = `test.done-less.dlq.${run}`;
  const key = (n: number | string) => `done-less.${run}.${n}`;
  let conn: amqplib.ChannelModel;
  let ch: amqplib.ConfirmChannel;

  beforeAll(async () => {
    conn = await amqplib.connect(RABBIT_URL);
    ch = await conn.createConfirmChannel();
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertExchange('crm.dlx', 'topic', { durable: true });
    await ch.assertQueue(deadQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(deadQueue, 'crm.dlx', `done-less.${run}.#`);
  });
  afterAll(async () => {
    await ch.deleteQueue(queue);
    await ch.deleteQueue(deadQueue);
    await ch.deleteExchange(exchange);
    await conn.close();
  });

  const inNode = (wires: string[], extra: Record<string, unknown> = {}): FlowNode => ({
    id: 'in',
    type: 'amqp-in',
    broker: 'broker',
    queue,
    bindings: `${exchange} done-less.${run}.#`,
    prefetch: '50',
    ack: 'flow',
    timeout: '20000',
    store: '',
    wires: [wires],
    version: 1,
    ...extra,
  });
  const broker: FlowNode = {
    id: 'broker',
    type: 'amqp-broker',
    urls: RABBIT_URL,
    heartbeat: '30',
    version: 2,
  };

  async function publish(n: number | string, body: unknown): Promise<void> {
    ch.publish(exchange, key(n), Buffer.from(JSON.stringify(body)), {
      messageId: `m-${run}-${n}`,
      contentType: 'application/json',
      persistent: true,
    });
    await ch.waitForConfirms();
  }

  /** the dead letters of this run, taken off the queue until `count` arrived */
  async function deadLetters(count: number): Promise<{ id: string; reason: string }[]> {
    const letters: { id: string; reason: string }[] = [];
    const consumer = await conn.createChannel();
    await new Promise<void>((resolve) => {
      void consumer.consume(deadQueue, (m) => {
        if (!m) return;
        consumer.ack(m);
        letters.push({
          id: String(m.properties.messageId),
          reason: String(m.properties.headers?.[REASON_HEADER]),
        });
        if (letters.length === count) resolve();
      });
    });
    await consumer.close();
    return letters;
  }

  /** what is left on the amqp-in queue once the flow is gone (unacked messages come back) */
  async function leftOnQueue(): Promise<number> {
    await helper.unload();
    return (await ch.checkQueue(queue)).messageCount;
  }

  it('dead-letters every message a node after the switch fails in a burst, and acknowledges the others', async () => {
    const total = 60;
    await load(nodes, [
      broker,
      inNode(['route']),
      {
        id: 'route',
        type: 'switch',
        property: 'payload.n',
        propertyType: 'msg',
        rules: [{ t: 'gte', v: '0', vt: 'num' }],
        checkall: 'true',
        repair: false,
        outputs: 1,
        wires: [['check']],
      },
      {
        id: 'check',
        type: 'function',
        func: 'if (msg.payload.n % 3 === 0) throw new Error("fails n=" + msg.payload.n); return msg;',
        wires: [['got']],
      },
      { id: 'got', type: 'amqp-test-sink' },
    ]);
    await whenStatus('in', 'amqp-in.status.consuming');
    // all published before the first is handled: the switch queues them and sends after its handler
    for (let n = 0; n < total; n++)
      ch.publish(exchange, key(n), Buffer.from(JSON.stringify({ n })), {
        messageId: `m-${run}-${n}`,
        contentType: 'application/json',
        persistent: true,
      });
    await ch.waitForConfirms();
    const failing = Array.from({ length: total }, (_v, n) => n).filter((n) => n % 3 === 0);
    const letters = await deadLetters(failing.length);
    expect(letters.map((l) => l.id).sort()).toEqual(failing.map((n) => `m-${run}-${n}`).sort());
    for (const letter of letters) expect(letter.reason).toMatch(/fails n=\d+$/);
    expect(await leftOnQueue()).toBe(0);
    expect((await ch.checkQueue(deadQueue)).messageCount).toBe(0);
  });

  it('acknowledges a message the switch dropped after the grace, without dead-lettering it', async () => {
    const seen: number[] = [];
    await load(nodes, [
      broker,
      // one message at a time: the second arrives only once the first was settled
      inNode(['route'], { prefetch: '1' }),
      {
        id: 'route',
        type: 'switch',
        property: 'payload.keep',
        propertyType: 'msg',
        rules: [{ t: 'true' }],
        checkall: 'true',
        repair: false,
        outputs: 1,
        wires: [['got']],
      },
      { id: 'got', type: 'amqp-test-sink' },
    ]);
    await whenStatus('in', 'amqp-in.status.consuming');
    const kept = new Promise<void>((resolve) =>
      helper.getNode('got').on('input', (msg: NodeMessage) => {
        seen.push((msg.payload as { n: number }).n);
        resolve();
      }),
    );
    await publish(1, { n: 1, keep: false });
    await publish(2, { n: 2, keep: true });
    await kept;
    expect(seen).toEqual([2]);
    expect(loggedWarnings('in').join('\n')).not.toContain('dead-lettered');
    expect(await leftOnQueue()).toBe(0);
    expect((await ch.checkQueue(deadQueue)).messageCount).toBe(0);
  });

  it('acknowledges each message once when one of its branches ends at a disabled node', async () => {
    const total = 5;
    const seen = new Map<number, number>();
    await load(nodes, [
      broker,
      inNode(['check', 'off']),
      { id: 'check', type: 'function', func: 'return msg;', wires: [['route']] },
      // a done-less switch before a disabled node: its receipt is released when it sends the copy on
      {
        id: 'route',
        type: 'switch',
        property: 'payload.n',
        propertyType: 'msg',
        rules: [{ t: 'gte', v: '0', vt: 'num' }],
        checkall: 'true',
        repair: false,
        outputs: 1,
        wires: [['got', 'off-after-switch']],
      },
      { id: 'got', type: 'amqp-test-sink' },
      // Node-RED never starts a disabled node and drops what is routed to it, by design
      { id: 'off', type: 'amqp-test-sink', d: true },
      { id: 'off-after-switch', type: 'amqp-test-sink', d: true },
    ]);
    await whenStatus('in', 'amqp-in.status.consuming');
    const all = new Promise<void>((resolve) =>
      helper.getNode('got').on('input', (msg: NodeMessage) => {
        const n = (msg.payload as { n: number }).n;
        seen.set(n, (seen.get(n) ?? 0) + 1);
        if (seen.size === total) resolve();
      }),
    );
    for (let n = 0; n < total; n++) await publish(n, { n });
    await all;
    expect([...seen.values()]).toEqual(Array.from({ length: total }, () => 1));
    expect(loggedWarnings('in').join('\n')).not.toMatch(/requeued|back to the queue|dead-lettered/);
    // a message given back to the queue instead of acknowledged would still be on it after the drain
    expect(await leftOnQueue()).toBe(0);
    expect((await ch.checkQueue(deadQueue)).messageCount).toBe(0);
  });

  it('names the switch at deploy as a node that cannot report completion', async () => {
    await load(nodes, [
      broker,
      inNode(['mid']),
      { id: 'mid', type: 'function', func: 'return msg;', wires: [['route-action']] },
      {
        id: 'route-action',
        type: 'switch',
        name: 'to a gateway?',
        property: 'payload.action',
        propertyType: 'msg',
        rules: [{ t: 'eq', v: 'sms', vt: 'str' }],
        checkall: 'false',
        repair: false,
        outputs: 1,
        wires: [['got']],
      },
      { id: 'got', type: 'amqp-test-sink' },
    ]);
    await whenStatus('in', 'amqp-in.status.consuming');
    const warned = loggedWarnings('in').join('\n');
    expect(warned).toContain('amqp-in.warnings.done-less');
    expect(loggedWarnings('in').filter((w) => w.includes('done-less'))).toHaveLength(1);
  });

  it('completes an address change in the flow shape of c7ca40f (engine → policy → channel action → core switch)', async () => {
    // the nodes as that version's flows/hub.json saved them (config versions included); the channel
    // action publishes nothing here, and the switch's gateways are sinks
    const store = tempDir('done-less');
    await load(nodes, [
      broker,
      {
        id: 'cfg-store',
        type: 'hub-store',
        name: 'hub store',
        databaseUrl: '',
        directory: store,
        version: 1,
      },
      // prefetch 1 instead of the saved 10, so the second event shows that the first was settled
      inNode(['engine'], { name: 'canonical events', prefetch: '1', store: 'cfg-store' }),
      {
        sweepSeconds: '30',
        id: 'engine',
        type: 'policy-engine',
        name: 'policy engine',
        store: 'cfg-store',
        wires: [['trace']],
        version: 2,
      },
      { id: 'trace', type: 'amqp-test-sink' },
      {
        history: '',
        id: 'policy-mortgage',
        type: 'policy',
        name: 'address change → mortgage',
        engine: 'engine',
        policyId: `address-change-mortgage-${run}`,
        titleEn: 'Address change via call center → mortgage offer on the web page',
        titleDe: 'Adressänderung im Call-Center → Hypothekenangebot auf der persönlichen Webseite',
        when: 'event address-changed via call-center',
        condition: '',
        then: 'web-offer mortgage to web within 30d',
        perCustomer: '1 per 7d',
        global: '',
        priority: '60',
        mode: 'trigger',
        active: true,
        wires: [['act-web']],
        version: 2,
      },
      {
        id: 'act-web',
        type: 'channel-action',
        name: 'channel action',
        store: 'cfg-store',
        broker: '',
        wires: [['actions', 'route-action']],
        version: 2,
      },
      { id: 'actions', type: 'amqp-test-sink' },
      {
        id: 'route-action',
        type: 'switch',
        name: 'to a gateway?',
        property: 'payload.action',
        propertyType: 'msg',
        rules: [
          { t: 'eq', v: 'sms', vt: 'str' },
          { t: 'eq', v: 'escalation', vt: 'str' },
        ],
        checkall: 'false',
        repair: false,
        outputs: 2,
        wires: [['sms-request'], ['escalation-mail']],
      },
      { id: 'sms-request', type: 'amqp-test-sink' },
      { id: 'escalation-mail', type: 'amqp-test-sink' },
    ]);
    await whenStatus('in', 'amqp-in.status.consuming');
    const offers: string[] = [];
    const second = new Promise<void>((resolve) =>
      helper.getNode('actions').on('input', (msg: NodeMessage) => {
        if (offers.push((msg.payload as { action: string }).action) === 2) resolve();
      }),
    );
    const event = (customer: string) => ({
      eventId: randomUUID(),
      schemaVersion: '1.0',
      type: 'address-changed',
      channel: 'call-center',
      occurredAt: new Date().toISOString(),
      source: { system: 'crm' },
      customer: { ref: `crm:${customer}`, identifiers: [{ system: 'crm', id: customer }] },
      data: { address: { street: 'Leopoldstraße 12', postalCode: '80802', city: 'München', country: 'DE' } },
    });
    await publish('a1', event('4720'));
    await publish('a2', event('4721'));
    // prefetch 1: the second event is delivered only once the first was settled
    await second;
    expect(offers).toEqual(['web-offer', 'web-offer']);
    expect(loggedWarnings('in').join('\n')).not.toContain('dead-lettered');
    expect((await ch.checkQueue(deadQueue)).messageCount).toBe(0);
  });
});
