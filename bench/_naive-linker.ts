/**
 * The anchor of bench/matching.ts: what a plain MDM does out of the box. Two records are one person
 * when they share an e-mail address (trimmed, lower case) or the exact same given name, family name
 * (trimmed, lower case) and birth date. Birth dates are read with the same parser as ours, so the
 * anchor loses nothing to date formats and the comparison is about matching, not parsing.
 */
import { LinkClusters, type MatchInput } from '../records/matching';
import { normalizeBirthDate, type BirthDateOptions } from '../records/matching/normalize-birth-date';

export function naiveLink(inputs: readonly MatchInput[], options: BirthDateOptions): string[][] {
  const clusters = new LinkClusters();
  const firstWithKey = new Map<string, string>();
  const join = (key: string, ref: string) => {
    const first = firstWithKey.get(key);
    if (first === undefined) firstWithKey.set(key, ref);
    else clusters.link(first, ref);
  };
  for (const input of inputs) {
    clusters.add(input.ref);
    for (const email of input.emails ?? []) {
      const key = email.trim().toLowerCase();
      if (key !== '') join(`e|${key}`, input.ref);
    }
    const given = input.givenName?.trim().toLowerCase();
    const family = input.familyName?.trim().toLowerCase();
    const birth = normalizeBirthDate(input.birthDate, options);
    if (given && family && birth) join(`n|${given}|${family}|${birth.iso}`, input.ref);
  }
  return clusters.clusters();
}
