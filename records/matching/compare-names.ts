/**
 * Family and given names to comparison levels (weights.ts). Each level is a test on the prepared
 * forms of normalize-name.ts; the first that holds is the level.
 */
import { compared, type Compared } from './compared';
import { genderedCounterparts } from './gendered-names';
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

/** Peter / Petra, Paul / Paula (gendered-names.ts): a brother and sister, however close the spelling. */
function maleAndFemaleForms(a: NormalizedNamePart, b: NormalizedNamePart): boolean {
  return genderedCounterparts(a.key, b.key) || genderedCounterparts(a.keyPlain, b.keyPlain);
}

function givenLevel(
  a: NormalizedNamePart,
  b: NormalizedNamePart,
  salutations: SalutationSexes,
): LevelOf<'givenName'> {
  // Before the exact test: two equal initials are as weak as one.
  if (a.initial || b.initial) return a.key[0] === b.key[0] ? 'initial' : 'differ';
  if (sameKey(a, b)) return 'exact';
  if (shareNicknameGroup(a.nicknames, b.nicknames)) return 'nickname';
  // Before the spelling tests, which take one letter added (Paul / Paula) for a typo. Unless both
  // salutations state one sex: then one of the two is a typo ("Frau Daniel" is Daniela).
  if (salutations !== 'same' && maleAndFemaleForms(a, b)) return 'differ';
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

const FORMS_NOTE = 'the male and female form of one name: a brother and sister, not a typo';
const SALUTATIONS_NOTE =
  'the salutations are of opposite sex: only the same given name agrees (a salutation mistyped), no likeness';

/**
 * What the two records' salutations say of their sexes, when both state one (gendered-names.ts).
 * Opposite (Herr / Frau): a name that is only alike (a nickname, a typo, a sound, an initial, a
 * middle name) is another name, a brother's and a sister's; the same name still agrees, since a
 * source that got the salutation wrong is likelier than twins of one given name. The same: a male and
 * female form of one name is a typo in one of them.
 */
export type SalutationSexes = 'same' | 'opposite' | undefined;

export function compareGivenNames(
  a: NormalizedNamePart | undefined,
  b: NormalizedNamePart | undefined,
  salutations?: SalutationSexes,
): Compared<LevelOf<'givenName'>> | undefined {
  if (!a || !b) return undefined;
  const level = givenLevel(a, b, salutations);
  if (level === 'differ' && salutations !== 'same' && maleAndFemaleForms(a, b))
    return compared(level, a, b, showName, FORMS_NOTE);
  if (salutations === 'opposite' && level !== 'exact' && level !== 'differ')
    return compared('differ', a, b, showName, SALUTATIONS_NOTE);
  return compared(level, a, b, showName);
}
