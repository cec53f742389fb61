import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { migrations } from '../../nodes/from-canonical/migrations';
import { migrate } from '../../nodes/shared/migrate';
import { loadSystemSpec } from '../../mappings/engine';
import { all, helper, load, loggedErrors, nextError, nextInput, useHelper } from './harness';
import { statusesSoFar, statusMatching, watchStatus } from './node-status';

useHelper();

/** A small outbound spec of the user's own, entered in the legacy-system node. */
const spec = {
  system: 'crm',
  title: 'call-center CRM',
  inbound: {},
  outbound: {
    AddressUpdate: {
      consumes: 'interaction-event',
      fields: [
        { to: 'customerNumber', from: 'customer.identifiers[0].id', required: true },
        { to: 'street', from: 'data.address.street' },
        { to: 'postalCode', from: 'data.address.postalCode' },
        { to: 'city', from: 'data.address.city' },
        { to: 'country', from: 'data.address.country' },
      ],
    },
  },
};

const event = {
  eventId: '3b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: '2026-11-22T10:00:00.000Z',
  channel: 'web',
  source: { system: 'web' },
  customer: { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
  data: { address: { street: 'Hauptstraße 5', postalCode: '80331', city: 'München', country: 'DE' } },
};

const flow = [
  { id: 'sys', type: 'legacy-system', systemId: 'crm', mapping: JSON.stringify(spec) },
  {
    id: 'map',
    type: 'from-canonical',
    system: 'sys',
    record: 'AddressUpdate',
    wires: [['ok'], ['rejected']],
  },
  { id: 'ok', type: 'helper' },
  { id: 'rejected', type: 'helper' },
];

describe('from-canonical', () => {
  it('maps a canonical event to the legacy record the system receives', async () => {
    await load(all, flow);
    const got = nextInput<{ payload: Record<string, unknown> }>('ok');
    helper.getNode('map').receive({ payload: event });
    expect((await got).payload).toEqual({
      customerNumber: '0004711',
      street: 'Hauptstraße 5',
      postalCode: '80331',
      city: 'München',
      country: 'DE',
    });
  });

  it('rejects a document that is not valid canonical data, naming the field, to output 2 and Catch', async () => {
    await load(all, flow);
    const rejected = nextInput<{ error: { field: string } }>('rejected');
    const caught = nextError('map');
    helper
      .getNode('map')
      .receive({ payload: { ...event, data: { address: { ...event.data.address, country: 'Germany' } } } });
    expect((await rejected).error.field).toBe('data.address.country');
    expect(await caught).toContain('AddressUpdate');
  });

  it('counts mapped and rejected records in its status, from its locale', async () => {
    await load(all, flow);
    const status = watchStatus('map');
    const ok = nextInput('ok');
    helper.getNode('map').receive({ payload: event });
    await ok;
    expect(status.last()?.text).toBe('from-canonical.status.counted');
    const rejected = nextInput('rejected');
    // the status is set at most every 100 ms, the newest counts last (nodes/shared/red.ts)
    const yellow = statusMatching('map', (s) => s.fill === 'yellow');
    helper.getNode('map').receive({ payload: { ...event, customer: { ref: 'crm:1', identifiers: [] } } });
    await rejected;
    await yellow;
    expect(status.last()).toEqual({
      fill: 'yellow',
      shape: 'dot',
      text: 'from-canonical.status.counted-rejected',
    });
  });
});

/** A customer as the canonical schema has it, for the shipped Salesforce spec. */
const customer = {
  schemaVersion: '1.0',
  customerRef: 'salesforce:0035g00000XyZaBAAV',
  kind: 'person',
  identifiers: [{ system: 'salesforce', id: '0035g00000XyZaBAAV' }],
  person: { givenName: 'Anna', familyName: 'Muster' },
  source: { system: 'salesforce' },
  updatedAt: '2026-11-22T10:00:00.000Z',
};

function mappingFlow(mapping: string, record = '', output = 'record', systemId = 'crm') {
  return [
    { id: 'sys', type: 'legacy-system', systemId, mapping },
    { id: 'map', type: 'from-canonical', system: 'sys', record, output, wires: [['ok'], ['rejected']] },
    { id: 'ok', type: 'helper' },
    { id: 'rejected', type: 'helper' },
  ];
}

describe('from-canonical to SAP', () => {
  it('numbers each IDoc from the update\'s messageId, and takes a site\'s partners from "extends": "sap"', async () => {
    const site = { extends: 'sap', outbound: { DEBMAS: { set: { 'EDI_DC40.RCVPRN': 'PE1CLNT100' } } } };
    await load(all, mappingFlow(JSON.stringify(site), '', 'document', 'sap'));
    const sapCustomer = {
      ...customer,
      customerRef: 'sap:4711',
      identifiers: [{ system: 'sap', id: '4711' }],
      source: { system: 'sap' },
    };
    const first = nextInput<{ payload: string }>('ok');
    helper.getNode('map').receive({ payload: sapCustomer, messageId: 'evt-1:sap:4711' });
    const again = (await first).payload;
    expect(again).toMatch(/<DOCNUM>\d{16}<\/DOCNUM>/);
    expect(again).toContain('<RCVPRN>PE1CLNT100</RCVPRN>');
    expect(again).toContain('<SNDPRN>CRMHUB</SNDPRN>');
    const redelivered = nextInput<{ payload: string }>('ok');
    helper.getNode('map').receive({ payload: sapCustomer, messageId: 'evt-1:sap:4711' });
    expect((await redelivered).payload).toBe(again);
    const next = nextInput<{ payload: string }>('ok');
    helper.getNode('map').receive({ payload: sapCustomer, messageId: 'evt-2:sap:4711' });
    const docnum = (xml: string) => /<DOCNUM>(\d+)<\/DOCNUM>/.exec(xml)?.[1];
    expect(docnum((await next).payload)).not.toBe(docnum(again));
  });
});

describe('from-canonical without a record kind on the node or the message', () => {
  it("produces the spec's only outbound record kind", async () => {
    const oldCrm = { ...spec, system: 'old-crm', outbound: { Kunde: spec.outbound.AddressUpdate } };
    await load(all, mappingFlow(JSON.stringify(oldCrm), '', 'record', 'old-crm'));
    const got = nextInput<{ payload: Record<string, unknown> }>('ok');
    helper.getNode('map').receive({ payload: event });
    expect((await got).payload).toMatchObject({ customerNumber: '0004711', city: 'München' });
  });

  it("produces the spec's format.outboundRecordKind, as `crm-hub map --reverse` does", async () => {
    const salesforce = loadSystemSpec('salesforce');
    // a second outbound kind, so only outboundRecordKind can name Contact
    salesforce.outbound = { ...salesforce.outbound, Lead: spec.outbound.AddressUpdate };
    await load(all, mappingFlow(JSON.stringify(salesforce), '', 'document', 'salesforce'));
    const got = nextInput<{ payload: string; contentType: string }>('ok');
    helper.getNode('map').receive({ payload: customer });
    const { payload, contentType } = await got;
    expect(contentType).toBe('application/json');
    expect(JSON.parse(payload)).toMatchObject({ FirstName: 'Anna', LastName: 'Muster' });
  });

  it('says how to name one when nothing names it', async () => {
    const two = { ...spec, outbound: { A: spec.outbound.AddressUpdate, B: spec.outbound.AddressUpdate } };
    await load(all, mappingFlow(JSON.stringify(two)));
    const rejected = nextInput<{ error: { message: string } }>('rejected');
    const caught = nextError('map');
    helper.getNode('map').receive({ payload: event });
    expect((await rejected).error.message).toBe('from-canonical.errors.no-record-kind');
    expect(await caught).toContain('from-canonical.errors.no-record-kind');
  });
});

describe('from-canonical checks its mapping at deploy', () => {
  const broken = {
    ...spec,
    outbound: {
      AddressUpdate: {
        ...spec.outbound.AddressUpdate,
        fields: [{ to: 'customerNumber', from: 'customer.noSuchField' }],
      },
    },
  };

  it.each(['AddressUpdate', ''])(
    'turns red and names the field of a spec that cannot compile (Record "%s")',
    async (record) => {
      await load(all, mappingFlow(JSON.stringify(broken), record));
      expect(loggedErrors('map')).toEqual([expect.stringContaining('customer.noSuchField')]);
      expect(statusesSoFar('map')).toEqual([
        { fill: 'red', shape: 'ring', text: expect.stringContaining('customer.noSuchField') },
      ]);
      const rejected = nextInput<{ error: { message: string } }>('rejected');
      helper.getNode('map').receive({ payload: event });
      expect((await rejected).error.message).toContain('customer.noSuchField');
    },
  );

  it('turns red when the spec has no outbound record kinds', async () => {
    await load(all, mappingFlow('', '', 'record', 'crm'));
    expect(loggedErrors('map')).toEqual([expect.stringContaining('has no "outbound" record kinds')]);
  });

  it('turns red for output "document" when the format of the spec cannot be read', async () => {
    const fixedWidth = { ...spec, format: { kind: 'fixed-width', layout: 'layouts/none.json' } };
    await load(all, mappingFlow(JSON.stringify(fixedWidth), 'AddressUpdate', 'document'));
    expect(loggedErrors('map')).toEqual([expect.stringContaining('format.layout')]);
  });

  it('stays quiet at deploy with a spec that compiles', async () => {
    await load(all, flow);
    expect(loggedErrors('map')).toEqual([]);
    expect(statusesSoFar('map')).toEqual([]);
  });
});

describe('from-canonical output "document" in a legacy charset', () => {
  const oldcrm = readFileSync(join(__dirname, '..', 'fixtures', 'cli', 'oldcrm.spec.json'), 'utf8');
  const customer = (givenName: string) => ({
    schemaVersion: '1.0',
    customerRef: 'oldcrm:1001',
    kind: 'person',
    identifiers: [{ system: 'oldcrm', id: '1001' }],
    person: { givenName, familyName: 'Weiß €' },
    updatedAt: '2024-03-15T00:00:00Z',
    source: { system: 'oldcrm' },
  });
  const csvFlow = [
    { id: 'sys', type: 'legacy-system', systemId: 'oldcrm', mapping: oldcrm },
    { ...flow[1], record: 'KUNDE', output: 'document' },
    flow[2],
    flow[3],
  ];

  it('writes the CSV row as windows-1252 bytes with every column, and names the charset', async () => {
    await load(all, csvFlow);
    const got = nextInput<{ payload: Buffer; contentType: string }>('ok');
    helper.getNode('map').receive({ payload: customer('Jürgen') });
    const msg = await got;
    expect(msg.contentType).toBe('text/csv; charset=windows-1252');
    expect(Buffer.isBuffer(msg.payload)).toBe(true);
    expect(iconv.decode(msg.payload, 'windows-1252')).toBe(
      'Anrede;KdNr;Vorname;Nachname;EMail\r\n;1001;Jürgen;Weiß €;\r\n',
    );
  });

  it('rejects a record the charset cannot hold with rule "encode", to output 2 and Catch', async () => {
    await load(all, csvFlow);
    const rejected = nextInput<{ error: { field: string; rule: string; message: string } }>('rejected');
    const caught = nextError('map');
    helper.getNode('map').receive({ payload: customer('Łukasz') });
    expect((await rejected).error).toMatchObject({
      field: 'Vorname',
      rule: 'encode',
      message: 'field Vorname: "Ł" (U+0141) cannot be written in windows-1252',
    });
    expect(await caught).toContain('cannot be written in windows-1252');
  });
});

describe('from-canonical config versions', () => {
  it('reads a config saved before versions existed in the current shape and maps with it', async () => {
    const saved = { id: 'map', type: 'from-canonical', system: 'sys', record: 'AddressUpdate' };
    expect(migrate(saved, migrations)).toEqual({ ...saved, output: 'record', version: 2 });
    await load(all, [flow[0], { ...saved, wires: [['ok'], ['rejected']] }, flow[2], flow[3]]);
    const got = nextInput<{ payload: { customerNumber: string } }>('ok');
    helper.getNode('map').receive({ payload: event });
    expect((await got).payload.customerNumber).toBe('0004711');
  });
});
