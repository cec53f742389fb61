/**
 * The record-sync rig shared by `npm run bench -- sync` and the fault tests (test/e2e/sync-faults.test.ts):
 * the real hub process in a RabbitMQ virtual host of its own, customers that three legacy systems
 * know, a stream of SAP DEBMAS07 changes on crm.inbound, and the target systems Siebel and Salesforce
 * consuming crm.out.<system> as their connectors would, with an idempotent consumer that counts.
 *
 * Why the customers are seeded first: the hub sends a golden change only to the targets that hold a
 * record of that customer (records/golden-fan-out.ts), and not back to the system it came from (echo
 * suppression). So each customer is first made known to the call-center CRM (the key master, whose
 * record lists every system's number), Siebel and Salesforce. Then each SAP record of the stream joins
 * its customer through the shared identifier, and its newer address goes to Siebel and Salesforce:
 * one record in, exactly one update per target out.
 *
 * The version of a record is its house number (`Ringstraße <version>`), which every target's format
 * carries, so a target can tell which version an update brings without the hub's help.
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import amqplib, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { RabbitMqBus } from '../connectors/amqp/rabbitmq-bus';
import { SyncTopology } from '../connectors/amqp/sync-topology';
import { createVhost, deleteVhost, startHub, type RunningHub } from '../test/e2e/hub-process';
import { flowPrefetch } from './_flow-prefetch';
import type { Customer } from '../mappings/canonical/types';

export const TARGETS = ['siebel', 'salesforce'] as const;
export type Target = (typeof TARGETS)[number];
/** the hub's own queues on the sync path: empty and quiet means the hub has nothing left in hand */
export const HUB_QUEUES = [
  'crm.hub.inbound',
  'crm-hub.golden-record',
  ...['sap', 'siebel', 'salesforce'].map((t) => `crm-hub.sync-out.${t}`),
];
/** the flow's amqp-in prefetch (flows/hub.json), used by the raw anchor and the target consumers alike */
export const PREFETCH = flowPrefetch();

const SEED_TIME = Date.parse('2026-01-01T00:00:00Z');

export interface SyncCustomer {
  crm: string;
  sap: string;
  siebel: string;
  salesforce: string;
  given: string;
  family: string;
  /** the street's name; the house number is the version */
  street: string;
  postalCode: string;
  city: string;
}

