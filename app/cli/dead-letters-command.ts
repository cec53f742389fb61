/**
 * `crm-hub dead-letters list|show|replay|purge`: the dead-letter queue for people, on RabbitMQ
 * (connectors/amqp/dead-letters.ts does the work and explains how it reads a queue without losing or
 * reordering it). The broker comes from --url or AMQP_URL, as for the hub itself.
 */
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import {
  DeadLetterError,
  DeadLetterQueue,
  parseDestination,
  type DeadLetterPage,
  type ReplayResult,
} from '../../connectors/amqp/dead-letters';
import { errorMessage } from '../../formats/error-message';
import { parseCommandArgs } from './args';
import { replayWithBody } from './replay-with-body';

export const DEAD_LETTERS_USAGE = `usage: crm-hub dead-letters <command> [options]

  list [--limit <n>] [--offset <n>]   the dead letters in queue order, --limit 50 by default
  show <id>                           one dead letter: reason, properties, headers, body
  replay <id> | --all [--to <exchange>/<routing key>]
                                      republish to the exchange and routing key it came from (or --to;
                                      /<queue> is the default exchange), keeping its message id and
                                      headers; it leaves the dead-letter queue only once the broker
                                      confirmed the replay
  replay <id> --body <file>           the same with a corrected body (the file's bytes): the fix for a
                                      message that died of its body (not XML, refused by the schema)
  purge <id> | --all  --yes           delete for good (--yes confirms)

  --url <amqp-url>    the broker (default: AMQP_URL)
  --queue <name>      the dead-letter queue (default: crm.dead-letter)
  --json              print JSON on stdout instead of text

  <id> is the id that list shows: the message id, body-sha256:... for a message without one that came
  to crm.inbound (the id the hub gave it), sha256:... for any other without one.
exit code: 0 done, 1 no such dead letter or a replay failed (it stays), 2 bad options, no broker,
  no such queue or virtual host`;

export interface DeadLettersIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

/** a replay that was tried and failed: the dead letter stays, exit code 1 as for a plain replay */
const REPLAY_FAILURES = new Set(['no-destination', 'unroutable', 'refused', 'nacked', 'outcome-unknown']);

interface Parsed {
  command: 'list' | 'show' | 'replay' | 'purge';
  id?: string;
  all: boolean;
  yes: boolean;
  json: boolean;
  limit?: number;
  offset?: number;
  to?: string;
  body?: string;
  url?: string;
  queue?: string;
}

function parse(args: string[]): Parsed {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      limit: { type: 'string' },
      offset: { type: 'string' },
      all: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      to: { type: 'string' },
      body: { type: 'string' },
      url: { type: 'string' },
      queue: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    (message) => new UsageError(message),
  );
  if (values.help) throw new UsageError('');
  const [command, ...rest] = positionals;
  if (command !== 'list' && command !== 'show' && command !== 'replay' && command !== 'purge') {
    throw new UsageError(command === undefined ? 'no command given' : `unknown command '${command}'`);
  }
  if (rest.length > 1) throw new UsageError(`one id expected, got ${rest.length}: ${rest.join(' ')}`);
  const id = rest[0];
  const result: Parsed = {
    command,
    id,
    all: values.all,
    yes: values.yes,
    json: values.json,
    to: values.to,
    body: values.body,
    url: values.url,
    queue: values.queue,
  };
  if (command === 'list') {
    if (id !== undefined) throw new UsageError('list takes no id (use show <id>)');
    result.limit = count('--limit', values.limit);
    result.offset = count('--offset', values.offset);
  } else {
    for (const name of ['limit', 'offset'] as const)
      if (values[name] !== undefined) throw new UsageError(`--${name} belongs to list`);
  }
  if (command === 'show' && (id === undefined || values.all)) throw new UsageError('show needs one <id>');
  if ((command === 'replay' || command === 'purge') && (id === undefined) === !values.all) {
    throw new UsageError(`${command} needs either an <id> or --all`);
  }
  if (command !== 'replay' && values.to !== undefined) throw new UsageError('--to belongs to replay');
  if (values.body !== undefined && (command !== 'replay' || values.all))
    throw new UsageError('--body belongs to replay <id>: one dead letter gets the corrected body');
  if (command !== 'replay' && command !== 'purge' && values.all)
    throw new UsageError(`--all belongs to replay and purge`);
  if (command === 'purge' && !values.yes) {
    throw new UsageError(
      `purge deletes ${values.all ? 'every dead letter' : `dead letter '${id}'`} for good; add --yes to confirm`,
    );
  }
  return result;
}

