/**
 * Matching on the generated population (bench/_population.ts), fixed seed: the generator is
 * deterministic and corrupts as it says, blocking keeps the true pairs, and linking reaches its
 * precision and recall floors, ahead of a plain deterministic linker, in any arrival order.
 */
import { linkageQuality } from '../../../bench/_linkage-quality';
import { anchorLink, BENCH_NORMALIZE, fingerprint, oursLink } from '../../../bench/_matching-sides';
import { generatePopulation, type Population } from '../../../bench/_population';
import { SeededRandom } from '../../../bench/_random';
import {
  BlockIndex,
  blockingKeys,
  candidatePairs,
  decidePair,
  DEFAULT_MATCH_CONFIG,
  normalizeRecord,
} from '../../../records/matching';

const SEED = 2;
const population: Population = generatePopulation({ people: 3000, seed: SEED });
const inputs = population.records.map((r) => r.input);
const personOf = new Map(population.records.map((r) => [r.input.ref, r.personId]));
const records = inputs.map((input) => normalizeRecord(input, BENCH_NORMALIZE));

function truePairs(): [number, number][] {
  const byPerson = new Map<number, number[]>();
  population.records.forEach((r, i) => byPerson.set(r.personId, [...(byPerson.get(r.personId) ?? []), i]));
  const pairs: [number, number][] = [];
  for (const members of byPerson.values())
    for (let i = 0; i < members.length; i++)
      for (let j = i + 1; j < members.length; j++) pairs.push([members[i], members[j]]);
  return pairs;
}

describe('the generated population', () => {
  it('is the same for the same seed and another for another seed', () => {
    const again = generatePopulation({ people: 3000, seed: SEED }).records.map((r) => r.input);
    const other = generatePopulation({ people: 3000, seed: SEED + 1 }).records.map((r) => r.input);
    expect(fingerprint(again)).toBe(fingerprint(inputs));
    expect(fingerprint(other)).not.toBe(fingerprint(inputs));
  });

  it('sees most people in more than one system, and households share addresses', () => {
    expect(population.people.length).toBeGreaterThanOrEqual(3000);
    expect(inputs.length / population.people.length).toBeGreaterThan(1.8);
    const homes = new Set(population.people.map((p) => p.home));
    expect(homes.size).toBeLessThan(population.people.length * 0.75);
  });

  it('writes dates, names, streets, phones and e-mails the ways legacy systems do', () => {
    const texts = (pick: (i: (typeof inputs)[number]) => (string | undefined)[]) =>
      inputs.flatMap(pick).filter(Boolean);
    const dates = texts((i) => [i.birthDate]);
    for (const form of [
      /^\d{4}-\d\d-\d\d$/,
      /^\d{8}$/,
      /^\d\d\.\d\d\.\d{4}$/,
      /^\d{1,2}\.\d{1,2}\.\d\d$/,
      /^\d+\. [A-Z][a-zä]+ \d{4}$/,
    ])
      expect(dates.some((d) => form.test(d as string))).toBe(true);
    expect(texts((i) => [i.familyName]).some((n) => n === n?.toUpperCase())).toBe(true);
    expect(
      texts((i) => (i.addresses ?? []).map((a) => a.street)).some((s) => /str\.( |$)/i.test(s as string)),
    ).toBe(true);
    expect(texts((i) => [...(i.emails ?? [])]).some((e) => e?.endsWith('@googlemail.com'))).toBe(true);
    expect(texts((i) => [...(i.phones ?? [])]).some((p) => p?.startsWith('+49 (0)'))).toBe(true);
    expect(inputs.filter((i) => i.birthDate === undefined).length / inputs.length).toBeGreaterThan(0.1);
  });

  it('swaps given and family names in some records, and writes nicknames in others', () => {
    const swapped = population.records.filter((r) => {
      const person = population.people[r.personId];
      return r.input.familyName === person.givenName && r.input.givenName === person.familyName;
    });
    expect(swapped.length).toBeGreaterThan(10);
    expect(
      inputs.some((i) => i.givenName === 'Hans' || i.givenName === 'Sepp' || i.givenName === 'Bill'),
    ).toBe(true);
  });
});

describe('blocking on the generated population', () => {
  const candidates = new Set(candidatePairs(records).map(([a, b]) => `${Math.min(a, b)}|${Math.max(a, b)}`));
  const pairs = truePairs();
  const isCandidate = ([a, b]: [number, number]) => candidates.has(`${Math.min(a, b)}|${Math.max(a, b)}`);

  it('makes candidates of nearly all true pairs, with a few candidates per record', () => {
    // the pairs it leaves out share little but their names, which never link on their own (no block
    // on the names alone, see blocking.ts): the next test shows the matcher would not link them
    const completeness = pairs.filter(isCandidate).length / pairs.length;
    expect(completeness).toBeGreaterThanOrEqual(0.95);
    expect(candidates.size / records.length).toBeLessThan(2.5);
  });

  it('loses almost no true pair that the matcher would link if it saw it', () => {
    const linkable = pairs.filter(
      ([a, b]) => decidePair(DEFAULT_MATCH_CONFIG, records[a], records[b]).outcome === 'link',
    );
    expect(linkable.length).toBeGreaterThan(pairs.length * 0.9);
    expect(linkable.filter(isCandidate).length / linkable.length).toBeGreaterThanOrEqual(0.995);
  });
});

