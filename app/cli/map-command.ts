/**
 * `crm-hub map`: maps a legacy file to canonical NDJSON (or, with --reverse, canonical NDJSON to
 * the legacy format), one record at a time. Memory stays flat whatever the file size: records are
 * never collected, and every write waits for the destination to drain.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { compileOutbound, loadSystemSpec, SYSTEMS_DIR } from '../../mappings/engine';
import {
  MappingSpecError,
  type MapResult,
  type MappingError,
  type SystemSpec,
} from '../../mappings/mapping-types';
import { encoderOptionsFor, inboundMapper, pickRecordKind, sourceOptionsFor } from '../preview/preview';
import {
  createRecordSink,
  RecordEncodeError,
  writeWithBackpressure,
  type RecordEncoderOptions,
} from '../../formats/record-streams/record-sink';
import {
  readRecords,
  type RecordSourceOptions,
  type SourceItem,
} from '../../formats/record-streams/record-source';
import { errorMessage } from '../../formats/error-message';
import { parseCommandArgs } from './args';

export const MAP_USAGE = `usage: crm-hub map (--system <id> | --spec <file>) [options] <file>

  --system <id>      the spec shipped in mappings/systems/<id>.json
  --spec <file>      a spec file of your own (its format.layout is relative to that file)
  --record <kind>    record kind to map (default: the spec's format.recordKind or its only kind)
  --reverse          read canonical NDJSON, write the system's format (IDoc XML, CSV, ...)
  --out <file>       write here instead of stdout
  --rejects <file>   one NDJSON line per rejected record (default: a summary on stderr only)
  --stats            print a JSON line of counts and peak memory on stderr at the end
  <file>             the input file, or - for stdin

exit code: 0 all records mapped, 1 some rejected, 2 bad options, spec or files (an input that
cannot be read at all, such as a broken CSV header)`;

export interface MapCommandIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

/** Bad options or a spec that cannot be used: exit code 2, with the message naming what is wrong. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

interface MapOptions {
  spec: SystemSpec;
  specDir: string;
  /** --record; otherwise the spec decides (see pickRecordKind and inboundMapper) */
  recordKind?: string;
  reverse: boolean;
  input: string;
  out?: string;
  rejects?: string;
  stats: boolean;
}

function parseOptions(args: string[]): MapOptions {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      system: { type: 'string' },
      spec: { type: 'string' },
      record: { type: 'string' },
      reverse: { type: 'boolean', default: false },
      out: { type: 'string' },
      rejects: { type: 'string' },
      stats: { type: 'boolean', default: false },
    },
    (message) => new UsageError(message, true),
  );
  if (values.system === undefined && values.spec === undefined) {
    throw new UsageError('name the mapping: --system <id> or --spec <file>', true);
  }
  if (values.system !== undefined && values.spec !== undefined) {
    throw new UsageError('--system and --spec exclude each other: give one', true);
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'no input file given (use - for stdin)'
        : `one input file expected, got ${positionals.length}: ${positionals.join(' ')}`,
      true,
    );
  }
  for (const name of ['record', 'out', 'rejects'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} needs a value`, true);
  }
  const spec = values.system !== undefined ? systemSpec(values.system) : specFile(values.spec as string);
  const specDir = values.spec !== undefined ? path.dirname(path.resolve(values.spec)) : SYSTEMS_DIR;
  return {
    spec,
    specDir,
    recordKind: values.record,
    reverse: values.reverse,
    input: positionals[0],
    out: values.out,
    rejects: values.rejects,
    stats: values.stats,
  };
}

function systemSpec(system: string): SystemSpec {
  try {
    return loadSystemSpec(system);
  } catch (err) {
    throw new UsageError(`--system ${system}: ${errorMessage(err)}`);
  }
}

function specFile(file: string): SystemSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--spec ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
    );
  }
  try {
    return JSON.parse(text) as SystemSpec;
  } catch (err) {
    throw new UsageError(`--spec ${file}: not valid JSON: ${errorMessage(err)}`);
  }
}

/** The mapping step, one direction or the other, plus how to read and write its records. */
function prepare(options: MapOptions) {
  const { spec, reverse } = options;
  const place = { layoutDir: options.specDir, confine: false };
  try {
    if (!reverse) {
      const source = sourceOptionsFor(spec, place);
      const mapper = inboundMapper(spec, options.recordKind);
      return { source, map: mapper.map, target: { kind: 'ndjson' } as RecordEncoderOptions };
    }
    const recordKind = pickRecordKind(spec, 'outbound', options.recordKind);
    const target = encoderOptionsFor(spec, recordKind, place);
    const outbound = compileOutbound(spec, recordKind);
    const map = (record: Record<string, unknown>, recordRef: string): MapResult<object> =>
      outbound.map(record, { recordRef });
    return { source: { kind: 'ndjson' } as RecordSourceOptions, map, target };
  } catch (err) {
    if (!(err instanceof MappingSpecError)) throw err;
    const hint = /name the (in|out)bound record kind/.test(err.message) ? ': pass --record <kind>' : '';
    throw new UsageError(err.message + hint);
  }
}

async function openInput(file: string, io: MapCommandIo): Promise<{ stream: Readable; total?: number }> {
  if (file === '-') return { stream: io.stdin };
  let stat;
  try {
    stat = await fs.promises.stat(file);
  } catch (err) {
    throw new UsageError(`input file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!stat.isFile()) throw new UsageError(`input file ${file}: not a file`);
  return { stream: fs.createReadStream(file, { highWaterMark: 256 * 1024 }), total: stat.size };
}