/** The corrected body; a file that cannot be read is a usage error, before anything is touched. */
function readBody(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--body ${file}: cannot read it (${code ?? errorMessage(err)})`);
  }
}

function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} needs a whole number, got '${text}'`);
  return Number(text);
}

export async function runDeadLettersCommand(
  args: string[],
  io: DeadLettersIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const say = (text: string): void => void io.stdout.write(`${text}\n`);
  const complain = (text: string): void => void io.stderr.write(`${text}\n`);
  let options: Parsed;
  try {
    options = parse(args);
  } catch (err) {
    if (err instanceof UsageError && err.message === '') {
      say(DEAD_LETTERS_USAGE);
      return 0;
    }
    complain(`crm-hub dead-letters: ${errorMessage(err)}\n\n${DEAD_LETTERS_USAGE}`);
    return 2;
  }
  let dlq: DeadLetterQueue | undefined;
  try {
    const to = options.to === undefined ? undefined : parseDestination(options.to);
    dlq = new DeadLetterQueue({ url: options.url ?? io.env.AMQP_URL, queue: options.queue });
    switch (options.command) {
      case 'list': {
        const page = await dlq.list({ limit: options.limit, offset: options.offset });
        say(options.json ? JSON.stringify(page, null, 2) : listText(page, dlq.describe()));
        return 0;
      }
      case 'show':
        say(JSON.stringify(await dlq.show(options.id as string), null, 2));
        return 0;
      case 'replay': {
        if (options.body !== undefined) {
          const body = readBody(options.body);
          const url = options.url ?? io.env.AMQP_URL;
          let r;
          try {
            r = await replayWithBody(dlq, url, options.id as string, body, { to });
          } catch (err) {
            if (!(err instanceof DeadLetterError) || !REPLAY_FAILURES.has(err.code)) throw err;
            complain(
              `not replayed ${options.id} (${err.code}): ${err.message}; it stays in the dead-letter queue`,
            );
            return 1;
          }
          if (options.json) say(JSON.stringify(r, null, 2));
          else
            say(
              `replayed ${r.id} with the ${r.size} bytes of ${options.body} to exchange '${r.exchange}' ` +
                `with routing key '${r.routingKey}'`,
            );
          return 0;
        }
        const which = options.all ? ({ all: true } as const) : { id: options.id as string };
        const result = await dlq.replay(which, { to });
        if (options.json) say(JSON.stringify(result, null, 2));
        else replayText(result, say, complain);
        return result.failed.length > 0 ? 1 : 0;
      }
      default: {
        // purge
        const purged = options.all ? await dlq.purgeAll() : await dlq.purge(options.id as string);
        say(
          options.json
            ? JSON.stringify({ purged })
            : `purged ${purged} dead letter${purged === 1 ? '' : 's'}`,
        );
        return 0;
      }
    }
  } catch (err) {
    complain(`crm-hub dead-letters: ${errorMessage(err)}`);
    // A queue that is not there is a wrong --queue or URL, as a virtual host the broker refuses is.
    return err instanceof DeadLetterError && err.code === 'not-found' && err.field !== 'queue' ? 1 : 2;
  } finally {
    await dlq?.close();
  }
}

function listText(page: DeadLetterPage, where: string): string {
  const shown =
    page.items.length === 0
      ? 'none shown'
      : `showing ${page.items[0].position} to ${page.items[page.items.length - 1].position}`;
  const head = `${where}: ${page.total} dead letter${page.total === 1 ? '' : 's'}, ${shown}`;
  const rows = page.items.map((d) =>
    [
      `#${d.position}`,
      d.id,
      `from ${d.exchange === null ? '?' : d.exchange || '(default)'} ${d.routingKey ?? '?'}`,
      d.queue ? `queue ${d.queue}` : '',
      `count ${d.count}`,
      d.time ?? '',
      `${d.size} B`,
      d.contentType ?? '',
      `reason: ${d.reason}${d.hubReason && d.deathReason ? ` (${d.deathReason})` : ''}`,
    ]
      .filter((part) => part !== '')
      .join('  '),
  );
  return [head, ...rows].join('\n');
}

function replayText(result: ReplayResult, say: (t: string) => void, complain: (t: string) => void): void {
  for (const r of result.replayed)
    say(`replayed ${r.id} to exchange '${r.exchange}' with routing key '${r.routingKey}'`);
  for (const f of result.failed)
    complain(`not replayed ${f.id} (${f.code}): ${f.error}; it stays in the dead-letter queue`);
  say(`replayed ${result.replayed.length}, failed ${result.failed.length}`);
}
