/**
 * Not a benchmark: reads a V8 CPU profile (as bench/_sync-rounds.ts has the hub write one) and prints
 * where the busy time went, by function: its own time (self), and the time of everything it called
 * (inclusive, the project's functions only). Shares are of the busy time, idle left out.
 *
 *   node dist/bench/_profile-summary.js hub.cpuprofile [--top 40]
 */
import fs from 'node:fs';

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
}

export interface Share {
  name: string;
  /** of the busy samples, 0 to 1 */
  share: number;
}

export interface ProfileSummary {
  busySamples: number;
  self: Share[];
  /** the project's functions (compiled to dist/) with everything they called, each counted once per stack */
  inclusive: Share[];
}

/** the project's compiled code: under a dist/ folder, not a dependency's */
const isProject = (url: string): boolean => url.includes('/dist/') && !url.includes('node_modules/');

/** `name package/file:line` for a dependency, `name records/file.js:line` for the project's code. */
export function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const { url } = frame;
  const at = url.lastIndexOf('node_modules/');
  const file =
    at >= 0
      ? url.slice(at + 'node_modules/'.length)
      : isProject(url)
        ? url.slice(url.lastIndexOf('/dist/') + '/dist/'.length)
        : url;
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
}

export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const samplesOf = new Map<number, number>();
  for (const id of profile.samples) samplesOf.set(id, (samplesOf.get(id) ?? 0) + 1);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const [id, count] of samplesOf) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += count;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + count);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = (byId.get(at) as CpuProfile['nodes'][number]).callFrame;
      if (!isProject(frame.url)) continue;
      const outer = frameName(frame);
      if (seen.has(outer)) continue;
      seen.add(outer);
      inclusive.set(outer, (inclusive.get(outer) ?? 0) + count);
    }
  }
  const ranked = (counts: Map<string, number>): Share[] =>
    [...counts]
      .map(([name, n]) => ({ name, share: busy ? n / busy : 0 }))
      .sort((a, b) => b.share - a.share || (a.name < b.name ? -1 : 1));
  return { busySamples: busy, self: ranked(self), inclusive: ranked(inclusive) };
}

function main(): void {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/_profile-summary.js <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  const topAt = rest.indexOf('--top');
  const top = topAt >= 0 ? Number(rest[topAt + 1]) : 40;
  const summary = summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile);
  const print = (title: string, rows: Share[]) => {
    console.log(`\n${title}`);
    for (const row of rows.slice(0, top))
      console.log(`${(row.share * 100).toFixed(1).padStart(5)} %  ${row.name}`);
  };
  console.log(`${summary.busySamples} busy samples`);
  print('self time', summary.self);
  print("inclusive time, the project's functions", summary.inclusive);
}

if (require.main === module) main();
