import type { ConsumeOptions } from './bus';

/**
 * Argument checks shared by both buses, so a flow that is wrong on RabbitMQ fails the same way, with the
 * same message, on the embedded bus.
 */
export const DEFAULT_PREFETCH = 10;
const MAX_NAME_BYTES = 255;

function checkName(what: string, value: unknown, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${typeof value}`);
  if (!allowEmpty && value === '') throw new Error(`${what} must not be empty`);
  if (Buffer.byteLength(value) > MAX_NAME_BYTES) {
    throw new Error(`${what} is longer than ${MAX_NAME_BYTES} bytes (AMQP short string limit)`);
  }
  return value;
}

export function checkExchangeName(name: unknown): string {
  return checkName('exchange name', name, false);
}

export function checkPublishArgs(
  exchange: unknown,
  routingKey: unknown,
  body: unknown,
  options: unknown,
): void {
  // '' is the default exchange, which routes straight to the queue named by the routing key.
  checkName('publish exchange', exchange, true);
  checkName('publish routingKey', routingKey, true);
  if (!Buffer.isBuffer(body)) throw new TypeError(`publish body must be a Buffer, got ${typeof body}`);
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null)
    throw new TypeError('publish options must be an object');
  const o = options as Record<string, unknown>;
  if (
    o.headers !== undefined &&
    (typeof o.headers !== 'object' || o.headers === null || Array.isArray(o.headers))
  ) {
    throw new TypeError('publish options.headers must be a plain object');
  }
  for (const key of ['messageId', 'correlationId', 'contentType'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') {
      throw new TypeError(`publish options.${key} must be a string`);
    }
  }
  for (const key of ['persistent', 'mandatory'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new TypeError(`publish options.${key} must be a boolean`);
    }
  }
}

export interface CheckedConsumeOptions {
  queue: string;
  bindings: { exchange: string; pattern: string }[];
  prefetch: number;
  singleActiveConsumer: boolean;
  drainMs: number;
}

export function checkConsumeArgs(options: unknown, handler: unknown): CheckedConsumeOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('consume options must be an object');
  if (typeof handler !== 'function') throw new TypeError('consume handler must be a function');
  const o = options as Partial<Record<keyof ConsumeOptions, unknown>>;
  const queue = checkName('consume queue', o.queue, false);
  if (!Array.isArray(o.bindings))
    throw new TypeError('consume bindings must be an array of { exchange, pattern }');
  const bindings = o.bindings.map((b: unknown, i) => {
    if (typeof b !== 'object' || b === null) throw new TypeError(`consume bindings[${i}] must be an object`);
    const rec = b as Record<string, unknown>;
    return {
      exchange: checkName(`consume bindings[${i}].exchange`, rec.exchange, false),
      pattern: checkName(`consume bindings[${i}].pattern`, rec.pattern, true),
    };
  });
  const prefetch = o.prefetch ?? DEFAULT_PREFETCH;
  if (typeof prefetch !== 'number' || !Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) {
    throw new RangeError(`consume prefetch must be an integer from 1 to 65535, got ${String(prefetch)}`);
  }
  const sac = o.singleActiveConsumer ?? false;
  if (typeof sac !== 'boolean') throw new TypeError('consume singleActiveConsumer must be a boolean');
  const drainMs = o.drainMs ?? 0;
  if (typeof drainMs !== 'number' || !Number.isFinite(drainMs) || drainMs < 0) {
    throw new RangeError(`consume drainMs must be a non-negative number, got ${String(drainMs)}`);
  }
  return { queue, bindings, prefetch, singleActiveConsumer: sac, drainMs };
}
