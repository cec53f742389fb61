/**
 * Not a benchmark of this project's own (no anchor, no RESULT line, and the data is not shipped): the
 * linkage quality on the RecordLinkage package's public test sets RLdata500 and RLdata10000, given as
 * the two files R's write.csv makes of them (the data set and its identity vector).
 *
 *   npm run build && node dist/bench/_rldata-linkage.js RLdata10000.csv identity.RLdata10000.csv
 *
 * Each row is a record of its own source (`rl:<row>`) with its first given and family name and the
 * birth date written as YYYY-MM-DD from its three numbers, as they are: some are no calendar day.
 * Prints precision, recall and F1 over record pairs (bench/_linkage-quality.ts) and the review band.
 */
import fs from 'node:fs';
import { DEFAULT_MATCH_CONFIG, linkRecords, normalizeRecord, type MatchInput } from '../records/matching';
import { formatBound, labelledPairs, patternBound } from './_pattern-bound';
import { formatQuality, linkageQuality } from './_linkage-quality';

/** The rows of a write.csv file as records of their header's fields; R's NA is no value. */
function readCsv(file: string): Record<string, string | undefined>[] {
  const [header, ...rows] = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(',').map((cell) => cell.replace(/^"(.*)"$/, '$1')));
  return rows.map((cells) =>
    Object.fromEntries(header.map((name, i) => [name, cells[i] === 'NA' ? undefined : cells[i]])),
  );
}

function main(): void {
  const [dataFile, identityFile] = process.argv.slice(2);
  if (!dataFile || !identityFile) {
    console.error('usage: node dist/bench/_rldata-linkage.js <RLdata.csv> <identity.RLdata.csv>');
    process.exit(2);
  }
  const rows = readCsv(dataFile);
  const identity = readCsv(identityFile).map((row) => Number(row.x));
  if (identity.length !== rows.length || identity.some((id) => !Number.isInteger(id)))
    throw new Error(`${identityFile}: expected ${rows.length} whole numbers in column x`);
  const pad = (n: string | undefined) => (n ?? '').padStart(2, '0');
  const inputs: MatchInput[] = rows.map((row, i) => ({
    ref: `rl:${i + 1}`,
    givenName: row.fname_c1,
    familyName: row.lname_c1,
    birthDate: row.by && row.bm && row.bd ? `${row.by}-${pad(row.bm)}-${pad(row.bd)}` : undefined,
  }));
  const records = inputs.map((input) => normalizeRecord(input));
  const result = linkRecords(records);
  const personOf = new Map(inputs.map((input, i) => [input.ref, identity[i]]));
  console.log(`${dataFile}: ${inputs.length} records`);
  const quality = linkageQuality(result.clusters, personOf);
  console.log(formatQuality('ours', quality));
  console.log(`ours: ${result.reviews.length} pairs in the review band`);
  const bound = patternBound(
    labelledPairs(records, identity, DEFAULT_MATCH_CONFIG),
    quality.truePairs,
    [0.93, 0.95],
    DEFAULT_MATCH_CONFIG.linkThreshold,
  );
  for (const line of formatBound(bound)) console.log(line);
}

main();
