import { compileMapping, loadSystemSpec, MappingSpecError, type SystemSpec } from '../../../mappings/engine';
import { compileValidator } from '../../../mappings/validate';
import { eventSpec } from './test-spec';

const request = {
  customerNumber: ' 0004711 ',
  street: ' Hauptstraße 5 ',
  postalCode: '10115',
  city: 'Berlin',
  country: 'de',
  channel: ' CALL-CENTER ',
};
const context = {
  eventId: '7f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  occurredAt: '2025-03-01T09:30:00.000Z',
  recordRef: 'msg-17',
};

const specWith = (fields: unknown[], set: Record<string, unknown> = {}) =>
  eventSpec(fields, { type: 'withdrawal', channel: 'web', ...set });

describe('mapping engine: crm ReportAddressChange', () => {
  const mapping = compileMapping(loadSystemSpec('crm'), 'ReportAddressChange');

  it('produces a valid canonical address-changed event', () => {
    const result = mapping.map(request, context);
    expect(result).toEqual({
      ok: true,
      value: {
        eventId: context.eventId,
        schemaVersion: '1.0',
        type: 'address-changed',
        occurredAt: context.occurredAt,
        channel: 'call-center',
        source: { system: 'crm', operation: 'ReportAddressChange' },
        customer: { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
        data: { address: { street: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'DE' } },
      },
    });
    if (result.ok) expect(compileValidator('interaction-event')(result.value)).toEqual({ ok: true });
  });

  it('defaults the channel to call-center, eventId to a uuid and occurredAt to now', () => {
    const { channel: _channel, ...withoutChannel } = request;
    const before = Date.now();
    const result = mapping.map(withoutChannel, {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.channel).toBe('call-center');
    expect(result.value.eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Date.parse(result.value.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
    const again = mapping.map(withoutChannel, {});
    expect(again.ok && again.value.eventId).not.toBe(result.value.eventId);
  });

  it('keeps outputs independent (constants are not shared between records)', () => {
    const a = mapping.map(request, context);
    const b = mapping.map({ ...request, customerNumber: '42' }, context);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.value.customer.identifiers).toEqual([{ system: 'crm', id: '0004711' }]);
    expect(b.value.customer.identifiers).toEqual([{ system: 'crm', id: '42' }]);
  });

  it('a missing required field names canonical field, source field and rule', () => {
    expect(mapping.map({ ...request, street: '   ' }, context)).toEqual({
      ok: false,
      error: {
        field: 'data.address.street',
        sourceField: 'street',
        rule: 'required',
        message: 'data.address.street is required but source field "street" is missing or empty',
        record: 'msg-17',
      },
    });
    const { customerNumber: _number, ...noCustomer } = request;
    const result = mapping.map(noCustomer, context);
    expect(result.ok === false && result.error).toMatchObject({
      field: 'customer.ref',
      sourceField: 'customerNumber',
      rule: 'required',
    });
  });

  it('a schema violation names canonical field, source field and rule', () => {
    expect(mapping.map({ ...request, country: 'Germany' }, context)).toEqual({
      ok: false,
      error: {
        field: 'data.address.country',
        sourceField: 'country',
        rule: 'pattern',
        message: 'data.address.country must match pattern ^[A-Z]{2}$ (from source field "country")',
        record: 'msg-17',
      },
    });
    const badChannel = mapping.map({ ...request, channel: 'pigeon' }, context);
    expect(badChannel.ok === false && badChannel.error).toMatchObject({
      field: 'channel',
      sourceField: 'channel',
      rule: 'enum',
    });
    expect(badChannel.ok === false && badChannel.error.message).toMatch(/must be one of: call-center, web/);
  });

  it('a transform failure names the transform as the rule', () => {
    const result = mapping.map({ ...request, street: { nested: true } }, context);
    expect(result).toEqual({
      ok: false,
      error: {
        field: 'data.address.street',
        sourceField: 'street',
        rule: 'trim',
        message: 'data.address.street (from source field "street"): trim expects text, got object',
        record: 'msg-17',
      },
    });
  });

  it('rejects non-object input', () => {
    const result = mapping.map(null as unknown as Record<string, unknown>, context);
    expect(result.ok === false && result.error.rule).toBe('input');
  });
});

describe('mapping engine: spec features', () => {
  it('parses numbers, pads, strips zeros, maps values and reads nested sources', () => {
    const mapping = compileMapping(
      specWith([
        {
          to: 'amount.value',
          from: 'betrag',
          transforms: [{ number: { decimalSeparator: ',' } }],
          required: true,
        },
        { to: 'amount.currency', from: 'cur', transforms: [{ default: 'EUR' }] },
        {
          to: 'customer.ref',
          from: 'kunde.nr',
          transforms: ['stripLeadingZeros', { prefix: 'core-banking:' }],
        },
        {
          to: 'customer.identifiers[0].id',
          from: 'kunde.nr',
          transforms: [{ padStart: { length: 10, char: '0' } }],
        },
        { to: 'customer.identifiers[0].system', from: 'kunde.sys', default: 'core-banking' },
        { to: 'channel', from: 'kanal', transforms: [{ map: { F: 'branch', O: 'web' } }] },
        { to: 'data.lines[1]', from: 'lines[0]' },
      ]),
      'Thing',
    );
    const result = mapping.map(
      { betrag: '15.000,50', kunde: { nr: '004711' }, kanal: 'F', lines: ['x'] },
      context,
    );
    expect(result.ok && result.value).toMatchObject({
      amount: { value: 15000.5, currency: 'EUR' },
      customer: { ref: 'core-banking:4711', identifiers: [{ id: '0000004711', system: 'core-banking' }] },
      channel: 'branch',
      data: { lines: [undefined, 'x'] },
    });
    const bad = mapping.map({ betrag: 'viel', kunde: { nr: '1' } }, context);
    expect(bad.ok === false && bad.error).toMatchObject({
      field: 'amount.value',
      sourceField: 'betrag',
      rule: 'number',
    });
  });

  it('leaves out optional fields that are missing, and objects that only they would fill', () => {
    const mapping = compileMapping(
      specWith([
        { to: 'amount.value', from: 'betrag', transforms: ['number'] },
        { to: 'amount.currency', from: 'cur' },
        { to: 'source.recordId', from: 'id', transforms: ['trim'] },
        { to: 'data.note', from: 'note' },
      ]),
      'Thing',
    );
    const empty = mapping.map({ id: '  ' }, context);
    expect(empty.ok).toBe(true);
    if (!empty.ok) return;
    expect(Object.keys(empty.value)).not.toContain('amount');
    expect(Object.keys(empty.value.source)).toEqual(['system']);
    expect(empty.value.data).toEqual({});
    const full = mapping.map({ betrag: '12', cur: 'EUR', id: 'r-9', note: 'hi' }, context);
    expect(full.ok && full.value).toMatchObject({
      amount: { value: 12, currency: 'EUR' },
      source: { system: 'test', recordId: 'r-9' },
      data: { note: 'hi' },
    });
    const half = mapping.map({ betrag: '12' }, context);
    expect(half.ok === false && half.error).toMatchObject({ field: 'amount.currency', rule: 'required' });
  });

  it('a bad spec fails at compile time with a clear message', () => {
    const cases: [SystemSpec, RegExp][] = [
      [
        specWith([{ to: 'channel', from: 'c', transforms: ['trimm'] }]),
        /fields\[0\].*unknown transform "trimm" \(known: .*trim/,
      ],
      [
        specWith([{ to: 'customer.ref', from: 'c', transforms: ['prefix'] }]),
        /transform "prefix" needs an option/,
      ],
      [
        specWith([{ to: 'customer.ref', from: 'c', transforms: [{ prefix: 1 }] }]),
        /prefix needs a string option/,
      ],
      [
        specWith([{ to: 'customer.ref', from: 'c', transforms: [{ padStart: { length: 0 } }] }]),
        /padStart needs/,
      ],
      [specWith([{ to: 'data.address.stret', from: 'c' }]), /no field "data\.address\.stret"/],
      [specWith([{ to: 'custmer.ref', from: 'c' }]), /no field "custmer"/],
      [specWith([{ to: 'channel', from: 'c', requird: true }]), /unknown key "requird"/],
      [specWith([{ to: 'channel' }]), /"from" must be a source field path/],
      [specWith([{ to: 'channel', from: 'a..b' }]), /"from": bad path/],
      [specWith([], { 'source.sistem': 'x' }), /set\["source\.sistem"\].*no field/],
      [
        specWith([{ to: 'data.note.text', from: 'c' }], { 'data.note': 'x' }),
        /"data\.note" is a value, but is used as an object/,
      ],
      [specWith([{ to: 'data.__proto__', from: 'c' }]), /"__proto__" is not allowed/],
      [
        { ...specWith([]), inbound: { Thing: { produces: 'nope', fields: [] } } },
        /"produces": unknown canonical schema "nope"/,
      ],
    ];
    for (const [spec, message] of cases) {
      expect(() => compileMapping(spec, 'Thing')).toThrow(MappingSpecError);
      expect(() => compileMapping(spec, 'Thing')).toThrow(message);
    }
    expect(() => compileMapping(loadSystemSpec('crm'), 'ReportNothing')).toThrow(
      /mapping crm\/ReportNothing: no such record kind \(known: ReportAddressChange\)/,
    );
  });

  it('loadSystemSpec names a missing system', () => {
    expect(() => loadSystemSpec('sap-r3')).toThrow(
      /no shipped mapping spec for system "sap-r3" \(shipped: .*\bsap\b.*\)/,
    );
    // where the hub is installed is no business of the caller's
    expect(() => loadSystemSpec('sap-r3')).not.toThrow(/systems\//);
    expect(() => loadSystemSpec('../crm')).toThrow(/kebab-case/);
  });
});
