/**
 * `crm-hub queues upgrade [--dry-run]`: re-creates each hub queue whose arguments on RabbitMQ differ
 * from what the deployed flows declare (a queue an older version declared refuses the current amqp-in
 * with PRECONDITION_FAILED), keeping its messages (connectors/amqp/queue-upgrade.ts moves them).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import amqplib from 'amqplib';
import { deliveryLimitOf, typedQueueOptions } from '../../connectors/amqp/consume-config';
import { queueArguments } from '../../connectors/amqp/queue-arguments';
import {
  inequivalentArgument,
  inspectQueue,
  upgradeQueue,
  type WantedQueue,
} from '../../connectors/amqp/queue-upgrade';
import { targetSystemOf } from '../../connectors/amqp/sync-topology';
import { checkQueueDeclaration } from '../../connectors/amqp/validate';
import { errorMessage } from '../../formats/error-message';
import { parseCommandArgs } from './args';

export const QUEUES_USAGE = `usage: crm-hub queues upgrade [--dry-run] [options]

  upgrade             re-create each queue of the flows' amqp-in nodes whose arguments on RabbitMQ
                      differ from the node's (x-delivery-limit, x-dead-letter-strategy, x-overflow …),
                      moving its messages to <queue>.upgrade and back with publisher confirms; refused
                      for a queue with consumers (stop the hub first)
  --dry-run           only say which queues differ and how
  --flows <file>      the deployed flows (default: $CRM_HUB_USER_DIR/flows.json, else ./.node-red/flows.json)
  --url <amqp-url>    the broker (default: AMQP_URL)
exit code: 0 done or nothing to do, 1 a queue was refused or failed, 2 bad options, no broker or flows`;

export interface QueuesIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

type FlowNode = Record<string, unknown>;

/** The typed queues of the flows' amqp-in nodes, as amqp-in declares them (the record-sync one apart). */
export function wantedQueues(flows: unknown): { wanted: WantedQueue[]; skipped: string[] } {
  if (!Array.isArray(flows)) throw new Error('the flows file is not a JSON array of nodes');
  const wanted = new Map<string, WantedQueue>();
  const skipped: string[] = [];
  for (const node of flows as FlowNode[]) {
    if (node?.type !== 'amqp-in' || node.d === true) continue;
    const queue = String(node.queue ?? '').trim();
    if (node.topology === 'sync-inbound') {
      skipped.push(`${queue || 'crm.hub.inbound'} (record sync topology: declared as the topology says)`);
      continue;
    }
    // such a node consumes only crm.out.<system>, and refuses any other name at deploy
    if (node.topology === 'sync-target') {
      skipped.push(`${queue} (record sync topology: a target queue, declared as the topology says)`);
      continue;
    }
    // Re-created with an amqp-in's arguments, a target queue would lose its dead-letter routing key,
    // and the hub's next update for that target would be refused as inequivalent (PRECONDITION_FAILED).
    if (isSyncTargetQueue(queue)) {
      skipped.push(
        `${queue} (record sync topology: a target queue, declared as the topology says; an amqp-in consumes it with topology "record sync: a target's queue", not with its own arguments)`,
      );
      continue;
    }
    if (!queue || wanted.has(queue)) continue;
    const options = typedQueueOptions({
      queue,
      bindings: String(node.bindings ?? ''),
      prefetch: 10,
      singleActive: node.singleActive === true,
      drainMs: 0,
      deliveryLimit: deliveryLimitOf(node.deliveryLimit),
      atLeastOnce: node.atLeastOnce === true,
    });
    const declaration = checkQueueDeclaration(options);
    wanted.set(queue, {
      queue,
      arguments: queueArguments(queue, declaration),
      bindings: declaration.bindings,
    });
  }
  return { wanted: [...wanted.values()], skipped };
}

/** crm.out.<system> and its retry queues crm.out.<system>.retry.<delay>, which SyncTopology declares. */
function isSyncTargetQueue(queue: string): boolean {
  const retry = queue.indexOf('.retry.');
  return targetSystemOf(retry < 0 ? queue : queue.slice(0, retry)) !== undefined;
}

class UsageError extends Error {}

export async function runQueuesCommand(args: string[], io: QueuesIo): Promise<number> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  let flowsFile: string;
  let url: string;
  let dryRun: boolean;
  let flows: unknown;
  try {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        'dry-run': { type: 'boolean' },
        flows: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      (message) => new UsageError(message),
    );
    if (values.help) {
      say(QUEUES_USAGE);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'upgrade')
      throw new UsageError(positionals.length ? `unknown command '${positionals.join(' ')}'` : 'no command');
    dryRun = values['dry-run'] === true;
    url = values.url ?? io.env.AMQP_URL ?? '';
    if (!url) throw new UsageError('no broker: give --url or set AMQP_URL');
    const userDir = io.env.CRM_HUB_USER_DIR || path.join(io.cwd, '.node-red');
    flowsFile = values.flows ?? path.join(userDir, 'flows.json');
    try {
      flows = JSON.parse(fs.readFileSync(flowsFile, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read the flows ${flowsFile}: ${errorMessage(err)}`);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`crm-hub queues: ${err.message}\n${QUEUES_USAGE}\n`);
    return 2;
  }

  let found: ReturnType<typeof wantedQueues>;
  try {
    found = wantedQueues(flows);
  } catch (err) {
    io.stderr.write(`crm-hub queues: ${flowsFile}: ${errorMessage(err)}\n`);
    return 2;
  }
  let model: amqplib.ChannelModel;
  try {
    model = await amqplib.connect(url);
  } catch (err) {
    io.stderr.write(`crm-hub queues: cannot connect to the broker: ${errorMessage(err)}\n`);
    return 2;
  }
  model.on('error', () => undefined);
  let failed = 0;
  try {
    for (const skipped of found.skipped) say(`${skipped}: skipped`);
    for (const wanted of found.wanted) {
      const state = await inspectQueue(model, wanted);
      if (state.state === 'missing') {
        say(`${wanted.queue}: not declared yet (amqp-in declares it at start)`);
        continue;
      }
      if (state.state === 'equivalent') {
        say(`${wanted.queue}: arguments as the flows declare them`);
        continue;
      }
      const arg = inequivalentArgument(state.detail) ?? 'its arguments';
      const what = `${wanted.queue}: ${arg} differs (${state.messages} message(s), ${state.consumers} consumer(s))`;
      if (state.consumers > 0) {
        say(`${what}: refused, stop the hub first`);
        failed += 1;
        continue;
      }
      if (dryRun) {
        say(`${what}: would be re-created with ${JSON.stringify(wanted.arguments)}`);
        continue;
      }
      try {
        const moved = await upgradeQueue(model, wanted);
        say(`${what}: re-created with ${JSON.stringify(wanted.arguments)}, ${moved} message(s) kept`);
      } catch (err) {
        say(`${what}: failed: ${errorMessage(err)}`);
        failed += 1;
      }
    }
  } finally {
    await model.close().catch(() => undefined);
  }
  return failed > 0 ? 1 : 0;
}
