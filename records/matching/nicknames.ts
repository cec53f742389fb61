/**
 * Given names that people use for one another: a formal name and the short or pet forms found in
 * German and English registers. Each line is one group; two names are equivalent when some group
 * holds both. A name may sit in several groups ("chris" for Christian, Christoph, Christina, ...),
 * so equivalence is not transitive: Christian and Christina are not equivalent through "chris".
 * The names are written folded (fold.ts, transliterated form). The table is small on purpose: a pair
 * it does not know still scores on phonetics and Jaro-Winkler, and a wrong entry links strangers.
 */
import { foldKey } from './fold';

const GROUPS: readonly (readonly string[])[] = [
  // German
  ['johannes', 'johann', 'hans', 'hannes'],
  ['josef', 'joseph', 'sepp', 'seppl', 'jupp', 'beppo'],
  ['friedrich', 'fritz', 'friedel'],
  ['heinrich', 'heinz', 'hinrich'],
  ['wilhelm', 'willi', 'willy'],
  ['wolfgang', 'wolf', 'wolfi'],
  ['andreas', 'andi', 'andy', 'andre'],
  ['sebastian', 'basti', 'bastian'],
  ['matthias', 'mathias', 'matze', 'hias'],
  ['maximilian', 'max', 'maxi'],
  ['alexander', 'alex', 'sascha', 'xander'],
  ['alexandra', 'alex', 'sascha'],
  ['christian', 'chris', 'christl'],
  ['christoph', 'christopher', 'chris', 'stoffel'],
  ['christina', 'christine', 'chris', 'tina', 'christel'],
  ['michael', 'micha', 'michi', 'mike', 'mick'],
  ['stefan', 'stephan', 'steffen', 'steff'],
  ['stefanie', 'stephanie', 'steffi'],
  ['thomas', 'tom', 'tommy', 'thommy'],
  ['nikolaus', 'klaus', 'claus', 'niklas', 'nick', 'nico'],
  ['ulrich', 'uli', 'ulli', 'ueli'],
  ['ulrike', 'uli', 'ulli', 'rike'],
  ['rudolf', 'rudi', 'ruedi'],
  ['manfred', 'manni'],
  ['konrad', 'kurt', 'conny'],
  ['cornelia', 'conny', 'nele'],
  ['anton', 'toni', 'tony'],
  ['antonia', 'toni', 'tonia'],
  ['elisabeth', 'elise', 'else', 'lisa', 'liesel', 'lise', 'elli', 'sissi', 'betty', 'liz', 'beth'],
  ['elizabeth', 'eliza', 'liz', 'lizzy', 'beth', 'betty', 'lisa', 'elsie'],
  ['katharina', 'kathrin', 'katrin', 'kathi', 'katja', 'kati', 'trine'],
  ['katherine', 'catherine', 'kathryn', 'kate', 'katie', 'kathy', 'cathy', 'kitty'],
  ['margarete', 'margarethe', 'grete', 'gretel', 'gretchen', 'margit', 'meta'],
  ['margaret', 'maggie', 'meg', 'peggy', 'marge', 'margie'],
  ['theresia', 'therese', 'theresa', 'resi'],
  ['susanne', 'susi', 'sanne', 'susan', 'suse'],
  ['gabriele', 'gabi', 'gaby'],
  ['monika', 'monica', 'moni'],
  ['barbara', 'babsi', 'bärbel', 'barbie'],
  ['franziska', 'franzi', 'fanny'],
  ['franz', 'franzl'],
  ['magdalena', 'lena', 'leni', 'magda'],
  ['helena', 'helene', 'lena', 'leni'],
  ['juliane', 'julia', 'jule'],
  ['johanna', 'hanna', 'hanne', 'jo'],
  ['joachim', 'achim', 'jo'],
  ['benjamin', 'ben', 'benni'],
  ['benedikt', 'ben', 'bene'],
  ['florian', 'flo', 'florl'],
  ['tobias', 'tobi'],
  ['jakob', 'jacob', 'jake', 'kobi'],
  ['dominik', 'dominic', 'dome', 'nik'],
  ['patrick', 'patrik', 'pat', 'paddy'],
  ['daniel', 'dani', 'danny', 'dan'],
  ['daniela', 'dani', 'ela'],
  ['gottfried', 'friedl', 'gotti'],
  ['bernhard', 'bernd', 'berni'],
  ['leonhard', 'leonard', 'leo', 'lenz'],
  ['lorenz', 'lenz', 'laurenz'],
  ['walter', 'walther', 'walt'],
  ['eberhard', 'ebi', 'hardy'],
  ['gerhard', 'gerd', 'gert', 'hardy'],
  ['reinhard', 'reiner', 'rainer', 'reini'],
  ['siegfried', 'sigi', 'siggi'],
  ['hermann', 'hermi'],
  ['wolfram', 'wolf'],
  ['dorothea', 'dora', 'thea', 'dorle'],
  ['veronika', 'veronica', 'vroni'],
  ['annemarie', 'anne', 'annemie', 'ami'],
  ['anna', 'anne', 'anni', 'annie'],
  ['maria', 'marie', 'mitzi', 'ria'],
  ['charlotte', 'lotte', 'lotti', 'charly', 'lottie'],
  ['friederike', 'frieda', 'rike', 'frida'],
  ['ingeborg', 'inge'],
  ['hildegard', 'hilde', 'hildi'],
  ['waltraud', 'traudl', 'waltraut'],
  ['gertrud', 'trude', 'gerti', 'trudi'],
  ['georg', 'schorsch', 'jörg'],
  ['ludwig', 'lutz', 'luggi'],
  ['emanuel', 'manuel', 'manu'],
  // English
  ['william', 'bill', 'billy', 'will', 'willy'],
  ['robert', 'bob', 'bobby', 'rob', 'robbie'],
  ['richard', 'dick', 'rick', 'ricky', 'rich'],
  ['james', 'jim', 'jimmy', 'jamie'],
  ['john', 'jack', 'johnny', 'jon'],
  ['edward', 'ed', 'eddie', 'ted', 'ned'],
  ['charles', 'charlie', 'chuck', 'chas'],
  ['anthony', 'tony', 'ant'],
  ['joseph', 'joe', 'joey'],
  ['jennifer', 'jenny', 'jen'],
  ['rebecca', 'becky', 'becca'],
  ['deborah', 'debbie', 'deb'],
  ['patricia', 'patty', 'pat', 'trish'],
  ['susan', 'sue', 'susie'],
  ['samuel', 'sam', 'sammy'],
  ['samantha', 'sam', 'sammy'],
  ['nicholas', 'nick', 'nicky'],
  ['matthew', 'matt'],
  ['steven', 'stephen', 'steve'],
  ['timothy', 'tim', 'timmy'],
  ['benjamin', 'ben', 'benny'],
  ['daniel', 'dan', 'danny'],
  ['christopher', 'chris'],
  ['alexander', 'alex'],
  ['abigail', 'abby', 'gail'],
  ['victoria', 'vicky', 'tori'],
  ['kimberly', 'kim'],
  ['zachary', 'zach', 'zack'],
];

