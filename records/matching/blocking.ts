/**
 * Blocking: which pairs are compared at all. Each record gets a few keys; two records are a
 * candidate pair when they share any key, so the candidates are the union over the keys, and the
 * cost grows with the records times the size of their blocks instead of with all pairs. Each key
 * survives a different kind of corruption that breaks the others:
 *
 *   n  both names' Kölner Phonetik codes, in sorted order, + birth year  (typos, swapped names, moves)
 *   o  the same codes + birth day and month                             (a wrong birth year)
 *   m  the names alone, for a pair of which at least one record has no birth date (see below)
 *   f  family name code + full birth date          (nicknames and other given names)
 *   g  given name code + full birth date           (a new or garbled family name)
 *   p  postal code + family or given name code     (a wrong or missing birth date)
 *   e  e-mail local part                           (a new provider: anna.schmidt@web.de → @gmx.de)
 *   t  phone number (E.164)
 *   i  source identifier, x  tax or national id    (the deterministic rules)
 *
 * A key with a missing part is not made: "no birth date" is no block. The names alone would make
 * blocks that grow with the population ("Thomas Müller"), so only pairs in which a birth date is
 * missing meet there: records with a birth date are filed under m+ and search m-, records without
 * one are filed under m- and search both. Whether a pair meets depends only on the two records,
 * never on which came first.
 */
import type { MatchRecord } from './match-record';

export interface BlockingKeys {
  /** the blocks the record is filed under */
  file: string[];
  /** the blocks searched for its candidates: the same, and for a record without a birth date also m+ */
  search: string[];
}

export function blockingKeys(record: MatchRecord): BlockingKeys {
  const keys: string[] = [];
  const family = record.name.family?.phonetic || undefined;
  const given = record.name.given?.phonetic || undefined;
  const date = record.birthDate;
  let nameOnly: string | undefined;
  if (family && given) {
    const names = family < given ? `${family}|${given}` : `${given}|${family}`;
    if (date) keys.push(`n|${names}|${date.year}`, `o|${names}|${date.iso.slice(5)}`);
    nameOnly = names;
  }
  if (family && date) keys.push(`f|${family}|${date.iso}`);
  if (given && date) keys.push(`g|${given}|${date.iso}`);
  for (const address of record.addresses) {
    if (!address.postalCode) continue;
    if (date) keys.push(`d|${address.postalCode}|${date.iso}`);
    if (family) keys.push(`p|${address.postalCode}|${family}`);
    if (given && given !== family) keys.push(`p|${address.postalCode}|${given}`);
  }
  for (const email of record.emails) if (email.local.length >= 3) keys.push(`e|${email.local}`);
  for (const phone of record.phones) keys.push(`t|${phone}`);
  for (const id of record.identifiers) keys.push(`i|${id}`);
  for (const id of record.nationalIds) keys.push(`x|${id.scheme}|${id.value}`);
  const file = [...new Set(keys)];
  if (nameOnly === undefined) return { file, search: file };
  if (date) return { file: [...file, `m+|${nameOnly}`], search: [...file, `m-|${nameOnly}`] };
  return { file: [...file, `m-|${nameOnly}`], search: [...file, `m-|${nameOnly}`, `m+|${nameOnly}`] };
}

/** Blocks of record numbers by key, growing as records arrive. */
export class BlockIndex {
  private readonly blocks = new Map<string, number[]>();
  // Per record number, the query that last listed it: a candidate in several blocks is listed once.
  private lastListed = new Int32Array(1024).fill(-1);
  private queries = 0;

  /** Numbers of the records filed so far under any of the keys, each once. */
  candidates(keys: readonly string[]): number[] {
    const query = this.queries++;
    const found: number[] = [];
    for (const key of keys) {
      const members = this.blocks.get(key);
      if (members === undefined) continue;
      for (const member of members) {
        if (this.lastListed[member] === query) continue;
        this.lastListed[member] = query;
        found.push(member);
      }
    }
    return found;
  }

  file(keys: readonly string[], recordNumber: number): void {
    if (recordNumber >= this.lastListed.length) {
      const grown = new Int32Array(Math.max(recordNumber + 1, this.lastListed.length * 2)).fill(-1);
      grown.set(this.lastListed);
      this.lastListed = grown;
    }
    for (const key of keys) {
      const members = this.blocks.get(key);
      if (members === undefined) this.blocks.set(key, [recordNumber]);
      else members.push(recordNumber);
    }
  }

  /** The largest blocks, for reports on how blocking behaves on a data set. */
  largestBlocks(count: number): [string, number][] {
    const sizes: [string, number][] = [];
    for (const [key, members] of this.blocks) sizes.push([key, members.length]);
    return sizes.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, count);
  }
}

/** Every candidate pair once, as [earlier, later] record number in the order given. */
export function candidatePairs(records: readonly MatchRecord[]): [number, number][] {
  const index = new BlockIndex();
  const pairs: [number, number][] = [];
  records.forEach((record, recordNumber) => {
    const keys = blockingKeys(record);
    for (const other of index.candidates(keys.search)) pairs.push([other, recordNumber]);
    index.file(keys.file, recordNumber);
  });
  return pairs;
}
