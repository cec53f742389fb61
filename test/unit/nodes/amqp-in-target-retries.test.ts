import { EventEmitter } from 'node:events';
import type { Node } from 'node-red';
import { InboundMeter } from '../../../app/metrics/hub-metrics';
import type { Bus, Delivery } from '../../../connectors/amqp/bus';
import { SyncTopology } from '../../../connectors/amqp/sync-topology';
import { settlementReports } from '../../../nodes/amqp-in/settlement-reports';
import { syncTargetOf, targetRetries } from '../../../nodes/amqp-in/target-retries';
import type { RED } from '../../../nodes/shared/red';

/**
 * What amqp-in (topology "record sync: a target's queue") does with a message its flow failed: each
 * outcome of the retry ladder counted, logged and shown. The broker's side is in
 * test/nodes/amqp-in-sync-target.test.ts.
 */
const red = { _: (key: string, params?: object) => (params ? `${key} ${JSON.stringify(params)}` : key) };

function setUp(publish: () => Promise<void> = () => Promise.resolve()) {
  const warned: string[] = [];
  const shown: { fill?: string }[] = [];
  const node = Object.assign(new EventEmitter(), {
    warn: (text: string) => warned.push(text),
    status: (s: { fill?: string }) => shown.push(s),
  }) as unknown as Node;
  const bus = { publish: jest.fn(publish) } as unknown as Bus;
  const meter = new InboundMeter();
  // a one-step ladder, so the second failure is the last
  const topology = new SyncTopology(bus, { targets: ['sap'], retryDelaysMs: [5_000] });
  const target = { system: 'sap', queue: 'crm.out.sap', topology };
  const reports = settlementReports(red as unknown as RED, node, meter);
  const fail = targetRetries(red as unknown as RED, node, meter, target, reports);
  return { fail, meter, warned, shown, bus };
}

function delivery(attempts?: number, deadLetter: () => Promise<void> = () => Promise.resolve()) {
  return {
    exchange: '',
    routingKey: 'crm.out.sap',
    body: Buffer.from('<DEBMAS07/>'),
    headers: attempts === undefined ? {} : { 'x-crmhub-attempts': attempts },
    messageId: 'update-1',
    redelivered: false,
    ack: jest.fn(),
    requeue: jest.fn(),
    deadLetter: jest.fn(deadLetter),
  } satisfies Delivery;
}

describe("amqp-in on a record-sync target's queue: a failed flow", () => {
  it('sends the message to the next retry queue, acks it, and warns with the attempt and the delay', async () => {
    const { fail, meter, warned, shown, bus } = setUp();
    const d = delivery();
    await fail(d, 'SAP is down', 'flow-error');
    expect(bus.publish).toHaveBeenCalledWith(
      '',
      'crm.out.sap.retry.5s',
      d.body,
      expect.objectContaining({ headers: expect.objectContaining({ 'x-crmhub-attempts': 1 }) }),
    );
    expect(d.ack).toHaveBeenCalled();
    expect(d.deadLetter).not.toHaveBeenCalled();
    expect(meter.retried).toBe(1);
    expect(meter.deadLettered['flow-error']).toBe(0);
    expect(warned).toEqual([
      `amqp-in.warnings.retrying ${JSON.stringify({ id: 'update-1', attempt: 1, queue: 'crm.out.sap.retry.5s', delay: '5s', reason: 'SAP is down' })}`,
    ]);
    expect(shown.at(-1)).toMatchObject({ fill: 'yellow' });
  });

  it('dead-letters it with the reason after the last step, counted by why the flow failed', async () => {
    const { fail, meter, warned, bus } = setUp();
    const d = delivery(1);
    await fail(d, 'no completion within 60000 ms', 'timeout');
    expect(bus.publish).not.toHaveBeenCalled();
    expect(d.deadLetter).toHaveBeenCalledWith(
      'gave up after 2 attempts, retried after 5s: no completion within 60000 ms',
    );
    expect(meter.retried).toBe(0);
    expect(meter.deadLettered.timeout).toBe(1);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^amqp-in\.errors\.dead-lettered .*gave up after 2 attempts/);
  });

  it('hands it back to its queue when the retry queue does not take the copy', async () => {
    const { fail, meter, warned } = setUp(() => Promise.reject(new Error('nacked')));
    const d = delivery();
    await fail(d, 'SAP is down', 'flow-error');
    expect(d.requeue).toHaveBeenCalled();
    expect(d.ack).not.toHaveBeenCalled();
    expect(meter.requeued).toBe(1);
    expect(meter.retried).toBe(0);
    expect(warned).toEqual([`amqp-in.errors.retry-failed ${JSON.stringify({ error: 'nacked' })}`]);
  });

  it('says so when dead-lettering after the last step failed', async () => {
    const { fail, meter, warned } = setUp();
    const d = delivery(1, () => Promise.reject(new Error('the bus is not connected')));
    await fail(d, 'SAP is down', 'flow-error');
    expect(meter.requeued).toBe(1);
    expect(meter.deadLettered['flow-error']).toBe(0);
    expect(warned).toEqual([
      `amqp-in.errors.dead-letter ${JSON.stringify({ error: 'the bus is not connected' })}`,
    ]);
  });
});

describe('syncTargetOf', () => {
  const bus = {} as Bus;
  it('takes crm.out.<system> with the default ladder, as amqp-out declares it', () => {
    const target = syncTargetOf(bus, 'crm.out.sap');
    expect(target).toMatchObject({ system: 'sap', queue: 'crm.out.sap' });
    expect(target?.topology.retrySteps('sap').map((s) => s.queue)).toEqual([
      'crm.out.sap.retry.5s',
      'crm.out.sap.retry.30s',
      'crm.out.sap.retry.5m',
    ]);
  });
  it.each(['crm.hub.inbound', 'crm.out.', 'crm.out.SAP', 'crm.out.sap.retry.5s', ''])(
    'refuses %j',
    (queue) => {
      expect(syncTargetOf(bus, queue)).toBeUndefined();
    },
  );
});
