import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import {
  ATTEMPTS_HEADER,
  DEAD_LETTER_QUEUE,
  INBOUND_EXCHANGE,
  LAST_ERROR_HEADER,
  ORIGINAL_QUEUE_HEADER,
  REASON_HEADER,
  type Bus,
  type Delivery,
} from '../../connectors/amqp/bus';
import { BusError, type BusErrorKind } from '../../connectors/amqp/bus-error';
import { DeadLetterQueue } from '../../connectors/amqp/dead-letters';
import { EmbeddedBus } from '../../connectors/amqp/embedded-bus';
import { causedHeaders, causeOf, EVENT_ID_HEADER } from '../../connectors/amqp/hop-headers';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import type { RetryOutcome } from '../../connectors/amqp/retry-ladder';
import { SyncTopology } from '../../connectors/amqp/sync-topology';
import { parseTraceparent, TRACEPARENT } from '../../connectors/http/trace-context';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { TcpProxy } from './amqp-tcp-proxy';
import { collector, nextState } from './bus-waits';

/**
 * The record-sync topology on the real RabbitMQ (3.10+: quorum queues with message TTL and
 * at-least-once dead-lettering), each test in a virtual host of its own. The retry ladder and the
 * delivery limit also run on the embedded bus, which claims the same semantics. Delays are small and
 * nothing asserts a duration: tests wait for the n-th delivery and check order and headers.
 */
const execFileAsync = promisify(execFile);
const DEBMAS =
  '<DEBMAS07><IDOC BEGIN="1"><E1KNA1M SEGMENT="1"><KUNNR>0000100042</KUNNR></E1KNA1M></IDOC></DEBMAS07>';
const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let vhost: string | undefined;
let vhostUrl: string | undefined;
const cleanups: (() => Promise<void>)[] = [];

/** The test's own virtual host, made on first use (the embedded bus's tests need none). */
function url(): string {
  if (vhostUrl === undefined) {
    vhost = `crm-hub-sync-${randomUUID().slice(0, 8)}`;
    vhostUrl = createVhost(vhost);
  }
  return vhostUrl;
}

function vhostName(): string {
  url();
  return vhost as string;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  if (vhost !== undefined) deleteVhost(vhost);
  vhost = vhostUrl = undefined;
});

async function rabbitBus(busUrl = url(), options: { connectWaitMs?: number } = {}): Promise<RabbitMqBus> {
  const bus = new RabbitMqBus({
    url: busUrl,
    reconnectDelayMs: { initial: 50, max: 200 },
    connectionName: `sync-topology ${vhostName()}`,
    ...options,
  });
  cleanups.push(() => bus.close());
  await bus.start();
  return bus;
}

async function embeddedBus(): Promise<EmbeddedBus> {
  const bus = new EmbeddedBus();
  cleanups.push(() => bus.close());
  await bus.start();
  return bus;
}

async function admin(): Promise<amqp.Channel> {
  const conn = await amqp.connect(url());
  cleanups.push(() => conn.close());
  return conn.createChannel();
}

type Arguments = Record<string, unknown>;

/** What the broker says this vhost holds: queues with their arguments, and the durable topic exchanges. */
async function brokerTopology(): Promise<{ queues: Record<string, Arguments>; exchanges: string[] }> {
  const queues = JSON.parse(
    (
      await execFileAsync('rabbitmqctl', [
        '-q',
        'list_queues',
        '-p',
        vhostName(),
        'name',
        'arguments',
        '--formatter',
        'json',
      ])
    ).stdout,
  ) as { name: string; arguments: [string, string, unknown][] }[];
  const exchanges = JSON.parse(
    (
      await execFileAsync('rabbitmqctl', [
        '-q',
        'list_exchanges',
        '-p',
        vhostName(),
        'name',
        'type',
        'durable',
        '--formatter',
        'json',
      ])
    ).stdout,
  ) as { name: string; type: string; durable: boolean }[];
  return {
    queues: Object.fromEntries(
      queues.map((q) => [q.name, Object.fromEntries(q.arguments.map(([key, , value]) => [key, value]))]),
    ),
    exchanges: exchanges
      .filter((e) => e.type === 'topic' && e.durable && !e.name.startsWith('amq.'))
      .map((e) => e.name)
      .sort(),
  };
}

