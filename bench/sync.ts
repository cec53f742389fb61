/**
 * `npm run bench -- sync` (`-- sync --check`: the check only, a few hundred records, no timing): the
 * record sync end to end on the real hub process (the shipped flow's "Record sync" tab, RabbitMQ in a
 * virtual host of its own, the embedded store): SAP publishes DEBMAS07 changes of about 1 KB on
 * crm.inbound (persistent, publisher confirms, no message id, as any AMQP client), the hub maps them,
 * merges them into the golden record and fans each change out to Siebel and Salesforce, whose
 * connectors (this process) consume crm.out.siebel and crm.out.salesforce. bench/_sync-rig.ts explains
 * the customers the run seeds first, so that every record gives exactly one update per target.
 *
 * The anchor, in the same run on the same broker: raw amqplib publish + consume with the same settings
 * (persistent 1 KB messages, a confirm channel with the same confirm window, a quorum queue, the
 * flow's prefetch, one ack per message). Ours and the anchor run alternately in rounds; the median round
 * counts.
 *
 * Hop efficiency: the hub's path costs several broker messages per record (crm.inbound, crm.golden, one
 * per target, and whatever else the hub publishes on the way); they are counted in the check pass with
 * spy queues on crm.golden and crm.events and from the target deliveries. The hub's achieved broker
 * rate is records/s × broker messages per record; ratio = that ÷ the raw rate (goal ≥ 0.7).
 *
 * The contract floor, in the same run (bench/_sync-floor-server.ts, a process of its own): the least
 * any implementation of this path does per record, with raw amqplib: the IDoc parsed, an LMDB write,
 * the change published and consumed, one update per target; its hop efficiency says how much of the
 * goal the path's own hops leave.
 *
 * Latency: SAP publishes at a paced 1,000 records/s; each record's time from its publish to the arrival
 * of its update in each target queue's consumer; p50, p99, max (goal p99 ≤ 50 ms).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ConfirmChannel } from 'amqplib';
import {
  consumeTarget,
  makeCustomers,
  publishAll,
  sapDebmas,
  seedCustomers,
  startRig,
  TARGETS,
  TargetLedger,
  waitUntil,
  PREFETCH,
  type SyncCustomer,
  type SyncRig,
  type Target,
} from './_sync-rig';
import { median, medianRound, percentile, result, startAnchorProcess, stopAll } from './_measure';
import { FLOOR_INBOUND, FLOOR_TARGETS } from './_golden-floor';
import { ROOT } from '../test/e2e/hub-process';
import { processCpuMicros } from './_process-cpu';
import { brokerPid, coresAt, cpuBudget, formatBudget, type CpuShares } from './_sync-cpu-budget';
import type { GoldenIntakeCpu } from './_golden-intake-cpu';

const CHECK_RECORDS = 300;
const ROUND_RECORDS = 3000;
const ROUNDS = 3;
const RATE = 1000;
/** a pace the hub keeps up with on this machine: the latency of the hops themselves, without a backlog */
const BELOW_CAPACITY_RATE = 200;
const LATENCY_SECONDS = 3;
const CONFIRM_WINDOW = 500;
const GOAL_RATIO = 0.7;
const GOAL_P99_MS = 50;
/** inbound, golden change, one update per target */
const FLOOR_MESSAGES = 4;
const ROUND_TIMEOUT_MS = 300_000;

const idOf = (target: Target, c: SyncCustomer) => (target === 'siebel' ? c.siebel : c.salesforce);

interface Run {
  ledgers: TargetLedger[];
  stop(): Promise<void>;
}

/** The two target connectors, each with a ledger of its own. */
async function targets(rig: SyncRig): Promise<Run> {
  const ledgers = TARGETS.map((t) => new TargetLedger(t));
  const connection = await rig.amqp();
  const channels = await Promise.all(ledgers.map((l) => consumeTarget(connection, l)));
  return {
    ledgers,
    stop: async () => {
      for (const ch of channels) await ch.close().catch(() => undefined);
    },
  };
}

