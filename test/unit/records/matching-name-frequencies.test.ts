/** Term-frequency adjusted name weights: a common name's agreement counts for less, in large sets only. */
import {
  DEFAULT_MATCH_CONFIG,
  MatchIndex,
  NameCounts,
  decidePair,
  linkRecords,
  matchConfig,
  type MatchRecord,
} from '../../../records/matching';
import { record } from './matching-support';

/** A deterministic stream of numbers in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

const GIVEN = [
  'Peter',
  'Sabine',
  'Stefan',
  'Helga',
  'Michael',
  'Andrea',
  'Frank',
  'Monika',
  'Jürgen',
  'Karin',
];
const FAMILY = [
  'Müller',
  'Weber',
  'Schmidt',
  'Fischer',
  'Becker',
  'Meyer',
  'Wagner',
  'Hoffmann',
  'Koch',
  'Bauer',
];

/** People whose names come from a short list, as in public benchmarks built from the commonest names. */
function crowd(count: number, seed = 7): MatchRecord[] {
  const random = lcg(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const records: MatchRecord[] = [];
  for (let i = 0; i < count; i++) {
    const year = 1930 + Math.floor(random() * 70);
    const month = 1 + Math.floor(random() * 12);
    const day = 1 + Math.floor(random() * 28);
    records.push(
      record({
        ref: `crowd:${i}`,
        givenName: pick(GIVEN),
        familyName: pick(FAMILY),
        birthDate: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      }),
    );
  }
  return records;
}

const peter = (ref: string, birthDate: string) =>
  record({ ref, givenName: 'Peter', familyName: 'Müller', birthDate });

describe('term-frequency adjusted name weights', () => {
  it('weighs a name that one record in ten holds by its share; the static u stays for the rest', () => {
    const counts = new NameCounts();
    for (const r of crowd(20_000)) counts.add(r);
    const a = peter('a:1', '1961-03-12');
    const b = peter('b:1', '1961-03-21');
    const plain = decidePair(DEFAULT_MATCH_CONFIG, a, b);
    const adjusted = decidePair(DEFAULT_MATCH_CONFIG, a, b, counts);
    // names and a date one typo apart link where Müller is as rare as the static u says ...
    expect(plain.outcome).toBe('link');
    // ... but where one record in ten is a Müller, strangers agree on it all the time
    expect(adjusted.outcome).not.toBe('link');
    const family = adjusted.explanation.comparisons.find((c) => c.field === 'familyName');
    expect(family?.u).toBeCloseTo(counts.share('familyName', 'mueller'), 6);
    expect(family?.u).toBeGreaterThan(DEFAULT_MATCH_CONFIG.levels.familyName.exact.u);
    expect(adjusted.explanation.totalWeight).toBeLessThan(plain.explanation.totalWeight);
  });

  it('changes nothing in a small set: a handful of Müllers says nothing about how common the name is', () => {
    const counts = new NameCounts();
    for (const r of [peter('a:1', '1961-03-12'), peter('b:1', '1961-03-21'), peter('c:1', '1970-01-01')])
      counts.add(r);
    const a = peter('a:1', '1961-03-12');
    const b = peter('b:1', '1961-03-21');
    expect(decidePair(DEFAULT_MATCH_CONFIG, a, b, counts).explanation).toEqual(
      decidePair(DEFAULT_MATCH_CONFIG, a, b).explanation,
    );
  });

  it('leaves the weights as they are with nameFrequencyPrior Infinity', () => {
    const config = matchConfig({ nameFrequencyPrior: Number.POSITIVE_INFINITY });
    const counts = new NameCounts(config.nameFrequencyPrior);
    for (const r of crowd(5_000)) counts.add(r);
    const a = peter('a:1', '1961-03-12');
    const b = peter('b:1', '1961-03-21');
    expect(decidePair(config, a, b, counts).explanation.totalWeight).toBe(
      decidePair(config, a, b).explanation.totalWeight,
    );
  });

  it('refuses a nameFrequencyPrior that is not a positive number of records', () => {
    for (const nameFrequencyPrior of [0, -1, Number.NaN])
      expect(() => matchConfig({ nameFrequencyPrior })).toThrow(
        /nameFrequencyPrior must be a positive number/,
      );
  });

  it('counts a new version’s names instead of its old ones (a married name, a corrected typo)', () => {
    const counts = new NameCounts(1);
    counts.add(record({ ref: 'crm:1', givenName: 'Anna', familyName: 'Schmidt' }));
    counts.add(record({ ref: 'crm:2', givenName: 'Berta', familyName: 'Schmidt' }));
    counts.remove(record({ ref: 'crm:1', givenName: 'Anna', familyName: 'Schmidt' }));
    counts.add(record({ ref: 'crm:1', givenName: 'Anna', familyName: 'Weber' }));
    // two records, a prior of one: each name's share is its count of three
    expect(counts.share('familyName', 'schmidt')).toBeCloseTo(1 / 3, 10);
    expect(counts.share('familyName', 'weber')).toBeCloseTo(1 / 3, 10);
    expect(counts.share('givenName', 'anna')).toBeCloseTo(1 / 3, 10);

    // the index does the same when a held record's new version replaces it
    const index = new MatchIndex(matchConfig({ nameFrequencyPrior: 1 }));
    const shareOf = (name: string) =>
      decidePair(
        index.config,
        record({ ref: 'x:1', givenName: 'Anna', familyName: name }),
        record({ ref: 'x:2', givenName: 'Anna', familyName: name }),
        index.nameFrequencies,
      ).explanation.comparisons.find((c) => c.field === 'familyName')?.u;
    for (let i = 0; i < 20; i++)
      index.add(record({ ref: `crm:${i}`, givenName: 'Otto', familyName: 'Zschokke' }));
    expect(shareOf('Zschokke')).toBeCloseTo(20 / 21, 10);
    for (let i = 0; i < 10; i++)
      index.update(record({ ref: `crm:${i}`, givenName: 'Otto', familyName: 'Quast' }));
    expect(shareOf('Zschokke')).toBeCloseTo(10 / 21, 10);
    expect(shareOf('Quast')).toBeCloseTo(10 / 21, 10);
  });

  it('linkRecords counts every record first: the clusters do not depend on the order', () => {
    const records = crowd(3_000, 11);
    // duplicates with one typo in the date, so that frequencies decide some of them
    const random = lcg(5);
    const copies = records.slice(0, 300).map((r, i) => {
      const [y, m, d] = (r.birthDate?.iso ?? '1970-01-01').split('-');
      const day = String(((Number(d) + 1 + Math.floor(random() * 5)) % 28) + 1).padStart(2, '0');
      return record({
        ref: `copy:${i}`,
        givenName: r.name.given?.transliterated,
        familyName: r.name.family?.transliterated,
        birthDate: `${y}-${m}-${day}`,
      });
    });
    const all = [...records, ...copies];
    const shuffled = [...all].sort(() => random() - 0.5);
    const sorted = (clusters: string[][]) => clusters.map((c) => c.join(' ')).sort();
    expect(sorted(linkRecords(shuffled).clusters)).toEqual(sorted(linkRecords(all).clusters));
    expect(sorted(linkRecords([...all].reverse()).clusters)).toEqual(sorted(linkRecords(all).clusters));
  });
});
