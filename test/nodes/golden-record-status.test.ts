/**
 * What an integrator reads under the golden-record node. It used to show the broker's "connected"
 * before it had taken any record (and nothing at all without a broker), and a broker's change of state
 * replaced its counts, as a count replaced "disconnected". Now: the store opening, "ready", then the
 * counts, with the broker's state beside them while it is not connected.
 */
import { randomUUID } from 'node:crypto';
import type { NodeStatus } from 'node-red';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { all, helper, load, nextError, nextInput, tempDir, useHelper, type FlowNode } from './harness';
import { statusesSoFar, statusMatching } from './node-status';

const vhost = `crm-hub-golden-status-${randomUUID().slice(0, 8)}`;
let brokerUrl = '';
beforeAll(() => {
  brokerUrl = createVhost(vhost);
});
afterAll(() => deleteVhost(vhost));

useHelper();

const anna = {
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  identifiers: [{ system: 'crm', id: '4711' }],
  updatedAt: '2026-11-20T10:00:00Z',
  source: { system: 'crm' },
};

const flow = (broker?: FlowNode, databaseUrl = ''): FlowNode[] => [
  ...(broker ? [broker] : []),
  { id: 'store', type: 'hub-store', databaseUrl, directory: tempDir('golden-status') },
  {
    id: 'golden',
    type: 'golden-record',
    store: 'store',
    broker: broker?.id ?? '',
    version: 2,
    wires: [['stored']],
  },
  { id: 'stored', type: 'helper' },
];
const brokerAt = (urls: string): FlowNode => ({
  id: 'broker',
  type: 'amqp-broker',
  urls,
  heartbeat: '30',
  version: 2,
});

const texts = (statuses: NodeStatus[]) => statuses.map((s) => s.text);
const withText = (text: string) => (s: NodeStatus) => s.text === text;
/** The first status of the golden node that passes, shown already or still to come. */
const seen = (test: (s: NodeStatus) => boolean): Promise<NodeStatus> => {
  const shown = statusesSoFar('golden').find(test);
  return shown ? Promise.resolve(shown) : statusMatching('golden', test);
};

/** The node's output, or its error as a rejection, so a failure names itself. */
async function take(payload: unknown): Promise<unknown> {
  const out = nextInput('stored');
  const failed = nextError('golden').then((e) => Promise.reject(new Error(e)));
  helper.getNode('golden').receive({ payload });
  return Promise.race([out, failed]);
}

describe('golden-record status', () => {
  it('without a broker: the store opening, then "ready" before the first record, then the count', async () => {
    await load(all, flow());
    await seen(withText('golden-record.status.ready'));
    expect(statusesSoFar('golden')).toEqual([
      { fill: 'yellow', shape: 'ring', text: 'golden-record.status.opening' },
      { fill: 'green', shape: 'dot', text: 'golden-record.status.ready' },
    ]);
    const counted = statusMatching('golden', withText('golden-record.status.counted'));
    await take(anna);
    expect(await counted).toEqual({ fill: 'green', shape: 'dot', text: 'golden-record.status.counted' });
  });

  it('with a broker that is up: "ready" once store and bus are, never the broker\'s bare "connected"', async () => {
    await load(all, flow(brokerAt(brokerUrl)));
    expect(await seen(withText('golden-record.status.ready'))).toEqual({
      fill: 'green',
      shape: 'dot',
      text: 'golden-record.status.ready',
    });
    expect(texts(statusesSoFar('golden')).filter((t) => t?.startsWith('node-red:'))).toEqual([]);
  });

  it('with a broker that is away: records are still taken in, and the status says the broker is away', async () => {
    // nothing listens on port 1: the bus keeps retrying, the records go to the store and its outbox
    await load(all, flow(brokerAt('amqp://guest:guest@127.0.0.1:1')));
    await take(anna);
    const away = await seen(withText('golden-record.status.broker-away'));
    expect(away).toMatchObject({ fill: 'yellow', shape: 'ring' });
    expect(texts(statusesSoFar('golden'))).not.toContain('golden-record.status.counted');
  });

  it('with a store whose settings cannot be used: says so before any record, in red', async () => {
    await load(all, flow(undefined, 'mysql://u@127.0.0.1/x'));
    expect(await seen((s) => s.fill === 'red')).toEqual({
      fill: 'red',
      shape: 'ring',
      text: 'hub-store.status.unusable',
    });
  });
});