const sapMessages = (customers: readonly SyncCustomer[], version: number) =>
  customers.map((c) => ({
    exchange: 'crm.inbound',
    routingKey: 'sap.DEBMAS',
    body: sapDebmas(c, version),
    contentType: 'application/xml',
  }));

/** Every customer's update at `version` applied at every target. */
const allApplied = (run: Run, customers: readonly SyncCustomer[], version: number) => () =>
  run.ledgers.every(
    (l) =>
      l.holding(
        customers.map((c) => idOf(l.target, c)),
        version,
      ) === customers.length,
  );

const deliveries = (run: Run) => () => run.ledgers.reduce((n, l) => n + l.deliveries, 0);

function describeLedgers(run: Run, customers: readonly SyncCustomer[], version: number): string {
  return run.ledgers
    .map(
      (l) =>
        `${l.target}: ${l.holding(
          customers.map((c) => idOf(l.target, c)),
          version,
        )}/${customers.length} at version ` +
        `${version}, ${l.deliveries} deliveries, ${l.duplicateIds} repeated message ids, ${l.duplicateVersions} ` +
        `repeated versions, ${l.stale} stale, ${l.unreadable} unreadable`,
    )
    .join('; ');
}

/**
 * The check: every record gives exactly one update with its version at each target, and the broker
 * messages per record, counted with spy queues on crm.golden and crm.events.
 */
async function check(rig: SyncRig, customers: readonly SyncCustomer[], version: number): Promise<number> {
  const spy = await (await rig.amqp()).createChannel();
  const spied = { golden: 0, events: 0 };
  const spies: string[] = [];
  const spyOn = async (exchange: string, key: keyof typeof spied) => {
    const { queue } = await spy.assertQueue('', { exclusive: true, durable: false });
    spies.push(queue);
    await spy.bindQueue(queue, exchange, '#');
    await spy.consume(queue, () => (spied[key] += 1), { noAck: true });
  };
  await spyOn('crm.golden', 'golden');
  await spyOn('crm.events', 'events');
  const run = await targets(rig);
  try {
    await publishAll(await rig.publisher(), sapMessages(customers, version), CONFIRM_WINDOW);
    const done = await waitUntil(rig, allApplied(run, customers, version), deliveries(run), {
      quietMs: 20_000,
      timeoutMs: ROUND_TIMEOUT_MS,
    });
    // late duplicates would show within a moment
    await new Promise((r) => setTimeout(r, 1000));
    const bad = run.ledgers.some((l) => l.duplicateIds + l.duplicateVersions + l.stale + l.unreadable > 0);
    if (!done || bad) {
      throw new Error(
        `the hub did not deliver each record once to each target: ${describeLedgers(run, customers, version)}; ` +
          (await whyMissing(rig, run, customers, version)),
      );
    }
    const targetMessages = run.ledgers.reduce((n, l) => n + l.deliveries, 0);
    const perRecord = 1 + (spied.golden + spied.events + targetMessages) / customers.length;
    console.log(
      `check: ${customers.length} SAP DEBMAS07 records (${sapDebmas(customers[0], version).length} bytes each) on ` +
        `crm.inbound, each applied exactly once with its version at ${TARGETS.join(' and ')}`,
    );
    console.log(
      `check: broker messages per record ${perRecord.toFixed(2)} (1 on crm.inbound, ` +
        `${(spied.golden / customers.length).toFixed(2)} on crm.golden, ${(spied.events / customers.length).toFixed(2)} ` +
        `on crm.events, ${(targetMessages / customers.length).toFixed(2)} to the target queues)`,
    );
    return perRecord;
  } finally {
    await run.stop();
    // an exclusive queue lives as long as its connection, not its channel: the timed rounds must not feed it
    for (const queue of spies) await spy.deleteQueue(queue).catch(() => undefined);
    await spy.close().catch(() => undefined);
  }
}

