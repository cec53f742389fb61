/**
 * The scale part of bench/matching.ts: records/s and RSS of the golden record's matching when the
 * hub holds 1,000,000 golden records. It runs in a process of its own (nothing else allocated), as
 * the golden intake (records/golden-intake.ts) takes records: one at a time, each normalised,
 * matched against every record held through the blocking index (MatchIndex.add), and joined into the
 * golden record of its strongest link unless matching contradicted a member of it, else founding one.
 * The index's own numbers of the refs stand for the intake's lookups of indexed refs.
 *
 * The generated population is made first and let go record by record as the index takes it, so the
 * RSS at the end is the index's, the refs' and the code's. The store (LMDB or PostgreSQL) is not part
 * of it: it lives on disk or in another process.
 */
import { byStrength } from '../records/matching/clusters';
import { MatchIndex, normalizeRecord, type MatchDecision, type MatchInput } from '../records/matching';
import { BENCH_NORMALIZE } from './_matching-sides';
import { generatePopulation } from './_population';

export interface ScaleReport {
  people: number;
  records: number;
  /** golden records matching made: records that founded one */
  goldenRecords: number;
  seconds: number;
  recordsPerSecond: number;
  /** candidate pairs decided per record */
  comparedPerRecord: number;
  /** blocks that reached the match config's maxBlockSize */
  fullBlocks: number;
  /** after a full collection, with the population still held and nothing indexed */
  baselineRssMiB: number;
  /** after a full collection, with every record indexed and the population let go */
  rssMiB: number;
  /** the JavaScript heap in use then: what is held, without pages the collector kept */
  heapUsedMiB: number;
  text: string;
}

const MiB = 2 ** 20;
const PROGRESS_EVERY = 100_000;

function collected(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the scale part needs node --expose-gc');
  gc();
  gc();
  return process.memoryUsage();
}

/** Golden records as the intake makes them: a record joins its strongest link's, or founds its own. */
class GoldenIds {
  private readonly parent: number[] = [];
  founded = 0;

  root(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r];
    while (this.parent[i] !== r) [this.parent[i], i] = [r, this.parent[i]];
    return r;
  }

  take(i: number, into: number | undefined): void {
    this.parent[i] = into === undefined ? i : this.root(into);
    if (into === undefined) this.founded++;
  }
}

export function scalePart(people: number, seed: number): ScaleReport {
  const population = generatePopulation({ people, seed });
  const peopleCount = population.people.length;
  const inputs: (MatchInput | undefined)[] = population.records.map((r) => r.input);
  (population as { people: unknown[]; records: unknown[] }).people = [];
  (population as { people: unknown[]; records: unknown[] }).records = [];
  const records = inputs.length;
  const baseline = collected().rss;

  const index = new MatchIndex();
  const golden = new GoldenIds();
  let compared = 0;
  const other = (d: MatchDecision, ref: string) => (d.a === ref ? d.b : d.a);
  const start = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    const record = normalizeRecord(inputs[i] as MatchInput, BENCH_NORMALIZE);
    inputs[i] = undefined;
    const added = index.add(record);
    compared += added.compared;
    const blocked = new Set<number>();
    for (const [a, b] of added.contradictions) {
      const partner = index.numberOf(a === record.ref ? b : a);
      if (partner !== undefined) blocked.add(golden.root(partner));
    }
    let into: number | undefined;
    for (const link of added.links.sort(byStrength)) {
      const partner = index.numberOf(other(link, record.ref));
      if (partner !== undefined && partner !== i && !blocked.has(golden.root(partner))) {
        into = partner;
        break;
      }
    }
    golden.take(i, into);
    // a run of many minutes says where it is (stderr: the parent reads the report from stdout)
    if ((i + 1) % PROGRESS_EVERY === 0) {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      process.stderr.write(
        `scale: ${i + 1} of ${records} records after ${elapsed.toFixed(0)} s, ` +
          `${(compared / (i + 1)).toFixed(2)} candidate pairs per record so far, ` +
          `heap ${Math.round(process.memoryUsage().heapUsed / MiB)} MiB\n`,
      );
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const { rss, heapUsed } = collected();
  if (index.size !== records) throw new Error(`the index holds ${index.size} of ${records} records`);

  const report = {
    people: peopleCount,
    records,
    goldenRecords: golden.founded,
    seconds,
    recordsPerSecond: records / seconds,
    comparedPerRecord: compared / records,
    fullBlocks: index.fullBlocks,
    baselineRssMiB: baseline / MiB,
    rssMiB: rss / MiB,
    heapUsedMiB: heapUsed / MiB,
  };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const text =
    `scale: ${fmt(report.goldenRecords)} golden records from ${fmt(records)} records of ` +
    `${fmt(peopleCount)} people, matched one at a time as the intake does: ${fmt(report.recordsPerSecond)} records/s ` +
    `(${seconds.toFixed(1)} s, ${report.comparedPerRecord.toFixed(2)} candidate pairs per record, ` +
    `${fmt(report.fullBlocks)} blocks full at ${fmt(index.config.maxBlockSize)}); ` +
    `RSS ${fmt(report.rssMiB)} MiB holding them (${fmt(report.baselineRssMiB)} MiB before, with the generated ` +
    `population held and nothing indexed), heap in use ${fmt(report.heapUsedMiB)} MiB, ` +
    `${fmt(heapUsed / report.goldenRecords)} bytes of heap per golden record`;
  return { ...report, text };
}
