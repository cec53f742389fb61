/**
 * Not a benchmark (no RESULT line): what our messaging nodes cost per message. The real hub process
 * (`npm start`'s command and settings) runs a flow of nothing but amqp-in (ack after the whole flow,
 * the record sync's prefetch) wired to amqp-out (confirmed publish to a record-sync target queue);
 * beside it, a process of its own does the same with raw amqplib: consume, publish with confirm,
 * acknowledge once confirmed (in batches per event-loop turn, as the hub does). Each round fills one
 * side's queue while its consumer is stopped, then lets it drain the backlog at saturation, and
 * reads that process's CPU time (/proc, all threads) between 10 % and 90 % of the messages out, so
 * neither the start nor the tail counts. The sides take turns, round by round.
 *
 * The hub's consumer is stopped and started by deploying the flow with amqp-in disabled and enabled
 * again (a "nodes" deployment restarts only that node).
 *
 *   npm run build && node dist/bench/_amqp-node-floor.js [--messages 20000] [--warm 1] [--rounds 4] [--profile hub.cpuprofile]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import amqplib, { type ConsumeMessage } from 'amqplib';
import { RabbitMqBus } from '../connectors/amqp/rabbitmq-bus';
import { typedQueueOptions } from '../connectors/amqp/consume-config';
import { SyncTopology } from '../connectors/amqp/sync-topology';
import {
  createVhost,
  deleteVhost,
  hubNodeFlags,
  ROOT,
  startHub,
  type RunningHub,
} from '../test/e2e/hub-process';
import { flowPrefetch } from './_flow-prefetch';
import { processCpuMicros } from './_process-cpu';

const PREFETCH = flowPrefetch();
const EXCHANGE = 'bench.pass';
const SIDES = ['hub', 'raw'] as const;
type Side = (typeof SIDES)[number];
const inQueue = (side: Side) => `bench.pass.${side}`;
const target = (side: Side) => `bench${side}`;
const outQueue = (side: Side) => `crm.out.${target(side)}`;
/** amqp-in's declaration of its queue, so the raw side consumes a queue just like it */
const IN_SETTINGS = {
  prefetch: PREFETCH,
  singleActive: false,
  drainMs: 14_000,
  deliveryLimit: 20,
  atLeastOnce: true,
};
const PRELOAD = path.join(ROOT, 'bench', '_cpu-profile-preload.js');

/** the minimal flow: amqp-in as the record sync's golden-change consumers are set, into amqp-out */
function flow(disabled: boolean): object[] {
  return [
    { id: 'bench-tab', type: 'tab', label: 'bench' },
    {
      id: 'bench-broker',
      type: 'amqp-broker',
      name: 'bench bus',
      heartbeat: '30',
      url: '',
      version: 2,
      urls: '${AMQP_URL}',
    },
    {
      id: 'bench-in',
      type: 'amqp-in',
      z: 'bench-tab',
      name: 'in',
      broker: 'bench-broker',
      queue: inQueue('hub'),
      bindings: `${EXCHANGE} hub`,
      prefetch: String(PREFETCH),
      ack: 'flow',
      timeout: '60000',
      store: '',
      singleActive: false,
      topology: '',
      output: 'buffer',
      deliveryLimit: '20',
      atLeastOnce: true,
      version: 4,
      d: disabled || undefined,
      wires: [['bench-out']],
    },
    {
      id: 'bench-out',
      type: 'amqp-out',
      z: 'bench-tab',
      name: 'out',
      broker: 'bench-broker',
      exchange: '',
      routingKey: '',
      destination: 'queue',
      queue: outQueue('hub'),
      version: 2,
      wires: [[]],
    },
  ];
}