/** For a failed check: what the hub holds of the first customer a target is missing. */
async function whyMissing(
  rig: SyncRig,
  run: Run,
  customers: readonly SyncCustomer[],
  version: number,
): Promise<string> {
  const missing = customers.find((c) =>
    run.ledgers.some((l) => l.applied.get(idOf(l.target, c))?.at(-1) !== version),
  );
  if (!missing) return 'none missing';
  const res = await fetch(`${rig.hub.url}/api/v1/customers/${encodeURIComponent(`sap:${missing.sap}`)}`);
  const body = (await res.text()).slice(0, 1500);
  return `e.g. sap:${missing.sap} (crm:${missing.crm}): ${res.status} ${body}; hub log: ${rig.hub.log().slice(-1500)}`;
}

interface OursRound {
  recordsPerSecond: number;
  /** the hub process's CPU (all threads) per record over the round, µs */
  hubCpuPerRecord: number;
  /** that CPU over the round's wall time: 1.0 is one core busy the whole round */
  hubCores: number;
  /** the broker's and this process's (SAP's publisher, the target consumers) CPU per record, µs */
  others: CpuShares;
}

/** One round of ours: records/s from the first publish to the last update applied at a target. */
async function oursRound(
  rig: SyncRig,
  customers: readonly SyncCustomer[],
  version: number,
): Promise<OursRound> {
  const run = await targets(rig);
  try {
    const cpuBefore = processCpuMicros(rig.hub.process.pid);
    const othersBefore = othersCpu();
    const start = performance.now();
    await publishAll(await rig.publisher(), sapMessages(customers, version), CONFIRM_WINDOW);
    const done = await waitUntil(rig, allApplied(run, customers, version), deliveries(run), {
      quietMs: 20_000,
      timeoutMs: ROUND_TIMEOUT_MS,
    });
    if (!done)
      throw new Error(`round at version ${version} incomplete: ${describeLedgers(run, customers, version)}`);
    const last = Math.max(...run.ledgers.flatMap((l) => [...l.arrivals.values()]));
    // read when the round is seen complete (at most one 200 ms look after the last arrival)
    const hubCpu = processCpuMicros(rig.hub.process.pid) - cpuBefore;
    const others = othersCpu(othersBefore, customers.length);
    const wallMs = performance.now() - start;
    return {
      recordsPerSecond: customers.length / ((last - start) / 1000),
      hubCpuPerRecord: hubCpu / customers.length,
      hubCores: hubCpu / 1000 / wallMs,
      others,
    };
  } finally {
    await run.stop();
  }
}

interface FloorRound {
  recordsPerSecond: number;
  /** the floor process's CPU (all threads) per record, µs */
  cpuPerRecord: number;
}

/**
 * One round of the contract floor (bench/_sync-floor-server.ts): the same IDocs on its inbound queue,
 * records/s until every record's update arrived at both of its target queues, each exactly once.
 */
async function floorRound(
  rig: SyncRig,
  floor: { pid?: number },
  customers: readonly SyncCustomer[],
  version: number,
): Promise<FloorRound> {
  const connection = await rig.amqp();
  const consumer = await connection.createChannel();
  await consumer.prefetch(PREFETCH);
  const seen = FLOOR_TARGETS.map(() => new Set<string>());
  // what each update must carry: the street of the IDoc sent for its record at this version
  const streets = new Map(customers.map((c) => [c.sap.padStart(10, '0'), `${c.street} ${version}`]));
  let repeated = 0;
  let wrong = 0;
  let last = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const tags: string[] = [];
  for (const [i, queue] of FLOOR_TARGETS.entries()) {
    const { consumerTag } = await consumer.consume(queue, (msg) => {
      if (!msg) return;
      const update = JSON.parse(msg.content.toString('utf8')) as {
        id: string;
        version: number;
        STRAS?: string;
      };
      if (update.STRAS === undefined || update.STRAS !== streets.get(update.id)) wrong += 1;
      const key = `${update.id}@${update.version}`;
      if (seen[i].has(key)) repeated += 1;
      seen[i].add(key);
      consumer.ack(msg);
      if (seen.every((s) => s.size === customers.length)) {
        last = performance.now();
        finish();
      }
    });
    tags.push(consumerTag);
  }
  try {
    const cpuBefore = processCpuMicros(floor.pid);
    const start = performance.now();
    const messages = customers.map((c) => ({
      exchange: '',
      routingKey: FLOOR_INBOUND,
      body: sapDebmas(c, version),
      contentType: 'application/xml',
    }));
    await publishAll(await rig.publisher(), messages, CONFIRM_WINDOW);
    await within(finished, 'contract floor round timed out');
    if (repeated > 0 || wrong > 0)
      throw new Error(
        `the contract floor delivered ${repeated} updates twice and ${wrong} without the street sent: the run is not valid`,
      );
    return {
      recordsPerSecond: customers.length / ((last - start) / 1000),
      cpuPerRecord: (processCpuMicros(floor.pid) - cpuBefore) / customers.length,
    };
  } finally {
    for (const tag of tags) await consumer.cancel(tag).catch(() => undefined);
    await consumer.close().catch(() => undefined);
  }
}

