/**
 * Stable digests of JSON content, for ids and tie-breaks that must not depend on the order in which
 * the keys of an object happen to be written, nor on the order in which records arrive.
 */
import crypto from 'node:crypto';

/** JSON with the keys of every object sorted; undefined members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  // one string built as it goes: every source record is hashed on its way in, and the arrays of
  // map/filter/join per object were most of the cost
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i] ?? null);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortedInPlace(Object.keys(record));
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const member = record[keys[i]];
    if (member === undefined) continue;
    // a string member is most of a document: written here, without a call that only forwards it
    const json = typeof member === 'string' ? JSON.stringify(member) : canonicalJson(member);
    out += (out.length === 1 ? '' : ',') + quotedKey(keys[i]) + ':' + json;
  }
  return `${out}}`;
}

/** more keys than documents' objects have: the built-in sort takes them */
const SMALL_OBJECT = 16;

/**
 * Insertion sort in code-unit order, the order Array.prototype.sort gives strings: objects of a
 * document have a handful of keys, where the built-in sort's set-up cost more than the sorting.
 */
function sortedInPlace(keys: string[]): string[] {
  if (keys.length > SMALL_OBJECT) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * Documents of one schema repeat the same few keys in every record, and quoting one with
 * JSON.stringify was a good part of writing it; an id used as a key is seen once, so the quoted
 * keys stop growing at a bound rather than keep every id.
 */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 4096;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** Node 20.12 and later hash in one call, about twice as fast for short texts as a Hash object. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function sha256(text: string): Buffer {
  return oneShot
    ? oneShot('sha256', text, 'buffer')
    : crypto.createHash('sha256').update(text, 'utf8').digest();
}

/** Hex SHA-256 of the canonical JSON of a value. */
export function contentDigest(value: unknown): string {
  return sha256(canonicalJson(value)).toString('hex');
}

/** A UUID in RFC 4122 layout (version 5 bits) made from the SHA-256 of a name: the same name, the same id. */
export function uuidFromName(name: string): string {
  const hash = sha256(name);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** Crockford base 32 (lower case, no i, l, o, u) of the first `length` characters' worth of bits. */
export function base32(bytes: Buffer, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === length) return out;
  }
  throw new Error(`base32: ${bytes.length} bytes give fewer than ${length} characters`);
}
