import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import amqplib from 'amqplib';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { EmbeddedStore } from '../../records/embedded-store';
import { all, helper, load, loggedErrors, RABBIT_URL, tempDir, useHelper, type FlowNode } from './harness';
import { whenStatus } from './amqp-test-nodes';

/**
 * amqp-in drains on redeploy: the consumer is cancelled first, the messages already in the flow are
 * settled on the channel that can still ack them, and only then the channel closes. Counted across the
 * old and the new deployment, every message is handled exactly once.
 */

useHelper();
const execFileAsync = promisify(execFile);

interface RecorderDef extends NodeDef {
  deployment: string;
  /** hold each message until the node closes (a slow downstream), or handle it at once */
  hold: boolean;
  /**
   * on close: finish the held messages (a well-behaved node), finish them once the test says so, or
   * abandon them (a stuck flow)
   */
  onClose: 'finish' | 'on-release' | 'abandon';
}

/** message id -> the deployments that handled it, and whether it came redelivered */
const handled = new Map<string, { deployment: string; redelivered: boolean }[]>();
const events = new EventEmitter();

function recorderNode(RED: NodeAPI): void {
  RED.nodes.registerType('amqp-test-recorder', function (this: Node, config: RecorderDef) {
    RED.nodes.createNode(this, config);
    const held: (() => void)[] = [];
    const working = new Set<Promise<void>>();
    let closing = false;
    this.on('input', (msg: NodeMessage, _send: unknown, done: () => void) => {
      const { messageId, redelivered } = (
        msg as NodeMessage & { amqp: { messageId: string; redelivered: boolean } }
      ).amqp;
      const work = (async () => {
        if (config.hold && !closing) {
          const released = new Promise<void>((resolve) => held.push(resolve));
          events.emit('held', config.deployment, held.length);
          await released;
        }
        handled.set(messageId, [
          ...(handled.get(messageId) ?? []),
          { deployment: config.deployment, redelivered },
        ]);
        events.emit('handled', handled.size);
        done();
      })();
      working.add(work);
      void work.finally(() => working.delete(work));
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (config.onClose === 'abandon') return done();
      const finish = () => {
        for (const release of held.splice(0)) release();
        void Promise.all(working).then(() => done());
      };
      if (config.onClose === 'finish') finish();
      else events.once('release', finish);
    });
  });
}

interface RelayDef extends NodeDef {
  /** on close, send the held messages on at once (to a node stopping with it) or a turn later (to one gone) */
  sendOnClose: 'at-once' | 'next-turn';
}

/**
 * A node in the middle of a flow that holds every message until it is stopped, then sends it on and
 * says done, as a node finishing its work during a full stop does: the node after it is stopped too
 * (or about to be), so Node-RED drops what it sends.
 */
function relayNode(RED: NodeAPI): void {
  RED.nodes.registerType('amqp-test-relay', function (this: Node, config: RelayDef) {
    RED.nodes.createNode(this, config);
    const held: { msg: NodeMessage; send: (m: NodeMessage) => void; done: () => void }[] = [];
    this.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: () => void) => {
      held.push({ msg, send, done });
      events.emit('relayed', held.length);
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      const release = () => {
        for (const h of held.splice(0)) {
          h.send(h.msg);
          h.done();
        }
        done();
      };
      if (config.sendOnClose === 'at-once') release();
      else setImmediate(release);
    });
  });
}

function until(event: string, predicate: (...args: unknown[]) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]) => {
      if (!predicate(...args)) return;
      events.off(event, listener);
      resolve();
    };
    events.on(event, listener);
  });
}

