import type { NodeAPI } from 'node-red';
import decode from '../../nodes/legacy-decode/legacy-decode';
import { all, helper, load, loggedErrors, nextInput, useHelper, type FlowNode } from './harness';
import { statusesSoFar } from './node-status';

const legacyDecode = (red: NodeAPI) => {
  const api = red as NodeAPI & { hooks?: unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  api.hooks ??= require('@node-red/util').hooks;
  decode(red);
};

useHelper();

const flow = (systemId: string): FlowNode[] => [
  { id: 'sys', type: 'legacy-system', systemId, mapping: '' },
  { id: 'decode', type: 'legacy-decode', system: 'sys', wires: [['out']] },
  { id: 'out', type: 'helper' },
];

describe('legacy-decode', () => {
  it('turns red at deploy when the system has no spec, naming the system', async () => {
    await load([...all, legacyDecode], flow('unknown-sys'));
    expect(loggedErrors('decode')).toEqual(['legacy-decode.errors.spec']);
    expect(statusesSoFar('decode')).toEqual([
      { fill: 'red', shape: 'ring', text: expect.stringContaining('"unknown-sys"') },
    ]);
  });

  it('sends one message per record of a document, msg.topic its record kind', async () => {
    await load([...all, legacyDecode], flow('salesforce'));
    expect(statusesSoFar('decode')).toEqual([]);
    const got = nextInput<{ topic: string; payload: { Id: string } }>('out');
    helper
      .getNode('decode')
      .receive({ payload: JSON.stringify({ records: [{ Id: '1', attributes: { type: 'Contact' } }] }) });
    expect(await got).toMatchObject({ topic: 'Contact', payload: { Id: '1' } });
  });
});
