/**
 * Not a benchmark (no anchor, no RESULT line): a driver for studying the hub's cost on the record sync,
 * the way the sync benchmark's rounds run it (bench/_sync-rig.ts: the real hub process, RabbitMQ in a
 * virtual host of its own, the embedded store). It seeds the customers, sends warm-up rounds, then
 * measured rounds of one DEBMAS07 per customer, each round waiting until both targets hold every
 * customer's new version, and prints per round the records/s and the hub's CPU per record (all its
 * threads). Two builds compared this way, in alternating runs, show what a change saves; one round's
 * spread on a noisy machine is about ±15 %, so compare many rounds.
 *
 * With --profile <file>, the hub writes a V8 CPU profile of the first measured round
 * (bench/_cpu-profile-preload.js); bench/_profile-summary.ts reads it.
 *
 *   npm run build && node dist/bench/_sync-rounds.js [--customers 3000] [--warm 1] [--rounds 3] [--profile hub.cpuprofile]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
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
} from './_sync-rig';
import { processCpuMicros } from './_process-cpu';
import { ROOT } from '../test/e2e/hub-process';

const PRELOAD = path.join(ROOT, 'bench', '_cpu-profile-preload.js');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '3000' },
      warm: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '3' },
      profile: { type: 'string' },
    },
  });
  const count = Number(values.customers);
  const warm = Number(values.warm);
  const rounds = Number(values.rounds);
  const profile = values.profile ? path.resolve(values.profile) : undefined;
  if (profile) for (const end of ['', '.start', '.stop', '.done']) fs.rmSync(profile + end, { force: true });

  const rig = await startRig(
    'rounds',
    profile
      ? {
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PRELOAD}`.trim(),
          CRM_HUB_CPU_PROFILE: profile,
        }
      : {},
  );
  try {
    const customers = makeCustomers(rig.vhost.slice(-8), count);
    await seedCustomers(rig, customers);
    const ledgers = TARGETS.map((target) => new TargetLedger(target));
    const connection = await rig.amqp();
    for (const ledger of ledgers) await consumeTarget(connection, ledger);
    const ids = { siebel: customers.map((c) => c.siebel), salesforce: customers.map((c) => c.salesforce) };
    const publisher = await rig.publisher();
    for (let round = 0; round < warm + rounds; round++) {
      const version = round + 2;
      const profiled = profile !== undefined && round === warm;
      if (profiled) {
        fs.writeFileSync(`${profile}.start`, '');
        // the preload looks every 100 ms
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const pid = rig.hub.process.pid;
      const cpuBefore = processCpuMicros(pid);
      const started = Date.now();
      await publishAll(
        publisher,
        customers.map((c) => ({
          exchange: 'crm.inbound',
          routingKey: 'sap.DEBMAS',
          body: sapDebmas(c, version),
          contentType: 'application/xml',
        })),
        500,
      );
      const held = () => ledgers.reduce((n, l) => n + l.holding(ids[l.target], version), 0);
      const done = await waitUntil(rig, () => held() === 2 * count, held);
      if (!done) throw new Error(`round ${round + 1}: only ${held()} of ${2 * count} updates arrived`);
      const seconds = (Date.now() - started) / 1000;
      const cpu = processCpuMicros(pid) - cpuBefore;
      if (profiled) fs.writeFileSync(`${profile}.stop`, '');
      console.log(
        `round ${round + 1}${round < warm ? ' (warm-up)' : ''}: ${Math.round(count / seconds)} records/s, hub CPU ${Math.round(cpu / count)} µs per record`,
      );
    }
    if (profile) {
      for (let i = 0; i < 100 && !fs.existsSync(`${profile}.done`); i++)
        await new Promise((resolve) => setTimeout(resolve, 200));
      console.log(
        `profile of round ${warm + 1}: ${profile} (node dist/bench/_profile-summary.js ${profile})`,
      );
    }
  } finally {
    await rig.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
