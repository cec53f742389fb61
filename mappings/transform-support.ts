/**
 * The contract every transform module shares: the two error kinds and the option and value checks, so
 * that each transform family can live in its own small module without importing the registry.
 */

/** Thrown by a transform at run time; the engine turns it into a mapping error naming the field. */
export class TransformError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransformError';
  }
}

/** Thrown at compile time when an option does not fit the transform. */
export class TransformOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformOptionError';
  }
}

/**
 * `scope` is the record (or the repeated segment inside an `each`) the value came from, for the few
 * transforms that read a second field, such as phone's defaultCountryFrom.
 */
export type TransformFn = (value: unknown, scope?: unknown) => unknown;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

/** Text as the legacy system sent it; decoders may already have turned "4711" into a number. */
export function asText(rule: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  throw new TransformError(rule, `${rule} expects text, got ${describe(value)}`);
}

/** JSON.stringify for messages, cut so a huge value cannot flood a log line. */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function noOption(name: string, option: unknown): void {
  if (option !== undefined && option !== true) {
    throw new TransformOptionError(`${name} takes no option (write "${name}" or { "${name}": true })`);
  }
}

export function optionString(name: string, option: unknown): string {
  if (typeof option !== 'string')
    throw new TransformOptionError(`${name} needs a string option, e.g. { "${name}": "x" }`);
  return option;
}

/**
 * The option object of a transform, with unknown keys rejected so a typo ("trailingsign") fails at
 * compile time instead of silently doing nothing.
 */
export function optionObject(
  name: string,
  option: unknown,
  allowed: readonly string[],
  usage: string,
): Record<string, unknown> {
  if (option === undefined || option === true) return {};
  if (!isPlainObject(option)) throw new TransformOptionError(`${name} needs ${usage}`);
  for (const key of Object.keys(option)) {
    if (!allowed.includes(key)) {
      throw new TransformOptionError(
        `${name}: unknown option "${key}" (allowed: ${allowed.join(', ')}); usage: ${usage}`,
      );
    }
  }
  return option;
}

export function oneOf<T extends string>(name: string, key: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TransformOptionError(
      `${name}: "${key}" must be one of ${allowed.map((item) => `"${item}"`).join(', ')}, got ${quote(value)}`,
    );
  }
  return value as T;
}

export function optionalBoolean(name: string, key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TransformOptionError(`${name}: "${key}" must be true or false`);
  return value;
}

export function optionalInteger(
  name: string,
  key: string,
  value: unknown,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new TransformOptionError(`${name}: "${key}" must be an integer from ${min} to ${max}`);
  }
  return value as number;
}
