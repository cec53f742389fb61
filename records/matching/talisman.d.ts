// talisman ships CommonJS without type declarations; these cover the three functions matching uses.
declare module 'talisman/phonetics/german/cologne' {
  /** Kölner Phonetik code of a name, e.g. "657" for Müller; "" for text without letters. */
  export default function cologne(name: string): string;
}

declare module 'talisman/metrics/jaro-winkler' {
  /** Jaro-Winkler similarity in [0, 1], 1 for equal strings (prefix scale 0.1, boost threshold 0.7). */
  export default function jaroWinkler(a: string, b: string): number;
}

declare module 'talisman/metrics/damerau-levenshtein' {
  /** Edit distance counting an adjacent transposition as one edit. */
  function damerauLevenshtein(a: string, b: string): number;
  namespace damerauLevenshtein {
    /** The distance, or Infinity once it exceeds max (cheaper for near-equal strings). */
    function limited(max: number, a: string, b: string): number;
  }
  export default damerauLevenshtein;
}