/** A golden change's size, with the headers a hop carries (trace, event id). */
function message(i: number): { body: Buffer; options: amqplib.Options.Publish } {
  const body = Buffer.from(
    JSON.stringify({
      type: 'golden.changed',
      goldenId: `g-${i}`,
      revision: 1,
      document: {
        person: { givenName: 'Anna', familyName: `Berkolman${i}` },
        addresses: [
          { street: 'Ringstraße', houseNumber: String(i), postalCode: '10000', city: 'Köln', country: 'DE' },
        ],
        identifiers: [
          { system: 'crm', id: `c-${i}` },
          { system: 'sap', id: String(1_000_000_000 + i) },
          { system: 'siebel', id: `1-X${i}` },
          { system: 'salesforce', id: `003X${String(i).padStart(12, '0')}` },
        ],
      },
      updatedAt: new Date(0).toISOString(),
    }).padEnd(900, ' '),
  );
  const traceId = randomUUID().replace(/-/g, '');
  return {
    body,
    options: {
      persistent: true,
      messageId: randomUUID(),
      contentType: 'application/json',
      headers: { traceparent: `00-${traceId}-${traceId.slice(0, 16)}-01`, 'x-crm-event-id': `ev-${i}` },
    },
  };
}

async function declare(url: string): Promise<void> {
  const bus = new RabbitMqBus({ url, connectionName: 'amqp node floor setup' });
  bus.on('error', () => undefined);
  try {
    await bus.start();
    await bus.declareExchange(EXCHANGE);
    const topology = new SyncTopology(bus, { targets: SIDES.map(target) });
    for (const side of SIDES) await topology.declareTarget(target(side));
    // both sides' queues as amqp-in declares its own: the hub's exists before its node first starts
    for (const side of SIDES) {
      const {
        prefetch: _prefetch,
        drainMs: _drainMs,
        ...queue
      } = typedQueueOptions({
        queue: inQueue(side),
        bindings: `${EXCHANGE} ${side}`,
        ...IN_SETTINGS,
      });
      await bus.declareQueue(queue);
    }
  } finally {
    await bus.close();
  }
}

/** The raw amqplib side, in a process of its own: consume, publish with confirm, then acknowledge. */
async function worker(url: string): Promise<void> {
  const connection = await amqplib.connect(url, { noDelay: true });
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  await consumer.prefetch(PREFETCH);
  let newest: ConsumeMessage | undefined;
  let scheduled = false;
  const ack = (msg: ConsumeMessage) => {
    if (!newest || msg.fields.deliveryTag > newest.fields.deliveryTag) newest = msg;
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (newest) consumer.ack(newest, true);
      newest = undefined;
    });
  };
  let tag: string | undefined;
  const send = (what: string) => process.send?.(what);
  process.on('message', (command) => {
    if (command === 'start')
      void consumer
        .consume(inQueue('raw'), (msg) => {
          if (!msg) return;
          const p = msg.properties;
          publisher.publish(
            '',
            outQueue('raw'),
            msg.content,
            {
              persistent: true,
              mandatory: true,
              messageId: p.messageId as string,
              contentType: p.contentType as string,
              headers: p.headers,
              timestamp: Math.floor(Date.now() / 1000),
            },
            (err: unknown) => (err ? consumer.nack(msg) : ack(msg)),
          );
        })
        .then((ok) => {
          tag = ok.consumerTag;
          send('started');
        });
    else if (command === 'stop' && tag) void consumer.cancel(tag).then(() => send('stopped'));
    else if (command === 'exit') void connection.close().finally(() => process.exit(0));
  });
  send('ready');
}

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...hubNodeFlags(), __filename, '--worker', url], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`raw worker exited with ${code}`)));
  });
}

const ask = (child: ChildProcess, command: string) =>
  new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    child.send(command);
  });

