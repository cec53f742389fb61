/**
 * Stable digests of JSON content, for ids and tie-breaks that must not depend on the order in which
 * the keys of an object happen to be written, nor on the order in which records arrive.
 */
import { createHash } from 'node:crypto';

/** JSON with the keys of every object sorted; undefined members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
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
