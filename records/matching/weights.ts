/**
 * Fellegi-Sunter probabilities for every comparison level. For a level L of a field:
 *   m = P(L | the two records are the same person)
 *   u = P(L | they are two different people, drawn at random)
 * and the level adds log2(m / u) bits to a pair's match weight; a missing value on either side adds
 * nothing. The levels of a field are tried in the order written, and the first that holds counts.
 *
 * The numbers are set by reasoning about German and international customer data and written here
 * with that reasoning, not fitted to one data set (the bench prints how they compare with the
 * generated population). In short: m follows how often sources disagree about one person (typos,
 * nicknames, moves, new e-mail addresses); u follows how often strangers agree by chance, which is
 * the frequency of names, dates and places, raised where households share a value (a family name,
 * an address, a landline, sometimes a mailbox).
 */

export interface LevelProbability {
  m: number;
  u: number;
  /** why the numbers are what they are, for the documentation and the explanation */
  why: string;
}

export const FAMILY_NAME_LEVELS = {
  exact: {
    m: 0.88,
    u: 0.004,
    why: 'sources agree on most family names; the commonest German name (Müller) covers about 0.3% of people',
  },
  'double-name-part': {
    m: 0.02,
    u: 0.0005,
    why: 'a double name against one of its parts, as after a marriage ("Müller-Schmidt" / "Schmidt")',
  },
  'close-spelling': { m: 0.05, u: 0.002, why: 'one typo (Damerau edit) or Jaro-Winkler ≥ 0.94' },
  phonetic: { m: 0.02, u: 0.006, why: 'same Kölner Phonetik code: Meier/Meyer/Maier, Schmidt/Schmitt' },
  similar: { m: 0.01, u: 0.02, why: 'Jaro-Winkler ≥ 0.85: weak either way' },
  differ: { m: 0.02, u: 0.9675, why: 'a real change of family name (marriage) or a garbled entry' },
} satisfies Record<string, LevelProbability>;

export const GIVEN_NAME_LEVELS = {
  exact: { m: 0.84, u: 0.015, why: 'the first given name; common given names cover 1-2% of people each' },
  nickname: {
    m: 0.05,
    u: 0.002,
    why:
      'the nickname table holds both (Hans/Johannes, Bill/William), or one is a typo of a table name of five ' +
      'letters or more (Heinrcih/Heinz); less than exact, since families reuse names',
  },
  'close-spelling': { m: 0.04, u: 0.003, why: 'one typo or Jaro-Winkler ≥ 0.94' },
  phonetic: { m: 0.02, u: 0.01, why: 'same Kölner Phonetik code (Christoph/Kristof)' },
  initial: {
    m: 0.01,
    u: 0.0025,
    why: 'one side has only the initial and it agrees; in a household, often another member',
  },
  'other-given-name': { m: 0.01, u: 0.001, why: 'a middle name of one side is the other side’s given name' },
  differ: { m: 0.03, u: 0.9665, why: 'another name altogether: twins, spouses, parent and child' },
} satisfies Record<string, LevelProbability>;

export const BIRTH_DATE_LEVELS = {
  exact: { m: 0.86, u: 0.0002, why: 'about 1 in 20,000 strangers share a birth date (60 birth years)' },
  'day-month-swapped': {
    m: 0.02,
    u: 0.00005,
    why: '03/12 read as 12 March by one system and 3 December by another',
  },
  'one-digit-off': {
    m: 0.06,
    u: 0.001,
    why:
      'one typo or two transposed digits in YYYYMMDD (1985 → 1958, 12 → 21); strangers are this close ' +
      'about once in a thousand pairs',
  },
  'same-year-month': { m: 0.01, u: 0.0014, why: 'the day is wrong beyond a typo' },
  'same-month-day': {
    m: 0.015,
    u: 0.0027,
    why:
      'the year is wrong beyond a typo, the commonest of the three: a two-digit year read in the wrong ' +
      'century (47 → 2047), a year taken from another document; strangers share day and month once in 365',
  },
  'same-year-day': { m: 0.01, u: 0.00055, why: 'the month is wrong beyond a typo' },
  differ: { m: 0.025, u: 0.9941, why: 'a wrong or placeholder date; rare for one person' },
} satisfies Record<string, LevelProbability>;