/** `count` customers; `tag` keeps the ids of two runs in one virtual host apart. */
export function makeCustomers(tag: string, count: number): SyncCustomer[] {
  const given = ['Anna', 'Jonas', 'Lea', 'Paul', 'Mia', 'Noah', 'Emma', 'Ben', 'Sofia', 'Elias'];
  // Family names, streets and postal codes differ from customer to customer, so matching keeps every
  // customer apart (a population of "Schmidt1", "Schmidt2" ... at one address would rightly be linked).
  const syllables = ['ber', 'kol', 'man', 'ster', 'hau', 'rin', 'del', 'wes', 'lin', 'gar'];
  const more = ['tol', 'mey', 'nor', 'bra', 'sel', 'kun', 'fal', 'mar', 'dor', 'ven'];
  const streets = ['Lindenweg', 'Bahnhofstraße', 'Gartenweg', 'Schillerstraße', 'Mozartweg', 'Ringstraße'];
  const cities = ['München', 'Köln', 'Berlin', 'Hamburg', 'Leipzig', 'Bremen', 'Dresden', 'Essen'];
  const base = Number.parseInt(tag.replace(/[^0-9a-f]/gi, '').slice(0, 5) || '0', 16) % 900;
  return Array.from({ length: count }, (_, i) => {
    const name = `${syllables[i % 10]}${more[Math.floor(i / 10) % 10]}${syllables[Math.floor(i / 100) % 10]}${more[Math.floor(i / 1000) % 10]}`;
    return {
      crm: `${tag}-${i}`,
      // SAP's KUNNR is ten digits: a prefix per run, then the customer's number
      sap: String((base + 100) * 1_000_000 + i),
      siebel: `1-${tag.toUpperCase()}${i}`,
      salesforce: `003${tag}${String(i).padStart(7, '0')}`,
      given: given[(i * 7) % given.length],
      family: name[0].toUpperCase() + name.slice(1),
      street: streets[i % streets.length],
      postalCode: String(10000 + (i % 89_990)),
      city: cities[i % cities.length],
    };
  });
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** version v happened v minutes after the seed, so a newer version is newer for survivorship too */
const timeOf = (version: number) => new Date(SEED_TIME + version * 60_000);
const street = (c: SyncCustomer, version: number) => `${c.street} ${version}`;

type RigSystem = 'crm' | 'sap' | 'siebel' | 'salesforce';

/**
 * `system`'s canonical customer `c` at `version` (the house number), naming the numbers of the systems
 * in `known`.
 */
export function canonicalCustomer(
  system: RigSystem,
  c: SyncCustomer,
  version: number,
  known: readonly RigSystem[],
): Customer {
  return {
    schemaVersion: '1.0',
    customerRef: `${system}:${c[system]}`,
    kind: 'person',
    person: { givenName: c.given, familyName: c.family },
    identifiers: known.map((s) => ({ system: s, id: c[s] })),
    addresses: [
      {
        type: 'postal',
        street: c.street,
        houseNumber: String(version),
        postalCode: c.postalCode,
        city: c.city,
        country: 'DE',
      },
    ],
    updatedAt: timeOf(version).toISOString(),
    source: { system },
  } as Customer;
}

/** The call-center CRM's canonical customer on crm.events: it names every system's number. */
export function crmCustomer(c: SyncCustomer): Buffer {
  return Buffer.from(JSON.stringify(canonicalCustomer('crm', c, 0, ['crm', 'sap', 'siebel', 'salesforce'])));
}

/** A Siebel ListOfContact holding these customers at version 0. */
export function siebelContacts(cs: readonly SyncCustomer[]): Buffer {
  const t = timeOf(0);
  const stamp = `${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/${t.getUTCFullYear()} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  const contacts = cs.map(
    (c) => `  <Contact>
    <Id>${c.siebel}</Id>
    <Created>01/01/2020 00:00:00</Created>
    <Updated>${stamp}</Updated>
    <First_spcName>${escapeXml(c.given)}</First_spcName>
    <Last_spcName>${escapeXml(c.family)}</Last_spcName>
    <ListOfPersonal_spcAddress>
      <Personal_spcAddress IsPrimaryMVG="Y">
        <Street_spcAddress>${street(c, 0)}</Street_spcAddress>
        <City>${c.city}</City>
        <Postal_spcCode>${c.postalCode}</Postal_spcCode>
        <Country>Germany</Country>
      </Personal_spcAddress>
    </ListOfPersonal_spcAddress>
  </Contact>`,
  );
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListOfContact xmlns="http://www.siebel.com/xml/Contact">\n${contacts.join('\n')}\n</ListOfContact>\n`,
  );
}

/** A Salesforce query result holding these customers' Contacts at version 0. */
export function salesforceContacts(cs: readonly SyncCustomer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      totalSize: cs.length,
      done: true,
      records: cs.map((c) => ({
        attributes: { type: 'Contact' },
        Id: c.salesforce,
        FirstName: c.given,
        LastName: c.family,
        MailingStreet: street(c, 0),
        MailingPostalCode: c.postalCode,
        MailingCity: c.city,
        MailingCountryCode: 'DE',
        LastModifiedDate: timeOf(0).toISOString(),
      })),
    }),
  );
}

/**
 * SAP's DEBMAS07 change IDoc of one customer at `version` (about 1 KB, as the bench asks): the newer
 * address, CREDAT/CRETIM the version's time.
 */
