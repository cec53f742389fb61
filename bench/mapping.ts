/**
 * `npm run bench -- mapping` (`-- mapping --check`: the checks only, no timing): the SAP DEBMAS
 * customer mapping (mappings/systems/sap.json) plus canonical validation, against the same mapping
 * written in JSONata plus the same ajv validation; and the whole path from XML bytes, our IDoc reader
 * + mapping + validation against xml2js + JSONata + ajv. A third mapping, written by hand over the
 * same transforms, is the ceiling any engine can reach against this anchor; its rate is printed, not
 * a RESULT line. The sides and the checks live in _mapping-sides.ts.
 *
 * Nothing is timed before every fixture record and file has been mapped by every side with identical
 * outcomes (the same documents, all valid; the same records rejected; the same deletions skipped):
 * the run exits 1 otherwise, and the timed loops call exactly the functions that were checked.
 */
import { median, result } from './_measure';
import {
  anchorRecord,
  anchorXml,
  checkRecordPath,
  checkXmlPath,
  customerRecords,
  handWrittenRecord,
  oursRecord,
  oursXml,
  sapFixtures,
} from './_mapping-sides';

async function main(): Promise<void> {
  const files = sapFixtures();
  const { samples, rejected } = await checkRecordPath(customerRecords(files));
  console.log(
    `check: ${samples.length + rejected} DEBMAS records, identical outcomes with ours, JSONata and by hand ` +
      `(${samples.length} mapped to valid customers, ${rejected} rejected by all)`,
  );
  const xml = await checkXmlPath(files);
  console.log(
    `check: ${files.length} IDoc files from bytes, identical outcomes with ours and xml2js + JSONata ` +
      `(valid customers: ${xml.mapped}, rejected by both: ${xml.rejected}, deletions skipped by both: ${xml.deletions})`,
  );
  if (process.argv.includes('--check')) return;

  // JSONata's evaluate is asynchronous; awaiting each call keeps both sides one record at a time.
  let i = 0;
  const mapped = (side: string, kind: string) => {
    if (kind !== 'mapped') throw new Error(`${side} did not map a record it mapped in the check`);
  };
  const oursOne = async () => mapped('ours', oursRecord(samples[i++ % samples.length]).kind);
  const anchorOne = async () => mapped('JSONata', (await anchorRecord(samples[i++ % samples.length])).kind);
  const [oursRate, anchorRate] = await alternate(oursOne, anchorOne);
  console.log(`ours: ${Math.round(oursRate)} records/s, JSONata + ajv: ${Math.round(anchorRate)} records/s`);
  const [handRate, anchorAgain] = await alternate(
    async () => mapped('hand-written', handWrittenRecord(samples[i++ % samples.length]).kind),
    anchorOne,
    3,
  );
  console.log(
    `ceiling: hand-written TypeScript over the same transforms + ajv: ${Math.round(handRate)} records/s ` +
      `against JSONata + ajv ${Math.round(anchorAgain)} records/s, ratio ${(handRate / anchorAgain).toFixed(2)}: ` +
      'what an engine that adds nothing to the shared work (transforms, ajv) would reach',
  );

  // Whole path from XML bytes, every fixture file (the rejected records and the deletion included).
  let j = 0;
  const [fullOursRate, fullAnchorRate] = await alternate(
    async () => void oursXml(files[j++ % files.length].xml),
    async () => void (await anchorXml(files[j++ % files.length].xml)),
  );
  console.log(
    `XML bytes → validated canonical: ours ${Math.round(fullOursRate)} files/s, xml2js + JSONata + ajv ${Math.round(fullAnchorRate)} files/s`,
  );
  console.log(result('mapping-xml-path-vs-xml2js-jsonata', fullOursRate, fullAnchorRate, 'files/s'));
  console.log(result('mapping-vs-jsonata', oursRate, anchorRate, 'records/s'));
}

/**
 * Both sides run one operation at a time through the same async loop (JSONata's evaluate returns a
 * promise), in alternating rounds after a warm-up; the median round of each counts.
 */
async function alternate(
  a: () => Promise<void>,
  b: () => Promise<void>,
  rounds = 7,
): Promise<[number, number]> {
  const round = async (op: () => Promise<void>, ms: number) => {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(ms) * 1_000_000n;
    let now = start;
    while (now < end) {
      await op();
      n++;
      now = process.hrtime.bigint();
    }
    return (n * 1e9) / Number(now - start);
  };
  await round(a, 300);
  await round(b, 300);
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ra.push(await round(a, 400));
    rb.push(await round(b, 400));
  }
  return [median(ra), median(rb)];
}

main().catch((err: unknown) => {
  console.error(err instanceof Error && err.name === 'SidesDiffer' ? err.message : err);
  process.exit(1);
});
