/**
 * Person names as matching compares them: folded two ways (fold.ts), salutations, academic titles and
 * generation suffixes taken off the ends, name particles ("von", "van der") kept out of the family
 * name's core, and the codes the comparators and blocking keys need computed once per record.
 */
import { foldText } from './fold';
import { genderedCounterparts, sexOfSalutationWords, type Sex } from './gendered-names';
import { nicknameGroups, nicknameGroupsNear } from './nicknames';
import { colognePhonetic, editDistanceWithin } from './string-metrics';
import { setBounded } from '../bounded-map';

// A female form is no typo of the male name (Andrea / Andreas, Michaela / Michael): it must not take
// the male name's nicknames (Andre, Mike).
const oneTypo = (a: string, b: string) => editDistanceWithin(1, a, b) <= 1 && !genderedCounterparts(a, b);

export interface NormalizedNamePart {
  /** words of the folded name (German transliteration), e.g. "anna maria", "mueller schmidt" */
  transliterated: string;
  /** the same without diacritics, e.g. "muller schmidt" */
  plain: string;
  /** the word that carries the name: the first given name; the family name without particles */
  key: string;
  keyPlain: string;
  /** Kölner Phonetik of key */
  phonetic: string;
  /** words of the transliterated form, for double names and middle names */
  words: readonly string[];
  /** nickname groups of the first word */
  nicknames: readonly number[];
  /**
   * nickname groups of the table name one typo from the first word, when the table does not hold
   * the word itself (nicknames.ts)
   */
  nicknamesNear: readonly number[];
  /** a lone letter such as "A." */
  initial: boolean;
  /** the sex of a salutation taken off the ends ("Frau Anna"), when it states one */
  salutationSex?: Sex;
}

export interface NormalizedName {
  given?: NormalizedNamePart;
  family?: NormalizedNamePart;
}

// Folded words (no dots) that are a salutation, an academic title or a generation suffix.
const AFFIXES = new Set([
  'herr',
  'frau',
  'hr',
  'fr',
  'mr',
  'mrs',
  'ms',
  'mx',
  'miss',
  'sir',
  'dame',
  'dr',
  'prof',
  'dipl',
  'ing',
  'kfm',
  'inf',
  'med',
  'dent',
  'vet',
  'rer',
  'nat',
  'pol',
  'phil',
  'jur',
  'oec',
  'hc',
  'mag',
  'phd',
  'mba',
  'msc',
  'bsc',
  'jun',
  'jr',
  'sen',
  'sr',
]);

const PARTICLES = new Set([
  'von',
  'vom',
  'zu',
  'zum',
  'zur',
  'van',
  'der',
  'den',
  'de',
  'del',
  'della',
  'di',
  'da',
  'du',
  'le',
  'la',
  'ten',
  'ter',
  'y',
]);

/**
 * The range of words left with affixes off both ends; the middle is left alone, and a name of
 * affixes only stays as it is.
 */
function withoutAffixes(words: string[]): [number, number] {
  let start = 0;
  let end = words.length;
  while (start < end && AFFIXES.has(words[start])) start++;
  while (end > start && AFFIXES.has(words[end - 1])) end--;
  return start < end ? [start, end] : [0, words.length];
}

function splitWords(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

/**
 * Both folded forms drop the same affixes: the plain form is cut at the positions found in the
 * transliterated one, which has the same number of words (folding never adds or removes a space).
 */
function part(raw: string | undefined, kind: 'given' | 'family'): NormalizedNamePart | undefined {
  if (raw === undefined) return undefined;
  const folded = foldText(raw);
  const allWords = splitWords(folded.transliterated);
  const allPlain = splitWords(folded.plain);
  if (allWords.length === 0) return undefined;
  const [start, end] = withoutAffixes(allWords);
  const words = allWords.slice(start, end);
  const plainWords = allPlain.slice(start, end);
  let keyIndex = 0;
  let keyCount = 1;
  if (kind === 'family') {
    // The core of "von der Leyen" is "leyen"; of "Müller-Lüdenscheidt" both words.
    const first = words.findIndex((w) => !PARTICLES.has(w));
    keyIndex = first < 0 ? 0 : first;
    keyCount = first < 0 ? words.length : words.length - first;
  }
  const key = words.slice(keyIndex, keyIndex + keyCount).join('');
  const keyPlain = plainWords.slice(keyIndex, keyIndex + keyCount).join('');
  const salutationSex = sexOfSalutationWords([...allWords.slice(0, start), ...allWords.slice(end)]);
  const normalized: NormalizedNamePart = {
    transliterated: words.join(' '),
    plain: plainWords.join(' '),
    key,
    keyPlain,
    phonetic: colognePhonetic(key),
    words,
    // of family names too: a source that swapped the fields holds the given name there
    nicknames: nicknameGroups(words[0]),
    nicknamesNear: nicknameGroupsNear(words[0], oneTypo),
    initial: key.length === 1,
  };
  if (salutationSex !== undefined) normalized.salutationSex = salutationSex;
  return normalized;
}

export function normalizeName(givenName: string | undefined, familyName: string | undefined): NormalizedName {
  const name: NormalizedName = {};
  const given = part(givenName, 'given');
  const family = part(familyName, 'family');
  if (given) name.given = given;
  if (family) name.family = family;
  return name;
}

/**
 * Survivorship normalizes each source's name at every golden computation (twice, for the crosswise
 * reading), and matching each new version of a record: a record sync sees the same names over and
 * over, and normalizing them (folding, phonetic codes, nickname groups) took about 5 % of the hub's
 * busy time. Shared, so callers only read the parts, never change them.
 */
const NORMALIZED_NAMES_KEPT = 20_000;
const normalizedNames = new Map<string, NormalizedName>();

/** normalizeName, kept for the names asked for last */
export function normalizedName(
  givenName: string | undefined,
  familyName: string | undefined,
): NormalizedName {
  const key = `${givenName ?? '\u0001'}\u0000${familyName ?? '\u0001'}`;
  let name = normalizedNames.get(key);
  if (name === undefined) {
    name = normalizeName(givenName, familyName);
    setBounded(normalizedNames, key, name, NORMALIZED_NAMES_KEPT);
  }
  return name;
}
