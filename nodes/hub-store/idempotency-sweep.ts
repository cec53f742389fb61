import type { Node } from 'node-red';
import { IdempotencyRetention, retentionDays } from '../../records/idempotency-retention';
import type { HubStore } from '../../records/store';
import { errorMessage, type RED } from '../shared/red';

/**
 * The idempotency window in days: the node's field, else settings.js crmHub.idempotencyRetentionDays,
 * else the default. Undefined, with an error in the log, when what is set is no window.
 */
export function idempotencyWindowDays(RED: RED, node: Node, field: string | undefined): number | undefined {
  let days: number | undefined;
  try {
    const setting = (RED.settings as unknown as { crmHub?: { idempotencyRetentionDays?: unknown } }).crmHub
      ?.idempotencyRetentionDays;
    days = retentionDays(field, setting);
  } catch (err) {
    // guessing a shorter window could forget ids a replay still needs: nothing is pruned until fixed
    node.error(RED._('hub-store.log.retention-invalid', { error: errorMessage(err) }));
  }
  return days;
}

/** Sweeps the idempotency tables of the open store now and then at every SWEEP_INTERVAL_MS, logging what a sweep pruned. */
export function startIdempotencySweep(
  RED: RED,
  node: Node & { retention?: IdempotencyRetention },
  store: HubStore,
  days: number,
): void {
  const retention = (node.retention = new IdempotencyRetention(store, { days }));
  retention.start((result) => {
    if (result instanceof Error)
      node.warn(RED._('hub-store.log.prune-failed', { error: errorMessage(result) }));
    else if (result.processed + result.digests > 0)
      node.log(RED._('hub-store.log.pruned', { ...result, days }));
  });
}
