import type { Node } from 'node-red';
import type { Delivery } from '../../connectors/amqp/bus';
import type { IdempotentRepository } from '../../connectors/amqp/idempotent-repository';
import { complete, type Settlement } from '../../connectors/amqp/inbound';
import { requeuePauseMs } from '../../connectors/amqp/requeue-pause';
import type { DeadLetterReason, InboundMeter } from '../../app/metrics/hub-metrics';
import type { RED } from '../shared/red';
import { settlementReports } from './settlement-reports';
import { targetRetries, type SyncTarget } from './target-retries';

const ACKED: Settlement = { outcome: 'acked' };

/**
 * How amqp-in settles a delivery once the flow is done with it (the at-least-once path: ack, dead
 * letter, or back to the queue), each way counted in the node's meter. `closing` is read at settle
 * time: once the node closes, whatever would wait goes back to the queue at once. On a record-sync
 * target's queue a failed flow sends the message down the target's retry ladder instead.
 */
export function flowSettlement(
  RED: RED,
  node: Node,
  meter: InboundMeter,
  repository: IdempotentRepository | undefined,
  closing: () => boolean,
  target?: SyncTarget,
) {
  const reports = settlementReports(RED, node, meter);
  const { report, deadLettered } = reports;
  const retries = target && targetRetries(RED, node, meter, target, reports);
  const failed = (delivery: Delivery, reason: string, reasonClass: DeadLetterReason) => {
    if (retries) return void retries(delivery, reason, reasonClass);
    void complete(delivery, repository, reason).then(deadLettered(delivery, reason, reasonClass));
  };
  // each way out of the flow ends the message's time in flight
  const settler = (delivery: Delivery) => ({
    ack: () => {
      meter.inFlight--;
      // with no ledger to record the key in, complete() only acks: done here without its promise
      if (repository === undefined) {
        delivery.ack();
        return report(ACKED);
      }
      void complete(delivery, repository).then(report);
    },
    fail: (reason: string) => {
      meter.inFlight--;
      failed(delivery, reason, 'flow-error');
    },
    // A redeploy tore the flow down under the message (Node-RED drops messages between stopped
    // nodes): the new deployment gets it again instead of the dead-letter queue.
    timedOut: (reason: string) => {
      meter.inFlight--;
      if (closing()) return requeueNow(delivery);
      failed(delivery, reason, 'timeout');
    },
    // The bus or the store was away while the flow ran: the message comes again once it is back.
    // On a target's queue a refused or reset connection is mostly the target system itself being
    // away, which is what the ladder's broker-side waits (5 s, 30 s, 5 min) are for; a pause in
    // memory would spend the queue's delivery limit within a minute or two of a target's restart.
    retry: (reason: string) => {
      meter.inFlight--;
      if (retries && !closing()) return void retries(delivery, reason, 'flow-error');
      requeueLater(delivery, 'amqp-in.errors.passing', reason);
    },
    // It went to a node that is stopped: not acked, it comes back from the broker (at least once).
    // Closing, at once, so the drain does not wait for it; else (a redeploy of the nodes after this
    // one) after a pause, as for a passing failure.
    dropped: (reason: string) => {
      meter.inFlight--;
      if (closing()) return requeueNow(delivery);
      requeueLater(delivery, 'amqp-in.errors.requeued', reason);
    },
  });

  // a message waiting out its pause is handed back at once when the node closes: the drain would
  // otherwise wait for it (up to 30 s) and hold the redeploy
  const pausing = new Map<NodeJS.Timeout, Delivery>();
  const requeueNow = (delivery: Delivery) => {
    meter.requeued += 1;
    delivery.requeue();
  };
  const requeueLater = (delivery: Delivery, key: string, error: string) => {
    if (closing()) return requeueNow(delivery);
    meter.requeued += 1;
    const pauseMs = requeuePauseMs(delivery);
    node.warn(RED._(key, { error, seconds: pauseMs / 1000 }));
    const timer = setTimeout(() => {
      pausing.delete(timer);
      delivery.requeue();
    }, pauseMs).unref();
    pausing.set(timer, delivery);
  };
  const requeuePaused = () => {
    for (const [timer, delivery] of pausing) {
      clearTimeout(timer);
      delivery.requeue();
    }
    pausing.clear();
  };
  return { settler, requeueNow, requeueLater, requeuePaused };
}
