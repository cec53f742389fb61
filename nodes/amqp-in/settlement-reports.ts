import type { Node } from 'node-red';
import type { Delivery } from '../../connectors/amqp/bus';
import type { Settlement } from '../../connectors/amqp/inbound';
import type { DeadLetterReason, InboundMeter } from '../../app/metrics/hub-metrics';
import { errorMessage, type RED } from '../shared/red';

/**
 * What amqp-in logs once a message is settled: what went wrong in settling, and each dead letter; and
 * what it counts for /metrics.
 */
export function settlementReports(RED: RED, node: Node, meter: InboundMeter) {
  const report = (settled: Settlement, reason: DeadLetterReason = 'flow-error'): void => {
    meter.settled(settled.outcome, reason);
    if (settled.outcome === 'acked-unrecorded')
      node.warn(RED._('amqp-in.errors.ledger', { error: errorMessage(settled.error) }));
    if (settled.outcome === 'requeued')
      node.warn(RED._(`amqp-in.errors.${settled.stage}`, { error: errorMessage(settled.error) }));
  };
  // an operator reading the log learns of every message the queue gave up on, and why
  const deadLettered =
    (delivery: Delivery, reason: string, reasonClass: DeadLetterReason) =>
    (settled: Settlement): void => {
      if (settled.outcome === 'dead-lettered')
        node.warn(
          RED._('amqp-in.errors.dead-lettered', {
            id: delivery.messageId ?? '-',
            key: delivery.routingKey,
            reason: reason.length > 300 ? `${reason.slice(0, 300)}…` : reason,
          }),
        );
      report(settled, reasonClass);
    };
  return { report, deadLettered };
}
