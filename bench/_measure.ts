/**
 * Shared measuring for the benchmarks: ours and the anchor run alternately in rounds in the same
 * process, so machine noise hits both alike; the median round counts. The server benchmarks (nbo,
 * soap) also share how an anchor process starts and how everything they started is stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Throughput {
  perSecond: number;
  rounds: number[];
}

export function throughput(fn: () => void, options: { rounds?: number; roundMs?: number } = {}): Throughput {
  const roundMs = options.roundMs ?? 400;
  const results: number[] = [];
  for (let r = 0; r < (options.rounds ?? 7); r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(roundMs) * 1_000_000n;
    let now = start;
    while (now < end) {
      for (let i = 0; i < 64; i++) fn();
      n += 64;
      now = process.hrtime.bigint();
    }
    results.push((n * 1e9) / Number(now - start));
  }
  return { perSecond: median(results), rounds: results };
}

/** Runs ours and the anchor round by round (ABAB...), warming both up first. */
export function compare(ours: () => void, anchor: () => void, rounds = 7): { ours: number; anchor: number } {
  throughput(ours, { rounds: 2, roundMs: 200 });
  throughput(anchor, { rounds: 2, roundMs: 200 });
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(throughput(ours, { rounds: 1 }).perSecond);
    b.push(throughput(anchor, { rounds: 1 }).perSecond);
  }
  return { ours: median(a), anchor: median(b) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function result(name: string, ours: number, anchor: number, unit: string): string {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(2));
  return `RESULT ${name} ours=${fmt(ours)} anchor=${fmt(anchor)} ratio=${(ours / anchor).toFixed(2)} unit=${unit}`;
}

/** The median of every measure over the rounds of one side, e.g. { p99, rps } of each round. */
export function medianRound<T extends { [K in keyof T]: number }>(rounds: readonly T[]): T {
  const keys = Object.keys(rounds[0] ?? {}) as (keyof T)[];
  return Object.fromEntries(keys.map((key) => [key, median(rounds.map((round) => round[key]))])) as T;
}

/**
 * An anchor server in a process of its own (as the hub is), ready once it writes its first line;
 * `stdin`, when given, is written to it and closed.
 */
export async function startAnchorProcess(
  name: string,
  args: readonly string[],
  stdin?: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'],
  });
  if (stdin !== undefined) child.stdin?.end(stdin);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return child;
}

/** Runs every stop in the order given; one that fails is logged and the others still run. */
export async function stopAll(stops: readonly (() => unknown)[]): Promise<void> {
  for (const stop of stops) {
    try {
      await stop();
    } catch (err) {
      console.error('cleanup:', err);
    }
  }
}
