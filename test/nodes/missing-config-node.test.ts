import type { NodeAPI } from 'node-red';
import { all, core, helper, load, nextInput, useHelper, type FlowNode } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const legacyDecode = require('../../nodes/legacy-decode/legacy-decode') as {
  default: (red: NodeAPI) => void;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const syncTarget = require('../../nodes/sync-target/sync-target') as {
  default: (red: NodeAPI) => void;
};

useHelper();

/**
 * A node deployed without its config node (dropped from the palette and deployed anyway, imported
 * without the config node, or the config node on a disabled tab) must not swallow messages: each one
 * fails with done(err), so a Catch node sees it, a Complete node and amqp-in's completion tracking
 * learn that it ended, and a switch on msg.error.code routes it as `misconfigured`.
 */
describe('a node whose config node is missing fails every message instead of dropping it', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['amqp-out', { broker: '', exchange: '', routingKey: '' }],
    ['to-canonical', { system: '', record: '' }],
    ['from-canonical', { system: '', record: '' }],
    ['legacy-decode', { system: '' }],
    ['golden-record', { store: '', broker: '' }],
    ['golden-record', { store: 'gone', broker: '' }],
    ['channel-action', { store: '', broker: '' }],
    ['next-best-offer', { store: '' }],
    ['sync-target', { store: '', system: '' }],
    ['sync-target', { store: 'gone', system: 'gone' }],
  ];

  it.each(cases)('%s %j', async (type, props) => {
    const flow: FlowNode[] = [
      { id: 'tab', type: 'tab' },
      { id: 'n', type, z: 'tab', ...props, wires: [[], []] },
      { id: 'catcher', type: 'catch', z: 'tab', scope: ['n'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
    await load([...all, legacyDecode.default, syncTarget.default, core.catchNode], flow);
    const caught = nextInput<{ _msgid: string; error: { code?: string; source: { id: string } } }>('caught');
    helper.getNode('n').receive({ _msgid: 'm1', payload: { any: 'thing' } });
    const msg = await caught;
    expect(msg._msgid).toBe('m1');
    expect(msg.error.code).toBe('misconfigured');
    expect(msg.error.source.id).toBe('n');
  });
});
