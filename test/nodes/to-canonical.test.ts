import { all, helper, loggedErrors, nextError, nextInput, useHelper, load } from './harness';
import { goodAddress } from './soap-fixtures';

useHelper();

const flow = [
  { id: 'sys', type: 'legacy-system', systemId: 'crm', format: 'soap', mapping: '' },
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

  it('rejects a record kind the mapping does not know, naming it', async () => {
    await load(all, flow);
    const rejected = nextInput<{ error: { message: string } }>('rejected');
    helper.getNode('map').receive({ payload: goodAddress, topic: 'DeleteEverything' });
    expect((await rejected).error.message).toContain('DeleteEverything');
  });

  it('reports a missing legacy-system at deploy time', async () => {
    await load(all, [{ id: 'map', type: 'to-canonical', system: 'nope', wires: [[], []] }]);
    expect(loggedErrors('map')).toEqual(['to-canonical.errors.no-system']);
  });
});
