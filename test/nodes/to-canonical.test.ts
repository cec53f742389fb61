import fs from 'node:fs';
import path from 'node:path';
import { loadSystemSpec, MappingSpecError } from '../../mappings/engine';
import { RecordRejectedError } from '../../nodes/shared/mapping-node';
import { migrate } from '../../nodes/shared/migrate';
import { migrations } from '../../nodes/to-canonical/migrations';
import { all, helper, loggedErrors, nextError, nextInput, useHelper, load } from './harness';
import { reports, statusesSoFar, statusMatching, watchStatus } from './node-status';
import { goodAddress } from './soap-fixtures';

/** The error object the node hands to done(err) next, as a Catch node would see it (not a logged text). */
function nextErrorObject(nodeId: string): Promise<unknown> {
  const node = reports(nodeId);
  return new Promise((resolve) => {
    const listener = (call: { args: unknown[] }) => {
      if (typeof call.args[0] === 'string') return;
      node.removeListener('call:error', listener);
      resolve(call.args[0]);
    };
    node.on('call:error', listener);
  });
}

useHelper();

const flow = [
  { id: 'sys', type: 'legacy-system', systemId: 'crm', mapping: '' },
  { id: 'map', type: 'to-canonical', system: 'sys', record: '', wires: [['ok'], ['rejected']] },
  { id: 'ok', type: 'helper' },
  { id: 'rejected', type: 'helper' },
];

