/**
 * mappings/systems/app-events.json against NDJSON event files: the record kind comes from each
 * event's `event` field (format.recordKindFrom), page views, forms and address changes become
 * interaction events, a started application becomes a process state. Bad events are reported by
 * line and the stream goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readNdjson } from '../../../../formats/lines/ndjson';
import { loadSystemSpec, MappingSpecError, type SystemSpec } from '../../../../mappings/engine';
import { compileRecordKind } from '../../../../mappings/record-kind';
import { mapItems, validAs } from './system-support';

const dir = path.join(__dirname, '../../../fixtures/legacy/app-events');
const spec = loadSystemSpec('app-events');
type Item = { ref: string; record: Record<string, unknown> } | { ref: string; error: string };

async function events(file: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of readNdjson(fs.createReadStream(path.join(dir, file)))) {
    const ref = `${file} line ${item.line}`;
    items.push('error' in item ? { ref, error: item.error } : { ref, record: item.record });
  }
  return items;
}

describe('app-events spec (NDJSON)', () => {
  it('loads with a format block that takes the record kind from the event field', () => {
    expect(spec.format).toEqual({
      kind: 'ndjson',
      encoding: 'utf-8',
      recordKindFrom: {
        field: 'event',
        kinds: {
          page_view: 'PageView',
          form_submitted: 'FormSubmitted',
          address_changed: 'AddressChanged',
          application_started: 'ProcessStarted',
        },
      },
    });
  });

  it('maps every event to a valid canonical document of its kind', async () => {
    const results = mapItems(spec, await events('web-app-events.ndjson'));
    expect(results.map((result) => result.kind)).toEqual([
      'PageView',
      'FormSubmitted',
      'ProcessStarted',
      'AddressChanged',
      'PageView',
      'FormSubmitted',
    ]);
    for (const result of results) {
      expect({ ref: result.ref, error: result.error }).toEqual({ ref: result.ref, error: undefined });
      const schema = result.kind === 'ProcessStarted' ? 'process-state' : 'interaction-event';
      expect(validAs(schema, result.value)).toBe(true);
    }
    const [view, form, process, address, screen] = results.map((result) => result.value);
    expect(view).toMatchObject({
      eventId: '0b6e6f5c-3c1a-4d8e-9f5b-2a7c1e4d9b10',
      type: 'page-view',
      occurredAt: '2024-03-15T10:15:30.120Z',
      channel: 'web',
      customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
      data: { page: '/baufinanzierung/rechner', title: 'Baufinanzierungsrechner', sessionId: 's-9f1c02' },
      source: { system: 'app-events', operation: 'page_view' },
    });
    expect(form).toMatchObject({
      type: 'form-submitted',
      amount: { value: 250000, currency: 'EUR' },
      data: { form: 'baufinanzierung-rechner', fields: { propertyPrice: 400000 } },
    });
    expect(process).toEqual({
      schemaVersion: '1.0',
      processId: '3f2e1d0c-9b8a-4765-a432-10fedcba9876',
      customerRef: 'crm:4711',
      kind: 'mortgage-application',
      startedOn: 'web',
      lastChannel: 'web',
      step: 'income-details',
      status: 'open',
      data: { loanAmount: 250000, propertyType: 'flat', postalCode: '80802' },
      startedAt: '2024-03-15T10:21:45.500Z',
      updatedAt: '2024-03-15T10:21:45.500Z',
      expiresAt: '2024-04-14T23:59:59.000Z',
    });
    expect(address).toMatchObject({
      type: 'address-changed',
      channel: 'app',
      data: { address: { street: 'Leopoldstraße 12a', postalCode: '80802', city: 'München', country: 'DE' } },
    });
    expect(screen).toMatchObject({ channel: 'app', data: { page: 'app:Konto/Umsaetze' } });
    expect(results[5].value).not.toHaveProperty('amount');
  });

  it('keeps the client message id as eventId, so a resent event is the same event', async () => {
    const [first] = await events('web-app-events.ndjson');
    const twice = mapItems(spec, [first, first]);
    expect(twice[0].value?.eventId).toBe(twice[1].value?.eventId);
  });

  it('reports anonymous, bad and unknown events by line, field and rule, and reads on', async () => {
    const file = 'web-app-events-with-errors.ndjson';
    const results = mapItems(spec, await events(file));
    expect(results.map((result) => result.error)).toEqual([
      expect.objectContaining({
        field: 'customer.ref',
        sourceField: 'customerNumber',
        rule: 'required',
        record: `${file} line 1`,
      }),
      expect.objectContaining({
        field: 'data.address.country',
        sourceField: 'properties.country',
        rule: 'code',
        record: `${file} line 2`,
        message: expect.stringContaining('"Atlantis" is not a code in code table "country"'),
      }),
      expect.objectContaining({
        field: 'occurredAt',
        sourceField: 'timestamp',
        rule: 'date',
        record: `${file} line 3`,
      }),
      expect.objectContaining({
        sourceField: 'event',
        rule: 'recordKind',
        record: `${file} line 4`,
        message: expect.stringContaining('"scroll_depth", not a known record kind'),
      }),
      { message: expect.stringMatching(/^line 5: not valid JSON/) },
      undefined,
    ]);
    expect(results[5].value).toMatchObject({ type: 'page-view', data: { page: '/konto' } });
  });

  it('checks the record kinds a format names against the spec', () => {
    const broken: SystemSpec = structuredClone(spec);
    broken.format!.recordKindFrom!.kinds!.login = 'Login';
    expect(() => compileRecordKind(broken)).toThrow(MappingSpecError);
    expect(() => compileRecordKind(broken)).toThrow(/names record kind "Login", which "inbound" lacks/);
    const none: SystemSpec = { ...spec, format: { kind: 'ndjson' } };
    expect(() => compileRecordKind(none)).toThrow(/neither recordKind nor recordKindFrom/);
  });
});
