import { INBOUND_EXCHANGE, type Bus, type ConsumeOptions } from '../../connectors/amqp/bus';
import { typedQueueOptions } from '../../connectors/amqp/consume-config';
import { SyncTopology } from '../../connectors/amqp/sync-topology';
import type { AmqpInDef } from './amqp-in-config';
import type { SyncTarget } from './target-retries';

export interface ConsumePlan {
  /** the queue's declaration and bindings, as its topology (if any) declares them */
  options(): ConsumeOptions;
  /** what must exist before the consumer starts: the exchanges it binds to, a target's retry queues */
  prepare(options: ConsumeOptions): Promise<void>;
}

/**
 * How an amqp-in consumes its queue: typed in by the integrator, or as a record-sync topology declares
 * it (crm.hub.inbound on crm.inbound, or a target's crm.out.<system> with its retry ladder), so that
 * every declaration of the queue (amqp-out, tools, tests) is equivalent.
 */
export function consumePlan(
  bus: Bus,
  config: Pick<AmqpInDef, 'prefetch' | 'bindings' | 'singleActive' | 'atLeastOnce'>,
  queue: string,
  settings: { syncInbound: boolean; target?: SyncTarget; drainMs: number; deliveryLimit?: number },
): ConsumePlan {
  const { syncInbound, target, drainMs, deliveryLimit } = settings;
  return {
    options: () => {
      const prefetch = Number(config.prefetch) || 10;
      if (target) return target.topology.targetConsumeOptions(target.system, { prefetch, drainMs });
      if (syncInbound)
        return new SyncTopology(bus, { targets: [], inboundQueue: queue }).inboundConsumeOptions({
          prefetch,
          drainMs,
        });
      return typedQueueOptions({
        queue,
        bindings: config.bindings,
        prefetch,
        singleActive: !!config.singleActive,
        drainMs,
        deliveryLimit,
        atLeastOnce: !!config.atLeastOnce,
      });
    },
    prepare: async (options) => {
      // The bus binds only to exchanges that exist; declaring ours is idempotent.
      const exchanges = new Set(options.bindings.map((b) => b.exchange));
      if (syncInbound) exchanges.add(INBOUND_EXCHANGE);
      for (const exchange of exchanges) await bus.declareExchange(exchange);
      // the retry queues too, as amqp-out declares them: a failure's copy must have somewhere to wait
      if (target) await target.topology.declareTarget(target.system);
    },
  };
}
