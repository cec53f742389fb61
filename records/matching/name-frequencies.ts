/**
 * How common a name is among the records matched, for term-frequency adjusted name weights: two
 * strangers agree on "Müller" far more often than on "Zschokke", and a data set whose names come
 * from a short list (a public benchmark built from the commonest German names has Müller on one
 * record in fifteen) agrees by chance far more often than the static u of weights.ts allows.
 *
 * The exact level of a name then takes, as its u, the larger of the static u and the name's share
 * of the records seen, counted against the records seen plus a prior of `prior` records: in a small
 * set no name's share is trusted (three records of which two are "Schmidt" say nothing about
 * Schmidt), and a name must be common in a large one to weigh less. Rare names never weigh more than
 * the static u gives them, so the adjustment only ever makes a common name's agreement count less.
 */
import type { MatchRecord } from './match-record';

export type NameField = 'givenName' | 'familyName';

export interface NameFrequencies {
  /** the share of records with this name (the key of the normalised name: "mueller" for Müller) */
  share(field: NameField, key: string): number;
}

/** The default prior: below some tens of thousands of records, only a very common name counts. */
export const DEFAULT_NAME_FREQUENCY_PRIOR = 10_000;

export class NameCounts implements NameFrequencies {
  private readonly given = new Map<string, number>();
  private readonly family = new Map<string, number>();
  private records = 0;

  constructor(private readonly prior = DEFAULT_NAME_FREQUENCY_PRIOR) {}

  add(record: MatchRecord): void {
    this.count(record, 1);
  }

  /** Takes back a record added before: a newer version of it replaces it (MatchIndex.update). */
  remove(record: MatchRecord): void {
    this.count(record, -1);
  }

  private count(record: MatchRecord, by: 1 | -1): void {
    this.records += by;
    const { given, family } = record.name;
    if (given && !given.initial) bump(this.given, given.key, by);
    if (family) bump(this.family, family.key, by);
  }

  share(field: NameField, key: string): number {
    const count = (field === 'givenName' ? this.given : this.family).get(key) ?? 0;
    return count / (this.records + this.prior);
  }
}

function bump(counts: Map<string, number>, key: string, by: 1 | -1): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
