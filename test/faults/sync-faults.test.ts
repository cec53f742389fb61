import { execFileSync } from 'node:child_process';
import { DeadLetterQueue } from '../../connectors/amqp/dead-letters';
import { RabbitMqBus } from '../../connectors/amqp/rabbitmq-bus';
import { SyncTopology } from '../../connectors/amqp/sync-topology';
import {
  listQueues,
  makeCustomers,
  PREFETCH,
  sapDebmas,
  seedCustomers,
  settle,
  startRig,
  TARGETS,
  TargetLedger,
  waitUntil,
  type SyncCustomer,
  type SyncRig,
  type Target,
} from '../../bench/_sync-rig';

/**
 * The record sync under faults, on the real broker and the real hub process (shipped flow, embedded
 * store, a virtual host of the file's own): each case streams 10,000 SAP DEBMAS07 records through
 * crm.inbound → golden record → crm.out.siebel and crm.out.salesforce, and a fault strikes when about
 * a third of them are confirmed: (a) a broker restart, (b) the hub killed with SIGKILL and started
 * again, (c) a target that refuses for a while and recovers through the retry ladder.
 *
 * The 10,000 records are 1,000 customers (seeded once, known to the CRM, Siebel and Salesforce) × 10
 * versions, published version after version, so all are in flight at once. The legacy system is a
 * resilient client: it publishes with confirms and its own stable message id, and publishes again what
 * the broker did not confirm. The targets are idempotent consumers (bench/_sync-rig.ts TargetLedger):
 * keyed on the message id, and on record id and version, so a redelivery or a repeated update is
 * counted and dropped, and an older version arriving after a newer one (a retried message overtaken by
 * its successor) is never applied over it.
 *
 * What counts, at every target: each customer's record ends at the last version (nothing lost), each
 * (record, version) was applied at most once and never over a newer one, and nothing went to the
 * dead-letter queue. The hub sends a target the golden record as it is when it handles a change
 * (records/golden-fan-out.ts), so an intermediate version may be overtaken by the next before it is
 * sent: that is not a loss, and the counts say how often it happened.
 *
 * The broker is left running whatever happens (start_app in finally, then await_startup).
 */
const CUSTOMERS = 1000;
const VERSIONS = 10;
const RECORDS = CUSTOMERS * VERSIONS;
const FAULT_AT = 0.3;
const IN_FLIGHT = 500;
/** short delays, so a refusing target's messages come back within seconds (defaults: 5 s, 30 s, 5 min) */
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];
const REFUSE_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const idOf = (target: Target, c: SyncCustomer) => (target === 'siebel' ? c.siebel : c.salesforce);

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
}

/** Whatever a case did to the broker, it runs again before the next thing happens. */
function brokerUp(): void {
  rabbitmqctl('start_app');
  rabbitmqctl('-q', 'await_startup');
}

interface CaseResult {
  ledgers: TargetLedger[];
  /** publishes the broker did not confirm the first time, published again */
  republished: number;
  /** deliveries the refusing target sent down the retry ladder */
  retried: number;
  /** retries whose dead-lettering failed (the bus then rejected the message) */
  retryFailures: number;
}

