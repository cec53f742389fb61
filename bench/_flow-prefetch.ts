import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../test/e2e/hub-process';

/**
 * The prefetch of the shipped flow's consumer on the record-sync path (flows/hub.json), read from the
 * file: the anchors and floors consume "with the same settings" as the hub, whatever the flow ships.
 */
export function flowPrefetch(nodeId = 'sync-legacy-in'): number {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'hub.json'), 'utf8')) as {
    id: string;
    prefetch?: string;
  }[];
  const prefetch = Number(flow.find((n) => n.id === nodeId)?.prefetch);
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw new Error(`flows/hub.json: ${nodeId} has no prefetch to measure with`);
  return prefetch;
}
