/**
 * What an integrator reads under an amqp-out node: "ready" once the broker is connected, then what it
 * published, with the broker's state beside the counts while it is away. Before, the broker's state and
 * the counts replaced each other: "5 published" stayed on show while nothing could be published.
 */
import type { NodeStatus } from 'node-red';
import { all, helper, load, nextError, RABBIT_URL, useHelper, type FlowNode } from './harness';
import { statusesSoFar, statusMatching } from './node-status';

useHelper();

const flow = (urls: string): FlowNode[] => [
  { id: 'broker', type: 'amqp-broker', urls, heartbeat: '30', version: 2 },
  // a queue of the default exchange's that no one declares: nothing is ever delivered anywhere
  {
    id: 'out',
    type: 'amqp-out',
    broker: 'broker',
    destination: 'queue',
    queue: 'crm-hub.nobody',
    version: 2,
    wires: [[]],
  },
];

const seen = (test: (s: NodeStatus) => boolean): Promise<NodeStatus> => {
  const shown = statusesSoFar('out').find(test);
  return shown ? Promise.resolve(shown) : statusMatching('out', test);
};

describe('amqp-out status', () => {
  it('shows "ready" once the broker is connected, never its bare "connected"', async () => {
    await load(all, flow(RABBIT_URL));
    expect(await seen((s) => s.text === 'amqp-out.status.ready')).toEqual({
      fill: 'green',
      shape: 'dot',
      text: 'amqp-out.status.ready',
    });
    expect(statusesSoFar('out').filter((s) => String(s.text).startsWith('node-red:'))).toEqual([]);
  });

  it('keeps the broker being away in view after a failed publish', async () => {
    // nothing listens on port 1: the bus keeps retrying
    await load(all, flow('amqp://guest:guest@127.0.0.1:1'));
    const failed = nextError('out');
    helper.getNode('out').receive({ payload: { any: 'thing' } });
    await failed;
    const after = await seen((s) => s.text === 'amqp-out.status.broker-away' && s.fill === 'red');
    expect(after).toEqual({ fill: 'red', shape: 'ring', text: 'amqp-out.status.broker-away' });
    expect(statusesSoFar('out').map((s) => s.text)).not.toContain('amqp-out.status.counted-rejected');
  });
});
