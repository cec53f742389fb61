/** Engine features on the open `data` part of the interaction event: when, each, multi-input, errors. */
import {
  compileMapping,
  compileOutbound,
  MappingSpecError,
  type SystemSpec,
  type Rule,
} from '../../../mappings/engine';
import { eventSpec } from './test-spec';

const context = {
  eventId: '7f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  occurredAt: '2025-03-01T09:30:00.000Z',
  recordRef: 'line 17',
};

const spec = (fields: unknown[]) => eventSpec(fields);

function mapData(fields: unknown[], input: Record<string, unknown>): unknown {
  const result = compileMapping(spec(fields), 'Thing').map(input, context);
  if (!result.ok) throw new Error(result.error.message);
  return result.value.data;
}

describe('conditions', () => {
  const fields = [
    {
      to: 'data.action',
      from: 'MSGFN',
      transforms: [{ const: 'delete' }],
      when: { field: 'MSGFN', equals: '003' },
    },
    {
      to: 'data.action',
      from: 'MSGFN',
      transforms: [{ const: 'upsert' }],
      when: { field: 'MSGFN', in: ['004', '005'] },
    },
    { to: 'data.action', from: 'MSGFN', transforms: [{ const: 'other' }] },
    {
      to: 'data.blocked',
      from: 'SPERR',
      transforms: ['boolean'],
      when: { not: { field: 'SPERR', exists: false } },
    },
    {
      to: 'data.vip',
      from: 'KDGRP',
      transforms: [{ const: true }],
      when: {
        all: [
          { field: 'KDGRP', matches: '^0[12]$' },
          {
            any: [
              { field: 'LAND1', equals: 'DE' },
              { field: 'LAND1', equals: 'AT' },
            ],
          },
        ],
      },
    },
  ];

  it('applies a rule only when its condition holds; the first applicable rule fills a target', () => {
    expect(mapData(fields, { MSGFN: '003 ' })).toEqual({ action: 'delete' });
    expect(mapData(fields, { MSGFN: 5 })).toEqual({ action: 'other' });
    expect(mapData(fields, { MSGFN: '005', SPERR: 'X', KDGRP: '01', LAND1: 'AT' })).toEqual({
      action: 'upsert',
      blocked: true,
      vip: true,
    });
    expect(mapData(fields, { MSGFN: '005', SPERR: '', KDGRP: '01', LAND1: 'CH' })).toEqual({
      action: 'upsert',
    });
  });

  it('rejects malformed conditions at compile time', () => {
    const bad = (when: unknown) => () => compileMapping(spec([{ to: 'data.x', from: 'a', when }]), 'Thing');
    expect(bad({ field: 'a', equal: '1' })).toThrow(
      /give exactly one of equals, notEquals, in, notIn, exists, matches/,
    );
    expect(bad({ field: 'a', matches: '(' })).toThrow(/"matches": Invalid regular expression/);
    expect(bad({ all: [] })).toThrow(/"all" needs a non-empty list/);
    expect(bad({ field: 'a', equals: { x: 1 } })).toThrow(/compare with a text, number or true\/false/);
    expect(bad('MSGFN == 3')).toThrow(MappingSpecError);
  });
});