async function startFloor(rig: SyncRig, storeDir: string) {
  const child = await startAnchorProcess('sync contract floor', [
    path.join(ROOT, 'dist/bench/_sync-floor-server.js'),
    rig.amqpUrl,
    storeDir,
  ]);
  return { pid: child.pid, stop: () => child.kill('SIGKILL') };
}

/** `done`, or a failure naming `what` once the round's bound has passed. */
async function within(done: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(what)), ROUND_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

const RAW_QUEUE = 'bench.raw-amqplib';

interface RawRound {
  messagesPerSecond: number;
  /** the broker's and this process's CPU per message, µs */
  others: CpuShares;
}

/** One round of the anchor: `count` 1 KB messages published (confirmed) and consumed. */
async function rawRound(rig: SyncRig, count: number, body: Buffer): Promise<RawRound> {
  const connection = await rig.amqp();
  const publisher: ConfirmChannel = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  await consumer.assertQueue(RAW_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await consumer.prefetch(PREFETCH);
  let consumed = 0;
  let last = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const { consumerTag } = await consumer.consume(RAW_QUEUE, (msg) => {
    if (!msg) return;
    consumer.ack(msg);
    consumed += 1;
    if (consumed === count) {
      last = performance.now();
      finish();
    }
  });
  try {
    const othersBefore = othersCpu();
    const start = performance.now();
    const messages = Array.from({ length: count }, () => ({
      exchange: '',
      routingKey: RAW_QUEUE,
      body,
      contentType: 'application/xml',
    }));
    await publishAll(publisher, messages, CONFIRM_WINDOW);
    await within(finished, 'raw round timed out');
    return { messagesPerSecond: count / ((last - start) / 1000), others: othersCpu(othersBefore, count) };
  } finally {
    await consumer.cancel(consumerTag).catch(() => undefined);
    await consumer.close().catch(() => undefined);
    await publisher.close().catch(() => undefined);
  }
}

/** SAP at a paced `rate`: each record's publish-to-arrival time at each target, in ms. */
async function latencyRound(
  rig: SyncRig,
  customers: readonly SyncCustomer[],
  version: number,
  rate = RATE,
): Promise<number[]> {
  const run = await targets(rig);
  const publisher = await rig.publisher();
  const sentAt = new Map<number, number>();
  try {
    const start = performance.now();
    let i = 0;
    while (i < customers.length) {
      // due by now at the pace; sent in a burst of at most a few ms' worth, then the timer again
      const due = Math.min(customers.length, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; i < due; i++) {
        sentAt.set(i, performance.now());
        publisher.publish('crm.inbound', 'sap.DEBMAS', sapDebmas(customers[i], version), {
          persistent: true,
          contentType: 'application/xml',
        });
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await publisher.waitForConfirms();
    const done = await waitUntil(rig, allApplied(run, customers, version), deliveries(run), {
      quietMs: 20_000,
      timeoutMs: ROUND_TIMEOUT_MS,
    });
    if (!done) throw new Error(`latency round incomplete: ${describeLedgers(run, customers, version)}`);
    const latencies: number[] = [];
    customers.forEach((c, n) => {
      for (const l of run.ledgers) {
        const at = l.arrivals.get(`${idOf(l.target, c)}@${version}`);
        if (at !== undefined) latencies.push(at - (sentAt.get(n) as number));
      }
    });
    return latencies;
  } finally {
    await run.stop();
  }
}

async function main(): Promise<void> {
  const checkOnly = process.argv.includes('--check');
  const seeded = checkOnly ? CHECK_RECORDS : Math.max(ROUND_RECORDS, RATE * LATENCY_SECONDS);
  const stops: (() => unknown)[] = [];
  try {
    const rig = await startRig('bench-sync');
    stops.push(() => rig.stop());
    const customers = makeCustomers(rig.vhost.slice(-6), seeded);
    const seedStart = performance.now();
    await seedCustomers(rig, customers);
    console.log(
      `seeded ${customers.length} customers known to the CRM, Siebel and Salesforce in ` +
        `${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );
    let version = 1;
    const perRecord = await check(rig, customers.slice(0, CHECK_RECORDS), version++);
    const body = sapDebmas(customers[0], 0);
    const raw = (await rawRound(rig, Math.round(CHECK_RECORDS * perRecord), body)).messagesPerSecond;
    console.log(
      `check: raw amqplib moved ${Math.round(CHECK_RECORDS * perRecord)} messages of ${body.length} bytes through a quorum queue`,
    );
    if (!Number.isFinite(raw) || raw <= 0) throw new Error('the raw amqplib anchor moved nothing');
    const floorStore = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-bench-sync-floor-'));
    stops.push(() => fs.rmSync(floorStore, { recursive: true, force: true }));
    const floor = await startFloor(rig, floorStore);
    stops.unshift(() => floor.stop());
    await floorRound(rig, floor, customers.slice(0, CHECK_RECORDS), version);
    console.log(
      `check: the contract floor delivered ${CHECK_RECORDS} records once each to both of its target queues, each with the street sent`,
    );
    if (checkOnly) return;

    console.log(
      `rounds: ${ROUNDS} × (ours: ${ROUND_RECORDS} records, raw: ${Math.round(ROUND_RECORDS * perRecord)} messages), ` +
        `confirm window ${CONFIRM_WINDOW}, prefetch ${PREFETCH}; load average before: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const roundCustomers = customers.slice(0, ROUND_RECORDS);
    const ours: number[] = [];
    const anchor: number[] = [];
    const floors: FloorRound[] = [];
    const oursOthers: CpuShares[] = [];
    const rawOthers: CpuShares[] = [];
    const hubCpu: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const round = await oursRound(rig, roundCustomers, version++);
      ours.push(round.recordsPerSecond);
      oursOthers.push(round.others);
      hubCpu.push(round.hubCpuPerRecord);
      const rawRun = await rawRound(rig, Math.round(ROUND_RECORDS * perRecord), body);
      anchor.push(rawRun.messagesPerSecond);
      rawOthers.push(rawRun.others);
      floors.push(await floorRound(rig, floor, roundCustomers, version++));
      console.log(
        `round ${r + 1}: ours ${Math.round(ours[r])} records/s (${Math.round(ours[r] * perRecord)} broker msgs/s; ` +
          `hub CPU ${Math.round(round.hubCpuPerRecord)} µs per record, ${round.hubCores.toFixed(2)} cores busy; ` +
          `broker ${Math.round(round.others.broker)} µs, SAP and the targets ${Math.round(round.others.clients)} µs per record), ` +
          `raw amqplib ${Math.round(anchor[r])} msgs/s, contract floor ${Math.round(floors[r].recordsPerSecond)} ` +
          `records/s (${Math.round(floors[r].cpuPerRecord)} µs of its CPU per record)`,
      );
    }
    const latencies = await latencyRound(rig, customers.slice(0, RATE * LATENCY_SECONDS), version++);
    const unhurried = await latencyRound(
      rig,
      customers.slice(0, BELOW_CAPACITY_RATE * LATENCY_SECONDS),
      version++,
      BELOW_CAPACITY_RATE,
    );
    const p99 = percentile(latencies, 99);
    console.log(
      `load average after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const recordsPerSecond = median(ours);
    const rawPerSecond = median(anchor);
    console.log(
      `sync: ${Math.round(recordsPerSecond)} records/s end to end (median of ${ROUNDS} rounds), ` +
        `${perRecord.toFixed(2)} broker messages per record; raw amqplib ${Math.round(rawPerSecond)} msgs/s; ` +
        `hop efficiency ${((recordsPerSecond * perRecord) / rawPerSecond).toFixed(2)} (goal ≥ ${GOAL_RATIO})`,
    );
    console.log(
      `sync latency at ${RATE} records/s for ${LATENCY_SECONDS} s, crm.inbound publish → target consumer ` +
        `(${latencies.length} updates): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
        `max ${Math.max(...latencies).toFixed(1)} ms (goal p99 ≤ ${GOAL_P99_MS} ms)`,
    );
    console.log(
      `sync latency at ${BELOW_CAPACITY_RATE} records/s for ${LATENCY_SECONDS} s (below capacity, no backlog; ` +
        `${unhurried.length} updates): p50 ${percentile(unhurried, 50).toFixed(1)} ms, p99 ${percentile(unhurried, 99).toFixed(1)} ms, ` +
        `max ${Math.max(...unhurried).toFixed(1)} ms`,
    );
    const floorMedian = medianRound(floors);
    console.log(
      `contract floor (IDoc parsed, LMDB write, change published and consumed, one update per target, ` +
        `${FLOOR_MESSAGES} broker messages per record, nothing else): ${Math.round(floorMedian.recordsPerSecond)} records/s, ` +
        `${Math.round(floorMedian.cpuPerRecord)} µs of its CPU per record; its hop efficiency ` +
        `${((floorMedian.recordsPerSecond * FLOOR_MESSAGES) / rawPerSecond).toFixed(2)}`,
    );
    const intake = goldenIntakeAlone();
    const budget = cpuBudget({
      cores: os.cpus().length,
      goalRecordsPerSecond: (GOAL_RATIO * rawPerSecond) / perRecord,
      others: medianRound(oursOthers),
      rawOthers: medianRound(rawOthers),
      perRecord,
    });
    console.log(formatBudget(budget, { hub: median(hubCpu), goldenIntake: intake.cpuPerRecord }));
    const oursMedian = medianRound(oursOthers);
    console.log(
      `at ${RATE} records/s the path takes ${coresAt(RATE, { ...oursMedian, hub: median(hubCpu) }).toFixed(2)} of ` +
        `${os.cpus().length} cores (hub ${Math.round(median(hubCpu))} µs, broker ${Math.round(oursMedian.broker)} µs, ` +
        `SAP and the targets ${Math.round(oursMedian.clients)} µs per record, as in the rounds above)`,
    );
    console.log(
      result('sync-vs-contract-floor', recordsPerSecond, floorMedian.recordsPerSecond, 'records/s'),
    );
    console.log(result('sync-vs-raw-amqplib', recordsPerSecond * perRecord, rawPerSecond, 'msgs/s'));
  } finally {
    await stopAll(stops);
  }
}

/** The broker's and this process's CPU so far (µs), or, given a start and a count, per item since then. */
function othersCpu(): CpuShares;
function othersCpu(since: CpuShares, count: number): CpuShares;
function othersCpu(since?: CpuShares, count = 1): CpuShares {
  const own = process.cpuUsage();
  const now = { broker: processCpuMicros(BROKER_PID), clients: own.user + own.system };
  if (!since) return now;
  return { broker: (now.broker - since.broker) / count, clients: (now.clients - since.clients) / count };
}

/** bench/_golden-intake-cpu.ts in a process of its own, so the CPU it reads is the intake's alone. */
function goldenIntakeAlone(): GoldenIntakeCpu {
  const out = execFileSync(
    process.execPath,
    [path.join(ROOT, 'dist/bench/_golden-intake-cpu.js'), '--json'],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1) as string) as GoldenIntakeCpu;
}

const BROKER_PID = brokerPid();

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