describe('record sync under faults: 10,000 records in flight (real RabbitMQ, real hub)', () => {
  let rig: SyncRig;
  let customers: SyncCustomer[];
  let version = 0;

  beforeAll(async () => {
    rig = await startRig('sync-faults');
    customers = makeCustomers(rig.vhost.slice(-6), CUSTOMERS);
    await seedCustomers(rig, customers);
  }, 600_000);

  afterAll(async () => {
    try {
      brokerUp();
    } finally {
      await rig?.stop();
    }
  }, 120_000);

  /**
   * Streams the next VERSIONS versions of every customer; `fault` runs once FAULT_AT of the records
   * are confirmed, while the rest are still being published. `refuse` says, per delivery, whether a
   * target refuses it (it then goes down the retry ladder).
   */
  async function stream(
    fault: () => Promise<void>,
    refuse: (target: Target) => boolean = () => false,
  ): Promise<CaseResult> {
    const first = version + 1;
    version += VERSIONS;
    const targetBus = new RabbitMqBus({ url: rig.amqpUrl, connectionName: 'sync-faults targets' });
    const publisher = new RabbitMqBus({ url: rig.amqpUrl, connectionName: 'sync-faults SAP' });
    targetBus.on('error', () => undefined);
    publisher.on('error', () => undefined);
    const ledgers = TARGETS.map((t) => new TargetLedger(t));
    const result: CaseResult = { ledgers, republished: 0, retried: 0, retryFailures: 0 };
    try {
      await targetBus.start();
      await publisher.start();
      const topology = new SyncTopology(targetBus, { targets: [...TARGETS], retryDelaysMs: RETRY_DELAYS_MS });
      for (const [i, target] of TARGETS.entries()) {
        await topology.declareTarget(target);
        await targetBus.consume(topology.targetConsumeOptions(target, { prefetch: PREFETCH }), (delivery) => {
          if (refuse(target)) {
            result.retried += 1;
            topology
              .retry(target, delivery, `${target} answers 503 Service Unavailable`)
              .catch(() => (result.retryFailures += 1));
            return;
          }
          ledgers[i].take(delivery.messageId, delivery.body);
          delivery.ack();
        });
      }

      const records: { c: SyncCustomer; v: number }[] = [];
      for (let v = first; v <= version; v++) for (const c of customers) records.push({ c, v });
      let confirmed = 0;
      let faulted: Promise<void> | undefined;
      /** the legacy system: a record is done once the broker confirmed it; until then it is sent again */
      const send = async ({ c, v }: { c: SyncCustomer; v: number }) => {
        for (let attempt = 0; ; attempt++) {
          try {
            await publisher.publish('crm.inbound', 'sap.DEBMAS', sapDebmas(c, v), {
              messageId: `sap-debmas-${c.sap}-${v}`,
              contentType: 'application/xml',
              persistent: true,
            });
            break;
          } catch {
            if (attempt === 0) result.republished += 1;
            await sleep(250);
          }
        }
        confirmed += 1;
        if (!faulted && confirmed >= RECORDS * FAULT_AT) faulted = fault();
      };
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < records.length) await send(records[next++]);
        }),
      );
      await faulted;

      const ids = (target: Target) => customers.map((c) => idOf(target, c));
      const arrived = await waitUntil(
        rig,
        () => ledgers.every((l) => l.holding(ids(l.target), version) === CUSTOMERS),
        () => ledgers.reduce((n, l) => n + l.deliveries, 0) + result.retried,
        { quietMs: 15_000, timeoutMs: 240_000 },
      );
      if (!arrived) reportStall();
      // what was still on its way (redeliveries, retries) arrives and is counted
      await settle(rig);
      await sleep(RETRY_DELAYS_MS.at(-1) as number);
      return result;
    } finally {
      await targetBus.close().catch(() => undefined);
      await publisher.close().catch(() => undefined);
    }
  }

  /**
   * Where the records stand when they did not all arrive: each queue of the virtual host (ready,
   * unacknowledged, consumers) and the end of the hub's log, so a failure says which hop stalled.
   */
  function reportStall(): void {
    const queues = listQueues(rig.vhost, ['name', 'messages_ready', 'messages_unacknowledged', 'consumers']);
    const log = rig.hub.log().split('\n').slice(-60).join('\n');
    console.log(
      `not all records arrived; the queues (name ready unacked consumers):\n${queues}\nhub log:\n${log}`,
    );
  }

  /** The counts at every target, and the dead-letter queue. */
  async function expectNothingLostNothingTwice(r: CaseResult): Promise<void> {
    const counts = r.ledgers.map((l) => ({
      target: l.target,
      atLastVersion: l.holding(
        customers.map((c) => idOf(l.target, c)),
        version,
      ),
      applied: l.appliedCount(),
      deliveries: l.deliveries,
      repeatedMessageIds: l.duplicateIds,
      repeatedVersions: l.duplicateVersions,
      staleDropped: l.stale,
      unreadable: l.unreadable,
    }));
    console.log(
      `${RECORDS} records: republished ${r.republished}, retried ${r.retried}; ${JSON.stringify(counts)}`,
    );
    // the dead letters' reasons, read as `crm-hub dead-letters list` reads them (order and all kept)
    const dlq = new DeadLetterQueue({ url: rig.amqpUrl });
    const dead = await dlq.list({ limit: 20 }).finally(() => dlq.close());
    const reasons = dead.items.map((d) => `${d.exchange} ${d.routingKey} (queue ${d.queue}): ${d.reason}`);
    for (const c of counts) {
      // nothing lost: every customer's record holds the last version at every target
      expect({ target: c.target, atLastVersion: c.atLastVersion }).toEqual({
        target: c.target,
        atLastVersion: CUSTOMERS,
      });
      expect(c.unreadable).toBe(0);
      // nothing applied twice: at most one application per version of each record
      expect(c.applied).toBeLessThanOrEqual(RECORDS);
      // and no version sent again under a new message id: a target that keeps only the message ids
      // it handled (as the idempotent amqp-in does) would apply such a repeat a second time
      expect({ target: c.target, repeatedVersions: c.repeatedVersions }).toEqual({
        target: c.target,
        repeatedVersions: 0,
      });
    }
    for (const l of r.ledgers) {
      for (const [id, versions] of l.applied) {
        const fresh = versions.filter((v) => v > version - VERSIONS);
        if (new Set(fresh).size !== fresh.length || fresh.some((v, i) => i > 0 && v <= fresh[i - 1])) {
          throw new Error(`${l.target} ${id} applied versions ${fresh.join(', ')}`);
        }
      }
    }
    // a fault is no reason to give up on a message: nothing may end in the dead-letter queue
    expect({ deadLetters: dead.total, reasons, retryFailures: r.retryFailures }).toEqual({
      deadLetters: 0,
      reasons: [],
      retryFailures: 0,
    });
  }

  it('(a) a broker restart mid-stream: nothing lost, nothing applied twice', async () => {
    const r = await stream(async () => {
      try {
        rabbitmqctl('stop_app');
        await sleep(3000);
      } finally {
        brokerUp();
      }
    });
    await expectNothingLostNothingTwice(r);
    // the broker's restart cut publishes off: the legacy system had to send some again
    expect(r.republished).toBeGreaterThan(0);
  }, 420_000);

  it('(b) the hub killed with SIGKILL mid-stream and started again: nothing lost, nothing applied twice', async () => {
    let killedPid: number | undefined;
    const r = await stream(async () => {
      killedPid = rig.hub.process.pid;
      const exited = new Promise((resolve) => rig.hub.process.once('exit', resolve));
      rig.hub.process.kill('SIGKILL');
      await exited;
      await rig.restartHub();
    });
    expect(rig.hub.process.pid).not.toBe(killedPid);
    await expectNothingLostNothingTwice(r);
  }, 420_000);

  it('(c) a target that refuses for a while, then recovers through the retry ladder: nothing lost, nothing applied twice', async () => {
    let refusingSince: number | undefined;
    const r = await stream(
      async () => undefined,
      (target) => {
        if (target !== 'siebel') return false;
        refusingSince ??= Date.now();
        return Date.now() - refusingSince < REFUSE_MS;
      },
    );
    await expectNothingLostNothingTwice(r);
    expect(r.retried).toBeGreaterThan(0);
  }, 420_000);
});