describe('repeated segments', () => {
  const salesAreas = {
    each: 'E1KNVVM',
    to: 'data.salesAreas',
    where: { field: 'MSGFN', notEquals: '003' },
    fields: [
      { to: 'salesOrg', from: 'VKORG', required: true },
      { to: 'currency', from: 'WAERS', transforms: [{ code: { table: { EUR: 'EUR', CHF: 'CHF' } } }] },
      { to: 'country', from: '$root.LAND1' },
      {
        each: 'E1KNVPM',
        to: 'partners',
        fields: [
          { to: 'role', from: 'PARVW', transforms: [{ map: { AG: 'sold-to', WE: 'ship-to' } }] },
          { to: 'number', from: 'KUNN2', transforms: ['stripLeadingZeros'], required: true },
        ],
      },
    ],
  };

  it('maps repeated segments to lists, nested, filtered, and a single segment as a list of one', () => {
    const input = {
      LAND1: 'DE',
      E1KNVVM: [
        {
          VKORG: '1000',
          WAERS: 'EUR',
          E1KNVPM: [
            { PARVW: 'AG', KUNN2: '0000004711' },
            { PARVW: 'WE', KUNN2: '0000004712' },
          ],
        },
        { VKORG: '2000', MSGFN: '003' },
        { VKORG: '3000', E1KNVPM: { PARVW: 'AG', KUNN2: '42' } },
      ],
    };
    expect(mapData([salesAreas], input)).toEqual({
      salesAreas: [
        {
          salesOrg: '1000',
          currency: 'EUR',
          country: 'DE',
          partners: [
            { role: 'sold-to', number: '4711' },
            { role: 'ship-to', number: '4712' },
          ],
        },
        { salesOrg: '3000', country: 'DE', partners: [{ role: 'sold-to', number: '42' }] },
      ],
    });
    expect(mapData([salesAreas], { E1KNVVM: { VKORG: '1' } })).toEqual({ salesAreas: [{ salesOrg: '1' }] });
    expect(mapData([salesAreas], {})).toEqual({});
  });

  it('names the segment and the item in errors, nested too', () => {
    const mapping = compileMapping(spec([salesAreas]), 'Thing');
    const input = { E1KNVVM: [{ VKORG: '1' }, { VKORG: '2', E1KNVPM: [{ KUNN2: '1' }, { PARVW: 'AG' }] }] };
    expect(mapping.map(input, context)).toEqual({
      ok: false,
      error: {
        field: 'data.salesAreas[1].partners[1].number',
        sourceField: 'E1KNVVM[1].E1KNVPM[1].KUNN2',
        rule: 'required',
        message:
          'data.salesAreas[1].partners[1].number is required but source field "E1KNVVM[1].E1KNVPM[1].KUNN2" is missing or empty',
        record: 'line 17 segment E1KNVVM[1].E1KNVPM[1]',
      },
    });
    const currency = mapping.map({ E1KNVVM: [{ VKORG: '1', WAERS: 'DM' }] }, {});
    expect(currency.ok === false && currency.error).toMatchObject({
      field: 'data.salesAreas[0].currency',
      sourceField: 'E1KNVVM[0].WAERS',
      rule: 'code',
      record: 'segment E1KNVVM[0]',
    });
    const shape = mapping.map({ E1KNVVM: 'oops' }, context);
    expect(shape.ok === false && shape.error).toMatchObject({
      field: 'data.salesAreas',
      sourceField: 'E1KNVVM',
      rule: 'each',
      record: 'line 17',
    });
    const item = mapping.map({ E1KNVVM: [{ VKORG: '1' }, 7] }, context);
    expect(item.ok === false && item.error).toMatchObject({
      field: 'data.salesAreas[1]',
      rule: 'each',
      record: 'line 17 segment E1KNVVM[1]',
    });
  });

  it('rejects malformed each rules at compile time', () => {
    expect(() =>
      compileMapping(spec([{ each: 'A', to: 'data.list', fields: [], wher: {} }]), 'Thing'),
    ).toThrow(/unknown key "wher"/);
    expect(() => compileMapping(spec([{ each: 'A', to: 'data.list' }]), 'Thing')).toThrow(
      /each "A": "fields" must be an array/,
    );
    expect(() =>
      compileMapping(
        spec([{ each: 'A', to: 'customer.identifiers', fields: [{ to: 'sistem', from: 'x' }] }]),
        'Thing',
      ),
    ).toThrow(/no field "sistem"/);
  });
});