export const ADDRESS_LEVELS = {
  exact: {
    m: 0.63,
    u: 0.008,
    why:
      'same street, house number and postal code or city; u is raised far above chance because a household ' +
      'shares the address and, mostly, the family name: the two are not independent evidence',
  },
  'street-typo': { m: 0.08, u: 0.002, why: 'same house number and place, street Jaro-Winkler ≥ 0.92' },
  'same-street': {
    m: 0.03,
    u: 0.0075,
    why:
      'same street and place, the house number another or missing on one side: a typo in the number, a ' +
      'source that keeps none, or a neighbour; no stronger than the postal code, since the common streets ' +
      '(Hauptstraße, Bahnhofstraße) are shared by many in a place',
  },
  'same-postal-code': { m: 0.04, u: 0.01, why: 'a move within the district' },
  'same-city': { m: 0.04, u: 0.05, why: 'a move within the city; large cities make this weak' },
  differ: { m: 0.18, u: 0.9225, why: 'people move: the old address stays in the systems they did not tell' },
} satisfies Record<string, LevelProbability>;

export const EMAIL_LEVELS = {
  exact: {
    m: 0.7,
    u: 0.0005,
    why: 'the same mailbox; u allows for mailboxes a family shares ("familie.mueller@...")',
  },
  'same-local-part': {
    m: 0.05,
    u: 0.01,
    why:
      'the same local part at another provider (anna.schmidt@web.de / anna.schmidt@gmx.de); most local parts ' +
      'are made of the name, so strangers of one name share them',
  },
  'close-local-part': {
    m: 0.03,
    u: 0.01,
    why: 'one edit apart before the @ (a typo, or "anna.schmidt1"): as name-made as the level above',
  },
  differ: { m: 0.22, u: 0.9795, why: 'people keep several addresses and change them' },
} satisfies Record<string, LevelProbability>;

export const PHONE_LEVELS = {
  exact: { m: 0.55, u: 0.0002, why: 'the same mobile (or other personal) number, E.164' },
  'same-landline': {
    m: 0.15,
    u: 0.003,
    why: 'the same fixed line: a household shares it, so it tells the household, not the person',
  },
  'one-digit-off': { m: 0.05, u: 0.0005, why: 'one typo or two transposed digits' },
  differ: { m: 0.25, u: 0.9963, why: 'new numbers, work against private numbers' },
} satisfies Record<string, LevelProbability>;

export const NATIONAL_ID_LEVELS = {
  exact: { m: 0.96, u: 0.000001, why: 'one id per person and scheme' },
  'one-digit-off': {
    m: 0.03,
    u: 0.00001,
    why: 'a typo; a checked scheme marks it invalid, so it never links by rule',
  },
  differ: { m: 0.01, u: 0.999989, why: 'two different ids of one scheme are two people, bar a gross error' },
} satisfies Record<string, LevelProbability>;

export const MATCH_LEVELS = {
  familyName: FAMILY_NAME_LEVELS,
  givenName: GIVEN_NAME_LEVELS,
  birthDate: BIRTH_DATE_LEVELS,
  address: ADDRESS_LEVELS,
  email: EMAIL_LEVELS,
  phone: PHONE_LEVELS,
  nationalId: NATIONAL_ID_LEVELS,
};

export type MatchField = keyof typeof MATCH_LEVELS;
export type LevelOf<F extends MatchField> = keyof (typeof MATCH_LEVELS)[F] & string;
export type MatchLevels = { [F in MatchField]: Record<LevelOf<F>, LevelProbability> };

/** log2(m / u): bits of evidence for (positive) or against (negative) one person. */
export function levelWeight(probability: LevelProbability): number {
  return Math.log2(probability.m / probability.u);
}
