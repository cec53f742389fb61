import type { Node } from 'node-red';
import type { Bus, Delivery } from '../../connectors/amqp/bus';
import { delayLabel, type RetryOutcome } from '../../connectors/amqp/retry-ladder';
import { SyncTopology, targetSystemOf } from '../../connectors/amqp/sync-topology';
import type { DeadLetterReason, InboundMeter } from '../../app/metrics/hub-metrics';
import { errorMessage, showThrottled, statusWords, type RED } from '../shared/red';
import type { settlementReports } from './settlement-reports';

/**
 * amqp-in with topology "record sync: a target's queue": it consumes crm.out.<system> as the topology
 * declares it, and a message its flow fails goes down the target's retry ladder instead of straight
 * to the dead letters (docs/amqp.md, "The retry ladder").
 */
export interface SyncTarget {
  system: string;
  /** crm.out.<system> */
  queue: string;
  /**
   * The default ladder (5 s, 30 s, 5 min) and delivery limit, as amqp-out declares the queue: the
   * retry queues' names come from the delays, so any other choice here would declare other queues
   * or be refused as inequivalent.
   */
  topology: SyncTopology;
}

/** The target a queue name stands for, or undefined when it is no crm.out.<system>. */
export function syncTargetOf(bus: Bus, queue: string): SyncTarget | undefined {
  const system = targetSystemOf(queue);
  if (system === undefined) return undefined;
  return { system, queue, topology: new SyncTopology(bus, { targets: [system] }) };
}

/**
 * What a failed flow does with a target's message: the next retry step, or after the last a dead
 * letter with the reason. Nothing is recorded in the idempotency ledger, so the message that comes
 * back is taken in again. Each outcome is counted, logged and shown in the status.
 */
export function targetRetries(
  RED: RED,
  node: Node,
  meter: InboundMeter,
  target: SyncTarget,
  { report, deadLettered }: ReturnType<typeof settlementReports>,
) {
  const words = statusWords(RED);
  // this deployment's counts, for the status; /metrics keeps counting across redeploys
  const counts = { retried: 0, deadLettered: 0 };
  const showCounts = () =>
    showThrottled(node, () => ({
      fill: 'yellow',
      shape: 'dot',
      text: words('amqp-in.status.target-retries', { queue: target.queue, ...counts }),
    }));

  const settled = (delivery: Delivery, reason: string, reasonClass: DeadLetterReason) => {
    return (outcome: RetryOutcome): void => {
      if (outcome.outcome === 'retrying') {
        meter.retried += 1;
        counts.retried += 1;
        node.warn(
          RED._('amqp-in.warnings.retrying', {
            id: delivery.messageId ?? '-',
            attempt: outcome.attempts,
            queue: outcome.queue,
            delay: delayLabel(outcome.delayMs),
            reason: clip(reason),
          }),
        );
      } else if (outcome.outcome === 'dead-lettered') {
        counts.deadLettered += 1;
        deadLettered(delivery, outcome.reason, reasonClass)({ outcome: 'dead-lettered' });
      } else {
        // the retry queue did not take the copy: the original is back in crm.out.<system>, whose
        // delivery limit ends the loop should the broker go on refusing
        meter.requeued += 1;
        node.warn(RED._('amqp-in.errors.retry-failed', { error: errorMessage(outcome.error) }));
      }
      showCounts();
    };
  };

  // resolves once the delivery is settled and reported; it never rejects
  return (delivery: Delivery, reason: string, reasonClass: DeadLetterReason): Promise<void> =>
    target.topology
      .retry(target.system, delivery, reason)
      .then(settled(delivery, reason, reasonClass), (error: unknown) =>
        // dead-lettering after the last step failed: the bus rejected the message, and the broker
        // dead-letters it without the reason (as when amqp-in's own dead-lettering fails)
        report({ outcome: 'requeued', stage: 'dead-letter', error }),
      );
}

function clip(reason: string): string {
  return reason.length > 300 ? `${reason.slice(0, 300)}…` : reason;
}
