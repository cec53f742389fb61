/**
 * Sets a key in a map that keeps at most `max` entries: the key moves to the newest place, and the
 * oldest entry (Map keeps insertion order) makes room. For the store's and the sync's in-memory
 * memories, which must not grow with every customer ever seen.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