export function sapDebmas(c: SyncCustomer, version: number): Buffer {
  const t = timeOf(version);
  const credat = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}`;
  const cretim = `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<DEBMAS07>
  <IDOC BEGIN="1">
    <EDI_DC40 SEGMENT="1">
      <TABNAM>EDI_DC40</TABNAM>
      <MANDT>100</MANDT>
      <DOCNUM>${String(version).padStart(6, '0')}${c.sap.slice(-10).padStart(10, '0')}</DOCNUM>
      <DOCREL>757</DOCREL>
      <STATUS>30</STATUS>
      <DIRECT>1</DIRECT>
      <OUTMOD>2</OUTMOD>
      <IDOCTYP>DEBMAS07</IDOCTYP>
      <MESTYP>DEBMAS</MESTYP>
      <SNDPOR>SAPPE1</SNDPOR>
      <SNDPRT>LS</SNDPRT>
      <SNDPRN>PE1CLNT100</SNDPRN>
      <RCVPOR>CRMHUB</RCVPOR>
      <RCVPRT>LS</RCVPRT>
      <RCVPRN>CRMHUB</RCVPRN>
      <CREDAT>${credat}</CREDAT>
      <CRETIM>${cretim}</CRETIM>
    </EDI_DC40>
    <E1KNA1M SEGMENT="1">
      <MSGFN>004</MSGFN>
      <KUNNR>${c.sap.padStart(10, '0')}</KUNNR>
      <ANRED>Frau</ANRED>
      <LAND1>DE</LAND1>
      <NAME1>${escapeXml(c.given)}</NAME1>
      <NAME2>${escapeXml(c.family)}</NAME2>
      <ORT01>${c.city}</ORT01>
      <PSTLZ>${c.postalCode}</PSTLZ>
      <STRAS>${street(c, version)}</STRAS>
    </E1KNA1M>
  </IDOC>