async function openOutput(file: string, option: string): Promise<fs.WriteStream> {
  const stream = fs.createWriteStream(file);
  try {
    await once(stream, 'open');
  } catch (err) {
    throw new UsageError(`${option} ${file}: cannot be written (${(err as NodeJS.ErrnoException).code})`);
  }
  return stream;
}

async function closeOutput(stream: fs.WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'close');
  if (stream.errored) throw stream.errored;
}

/** Counts the bytes the reader pulls, for the progress bar; the stream is still pulled, never piped. */
async function* counted(stream: Readable, counter: { bytes: number }): AsyncGenerator<Buffer | string> {
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    counter.bytes += chunk.length;
    yield chunk;
  }
}

/** Progress on a terminal: records/s and bytes read of the total, redrawn at most 10 times a second. */
function createProgress(stderr: MapCommandIo['stderr'], total: number | undefined) {
  const started = Date.now();
  let drawn = 0;
  let shown = false;
  const seconds = () => (Date.now() - started) / 1000;
  const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
  return {
    seconds,
    tick(mapped: number, rejected: number, bytes: number): void {
      if (!stderr.isTTY) return;
      const now = Date.now();
      if (now - drawn < 100) return;
      drawn = now;
      shown = true;
      const rate = Math.round((mapped + rejected) / Math.max(seconds(), 0.001));
      const of = total ? ` of ${mb(total)} (${Math.floor((bytes / total) * 100)}%)` : '';
      const bar = total ? `[${'#'.repeat(Math.floor((bytes / total) * 20)).padEnd(20, '.')}] ` : '';
      stderr.write(
        `\r\x1b[K${bar}${mapped} mapped, ${rejected} rejected, ${rate} records/s, ${mb(bytes)}${of}`,
      );
    },
    done(): void {
      if (shown) stderr.write('\r\x1b[K');
    },
  };
}

interface Reject extends Partial<MappingError> {
  ref: string;
  line?: number;
}

async function run(options: MapOptions, io: MapCommandIo): Promise<number> {
  const { source, map, target } = prepare(options);
  const input = await openInput(options.input, io);
  const out = options.out ? await openOutput(options.out, '--out') : undefined;
  const rejectsFile = options.rejects ? await openOutput(options.rejects, '--rejects') : undefined;
  const output = out ?? io.stdout;
  // A closed pipe (`| head`) must end the run with a message, not an unhandled 'error' event.
  let outputError: Error | undefined;
  output.on('error', (err: Error) => (outputError ??= err));
  const sink = createRecordSink(output, target);
  const counter = { bytes: 0 };
  const progress = createProgress(io.stderr, input.total);
  let mapped = 0;
  let rejected = 0;
  const reject = async (entry: Reject): Promise<void> => {
    rejected += 1;
    if (rejectsFile) await writeWithBackpressure(rejectsFile, JSON.stringify(entry) + '\n');
  };

  async function handle(item: SourceItem): Promise<void> {
    const where = { ref: item.ref, ...(item.line !== undefined ? { line: item.line } : {}) };
    if ('error' in item) {
      await reject({ ...where, field: item.field ?? '', rule: 'decode', message: item.error });
    } else {
      const result = map(item.record, item.ref);
      if (!result.ok) {
        await reject({ ...where, ...result.error });
      } else {
        try {
          await sink.write(result.value);
          mapped += 1;
        } catch (err) {
          if (outputError) return;
          if (!(err instanceof RecordEncodeError)) throw err;
          await reject({
            ...where,
            field: err.field,
            rule: 'encode',
            message: err.message,
            record: item.ref,
          });
        }
      }
    }
  }
  // The one error of an input that cannot be read at all is no rejected record: exit 2, as for a bad spec.
  let unreadable: string | undefined;
  for await (const item of readRecords(counted(input.stream, counter), source)) {
    if (outputError) break;
    if ('unreadable' in item && item.unreadable) {
      unreadable = item.error;
      break;
    }
    await handle(item);
    progress.tick(mapped, rejected, counter.bytes);
  }
  if (!outputError) await sink.end().catch((err: Error) => (outputError ??= err));
  if (out) await closeOutput(out);
  if (rejectsFile) await closeOutput(rejectsFile);
  progress.done();
  if (outputError) throw new UsageError(`cannot write the output: ${outputError.message}`);
  if (unreadable !== undefined) {
    throw new UsageError(`${options.input === '-' ? 'stdin' : `input file ${options.input}`}: ${unreadable}`);
  }
  const see =
    rejected === 0
      ? ''
      : options.rejects
        ? ` (see ${options.rejects})`
        : ' (pass --rejects <file> to list them)';
  io.stderr.write(`mapped ${mapped} records, rejected ${rejected}${see}\n`);
  if (options.stats) {
    const stats = {
      mapped,
      rejected,
      bytesRead: counter.bytes,
      // resourceUsage reports kilobytes; the peak of the whole process, not a sample
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      seconds: progress.seconds(),
    };
    io.stderr.write(`stats ${JSON.stringify(stats)}\n`);
  }
  return rejected > 0 ? 1 : 0;
}

/** Exit code: 0 all mapped, 1 some rejected, 2 bad options, spec or files. */
export async function runMapCommand(args: string[], io?: MapCommandIo): Promise<number> {
  const streams = io ?? { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  if (args.includes('--help') || args.includes('-h')) {
    streams.stdout.write(`${MAP_USAGE}\n`);
    return 0;
  }
  try {
    return await run(parseOptions(args), streams);
  } catch (err) {
    if (err instanceof UsageError) {
      streams.stderr.write(`crm-hub map: ${err.message}\n${err.showUsage ? `\n${MAP_USAGE}\n` : ''}`);
    } else {
      // Not the input's fault (a failing disk, a bug): the stack helps whoever reports it.
      streams.stderr.write(
        `crm-hub map: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
    return 2;
  }
}