describe('to-canonical', () => {
  it('maps a ReportAddressChange call to a valid canonical address-changed event', async () => {
    await load(all, flow);
    const got = nextInput<{ payload: Record<string, unknown> }>('ok');
    helper.getNode('map').receive({ payload: goodAddress, soap: { operation: 'ReportAddressChange' } });
    const { payload } = await got;
    expect(payload).toMatchObject({
      type: 'address-changed',
      channel: 'call-center',
      customer: { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
      data: { address: { street: 'Hauptstraße 5', postalCode: '80331', city: 'München', country: 'DE' } },
      source: { system: 'crm', operation: 'ReportAddressChange' },
    });
    expect(payload.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends an invalid record to the second output with the field and to Catch', async () => {
    await load(all, flow);
    const rejected = nextInput<{ error: Record<string, string> }>('rejected');
    const caught = nextError('map');
    helper
      .getNode('map')
      .receive({ payload: { ...goodAddress, country: 'Germany' }, topic: 'ReportAddressChange' });
    const { error } = await rejected;
    expect(error).toMatchObject({ field: 'data.address.country', sourceField: 'country', system: 'crm' });
    expect(await caught).toContain('ReportAddressChange');
  });

  it('rejects a record kind the mapping does not know, naming it, and hands Catch the original error', async () => {
    await load(all, flow);
    const rejected = nextInput<{ error: { message: string } }>('rejected');
    const caught = nextErrorObject('map');
    helper.getNode('map').receive({ payload: goodAddress, topic: 'DeleteEverything' });
    expect((await rejected).error.message).toContain('DeleteEverything');
    expect(await caught).toBeInstanceOf(MappingSpecError);
  });

  it('hands Catch a rejection with its kind and field, and counts both outcomes in the status', async () => {
    await load(all, flow);
    const status = watchStatus('map');
    const ok = nextInput('ok');
    helper.getNode('map').receive({ payload: goodAddress, topic: 'ReportAddressChange' });
    await ok;
    expect(status.last()).toEqual({ fill: 'green', shape: 'dot', text: 'to-canonical.status.counted' });

    const caught = nextErrorObject('map');
    // the status is set at most every 100 ms, the newest counts last (nodes/shared/red.ts)
    const yellow = statusMatching('map', (s) => s.fill === 'yellow');
    helper
      .getNode('map')
      .receive({ payload: { ...goodAddress, country: 'Germany' }, topic: 'ReportAddressChange' });
    const error = await caught;
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect(error).toMatchObject({
      kind: 'rejected',
      system: 'crm',
      recordKind: 'ReportAddressChange',
      reason: { field: 'data.address.country' },
    });
    await yellow;
    expect(status.last()).toEqual({
      fill: 'yellow',
      shape: 'dot',
      text: 'to-canonical.status.counted-rejected',
    });
  });

  it('reports a missing legacy-system at deploy time', async () => {
    await load(all, [{ id: 'map', type: 'to-canonical', system: 'nope', wires: [[], []] }]);
    expect(loggedErrors('map')).toEqual(['to-canonical.errors.no-system']);
  });
});

/** mappings/systems/salesforce.json as a user would paste it, with one rule naming no canonical field. */
function brokenSalesforce(): string {
  const spec = loadSystemSpec('salesforce');
  (spec.inbound.Contact.fields[0] as { to: string }).to = 'noSuchCanonicalField';
  return JSON.stringify(spec);
}

const queryResponse = fs.readFileSync(
  path.join(__dirname, '..', 'fixtures', 'legacy', 'salesforce', 'contacts-query.json'),
  'utf8',
);
const contact = (JSON.parse(queryResponse) as { records: Record<string, unknown>[] }).records[0];

function salesforceFlow(record: string, mapping = '') {
  return [
    { id: 'sys', type: 'legacy-system', systemId: 'salesforce', mapping },
    { id: 'map', type: 'to-canonical', system: 'sys', record, wires: [['ok'], ['rejected']] },
    { id: 'ok', type: 'helper' },
    { id: 'rejected', type: 'helper' },
  ];
}

describe('to-canonical checks its mapping at deploy', () => {
  it.each(['Contact', ''])(
    'turns red and names the field of a spec that cannot compile (Record "%s"); a record then gets the same error',
    async (record) => {
      await load(all, salesforceFlow(record, brokenSalesforce()));
      expect(loggedErrors('map')).toEqual([expect.stringContaining('"noSuchCanonicalField"')]);
      expect(statusesSoFar('map')).toEqual([
        { fill: 'red', shape: 'ring', text: expect.stringContaining('noSuchCanonicalField') },
      ]);

      const rejected = nextInput<{ error: { message: string } }>('rejected');
      const caught = nextErrorObject('map');
      helper.getNode('map').receive({ payload: contact });
      expect((await rejected).error.message).toContain('the canonical schema has no field');
      expect(await caught).toBeInstanceOf(MappingSpecError);
    },
  );

  it('turns red when the system has no spec, naming the system', async () => {
    await load(all, [
      { id: 'sys', type: 'legacy-system', systemId: 'unknown-sys', mapping: '' },
      { id: 'map', type: 'to-canonical', system: 'sys', record: '', wires: [[], []] },
    ]);
    expect(loggedErrors('map')).toEqual([expect.stringContaining("'unknown-sys' cannot be loaded")]);
    expect(statusesSoFar('map')).toEqual([
      { fill: 'red', shape: 'ring', text: expect.stringContaining('unknown-sys') },
    ]);
  });

  it('turns red when its Record names a kind the spec lacks', async () => {
    await load(all, salesforceFlow('Lead'));
    expect(loggedErrors('map')).toEqual([expect.stringContaining('no such record kind (known: Contact)')]);
  });

  it('stays quiet at deploy with a spec that compiles', async () => {
    await load(all, salesforceFlow(''));
    expect(loggedErrors('map')).toEqual([]);
    expect(statusesSoFar('map')).toEqual([]);
  });
});

describe('to-canonical reads a document in the system format', () => {
  it.each([
    ['a JSON string', (json: string): unknown => json],
    ['a Buffer', (json: string): unknown => Buffer.from(json, 'utf8')],
  ])('maps %s holding one record', async (_what, wrapAs) => {
    await load(all, salesforceFlow(''));
    const got = nextInput<{ payload: Record<string, unknown>; recordRef?: unknown }>('ok');
    helper.getNode('map').receive({ payload: wrapAs(JSON.stringify(contact)) });
    expect((await got).payload).toMatchObject({ customerRef: 'salesforce:0035g00000XyZaBAAV' });
  });

  it('maps a SAP IDoc given as XML text', async () => {
    const idoc = fs.readFileSync(
      path.join(__dirname, '..', 'fixtures', 'legacy', 'sap', 'debmas07-create.xml'),
    );
    await load(all, [
      { id: 'sys', type: 'legacy-system', systemId: 'sap', mapping: '' },
      { id: 'map', type: 'to-canonical', system: 'sys', record: '', wires: [['ok'], ['rejected']] },
      { id: 'ok', type: 'helper' },
      { id: 'rejected', type: 'helper' },
    ]);
    const got = nextInput<{ payload: { customerRef: string } }>('ok');
    helper.getNode('map').receive({ payload: idoc });
    expect((await got).payload.customerRef).toMatch(/^sap:/);
  });

  it('refuses a document of several records, pointing to legacy-decode', async () => {
    await load(all, salesforceFlow(''));
    const rejected = nextInput<{ error: { rule: string; message: string } }>('rejected');
    const caught = nextErrorObject('map');
    helper.getNode('map').receive({ payload: queryResponse });
    expect((await rejected).error).toMatchObject({
      rule: 'decode',
      message: 'to-canonical.errors.several-records',
    });
    expect(await caught).toBeInstanceOf(RecordRejectedError);
  });

  it('rejects text that is not in the system format with the reader reason', async () => {
    await load(all, salesforceFlow(''));
    const rejected = nextInput<{ error: { rule: string; message: string } }>('rejected');
    helper.getNode('map').receive({ payload: '{ not json' });
    expect((await rejected).error).toMatchObject({ rule: 'decode', message: 'to-canonical.errors.not-json' });
  });

  it('refuses a payload that is neither a record nor a document', async () => {
    await load(all, salesforceFlow(''));
    const rejected = nextInput<{ error: { message: string } }>('rejected');
    helper.getNode('map').receive({ payload: 42 });
    expect((await rejected).error.message).toBe('to-canonical.errors.not-an-object');
  });
});

describe('to-canonical without a record kind on the node or the message', () => {
  it("maps a record as the spec's format names it (salesforce: attributes.type)", async () => {
    await load(all, salesforceFlow(''));
    const got = nextInput<{ payload: Record<string, unknown> }>('ok');
    helper.getNode('map').receive({ payload: contact });
    expect((await got).payload).toMatchObject({ customerRef: 'salesforce:0035g00000XyZaBAAV' });
  });

  it("maps a record as the spec's only record kind", async () => {
    await load(all, flow);
    const got = nextInput<{ payload: { type: string } }>('ok');
    helper.getNode('map').receive({ payload: goodAddress });
    expect((await got).payload.type).toBe('address-changed');
  });

  it('says how to name one when nothing names it', async () => {
    // the hub's own SOAP spec has two operations and no format.recordKind
    await load(all, [
      { id: 'sys', type: 'legacy-system', systemId: 'hub', mapping: '' },
      { id: 'map', type: 'to-canonical', system: 'sys', record: '', wires: [['ok'], ['rejected']] },
      { id: 'ok', type: 'helper' },
      { id: 'rejected', type: 'helper' },
    ]);
    const rejected = nextInput<{ error: { message: string } }>('rejected');
    const caught = nextError('map');
    helper.getNode('map').receive({ payload: { customerNumber: '1' } });
    expect((await rejected).error.message).toBe('to-canonical.errors.no-record-kind');
    expect(await caught).toContain('to-canonical.errors.no-record-kind');
  });
});

describe('to-canonical config versions', () => {
  it('reads a config saved before versions existed in the current shape and maps with it', async () => {
    const saved = { id: 'map', type: 'to-canonical', system: 'sys', record: 'ReportAddressChange' };
    expect(migrate(saved, migrations)).toEqual({ ...saved, version: 1 });
    await load(all, [flow[0], { ...saved, wires: [['ok'], ['rejected']] }, flow[2], flow[3]]);
    const got = nextInput<{ payload: { type: string } }>('ok');
    helper.getNode('map').receive({ payload: goodAddress });
    expect((await got).payload.type).toBe('address-changed');
  });
});
