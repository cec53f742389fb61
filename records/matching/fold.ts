/**
 * Text folding for comparison. Two forms exist because legacy systems lose umlauts in two ways: a
 * system that knows German writes "Müller" as "Mueller", one that only knows ASCII drops the dots
 * ("Muller"). `transliterated` follows the German rule (ä → ae, ö → oe, ü → ue, ß → ss), `plain`
 * drops every diacritic (ä → a); a name matches exactly when either form is equal.
 */

const GERMAN: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss' };

// Letters that Unicode does not decompose into a base letter plus a combining mark.
const UNDECOMPOSABLE: Record<string, string> = {
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  æ: 'ae',
  œ: 'oe',
  ı: 'i',
  ħ: 'h',
  ŀ: 'l',
};

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const SPECIAL = /[łøđðþæœıħŀ]/g;
const NOT_WORD = /[^a-z0-9]+/g;

export interface FoldedText {
  transliterated: string;
  plain: string;
}

function stripDiacritics(lower: string): string {
  return lower
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL, (c) => UNDECOMPOSABLE[c]);
}

/** Lower case, words of a-z and 0-9 separated by single spaces; punctuation and hyphens become spaces. */
function words(text: string): string {
  return text.replace(NOT_WORD, ' ').trim();
}

const ASCII = /^[\x20-\x7e]*$/;

export function foldText(text: string): FoldedText {
  if (ASCII.test(text)) {
    // Most names and streets: nothing to transliterate, and both forms are the same.
    const folded = words(text.toLowerCase());
    return { transliterated: folded, plain: folded };
  }
  // NFC first, so that a decomposed "u + ¨" is the German ü the transliteration knows.
  const lower = text.normalize('NFC').toLowerCase();
  return {
    transliterated: words(stripDiacritics(lower.replace(/[äöüß]/g, (c) => GERMAN[c]))),
    plain: words(stripDiacritics(lower.replace(/ß/g, 'ss'))),
  };
}

/** The transliterated form alone, for keys and for text that has no German letters to lose. */
export function foldKey(text: string): string {
  return foldText(text).transliterated;
}
