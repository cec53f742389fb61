import { helper, load, nodes, tempDir, useHelper, type FlowNode } from './harness';
import { whenStatus } from './amqp-test-nodes';

useHelper();

/**
 * An amqp-in without a queue (dropped from the palette and deployed, or `${QUEUE}` of a subflow
 * instance that sets it empty) can consume nothing. It says so once, with a red status, instead of
 * throwing from its constructor (Node-RED then creates no node at all) or retrying on every connect.
 */
describe('amqp-in without a queue', () => {
  const flow = (props: Record<string, unknown>): FlowNode[] => [
    { id: 'broker', type: 'amqp-broker', urls: '', heartbeat: '30', version: 2 },
    { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('no-queue'), version: 2 },
    {
      id: 'in',
      type: 'amqp-in',
      broker: 'broker',
      bindings: '#',
      ack: 'flow',
      timeout: '5000',
      store: '',
      version: 4,
      wires: [[]],
      ...props,
    },
  ];

  it.each([
    ['without a store', { queue: '' }],
    ['with an idempotency store', { queue: '  ', store: 'store' }],
  ])('%s: red status, one error, nothing consumed', async (_name, props) => {
    await load([nodes.amqpBroker, nodes.hubStore, nodes.amqpIn], flow(props));
    const node = helper.getNode('in');
    expect(node).toBeTruthy();
    await whenStatus('in', 'amqp-in.status.no-queue');
    const errors = (node.error as unknown as { getCalls(): { args: unknown[] }[] }).getCalls();
    expect(errors.map((c) => String(c.args[0]))).toEqual(['amqp-in.errors.no-queue']);
    const statuses = (node.status as unknown as { getCalls(): { args: unknown[] }[] }).getCalls();
    expect(statuses.map((c) => JSON.stringify(c.args[0]))).not.toContainEqual(
      expect.stringContaining('amqp-in.status.consuming'),
    );
  });

  it('the record-sync topology still consumes its own queue when none is typed in', async () => {
    await load(
      [nodes.amqpBroker, nodes.hubStore, nodes.amqpIn],
      flow({ queue: '', topology: 'sync-inbound' }),
    );
    await whenStatus('in', 'amqp-in.status.consuming');
  });
});
