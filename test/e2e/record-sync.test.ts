import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import amqplib, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import * as soap from 'soap';
import { EVENT_ID_HEADER } from '../../connectors/amqp/hop-headers';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { SyncTopology } from '../../connectors/amqp/sync-topology';
import { parseIdocXml } from '../../formats/idoc/idoc';
import type { Customer } from '../../mappings/canonical/types';
import { compileMapping, compileOutbound, loadSystemSpec } from '../../mappings/engine';
import { targetView } from '../../records/golden-fan-out';
import { LegacyFormat } from '../../records/golden-legacy-format';
import type { SourceKey } from '../../records/source-versions';
import {
  createDatabase,
  createVhost,
  deleteVhost,
  dropDatabase,
  eventually,
  startHub,
  type RunningHub,
} from './hub-process';
import {
  debmas,
  salesforceContact,
  seeded,
  shuffled,
  siebelContact,
  type PersonVersion,
} from './sync-fixtures';

/**
 * The record sync of the shipped flow (flows/hub.json, tab "Record sync") on the real hub process,
 * RabbitMQ and PostgreSQL, in a virtual host and a database of the test's own: legacy systems publish
 * on crm.inbound as plain AMQP clients (no hub headers, no message id), and the test is the target
 * systems, consuming crm.out.<system> as a target connector does (the sync topology's own consume
 * options). What a target ends with is the last update it received for a record, or, when it was sent
 * none, what it reported itself.
 */
const run = promisify(execFile);
const TARGETS = ['sap', 'siebel', 'salesforce'] as const;
type Target = (typeof TARGETS)[number];
const HUB_QUEUES = [
  'crm.hub.inbound',
  'crm-hub.golden-record',
  ...['sap', 'siebel', 'salesforce'].map((t) => `crm-hub.sync-out.${t}`),
];

interface Received {
  body: string;
  contentType?: string;
  messageId?: string;
  persistent: boolean;
  headers: Record<string, unknown>;
}

interface GoldenAnswer {
  goldenId: string;
  xrefs: string[];
  members: SourceKey[];
  document: Customer;
  revision: number;
}

const formats = Object.fromEntries(TARGETS.map((t) => [t, new LegacyFormat(loadSystemSpec(t))])) as Record<
  Target,
  LegacyFormat
>;
const outbound = Object.fromEntries(
  TARGETS.map((t) => [t, compileOutbound(loadSystemSpec(t), t === 'sap' ? 'DEBMAS' : 'Contact')]),
) as Record<Target, ReturnType<typeof compileOutbound>>;

