import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeStatus } from 'node-red';
import type { Bus, BusState } from '../../../connectors/amqp/bus';
import { busCountStatus } from '../../../nodes/shared/bus-count-status';
import type { RED } from '../../../nodes/shared/red';

const root = path.resolve(__dirname, '..', '..', '..');

/** RED._ over the real catalogs, in one language, as the runtime words a status for an editor. */
function redIn(lang: 'en-US' | 'de'): RED {
  const catalogs: Record<string, unknown> = {
    'node-red': JSON.parse(
      fs.readFileSync(require.resolve(`@node-red/nodes/locales/${lang}/messages.json`), 'utf8'),
    ),
  };
  for (const type of ['golden-record', 'amqp-out', 'amqp-broker'])
    catalogs[type] = JSON.parse(
      fs.readFileSync(path.join(root, 'nodes', type, 'locales', lang, `${type}.json`), 'utf8'),
    )[type];
  const _ = (key: string, values: Record<string, unknown> = {}) => {
    const [namespace, rest] = key.includes(':')
      ? key.split(':')
      : [key.split('.')[0], key.slice(key.indexOf('.') + 1)];
    let entry: unknown = catalogs[namespace];
    for (const part of rest.split('.')) entry = (entry as Record<string, unknown> | undefined)?.[part];
    if (typeof entry !== 'string') return key;
    return entry.replace(/__(\w+)__/g, (_m, name: string) => String(values[name]));
  };
  return { _ } as unknown as RED;
}

function fakeNode(): { node: Node; shown: NodeStatus[] } {
  const shown: NodeStatus[] = [];
  const node = Object.assign(new EventEmitter(), { status: (s: NodeStatus) => shown.push(s) });
  return { node: node as unknown as Node, shown };
}

/** A bus whose state the test sets, as the RabbitMQ bus emits it (with a reason when it lost the connection). */
function fakeBus(initial: BusState) {
  let current = initial;
  const bus = Object.assign(new EventEmitter(), { state: () => current });
  return {
    bus: bus as unknown as Bus,
    set(state: BusState, detail?: string) {
      current = state;
      bus.emit('state', state, detail);
    },
  };
}

/** Lets the store promise settle and the status throttle (100 ms) show the newest status. */
async function settle(): Promise<void> {
  await Promise.resolve();
  await Promise.resolve();
  jest.advanceTimersByTime(200);
}

describe('the status of a node that counts its work through the bus', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('reads "opening the store", "ready", then the counts, with no broker', async () => {
    const { node, shown } = fakeNode();
    let open: (v: unknown) => void = () => undefined;
    const status = busCountStatus(redIn('en-US'), node, 'golden-record', {
      store: new Promise((resolve) => (open = resolve)),
    });
    expect(shown).toEqual([{ fill: 'yellow', shape: 'ring', text: 'opening the store' }]);
    open({});
    await settle();
    expect(shown.at(-1)).toEqual({ fill: 'green', shape: 'dot', text: 'ready' });
    status.counts.ok = 2;
    status.counts.failed = 1;
    status.counted();
    await settle();
    expect(shown.at(-1)).toEqual({ fill: 'yellow', shape: 'dot', text: '2 taken in, 1 rejected' });
  });

  it('keeps the counts when the broker goes away and comes back, and says so meanwhile', async () => {
    const { node, shown } = fakeNode();
    const { bus, set } = fakeBus('connected');
    const status = busCountStatus(redIn('en-US'), node, 'golden-record', {
      store: Promise.resolve({}),
      bus,
      outbox: true,
    });
    await settle();
    expect(shown.at(-1)).toEqual({ fill: 'green', shape: 'dot', text: 'ready' });
    status.counts.ok = 3;
    status.counted();
    await settle();
    set('disconnected', 'Socket closed abruptly');
    await settle();
    expect(shown.at(-1)).toEqual({
      fill: 'yellow',
      shape: 'ring',
      text: '3 taken in · broker: disconnected: Socket closed abruptly',
    });
    set('connecting');
    await settle();
    expect(shown.at(-1)?.text).toBe('3 taken in · broker: connecting');
    set('connected');
    await settle();
    expect(shown.at(-1)).toEqual({ fill: 'green', shape: 'dot', text: '3 taken in' });
    // after close the bus is no longer followed
    status.stop();
    const before = shown.length;
    set('disconnected');
    await settle();
    expect(shown).toHaveLength(before);
  });

  it('says it in German too', async () => {
    const { node, shown } = fakeNode();
    const { bus, set } = fakeBus('connected');
    const status = busCountStatus(redIn('de'), node, 'golden-record', {
      store: Promise.resolve({}),
      bus,
      outbox: true,
    });
    await settle();
    expect(shown.at(-1)?.text).toBe('bereit');
    set('disconnected');
    await settle();
    expect(shown.at(-1)?.text).toBe('0 übernommen · Broker: Verbindung getrennt');
    status.counts.ok = 1;
    set('connected');
    await settle();
    expect(shown.at(-1)?.text).toBe('1 übernommen');
  });

  it('shows a store that cannot open in red, with its short reason', async () => {
    const { node, shown } = fakeNode();
    const refused = Object.assign(new Error('the store settings cannot be used: mysql://'), {
      statusText: 'store settings invalid',
    });
    busCountStatus(redIn('en-US'), node, 'golden-record', { store: Promise.reject(refused) });
    await settle();
    expect(shown.at(-1)).toEqual({ fill: 'red', shape: 'ring', text: 'store settings invalid' });
  });

  it('amqp-out: "ready", the published count, and a broker away in red, as nothing is published meanwhile', async () => {
    const { node, shown } = fakeNode();
    const { bus, set } = fakeBus('connecting');
    const status = busCountStatus(redIn('en-US'), node, 'amqp-out', { bus });
    expect(shown.at(-1)).toEqual({ fill: 'yellow', shape: 'ring', text: '0 published · broker: connecting' });
    set('connected');
    await settle();
    expect(shown.at(-1)).toEqual({ fill: 'green', shape: 'dot', text: 'ready' });
    status.counts.ok = 5;
    status.counted();
    set('disconnected', 'Socket closed abruptly');
    await settle();
    expect(shown.at(-1)).toEqual({
      fill: 'red',
      shape: 'ring',
      text: '5 published · broker: disconnected: Socket closed abruptly',
    });
    status.counts.failed = 1;
    status.counted();
    await settle();
    expect(shown.at(-1)?.text).toBe('5 published, 1 rejected · broker: disconnected: Socket closed abruptly');
  });
});
