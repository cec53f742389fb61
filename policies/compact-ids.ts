/**
 * How the hot policy state (history windows, cap hits) keeps ids and keys small: a million customers
 * each holding a few event ids and cap hit ids as strings would cost more than the whole memory goal.
 */

/**
 * A 52-bit hash of an id: an integer a double holds exactly, so it fits one slot of a packed array of
 * numbers. Two FNV-style passes with different multipliers give the high 32 and the low 20 bits.
 *
 * The hot state compares hashes where it used to compare ids, only to tell a redelivered event or
 * cap hit from a new one. Two different ids of one customer collide with a chance of about 2^-52;
 * the store, which keeps the ids themselves, stays the authority on both.
 */
export function idHash(id: string): number {
  let high = 0x811c9dc5;
  let low = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x5bd1e995);
    low ^= low >>> 15;
  }
  return (high >>> 0) * 0x100000 + (low >>> 12);
}

/**
 * An equal string that keeps no other string alive, for a key a Map holds for long. V8 represents a
 * substring of 13 or more characters as a view of its parent (and a concatenation as a pair of
 * parts), so a customer ref cut from a cap key, or taken from a parsed message, could hold the whole
 * key or message in memory for as long as the customer's state lives.
 */
export function detachedString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
