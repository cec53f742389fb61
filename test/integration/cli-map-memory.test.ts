import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildOnce, cliFixtures, lines, runMap, summary } from './cli-map-run';

const TARGET_BYTES = 100 * 1024 * 1024;
// Holding 1.7 million mapped accounts would take gigabytes; streaming needs the chunks in flight
// and the compiled mapping. The proof is the heap limit: a mapper that kept what it read would die
// of it long before the end. Without a limit V8 lets the heap grow while it is short of CPU (a run
// beside the rest of the suite peaked at 260 MiB where an idle one stays near 140 MiB), which says
// nothing about the mapper; with it, the RSS bound holds with room to spare.
const MAX_HEAP_MB = 128;
const MAX_RSS_BYTES = 250 * 1024 * 1024;
const REJECT_EVERY = 1000;

/** A core-banking account export of about TARGET_BYTES; every REJECT_EVERY-th row has an unknown account type. */
async function writeExport(file: string): Promise<number> {
  const out = createWriteStream(file);
  out.write('Kontonummer;Kunde;Art;Waehrung;Saldo;Status;Eroeffnet;Stand\r\n');
  let rows = 0;
  let bytes = 0;
  while (bytes < TARGET_BYTES) {
    const chunk: string[] = [];
    for (let i = 0; i < 1000; i += 1) {
      rows += 1;
      const type = rows % REJECT_EVERY === 0 ? 'BAUS' : rows % 2 === 0 ? 'GIRO' : 'SPAR';
      chunk.push(
        `${String(rows).padStart(10, '0')};${rows % 99991};${type};EUR;-1.${String(rows % 1000).padStart(3, '0')},50;A;01.02.2010;15.03.2024\r\n`,
      );
    }
    const text = chunk.join('');
    bytes += text.length;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line !== '') count += 1;
  }
  return count;
}

describe('crm-hub map memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-hub-map-memory-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(buildOnce, 300_000);

  it('maps a ~100 MB CSV in bounded memory, every record accounted for', async () => {
    const input = join(dir, 'accounts.csv');
    const rows = await writeExport(input);
    expect(statSync(input).size).toBeGreaterThanOrEqual(TARGET_BYTES);

    const run = await runMap(
      [
        '--spec',
        join(cliFixtures, 'accounts.spec.json'),
        '--out',
        join(dir, 'accounts.ndjson'),
        '--rejects',
        join(dir, 'rejects.ndjson'),
        '--stats',
        input,
      ],
      undefined,
      [`--max-old-space-size=${MAX_HEAP_MB}`],
    );

    const rejected = Math.floor(rows / REJECT_EVERY);
    expect(run.code).toBe(1);
    expect(summary(run)).toBe(
      `mapped ${rows - rejected} records, rejected ${rejected} (see ${join(dir, 'rejects.ndjson')})`,
    );
    const statsLine = lines(run.stderr).find((l) => l.startsWith('stats '));
    const stats = JSON.parse((statsLine ?? 'stats {}').slice('stats '.length)) as Record<string, number>;
    expect(stats).toMatchObject({ mapped: rows - rejected, rejected, bytesRead: statSync(input).size });
    expect(stats.maxRssBytes).toBeGreaterThan(0);
    expect(stats.maxRssBytes).toBeLessThan(MAX_RSS_BYTES);

    expect(await countLines(join(dir, 'accounts.ndjson'))).toBe(rows - rejected);
    const rejects = lines(readFileSync(join(dir, 'rejects.ndjson')));
    expect(rejects).toHaveLength(rejected);
    expect(JSON.parse(rejects[0])).toMatchObject({
      ref: `line ${REJECT_EVERY + 1}`,
      line: REJECT_EVERY + 1,
      field: 'type',
      rule: 'code',
    });
  }, 900_000);
});
