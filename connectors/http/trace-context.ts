import { randomFillSync } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header that links a
 * legacy system's call, the hub's decision and the calls the hub makes on its behalf under one trace
 * id. The hub records no spans of its own; it keeps the trace id and gives every call it makes a new
 * parent id, the mutation the recommendation names as the default.
 */
export const TRACEPARENT = 'traceparent';

export interface TraceParent {
  traceId: string;
  parentId: string;
  /** two hex digits; bit 0 is "sampled" */
  flags: string;
}

const ZERO = /^0+$/;
/** the four fields of a traceparent's first 55 characters, lower-case hex as the spec asks */
const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/;

/**
 * The fields of a traceparent, or undefined when the value is not one (wrong length, upper case, an
 * all-zero id, version ff). A version above 00 is read by its first four fields, as the spec asks.
 * One expression reads all four: amqp-out reads the trace of every message it publishes.
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.length < 55) return undefined;
  const fields = FIELDS.exec(text);
  if (fields === null) return undefined;
  const [, version, traceId, parentId, flags] = fields;
  if (version === 'ff') return undefined;
  if (version === '00' ? text.length !== 55 : text.length > 55 && text[55] !== '-') return undefined;
  if (ZERO.test(traceId) || ZERO.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

export function formatTraceparent(trace: TraceParent): string {
  return `00-${trace.traceId}-${trace.parentId}-${trace.flags}`;
}

/**
 * A new trace, for a call that arrived without one. Flagged sampled: the hub keeps its decisions, so
 * a tracer behind a gateway that samples by its parent should keep its side too.
 */
export function newTraceparent(): string {
  return formatTraceparent({ traceId: randomHex(16), parentId: randomHex(8), flags: '01' });
}

/** The value as the hub passes it on (version 00), or a new trace when the value is not one. */
export function continueTrace(value: unknown): string {
  const trace = parseTraceparent(value);
  return trace ? formatTraceparent(trace) : newTraceparent();
}

/** What an outgoing call carries: the same trace id and flags, a new parent id; a new trace without one. */
export function childTraceparent(value: unknown): string {
  const trace = parseTraceparent(value);
  return trace ? childOf(trace) : newTraceparent();
}

/** childTraceparent of a trace already read (amqp-out reads the msg's for every publish). */
export function childOf(trace: TraceParent): string {
  return formatTraceparent({ ...trace, parentId: randomHex(8) });
}

export function traceIdOf(value: unknown): string | undefined {
  return parseTraceparent(value)?.traceId;
}

// Random bytes drawn in batches, as crypto.randomUUID does: one randomBytes call per id costs
// microseconds, which a decision on the hot path should not pay. Every byte is used once.
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  let hex: string;
  do {
    if (used + bytes > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    hex = pool.toString('hex', used, used + bytes);
    used += bytes;
    // an all-zero id is invalid; one in 2^64 draws, but the spec forbids it
  } while (ZERO.test(hex));
  return hex;
}
