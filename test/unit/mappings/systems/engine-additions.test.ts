/**
 * The small engine additions the system specs needed: lists of objects close up when an item is
 * missing, Siebel and Salesforce date-times, number-first street lines, and the record kind of a
 * record from one of its fields.
 */
import { compileMapping, type SystemSpec } from '../../../../mappings/engine';
import { compileRecordKind } from '../../../../mappings/record-kind';
import { transforms, TransformError } from '../../../../mappings/transforms';

const date = (from: string, to: string) => transforms.date.create({ from, to });

describe('engine additions for the system specs', () => {
  it('closes up a list of objects when an earlier item has no value', () => {
    const spec: SystemSpec = {
      system: 'probe',
      title: 'probe',
      inbound: {
        C: {
          produces: 'customer',
          set: {
            schemaVersion: '1.0',
            kind: 'person',
            'source.system': 'probe',
            'identifiers[0].system': 'probe',
          },
          fields: [
            { to: 'customerRef', from: 'id', transforms: [{ prefix: 'probe:' }] },
            { to: 'identifiers[0].id', from: 'id' },
            { to: 'person.familyName', from: 'name' },
            { to: 'updatedAt', from: 'at' },
            { to: 'phones[0].number', from: 'mobile' },
            {
              to: 'phones[0].type',
              from: 'mobile',
              transforms: [{ const: 'mobile' }],
              when: { field: 'mobile', exists: true },
            },
            { to: 'phones[1].number', from: 'work' },
            {
              to: 'phones[1].type',
              from: 'work',
              transforms: [{ const: 'work' }],
              when: { field: 'work', exists: true },
            },
          ],
        },
      },
    };
    const mapping = compileMapping(spec, 'C');
    const base = { id: '1', name: 'Muster', at: '2025-01-01T00:00:00Z' };
    const onlyWork = mapping.map({ ...base, work: '+4930123456' });
    expect(onlyWork.ok && onlyWork.value).toMatchObject({
      phones: [{ number: '+4930123456', type: 'work' }],
    });
    expect(onlyWork.ok && (onlyWork.value as unknown as { phones: unknown[] }).phones).toHaveLength(1);
    const none = mapping.map(base);
    expect(none.ok && none.value).not.toHaveProperty('phones');
    const both = mapping.map({ ...base, mobile: '+491701234567', work: '+4930123456' });
    expect(both.ok && (both.value as unknown as { phones: unknown[] }).phones).toHaveLength(2);
  });

  it('reads Siebel date-times (MM/DD/YYYY HH:MM:SS) on the real calendar', () => {
    expect(date('MM/DD/YYYY HH:MM:SS', 'iso-datetime')('03/14/2024 09:12:44')).toBe(
      '2024-03-14T09:12:44.000Z',
    );
    expect(() => date('MM/DD/YYYY HH:MM:SS', 'iso-date')('02/30/2024 10:00:00')).toThrow(
      /not a calendar date/,
    );
    expect(() => date('MM/DD/YYYY HH:MM:SS', 'iso-date')('03/14/2024 24:00:00')).toThrow(/not a time of day/);
    expect(() => date('MM/DD/YYYY HH:MM:SS', 'iso-date')('2024-03-14')).toThrow(TransformError);
    expect(date('MM/DD/YYYY HH:MM:SS', 'iso-date')('')).toBeUndefined();
  });

  it('reads ISO 8601 offsets without a colon, as Salesforce writes them', () => {
    expect(date('iso', 'iso-datetime')('2025-03-01T09:30:00.000+0000')).toBe('2025-03-01T09:30:00.000Z');
    expect(date('iso', 'iso-datetime')('2025-03-01T10:30:00.000+0100')).toBe('2025-03-01T09:30:00.000Z');
    expect(date('iso', 'iso-date')('2025-03-01')).toBe('2025-03-01');
    expect(() => date('iso', 'iso-date')('2025-03-01T10:30:00')).toThrow(/with time zone/);
  });

  it('writes street lines number first where addresses do', () => {
    const first = transforms.joinStreet.create({ order: 'number-first' });
    expect(first({ street: 'Rue de Rivoli', houseNumber: '12' }, {})).toBe('12 Rue de Rivoli');
    expect(first(['Downing Street', '10'], {})).toBe('10 Downing Street');
    expect(transforms.joinStreet.create(undefined)(['Hauptstraße', '5a'], {})).toBe('Hauptstraße 5a');
    expect(() => transforms.joinStreet.create({ order: 'sideways' })).toThrow(/"order" must be one of/);
  });

  it('takes the record kind from a field, with and without a list of kinds', () => {
    const inbound = { A: { produces: 'customer', fields: [] }, B: { produces: 'customer', fields: [] } };
    const listed = compileRecordKind({
      system: 'probe',
      title: 'probe',
      format: { kind: 'json', recordKind: 'A', recordKindFrom: { field: 'meta.op', kinds: { '003': 'B' } } },
      inbound,
    });
    expect(listed({ meta: { op: '003' } })).toEqual({ ok: true, value: 'B' });
    expect(listed({ meta: { op: '009' } })).toEqual({ ok: true, value: 'A' });
    expect(listed({})).toEqual({ ok: true, value: 'A' });
    const named = compileRecordKind({
      system: 'probe',
      title: 'probe',
      format: { kind: 'json', recordKind: 'A', recordKindFrom: { field: 'type' } },
      inbound,
    });
    expect(named({ type: 'B' })).toEqual({ ok: true, value: 'B' });
    expect(named({})).toEqual({ ok: true, value: 'A' });
    expect(named({ type: 'Lead' }, 'records[3]')).toEqual({
      ok: false,
      error: {
        field: '',
        sourceField: 'type',
        rule: 'recordKind',
        message: 'probe: source field "type" is "Lead", not a known record kind (known: A, B)',
        record: 'records[3]',
      },
    });
    const strict = compileRecordKind({
      system: 'probe',
      title: 'probe',
      format: { kind: 'json', recordKindFrom: { field: 'type' } },
      inbound,
    });
    const missing = strict({ kind: 'B' });
    expect(!missing.ok && missing.error.message).toBe(
      'probe: source field "type" is missing, not a known record kind (known: A, B)',
    );
    const nulled = strict({ type: null });
    expect(!nulled.ok && nulled.error.message).toBe(
      'probe: source field "type" is null, not a known record kind (known: A, B)',
    );
  });
});
