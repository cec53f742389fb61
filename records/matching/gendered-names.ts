/**
 * A person's sex as far as matching may read it, for one purpose: telling a brother from his sister.
 * Opposite-sex twins share a family name, a birth date and an address, and many of them carry the
 * male and female form of one name (Peter / Petra, Paul / Paula, Jan / Jana). Those forms are one or
 * two letters apart and often share a Kölner code, so as spellings they look like a typo of one name,
 * and the twins reached the link threshold. Two sources of evidence say they are two names:
 *
 * - the pair is a male name and its female form in the table below;
 * - the two records carry salutations of opposite sex (Herr / Frau, Mr / Mrs, male / female).
 *
 * Why a table and not a first-name gender lexicon: the lexicons on npm give a sex per name, which
 * would turn every typo between a male and a female name into a conflict, and they disagree with
 * German usage where it matters (one gives Luca as female, its French list Paul and Thomas as
 * female). What is needed is narrower: which pairs of names are one name's two forms. The table
 * lists male names and female names, and a female name is a male name's form when a rule below
 * derives it from the male name. Where the rules reach a pair that is no such form (Daniele is an
 * Italian man's name), the female list simply does not hold it. A few forms no rule reaches are
 * listed as pairs.
 */
import { foldKey } from './fold';

export type Sex = 'female' | 'male';

// Folded (fold.ts, transliterated). German first, then names common among the hub's customers.
const MALE = `
  peter paul jan daniel michael christian kristian andreas andre stefan stephan alexander aleksandr
  johann julian julius martin valentin konstantin augustin justin carl karl gerd frank erik eric
  robert dominik benedikt theodor viktor victor anton emil adrian philipp josef joseph wilhelm georg
  leopold albert ernest gabriel manuel emanuel raphael rafael simon denis rene louis luis henrik
  hendrik frederik sven claudius cornelius mario antonio francesco alessandro roberto carlo paolo
  giulio karim samir amin jamil nabil farid ulrich
`;

const FEMALE = `
  petra paula pauline paulina jana janine janina daniela danielle michaela christiane kristiane
  andrea stefanie stephanie alexandra aleksandra johanna juliane juliana julia martina valentina
  konstantina augustina augustine justine justina carla karla gerda franka erika erica roberta
  dominika benedikta theodora viktoria victoria antonia antonie emilia adriana adriane philippa
  philippine josefine josefina josephine wilhelmine wilhelmina georgine georgina leopoldine
  albertine albertina ernestine gabriela gabriele gabrielle manuela emanuela raphaela rafaela simone
  denise renee louise louisa luisa henrike hendrike frederike svenja claudia cornelia maria
  francesca alessandra paola giulia karima samira amina jamila nabila farida ulrike
`;

/**
 * Male ending → female ending: the ways German, Romance, Slavic and Arabic names form the female of
 * a male name. An empty male ending appends.
 */
const RULES: readonly (readonly [string, string])[] = [
  ['', 'a'], // Paul → Paula, Jan → Jana, Daniel → Daniela, Karim → Karima
  ['', 'e'], // Christian → Christiane, Julian → Juliane, Simon → Simone, René → Renée
  ['', 'ine'], // Paul → Pauline, Josef → Josefine, Jan → Janine
  ['', 'ina'], // Paul → Paulina, Jan → Janina, Georg → Georgina
  ['', 'ia'], // Anton → Antonia, Emil → Emilia, Viktor → Viktoria
  ['', 'ie'], // Stefan → Stefanie, Anton → Antonie
  ['', 'le'], // Daniel → Danielle, Gabriel → Gabrielle
  ['', 'ja'], // Sven → Svenja
  ['er', 'ra'], // Peter → Petra, Alexander → Alexandra
  ['as', 'a'], // Andreas → Andrea
  ['us', 'a'], // Julius → Julia, Claudius → Claudia
  ['o', 'a'], // Mario → Maria, Antonio → Antonia
  ['ich', 'ike'], // Ulrich → Ulrike
];

/** Forms no rule above reaches. */
const PAIRS: readonly (readonly [string, string])[] = [
  ['christian', 'christina'],
  ['christian', 'christine'],
  ['kristian', 'kristina'],
  ['kristian', 'kristine'],
  ['johannes', 'johanna'],
  ['heinrich', 'henrike'],
  ['friedrich', 'friederike'],
  ['jean', 'jeanne'],
  ['giovanni', 'giovanna'],
  ['giuseppe', 'giuseppina'],
];

const words = (list: string) => list.trim().split(/\s+/);

const key = (male: string, female: string) => `${male}\u0000${female}`;

const COUNTERPARTS = new Set<string>();
{
  const female = new Set(words(FEMALE));
  for (const male of words(MALE))
    for (const [ending, replacement] of RULES)
      if (male.endsWith(ending)) {
        const form = male.slice(0, male.length - ending.length) + replacement;
        if (female.has(form)) COUNTERPARTS.add(key(male, form));
      }
  for (const [male, form] of PAIRS) COUNTERPARTS.add(key(foldKey(male), foldKey(form)));
}

/** Every pair the table holds, male name first: for the tests and the documentation. */
export function genderedPairs(): [string, string][] {
  return [...COUNTERPARTS].map((pair) => pair.split('\u0000') as [string, string]).sort();
}

/** Whether two folded given names are a male name and its female form, in either order. */
export function genderedCounterparts(a: string, b: string): boolean {
  return COUNTERPARTS.has(key(a, b)) || COUNTERPARTS.has(key(b, a));
}

/**
 * Folded words of a salutation, or of a sex where a system keeps that in its place. "Fr" is Frau
 * (the German abbreviation), not an English Father.
 */
const SALUTATIONS = new Map<string, Sex>([
  ...words('herr herrn hr mr mister sir monsieur signor signore senor male maennlich').map(
    (w): [string, Sex] => [w, 'male'],
  ),
  ...words('frau fr frl fraeulein mrs ms miss madame mme mlle dame signora senora female weiblich').map(
    (w): [string, Sex] => [w, 'female'],
  ),
]);

/**
 * The sex the words of a salutation state, undefined when they state none ("Dr.", "Firma") or both
 * ("Herr und Frau", a couple's record).
 */
export function sexOfSalutationWords(folded: readonly string[]): Sex | undefined {
  let sex: Sex | undefined;
  for (const word of folded) {
    const of = SALUTATIONS.get(word);
    if (of === undefined) continue;
    if (sex !== undefined && sex !== of) return undefined;
    sex = of;
  }
  return sex;
}

export function sexOfSalutation(salutation: string | undefined): Sex | undefined {
  if (salutation === undefined) return undefined;
  const folded = foldKey(salutation);
  return folded === '' ? undefined : sexOfSalutationWords(folded.split(' '));
}
