/**
 * Part of the sync benchmark (run by bench/sync.ts in a process of its own, so its CPU is its own):
 * what the golden intake alone costs per record, in process, without RabbitMQ, Node-RED, the legacy
 * decode or the mapping. The same customers as the sync rig (bench/_sync-rig.ts), known to the CRM,
 * Siebel and Salesforce, then one SAP version per customer and round, taken as the golden-record node
 * takes them (applyWithGoldenRecord on the embedded store: matching, survivorship with lineage, the
 * durable LMDB write with its outbox entry), 100 at a time as the flow's prefetch lets them in.
 *
 * It tells the sync benchmark's CPU budget which part of the hub's CPU per record no wiring can save.
 *
 *   npm run build && node dist/bench/_golden-intake-cpu.js [--customers 3000] [--rounds 3] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Customer } from '../mappings/canonical/types';
import { EmbeddedStore } from '../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../records/golden-intake';
import { canonicalCustomer, makeCustomers, PREFETCH } from './_sync-rig';
import { median } from './_measure';

/** `work` on every item, `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

export interface GoldenIntakeCpu {
  /** the process's CPU (all threads, LMDB's writer included) per record, µs, median round */
  cpuPerRecord: number;
  recordsPerSecond: number;
  rounds: number[];
}

export async function measureGoldenIntake(customerCount: number, rounds: number): Promise<GoldenIntakeCpu> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-bench-golden-intake-'));
  const store = new EmbeddedStore({ directory });
  try {
    await store.open();
    const intake = new GoldenIntake(store);
    const customers = makeCustomers('c0ffee', customerCount);
    const take = (doc: Customer) =>
      applyWithGoldenRecord(store, intake, doc).then((result) => {
        if (result.golden?.status !== 'applied')
          throw new Error(`${doc.customerRef} was not applied: ${JSON.stringify(result.golden)}`);
      });
    await inParallel(customers, PREFETCH, (c) =>
      take(canonicalCustomer('crm', c, 0, ['crm', 'sap', 'siebel', 'salesforce'])),
    );
    await inParallel(customers, PREFETCH, (c) => take(canonicalCustomer('siebel', c, 0, ['siebel'])));
    await inParallel(customers, PREFETCH, (c) => take(canonicalCustomer('salesforce', c, 0, ['salesforce'])));
    const perRecord: number[] = [];
    const perSecond: number[] = [];
    // round 0 warms up (SAP's records are new to the store then); the rounds after it are updates
    for (let version = 1; version <= rounds + 1; version++) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await inParallel(customers, PREFETCH, (c) => take(canonicalCustomer('sap', c, version, ['sap'])));
      const used = process.cpuUsage(cpu);
      if (version === 1) continue;
      perRecord.push((used.user + used.system) / customers.length);
      perSecond.push(customers.length / ((performance.now() - start) / 1000));
    }
    // every SAP record joined its customer: one golden record per customer, with SAP's newest address
    const probe = await store.getGoldenDocument(`sap:${customers[0].sap}`);
    const street = (probe?.document as Partial<Customer> | undefined)?.addresses?.[0]?.houseNumber;
    if (street !== String(rounds + 1))
      throw new Error(`the golden record of sap:${customers[0].sap} holds house number ${street}`);
    return { cpuPerRecord: median(perRecord), recordsPerSecond: median(perSecond), rounds: perRecord };
  } finally {
    await store.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '3000' },
      rounds: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const measured = await measureGoldenIntake(Number(values.customers), Number(values.rounds));
  if (values.json) console.log(JSON.stringify(measured));
  else
    console.log(
      `golden intake alone, in process: ${Math.round(measured.cpuPerRecord)} µs of CPU per record ` +
        `(rounds ${measured.rounds.map(Math.round).join(', ')}), ${Math.round(measured.recordsPerSecond)} records/s`,
    );
}

if (require.main === module)
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
