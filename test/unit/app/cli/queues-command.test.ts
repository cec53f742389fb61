/**
 * Which queues `crm-hub queues upgrade` would re-create from the deployed flows: never one the
 * record-sync topology declares, whose arguments an amqp-in does not know.
 */
import { wantedQueues } from '../../../../app/cli/queues-command';

const amqpIn = (id: string, queue: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'amqp-in',
  queue,
  bindings: '#',
  deliveryLimit: '20',
  atLeastOnce: true,
  topology: '',
  version: 4,
  ...extra,
});

describe('wantedQueues', () => {
  it('leaves crm.out.<system> and its retry queues to the record-sync topology', () => {
    const { wanted, skipped } = wantedQueues([
      amqpIn('target', 'crm.out.sap'),
      amqpIn('retry', 'crm.out.siebel.retry.5s'),
      amqpIn('inbound', '', { topology: 'sync-inbound' }),
      amqpIn('events', 'crm-hub.policy-engine'),
    ]);
    expect(wanted.map((w) => w.queue)).toEqual(['crm-hub.policy-engine']);
    expect(skipped).toEqual([
      expect.stringMatching(/^crm\.out\.sap \(record sync topology: a target queue/),
      expect.stringMatching(/^crm\.out\.siebel\.retry\.5s \(record sync topology: a target queue/),
      'crm.hub.inbound (record sync topology: declared as the topology says)',
    ]);
  });

  it('leaves an amqp-in with topology "record sync: a target\'s queue" to the topology, whatever its queue', () => {
    const { wanted, skipped } = wantedQueues([
      amqpIn('target', 'crm.out.sap', { topology: 'sync-target' }),
      // refused by the node at deploy: nothing to re-create either
      amqpIn('typo', 'crm.out.SAP', { topology: 'sync-target' }),
    ]);
    expect(wanted).toEqual([]);
    expect(skipped).toEqual([
      'crm.out.sap (record sync topology: a target queue, declared as the topology says)',
      'crm.out.SAP (record sync topology: a target queue, declared as the topology says)',
    ]);
  });

  it('still takes a queue that only looks like a target queue', () => {
    const { wanted } = wantedQueues([amqpIn('q', 'crm.out.SAP'), amqpIn('r', 'crm.outbox')]);
    expect(wanted.map((w) => w.queue)).toEqual(['crm.out.SAP', 'crm.outbox']);
  });
});
