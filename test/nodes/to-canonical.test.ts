import { MappingSpecError } from '../../mappings/engine';
import { RecordRejectedError } from '../../nodes/shared/mapping-node';
import { migrate } from '../../nodes/shared/migrate';
import { migrations } from '../../nodes/to-canonical/migrations';
import { all, helper, loggedErrors, nextError, nextInput, useHelper, load } from './harness';
import { statusMatching, watchStatus } from './node-status';
import { goodAddress } from './soap-fixtures';

/** The error object the node handed to done(err), as a Catch node would see it. */
function nextErrorObject(nodeId: string): Promise<unknown> {
  return new Promise((resolve) =>
    helper.getNode(nodeId).once('call:error', (call: { args: unknown[] }) => resolve(call.args[0])),
  );
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