describe('several inputs for one target', () => {
  it('hands the transforms a list and treats all-empty inputs as missing', () => {
    const fields = [
      { to: 'data.name', from: ['NAME1', 'NAME2', 'NAME3'], transforms: [{ join: ' ' }], required: true },
    ];
    expect(mapData(fields, { NAME1: 'Muster Bau', NAME2: ' GmbH & Co. KG', NAME3: '' })).toEqual({
      name: 'Muster Bau GmbH & Co. KG',
    });
    const missing = compileMapping(spec(fields), 'Thing').map({ NAME1: '', NAME2: null }, context);
    expect(missing.ok === false && missing.error).toMatchObject({
      sourceField: 'NAME1+NAME2+NAME3',
      rule: 'required',
      message: 'data.name is required but source field "NAME1+NAME2+NAME3" is missing or empty',
      record: 'line 17',
    });
    expect(() => compileMapping(spec([{ to: 'data.name', from: [] }]), 'Thing')).toThrow(
      /"from" must be a source field path \(or a list of them\)/,
    );
  });
});

describe('outbound leaves', () => {
  const outboundSpec = (fields: unknown[]): SystemSpec => ({
    system: 'test',
    title: 'test',
    inbound: {},
    outbound: { Row: { consumes: 'interaction-event', fields: fields as Rule[] } },
  });
  const event = {
    eventId: context.eventId,
    schemaVersion: '1.0',
    type: 'withdrawal',
    occurredAt: context.occurredAt,
    channel: 'branch',
    source: { system: 'core-banking' },
    customer: { ref: 'core-banking:1', identifiers: [{ system: 'core-banking', id: '1' }] },
    amount: { value: -1234.5, currency: 'EUR' },
    data: { flagged: true },
  };

  it('writes text: numbers become text, booleans need a flag transform', () => {
    const ok = compileOutbound(
      outboundSpec([
        {
          to: 'BETRAG',
          from: 'amount.value',
          transforms: [{ formatDecimal: { locale: 'de', trailingSign: true } }],
        },
        { to: 'RAW', from: 'amount.value' },
        { to: 'FLAG', from: 'data.flagged', transforms: ['flag'] },
        { each: 'customer.identifiers', to: 'IDS', fields: [{ to: 'ID', from: 'id' }] },
      ]),
      'Row',
    ).map(event);
    expect(ok).toEqual({
      ok: true,
      value: { BETRAG: '1.234,50-', RAW: '-1234.5', FLAG: 'X', IDS: [{ ID: '1' }] },
    });
    const bad = compileOutbound(outboundSpec([{ to: 'FLAG', from: 'data.flagged' }]), 'Row').map(event, {
      recordRef: 'event 1',
    });
    expect(bad).toEqual({
      ok: false,
      error: {
        field: 'FLAG',
        sourceField: 'data.flagged',
        rule: 'type',
        message:
          'FLAG (from source field "data.flagged"): a legacy field holds text, got boolean; add a "flag" transform to write it',
        record: 'event 1',
      },
    });
  });

  it('needs an outbound section', () => {
    expect(() => compileOutbound({ system: 'test', title: 't', inbound: {} }, 'Row')).toThrow(
      /has no "outbound" record kinds/,
    );
    expect(() => compileOutbound(outboundSpec([]), 'Row').map(event)).not.toThrow();
    expect(() =>
      compileOutbound({ ...outboundSpec([]), outbound: { Row: { consumes: 'nope', fields: [] } } }, 'Row'),
    ).toThrow(/"consumes": unknown canonical schema "nope"/);
  });
});

describe('constants', () => {
  it('refuses a "__proto__" key in a set constant, which would set a prototype in the output', () => {
    const base = eventSpec([]);
    const thing = base.inbound.Thing;
    thing.set = { ...thing.set, data: JSON.parse('{"a": [{"__proto__": {"polluted": 1}}]}') as unknown };
    expect(() => compileMapping(base, 'Thing')).toThrow(
      /set\["data"\]: a constant cannot contain the key "__proto__"/,
    );
  });
});
