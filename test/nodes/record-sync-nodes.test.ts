import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { NodeAPI } from 'node-red';
import amqplib from 'amqplib';
import iconv from 'iconv-lite';
import { REASON_HEADER } from '../../connectors/amqp/bus';
import { DeadLetterQueue } from '../../connectors/amqp/dead-letters';
import { parseIdocXml } from '../../formats/idoc/idoc';
import type { Customer } from '../../mappings/canonical/types';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import { migrations as inMigrations } from '../../nodes/amqp-in/migrations';
import { migrations as outMigrations } from '../../nodes/amqp-out/migrations';
import { migrations as fromMigrations } from '../../nodes/from-canonical/migrations';
import { migrations as decodeMigrations } from '../../nodes/legacy-decode/migrations';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { migrate } from '../../nodes/shared/migrate';
import { GoldenIntake } from '../../records/golden-intake';
import type { GoldenChangedEvent } from '../../records/golden-store';
import { createVhost, deleteVhost, eventually, queueDepth } from '../e2e/hub-process';
import { debmas, type PersonVersion } from '../e2e/sync-fixtures';
import { all, helper, load, nextInput, tempDir, useHelper, type FlowNode } from './harness';
import { annaSchmidt } from '../fixtures/anna-schmidt';
import { amqpOutToQueue, publishOutageNode, sinkNode, whenStatus } from './amqp-test-nodes';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'legacy');

/**
 * The record-sync nodes as the shipped Record sync tab wires them, on RabbitMQ in a virtual host of
 * the test's own: amqp-in on crm.hub.inbound → legacy decode → to-canonical → golden record, and
 * sync target → from-canonical (document) → amqp-out into crm.out.sap.
 */
type NodeModule = { default: (red: NodeAPI) => void | Promise<void> };
const wrap = (mod: NodeModule) => (red: NodeAPI) => {
  const api = red as NodeAPI & { hooks?: unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  api.hooks ??= require('@node-red/util').hooks;
  return mod.default(red);
};
/* eslint-disable @typescript-eslint/no-require-imports */
const legacyDecode = wrap(require('../../nodes/legacy-decode/legacy-decode'));
const syncTarget = wrap(require('../../nodes/sync-target/sync-target'));
/* eslint-enable @typescript-eslint/no-require-imports */

useHelper();
const nodes = [...all, legacyDecode, syncTarget, sinkNode, publishOutageNode];

const anna: PersonVersion = {
  given: 'Anna',
  family: 'Schmidt',
  street: 'Ring 1',
  postalCode: '50667',
  city: 'Köln',
  country: 'DE',
  at: new Date('2026-03-01T09:00:00Z'),
};

let vhost = '';
let url = '';
beforeEach(() => {
  vhost = `crm-hub-sync-nodes-${randomUUID().slice(0, 8)}`;
  url = createVhost(vhost);
});
afterEach(() => deleteVhost(vhost));

const depth = (queue: string): number => queueDepth(vhost, queue);

/** The next message in crm.dead-letter of this run's virtual host, taken off the queue. */
async function nextDeadLetter(): Promise<amqplib.GetMessage> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    return await eventually(
      async () => (await channel.get('crm.dead-letter')) || undefined,
      'the dead letter',
    );
  } finally {
    await connection.close();
  }
}

