import schema from '../../../../mappings/canonical/interaction-event.schema.json';
import {
  CHANNELS,
  INTERACTION_EVENT_FIELDS,
  type Address,
  type InteractionEvent,
} from '../../../../mappings/canonical/types';
import { compileValidator, isDateTime } from '../../../../mappings/validate';

// Every optional field filled in, so its keys list the whole type.
const address: Required<Address> = {
  street: 'Hauptstr. 1',
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
};
const full: Required<InteractionEvent> = {
  eventId: '0b6e6f5c-3c1a-4d8e-9f5b-2a7c1e4d9b10',
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: '2025-01-31T10:00:00Z',
  channel: 'call-center',
  source: {
    system: 'crm',
    operation: 'ReportAddressChange',
    recordId: 'r-1',
    version: 1,
    statedUpdatedAt: '2031-01-01T00:00:00Z',
  },
  customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
  account: { ref: 'core-banking:0012345678', type: 'current' },
  amount: { value: 12.5, currency: 'EUR' },
  data: { address },
};

type SchemaNode = { properties?: Record<string, SchemaNode>; $ref?: string; items?: SchemaNode };
const defs = (schema as unknown as { $defs: Record<string, SchemaNode> }).$defs;
const resolve = (node: SchemaNode): SchemaNode =>
  node.$ref ? defs[node.$ref.replace('#/$defs/', '')] : node;
const propertyNames = (node: SchemaNode): string[] => Object.keys(resolve(node).properties ?? {}).sort();
const root = schema as unknown as SchemaNode;
const props = (name: string): SchemaNode => root.properties![name];

describe('canonical interaction event types', () => {
  it('a fully typed sample validates against the schema', () => {
    expect(compileValidator('interaction-event')(full)).toEqual({ ok: true });
  });

  it('schema property names equal the type keys at every level', () => {
    expect(propertyNames(root)).toEqual(Object.keys(full).sort());
    expect([...INTERACTION_EVENT_FIELDS].sort()).toEqual(Object.keys(full).sort());
    expect(propertyNames(props('source'))).toEqual(Object.keys(full.source).sort());
    expect(propertyNames(props('customer'))).toEqual(Object.keys(full.customer).sort());
    expect(propertyNames(props('customer').properties!.identifiers.items!)).toEqual(
      Object.keys(full.customer.identifiers[0]).sort(),
    );
    expect(propertyNames(props('account'))).toEqual(Object.keys(full.account).sort());
    expect(propertyNames(props('amount'))).toEqual(Object.keys(full.amount).sort());
    expect(propertyNames(props('data'))).toEqual(Object.keys(full.data).sort());
    expect(propertyNames(props('data').properties!.address)).toEqual(Object.keys(address).sort());
  });

  it('the channel list equals the schema enum', () => {
    expect((props('channel') as { enum?: string[] }).enum).toEqual([...CHANNELS]);
  });

  it('a withdrawal without address and with an amount validates; a bad currency does not', () => {
    const withdrawal: InteractionEvent = {
      ...full,
      type: 'withdrawal',
      data: {},
      amount: { value: 15000, currency: 'EUR' },
    };
    expect(compileValidator('interaction-event')(withdrawal)).toEqual({ ok: true });
    const bad = { ...withdrawal, amount: { value: 1, currency: 'eur' } };
    expect(compileValidator('interaction-event')(bad)).toEqual({
      ok: false,
      errors: [{ field: 'amount.currency', message: 'must match pattern ^[A-Z]{3}$', rule: 'pattern' }],
    });
  });

  it('address-changed requires data.address and names nested fields with dotted paths', () => {
    const validate = compileValidator('interaction-event');
    expect(validate({ ...full, data: {} })).toEqual({
      ok: false,
      errors: [{ field: 'data.address', message: 'is required', rule: 'required' }],
    });
    const result = validate({ ...full, data: { address: { ...address, country: 'Germany' } }, extra: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { field: 'extra', message: 'is not allowed here', rule: 'additionalProperties' },
        { field: 'data.address.country', message: 'must match pattern ^[A-Z]{2}$', rule: 'pattern' },
      ]),
    );
    const ids = validate({ ...full, customer: { ref: 'crm:1', identifiers: [{ system: 'crm' }] } });
    expect(ids).toEqual({
      ok: false,
      errors: [{ field: 'customer.identifiers[0].id', message: 'is required', rule: 'required' }],
    });
  });

  it('checks eventId as uuid and occurredAt as RFC 3339 date-time with real calendar days', () => {
    const validate = compileValidator('interaction-event');
    const good = [
      '2025-01-31T10:00:00Z',
      '2024-02-29T23:59:59.123+01:00',
      '2000-02-29t00:00:00z',
      '2025-12-31 08:00:00-05:30',
    ];
    const bad = [
      '2025-02-29T10:00:00Z',
      '1900-02-29T10:00:00Z',
      '2025-04-31T10:00:00Z',
      '2025-01-31T10:00:00',
      '2025-13-01T10:00:00Z',
      '2025-01-31T24:00:00Z',
      '2025-01-31',
    ];
    for (const text of good) expect([text, isDateTime(text)]).toEqual([text, true]);
    for (const text of bad) expect([text, isDateTime(text)]).toEqual([text, false]);
    // the message says what is wrong: a zone only where the zone is missing
    const messageFor = (occurredAt: string) => {
      const result = validate({ ...full, occurredAt });
      return result.ok ? undefined : result.errors.map((e) => `${e.field} ${e.message}`).join('; ');
    };
    expect(messageFor('2025-01-31T10:00:00')).toBe(
      'occurredAt must be a date-time with a zone (Z or ±hh:mm), e.g. 2026-12-05T10:00:00Z',
    );
    expect(messageFor('2025-02-30T10:00:00Z')).toBe(
      'occurredAt is not a calendar date/time: the calendar has no 2025-02-30',
    );
    expect(messageFor('2025-01-31T24:00:00Z')).toBe(
      'occurredAt is not a calendar date/time: the clock has no 24:00:00',
    );
    expect(messageFor('2016-12-31T23:59:60Z')).toBe(
      'occurredAt is a leap second (23:59:60), which the hub does not take: JavaScript dates and the stores have no second 60; send 23:59:59.999 of that minute',
    );
    expect(validate({ ...full, eventId: '4711' })).toEqual({
      ok: false,
      errors: [{ field: 'eventId', message: 'must be a valid uuid', rule: 'format' }],
    });
  });

  it('compiles once and rejects unknown schema names clearly', () => {
    expect(compileValidator('interaction-event')).toBe(compileValidator('interaction-event'));
    expect(() => compileValidator('nope')).toThrow(/unknown canonical schema "nope".*interaction-event/);
    expect(() => compileValidator('../etc/passwd')).toThrow(/kebab-case/);
  });
});
