/**
 * Blocking: which pairs are compared at all. Each record gets a few keys; two records are a
 * candidate pair when they share any key, so the candidates are the union over the keys, and the
 * cost grows with the records times the size of their blocks instead of with all pairs. Each key
 * survives a different kind of corruption that breaks the others:
 *
 *   n  both names' Kölner Phonetik codes, in sorted order, + birth year  (typos, swapped names, moves)
 *   o  the same codes + birth day and month                             (a wrong birth year)
 *   f  family name code + full birth date          (nicknames and other given names)
 *   g  given name code + full birth date           (a new or garbled family name)
 *   d  postal code + full birth date               (a new family name and a new given name spelling)
 *   p  postal code + family or given name code     (a wrong or missing birth date)
 *   e  e-mail local part                           (a new provider: anna.schmidt@web.de → @gmx.de)
 *   t  phone number (E.164)
 *   i  source identifier, x  tax or national id    (the deterministic rules)
 *
 *   c  both names' codes + city, only for pairs in which a birth date is missing
 *                                                  (sparse records: no postal code, a street typo)
 *
 * A key with a missing part is not made: "no birth date" is no block. There is no block on the
 * names alone. Its key space stays fixed while the population grows ("Thomas Müller"), so its blocks
 * grew with the records held: at 1,000,000 generated people it made 43.6 candidate pairs per record
 * instead of 2 at 100,000. Agreeing names earn about 13.6 bits, below the link threshold
 * (match-config.ts), so a pair needs more that agrees, and most of that evidence is a block of its
 * own (a postal code, an e-mail, a phone, an id, a date). An address that agrees without a postal
 * code on one side, or with a street typo, is not: the c blocks keep it, on the city, and like the
 * names-alone blocks before them only where a birth date is missing (records with one are filed under
 * c+ and search c-, records without are filed under c- and search both), so a pair meets there only
 * when one of its records lacks a birth date, whichever came first. What no block keeps now is a pair
 * whose only evidence beyond the names is a phone or id one digit off, or an e-mail typo, in different
 * cities, one of them without a birth date. Whether a pair meets depends only on the two records,
 * never on which came first, with one exception: a full block.
 *
 * A block that holds `maxBlockSize` records takes no more. Its key no longer tells people apart: a
 * placeholder e-mail or phone number in legacy data, a common given name in a dense postal area, and
 * comparing every newcomer with all of its members makes the cost grow with the square of the
 * records. A full block is still searched, so a record's candidates are bounded by its keys times
 * the cap. The price is paid only there: two records that share no key but a full one, both filed
 * after it filled, are not compared, and for such pairs the arrival order decides (after a restart,
 * the order in which the store lists its records, from which the index is filled again).
 */
import type { MatchRecord } from './match-record';

export interface BlockingKeys {
  /** the blocks the record is filed under */
  file: string[];
  /** the blocks searched for its candidates: the same but for the c blocks (see above) */
  search: string[];
}

export function blockingKeys(record: MatchRecord): BlockingKeys {
  const keys: string[] = [];
  const family = record.name.family?.phonetic || undefined;
  const given = record.name.given?.phonetic || undefined;
  const names = family && given ? (family < given ? `${family}|${given}` : `${given}|${family}`) : undefined;
  const date = record.birthDate;
  if (names && date) keys.push(`n|${names}|${date.year}`, `o|${names}|${date.iso.slice(5)}`);
  if (family && date) keys.push(`f|${family}|${date.iso}`);
  if (given && date) keys.push(`g|${given}|${date.iso}`);
  // one name's code, the other's first letter and the birth month: a typo in a name and one in the day
  const familyInitial = record.name.family?.keyPlain.charAt(0);
  const givenInitial = record.name.given?.keyPlain.charAt(0);
  if (given && familyInitial && date) keys.push(`m|${given}|${familyInitial}|${date.iso.slice(0, 7)}`);
  if (family && givenInitial && date) keys.push(`m|${family}|${givenInitial}|${date.iso.slice(0, 7)}`);
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
  const cities = new Set<string>();
  if (names) for (const { cityKey } of record.addresses) if (cityKey) cities.add(cityKey);
  if (names === undefined || cities.size === 0) return { file, search: file };
  const dated = [...cities].map((city) => `c+|${city}|${names}`);
  const undated = [...cities].map((city) => `c-|${city}|${names}`);
  if (date) return { file: [...file, ...dated], search: [...file, ...undated] };
  return { file: [...file, ...undated], search: [...file, ...undated, ...dated] };
}

/** Blocks of record numbers by key, growing as records arrive. */
export class BlockIndex {
  private readonly blocks = new Map<string, number[]>();
  // Per record number, the query that last listed it: a candidate in several blocks is listed once.
  private lastListed = new Int32Array(1024).fill(-1);
  private queries = 0;
  private full = 0;

  constructor(private readonly maxBlockSize = Number.POSITIVE_INFINITY) {}

  /** blocks that reached maxBlockSize and take no more records */
  get fullBlocks(): number {
    return this.full;
  }

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
      if (members === undefined) {
        this.blocks.set(key, [recordNumber]);
        if (this.maxBlockSize <= 1) this.full++;
      } else if (members.length < this.maxBlockSize) {
        members.push(recordNumber);
        if (members.length === this.maxBlockSize) this.full++;
      }
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
export function candidatePairs(
  records: readonly MatchRecord[],
  maxBlockSize = Number.POSITIVE_INFINITY,
): [number, number][] {
  const index = new BlockIndex(maxBlockSize);
  const pairs: [number, number][] = [];
  records.forEach((record, recordNumber) => {
    const keys = blockingKeys(record);
    for (const other of index.candidates(keys.search)) pairs.push([other, recordNumber]);
    index.file(keys.file, recordNumber);
  });
  return pairs;
}
