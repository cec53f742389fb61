/**
 * The sync benchmark's CPU budget: at the hop efficiency of the goal, how much CPU per record the
 * machine leaves the hub once the broker and the other ends of the path (SAP's publisher, the target
 * consumers) have theirs. Everything runs on one machine, so a hub that needs more than that cannot
 * reach the goal here, however it is wired.
 *
 * The others' costs are taken at the lower of two measures, which favours the hub: per record in the
 * hub's own rounds, and per broker message in the raw amqplib rounds times the messages a record
 * costs (the broker works more cheaply per message at the raw rate, where it batches more).
 */
import { execFileSync } from 'node:child_process';

export interface CpuShares {
  /** RabbitMQ's CPU, µs */
  broker: number;
  /** the benchmark process's CPU (the publisher and the consumers), µs */
  clients: number;
}

export interface CpuBudget {
  cores: number;
  goalRecordsPerSecond: number;
  /** per record at the goal's rate, the lower of the two measures, µs */
  broker: number;
  clients: number;
  /** what is left of the cores per record for the hub, µs */
  hub: number;
}

/** The RabbitMQ node's OS process on this machine, if there is one to read. */
export function brokerPid(): number | undefined {
  try {
    const pid = Number(execFileSync('pgrep', ['-x', 'beam.smp'], { encoding: 'utf8' }).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function cpuBudget(input: {
  cores: number;
  goalRecordsPerSecond: number;
  /** per record, in the hub's rounds */
  others: CpuShares;
  /** per message, in the raw rounds */
  rawOthers: CpuShares;
  /** broker messages per record on the hub's path */
  perRecord: number;
}): CpuBudget {
  const broker = Math.min(input.others.broker, input.rawOthers.broker * input.perRecord);
  const clients = Math.min(input.others.clients, input.rawOthers.clients * input.perRecord);
  const hub = (input.cores * 1e6) / input.goalRecordsPerSecond - broker - clients;
  return { cores: input.cores, goalRecordsPerSecond: input.goalRecordsPerSecond, broker, clients, hub };
}

/**
 * The cores the whole path takes at `rate` records/s (the latency goal's 1,000), each part at its CPU
 * per record in the hub's rounds: above the machine's cores, the rate is more than the machine does,
 * and a backlog (seconds of latency) is all a run can show.
 */
export function coresAt(rate: number, perRecord: CpuShares & { hub: number }): number {
  return (rate * (perRecord.broker + perRecord.clients + perRecord.hub)) / 1e6;
}

export function formatBudget(budget: CpuBudget, spent: { hub: number; goldenIntake: number }): string {
  const us = (n: number) =>
    Number.isFinite(n) ? `${Math.round(n)} µs` : 'unknown (no broker process to read)';
  return (
    `CPU budget at the goal: ${Math.round(budget.goalRecordsPerSecond)} records/s on ${budget.cores} cores; ` +
    `the broker needs ${us(budget.broker)} and SAP's publisher with the target consumers ${us(budget.clients)} ` +
    `per record, which leaves the hub ${us(budget.hub)} of CPU per record. The hub spends ${us(spent.hub)} ` +
    `(median round); the golden intake alone, in process (no broker, no Node-RED, no mapping), ${us(spent.goldenIntake)}`
  );
}
