/**
 * `npm run bench -- matching` (`-- matching --check`: quality only, no timing): record linkage on a
 * generated population (bench/_population.ts, fixed seed, truth known), ours against a plain
 * deterministic linker (same e-mail, or same name and birth date: _naive-linker.ts).
 *
 * Prints precision, recall and F1 over record pairs for both sides, the size of the review band,
 * blocking's pair completeness, records/s of both sides and the RSS after ours; the RESULT line
 * compares F1. Nothing is timed before both sides have linked the same inputs (same digest before
 * and after each side) and answered for every record; the run exits 1 otherwise.
 * MATCH_BENCH_PEOPLE sets the population size (default 50,000 people, about 110,000 records).
 *
 * Then the scale part (_matching-scale.ts), in a process of its own: records/s and RSS of matching
 * one record at a time, as the golden intake does, until the hub holds the golden records of
 * MATCH_BENCH_SCALE people (default 1,000,000, as the goal asks; about 2.2 million records, some
 * minutes and several GiB; 0 leaves the part out). `--check` leaves it out too. `--explain` lists the
 * missed true pairs and the wrong links by cause (_matching-explain.ts).
 */
import { execFileSync } from 'node:child_process';
import { candidatePairs, DEFAULT_MATCH_CONFIG, normalizeRecord } from '../records/matching';
import { explainLinkage } from './_matching-explain';
import { formatQuality, linkageQuality } from './_linkage-quality';
import {
  anchorLink,
  BENCH_NORMALIZE,
  checkCoversInputs,
  fingerprint,
  oursLink,
  SidesDiffer,
} from './_matching-sides';
import { median, result } from './_measure';
import { scalePart, type ScaleReport } from './_matching-scale';
import { generatePopulation } from './_population';

const SEED = 20250917;
/** people in the scale part; see above */
const DEFAULT_SCALE_PEOPLE = 1_000_000;

function timed<T>(fn: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const value = fn();
  return [value, Number(process.hrtime.bigint() - start) / 1e9];
}

function main(): void {
  if (process.env.MATCH_BENCH_PART === 'scale') {
    // The child: nothing else loaded or allocated, so its RSS is matching's.
    console.log(JSON.stringify(scalePart(Number(process.env.MATCH_BENCH_SCALE), SEED)));
    return;
  }
  const people = Number(process.env.MATCH_BENCH_PEOPLE ?? 50_000);
  const population = generatePopulation({ people, seed: SEED });
  const inputs = population.records.map((r) => r.input);
  const personOf = new Map(population.records.map((r) => [r.input.ref, r.personId]));
  console.log(`population: ${population.people.length} people, ${inputs.length} records (seed ${SEED})`);

  const digest = fingerprint(inputs);
  const [ours, oursSeconds] = timed(() => oursLink(inputs));
  if (fingerprint(inputs) !== digest) throw new SidesDiffer('ours changed its inputs');
  const rss = process.memoryUsage().rss;
  const [anchor, anchorSeconds] = timed(() => anchorLink(inputs));
  if (fingerprint(inputs) !== digest) throw new SidesDiffer('the anchor changed its inputs');
  checkCoversInputs('ours', inputs, ours.clusters);
  checkCoversInputs('anchor', inputs, anchor.clusters);
  console.log(
    `check: both sides linked the same ${inputs.length} records (sha256 ${digest.slice(0, 12)}) and answered for each`,
  );

  const oursQuality = linkageQuality(ours.clusters, personOf);
  const anchorQuality = linkageQuality(anchor.clusters, personOf);
  console.log(formatQuality('ours', oursQuality));
  console.log(formatQuality('naive MDM (same e-mail, or same name and birth date)', anchorQuality));
  console.log(
    `ours: ${ours.reviews} pairs in the review band, ${ours.compared} candidate pairs decided ` +
      `(${(ours.compared / inputs.length).toFixed(2)} per record)`,
  );
  const records = inputs.map((input) => normalizeRecord(input, BENCH_NORMALIZE));
  const candidates = candidatePairs(records);
  let covered = 0;
  for (const [a, b] of candidates)
    if (personOf.get(records[a].ref) === personOf.get(records[b].ref)) covered++;
  console.log(
    `blocking: ${candidates.length} candidate pairs, pair completeness ${(covered / oursQuality.truePairs).toFixed(4)} ` +
      `(${covered} of ${oursQuality.truePairs} true pairs)`,
  );
  if (process.argv.includes('--explain'))
    for (const line of explainLinkage(population, records, DEFAULT_MATCH_CONFIG).lines) console.log(line);
  if (process.argv.includes('--check')) return;

  // Whole runs, alternating, after the first run of each above; the median run counts.
  const oursRuns = [oursSeconds];
  const anchorRuns = [anchorSeconds];
  for (let round = 0; round < 2; round++) {
    oursRuns.push(timed(() => oursLink(inputs))[1]);
    anchorRuns.push(timed(() => anchorLink(inputs))[1]);
  }
  const oursRate = inputs.length / median(oursRuns);
  const anchorRate = inputs.length / median(anchorRuns);
  console.log(
    `ours: ${Math.round(oursRate)} records/s, naive MDM: ${Math.round(anchorRate)} records/s; ` +
      `RSS after ours: ${Math.round(rss / 2 ** 20)} MiB for ${inputs.length} records`,
  );

  // ---- scale: the golden records of MATCH_BENCH_SCALE people, in a process of its own ----
  const scalePeople = Number(process.env.MATCH_BENCH_SCALE ?? DEFAULT_SCALE_PEOPLE);
  if (scalePeople > 0) {
    const output = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', __filename], {
      env: { ...process.env, MATCH_BENCH_PART: 'scale', MATCH_BENCH_SCALE: String(scalePeople) },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    });
    const scale = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as ScaleReport;
    console.log(scale.text);
    if (scale.goldenRecords < 1_000_000) {
      console.log(
        `scale: fewer than the 1,000,000 golden records of the goal (MATCH_BENCH_SCALE=${DEFAULT_SCALE_PEOPLE} measures them)`,
      );
    }
  }
  console.log(result('matching-f1-vs-naive-mdm', oursQuality.f1, anchorQuality.f1, 'F1'));
}

try {
  main();
} catch (err) {
  console.error(err instanceof SidesDiffer ? err.message : err);
  process.exit(1);
}
