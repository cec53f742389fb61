import { DEAD_LETTER_EXCHANGE, type ConsumeOptions } from './bus';

/**
 * Argument checks shared by both buses, so a flow that is wrong on RabbitMQ fails the same way, with the
 * same message, on the embedded bus.
 */
export const DEFAULT_PREFETCH = 10;
const MAX_NAME_BYTES = 255;

function checkName(what: string, value: unknown, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${typeof value}`);
  if (!allowEmpty && value === '') throw new Error(`${what} must not be empty`);
  // a UTF-16 code unit is at most 3 bytes of UTF-8: a short name needs no counting (checked per publish)
  if (value.length * 3 > MAX_NAME_BYTES && Buffer.byteLength(value) > MAX_NAME_BYTES) {
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

/** The queue options with their defaults filled in, so two declarations compare field by field. */
export interface CheckedQueueOptions {
  singleActiveConsumer: boolean;
  deliveryLimit?: number;
  atLeastOnceDeadLettering: boolean;
  deadLetterExchange: string;
  deadLetterRoutingKey?: string;
  messageTtlMs?: number;
}

export interface CheckedQueueDeclaration extends CheckedQueueOptions {
  queue: string;
  bindings: { exchange: string; pattern: string }[];
}

export interface CheckedConsumeOptions extends CheckedQueueDeclaration {
  prefetch: number;
  drainMs: number;
  deriveMissingMessageId: boolean;
}

/** x-delivery-limit and x-message-ttl are unsigned 32-bit on the broker */
const MAX_UINT32 = 0xffffffff;

function checkCount(what: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_UINT32) {
    throw new RangeError(`${what} must be an integer from ${min} to ${MAX_UINT32}, got ${String(value)}`);
  }
  return value;
}

function checkFlag(what: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${what} must be a boolean`);
  return value;
}

export function checkQueueDeclaration(options: unknown, what = 'queue'): CheckedQueueDeclaration {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${what} options must be an object`);
  const o = options as Partial<Record<keyof ConsumeOptions, unknown>>;
  const queue = checkName(`${what} queue`, o.queue, false);
  if (!Array.isArray(o.bindings))
    throw new TypeError(`${what} bindings must be an array of { exchange, pattern }`);
  const bindings = o.bindings.map((b: unknown, i) => {
    if (typeof b !== 'object' || b === null) throw new TypeError(`${what} bindings[${i}] must be an object`);
    const rec = b as Record<string, unknown>;
    return {
      exchange: checkName(`${what} bindings[${i}].exchange`, rec.exchange, false),
      pattern: checkName(`${what} bindings[${i}].pattern`, rec.pattern, true),
    };
  });
  const checked: CheckedQueueDeclaration = {
    queue,
    bindings,
    singleActiveConsumer: checkFlag(`${what} singleActiveConsumer`, o.singleActiveConsumer),
    atLeastOnceDeadLettering: checkFlag(`${what} atLeastOnceDeadLettering`, o.atLeastOnceDeadLettering),
    deadLetterExchange:
      o.deadLetterExchange === undefined
        ? DEAD_LETTER_EXCHANGE
        : checkName(`${what} deadLetterExchange`, o.deadLetterExchange, true),
  };
  if (o.deadLetterRoutingKey !== undefined)
    checked.deadLetterRoutingKey = checkName(`${what} deadLetterRoutingKey`, o.deadLetterRoutingKey, true);
  if (o.deliveryLimit !== undefined)
    checked.deliveryLimit = checkCount(`${what} deliveryLimit`, o.deliveryLimit, 0);
  if (o.messageTtlMs !== undefined)
    checked.messageTtlMs = checkCount(`${what} messageTtlMs`, o.messageTtlMs, 0);
  if (checked.deadLetterExchange === '' && checked.deadLetterRoutingKey === undefined) {
    // The default exchange routes by queue name; with the message's own key a retry would go nowhere.
    throw new Error(`${what} '${queue}': dead-lettering to the default exchange needs deadLetterRoutingKey`);
  }
  return checked;
}

export function checkConsumeArgs(options: unknown, handler: unknown): CheckedConsumeOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('consume options must be an object');
  if (typeof handler !== 'function') throw new TypeError('consume handler must be a function');
  const declaration = checkQueueDeclaration(options, 'consume');
  const o = options as Partial<Record<keyof ConsumeOptions, unknown>>;
  const prefetch = o.prefetch ?? DEFAULT_PREFETCH;
  if (typeof prefetch !== 'number' || !Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) {
    throw new RangeError(`consume prefetch must be an integer from 1 to 65535, got ${String(prefetch)}`);
  }
  const drainMs = o.drainMs ?? 0;
  if (typeof drainMs !== 'number' || !Number.isFinite(drainMs) || drainMs < 0) {
    throw new RangeError(`consume drainMs must be a non-negative number, got ${String(drainMs)}`);
  }
  const deriveMissingMessageId = checkFlag('consume deriveMissingMessageId', o.deriveMissingMessageId);
  return { ...declaration, prefetch, drainMs, deriveMissingMessageId };
}

/** The options of a queue, apart from its name and bindings, for the equivalence check. */
export function queueOptionsOf(declaration: CheckedQueueDeclaration): CheckedQueueOptions {
  const d = declaration;
  return {
    singleActiveConsumer: d.singleActiveConsumer,
    deliveryLimit: d.deliveryLimit,
    atLeastOnceDeadLettering: d.atLeastOnceDeadLettering,
    deadLetterExchange: d.deadLetterExchange,
    deadLetterRoutingKey: d.deadLetterRoutingKey,
    messageTtlMs: d.messageTtlMs,
  };
}