function header(d: Delivery, name: string): unknown {
  const value = d.headers[name];
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}

function deathQueue(d: Delivery): unknown {
  const deaths = d.headers['x-death'];
  return Array.isArray(deaths) ? (deaths[0] as { queue?: unknown }).queue : undefined;
}

describe('record sync topology on RabbitMQ', () => {
  it('declares crm.inbound and crm.golden, and per target a quorum queue with at-least-once dead-lettering, a delivery limit and a retry ladder', async () => {
    const bus = await rabbitBus();
    await new SyncTopology(bus, {
      targets: ['sap', 'siebel'],
      retryDelaysMs: [5_000, 30_000, 300_000],
      deliveryLimit: 7,
    }).declare();

    const { queues, exchanges } = await brokerTopology();
    expect(exchanges).toEqual(['crm.dlx', 'crm.events', 'crm.golden', 'crm.inbound']);
    const atLeastOnce = {
      'x-queue-type': 'quorum',
      'x-overflow': 'reject-publish',
      'x-dead-letter-strategy': 'at-least-once',
    };
    expect(queues['crm.out.sap']).toEqual({
      ...atLeastOnce,
      'x-delivery-limit': 7,
      'x-dead-letter-exchange': 'crm.dlx',
      'x-dead-letter-routing-key': 'crm.out.sap',
    });
    expect(queues['crm.hub.inbound']).toEqual({
      ...atLeastOnce,
      'x-delivery-limit': 7,
      'x-dead-letter-exchange': 'crm.dlx',
    });
    for (const [label, ttl] of [
      ['5s', 5_000],
      ['30s', 30_000],
      ['5m', 300_000],
    ] as const) {
      expect(queues[`crm.out.siebel.retry.${label}`]).toEqual({
        ...atLeastOnce,
        'x-message-ttl': ttl,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'crm.out.siebel',
      });
    }
    expect(Object.keys(queues).sort()).toEqual([
      'crm.dead-letter',
      'crm.hub.inbound',
      'crm.out.sap',
      'crm.out.sap.retry.30s',
      'crm.out.sap.retry.5m',
      'crm.out.sap.retry.5s',
      'crm.out.siebel',
      'crm.out.siebel.retry.30s',
      'crm.out.siebel.retry.5m',
      'crm.out.siebel.retry.5s',
    ]);
    // Declaring again (a second hub instance, a redeploy) is accepted; other options are refused.
    await new SyncTopology(bus, {
      targets: ['sap'],
      retryDelaysMs: [5_000, 30_000, 300_000],
      deliveryLimit: 7,
    }).declare();
    const other = new SyncTopology(bus, { targets: ['sap'], deliveryLimit: 8 }).declare();
    await expect(other).rejects.toMatchObject({ kind: 'refused', replyCode: 406 });
  });

  it('keeps what amqp-publish (amqp-tools) drops on crm.inbound with no hub headers, and the consumer gives it a stable id from its body', async () => {
    const bus = await rabbitBus();
    const topology = new SyncTopology(bus, { targets: ['sap'] });
    await topology.declare();
    // Published before any hub consumer runs: the inbound queue holds it.
    const publish = (...extra: string[]) =>
      execFileAsync('/usr/bin/amqp-publish', [
        `--url=${url()}`,
        '-e',
        INBOUND_EXCHANGE,
        '-r',
        'sap.DEBMAS',
        '-C',
        'application/xml',
        ...extra,
        '-b',
        DEBMAS,
      ]);
    await publish();
    await publish('-H', `${TRACEPARENT}: ${TRACE}`);

    const inbound = collector();
    await bus.consume(topology.inboundConsumeOptions(), inbound.handler);
    const [first, second] = await inbound.next(2);
    const expectedId = `body-sha256:${createHash('sha256').update('application/xml\u0000').update(DEBMAS).digest('hex')}`;
    for (const d of [first, second]) {
      expect(d).toMatchObject({
        exchange: 'crm.inbound',
        routingKey: 'sap.DEBMAS',
        contentType: 'application/xml',
        messageId: expectedId,
      });
      expect(d.body.toString()).toBe(DEBMAS);
    }
    // The first came without a trace: the hub starts one, the same for everything it causes.
    expect(first.headers[TRACEPARENT]).toBeUndefined();
    expect(causeOf(first).eventId).toBe(expectedId);
    const [one, two] = [causedHeaders(first), causedHeaders(first)].map((h) =>
      parseTraceparent(h[TRACEPARENT]),
    );
    expect(one?.traceId).toBe(two?.traceId);
    expect(one?.parentId).not.toBe(two?.parentId);
    // The second's trace goes on: same trace id, a new parent id, and the event id beside it.
    const onward = causedHeaders(second, { 'x-crm-target': 'siebel' });
    const trace = parseTraceparent(onward[TRACEPARENT]);
    expect(trace?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace?.parentId).not.toBe('00f067aa0ba902b7');
    expect(onward).toMatchObject({ [EVENT_ID_HEADER]: expectedId, 'x-crm-target': 'siebel' });

    // One hop further: what the hub sends to a target carries the same trace and event id.
    const target = collector();
    await bus.consume(topology.targetConsumeOptions('sap'), target.handler);
    await topology.deliver('sap', Buffer.from('<DEBMAS07 update/>'), {
      messageId: 'golden-change-1',
      contentType: 'application/xml',
      headers: onward,
    });
    const [out] = await target.next(1);
    expect(parseTraceparent(out.headers[TRACEPARENT])?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(causeOf(out).eventId).toBe(expectedId);
    for (const d of [first, second, out]) d.ack();
  });

  it('rebuilds the whole topology after a reconnect to a broker that lost it', async () => {
    const proxy = await TcpProxy.start();
    cleanups.push(() => proxy.close());
    const bus = await rabbitBus(`${proxy.url()}/${encodeURIComponent(vhostName())}`);
    const topology = new SyncTopology(bus, { targets: ['sap'], retryDelaysMs: [200], deliveryLimit: 3 });
    await topology.declare();
    const declared = await brokerTopology();

    const lost = nextState(bus, 'disconnected');
    proxy.cut({ refuse: true });
    await lost;
    const ch = await admin();
    for (const queue of Object.keys(declared.queues)) await ch.deleteQueue(queue);
    for (const exchange of declared.exchanges) await ch.deleteExchange(exchange);
    expect((await brokerTopology()).queues).toEqual({});
    const back = nextState(bus, 'connected');
    proxy.acceptAgain();
    await back;

    expect(await brokerTopology()).toEqual(declared);
    // And it works: a failed delivery comes back through the rebuilt retry queue.
    const target = collector((d, i) => {
      if (i === 0) void topology.retry('sap', d, 'SAP is down');
      else d.ack();
    });
    await bus.consume(topology.targetConsumeOptions('sap'), target.handler);
    await topology.deliver('sap', Buffer.from('after the cut'), { messageId: 'rebuilt-1' });
    const [, again] = await target.next(2);
    expect({
      id: again.messageId,
      attempts: header(again, ATTEMPTS_HEADER),
      from: deathQueue(again),
    }).toEqual({
      id: 'rebuilt-1',
      attempts: 1,
      from: 'crm.out.sap.retry.200ms',
    });
  });
});

describe.each(['rabbitmq', 'embedded'] as const)('retry ladder and delivery limit on the %s bus', (kind) => {
  const newBus = (): Promise<Bus> => (kind === 'rabbitmq' ? rabbitBus() : embeddedBus());

  /** The next dead letter, read the way a flow would: a consumer on crm.dead-letter. */
  async function firstDeadLetter(bus: Bus): Promise<Delivery> {
    const dead = collector((d) => d.ack());
    const sub = await bus.consume({ queue: DEAD_LETTER_QUEUE, bindings: [] }, dead.handler);
    const [d] = await dead.next(1);
    await sub.cancel();
    return d;
  }

  it('redelivers a failed message through each retry step in order, with attempt headers, then dead-letters it with the reason', async () => {
    const bus = await newBus();
    const topology = new SyncTopology(bus, { targets: ['sap'], retryDelaysMs: [200, 400], deliveryLimit: 5 });
    await topology.declare();
    const outcomes: Promise<RetryOutcome>[] = [];
    const target = collector((d, i) => outcomes.push(topology.retry('sap', d, `SAP refused (try ${i + 1})`)));
    await bus.consume(topology.targetConsumeOptions('sap'), target.handler);
    await topology.deliver('sap', Buffer.from('<DEBMAS07/>'), {
      messageId: 'debmas-1',
      contentType: 'application/xml',
      headers: { [TRACEPARENT]: TRACE, [EVENT_ID_HEADER]: 'event-7' },
    });

    const deliveries = await target.next(3);
    const settled = await Promise.all(outcomes);
    expect(
      deliveries.map((d) => ({
        id: d.messageId,
        body: d.body.toString(),
        attempts: header(d, ATTEMPTS_HEADER),
        lastError: header(d, LAST_ERROR_HEADER),
        cameBackFrom: deathQueue(d),
        trace: header(d, TRACEPARENT),
        eventId: header(d, EVENT_ID_HEADER),
      })),
    ).toEqual([
      {
        id: 'debmas-1',
        body: '<DEBMAS07/>',
        attempts: undefined,
        lastError: undefined,
        cameBackFrom: undefined,
        trace: TRACE,
        eventId: 'event-7',
      },
      {
        id: 'debmas-1',
        body: '<DEBMAS07/>',
        attempts: 1,
        lastError: 'SAP refused (try 1)',
        cameBackFrom: 'crm.out.sap.retry.200ms',
        trace: TRACE,
        eventId: 'event-7',
      },
      {
        id: 'debmas-1',
        body: '<DEBMAS07/>',
        attempts: 2,
        lastError: 'SAP refused (try 2)',
        cameBackFrom: 'crm.out.sap.retry.400ms',
        trace: TRACE,
        eventId: 'event-7',
      },
    ]);
    const reason = 'gave up after 3 attempts, retried after 200ms, 400ms: SAP refused (try 3)';
    expect(settled).toEqual([
      { outcome: 'retrying', attempts: 1, queue: 'crm.out.sap.retry.200ms', delayMs: 200 },
      { outcome: 'retrying', attempts: 2, queue: 'crm.out.sap.retry.400ms', delayMs: 400 },
      { outcome: 'dead-lettered', attempts: 3, reason },
    ]);

    if (kind === 'embedded') {
      const dead = await firstDeadLetter(bus);
      expect(dead.messageId).toBe('debmas-1');
      expect(dead.headers).toMatchObject({
        [REASON_HEADER]: reason,
        [ORIGINAL_QUEUE_HEADER]: 'crm.out.sap',
        [EVENT_ID_HEADER]: 'event-7',
      });
      return;
    }
    // On RabbitMQ the replay CLI's library sees it, says why, and brings it back with a fresh ladder.
    const dlq = new DeadLetterQueue({ url: url() });
    cleanups.push(() => dlq.close());
    const page = await dlq.list();
    expect(page.items).toEqual([
      expect.objectContaining({
        id: 'debmas-1',
        reason,
        queue: 'crm.out.sap',
        exchange: '',
        routingKey: 'crm.out.sap',
      }),
    ]);
    const replay = await dlq.replay({ id: 'debmas-1' });
    expect(replay.failed).toEqual([]);
    const [, , , replayed] = await target.next(4);
    expect({
      id: replayed.messageId,
      attempts: header(replayed, ATTEMPTS_HEADER),
      trace: header(replayed, TRACEPARENT),
    }).toEqual({
      id: 'debmas-1',
      attempts: undefined,
      trace: TRACE,
    });
    await outcomes[3];
  });

  it('stops a poison message that makes its consumer requeue it with the delivery limit, and the stream goes on', async () => {
    const bus = await newBus();
    const topology = new SyncTopology(bus, { targets: ['siebel'], retryDelaysMs: [200], deliveryLimit: 2 });
    await topology.declare();
    // A consumer that dies on the poison message: it goes back to the queue each time (a crash does the same).
    const target = collector((d) => (d.messageId === 'poison' ? d.requeue() : d.ack()));
    await bus.consume(topology.targetConsumeOptions('siebel'), target.handler);
    await topology.deliver('siebel', Buffer.from('{"broken":'), { messageId: 'poison' });
    await topology.deliver('siebel', Buffer.from('{"ok":true}'), { messageId: 'fine' });

    const dead = await firstDeadLetter(bus);
    const deaths = dead.headers['x-death'] as { reason: unknown; queue: unknown }[];
    expect({
      id: dead.messageId,
      routingKey: dead.routingKey,
      reason: deaths[0].reason,
      queue: deaths[0].queue,
    }).toEqual({
      id: 'poison',
      routingKey: 'crm.out.siebel',
      reason: 'delivery_limit',
      queue: 'crm.out.siebel',
    });
    await target.next(4);
    const poison = target.items.filter((d) => d.messageId === 'poison');
    // Delivered deliveryLimit + 1 times, counted by the queue, then no more.
    expect(poison.map((d) => Number(d.headers['x-delivery-count'] ?? 0))).toEqual([0, 1, 2]);
    expect(target.items.filter((d) => d.messageId === 'fine')).toHaveLength(1);
  });
});

describe('publishing while the broker is away (RabbitMQ)', () => {
  async function cutOffBus(connectWaitMs: number, retryDelaysMs = [200]) {
    const proxy = await TcpProxy.start();
    cleanups.push(() => proxy.close());
    const bus = await rabbitBus(`${proxy.url()}/${encodeURIComponent(vhostName())}`, { connectWaitMs });
    const topology = new SyncTopology(bus, { targets: ['sap'], retryDelaysMs });
    await topology.declare();
    return { proxy, bus, topology };
  }

  async function idsIn(queue: string): Promise<string[]> {
    const ch = await admin();
    const ids: string[] = [];
    for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true }))
      ids.push(String(m.properties.messageId));
    return ids;
  }

  it('fails the caller with not-connected when no connection comes back within the wait, and nothing was sent', async () => {
    const { proxy, bus, topology } = await cutOffBus(300);
    const lost = nextState(bus, 'disconnected');
    proxy.cut({ refuse: true });
    await lost;
    const error = await topology
      .deliver('sap', Buffer.from('while away'), { messageId: 'away-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusError);
    expect((error as BusError).kind).toBe('not-connected');

    const back = nextState(bus, 'connected');
    proxy.acceptAgain();
    await back;
    expect(await idsIn('crm.out.sap')).toEqual([]);
    // The caller's retry, with the same id, is what puts it there.
    await topology.deliver('sap', Buffer.from('while away'), { messageId: 'away-1' });
    expect(await idsIn('crm.out.sap')).toEqual(['away-1']);
  });

  it('never loses a confirmed publish across a cut, and never drops one silently', async () => {
    const { proxy, bus, topology } = await cutOffBus(500);
    const send = (id: string) => topology.deliver('sap', Buffer.from(id), { messageId: id });
    const ids = (prefix: string) => Array.from({ length: 100 }, (_, i) => `${prefix}-${i}`);

    // A: confirmed before the cut.
    const confirmed = ids('a');
    await Promise.all(confirmed.map(send));
    // B: sent, but the broker's confirms never reach the hub before the cut.
    proxy.holdReplies();
    const inFlight = ids('b').map((id) => ({
      id,
      result: send(id).then(
        () => 'confirmed' as const,
        (e: unknown) => e,
      ),
    }));
    await new Promise((resolve) => setImmediate(resolve));
    const lost = nextState(bus, 'disconnected');
    proxy.cut({ refuse: true });
    await lost;
    // C: published while the broker is away.
    const whileAway = ids('c').map((id) => ({
      id,
      result: send(id).then(
        () => 'confirmed' as const,
        (e: unknown) => e,
      ),
    }));

    const kinds = new Map<string, BusErrorKind | 'confirmed'>();
    for (const { id, result } of [...inFlight, ...whileAway]) {
      const outcome = await result;
      // Every publish settles: confirmed, or a BusError the caller can act on.
      kinds.set(id, outcome === 'confirmed' ? outcome : (outcome as BusError).kind);
    }
    expect(new Set(ids('c').map((id) => kinds.get(id)))).toEqual(new Set(['not-connected']));
    for (const id of ids('b'))
      expect(['outcome-unknown', 'not-connected', 'confirmed']).toContain(kinds.get(id));
    expect(ids('b').some((id) => kinds.get(id) === 'outcome-unknown')).toBe(true);

    const back = nextState(bus, 'connected');
    proxy.acceptAgain();
    await back;
    const afterCut = await idsIn('crm.out.sap');
    for (const id of confirmed) expect(afterCut).toContain(id);
    for (const id of ids('c')) expect(afterCut).not.toContain(id);
    for (const id of ids('b').filter((i) => kinds.get(i) === 'not-connected'))
      expect(afterCut).not.toContain(id);

    // The callers retry what failed, with the same ids: every message is there, a repeat only where the
    // outcome was unknown (the idempotent consumer drops it by its id).
    const failed = [...kinds].filter(([, kind]) => kind !== 'confirmed').map(([id]) => id);
    await Promise.all(failed.map(send));
    const all = [...afterCut, ...(await idsIn('crm.out.sap'))];
    expect(new Set(all)).toEqual(new Set([...confirmed, ...ids('b'), ...ids('c')]));
    const repeated = all.filter((id, i) => all.indexOf(id) !== i);
    for (const id of repeated) expect(kinds.get(id)).toBe('outcome-unknown');
  });

  it('keeps a failed delivery when the connection drops between its retry copy and the ack', async () => {
    // A long step, so the copy stays in the retry queue while the test looks.
    const { proxy, bus, topology } = await cutOffBus(2_000, [60_000]);
    const target = collector();
    await bus.consume(topology.targetConsumeOptions('sap'), target.handler);
    await topology.deliver('sap', Buffer.from('x'), { messageId: 'in-the-gap' });
    const [first] = await target.next(1);

    // The copy reaches the retry queue, its confirm does not reach the hub, the connection drops. Had
    // the hub acked the original before the confirm, the ack would be at the broker by now too.
    proxy.holdReplies();
    const outcome = topology.retry('sap', first, 'SAP timed out');
    const ch = await admin();
    while ((await ch.checkQueue('crm.out.sap.retry.1m')).messageCount < 1)
      await new Promise((r) => setImmediate(r));
    proxy.cut();
    const settled = await outcome;
    expect(settled.outcome).toBe('requeued');
    expect((settled as { error: BusError }).error.kind).toBe('outcome-unknown');

    // The original was never acked: the broker hands it out again after the reconnect (the retry copy,
    // if the broker took it before the cut, comes back too, with its attempt counted and the same id).
    let original: Delivery | undefined;
    for (let n = 2; !original; n++) {
      const latest = (await target.next(n))[n - 1];
      expect(latest.messageId).toBe('in-the-gap');
      if (header(latest, ATTEMPTS_HEADER) === undefined) original = latest;
    }
    expect(original.redelivered).toBe(true);
    target.items.forEach((d) => d.ack());
  });
});
