import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import type { Delivery } from '../../connectors/amqp/bus';
import { traceIdOf } from '../../connectors/http/trace-context';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { whenStatus } from './amqp-test-nodes';
import {
  all,
  core,
  helper,
  load,
  loggedErrors,
  nextInput,
  tempDir,
  useHelper,
  type FlowNode,
} from './harness';
import { watchStatus } from './node-status';

useHelper();
const modules = [...all, core.catchNode];

/** Noon in Berlin on a winter weekday: outside the default quiet hours. */
const NOON = Date.parse('2026-01-14T11:00:00Z');
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE}-b7ad6b7169203331-01`;
const CARD_VERSION = { number: 3, hash: '9f2c1a0b7e6d5c4b' };

beforeEach(() => {
  hubRuntime.contactPolicy.configure({});
  hubRuntime.contactPolicy.clock = () => NOON;
});

/** A message as a consumer bound to crm.actions receives it. */
interface Seen {
  routingKey: string;
  messageId?: string;
  contentType?: string;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
  persistent?: boolean;
}

interface ActionQueue {
  /** the next message in the queue; it must be there already when `now` is set */
  take(now?: boolean): Promise<Seen | undefined>;
  close(): Promise<void>;
}

/** RabbitMQ: a queue of the test's own on the broker, read with basic.get. */
async function rabbitQueue(url: string, pattern: string): Promise<ActionQueue> {
  const conn = await amqplib.connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange('crm.actions', 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(queue, 'crm.actions', pattern);
  return {
    async take() {
      const m = await ch.get(queue, { noAck: true });
      if (!m) return undefined;
      return {
        routingKey: m.fields.routingKey,
        messageId: m.properties.messageId as string | undefined,
        contentType: m.properties.contentType as string | undefined,
        headers: (m.properties.headers ?? {}) as Record<string, unknown>,
        body: JSON.parse(m.content.toString()) as Record<string, unknown>,
        persistent: m.properties.deliveryMode === 2,
      };
    },
    close: () => conn.close(),
  };
}

/** The embedded bus: a consumer on the broker node's own bus. */
async function embeddedQueue(pattern: string): Promise<ActionQueue> {
  const bus = (helper.getNode('broker') as unknown as AmqpBrokerNode).bus;
  const got: Delivery[] = [];
  const subscription = await bus.consume(
    { queue: `test.actions.${randomUUID().slice(0, 8)}`, bindings: [{ exchange: 'crm.actions', pattern }] },
    (delivery) => {
      delivery.ack();
      got.push(delivery);
    },
  );
  return {
    async take() {
      // deliveries are handed over on a later tick of the event loop
      await new Promise((resolve) => setImmediate(resolve));
      const d = got.shift();
      if (!d) return undefined;
      return {
        routingKey: d.routingKey,
        messageId: d.messageId,
        contentType: d.contentType,
        headers: d.headers,
        body: JSON.parse(d.body.toString()) as Record<string, unknown>,
      };
    },
    close: () => subscription.cancel(),
  };
}

const consent = (channel: string, status: string) => ({
  channel,
  purpose: 'marketing',
  status,
  at: '2026-01-10T09:00:00Z',
  source: { system: 'crm' },
});

async function withCustomer(ref: string, consents: unknown[]): Promise<void> {
  const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
  await store.putCustomer({
    customerRef: ref,
    document: { customerRef: ref, kind: 'person', tier: 'gold', consents },
    updatedAt: '2026-01-10T09:00:00Z',
    sourceSystem: 'crm',
  });
}

const decision = (customerRef: string, overrides: Record<string, unknown> = {}) => ({
  decisionId: randomUUID().replace(/-/g, ''),
  policyId: 'delay-apology-sms',
  cardVersion: CARD_VERSION,
  priority: 70,
  action: 'sms',
  offer: 'delay-voucher',
  channel: 'sms',
  customerRef,
  eventId: randomUUID(),
  decidedAt: '2026-01-14T11:00:00.000Z',
  title: { en: 'Apology', de: 'Entschuldigung' },
  traceparent: TRACEPARENT,
  ...overrides,
});

type Out = {
  payload: Record<string, unknown>;
  amqp: Record<string, unknown>;
  policyId: string;
  decisionId: string;
  cardVersion: unknown;
  traceparent: string;
};
type Caught = { error: { code?: string; message: string } };

const buses = [
  ['embedded bus', false],
  ['RabbitMQ', true],
] as const;

describe.each(buses)('channel-action with a broker publishes on crm.actions (%s)', (_name, rabbit) => {
  const vhost = `crm-hub-actions-${randomUUID().slice(0, 8)}`;
  let url = '';
  beforeAll(() => {
    if (rabbit) url = createVhost(vhost);
  });
  afterAll(() => {
    if (rabbit) deleteVhost(vhost);
  });

  const flow = (): FlowNode[] => [
    { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
    { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('actions'), version: 1 },
    {
      id: 'act',
      type: 'channel-action',
      store: 'store',
      broker: 'broker',
      wires: [['out'], ['held']],
      version: 2,
    },
    { id: 'held', type: 'helper' },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['act'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];

  async function deploy(): Promise<void> {
    await load(modules, flow());
    await whenStatus('act', 'node-red:common.status.connected');
  }

  const listen = (pattern: string) => (rabbit ? rabbitQueue(url, pattern) : embeddedQueue(pattern));

  it('publishes an SMS as action.sms, confirmed before it goes on, with the ids, card version and trace', async () => {
    await deploy();
    await withCustomer('crm:3001', [consent('sms', 'granted')]);
    const queue = await listen('action.#');
    try {
      const sms = decision('crm:3001');
      const out = nextInput<Out>('out');
      helper.getNode('act').receive({ payload: sms } as never);
      const msg = await out;
      // the broker confirmed before the msg went on, so the message is in the queue now
      const seen = await queue.take(true);

      expect(msg.amqp).toEqual({
        exchange: 'crm.actions',
        routingKey: 'action.sms',
        messageId: sms.decisionId,
        confirmed: true,
      });
      expect(msg).toMatchObject({
        policyId: 'delay-apology-sms',
        decisionId: sms.decisionId,
        cardVersion: CARD_VERSION,
        traceparent: TRACEPARENT,
      });
      expect(seen).toBeDefined();
      expect(seen?.routingKey).toBe('action.sms');
      expect(seen?.messageId).toBe(sms.decisionId);
      expect(seen?.contentType).toBe('application/json');
      if (rabbit) expect(seen?.persistent).toBe(true);
      const header = String(seen?.headers.traceparent);
      // the same trace, with the publish as a new span of it
      expect(traceIdOf(header)).toBe(TRACE);
      expect(header).not.toBe(TRACEPARENT);
      expect(seen?.headers).toMatchObject({
        'x-crm-policy': 'delay-apology-sms',
        'x-crm-decision': sms.decisionId,
        'x-crm-card-version': '3@9f2c1a0b7e6d5c4b',
        'x-crm-action': 'sms',
        'x-crm-to': 'sms',
      });
      expect(seen?.body).toEqual({
        decisionId: sms.decisionId,
        policyId: 'delay-apology-sms',
        cardVersion: CARD_VERSION,
        customerRef: 'crm:3001',
        channel: 'sms',
        action: 'sms',
        to: 'sms',
        offer: 'delay-voucher',
        purpose: 'marketing',
        eventId: sms.eventId,
        priority: 70,
        title: { en: 'Apology', de: 'Entschuldigung' },
        decidedAt: '2026-01-14T11:00:00.000Z',
        traceparent: header,
      });

      // a redelivered decision goes out again under the same message id, for consumers to deduplicate
      const again = nextInput<Out>('out');
      helper.getNode('act').receive({ payload: sms } as never);
      await again;
      expect((await queue.take(true))?.messageId).toBe(sms.decisionId);
    } finally {
      await queue.close();
    }
  });

  it('routes by the contact channel: a call task is action.phone, an escalation action.internal', async () => {
    await deploy();
    const queue = await listen('action.#');
    try {
      const sent = [
        decision('crm:3002', { action: 'call-task', offer: undefined, channel: 'sales-rep' }),
        decision('crm:3002', { action: 'escalation', offer: undefined, channel: 'regional-manager' }),
        decision('crm:3002', { action: 'web-offer', offer: 'mortgage', channel: 'web' }),
      ];
      const seen: (Seen | undefined)[] = [];
      for (const d of sent) {
        const out = nextInput<Out>('out');
        helper.getNode('act').receive({ payload: d } as never);
        await out;
        seen.push(await queue.take(true));
      }
      expect(seen.map((s) => [s?.routingKey, s?.headers['x-crm-action'], s?.headers['x-crm-to']])).toEqual([
        ['action.phone', 'call-task', 'sales-rep'],
        ['action.internal', 'escalation', 'regional-manager'],
        ['action.web', 'web-offer', 'web'],
      ]);
      expect(seen[0]?.body).toMatchObject({ channel: 'phone', to: 'sales-rep', offer: 'call-task' });
    } finally {
      await queue.close();
    }
  });

  it('an action no queue is bound for is unroutable: Catch gets the kind, nothing goes on, the offer is stored', async () => {
    await deploy();
    const status = watchStatus('act');
    const sent: unknown[] = [];
    helper.getNode('out').on('input', (msg: unknown) => sent.push(msg));
    const caught = nextInput<Caught>('caught');
    const web = decision('crm:3003', { action: 'web-offer', offer: 'mortgage', channel: 'web' });
    helper.getNode('act').receive({ payload: web } as never);
    const { error } = await caught;
    expect(error.code).toBe('unroutable');
    expect(error.message).toContain("routing key 'action.web'");
    expect(sent).toEqual([]);
    expect(status.last()).toEqual({
      fill: 'yellow',
      shape: 'dot',
      text: 'channel-action.status.counted-rejected',
    });
    // stored first, so the web page shows it and a retry after binding a queue stores nothing twice
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect((await store.listOffers('crm:3003')).map((o) => o.offerId)).toEqual([web.decisionId]);
  });

  it('publishes nothing that the contact policy refused', async () => {
    await deploy();
    await withCustomer('crm:3004', [consent('sms', 'withdrawn')]);
    const queue = await listen('action.#');
    try {
      const held = nextInput<{ suppressed: { reason: string }; contactPolicy: { reason: string } }>('held');
      helper.getNode('act').receive({ payload: decision('crm:3004') } as never);
      const msg = await held;
      expect(msg.suppressed.reason).toBe('opt-out');
      expect(msg.contactPolicy.reason).toBe('opt-out');
      expect(await queue.take()).toBeUndefined();
    } finally {
      await queue.close();
    }
  });
});

describe('channel-action without a broker', () => {
  it('publishes nothing and still carries the ids and the trace on the msg', async () => {
    await load(modules, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('actions'), version: 1 },
      { id: 'act', type: 'channel-action', store: 'store', broker: '', wires: [['out']], version: 2 },
      { id: 'out', type: 'helper' },
    ]);
    const inbound = { exchange: 'crm.events', routingKey: 'event.x.web', headers: {} };
    const web = decision('crm:3005', { action: 'web-offer', offer: 'mortgage', channel: 'web' });
    const out = nextInput<Out>('out');
    helper.getNode('act').receive({ payload: web, amqp: inbound } as never);
    const msg = await out;
    expect(msg).toMatchObject({
      decisionId: web.decisionId,
      cardVersion: CARD_VERSION,
      traceparent: TRACEPARENT,
    });
    // msg.amqp stays where the event came from
    expect(msg.amqp).toEqual(inbound);
  });

  it('refuses to run when the broker it names is not deployed', async () => {
    await load(modules, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('actions'), version: 1 },
      { id: 'act', type: 'channel-action', store: 'store', broker: 'gone', wires: [[]], version: 2 },
    ]);
    expect(loggedErrors('act')).toEqual(['channel-action.errors.no-broker']);
  });
});