</DEBMAS07>
`);
}

/** The target's record id and the version (house number) an update on crm.out.<target> carries. */
export function updateOf(target: Target, body: Buffer): { recordId: string; version: number } | undefined {
  const text = body.toString('utf8');
  let recordId: string | undefined;
  let version: string | undefined;
  if (target === 'siebel') {
    recordId = /<Id>([^<]+)<\/Id>/.exec(text)?.[1];
    version = /<Street_spcAddress>[^<]* (\d+)<\/Street_spcAddress>/.exec(text)?.[1];
  } else {
    try {
      const contact = JSON.parse(text) as { Id?: unknown; MailingStreet?: unknown };
      recordId = typeof contact.Id === 'string' ? contact.Id : undefined;
      version = / (\d+)$/.exec(String(contact.MailingStreet))?.[1];
    } catch {
      return undefined;
    }
  }
  return recordId && version !== undefined ? { recordId, version: Number(version) } : undefined;
}

export interface SyncRig {
  vhost: string;
  amqpUrl: string;
  hub: RunningHub;
  /** this process's connection, opened again when a broker restart closed it */
  amqp(): Promise<ChannelModel>;
  /** a confirm channel on it for the legacy systems' publishes */
  publisher(): Promise<ConfirmChannel>;
  /** starts the hub again after a kill, in the same virtual host and user directory */
  restartHub(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRig(name: string, hubEnv: Record<string, string> = {}): Promise<SyncRig> {
  const vhost = `crm-hub-${name}-${randomUUID().slice(0, 8)}`;
  const amqpUrl = createVhost(vhost);
  const env = { AMQP_URL: amqpUrl, DATABASE_URL: '', CRM_HUB_LOG_LEVEL: 'warn', ...hubEnv };
  let hub: RunningHub;
  try {
    hub = await startHub(env);
  } catch (err) {
    deleteVhost(vhost);
    throw err;
  }
  try {
    await declareTargets(amqpUrl);
  } catch (err) {
    await hub.stop();
    deleteVhost(vhost);
    throw err;
  }
  let connection: Promise<ChannelModel> | undefined;
  let publisher: Promise<ConfirmChannel> | undefined;
  const amqp = () =>
    (connection ??= amqplib.connect(amqpUrl).then((c) => {
      c.on('error', () => undefined);
      c.on('close', () => {
        connection = undefined;
        publisher = undefined;
      });
      return c;
    }));
  const userDir = hub.userDir;
  const rig: SyncRig = {
    vhost,
    amqpUrl,
    hub,
    amqp,
    publisher: () => (publisher ??= amqp().then((c) => c.createConfirmChannel())),
    async restartHub() {
      // the same user directory: the embedded store is what survives the kill
      rig.hub = await startHub({ ...env, CRM_HUB_USER_DIR: userDir });
    },
    async stop() {
      if (connection) await (await connection.catch(() => undefined))?.close().catch(() => undefined);
      await rig.hub.stop();
      deleteVhost(vhost);
    },
  };
  return rig;
}

/**
 * The target queues as the topology declares them (the hub's amqp-out declares the same when it first
 * publishes), so the targets' connectors can consume before the first update.
 */
async function declareTargets(amqpUrl: string): Promise<void> {
  const bus = new RabbitMqBus({ url: amqpUrl, connectionName: 'sync rig setup' });
  bus.on('error', () => undefined);
  try {
    await bus.start();
    const topology = new SyncTopology(bus, { targets: [...TARGETS] });
    for (const target of TARGETS) await topology.declareTarget(target);
  } finally {
    await bus.close();
  }
}

/** Publishes as a legacy system does: persistent, no message id, no hub headers; confirmed in windows. */
export async function publishAll(
  channel: ConfirmChannel,
  messages: Iterable<{
    exchange: string;
    routingKey: string;
    body: Buffer;
    contentType: string;
    messageId?: string;
  }>,
  window = 500,
): Promise<void> {
  let n = 0;
  for (const m of messages) {
    const ok = channel.publish(m.exchange, m.routingKey, m.body, {
      persistent: true,
      contentType: m.contentType,
      ...(m.messageId ? { messageId: m.messageId } : {}),
    });
    if (++n % window === 0 || !ok) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
}

/** `rabbitmqctl list_queues` of the virtual host with these columns: one line per queue, as it prints them */
export function listQueues(vhost: string, columns: readonly string[]): string {
  return execFileSync('rabbitmqctl', ['-q', 'list_queues', '-p', vhost, ...columns], { encoding: 'utf8' });
}

/** messages (ready and unacknowledged) per queue of the virtual host, from the broker itself */
export function queueDepths(vhost: string): Map<string, number> {
  const out = listQueues(vhost, ['name', 'messages']);
  const depths = new Map<string, number>();
  for (const line of out.split('\n')) {
    const [queue, count] = line.trim().split(/\s+/);
    if (queue && /^\d+$/.test(count ?? '')) depths.set(queue, Number(count));
  }
  return depths;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Until `done()` holds, or the hub's queues are empty and `progress()` stood still for `quietMs`
 * (then it gives up and the caller's counts tell what is missing); fails after `timeoutMs`.
 */
export async function waitUntil(
  rig: SyncRig,
  done: () => boolean,
  progress: () => number,
  options: { quietMs?: number; timeoutMs?: number } = {},
): Promise<boolean> {
  const quietMs = options.quietMs ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let last = progress();
  let since = Date.now();
  while (Date.now() < deadline) {
    if (done()) return true;
    await sleep(200);
    const now = progress();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since > quietMs) {
      const depths = queueDepths(rig.vhost);
      if (HUB_QUEUES.every((q) => (depths.get(q) ?? 0) === 0)) return done();
      since = Date.now();
    }
  }
  return done();
}

/**
 * Seeds the customers: the CRM's record (crm.events), then Siebel's and Salesforce's contacts in
 * batches (crm.inbound), and waits until the hub took them all in. The fan-out the seed itself causes
 * is purged from the target queues afterwards, so a run counts only its own updates.
 */
export async function seedCustomers(
  rig: SyncRig,
  customers: readonly SyncCustomer[],
  batch = 10,
  log?: (ready: Record<string, number>) => void,
): Promise<void> {
  await publishAll(
    await rig.publisher(),
    customers.map((c) => ({
      exchange: 'crm.events',
      routingKey: 'customer.crm',
      body: crmCustomer(c),
      contentType: 'application/json',
      messageId: `seed:${c.crm}`,
    })),
  );
  // The CRM's records first, so each contact joins its customer's golden record as it arrives.
  await settle(rig, undefined, log);
  const batches: SyncCustomer[][] = [];
  for (let i = 0; i < customers.length; i += batch) batches.push(customers.slice(i, i + batch));
  await publishAll(
    await rig.publisher(),
    batches.flatMap((b) => [
      {
        exchange: 'crm.inbound',
        routingKey: 'siebel.Contact',
        body: siebelContacts(b),
        contentType: 'application/xml',
      },
      {
        exchange: 'crm.inbound',
        routingKey: 'salesforce.Contact',
        body: salesforceContacts(b),
        contentType: 'application/json',
      },
    ]),
    50,
  );
  await settle(rig, undefined, log);
  // The seed's own fan-out trails behind (the golden outbox is relayed after the store write): drained
  // until nothing arrives for two seconds.
  await drainTargets(rig, 2000);
}

/** Consumes and drops what waits in the target queues until none arrived for `quietMs`. */
export async function drainTargets(rig: SyncRig, quietMs: number): Promise<number> {
  let drained = 0;
  let lastAt = Date.now();
  const channel = await (await rig.amqp()).createChannel();
  channel.on('error', () => undefined);
  try {
    for (const target of TARGETS) {
      await channel.consume(`crm.out.${target}`, (msg) => {
        if (!msg) return;
        drained += 1;
        lastAt = Date.now();
        channel.ack(msg);
      });
    }
    while (Date.now() - lastAt < quietMs) await sleep(200);
  } finally {
    await channel.close().catch(() => undefined);
  }
  return drained;
}

/**
 * Until the hub's queues stay empty for three looks in a row. Looks are cheap (queue.declare passive
 * counts the ready messages); one rabbitmqctl call (an Erlang VM start, about a second of CPU) then
 * confirms that nothing is unacknowledged either, i.e. in the hub's hands.
 */
export async function settle(
  rig: SyncRig,
  timeoutMs = 600_000,
  log?: (ready: Record<string, number>) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const channel = await (await rig.amqp()).createChannel();
  channel.on('error', () => undefined);
  try {
    for (;;) {
      let quiet = 0;
      while (quiet < 3) {
        if (Date.now() > deadline) throw new Error(`the hub did not settle within ${timeoutMs} ms`);
        await sleep(300);
        const ready: Record<string, number> = {};
        for (const q of HUB_QUEUES) ready[q] = (await channel.checkQueue(q)).messageCount;
        log?.(ready);
        quiet = Object.values(ready).every((n) => n === 0) ? quiet + 1 : 0;
      }
      const depths = queueDepths(rig.vhost);
      if (HUB_QUEUES.every((q) => (depths.get(q) ?? 0) === 0)) return;
    }
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/** What one target system received: an idempotent consumer keyed on message id and on (record, version). */
export class TargetLedger {
  /** message ids seen */
  readonly messageIds = new Set<string>();
  /** per record id, the versions applied, in the order they were applied */
  readonly applied = new Map<string, number[]>();
  /** deliveries dropped because their message id was seen before */
  duplicateIds = 0;
  /** deliveries with a new message id that brought a (record, version) already applied */
  duplicateVersions = 0;
  /** deliveries that brought an older version than the one applied (applied anyway? no: dropped) */
  stale = 0;
  /** deliveries whose body carried no record id and version */
  unreadable = 0;
  deliveries = 0;
  /** arrival time (performance.now()) of each applied (record, version), for latencies */
  readonly arrivals = new Map<string, number>();

  constructor(readonly target: Target) {}

  /** Returns true when the update is applied, false when the idempotent consumer drops it. */
  take(messageId: string | undefined, body: Buffer): boolean {
    this.deliveries += 1;
    if (messageId) {
      if (this.messageIds.has(messageId)) {
        this.duplicateIds += 1;
        return false;
      }
      this.messageIds.add(messageId);
    }
    const update = updateOf(this.target, body);
    if (!update) {
      this.unreadable += 1;
      return false;
    }
    const versions = this.applied.get(update.recordId) ?? [];
    if (versions.includes(update.version)) {
      this.duplicateVersions += 1;
      return false;
    }
    if (versions.length > 0 && update.version < (versions.at(-1) as number)) {
      this.stale += 1;
      return false;
    }
    versions.push(update.version);
    this.applied.set(update.recordId, versions);
    this.arrivals.set(`${update.recordId}@${update.version}`, performance.now());
    return true;
  }

  /** How many of `ids` hold `version` as their newest applied version. */
  holding(ids: readonly string[], version: number): number {
    return ids.filter((id) => this.applied.get(id)?.at(-1) === version).length;
  }

  /** (record, version) pairs applied in all */
  appliedCount(): number {
    let n = 0;
    for (const v of this.applied.values()) n += v.length;
    return n;
  }
}

/** A target system's connector: consumes crm.out.<target> with manual ack into its ledger. */
export async function consumeTarget(
  connection: ChannelModel,
  ledger: TargetLedger,
  onMessage?: (msg: ConsumeMessage, channel: Channel) => boolean,
): Promise<Channel> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  await channel.prefetch(PREFETCH);
  await channel.consume(`crm.out.${ledger.target}`, (msg) => {
    if (!msg) return;
    if (onMessage && !onMessage(msg, channel)) return;
    ledger.take(msg.properties.messageId as string | undefined, msg.content);
    channel.ack(msg);
  });
  return channel;
}