describe('record sync on the real hub (RabbitMQ, PostgreSQL, shipped flow)', () => {
  const suffix = randomUUID().slice(0, 8);
  const vhost = `crm-hub-record-sync-${suffix}`;
  const database = `crm_hub_record_sync_${suffix}`;
  let amqpUrl: string;
  let hub: RunningHub;
  let connection: ChannelModel;
  let publisher: ConfirmChannel;
  let targets: RabbitMqBus;
  const received: Record<Target, Received[]> = { sap: [], siebel: [], salesforce: [] };

  beforeAll(async () => {
    amqpUrl = createVhost(vhost);
    const databaseUrl = await createDatabase(database);
    hub = await startHub({ AMQP_URL: amqpUrl, DATABASE_URL: databaseUrl });
    connection = await amqplib.connect(amqpUrl);
    publisher = await connection.createConfirmChannel();
    // the target systems' connectors: each consumes its queue as the topology declares it
    targets = new RabbitMqBus({ url: amqpUrl, connectionName: 'record-sync test targets' });
    await targets.start();
    const topology = new SyncTopology(targets, { targets: [...TARGETS] });
    await topology.declare();
    for (const target of TARGETS) {
      await targets.consume(topology.targetConsumeOptions(target, { prefetch: 100 }), (delivery) => {
        received[target].push({
          body: delivery.body.toString('utf8'),
          contentType: delivery.contentType,
          messageId: delivery.messageId,
          persistent: true,
          headers: delivery.headers,
        });
        delivery.ack();
      });
    }
  }, 180000);

  afterAll(async () => {
    await targets?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await hub?.stop();
    deleteVhost(vhost);
    await dropDatabase(database);
  });

  /** As a legacy system publishes: plain AMQP, no message id, no headers, persistent. */
  async function publishInbound(routingKey: string, body: string, contentType: string): Promise<void> {
    publisher.publish('crm.inbound', routingKey, Buffer.from(body, 'utf8'), {
      contentType,
      persistent: true,
    });
    await publisher.waitForConfirms();
  }

  /** A customer of the call-center CRM, as shipped-cards.test.ts publishes one on crm.events. */
  async function publishCrmCustomer(id: string, others: SourceKey[], version: PersonVersion): Promise<void> {
    const doc = {
      schemaVersion: '1.0',
      customerRef: `crm:${id}`,
      kind: 'person',
      person: { givenName: version.given, familyName: version.family },
      identifiers: [{ system: 'crm', id }, ...others.map((k) => ({ system: k.system, id: k.sourceId }))],
      addresses: [
        {
          type: 'postal',
          street: version.street.replace(/ \d+\w?$/, ''),
          houseNumber: /(\d+\w?)$/.exec(version.street)?.[1],
          postalCode: version.postalCode,
          city: version.city,
          country: version.country,
        },
      ],
      updatedAt: version.at.toISOString(),
      source: { system: 'crm' },
    };
    publisher.publish('crm.events', 'customer.crm', Buffer.from(JSON.stringify(doc)), {
      contentType: 'application/json',
      persistent: true,
      messageId: randomUUID(),
    });
    await publisher.waitForConfirms();
  }

  async function golden(ref: string): Promise<GoldenAnswer | undefined> {
    const res = await fetch(`${hub.url}/api/v1/customers/${encodeURIComponent(ref)}`);
    if (res.status !== 200) return undefined;
    const answer = (await res.json()) as Partial<GoldenAnswer>;
    return answer.goldenId ? (answer as GoldenAnswer) : undefined;
  }

  async function linked(ref: string, members: string[]): Promise<GoldenAnswer> {
    try {
      return await eventually(
        async () => {
          const g = await golden(ref);
          return g && members.every((m) => g.xrefs.includes(m)) ? g : undefined;
        },
        `${ref} linked with ${members.join(', ')}`,
        300,
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}; golden: ${JSON.stringify(await golden(ref))}; dead letters: ${await deadLetters()}`,
      );
    }
  }

  /** The reasons of what went to crm.dead-letter, for a failure's message (peeked, then requeued). */
  async function deadLetters(): Promise<string> {
    const channel = await connection.createChannel();
    const reasons: string[] = [];
    for (let m = await channel.get('crm.dead-letter'); m; m = await channel.get('crm.dead-letter'))
      reasons.push(`${m.fields.routingKey}: ${String(m.properties.headers?.['x-crmhub-reason'])}`);
    await channel.close();
    return reasons.join(' | ') || 'none';
  }

  /** messages (ready and unacknowledged) per queue, read from the broker itself */
  async function depths(): Promise<Map<string, number>> {
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_queues', '-p', vhost, 'name', 'messages']);
    const map = new Map<string, number>();
    for (const line of stdout.split('\n')) {
      const [name, count] = line.trim().split(/\s+/);
      if (name && /^\d+$/.test(count ?? '')) map.set(name, Number(count));
    }
    return map;
  }

  /** Until the hub's queues are empty and nothing more reaches a target, three times in a row. */
  async function settled(): Promise<void> {
    // quiet for 3 s: the golden outbox and three target consumers work between the queues, and a
    // machine busy with other tests can leave every queue empty for a second while they do
    let quiet = 0;
    let last = '';
    for (let i = 0; i < 400 && quiet < 10; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const d = await depths();
      const busy = HUB_QUEUES.some((q) => (d.get(q) ?? 0) > 0);
      const seen = TARGETS.map((t) => received[t].length).join(',');
      quiet = !busy && seen === last ? quiet + 1 : 0;
      last = seen;
    }
    if (quiet < 10) throw new Error('the record sync did not settle');
  }

  const sapKey = (kunnr: string) => `0000000000${kunnr}`.slice(-10);
  /** the target's record id in one of its messages */
  function recordIdOf(target: Target, body: string): string {
    if (target === 'sap') return (parseIdocXml(body)[0].segments.E1KNA1M[0] as { KUNNR: string }).KUNNR;
    if (target === 'siebel') return /<Id>([^<]+)<\/Id>/.exec(body)?.[1] ?? '';
    return (JSON.parse(body) as { Id: string }).Id;
  }

  it('declares every queue of the Record sync tab with a delivery limit and at-least-once dead-lettering', async () => {
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_queues', '-p', vhost, 'name', 'arguments']);
    const argumentsOf = new Map(stdout.split('\n').map((line) => line.split('\t') as [string, string]));
    for (const queue of [...HUB_QUEUES, ...TARGETS.map((t) => `crm.out.${t}`)]) {
      const args = argumentsOf.get(queue) ?? '';
      expect({
        queue,
        quorum: args.includes('"quorum"'),
        limit: /"x-delivery-limit",\d+/.test(args),
      }).toEqual({
        queue,
        quorum: true,
        limit: true,
      });
      expect({
        queue,
        overflow: args.includes('reject-publish'),
        strategy: args.includes('at-least-once'),
      }).toEqual({
        queue,
        overflow: true,
        strategy: true,
      });
    }
  });

  it('an address change over SOAP from the call center reaches crm.out.sap as a DEBMAS07 update', async () => {
    const kunnr = String(80000 + Math.floor(Math.random() * 9999));
    const crmId = String(Math.floor(Math.random() * 1e9));
    const before: PersonVersion = {
      given: 'Anna',
      family: 'Schmidt',
      street: 'Sendlinger Straße 1',
      postalCode: '80331',
      city: 'München',
      country: 'DE',
      at: new Date(Date.now() - 86_400_000),
    };
    await publishInbound('sap.DEBMAS', debmas(kunnr, before), 'application/xml');
    await publishCrmCustomer(crmId, [{ system: 'sap', sourceId: kunnr }], before);
    await linked(`sap:${kunnr}`, [`sap:${kunnr}`, `crm:${crmId}`]);

    const client = await soap.createClientAsync(`${hub.url}/soap/crm?wsdl`);
    const [answer] = await client.ReportAddressChangeAsync({
      customerNumber: crmId,
      street: 'Leopoldstraße 12',
      postalCode: '80802',
      city: 'München',
      country: 'DE',
      channel: 'call-center',
    });
    expect(answer.accepted).toBe(true);

    const update = await eventually(
      async () =>
        received.sap.find(
          (m) => recordIdOf('sap', m.body) === sapKey(kunnr) && m.body.includes('<PSTLZ>80802</PSTLZ>'),
        ),
      'the DEBMAS07 update in crm.out.sap',
      300,
    );
    const [idoc] = parseIdocXml(update.body);
    expect(idoc.idocType).toBe('DEBMAS07');
    expect(idoc.control).toMatchObject({ IDOCTYP: 'DEBMAS07', MESTYP: 'DEBMAS', DIRECT: '2' });
    expect(idoc.segments.E1KNA1M[0]).toMatchObject({
      MSGFN: '004',
      KUNNR: sapKey(kunnr),
      NAME1: 'Anna',
      NAME2: 'Schmidt',
      STRAS: 'Leopoldstraße 12',
      PSTLZ: '80802',
      ORT01: 'München',
      LAND1: 'DE',
    });
    expect(update.contentType).toBe('application/xml');
    // the change carries the id of the event that started it, and a stable message id per target record
    expect(update.headers[EVENT_ID_HEADER]).toEqual(expect.any(String));
    expect(update.messageId).toMatch(new RegExp(`:sap:${kunnr}$`));
    // the golden record now says where the address came from
    const g = (await golden(`crm:${crmId}`)) as GoldenAnswer & { lineage: Record<string, unknown> };
    expect(g.document.addresses?.[0]).toMatchObject({ postalCode: '80802', city: 'München' });
    expect(g.lineage['addresses[0]']).toMatchObject({ rule: 'event', via: 'call-center' });
  }, 120000);

  it("interop: amqp-tools' amqp-publish drops a DEBMAS07 IDoc on crm.inbound; REST then serves the golden record", async () => {
    const kunnr = String(100000 + Math.floor(Math.random() * 99999));
    const idoc = debmas(kunnr, {
      given: 'Jonas',
      family: 'Weber',
      street: 'Hauptstraße 5',
      postalCode: '10115',
      city: 'Berlin',
      country: 'DE',
      at: new Date('2026-02-01T08:00:00Z'),
    });
    // the Debian binary, as a legacy system's shell script would call it: no message id, no headers
    const publish = () =>
      run('/usr/bin/amqp-publish', [
        `--url=${amqpUrl}`,
        '--exchange=crm.inbound',
        '--routing-key=sap.DEBMAS',
        '--content-type=application/xml',
        '--persistent',
        `--body=${idoc}`,
      ]);
    await publish();
    const g = await eventually(() => golden(`sap:${kunnr}`), `golden record of sap:${kunnr}`, 300);
    expect(g.xrefs).toEqual([`sap:${kunnr}`]);
    expect(g.document).toMatchObject({
      person: { givenName: 'Jonas', familyName: 'Weber' },
      addresses: [expect.objectContaining({ street: 'Hauptstraße', houseNumber: '5', city: 'Berlin' })],
    });
    // SAP's padded number serves the same record
    expect((await golden(`sap:${sapKey(kunnr)}`))?.goldenId).toBe(g.goldenId);
    // the same IDoc sent again is the same message (its id derived from the body): nothing changes
    await publish();
    await settled();
    expect((await golden(`sap:${kunnr}`))?.revision).toBe(g.revision);
  }, 120000);

  it('two IDocs a legacy system sends under one message id are both taken in; the same bytes again are a redelivery', async () => {
    const first = String(200000 + Math.floor(Math.random() * 99999));
    const second = String(Number(first) + 1);
    const at = new Date('2026-02-02T08:00:00Z');
    const address = { street: 'Lindenweg 3', postalCode: '04109', city: 'Leipzig', country: 'DE', at };
    // a counter that started again after the sender's restart: the id repeats, the records differ
    const messageId = `IDOC-${first}`;
    // amqp-publish sets no message id, so a plain amqplib client, with nothing of the hub's but the id
    const publish = async (kunnr: string, family: string) => {
      const body = debmas(kunnr, { given: 'Greta', family, ...address });
      publisher.publish('crm.inbound', 'sap.DEBMAS', Buffer.from(body), {
        contentType: 'application/xml',
        persistent: true,
        messageId,
      });
      await publisher.waitForConfirms();
    };
    await publish(first, 'Vogelsang');
    const one = await eventually(() => golden(`sap:${first}`), `golden record of sap:${first}`, 300);
    await publish(second, 'Quandtmeyer');
    // keyed by the id alone, this one was acked and skipped as a redelivery of the first
    const two = await eventually(() => golden(`sap:${second}`), `golden record of sap:${second}`, 300);
    expect(two.document).toMatchObject({ person: { familyName: 'Quandtmeyer' } });
    expect(two.goldenId).not.toBe(one.goldenId);
    // the first one's bytes under its id again: skipped, nothing changes
    await publish(first, 'Vogelsang');
    await settled();
    expect((await golden(`sap:${first}`))?.revision).toBe(one.revision);
  }, 120000);

  it("the app's application_started via amqp-publish is a process state the 360 shows; the call center resumes it over REST", async () => {
    const processId = randomUUID();
    const customer = String(500000 + Math.floor(Math.random() * 99999));
    const event = {
      messageId: randomUUID(),
      event: 'application_started',
      timestamp: '2026-11-30T19:05:00.000+01:00',
      platform: 'ios',
      customerNumber: customer,
      properties: {
        applicationId: processId,
        product: 'mortgage-application',
        step: 'property',
        input: { loanAmount: 320000 },
      },
    };
    await run('/usr/bin/amqp-publish', [
      `--url=${amqpUrl}`,
      '--exchange=crm.inbound',
      '--routing-key=app-events.application_started',
      '--content-type=application/json',
      '--persistent',
      `--body=${JSON.stringify(event)}`,
    ]);
    const url = `${hub.url}/api/v1/customers/crm:${customer}/processes/${processId}`;
    const read = await eventually(
      async () => {
        const res = await fetch(url);
        return res.status === 200 ? res : undefined;
      },
      `process ${processId} stored`,
      300,
    );
    expect(read.headers.get('etag')).toBe('"1"');
    expect(((await read.json()) as { process: unknown }).process).toMatchObject({
      customerRef: `crm:${customer}`,
      startedOn: 'app',
      step: 'property',
      status: 'open',
      data: { loanAmount: 320000 },
    });
    const view = (await (await fetch(`${hub.url}/api/v1/customers/crm:${customer}`)).json()) as {
      openProcesses: { processId: string }[];
    };
    expect(view.openProcesses.map((p) => p.processId)).toEqual([processId]);

    const save = (ifMatch: string, step: string) =>
      fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': ifMatch },
        body: JSON.stringify({
          kind: 'mortgage-application',
          lastChannel: 'call-center',
          step,
          data: { loanAmount: 320000, income: 6100 },
        }),
      });
    const resumed = await save('"1"', 'documents');
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('etag')).toBe('"2"');
    // a second channel that read revision 1 does not overwrite it unseen
    const stale = await save('"1"', 'income');
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { process: { step: string } }).process.step).toBe('documents');

    // the apps' batch as they send it: NDJSON, labelled application/x-ndjson, several events at once
    const second = randomUUID();
    const batch = [
      {
        ...event,
        messageId: randomUUID(),
        event: 'page_view',
        properties: undefined,
        context: { page: { path: '/' } },
      },
      { ...event, messageId: randomUUID(), properties: { ...event.properties, applicationId: second } },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    await run('/usr/bin/amqp-publish', [
      `--url=${amqpUrl}`,
      '--exchange=crm.inbound',
      '--routing-key=app-events.batch',
      '--content-type=application/x-ndjson',
      '--persistent',
      `--body=${batch}`,
    ]);
    const batchProcess = `${hub.url}/api/v1/customers/crm:${customer}/processes/${second}`;
    const stored = await eventually(
      async () => ((await fetch(batchProcess)).status === 200 ? true : undefined),
      `process ${second} from the NDJSON batch stored`,
      300,
    );
    expect(stored).toBe(true);
  }, 120000);

  it('three systems update overlapping customers concurrently, and every target ends with the golden values', async () => {
    const random = seeded(20260304);
    const streets = ['Leopoldstraße 12', 'Ring 1', 'Hauptstraße 7', 'Marienplatz 8', 'Am Hof 3'];
    const cities: [string, string][] = [
      ['80802', 'München'],
      ['50667', 'Köln'],
      ['10115', 'Berlin'],
      ['20095', 'Hamburg'],
    ];
    const people = ['Lea Braun', 'Paul Fischer', 'Mia Wagner', 'Noah Becker', 'Emma Hoffmann', 'Ben Schulz'];
    const base = Date.parse('2026-03-01T09:00:00Z');
    const customers = people.map((name, i) => {
      const [given, family] = name.split(' ');
      const ids: Record<Target, string> = {
        sap: String(300000 + i + Math.floor(random() * 1000) * 10),
        siebel: `1-${suffix.toUpperCase()}${i}`,
        salesforce: `003${suffix}${i}`,
      };
      return { given, family, crmId: String(7000000 + i * 1000 + Math.floor(random() * 1000)), ids };
    });
    const version = (given: string, family: string, minutes: number): PersonVersion => {
      const [postalCode, city] = cities[Math.floor(random() * cities.length)];
      return {
        given,
        family,
        street: streets[Math.floor(random() * streets.length)],
        postalCode,
        city,
        country: 'DE',
        phone: `+49 30 ${1000000 + Math.floor(random() * 8999999)}`,
        at: new Date(base + minutes * 60_000),
      };
    };
    const message = (target: Target, id: string, v: PersonVersion) =>
      target === 'sap'
        ? { key: 'sap.DEBMAS', body: debmas(id, v), type: 'application/xml' }
        : target === 'siebel'
          ? { key: 'siebel.Contact', body: siebelContact(id, v), type: 'application/xml' }
          : {
              key: 'salesforce.Contact',
              body: JSON.stringify(salesforceContact(id, v)),
              type: 'application/json',
            };

    // the key master: the call-center CRM knows every system's number of its customers
    for (const c of customers) {
      const others = TARGETS.map((t) => ({ system: t, sourceId: c.ids[t] }));
      await publishCrmCustomer(c.crmId, others, version(c.given, c.family, 0));
    }
    for (const c of customers) await linked(`crm:${c.crmId}`, [`crm:${c.crmId}`]);

    // every system sends three versions of each record, the systems at once, each in a shuffled order
    // (so older versions also arrive after newer ones); the last version per system is what it holds
    const own: Record<Target, Map<string, PersonVersion>> = {
      sap: new Map(),
      siebel: new Map(),
      salesforce: new Map(),
    };
    const sends = TARGETS.map(async (target, t) => {
      const channel = await connection.createConfirmChannel();
      const batch = customers.flatMap((c) =>
        [1, 2, 3].map((n) => ({
          c,
          v: version(c.given, c.family, n * 10 + t * 3 + Math.floor(random() * 3)),
        })),
      );
      for (const { c, v } of batch) {
        const held = own[target].get(c.ids[target]);
        if (!held || held.at < v.at) own[target].set(c.ids[target], v);
      }
      for (const { c, v } of shuffled(batch, random)) {
        const m = message(target, c.ids[target], v);
        channel.publish('crm.inbound', m.key, Buffer.from(m.body), { contentType: m.type, persistent: true });
      }
      await channel.waitForConfirms();
      await channel.close();
    });
    await Promise.all(sends);
    for (const c of customers)
      await linked(
        `crm:${c.crmId}`,
        TARGETS.map((t) => `${t}:${c.ids[t]}`),
      );
    await settled();

    // the systems disagreed, so every target was sent golden values it did not hold
    for (const target of TARGETS) expect([target, received[target].length > 0]).toEqual([target, true]);
    for (const c of customers) {
      const g = (await golden(`crm:${c.crmId}`)) as GoldenAnswer;
      for (const target of TARGETS) {
        const key = { system: target, sourceId: c.ids[target] };
        const expected = outbound[target].map(targetView(g.document, key));
        if (!expected.ok) throw new Error(expected.error.message);
        const wantedId = target === 'sap' ? sapKey(c.ids[target]) : c.ids[target];
        const updates = received[target].filter((m) => recordIdOf(target, m.body) === wantedId);
        const last = updates.at(-1);
        // what the target holds: the last update it was sent, else its own last report
        const holds = last
          ? last.body
          : formats[target].encode(
              await ownView(
                target,
                message(target, c.ids[target], own[target].get(c.ids[target]) as PersonVersion),
              ),
            ).body;
        // the IDoc number is the update's own (from-canonical), not part of the values
        expect([c.crmId, target, withoutDocnum(holds)]).toEqual([
          c.crmId,
          target,
          withoutDocnum(formats[target].encode(expected.value).body),
        ]);
      }
    }
  }, 300000);

  function withoutDocnum(body: unknown): unknown {
    return typeof body === 'string' ? body.replace(/\s*<DOCNUM>\d*<\/DOCNUM>/, '') : body;
  }

  /** A target's own report in its outbound terms: decoded, mapped in, as its view, mapped out. */
  async function ownView(target: Target, m: { body: string }): Promise<object> {
    const spec = loadSystemSpec(target);
    const body = target === 'salesforce' ? (JSON.parse(m.body) as object) : Buffer.from(m.body);
    const [item] = await formats[target].decode(body);
    if (!('record' in item)) throw new Error(item.error);
    const canonical = compileMapping(spec, item.recordKind).map(item.record);
    if (!canonical.ok) throw new Error(canonical.error.message);
    const doc = canonical.value as unknown as Customer;
    const mapped = outbound[target].map(targetView(doc, { system: target, sourceId: doc.identifiers[0].id }));
    if (!mapped.ok) throw new Error(mapped.error.message);
    return mapped.value as object;
  }
});
