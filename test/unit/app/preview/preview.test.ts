import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SystemSpec } from '../../../../mappings/engine';
import {
  encoderOptionsFor,
  pickRecordKind,
  PREVIEW_LIMIT,
  previewMapping,
  sourceOptionsFor,
} from '../../../../app/preview/preview';

const cli = join(__dirname, '..', '..', '..', 'fixtures', 'cli');
const spec = (name: string): SystemSpec => JSON.parse(readFileSync(join(cli, name), 'utf8')) as SystemSpec;
const accounts = spec('accounts.spec.json');
const header = 'Kontonummer;Kunde;Art;Waehrung;Saldo;Status;Eroeffnet;Stand';

describe('previewMapping', () => {
  it('maps CSV sample rows and reports each bad one as the engine does', async () => {
    const sample = [
      header,
      '0012345678;4711;GIRO;EUR;-1.234,50;A;01.02.2010;15.03.2024',
      '0012345681;4713;BAUS;EUR;0,00;A;;15.03.2024',
      '0012345680;4712',
    ].join('\n');
    const answer = await previewMapping({ spec: accounts, direction: 'inbound', sample });
    expect(answer.recordKind).toBe('ACCOUNT');
    expect(answer.truncated).toBe(false);
    expect(answer.results[0]).toMatchObject({
      ref: 'line 2',
      ok: true,
      value: { accountRef: 'core-banking:0012345678', balance: { value: -1234.5, currency: 'EUR' } },
    });
    expect(answer.results[1]).toEqual({
      ref: 'line 3',
      ok: false,
      error: expect.objectContaining({ field: 'type', sourceField: 'Art', rule: 'code', record: 'line 3' }),
    });
    expect(answer.results[2]).toEqual({
      ref: 'line 4',
      ok: false,
      error: {
        field: '',
        rule: 'decode',
        message: 'line 4: expected 8 fields as in the header, got 2',
        record: 'line 4',
      },
    });
    expect(answer).not.toHaveProperty('output');
  });

  it('maps at most PREVIEW_LIMIT records and says the sample held more', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i};1;GIRO;EUR;1,00;A;;15.03.2024`);
    const answer = await previewMapping({
      spec: accounts,
      direction: 'inbound',
      sample: [header, ...rows].join('\n'),
    });
    expect(answer.results).toHaveLength(PREVIEW_LIMIT);
    expect(answer.truncated).toBe(true);
  });

  it('maps canonical JSON outbound and shows the file it gives', async () => {
    const account = {
      schemaVersion: '1.0',
      accountRef: 'core-banking:0012345678',
      customerRef: 'core-banking:4711',
      type: 'savings',
      currency: 'EUR',
      status: 'open',
      identifiers: [{ system: 'core-banking', id: '0012345678' }],
      updatedAt: '2024-03-15T00:00:00Z',
      source: { system: 'core-banking' },
    };
    const answer = await previewMapping({
      spec: accounts,
      direction: 'outbound',
      sample: JSON.stringify([account, { ...account, currency: 'euro' }]),
    });
    expect(answer.results[0]).toMatchObject({
      ref: '[0]',
      ok: true,
      value: { Kontonummer: '0012345678', Art: 'SPAR' },
    });
    expect(answer.results[1]).toMatchObject({
      ref: '[1]',
      ok: false,
      error: { field: 'currency', rule: 'pattern' },
    });
    expect(answer.output).toBe(
      'Kontonummer;Kunde;Art;Waehrung;Saldo;Status;Eroeffnet;Stand\r\n0012345678;4711;SPAR;EUR;;A;;15.03.2024\r\n',
    );
  });

  it('rejects an outbound record the file charset cannot hold instead of showing it in the file', async () => {
    const customer = {
      schemaVersion: '1.0',
      customerRef: 'oldcrm:1001',
      kind: 'person',
      identifiers: [{ system: 'oldcrm', id: '1001' }],
      person: { givenName: 'Łukasz', familyName: 'Dvořák €' },
      updatedAt: '2024-03-15T00:00:00Z',
      source: { system: 'oldcrm' },
    };
    const answer = await previewMapping({
      spec: spec('oldcrm.spec.json'),
      direction: 'outbound',
      sample: JSON.stringify(customer),
    });
    expect(answer.results[0]).toMatchObject({
      ok: false,
      error: { field: 'Vorname', rule: 'encode', message: expect.stringContaining('"Ł" (U+0141)') },
    });
    expect(answer.output).toBe('Anrede;KdNr;Vorname;Nachname;EMail\r\n');
  });

  it('maps an IDoc document and a Siebel response', async () => {
    const xml = readFileSync(
      join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'sap', 'debmas07-two-idocs.xml'),
      'utf8',
    );
    const idoc = await previewMapping({ spec: spec('debmas.spec.json'), direction: 'inbound', sample: xml });
    expect(idoc.results.map((r) => [r.ref, r.ok])).toEqual([
      ['IDOC[0] DOCNUM 0000000004815401', true],
      ['IDOC[1] DOCNUM 0000000004815402', false],
    ]);
    expect(idoc.results[1].error).toMatchObject({ field: 'addresses[0].city', sourceField: 'E1KNA1M.ORT01' });
    const siebelXml = readFileSync(
      join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'siebel', 'contact-query-response.xml'),
      'utf8',
    );
    const siebel = await previewMapping({
      spec: spec('contacts.spec.json'),
      direction: 'inbound',
      sample: siebelXml,
    });
    expect(siebel.results[0]).toMatchObject({ ok: true, value: { customerRef: 'siebel:1-4RT7QK' } });
  });

  it('reads a fixed-width layout only from inside its folder', async () => {
    const transactions = spec('transactions.spec.json');
    await expect(
      previewMapping({ spec: transactions, direction: 'inbound', sample: 'x', layoutDir: cli }),
    ).rejects.toThrow(
      /"format.layout" "..\/legacy\/core-banking\/transactions.layout.json" must stay inside/,
    );
    const line = readFileSync(
      join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'core-banking', 'transactions.dat'),
      'latin1',
    ).split('\r\n')[0];
    const inside = {
      ...transactions,
      format: { ...transactions.format!, layout: 'transactions.layout.json' },
    };
    const answer = await previewMapping({
      spec: inside,
      direction: 'inbound',
      sample: line,
      layoutDir: join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'core-banking'),
    });
    expect(answer.results[0]).toMatchObject({
      ok: true,
      value: { amount: { value: -1234.5, currency: 'EUR' } },
    });
  });

  it('reads a SOAP envelope with its operation as the record kind', async () => {
    const crm = JSON.parse(
      readFileSync(join(__dirname, '..', '..', '..', '..', 'mappings', 'systems', 'crm.json'), 'utf8'),
    );
    const sample = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:crm="urn:crm-hub:crm">
      <soapenv:Body><crm:ReportAddressChange><crm:customerNumber>4711</crm:customerNumber><crm:street>Leopoldstraße 12</crm:street>
      <crm:postalCode>80802</crm:postalCode><crm:city>München</crm:city><crm:country>DE</crm:country></crm:ReportAddressChange>
      </soapenv:Body></soapenv:Envelope>`;
    const answer = await previewMapping({ spec: crm, direction: 'inbound', sample });
    expect(answer.recordKind).toBe('ReportAddressChange');
    expect(answer.results[0]).toMatchObject({
      ref: 'envelope',
      ok: true,
      value: { customer: { ref: 'crm:4711' } },
    });
  });

  it('names a bad direction, format or record kind', async () => {
    await expect(
      previewMapping({ spec: accounts, direction: 'sideways' as 'inbound', sample: 'x' }),
    ).rejects.toThrow('direction must be "inbound" or "outbound", got "sideways"');
    const yaml = { ...accounts, format: { kind: 'yaml' } } as unknown as SystemSpec;
    expect(() => sourceOptionsFor(yaml)).toThrow(/"format".kind "yaml" is unknown/);
    const twoKinds = {
      ...accounts,
      format: { kind: 'csv' },
      inbound: { A: accounts.inbound.ACCOUNT, B: accounts.inbound.ACCOUNT },
    } as SystemSpec;
    expect(() => pickRecordKind(twoKinds, 'inbound')).toThrow('name the inbound record kind (known: A, B)');
    await expect(
      previewMapping({ spec: accounts, direction: 'inbound', sample: header, recordKind: 'NOPE' }),
    ).rejects.toThrow(/no such record kind \(known: ACCOUNT\)/);
  });

  it('picks the record kind per record when the format says which field names it', async () => {
    const events = spec('events.spec.json');
    const mixed = {
      ...events,
      format: { kind: 'ndjson', recordKindFrom: { field: 'type', kinds: { login: 'login' } } },
      inbound: { login: events.inbound.event },
    } as SystemSpec;
    const base = { eventId: 'e', channel: 'web', customerRef: 'crm:1', occurredAt: '2024-03-15T10:00:00Z' };
    const sample = [
      { ...base, type: 'login' },
      { ...base, type: 'logout' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const answer = await previewMapping({ spec: mixed, direction: 'inbound', sample });
    expect(answer.recordKind).toBe('by type');
    expect(answer.results[0]).toMatchObject({ ref: 'line 1', ok: true, value: { type: 'login' } });
    expect(answer.results[1]).toMatchObject({
      ref: 'line 2',
      ok: false,
      error: { sourceField: 'type', rule: 'recordKind', record: 'line 2' },
    });
  });

  it('reads the records of a JSON document under format.recordsPath', async () => {
    const events = spec('events.spec.json');
    const wrapped = {
      ...events,
      format: { kind: 'json', recordKind: 'event', recordsPath: 'page.items' },
    } as SystemSpec;
    const event = {
      eventId: 'e',
      type: 'login',
      channel: 'web',
      customerRef: 'crm:1',
      occurredAt: '2024-03-15T10:00:00Z',
    };
    const answer = await previewMapping({
      spec: wrapped,
      direction: 'inbound',
      sample: JSON.stringify({ page: { items: [event, event] } }),
    });
    expect(answer.results.map((r) => [r.ref, r.ok])).toEqual([
      ['page.items[0]', true],
      ['page.items[1]', true],
    ]);
    const missing = await previewMapping({ spec: wrapped, direction: 'inbound', sample: '{"page":{}}' });
    expect(missing.results[0].error?.message).toBe('the document has no "page.items" (format.recordsPath)');
  });

  it('takes CSV columns from the outbound rules', () => {
    expect(encoderOptionsFor(accounts, 'ACCOUNT').columns).toEqual(header.split(';'));
  });
});