describe('blocking as the population grows', () => {
  const perRecord = (people: number, maxBlockSize?: number) => {
    const grown = generatePopulation({ people, seed: SEED }).records.map((r) =>
      normalizeRecord(r.input, BENCH_NORMALIZE),
    );
    return candidatePairs(grown, maxBlockSize).length / grown.length;
  };

  it('keeps the candidates per record nearly flat when the population grows fourfold', () => {
    // with a block on the names alone it grew by 27 % here (1.94 → 2.46), and 22-fold up to 1,000,000 people
    const small = perRecord(3000);
    const large = perRecord(12_000);
    expect(large / small).toBeLessThan(1.2);
  });

  it('bounds the candidates of records that share a placeholder value by the block size cap', () => {
    const placeholder = (i: number) =>
      normalizeRecord(
        {
          ref: `crm:${i}`,
          givenName: `Given${i}`,
          familyName: `Family${i}`,
          phones: ['+49 30 0000000'],
          emails: ['keine@keine.de'],
        },
        BENCH_NORMALIZE,
      );
    const placeholders = Array.from({ length: 500 }, (_, i) => placeholder(i));
    // every record shares two keys with all others: all pairs without a cap, at most 2 × cap with one
    expect(candidatePairs(placeholders).length).toBe((500 * 499) / 2);
    const capped = candidatePairs(placeholders, 20);
    expect(capped.length).toBeLessThanOrEqual(500 * 20);
    expect(capped.length).toBeGreaterThanOrEqual(480 * 20);
  });

  it('still compares a record without postal code and birth date with its partner in the same city', () => {
    // the address agrees on street, number and city, and with the names that links; no other key is shared
    const sparse = normalizeRecord(
      {
        ref: 'crm:1',
        givenName: 'Anna',
        familyName: 'Schmidt',
        addresses: [{ street: 'Hauptstraße', houseNumber: '5', city: 'Berlin', country: 'DE' }],
      },
      BENCH_NORMALIZE,
    );
    const full = normalizeRecord(
      {
        ref: 'sap:2',
        givenName: 'Anna',
        familyName: 'Schmidt',
        birthDate: '1985-03-12',
        addresses: [
          { street: 'Hauptstr.', houseNumber: '5', postalCode: '10115', city: 'Berlin', country: 'DE' },
        ],
      },
      BENCH_NORMALIZE,
    );
    expect(decidePair(DEFAULT_MATCH_CONFIG, sparse, full).outcome).toBe('link');
    expect(candidatePairs([sparse, full])).toEqual([[0, 1]]);
    expect(candidatePairs([full, sparse])).toEqual([[0, 1]]);
    // both with a birth date: the c blocks stay out of it (the dated blocks decide)
    const dated = { ...sparse, ref: 'crm:3', birthDate: full.birthDate };
    expect(blockingKeys(dated).search.some((k) => k.startsWith('c+'))).toBe(false);
  });

  it('compares a pair with a typo in the family name and one in the birth day (RLdata500: Karl Klein / Kleibn)', () => {
    const a = normalizeRecord(
      { ref: 'a:1', givenName: 'KARL', familyName: 'KLEIN', birthDate: '2002-06-20' },
      BENCH_NORMALIZE,
    );
    const b = normalizeRecord(
      { ref: 'b:1', givenName: 'KARL', familyName: 'KLEIBN', birthDate: '2002-06-29' },
      BENCH_NORMALIZE,
    );
    // neither name code nor the full date is shared: only the block of given name, family initial and month
    expect(a.name.family?.phonetic).not.toBe(b.name.family?.phonetic);
    expect(candidatePairs([a, b])).toEqual([[0, 1]]);
    expect(decidePair(DEFAULT_MATCH_CONFIG, a, b).outcome).toBe('link');
  });

  it('reports the blocks that are full', () => {
    const index = new BlockIndex(3);
    for (let i = 0; i < 5; i++) index.file(['t|+49300', `i|crm:${i}`], i);
    expect(index.fullBlocks).toBe(1);
    expect(index.candidates(['t|+49300'])).toEqual([0, 1, 2]);
  });
});

describe('linking the generated population', () => {
  const ours = oursLink(inputs);
  const quality = linkageQuality(ours.clusters, personOf);

  it('reaches precision 0.99 and recall 0.945, and beats the plain deterministic linker', () => {
    expect(quality.precision).toBeGreaterThanOrEqual(0.99);
    expect(quality.recall).toBeGreaterThanOrEqual(0.945);
    const anchor = linkageQuality(anchorLink(inputs).clusters, personOf);
    expect(quality.f1).toBeGreaterThan(anchor.f1 + 0.2);
  });

  it('keeps the review band to a few percent of the records', () => {
    expect(ours.reviews).toBeGreaterThan(0);
    expect(ours.reviews / inputs.length).toBeLessThan(0.1);
  });

  it('gives the same clusters for another arrival order', () => {
    const shuffled = new SeededRandom(99).shuffle([...inputs]);
    expect(oursLink(shuffled).clusters).toEqual(ours.clusters);
  });
});
