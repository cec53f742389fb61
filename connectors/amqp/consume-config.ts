import { isAscii } from 'node:buffer';
import { tooDeeplyNested } from '../../formats/json-depth';
import { invalidUtf8At } from '../../formats/utf8';
import { DEFAULT_EXCHANGE, type Binding, type BusMessage, type ConsumeOptions } from './bus';

/**
 * Reads the bindings an integrator types into amqp-in, one per line: `<pattern>` binds on the
 * default exchange, `<exchange> <pattern>` on another one.
 */
export function parseBindings(text: string, defaultExchange: string): Binding[] {
  const bindings = (text || '')
    .split(/[\n,]+/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const parts = line.split(/\s+/);
      if (parts.length > 2) throw new Error(`binding '${line}' has more than an exchange and a pattern`);
      return parts.length === 2
        ? { exchange: parts[0], pattern: parts[1] }
        : { exchange: defaultExchange, pattern: parts[0] };
    });
  if (bindings.length === 0)
    throw new Error('amqp-in needs at least one binding pattern, e.g. address-changed.#');
  return bindings;
}

/** "" or none: no delivery limit; else a whole number the broker takes (0 to 2^32 - 1). */
export function deliveryLimitOf(value: unknown): number | undefined {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 0 || limit > 0xffffffff) {
    throw new Error(
      `delivery limit must be a whole number from 0 to 4294967295, got ${JSON.stringify(value)}`,
    );
  }
  return limit;
}

/** What amqp-in declares and consumes for the queue typed in (the record-sync topology has its own). */
export function typedQueueOptions(typed: {
  queue: string;
  /** as typed: one binding per line (parseBindings) */
  bindings: string;
  prefetch: number;
  singleActive: boolean;
  drainMs: number;
  deliveryLimit: number | undefined;
  atLeastOnce: boolean;
}): ConsumeOptions {
  return {
    queue: typed.queue,
    bindings: parseBindings(typed.bindings, DEFAULT_EXCHANGE),
    prefetch: typed.prefetch,
    singleActiveConsumer: typed.singleActive,
    drainMs: typed.drainMs,
    ...(typed.deliveryLimit === undefined ? {} : { deliveryLimit: typed.deliveryLimit }),
    ...(typed.atLeastOnce ? { atLeastOnceDeadLettering: true } : {}),
  };
}

export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * What msg.payload is, as Node-RED's mqtt in offers it: `auto` decodes by content type, `buffer` and
 * `string` hand the body on as it came, for a flow that reads its own format, or only the headers.
 */
export const PAYLOAD_OUTPUTS = ['auto', 'buffer', 'string'] as const;
export type PayloadOutput = (typeof PAYLOAD_OUTPUTS)[number];

export function payloadOutputOf(value: unknown): PayloadOutput {
  if (value === undefined || value === '') return 'auto';
  if (!PAYLOAD_OUTPUTS.includes(value as PayloadOutput))
    throw new Error(`output must be one of ${PAYLOAD_OUTPUTS.join(', ')}, got ${JSON.stringify(value)}`);
  return value as PayloadOutput;
}

/** NDJSON and its kin (application/x-ndjson, jsonl, json-lines, json-seq): one document per line. */
const JSON_LINES_TYPE = /ndjson|jsonl|json-?lines|json-seq/;

/** Two or more lines, each a JSON object: the apps' tracking events as a legacy system sends them. */
function isJsonLines(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length < 2) return false;
  try {
    return lines.every((line) => {
      const value: unknown = JSON.parse(line);
      return typeof value === 'object' && value !== null;
    });
  } catch {
    return false;
  }
}

/** The charset parameter of a content type, lower case; undefined when there is none. */
function charsetOf(type: string): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/.exec(type)?.[1];
}

/**
 * UTF-8 bytes (checked before) read the same as text in UTF-8 and, when all ASCII, in any Latin code
 * page; text in another charset with letters past ASCII is left as bytes for the flow to decode.
 */
function readsAsUtf8(charset: string | undefined, body: Buffer): boolean {
  if (charset === undefined || /^(utf-?8|us-ascii)$/.test(charset)) return true;
  return !/^utf-?(16|32)/.test(charset) && isAscii(body);
}

/**
 * `auto`: JSON bodies become objects; NDJSON (by its content type, or lines of JSON objects sent
 * without one) becomes a string for the flow to read line by line; a body that claims to be JSON and
 * is not (or is not UTF-8, as JSON must be) goes to the dead-letter queue; text in UTF-8 becomes a
 * string; anything else stays a Buffer, the bytes as they came. Like Node-RED's mqtt in, text is made
 * only of bytes that are UTF-8: a CSV in windows-1252 or an IDoc in ISO-8859-1 sent as text/* (or
 * with no type) stays bytes, for legacy-decode to read by its charset, instead of "K\uFFFDln".
 */
export function decodeBody(message: BusMessage, output: PayloadOutput = 'auto'): Decoded {
  if (output === 'buffer') return { ok: true, value: message.body };
  if (output === 'string') return { ok: true, value: message.body.toString('utf8') };
  const type = (message.contentType ?? '').toLowerCase();
  const jsonType = JSON_LINES_TYPE.test(type) || type.includes('json');
  if (type && !jsonType && !type.startsWith('text/')) return { ok: true, value: message.body };
  const at = invalidUtf8At(message.body);
  if (jsonType && at !== undefined)
    return {
      ok: false,
      reason: `JSON body not valid UTF-8 at byte ${at}: send UTF-8 (JSON is UTF-8, RFC 8259)`,
    };
  if (at !== undefined || !(jsonType || readsAsUtf8(charsetOf(type), message.body)))
    return { ok: true, value: message.body };
  const text = message.body.toString('utf8');
  if (JSON_LINES_TYPE.test(type)) return { ok: true, value: text };
  if (type.includes('json') || (!type && /^\s*[{[]/.test(text))) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (!type && isJsonLines(text)) return { ok: true, value: text };
      return { ok: false, reason: `invalid JSON body: ${(err as Error).message}` };
    }
    // before the flow clones or maps it, which would exhaust the stack
    const tooDeep = tooDeeplyNested(value);
    return tooDeep ? { ok: false, reason: `JSON body ${tooDeep}` } : { ok: true, value };
  }
  return { ok: true, value: text };
}