describe('amqp-in on redeploy (RabbitMQ)', () => {
  const run = randomUUID().slice(0, 8);
  const exchange = `test.drain.${run}`;
  const queues: string[] = [];
  let admin: amqplib.ChannelModel;

  beforeAll(async () => {
    admin = await amqplib.connect(RABBIT_URL);
  });

  afterAll(async () => {
    const ch = await admin.createChannel();
    for (const queue of queues) await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
    await admin.close();
  });

  beforeEach(() => handled.clear());

  function flow(
    queue: string,
    timeout: string,
    recorder: Omit<RecorderDef, 'id' | 'type' | 'z' | 'name'>,
    storeDirectory?: string,
  ) {
    const store = storeDirectory
      ? [{ id: 'store', type: 'hub-store', databaseUrl: '', directory: storeDirectory, version: 1 }]
      : [];
    return [
      ...store,
      { id: 'broker', type: 'amqp-broker', urls: RABBIT_URL, heartbeat: '30', version: 2 },
      {
        id: 'in',
        type: 'amqp-in',
        broker: 'broker',
        queue,
        bindings: `${exchange} drain.#`,
        prefetch: '5',
        ack: 'flow',
        timeout,
        store: storeDirectory ? 'store' : '',
        singleActive: false,
        wires: [['rec']],
        version: 1,
      },
      { id: 'rec', type: 'amqp-test-recorder', ...recorder },
    ] as FlowNode[];
  }

  async function publish(ids: string[]): Promise<void> {
    const ch = await admin.createConfirmChannel();
    for (const id of ids)
      ch.publish(exchange, 'drain.event', Buffer.from(JSON.stringify({ id })), { messageId: id });
    await ch.waitForConfirms();
    await ch.close();
  }

  /** rabbitmqctl lists a consumer until it is cancelled (unlike queue.declare's consumer count). */
  async function consumerListed(queue: string): Promise<boolean> {
    const { stdout } = await execFileAsync('rabbitmqctl', [
      '-q',
      'list_consumers',
      'queue_name',
      '--formatter',
      'json',
    ]);
    return (JSON.parse(stdout) as { queue_name: string }[]).some((c) => c.queue_name === queue);
  }

  async function queueDepth(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
    const ch = await admin.createChannel();
    const info = await ch.checkQueue(queue);
    await ch.close();
    return info;
  }

  /**
   * The queue once the closed deployment's consumer has left it: a quorum queue counts a cancelled
   * consumer out through its Raft log, a moment after the channel closed (seen 1 in a CI run); up to 5 s.
   */
  async function settledQueue(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
    let info = await queueDepth(queue);
    for (let waited = 0; info.consumerCount > 0 && waited < 5000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      info = await queueDepth(queue);
    }
    return info;
  }

  it('handles every message exactly once across the old and the new deployment', async () => {
    const queue = `test.drain.${run}.once`;
    queues.push(queue);
    const ids = Array.from({ length: 20 }, (_, i) => `m-${i}`);
    await load(
      [...all, recorderNode],
      flow(queue, '20000', { deployment: 'old', hold: true, onClose: 'on-release' }),
    );
    await whenStatus('in', 'amqp-in.status.consuming');
    // prefetch 5: the old deployment holds five messages in its flow when the redeploy starts
    const fiveHeld = until('held', (deployment, count) => deployment === 'old' && count === 5);
    await publish(ids);
    await fiveHeld;

    const allHandled = until('handled', (size) => size === ids.length);
    const redeploy = helper.setFlows(
      flow(queue, '20000', { deployment: 'new', hold: false, onClose: 'finish' }),
      'full',
    );
    // The held messages finish only once the broker no longer lists the old consumer (cancelled): a
    // node that closed its channel then, instead of draining, could not ack them any more.
    while (await consumerListed(queue));
    events.emit('release');
    await redeploy;
    await allHandled;
    // stopping drains again, so any message still unacked (or handed back twice) would show up below
    await helper.clearFlows();

    const counts = Object.fromEntries([...handled].map(([id, by]) => [id, by.length]));
    expect(counts).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    const byOld = [...handled].filter(([, by]) => by[0].deployment === 'old');
    expect(byOld).toHaveLength(5);
    // the five in flight were acked on the old channel, not handed back: nothing came redelivered
    expect([...handled.values()].flat().filter((h) => h.redelivered)).toEqual([]);
    expect(await settledQueue(queue)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });

  // Node-RED closes amqp-in and its hub-store together. Were the store closed at once, the held
  // messages could not be recorded when they finish: requeued (or acked unrecorded) while the new
  // deployment's ledger does not know them, they would be handled a second time.
  it('with an idempotency store: handles every message exactly once and records each id, the store outliving the drain', async () => {
    const queue = `test.drain.${run}.store`;
    queues.push(queue);
    const directory = tempDir('amqp-drain-store');
    const ids = Array.from({ length: 20 }, (_, i) => `s-${i}`);
    await load(
      [...all, recorderNode],
      flow(queue, '20000', { deployment: 'old', hold: true, onClose: 'on-release' }, directory),
    );
    await whenStatus('in', 'amqp-in.status.consuming');
    const fiveHeld = until('held', (deployment, count) => deployment === 'old' && count === 5);
    await publish(ids);
    await fiveHeld;

    const allHandled = until('handled', (size) => size === ids.length);
    const redeploy = helper.setFlows(
      flow(queue, '20000', { deployment: 'new', hold: false, onClose: 'finish' }, directory),
      'full',
    );
    // released only once the old consumer is cancelled, i.e. the redeploy is closing both nodes
    while (await consumerListed(queue));
    events.emit('release');
    await redeploy;
    await allHandled;
    await helper.clearFlows();

    const counts = Object.fromEntries([...handled].map(([id, by]) => [id, by.length]));
    expect(counts).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect([...handled].filter(([, by]) => by[0].deployment === 'old')).toHaveLength(5);
    expect([...handled.values()].flat().filter((h) => h.redelivered)).toEqual([]);
    expect(await settledQueue(queue)).toMatchObject({ messageCount: 0, consumerCount: 0 });
    // every id is in the queue's ledger, the five the old deployment finished while closing included
    const ledger = new EmbeddedStore({ directory });
    await ledger.open();
    const recorded = await Promise.all(ids.map((id) => ledger.wasProcessed(queue, id)));
    await ledger.close();
    rmSync(directory, { recursive: true, force: true });
    expect(recorded).toEqual(ids.map(() => true));
  });

  it('waits no longer than its timeout for a stuck flow, then hands the message to the new deployment', async () => {
    const queue = `test.drain.${run}.stuck`;
    queues.push(queue);
    await load(
      [...all, recorderNode],
      flow(queue, '1500', { deployment: 'old', hold: true, onClose: 'abandon' }),
    );
    await whenStatus('in', 'amqp-in.status.consuming');
    const held = until('held', (deployment) => deployment === 'old');
    await publish(['stuck-1']);
    await held;

    const handledOnce = until('handled', (size) => size === 1);
    // resolves only once the old deployment has stopped, i.e. the drain gave up at its bound
    await helper.setFlows(flow(queue, '1500', { deployment: 'new', hold: false, onClose: 'finish' }), 'full');
    await handledOnce;
    await helper.clearFlows();

    // not dead-lettered for the time-out: back in the queue, redelivered to the new deployment
    expect(handled.get('stuck-1')).toEqual([{ deployment: 'new', redelivered: true }]);
    expect(await settledQueue(queue)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });

  it('drains no longer than Node-RED waits for a node to close, when its timeout is longer', async () => {
    const queue = `test.drain.${run}.capped`;
    queues.push(queue);
    // handling timeout 20 s, nodeCloseTimeout 2.5 s: the drain gives up after 1.5 s
    const settings: Record<string, unknown> = { nodeCloseTimeout: 2500 }; // not in @types/node-red's LocalSettings
    helper.settings(settings);
    try {
      await load(
        [...all, recorderNode],
        flow(queue, '20000', { deployment: 'old', hold: true, onClose: 'abandon' }),
      );
      await whenStatus('in', 'amqp-in.status.consuming');
      const held = until('held', (deployment) => deployment === 'old');
      await publish(['capped-1']);
      await held;

      const handledOnce = until('handled', (size) => size === 1);
      await helper.setFlows(
        flow(queue, '20000', { deployment: 'new', hold: false, onClose: 'finish' }),
        'full',
      );
      // Node-RED did not have to give up on the old amqp-in ("Close timed out")
      expect(loggedErrors('in').filter((e) => /stopping-error|timed out/i.test(e))).toEqual([]);
      await handledOnce;
      await helper.clearFlows();
    } finally {
      helper.settings({});
    }
    // back in the queue at the bound, redelivered to the new deployment, not dead-lettered
    expect(handled.get('capped-1')).toEqual([{ deployment: 'new', redelivered: true }]);
    expect(await settledQueue(queue)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });
  // A full stop (SIGTERM, flows stopped) stops every node at once: what a node still sends then goes
  // to a node that is stopped, and Node-RED drops it, so it never completes. The drain must not wait
  // for those (it waited up to its bound, 14 s by default): they are not acked and come back.
  it.each(['at-once', 'next-turn'] as const)(
    'stops at once on a full stop when messages went to nodes already stopped (sent %s), and loses none',
    async (sendOnClose) => {
      const queue = `test.drain.${run}.stop-${sendOnClose}`;
      queues.push(queue);
      const ids = Array.from({ length: 12 }, (_, i) => `stop-${sendOnClose}-${i}`);
      // handling timeout and nodeCloseTimeout of 10 minutes: the drain bound alone would hold the stop
      // for 599 s, so only the mechanism (nothing waits for a message Node-RED dropped) lets it end now
      const settings: Record<string, unknown> = { nodeCloseTimeout: 600_000 };
      helper.settings(settings);
      try {
        await load([...all, recorderNode, relayNode], [
          { id: 'broker', type: 'amqp-broker', urls: RABBIT_URL, heartbeat: '30', version: 2 },
          {
            id: 'in',
            type: 'amqp-in',
            broker: 'broker',
            queue,
            bindings: `${exchange} stop.${sendOnClose}`,
            prefetch: '5',
            ack: 'flow',
            timeout: '600000',
            store: '',
            singleActive: false,
            wires: [['relay']],
            version: 1,
          },
          { id: 'relay', type: 'amqp-test-relay', sendOnClose, wires: [['rec']] },
          { id: 'rec', type: 'amqp-test-recorder', deployment: 'old', hold: false, onClose: 'finish' },
        ] as FlowNode[]);
        await whenStatus('in', 'amqp-in.status.consuming');
        const fiveHeld = until('relayed', (count) => count === 5);
        const ch = await admin.createConfirmChannel();
        for (const id of ids)
          ch.publish(exchange, `stop.${sendOnClose}`, Buffer.from(JSON.stringify({ id })), { messageId: id });
        await ch.waitForConfirms();
        await ch.close();
        await fiveHeld;

        // a generous bound: the stop takes well under a second; the drain before waited 599 s here
        const bound = new Promise<'still draining'>((resolve) =>
          setTimeout(() => resolve('still draining'), 20_000).unref(),
        );
        const stopped = helper.clearFlows().then(() => 'stopped' as const);
        expect(await Promise.race([stopped, bound])).toBe('stopped');
        expect(loggedErrors('in').filter((e) => /stopping-error|timed out/i.test(e))).toEqual([]);
        // nothing reached the stopped recorder
        expect(handled.size).toBe(0);
      } finally {
        helper.settings({});
      }
      // not one lost: the five the stop cut off are back in the queue, redelivered, with the seven others;
      // none was acked or dead-lettered
      expect(await settledQueue(queue)).toMatchObject({ messageCount: ids.length, consumerCount: 0 });
      const ch = await admin.createChannel();
      const back: { id: string; redelivered: boolean }[] = [];
      for (let got = await ch.get(queue); got; got = await ch.get(queue)) {
        back.push({ id: String(got.properties.messageId), redelivered: got.fields.redelivered });
        ch.ack(got);
      }
      await ch.close();
      expect(back.map((m) => m.id).sort()).toEqual([...ids].sort());
      // the five at least (handed back before the broker saw the consumer cancelled, a message can
      // come once more to the closing node, which hands it back again)
      expect(back.filter((m) => m.redelivered).length).toBeGreaterThanOrEqual(5);
    },
    60_000,
  );
});
