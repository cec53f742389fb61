import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { runMapCommand } from '../../../../app/cli/map-command';

// In-process runs of `crm-hub map` (test/integration/cli-map.test.ts runs the built command).
const cli = join(__dirname, '..', '..', '..', 'fixtures', 'cli');
const dir = mkdtempSync(join(tmpdir(), 'crm-hub-map-command-'));
const tmp = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await runMapCommand(args, { stdin: Readable.from([]), stdout, stderr });
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
}

const rejects = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const customer = (id: string, givenName: string, familyName: string) => ({
  schemaVersion: '1.0',
  customerRef: `oldcrm:${id}`,
  kind: 'person',
  identifiers: [{ system: 'oldcrm', id }],
  person: { givenName, familyName },
  updatedAt: '2024-03-15T00:00:00Z',
  source: { system: 'oldcrm' },
});

describe('crm-hub map --reverse into a legacy charset', () => {
  const ndjson = tmp('tricky.ndjson');
  beforeAll(() =>
    writeFileSync(
      ndjson,
      [customer('1001', 'Łukasz', 'Dvořák €'), customer('1002', 'Jürgen', 'Weiß €')]
        .map((c) => JSON.stringify(c) + '\n')
        .join(''),
    ),
  );

  it.each([
    ['CSV', 'oldcrm.spec.json', 'Vorname'],
    ['fixed width', 'oldcrm-fixed.spec.json', 'vorname'],
  ])(
    '%s: rejects a record with a character windows-1252 lacks, naming field and character',
    async (_, specName, field) => {
      const file = tmp(`${specName}.rejects`);
      const result = await run(['--spec', join(cli, specName), '--reverse', '--rejects', file, ndjson]);
      expect(result.code).toBe(1);
      const text = iconv.decode(result.stdout, 'windows-1252');
      expect(text).not.toContain('?');
      expect(text).toContain('Jürgen');
      expect(text).toContain('Weiß €');
      expect(text).not.toContain('1001');
      expect(rejects(file)).toEqual([
        {
          ref: 'line 1',
          line: 1,
          field,
          rule: 'encode',
          message: `field ${field}: "Ł" (U+0141) cannot be written in windows-1252`,
          record: 'line 1',
        },
      ]);
    },
  );
});

describe('crm-hub map: decode refusals', () => {
  it('names the source field the decoder refused in the reject', async () => {
    const input = tmp('kunden.dat');
    const line = (gebdat: string) => '1001'.padEnd(8) + 'Anna'.padEnd(30) + 'Schmidt'.padEnd(34) + gebdat;
    writeFileSync(input, iconv.encode([line('01022000'), line('31022000')].join('\r\n') + '\r\n', 'latin1'));
    const file = tmp('kunden.rejects');
    const result = await run(['--spec', join(cli, 'oldcrm-fixed.spec.json'), '--rejects', file, input]);
    expect(result.stderr).toBe('mapped 1 records, rejected 1 (see ' + file + ')\n');
    expect(result.code).toBe(1);
    expect(rejects(file)).toEqual([
      {
        ref: 'line 2',
        line: 2,
        field: 'gebdat',
        rule: 'decode',
        message: 'line 2: field gebdat: "31022000" is not a calendar date (DDMMYYYY) at offset 72',
      },
    ]);
  });
});

describe('crm-hub map: a file that cannot be read at all exits 2', () => {
  it('a CSV header with a column named twice', async () => {
    const input = tmp('twice.csv');
    writeFileSync(input, 'KdNr;Vorname;Nachname;Vorname;Stand\r\n1;Anna;Schmidt;A;15.03.2024\r\n');
    const file = tmp('twice.rejects');
    const result = await run(['--spec', join(cli, 'oldcrm.spec.json'), '--rejects', file, input]);
    expect(result.stderr).toBe(
      `crm-hub map: input file ${input}: line 1: header column "Vorname" occurs twice\n`,
    );
    expect(result.code).toBe(2);
    expect(result.stdout.length).toBe(0);
  });

  it('a JSON document over the 64 MiB limit', async () => {
    const input = tmp('huge.json');
    const fd = openSync(input, 'w');
    const block = Buffer.alloc(1024 * 1024, ' ');
    for (let i = 0; i < 65; i += 1) writeSync(fd, block);
    closeSync(fd);
    const result = await run(['--system', 'salesforce', input]);
    expect(result.stderr).toMatch(
      /^crm-hub map: input file .*huge\.json: the json document is larger than 67108864 bytes/,
    );
    expect(result.code).toBe(2);
    rmSync(input);
  });

  it('an Excel header with empty cells is read, and the columns without a name are left out', async () => {
    const input = tmp('excel.csv');
    writeFileSync(
      input,
      'KdNr;Vorname;Nachname;GebDat;Stand;Bemerkung;;\r\n1;Anna;Schmidt;;15.03.2024;;;\r\n',
    );
    const result = await run(['--spec', join(cli, 'oldcrm.spec.json'), input]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.toString('utf8'))).toMatchObject({ customerRef: 'oldcrm:1' });
  });
});
