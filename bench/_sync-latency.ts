/**
 * Not a benchmark (no anchor, no RESULT line): a driver for studying the latency the record sync adds
 * below capacity, where queueing explains little. It seeds the customers as the sync benchmark does
 * (bench/_sync-rig.ts), then offers SAP DEBMAS07 changes at paced rates, one round per rate, and prints
 * per round p50/p99/max of crm.inbound publish → target consumer, split into stages by two taps of its
 * own (classic queues, so they see a message as soon as the exchange routed it):
 *
 * - routed: publish → the tap on crm.inbound (the client and the broker's routing, no Raft);
 * - golden: publish → the change on crm.golden (hub.inbound's Raft commit, decode, map, the golden
 *   record's store write, the outbox relay's publish);
 * - out: crm.golden → the update in crm.out.<target> reaches its consumer (sync-out's Raft commit,
 *   sync-target, from-canonical, amqp-out, crm.out's Raft commit).
 *
 * Each record carries a traceparent whose trace id names it; the hub continues the trace on every hop,
 * so each golden change and each update is matched to its record by its trace id.
 *
 *   npm run build && node dist/bench/_sync-latency.js [--rates 50,200] [--seconds 3] [--repeat 1]
 */
import { parseArgs } from 'node:util';
import type { ConsumeMessage } from 'amqplib';
import {
  consumeTarget,
  makeCustomers,
  sapDebmas,
  seedCustomers,
  startRig,
  TARGETS,
  TargetLedger,
  waitUntil,
} from './_sync-rig';
import { percentile as percentileOf } from './_measure';

const traceIdOf = (msg: ConsumeMessage): string | undefined => {
  const value = (msg.properties.headers as Record<string, unknown> | undefined)?.traceparent;
  return typeof value === 'string' ? value.split('-')[1] : undefined;
};

// the sync benchmark's own percentile, so both drivers' p99 mean the same; none of nothing
const percentile = (values: number[], p: number): number =>
  values.length === 0 ? NaN : percentileOf(values, p);

const fmt = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(1)} p90 ${percentile(values, 90).toFixed(1)} p99 ${percentile(values, 99).toFixed(1)} max ${Math.max(...values).toFixed(1)}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '50,200' },
      seconds: { type: 'string', default: '3' },
      repeat: { type: 'string', default: '1' },
    },
  });
  const rates = values.rates.split(',').map(Number);
  const seconds = Number(values.seconds);
  const repeat = Number(values.repeat);
  const count = Math.max(...rates) * seconds;
  const rig = await startRig('latency');
  try {
    const customers = makeCustomers(rig.vhost.slice(-8), count);
    await seedCustomers(rig, customers);
    const connection = await rig.amqp();
    const taps = await connection.createChannel();
    const seen = { routed: new Map<string, number>(), golden: new Map<string, number>() };
    for (const [exchange, stage] of [
      ['crm.inbound', 'routed'],
      ['crm.golden', 'golden'],
    ] as const) {
      const { queue } = await taps.assertQueue('', { exclusive: true, durable: false });
      await taps.bindQueue(queue, exchange, '#');
      await taps.consume(
        queue,
        (msg) => {
          if (!msg) return;
          const at = performance.now();
          // a golden change drained without its cause carries a trace of its own: found by its SAP number
          const ids = [
            traceIdOf(msg),
            ...[...msg.content.toString('utf8').matchAll(/"0*(\d{9})"/g)].map((m) => m[1]),
          ];
          for (const id of ids) if (id && !seen[stage].has(id)) seen[stage].set(id, at);
        },
        { noAck: true },
      );
    }
    const publisher = await rig.publisher();
    let version = 2;
    let run = 0;
    for (let r = 0; r < repeat; r++) {
      for (const rate of rates) {
        const ledgers = TARGETS.map((t) => new TargetLedger(t));
        const traced = new Map<string, boolean>();
        const arrivedCount = () => ledgers.reduce((n, l) => n + l.arrivals.size, 0);
        const channels = await Promise.all(
          ledgers.map((l) =>
            consumeTarget(connection, l, (msg) => {
              const id = traceIdOf(msg);
              if (id) traced.set(`${l.target}:${id}`, true);
              return true;
            }),
          ),
        );
        const batch = customers.slice(0, rate * seconds);
        const sentAt = new Map<string, number>();
        const ids = batch.map((_, i) => `${String(run).padStart(8, '0')}${String(i).padStart(24, '0')}`);
        run += 1;
        const start = performance.now();
        let i = 0;
        while (i < batch.length) {
          const due = Math.min(batch.length, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
          for (; i < due; i++) {
            sentAt.set(ids[i], performance.now());
            publisher.publish('crm.inbound', 'sap.DEBMAS', sapDebmas(batch[i], version), {
              persistent: true,
              contentType: 'application/xml',
              headers: { traceparent: `00-${ids[i]}-${'1'.repeat(16)}-01` },
            });
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await publisher.waitForConfirms();
        const want = batch.length * TARGETS.length;
        const done = await waitUntil(rig, () => arrivedCount() >= want, arrivedCount, { quietMs: 20_000 });
        if (!done) console.log(`  incomplete: ${arrivedCount()} of ${want}`);
        const total: number[] = [];
        const routed: number[] = [];
        const golden: number[] = [];
        const out: number[] = [];
        batch.forEach((c, n) => {
          const id = ids[n];
          const t0 = sentAt.get(id) as number;
          const tr = seen.routed.get(id);
          const tg = seen.golden.get(id) ?? seen.golden.get(c.sap);
          seen.golden.delete(c.sap);
          if (tr !== undefined) routed.push(tr - t0);
          if (tg !== undefined) golden.push(tg - t0);
          for (const l of ledgers) {
            const ta = l.arrivals.get(`${l.target === 'siebel' ? c.siebel : c.salesforce}@${version}`);
            if (ta === undefined) continue;
            total.push(ta - t0);
            if (tg !== undefined) out.push(ta - tg);
          }
        });
        const untraced = want - [...traced.keys()].length;
        console.log(
          `${rate} records/s × ${seconds} s (${total.length} updates, ${untraced} without the record's trace)`,
        );
        console.log(`  total  ${fmt(total)}`);
        console.log(`  routed ${fmt(routed)}`);
        console.log(`  golden ${fmt(golden)}`);
        console.log(`  out    ${fmt(out)}`);
        for (const c of channels) await c.close().catch(() => undefined);
        version += 1;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  } finally {
    await rig.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
