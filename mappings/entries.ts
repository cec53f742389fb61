/**
 * The "entries" transform: a list of key/value pairs (SOAP's `details` of {key, value}) to an object,
 * a dotted key making nested objects (`address.street`), so a legacy system that can only send pairs
 * can still fill a structured canonical field.
 */
import { TransformError, describe, isPlainObject, quote } from './transform-support';

export interface EntriesOption {
  /** the property of an item that holds the key, "key" by default */
  key: string;
  /** the property of an item that holds the value, "value" by default */
  value: string;
}

/** A name JSON and every legacy format can carry; the object keys an attacker would aim for are not. */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export const ENTRY_KEY_RULE =
  'a path of plain names (letters, digits, _ and -, separated by dots; not __proto__, constructor or prototype)';

/** The names of a dotted key, or undefined when the key is no path of plain names. */
export function entryPath(key: string): string[] | undefined {
  const names = key.split('.');
  return names.every((name) => PLAIN_NAME.test(name) && !RESERVED.has(name)) ? names : undefined;
}

/**
 * [{key: "address.street", value: "Hauptstraße 5"}, {key: "reason", value: "…"}] to
 * { address: { street: "Hauptstraße 5" }, reason: "…" }. A single object counts as a list of one (XML
 * decoders give an element that occurs once that way). A key given twice, or one that is another's
 * prefix (`address` and `address.street`), is refused: which one was meant cannot be told.
 */
export function entriesToObject(option: EntriesOption, value: unknown): Record<string, unknown> {
  const items = Array.isArray(value) ? value : [value];
  const out: Record<string, unknown> = {};
  // the objects made here for dotted keys; a value that is an object is a value, never a parent
  const made = new Set<object>([out]);
  const seen = new Map<string, number>();
  items.forEach((item: unknown, index) => {
    if (!isPlainObject(item)) {
      throw new TransformError('entries', `item [${index}] must be an object, got ${describe(item)}`);
    }
    const key = item[option.key];
    if (typeof key !== 'string') {
      throw new TransformError('entries', `item [${index}] has no text in "${option.key}"`);
    }
    const names = entryPath(key);
    if (names === undefined) {
      throw new TransformError('entries', `key ${quote(key)} of item [${index}] is not ${ENTRY_KEY_RULE}`);
    }
    const before = seen.get(key);
    if (before !== undefined) {
      throw new TransformError(
        'entries',
        `key ${quote(key)} is given twice, in items [${before}] and [${index}]`,
      );
    }
    seen.set(key, index);
    let at = out;
    for (let i = 0; i < names.length - 1; i++) {
      const next = Object.hasOwn(at, names[i]) ? at[names[i]] : undefined;
      if (next === undefined) {
        const child: Record<string, unknown> = {};
        made.add(child);
        at = at[names[i]] = child;
      } else if (isPlainObject(next) && made.has(next)) at = next;
      else throw conflict(key, names.slice(0, i + 1).join('.'), seen, index);
    }
    const last = names[names.length - 1];
    if (Object.hasOwn(at, last)) throw conflict(key, key, seen, index);
    at[last] = item[option.value];
  });
  return out;
}

function conflict(key: string, other: string, seen: Map<string, number>, index: number): TransformError {
  const clash = [...seen.keys()].find((k) => k !== key && (k === other || k.startsWith(`${key}.`))) ?? other;
  return new TransformError(
    'entries',
    `key ${quote(key)} of item [${index}] clashes with key ${quote(clash)} of item [${seen.get(clash)}]: a key cannot hold a value and nested keys`,
  );
}