const config = (): FlowNode[] => [
  { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
  { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('sync-nodes'), version: 1 },
  // ids differ from the system ids: Node-RED reads a property value equal to a node id as a reference
  { id: 'sys-sap', type: 'legacy-system', systemId: 'sap', mapping: '', version: 2 },
];

/** The Record sync tab's inbound path for one legacy system: amqp-in → legacy-decode → to-canonical → golden-record. */
const inboundChain = (
  system: string,
  amqpIn: Partial<FlowNode> = {},
  decode: Partial<FlowNode> = {},
): FlowNode[] => [
  {
    id: 'in',
    type: 'amqp-in',
    broker: 'broker',
    queue: 'crm.hub.inbound',
    bindings: 'crm.inbound #',
    prefetch: '5',
    ack: 'flow',
    timeout: '10000',
    store: 'store',
    topology: 'sync-inbound',
    wires: [['decode']],
    version: 2,
    ...amqpIn,
  },
  { id: 'decode', type: 'legacy-decode', system, wires: [['map']], version: 1, ...decode },
  { id: 'map', type: 'to-canonical', system, record: '', wires: [['golden'], []], version: 1 },
  { id: 'golden', type: 'golden-record', store: 'store', wires: [['got']], version: 2 },
  { id: 'got', type: 'amqp-test-sink' },
];

/** SAP's sync target and its outbound mapping (DEBMAS07 documents), wired on to `next` */
const sapUpdates = (next: string): FlowNode[] => [
  {
    id: 'target',
    type: 'sync-target',
    store: 'store',
    system: 'sys-sap',
    record: '',
    wires: [['encode']],
    version: 1,
  },
  {
    id: 'encode',
    type: 'from-canonical',
    system: 'sys-sap',
    record: '',
    output: 'document',
    wires: [[next], []],
    version: 2,
  },
];

/** amqp-out to the queue the from-canonical message names (crm.out.<system>), into a sink */
const toTargetQueue = (): FlowNode[] => amqpOutToQueue('');

describe('record sync inbound: amqp-in (sync-inbound) → legacy decode → to-canonical → golden record', () => {
  const flow = (): FlowNode[] => [...config(), ...inboundChain('sys-sap')];

  it('takes a DEBMAS07 IDoc from crm.inbound into the golden record, then acknowledges it', async () => {
    await load(nodes, flow());
    await whenStatus('in', 'amqp-in.status.consuming');
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    const got = nextInput<{ payload: Customer; topic: string; goldenRecord: { golden: { status: string } } }>(
      'got',
    );
    const decoded = nextInput<{ payload: Record<string, unknown>; topic: string }>('map');
    await broker.bus.publish('crm.inbound', 'sap.DEBMAS', Buffer.from(debmas('4711', anna)), {
      contentType: 'application/xml',
    });
    const record = await decoded;
    expect(record.topic).toBe('DEBMAS');
    expect(record.payload).toMatchObject({ E1KNA1M: { KUNNR: '0000004711' } });
    const msg = await got;
    expect(msg.payload).toMatchObject({ customerRef: 'sap:4711', person: { familyName: 'Schmidt' } });
    expect(msg.goldenRecord.golden.status).toBe('applied');
    // acknowledged once the flow was done with it
    await eventually(async () => (depth('crm.hub.inbound') === 0 ? true : undefined), 'the ack', 100);
  }, 30000);

  it('dead-letters an IDoc it cannot read, with the reason, and the stream goes on', async () => {
    await load(nodes, flow());
    await whenStatus('in', 'amqp-in.status.consuming');
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    // as a plain AMQP client sends it: no message id (the hub derives one from the body)
    const raw = await amqplib.connect(url);
    const rawChannel = await raw.createConfirmChannel();
    rawChannel.publish('crm.inbound', 'sap.DEBMAS', Buffer.from('<DEBMAS07><IDOC BEGIN="1">'), {
      contentType: 'application/xml',
    });
    await rawChannel.waitForConfirms();
    await raw.close();
    const got = nextInput<{ payload: Customer }>('got');
    await broker.bus.publish('crm.inbound', 'sap.DEBMAS', Buffer.from(debmas('4712', anna)), {
      contentType: 'application/xml',
    });
    expect((await got).payload.customerRef).toBe('sap:4712');
    const dead = await nextDeadLetter();
    expect(String(dead.properties.headers?.[REASON_HEADER])).toMatch(/^sap document: .*(well-formed|IDOC)/);
    expect(dead.properties.messageId).toMatch(/^body-sha256:/);
  }, 30000);

  it('dead-letters a packet with bad IDocs naming each of them, the good one taken', async () => {
    await load(nodes, flow());
    await whenStatus('in', 'amqp-in.status.consuming');
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    const packet = fs.readFileSync(path.join(FIXTURES, 'sap', 'debmas07-bad-records.xml'));
    const got = nextInput<{ payload: Customer }>('got');
    await broker.bus.publish('crm.inbound', 'sap.DEBMAS', packet, { contentType: 'application/xml' });
    expect((await got).payload.customerRef).toBe('sap:104803');
    const reason = String((await nextDeadLetter()).properties.headers?.[REASON_HEADER]);
    // one reason per bad IDoc, each naming it: one fix, one replay
    expect(reason.match(/IDOC\[\d\] DOCNUM \d+/g)).toEqual([
      expect.stringMatching(/^IDOC\[0\]/),
      expect.stringMatching(/^IDOC\[1\]/),
      expect.stringMatching(/^IDOC\[2\]/),
    ]);
    expect(reason).toContain('LAND1');
  }, 30000);
});

/** Publishes as a plain AMQP client does: no message id (the hub derives one), the content type given. */
async function publishRaw(routingKey: string, body: Buffer, contentType?: string): Promise<void> {
  const raw = await amqplib.connect(url);
  try {
    const channel = await raw.createConfirmChannel();
    channel.publish('crm.inbound', routingKey, body, contentType ? { contentType } : {});
    await channel.waitForConfirms();
  } finally {
    await raw.close();
  }
}

describe('record sync inbound: a CSV system (windows-1252) on crm.inbound', () => {
  /** An old CRM that sends its customer export as CSV in windows-1252, as its spec says. */
  const spec = fs.readFileSync(path.join(FIXTURES, 'old-crm', 'old-crm.json'), 'utf8');
  const header = 'Kundennummer;Vorname;Nachname;Ort;Land;Geaendert\n';
  const row = (id: string, family = 'Schäfer') => `${id};Jörg;${family};Köln;de;2026-03-01T09:00:00Z\n`;
  const cp1252 = (text: string) => iconv.encode(text, 'windows-1252');
  type Stored = { payload: Customer; goldenRecord: { golden: { status: string } } };

  const flow = (maxRecords = ''): FlowNode[] => [
    ...config(),
    { id: 'sys-old', type: 'legacy-system', systemId: 'old-crm', mapping: spec, version: 2 },
    ...inboundChain('sys-old', { output: 'auto', version: 4 }, { maxRecords, version: 2 }),
  ];

  /** The next `n` messages the golden record stored or judged. */
  function nextStored(n: number): Promise<Stored[]> {
    const got: Stored[] = [];
    const node = helper.getNode('got') as unknown as EventEmitter;
    return new Promise((resolve) => {
      const on = (msg: Stored) => {
        got.push(msg);
        if (got.length === n) {
          node.off('input', on);
          resolve(got);
        }
      };
      node.on('input', on);
    });
  }

  it('stores the umlauts of a CSV sent as text/csv, and of one sent with no content type', async () => {
    await load(nodes, flow());
    await whenStatus('in', 'amqp-in.status.consuming');
    for (const [id, type] of [
      ['1001', 'text/csv'],
      ['1002', undefined],
    ] as const) {
      const stored = nextStored(1);
      await publishRaw('old-crm.Kunde', cp1252(header + row(id)), type);
      const [msg] = await stored;
      expect({ type, person: msg.payload.person, city: msg.payload.addresses?.[0]?.city }).toEqual({
        type,
        person: expect.objectContaining({ givenName: 'Jörg', familyName: 'Schäfer' }),
        city: 'Köln',
      });
    }
  }, 30000);

  it('takes the good lines around a bad one, dead-letters the message naming it, and a replay changes nothing', async () => {
    await load(nodes, flow());
    await whenStatus('in', 'amqp-in.status.consuming');
    const stored = nextStored(3);
    const body = cp1252(
      header + row('2001') + '2002;Jörg;Kurz\n' + row('2003', 'Müller') + '2004;x\n' + row('2005'),
    );
    await publishRaw('old-crm.Kunde', body, 'text/csv');
    const first = await stored;
    expect(first.map((m) => [m.payload.customerRef, m.goldenRecord.golden.status])).toEqual([
      ['old-crm:2001', 'applied'],
      ['old-crm:2003', 'applied'],
      ['old-crm:2005', 'applied'],
    ]);
    const dead = await nextDeadLetter();
    const reason = String(dead.properties.headers?.[REASON_HEADER]);
    expect(reason).toMatch(
      /^old-crm: 2 of 5 records cannot be read, the other 3 went on: line 3: expected 6 fields/,
    );
    expect(reason).toContain('; line 5: expected 6 fields');
    // the dead letter is the message as it came: the replay reads it the same way
    expect(dead.content.equals(body)).toBe(true);

    // replayed as is (nothing fixed): the good lines come again and change nothing
    const again = nextStored(3);
    const dlq = new DeadLetterQueue({ url });
    try {
      expect((await dlq.replay({ all: true })).replayed).toHaveLength(1);
    } finally {
      await dlq.close();
    }
    expect((await again).map((m) => m.goldenRecord.golden.status)).toEqual(['stale', 'stale', 'stale']);
    expect(String((await nextDeadLetter()).properties.headers?.[REASON_HEADER])).toBe(reason);
  }, 30000);

  it('refuses a message past Max records whole, saying the limit and how to change it', async () => {
    await load(nodes, flow('2'));
    await whenStatus('in', 'amqp-in.status.consuming');
    let mapped = 0;
    (helper.getNode('map') as unknown as EventEmitter).on('input', () => (mapped += 1));
    await publishRaw('old-crm.Kunde', cp1252(header + row('3001') + row('3002') + row('3003')), 'text/csv');
    const reason = String((await nextDeadLetter()).properties.headers?.[REASON_HEADER]);
    expect(reason).toMatch(/^old-crm: the message holds more than 2 records/);
    expect(reason).toContain('raise "Max records"');
    expect(mapped).toBe(0);
    // one at the limit goes through
    const stored = nextStored(2);
    await publishRaw('old-crm.Kunde', cp1252(header + row('3004') + row('3005')), 'text/csv');
    expect((await stored).map((m) => m.payload.customerRef)).toEqual(['old-crm:3004', 'old-crm:3005']);
  }, 30000);

  it('migrates a legacy-decode saved before Max records to the default limit', () => {
    expect(migrate({ id: 'd', type: 'legacy-decode', system: 's', version: 1 }, decodeMigrations)).toEqual({
      id: 'd',
      type: 'legacy-decode',
      system: 's',
      maxRecords: '',
      version: 2,
    });
  });
});

describe('record sync fan-out: sync target → from-canonical (document) → amqp-out into crm.out.sap', () => {
  const flow = (): FlowNode[] => [...config(), ...sapUpdates('out'), ...toTargetQueue()];

  it("sends SAP a DEBMAS07 update of another system's change and declares crm.out.sap as the topology does", async () => {
    await load(nodes, flow());
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    const intake = new GoldenIntake(store);
    const doc = (system: string, id: string, street: string, minute: number) =>
      annaSchmidt(system, id, street, minute, { sapId: '4711' });
    const changed = async (customer: Customer) => {
      const r = await intake.takeCustomer(customer);
      if (r.status !== 'applied') throw new Error(r.status);
      return r.events
        .filter((e): e is GoldenChangedEvent => e.type === 'golden.changed')
        .at(-1) as GoldenChangedEvent;
    };
    // SAP's own record: an echo, nothing is sent
    const own = await changed(doc('sap', '4711', 'Ring', 0));
    const target = helper.getNode('target');
    const idle = new Promise<void>((resolve) =>
      (target as unknown as EventEmitter).on('call:status', (c: { args: { text?: string }[] }) => {
        if (c.args[0]?.text === 'sync-target.status.counted') resolve();
      }),
    );
    target.receive({ payload: own, amqp: { headers: { 'x-crm-event-id': 'origin-1' } } } as never);
    await idle;
    // the call center's newer street: SAP gets it
    const sent = nextInput<{ amqp: { routingKey: string; messageId: string } }>('sent');
    const siebel = await changed(doc('crm', '99', 'Leopoldstraße', 5));
    target.receive({ payload: siebel, amqp: { headers: { 'x-crm-event-id': 'origin-2' } } } as never);
    const published = await sent;
    expect(published.amqp).toMatchObject({
      routingKey: 'crm.out.sap',
      messageId: `${siebel.eventId}:sap:4711`,
    });

    const connection = await amqplib.connect(url);
    try {
      const channel = await connection.createChannel();
      const m = await eventually(async () => (await channel.get('crm.out.sap')) || undefined, 'the update');
      expect(m.properties).toMatchObject({ contentType: 'application/xml', deliveryMode: 2 });
      expect(m.properties.headers?.['x-crm-event-id']).toBe('origin-2');
      const [idoc] = parseIdocXml(m.content);
      expect(idoc.segments.E1KNA1M[0]).toMatchObject({
        MSGFN: '004',
        KUNNR: '0000004711',
        STRAS: 'Leopoldstraße 12',
      });
      expect(await channel.get('crm.out.sap')).toBe(false);
      // declared with the topology's arguments: a target connector's own declaration is equivalent
      await channel.checkQueue('crm.out.sap.retry.5s');
    } finally {
      await connection.close();
    }
  }, 30000);

  it('reads a change that comes as raw bytes (amqp-in with output "buffer") from its properties', async () => {
    await load(nodes, flow());
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    const intake = new GoldenIntake(store);
    const customer = (system: string, id: string, street: string, minute: number) =>
      annaSchmidt(system, id, street, minute, { houseNumber: '3', sapId: '4712' });
    await intake.takeCustomer(customer('sap', '4712', 'Ring', 0));
    const r = await intake.takeCustomer(customer('crm', '98', 'Isartorplatz', 5));
    if (r.status !== 'applied') throw new Error(r.status);
    const change = r.events.filter((e) => e.type === 'golden.changed').at(-1) as GoldenChangedEvent;
    const sent = nextInput<{ amqp: { messageId: string } }>('sent');
    // not the event's JSON: what is sent comes from the store, found through the properties
    helper.getNode('target').receive({
      payload: Buffer.from('unread'),
      amqp: {
        routingKey: 'golden.changed',
        messageId: change.eventId,
        headers: { 'x-crm-golden-id': change.goldenId, 'x-crm-event-id': 'origin-3' },
      },
    } as never);
    expect((await sent).amqp.messageId).toBe(`${change.eventId}:sap:4712`);
    const connection = await amqplib.connect(url);
    try {
      const channel = await connection.createChannel();
      const m = await eventually(async () => (await channel.get('crm.out.sap')) || undefined, 'the update');
      expect(m.properties.headers?.['x-crm-event-id']).toBe('origin-3');
      expect(parseIdocXml(m.content)[0].segments.E1KNA1M[0]).toMatchObject({ STRAS: 'Isartorplatz 3' });
    } finally {
      await connection.close();
    }
  }, 30000);
});

describe('record sync fan-out from crm.golden: amqp-in → sync target → from-canonical → amqp-out', () => {
  const flow = (): FlowNode[] => [
    ...config(),
    {
      id: 'golden-in',
      type: 'amqp-in',
      broker: 'broker',
      queue: 'crm-hub.sync-out.sap',
      bindings: 'crm.golden golden.changed',
      prefetch: '10',
      ack: 'flow',
      timeout: '10000',
      store: 'store',
      output: 'buffer',
      deliveryLimit: '20',
      atLeastOnce: true,
      wires: [['target']],
      version: 4,
    },
    ...sapUpdates('outage'),
    { id: 'outage', type: 'publish-outage-test', wires: [['out']] },
    ...toTargetQueue(),
  ];

  it('sends an update whose publish failed again with the redelivered change, and an unchanged view once', async () => {
    await load(nodes, flow());
    await whenStatus('golden-in', 'amqp-in.status.consuming');
    const broker = helper.getNode('broker') as unknown as AmqpBrokerNode;
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    const intake = new GoldenIntake(store);
    const doc = (system: string, id: string, minute: number, extra: Partial<Customer> = {}) =>
      annaSchmidt(system, id, 'Leopoldstraße', minute, { sapId: '4713', extra });
    const changed = async (customer: Customer) => {
      const r = await intake.takeCustomer(customer);
      if (r.status !== 'applied') throw new Error(r.status);
      return r.events
        .filter((e): e is GoldenChangedEvent => e.type === 'golden.changed')
        .at(-1) as GoldenChangedEvent;
    };
    // as the golden publisher sends a change on crm.golden
    const publish = (e: GoldenChangedEvent) =>
      broker.bus.publish('crm.golden', 'golden.changed', Buffer.from(JSON.stringify(e)), {
        messageId: e.eventId,
        headers: { 'x-crm-golden-id': e.goldenId },
      });
    const updates = async (): Promise<string[]> => {
      const connection = await amqplib.connect(url);
      try {
        const channel = await connection.createChannel();
        const streets: string[] = [];
        for (let m = await channel.get('crm.out.sap'); m; m = await channel.get('crm.out.sap'))
          streets.push(String(parseIdocXml(m.content)[0].segments.E1KNA1M[0].STRAS));
        return streets;
      } finally {
        await connection.close();
      }
    };
    await changed(annaSchmidt('sap', '4713', 'Ring', 0, { sapId: '4713' }));
    const sent = nextInput('sent');
    // the first publish fails (the bus is away): the change goes back to its queue and comes again,
    // and the update it handed out must go out then, not count as sent
    await publish(await changed(doc('crm', '97', 5)));
    await sent;
    await eventually(async () => (depth('crm-hub.sync-out.sap') === 0 ? true : undefined), 'the ack', 100);
    // the call center changes what DEBMAS does not carry: SAP's view is what it was sent
    await publish(
      await changed(doc('crm', '97', 6, { emails: [{ address: 'anna@example.org', type: 'home' }] })),
    );
    await whenStatus('target', 'sync-target.status.counted-again');
    await eventually(async () => (depth('crm-hub.sync-out.sap') === 0 ? true : undefined), 'the ack', 100);
    expect(await updates()).toEqual(['Leopoldstraße 12']);
  }, 30000);
});

describe('config versions of the nodes the record sync extends', () => {
  it('amqp-in, amqp-out and from-canonical saved at version 1 keep their behaviour at the current version', () => {
    expect(migrate({ id: 'a', type: 'amqp-in', queue: 'q', version: 1 }, inMigrations)).toEqual({
      id: 'a',
      type: 'amqp-in',
      queue: 'q',
      topology: '',
      output: 'auto',
      deliveryLimit: '',
      atLeastOnce: false,
      version: 4,
    });
    expect(migrate({ id: 'b', type: 'amqp-out', exchange: 'x', version: 1 }, outMigrations)).toEqual({
      id: 'b',
      type: 'amqp-out',
      exchange: 'x',
      destination: 'exchange',
      queue: '',
      version: 2,
    });
    expect(migrate({ id: 'c', type: 'from-canonical', system: 's', version: 1 }, fromMigrations)).toEqual({
      id: 'c',
      type: 'from-canonical',
      system: 's',
      output: 'record',
      version: 2,
    });
  });
});
