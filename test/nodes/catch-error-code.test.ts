import { all, core, helper, load, nextInput, useHelper } from './harness';
import { goodAddress } from './soap-fixtures';

useHelper();

/**
 * What an integrator wires after a CRM Hub node: a Catch node, then a switch on msg.error.code.
 * Node-RED copies only message, source, code, stack and cause into msg.error, so the library error's
 * kind has to arrive as its code.
 */
describe('errors reach a Catch node with their kind as msg.error.code', () => {
  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'sys', type: 'legacy-system', z: 'tab', systemId: 'crm', mapping: '' },
    { id: 'map', type: 'to-canonical', z: 'tab', system: 'sys', record: '', wires: [[], []] },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['map'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];

  it('a record the mapping refuses is caught with code "rejected", the message and the source node', async () => {
    await load([...all, core.catchNode], flow);
    const caught = nextInput<{ error: { code?: string; message: string; source: { id: string } } }>('caught');
    helper
      .getNode('map')
      .receive({ payload: { ...goodAddress, country: 'Germany' }, topic: 'ReportAddressChange' });
    const { error } = await caught;
    expect(error.code).toBe('rejected');
    expect(error.message).toContain('ReportAddressChange');
    expect(error.source.id).toBe('map');
  });
});
