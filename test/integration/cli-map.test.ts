import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { parseIdocXml } from '../../formats/idoc/idoc';
import { parseSiebelContacts } from '../../formats/siebel/siebel';
import { buildOnce, cliFixtures, legacyFixtures, lines, root, runMap, summary } from './cli-map-run';

// A run may rebuild dist/ first when other sources changed meanwhile.
jest.setTimeout(180_000);

const spec = (name: string) => join(cliFixtures, name);
const dir = mkdtempSync(join(tmpdir(), 'crm-hub-cli-map-'));
const tmp = (name: string) => join(dir, name);
const json = (line: string) => JSON.parse(line) as Record<string, unknown>;

beforeAll(buildOnce, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crm-hub map (inbound)', () => {
  it('maps a Windows-1252 CSV export to canonical NDJSON and lists the rejects', async () => {
    const run = await runMap([
      '--spec',
      spec('accounts.spec.json'),
      '--rejects',
      tmp('accounts.rejects'),
      join(cliFixtures, 'accounts.csv'),
    ]);
    expect(run.code).toBe(1);
    const out = lines(run.stdout).map(json);
    expect(out.map((d) => d.accountRef)).toEqual([
      'core-banking:0012345678',
      'core-banking:0012345679',
      'core-banking:0012345682',
    ]);
    expect(out[0]).toMatchObject({ type: 'current', balance: { value: -1234.5, currency: 'EUR' } });
    expect(summary(run)).toBe(`mapped 3 records, rejected 2 (see ${tmp('accounts.rejects')})`);
    expect(lines(readFileSync(tmp('accounts.rejects'))).map(json)).toEqual([
      {
        ref: 'line 4',
        line: 4,
        field: '',
        rule: 'decode',
        message: 'line 4: expected 8 fields as in the header, got 5',
      },
      {
        ref: 'line 5',
        line: 5,
        field: 'type',
        sourceField: 'Art',
        rule: 'code',
        message: expect.stringContaining('"BAUS" is not a code'),
        record: 'line 5',
      },
    ]);
  });

  it('maps fixed-width lines with the layout named by the spec, to --out', async () => {
    const run = await runMap([
      '--spec',
      spec('transactions.spec.json'),
      '--out',
      tmp('tx.ndjson'),
      '--rejects',
      tmp('tx.rejects'),
      join(legacyFixtures, 'core-banking', 'transactions-with-errors.dat'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout.length).toBe(0);
    const out = lines(readFileSync(tmp('tx.ndjson'))).map(json);
    // line 2 lacks only blanks of its purpose: read, with the purpose left out
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({
      type: 'account-booking',
      account: { ref: 'core-banking:0012345678' },
      amount: { value: -1234.5, currency: 'EUR' },
      occurredAt: '2024-03-15T00:00:00.000Z',
    });
    const rejects = lines(readFileSync(tmp('tx.rejects'))).map(json);
    expect(rejects.map((r) => [r.ref, r.line, r.rule])).toEqual([['line 3', 3, 'decode']]);
    expect(rejects[0].message).toMatch(/^line 3: field amount: /);
  });

  it('maps NDJSON app events line by line', async () => {
    const run = await runMap([
      '--spec',
      spec('events.spec.json'),
      join(legacyFixtures, 'app-events', 'app-events.ndjson'),
    ]);
    expect(run.code).toBe(1);
    const out = lines(run.stdout).map(json);
    expect(out.map((e) => (e.source as { recordId: string }).recordId)).toEqual([
      '7f9c2b1e-0001',
      '7f9c2b1e-0002',
      '7f9c2b1e-0004',
    ]);
    expect(out[1]).toMatchObject({ channel: 'app', amount: { value: 12500.5, currency: 'EUR' } });
    expect(summary(run)).toBe('mapped 3 records, rejected 2 (pass --rejects <file> to list them)');
  });

  it('maps every IDoc of an IDoc-XML file, naming the IDoc of a reject', async () => {
    const run = await runMap([
      '--spec',
      spec('debmas.spec.json'),
      '--rejects',
      tmp('idoc.rejects'),
      join(legacyFixtures, 'sap', 'debmas07-two-idocs.xml'),
    ]);
    expect(run.code).toBe(1);
    expect(lines(run.stdout).map(json)).toEqual([
      expect.objectContaining({
        customerRef: 'sap:4712',
        organization: { legalName: 'Österreichische Bäckerei Gruber KG' },
      }),
    ]);
    expect(lines(readFileSync(tmp('idoc.rejects'))).map(json)).toEqual([
      expect.objectContaining({
        ref: 'IDOC[1] DOCNUM 0000000004815402',
        field: 'addresses[0].city',
        sourceField: 'E1KNA1M.ORT01',
        rule: 'required',
      }),
    ]);
  });

  it('maps Siebel contacts and exits 0 when all are mapped', async () => {
    const run = await runMap([
      '--spec',
      spec('contacts.spec.json'),
      join(legacyFixtures, 'siebel', 'contact-query-response.xml'),
    ]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout).map(json);
    expect(out.map((c) => c.customerRef)).toEqual(['siebel:1-4RT7QK', 'siebel:1-4RT9ZA']);
    expect(out[0]).toMatchObject({ addresses: [{ city: 'Berlin', country: 'DE' }, { city: 'Binz' }] });
    expect(summary(run)).toBe('mapped 2 records, rejected 0');
  });

  it('reads stdin for -, and prints nothing but the summary on a non-TTY stderr', async () => {
    const run = await runMap(
      ['--spec', spec('events.spec.json'), '-'],
      '{"eventId":"e-1","type":"login","channel":"web","customerRef":"crm:1","occurredAt":"2024-03-15T10:00:00Z"}\n',
    );
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    expect(lines(run.stderr).filter((l) => !l.startsWith('CRM Hub: ') && l !== 'built dist/')).toEqual([
      'mapped 1 records, rejected 0',
    ]);
  });
});

describe('crm-hub map --reverse', () => {
  const canonical = async (specName: string, input: string, name: string): Promise<string> => {
    const run = await runMap(['--spec', spec(specName), '--out', tmp(name), input]);
    expect(run.code === 0 || run.code === 1).toBe(true);
    return tmp(name);
  };

  it('writes CSV in the spec charset with the columns of the outbound rules', async () => {
    const input = await canonical('accounts.spec.json', join(cliFixtures, 'accounts.csv'), 'acc.ndjson');
    const run = await runMap(['--spec', spec('accounts.spec.json'), '--reverse', input]);
    expect(run.code).toBe(0);
    expect(iconv.decode(run.stdout, 'windows-1252')).toBe(
      [
        'Kontonummer;Kunde;Art;Waehrung;Saldo;Status;Eroeffnet;Stand',
        '0012345678;4711;GIRO;EUR;-1.234,50;A;01.02.2010;15.03.2024',
        '0012345679;4711;SPAR;EUR;10.000,00;A;;15.03.2024',
        '0012345682;4713;KRED;EUR;-250.000,00;G;30.06.2021;15.03.2024',
        '',
      ].join('\r\n'),
    );
  });

  it('writes fixed-width lines that read back to the same values', async () => {
    const input = await canonical(
      'transactions.spec.json',
      join(legacyFixtures, 'core-banking', 'transactions.dat'),
      'tx-all.ndjson',
    );
    const run = await runMap([
      '--spec',
      spec('transactions.spec.json'),
      '--reverse',
      '--out',
      tmp('tx.dat'),
      input,
    ]);
    expect(run.code).toBe(0);
    const written = readFileSync(tmp('tx.dat'), 'latin1').split('\r\n');
    const original = readFileSync(join(legacyFixtures, 'core-banking', 'transactions.dat'), 'latin1').split(
      '\r\n',
    );
    expect(written).toHaveLength(original.length);
    // account, booking date and amount with its sign survive the round trip; the rest is not mapped.
    // A negative zero (…0}) comes back as a zero (…0{), as the fixed-width codec documents.
    for (const [index, line] of written.slice(0, -1).entries()) {
      expect(line).toHaveLength(90);
      expect([line.slice(0, 20), line.slice(28, 44)]).toEqual([
        original[index].slice(0, 20),
        original[index].slice(28, 44).replace(/^0{12}\}/, '000000000000{'),
      ]);
    }
  });

  it('writes one IDoc-XML file holding every IDoc', async () => {
    const input = tmp('customers.ndjson');
    const customer = (id: string, name: string) => ({
      schemaVersion: '1.0',
      customerRef: `sap:${id}`,
      kind: 'organization',
      organization: { legalName: name },
      addresses: [{ type: 'postal', city: 'Wien', country: 'AT' }],
      identifiers: [{ system: 'sap', id }],
      updatedAt: '2024-04-02T09:12:00Z',
      source: { system: 'sap' },
    });
    writeFileSync(
      input,
      [customer('4712', 'Gruber & Söhne KG'), { kind: 'robot' }, customer('4713', 'Alt OHG')]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    const run = await runMap([
      '--spec',
      spec('debmas.spec.json'),
      '--reverse',
      '--rejects',
      tmp('rev.rejects'),
      input,
    ]);
    expect(run.code).toBe(1);
    const docs = parseIdocXml(run.stdout);
    expect(docs.map((d) => [d.idocType, d.segments.E1KNA1M[0].KUNNR, d.segments.E1KNA1M[0].NAME1])).toEqual([
      ['DEBMAS07', '0000004712', 'Gruber & Söhne KG'],
      ['DEBMAS07', '0000004713', 'Alt OHG'],
    ]);
    expect(lines(readFileSync(tmp('rev.rejects'))).map(json)).toEqual([
      expect.objectContaining({
        ref: 'line 2',
        line: 2,
        message: expect.stringMatching(/^canonical customer input/),
      }),
    ]);
  });

  it('writes a Siebel ListOfContact document', async () => {
    const input = await canonical(
      'contacts.spec.json',
      join(legacyFixtures, 'siebel', 'contact-query-response.xml'),
      'contacts.ndjson',
    );
    const run = await runMap(['--spec', spec('contacts.spec.json'), '--reverse', input]);
    expect(run.code).toBe(0);
    const contacts = parseSiebelContacts(run.stdout, { names: 'raw' });
    expect(contacts.map((c) => [c.Id, c.Last_spcName])).toEqual([
      ['1-4RT7QK', 'Schäfer'],
      ['1-4RT9ZA', "O'Neill"],
    ]);
    expect(contacts[0].Personal_spcAddress).toEqual([
      expect.objectContaining({ Street_spcAddress: 'Unter den Linden 21', Country: 'Germany' }),
      expect.objectContaining({ City: 'Binz' }),
    ]);
  });

  it('writes NDJSON for an NDJSON system', async () => {
    const input = await canonical(
      'events.spec.json',
      join(legacyFixtures, 'app-events', 'app-events.ndjson'),
      'events.ndjson',
    );
    const run = await runMap(['--spec', spec('events.spec.json'), '--reverse', input]);
    expect(run.code).toBe(0);
    expect(lines(run.stdout).map(json)).toEqual([
      expect.objectContaining({ type: 'page-view', customerRef: 'crm:4711' }),
      expect.objectContaining({ type: 'withdrawal', channel: 'app' }),
      expect.objectContaining({ type: 'logout', customerRef: 'crm:4712' }),
    ]);
  });
});

describe('crm-hub map: usage and spec errors exit 2', () => {
  const input = join(cliFixtures, 'accounts.csv');
  it.each([
    [['--spec', spec('accounts.spec.json'), '--colour', input], /Unknown option '--colour'/],
    [[input], /name the mapping: --system <id> or --spec <file>/],
    [
      ['--system', 'crm', '--spec', spec('accounts.spec.json'), input],
      /--system and --spec exclude each other/,
    ],
    [['--spec', spec('accounts.spec.json')], /no input file given/],
    [['--spec', spec('accounts.spec.json'), input, input], /one input file expected, got 2/],
    [
      ['--system', 'no-such-system', input],
      /--system no-such-system: no shipped mapping spec for system "no-such-system"/,
    ],
    [
      ['--spec', join(cliFixtures, 'missing.json'), input],
      /--spec .*missing\.json: cannot be read \(ENOENT\)/,
    ],
    [['--spec', input, input], /--spec .*accounts\.csv: not valid JSON/],
    [
      ['--spec', spec('accounts.spec.json'), '--record', 'NOPE', input],
      /mapping core-banking\/NOPE: no such record kind \(known: ACCOUNT\)/,
    ],
    [
      ['--spec', spec('accounts.spec.json'), join(cliFixtures, 'nothing.csv')],
      /input file .*nothing\.csv: cannot be read \(ENOENT\)/,
    ],
    [
      ['--spec', spec('accounts.spec.json'), '--out', join(cliFixtures, 'no', 'dir', 'x'), input],
      /--out .*x: cannot be written \(ENOENT\)/,
    ],
    [['--system', 'crm', input], /a SOAP system has no file format to read or write/],
  ])('%j', async (args, message) => {
    const run = await runMap(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^crm-hub map: /m);
    expect(run.stderr).toMatch(message);
    expect(run.stdout.length).toBe(0);
  });

  it('prints the usage for --help and exits 0', async () => {
    const run = await runMap(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toMatch(/^usage: crm-hub map \(--system <id> \| --spec <file>\)/);
  });
});

// The shipped system specs (mappings/systems/) come with their own sample files; each format gets one
// smoke run with --system, and --reverse where the spec has an outbound direction. The list is written
// out, so a spec or sample that goes missing fails its test instead of dropping it.
describe('crm-hub map --system (shipped specs)', () => {
  const shipped: [string, string][] = [
    ['sap', join(legacyFixtures, 'sap', 'debmas07-create.xml')],
    ['siebel', join(legacyFixtures, 'siebel', 'contact-query-response.xml')],
    ['core-banking-accounts', join(legacyFixtures, 'core-banking', 'konten-2024-03-31.csv')],
    ['core-banking-transactions', join(legacyFixtures, 'core-banking', 'umsaetze-2024-04.dat')],
    ['app-events', join(legacyFixtures, 'app-events', 'web-app-events.ndjson')],
    ['salesforce', join(legacyFixtures, 'salesforce', 'contacts-query.json')],
  ];
  const specFile = (system: string) => join(root, 'mappings', 'systems', `${system}.json`);

  it('covers every shipped spec with a file format (SOAP systems have none to map)', () => {
    const withFiles = readdirSync(join(root, 'mappings', 'systems'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => json(readFileSync(join(root, 'mappings', 'systems', f), 'utf8')))
      .filter((spec) => (spec.format as { kind?: string } | undefined)?.kind !== 'soap')
      .map((spec) => spec.system)
      .sort();
    expect(withFiles).toEqual(shipped.map(([system]) => system).sort());
  });

  it.each(shipped)(
    '%s maps its sample file, and back where it has an outbound direction',
    async (system, file) => {
      for (const needed of [specFile(system), file]) {
        if (!existsSync(needed)) throw new Error(`${system}: ${needed} is missing`);
      }
      const run = await runMap(['--system', system, '--out', tmp(`${system}.ndjson`), file]);
      expect(summary(run)).toMatch(/^mapped [1-9]\d* records, rejected 0$/);
      expect(run.code).toBe(0);
      const mapped = lines(readFileSync(tmp(`${system}.ndjson`))).map(json);
      expect(mapped.every((doc) => doc.schemaVersion === '1.0')).toBe(true);
      const shippedSpec = json(readFileSync(specFile(system), 'utf8'));
      if (!shippedSpec.outbound) return;
      const back = await runMap(['--system', system, '--reverse', tmp(`${system}.ndjson`)]);
      expect(summary(back)).toBe(`mapped ${mapped.length} records, rejected 0`);
      expect(back.code).toBe(0);
      expect(back.stdout.length).toBeGreaterThan(0);
    },
  );
});
