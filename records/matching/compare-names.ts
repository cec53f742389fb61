/**
 * Family and given names to comparison levels (weights.ts). Each level is a test on the prepared
 * forms of normalize-name.ts; the first that holds is the level.
 */
import { compared, type Compared } from './compared';
import type { NormalizedNamePart } from './normalize-name';
import { shareNicknameGroup } from './nicknames';
import { editDistanceWithin, jaroWinklerSimilarity } from './string-metrics';
import type { LevelOf } from './weights';

function sameKey(a: NormalizedNamePart, b: NormalizedNamePart): boolean {
  return a.key === b.key || a.keyPlain === b.keyPlain;
}

/** One typo, or close by Jaro-Winkler; names of one or two letters do not count as spelled close. */
function closeSpelling(a: string, b: string): boolean {
  if (a.length < 3 || b.length < 3) return false;
  return editDistanceWithin(1, a, b) <= 1 || jaroWinklerSimilarity(a, b) >= 0.94;
}

/**
 * Kölner Phonetik is coarse where vowels carry the name (Hüseyin and Hasan are both "086"), so a
 * shared code counts only for names of about the same length (within two letters).
 */
function samePhonetic(a: NormalizedNamePart, b: NormalizedNamePart): boolean {
  return a.phonetic !== '' && a.phonetic === b.phonetic && Math.abs(a.key.length - b.key.length) <= 2;
}

/** A word of three letters or more that both names hold, "mueller" in "mueller schmidt" / "mueller". */
function shareWord(a: NormalizedNamePart, b: NormalizedNamePart): boolean {
  return a.words.some((w) => w.length >= 3 && b.words.includes(w));
}

function familyLevel(a: NormalizedNamePart, b: NormalizedNamePart): LevelOf<'familyName'> {
  if (sameKey(a, b)) return 'exact';
  if ((a.words.length > 1 || b.words.length > 1) && shareWord(a, b)) return 'double-name-part';
  if (closeSpelling(a.key, b.key) || closeSpelling(a.keyPlain, b.keyPlain)) return 'close-spelling';
  if (samePhonetic(a, b)) return 'phonetic';
  if (jaroWinklerSimilarity(a.key, b.key) >= 0.85) return 'similar';
  return 'differ';
}

/**
 * A space put in or left out ("Isab elle", "Hans Peter" / "Hanspeter"): the given name's key is its
 * first word, so the words are also compared run together.
 */
function closeRunTogether(a: NormalizedNamePart, b: NormalizedNamePart): boolean {
  if (a.words.length === 1 && b.words.length === 1) return false;
  return closeSpelling(a.words.join(''), b.words.join(''));
}

function givenLevel(a: NormalizedNamePart, b: NormalizedNamePart): LevelOf<'givenName'> {
  // Before the exact test: two equal initials are as weak as one.
  if (a.initial || b.initial) return a.key[0] === b.key[0] ? 'initial' : 'differ';
  if (sameKey(a, b)) return 'exact';
  if (shareNicknameGroup(a.nicknames, b.nicknames)) return 'nickname';
  if (closeSpelling(a.key, b.key) || closeSpelling(a.keyPlain, b.keyPlain) || closeRunTogether(a, b))
    return 'close-spelling';
  // a typo in a name of the nickname table: "Heinrcih" / "Heinz", "Thomaas" / "Tom"
  if (shareNicknameGroup(a.nicknamesNear, b.nicknames) || shareNicknameGroup(a.nicknames, b.nicknamesNear))
    return 'nickname';
  if (samePhonetic(a, b)) return 'phonetic';
  if (shareWord(a, b)) return 'other-given-name';
  return 'differ';
}

const showName = (name: NormalizedNamePart) => name.transliterated;

export function compareFamilyNames(
  a: NormalizedNamePart | undefined,
  b: NormalizedNamePart | undefined,
): Compared<LevelOf<'familyName'>> | undefined {
  return a && b ? compared(familyLevel(a, b), a, b, showName) : undefined;
}

export function compareGivenNames(
  a: NormalizedNamePart | undefined,
  b: NormalizedNamePart | undefined,
): Compared<LevelOf<'givenName'>> | undefined {
  return a && b ? compared(givenLevel(a, b), a, b, showName) : undefined;
}