/** Folded name → indices of the groups that hold it. */
const GROUPS_OF = new Map<string, number[]>();
GROUPS.forEach((group, index) => {
  for (const name of group) {
    const key = foldKey(name);
    const list = GROUPS_OF.get(key);
    if (list === undefined) GROUPS_OF.set(key, [index]);
    else if (!list.includes(index)) list.push(index);
  }
});

/** The nickname groups of one folded given name (first token), empty when the table does not know it. */
export function nicknameGroups(foldedGivenName: string): readonly number[] {
  return GROUPS_OF.get(foldedGivenName) ?? [];
}

/**
 * Names of the table this long or longer may be found one typo away: among short names one edit
 * reaches other real names (Tom / Tim, Lena / Lina), so a typo there is no evidence.
 */
export const MIN_TYPO_NICKNAME_LENGTH = 5;

/** Each table name and each of its one-letter deletions, to the table names it comes from. */
const NEAR = new Map<string, string[]>();
const deletions = (name: string) => [...name].map((_, i) => name.slice(0, i) + name.slice(i + 1));
for (const name of GROUPS_OF.keys()) {
  if (name.length < MIN_TYPO_NICKNAME_LENGTH) continue;
  for (const key of [name, ...deletions(name)]) {
    const list = NEAR.get(key);
    if (list === undefined) NEAR.set(key, [name]);
    else if (!list.includes(name)) list.push(name);
  }
}

/**
 * The nickname groups of the table names one typo (Damerau edit) from a given name the table does
 * not hold: "Heinrcih" reaches Heinrich's group, and with it Heinz. A name the table holds is a name,
 * not a typo, and gets none (Hannes is not "Hanne" mistyped). `isTypo` checks the edit.
 */
export function nicknameGroupsNear(
  foldedGivenName: string,
  isTypo: (a: string, b: string) => boolean,
): readonly number[] {
  if (GROUPS_OF.has(foldedGivenName) || foldedGivenName.length < MIN_TYPO_NICKNAME_LENGTH - 1) return [];
  const groups: number[] = [];
  for (const key of [foldedGivenName, ...deletions(foldedGivenName)])
    for (const name of NEAR.get(key) ?? [])
      if (isTypo(foldedGivenName, name))
        for (const group of GROUPS_OF.get(name) ?? []) if (!groups.includes(group)) groups.push(group);
  return groups;
}

export function shareNicknameGroup(a: readonly number[], b: readonly number[]): boolean {
  for (const group of a) if (b.includes(group)) return true;
  return false;
}
