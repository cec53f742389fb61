/**
 * The two core banking specs against their files, decoded by the codecs: the Windows-1252 CSV account
 * export (core-banking-accounts.json) and the fixed-width turnover file (core-banking-transactions.json,
 * layout from the spec's format block). Every record maps to a valid canonical document; a bad record
 * is reported by line, field and rule, and the records after it still map.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCsv } from '../../../../formats/csv/csv';
import { compileLayout, readFixedWidth } from '../../../../formats/fixed-width/fixed-width';
import { loadSystemSpec, type SystemSpec } from '../../../../mappings/engine';
import { mapItems, validAs } from './system-support';

const dir = path.join(__dirname, '../../../fixtures/legacy/core-banking');
const systemsDir = path.join(__dirname, '../../../../mappings/systems');
type Item = { ref: string; record: Record<string, unknown> } | { ref: string; error: string };

async function csvItems(spec: SystemSpec, file: string): Promise<Item[]> {
  const items: Item[] = [];
  const options = { encoding: spec.format?.encoding, delimiter: spec.format?.delimiter };
  for await (const item of readCsv(fs.createReadStream(path.join(dir, file)), options)) {
    const ref = `${file} line ${item.line}`;
    items.push('error' in item ? { ref, error: item.error } : { ref, record: item.record });
  }
  return items;
}

async function fixedWidthItems(spec: SystemSpec, file: string): Promise<Item[]> {
  const layoutFile = path.join(systemsDir, spec.format?.layout ?? '');
  const layout = compileLayout(JSON.parse(fs.readFileSync(layoutFile, 'utf8')));
  const items: Item[] = [];
  const stream = fs.createReadStream(path.join(dir, file));
  for await (const item of readFixedWidth(stream, layout, { encoding: spec.format?.encoding })) {
    const ref = `${file} line ${item.line}`;
    items.push('error' in item ? { ref, error: item.error } : { ref, record: item.record });
  }
  return items;
}

describe('core-banking-accounts spec (CSV)', () => {
  const spec = loadSystemSpec('core-banking-accounts');

  it('loads with a format block for the CSV reader', () => {
    expect(spec.format).toEqual({
      kind: 'csv',
      recordKind: 'Account',
      encoding: 'windows-1252',
      delimiter: ';',
    });
  });

  it('maps every row of the export to a valid canonical account', async () => {
    const results = mapItems(spec, await csvItems(spec, 'konten-2024-03-31.csv'));
    expect(results).toHaveLength(7);
    for (const result of results) {
      expect({ ref: result.ref, error: result.error }).toEqual({ ref: result.ref, error: undefined });
      expect(validAs('account', result.value)).toBe(true);
    }
    expect(results.map((result) => result.value?.balance)).toEqual([
      { value: 12500.5, currency: 'EUR' },
      { value: 10000, currency: 'EUR' },
      { value: -1234.56, currency: 'EUR' },
      { value: -185000, currency: 'EUR' },
      { value: 50000, currency: 'CHF' },
      { value: 0, currency: 'EUR' },
      { value: -1234.5, currency: 'EUR' },
    ]);
    expect(results[0].value).toEqual({
      schemaVersion: '1.0',
      accountRef: 'core-banking:0012345678',
      customerRef: 'core-banking:104711',
      type: 'current',
      iban: 'DE89370400440532013000',
      currency: 'EUR',
      balance: { value: 12500.5, currency: 'EUR' },
      openedOn: '2010-04-01',
      status: 'open',
      identifiers: [{ system: 'core-banking', id: '0012345678' }],
      updatedAt: '2024-03-31T00:00:00.000Z',
      source: { system: 'core-banking', operation: 'account-export', recordId: '0012345678' },
    });
    expect(results.map((result) => [result.value?.type, result.value?.status])).toEqual([
      ['current', 'open'],
      ['savings', 'open'],
      ['current', 'blocked'],
      ['mortgage', 'open'],
      ['deposit', 'dormant'],
      ['current', 'closed'],
      ['card', 'open'],
    ]);
    expect(results[5].value).toMatchObject({ closedOn: '2023-12-31' });
    expect(results[6].value).not.toHaveProperty('iban');
  });

  it('reports bad dates, amounts, currencies and codes by line, field and rule, and reads on', async () => {
    const results = mapItems(spec, await csvItems(spec, 'konten-mit-fehlern.csv'));
    const file = 'konten-mit-fehlern.csv';
    expect(results.map((result) => result.error)).toEqual([
      undefined,
      expect.objectContaining({
        field: 'openedOn',
        sourceField: 'Eroeffnungsdatum',
        rule: 'date',
        record: `${file} line 3`,
        message: 'openedOn (from source field "Eroeffnungsdatum"): "31.02.2015" is not a calendar date',
      }),
      expect.objectContaining({
        field: 'balance.value',
        sourceField: 'Saldo',
        rule: 'decimal',
        record: `${file} line 4`,
        message: expect.stringContaining('"1.0000,00" is not a de decimal'),
      }),
      expect.objectContaining({
        field: 'currency',
        sourceField: 'Waehrung',
        rule: 'pattern',
        record: `${file} line 5`,
      }),
      { message: 'line 6: expected 11 fields as in the header, got 10' },
      expect.objectContaining({
        field: 'status',
        sourceField: 'Status',
        rule: 'code',
        record: `${file} line 7`,
      }),
      undefined,
    ]);
    expect(results[6].value).toMatchObject({ type: 'securities', balance: { value: 77000 } });
  });
});

describe('core-banking-transactions spec (fixed width)', () => {
  const spec = loadSystemSpec('core-banking-transactions');

  it('loads with a format block whose layout compiles', () => {
    expect(spec.format).toEqual({
      kind: 'fixed-width',
      recordKind: 'Transaction',
      encoding: 'windows-1252',
      layout: 'layouts/core-banking-transactions.layout.json',
    });
    const layout = JSON.parse(fs.readFileSync(path.join(systemsDir, spec.format!.layout!), 'utf8'));
    expect(compileLayout(layout).recordLength).toBe(128);
  });

  it('maps every transaction to a valid interaction event', async () => {
    const results = mapItems(spec, await fixedWidthItems(spec, 'umsaetze-2024-04.dat'));
    expect(results).toHaveLength(9);
    for (const result of results) {
      expect({ ref: result.ref, error: result.error }).toEqual({ ref: result.ref, error: undefined });
      expect(validAs('interaction-event', result.value)).toBe(true);
    }
    expect(results[0].value).toMatchObject({
      type: 'withdrawal',
      occurredAt: '2024-03-15T10:15:30.000Z',
      channel: 'branch',
      customer: { ref: 'core-banking:104711', identifiers: [{ system: 'core-banking', id: '104711' }] },
      account: { ref: 'core-banking:0012345679', type: 'savings' },
      amount: { value: 15000, currency: 'EUR' },
      data: {
        signedAmount: -15000,
        balanceAfter: -5000,
        valueDate: '2024-03-15',
        reference: 'FIL0815-000123',
      },
      source: { system: 'core-banking', recordId: 'FIL0815-000123' },
    });
    expect(results.map((result) => [result.value?.type, result.value?.channel])).toEqual([
      ['withdrawal', 'branch'],
      ['deposit', 'branch'],
      ['transfer-in', 'core-banking'],
      ['transfer-out', 'web'],
      ['card-payment', 'core-banking'],
      ['direct-debit', 'core-banking'],
      ['account-charges', 'core-banking'],
      ['withdrawal', 'branch'],
      ['transfer-in', 'app'],
    ]);
    expect(results[4].value).toMatchObject({
      amount: { value: 19.99 },
      data: { purpose: 'Bäckerei Weiß Filiale Süd' },
    });
    expect(results[8].value).toMatchObject({ amount: { value: 50000, currency: 'CHF' } });
  });

  it('reports bad dates, codes, currencies and undecodable lines by line, and reads on', async () => {
    const file = 'umsaetze-2024-04-mit-fehlern.dat';
    const results = mapItems(spec, await fixedWidthItems(spec, file));
    expect(results.map((result) => result.error)).toEqual([
      undefined,
      expect.objectContaining({
        field: 'occurredAt',
        sourceField: 'bookingDate+bookingTime',
        rule: 'date',
        record: `${file} line 2`,
        message: expect.stringContaining('"20240230101530" is not a calendar date'),
      }),
      expect.objectContaining({
        field: 'type',
        sourceField: 'transactionCode',
        rule: 'code',
        record: `${file} line 3`,
        message: expect.stringContaining('"999" is not a code'),
      }),
      expect.objectContaining({
        field: 'amount.currency',
        sourceField: 'currency',
        rule: 'pattern',
        record: `${file} line 4`,
      }),
      { message: expect.stringMatching(/^line 5: field amount: "X" is not a zoned decimal sign digit/) },
      // cut after the reference, in text fields only: read with the purpose blank, then refused for its date
      expect.objectContaining({
        field: 'occurredAt',
        rule: 'date',
        record: `${file} line 6`,
        message: expect.stringContaining('"20240230101530" is not a calendar date'),
      }),
      undefined,
    ]);
    expect(results[6].value).toMatchObject({ type: 'deposit', amount: { value: 2500 } });
  });
});