async function deploy(hub: RunningHub, disabled: boolean): Promise<void> {
  const res = await fetch(`${hub.url}/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' },
    body: JSON.stringify(flow(disabled)),
  });
  if (!res.ok) throw new Error(`deploy: ${res.status} ${await res.text()}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '4' },
      warm: { type: 'string', default: '1' },
      profile: { type: 'string' },
    },
  });
  const count = Number(values.messages);
  const warm = Number(values.warm);
  const rounds = warm + Number(values.rounds);
  const profile = values.profile ? path.resolve(values.profile) : undefined;
  if (profile) for (const end of ['', '.start', '.stop', '.done']) fs.rmSync(profile + end, { force: true });
  const vhost = `crm-hub-node-floor-${randomUUID().slice(0, 8)}`;
  const url = createVhost(vhost);
  const flowDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-node-floor-'));
  const flowFile = path.join(flowDir, 'flow.json');
  fs.writeFileSync(flowFile, JSON.stringify(flow(true)));
  let hub: RunningHub | undefined;
  let raw: ChildProcess | undefined;
  const connection = await amqplib.connect(url);
  try {
    await declare(url);
    hub = await startHub({
      AMQP_URL: url,
      DATABASE_URL: '',
      CRM_HUB_LOG_LEVEL: 'warn',
      CRM_HUB_FLOWS: flowFile,
      ...(profile
        ? {
            NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PRELOAD}`.trim(),
            CRM_HUB_CPU_PROFILE: profile,
          }
        : {}),
    });
    raw = await startWorker(url);
    const pids = { hub: hub.process.pid, raw: raw.pid };
    // the targets' side: counts what arrives, reading the CPU of the side at work at 10 % and 90 %
    const channel = await connection.createChannel();
    await channel.prefetch(1000);
    let arrived = 0;
    let marks: { at: number; cpu: number }[] = [];
    let pid: number | undefined;
    let onArrival = () => undefined as void;
    for (const side of SIDES)
      await channel.consume(outQueue(side), (msg) => {
        if (!msg) return;
        arrived += 1;
        if (arrived === Math.round(count * 0.1) || arrived === Math.round(count * 0.9))
          marks.push({ at: performance.now(), cpu: processCpuMicros(pid) });
        if (arrived % 500 === 0 || arrived === count) channel.ack(msg, true);
        onArrival();
      });
    const publisher = await connection.createConfirmChannel();
    const results: Record<Side, number[]> = { hub: [], raw: [] };
    for (let round = 0; round < rounds; round++) {
      for (const side of SIDES) {
        for (let i = 0; i < count; i++) {
          const m = message(i);
          if (!publisher.publish(EXCHANGE, side, m.body, m.options) || i % 500 === 499)
            await publisher.waitForConfirms();
        }
        await publisher.waitForConfirms();
        arrived = 0;
        marks = [];
        pid = pids[side];
        const profiled = profile !== undefined && side === 'hub' && round === warm;
        if (profiled) {
          fs.writeFileSync(`${profile}.start`, '');
          await new Promise((r) => setTimeout(r, 300));
        }
        const all = new Promise<void>((resolve) => {
          onArrival = () => {
            if (arrived >= count) resolve();
          };
        });
        if (side === 'hub') await deploy(hub, false);
        else await ask(raw, 'start');
        await all;
        if (profiled) fs.writeFileSync(`${profile}.stop`, '');
        if (side === 'hub') await deploy(hub, true);
        else await ask(raw, 'stop');
        const [from, to] = marks;
        const n = Math.round(count * 0.9) - Math.round(count * 0.1);
        const micros = (to.cpu - from.cpu) / n;
        // the first rounds run while V8 still compiles the hot paths: shown, not counted
        if (round >= warm) results[side].push(micros);
        console.log(
          `round ${round + 1}${round < warm ? ' (warm-up)' : ''} ${side}: ${Math.round((n * 1000) / (to.at - from.at))} msg/s, CPU ${micros.toFixed(1)} µs/message`,
        );
      }
    }
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = sorted.length / 2;
      return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
    };
    console.log(
      `median CPU per message: hub ${median(results.hub).toFixed(1)} µs, raw amqplib ${median(results.raw).toFixed(1)} µs (load ${os.loadavg()[0].toFixed(2)})`,
    );
    if (profile) {
      for (let i = 0; i < 100 && !fs.existsSync(`${profile}.done`); i++)
        await new Promise((r) => setTimeout(r, 200));
      console.log(`profile of round ${warm + 1} (hub): ${profile}`);
    }
  } finally {
    await connection.close().catch(() => undefined);
    if (raw && raw.exitCode === null) {
      const exited = new Promise((resolve) => raw?.once('exit', resolve));
      raw.send('exit');
      await exited;
    }
    await hub?.stop();
    fs.rmSync(flowDir, { recursive: true, force: true });
    deleteVhost(vhost);
  }
}

if (process.argv[2] === '--worker')
  worker(process.argv[3]).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
