/**
 * The one place that names the string-metric package, so that comparators read as the measures they
 * use and a later swap of the package touches one file.
 */
import cologne from 'talisman/phonetics/german/cologne';
import damerauLevenshtein from 'talisman/metrics/damerau-levenshtein';
import jaroWinkler from 'talisman/metrics/jaro-winkler';

/** Kölner Phonetik (Postel 1969): Müller, Mueller and Miller all give "657". */
export function colognePhonetic(text: string): string {
  return cologne(text);
}

/** Jaro-Winkler similarity, 1 for equal strings. */
export function jaroWinklerSimilarity(a: string, b: string): number {
  return jaroWinkler(a, b);
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b, or Infinity above max. */
export function editDistanceWithin(max: number, a: string, b: string): number {
  return damerauLevenshtein.limited(max, a, b);
}
