import { explainLinkage } from '../../../bench/_matching-explain';
import { linkageQuality } from '../../../bench/_linkage-quality';
import { BENCH_NORMALIZE, oursLink } from '../../../bench/_matching-sides';
import { generatePopulation } from '../../../bench/_population';
import { DEFAULT_MATCH_CONFIG, normalizeRecord } from '../../../records/matching';

describe('bench matching: --explain', () => {
  const population = generatePopulation({ people: 2_000, seed: 11 });
  const inputs = population.records.map((r) => r.input);
  const records = inputs.map((input) => normalizeRecord(input, BENCH_NORMALIZE));
  const personOf = new Map(population.records.map((r) => [r.input.ref, r.personId]));

  it('notes what the generator did to a record', () => {
    const notes = population.records.flatMap((r) => r.notes);
    for (const note of ['nickname', 'typo-given', 'moved', 'no-birth-date', 'swapped-names'])
      expect(notes).toContain(note);
    // a record without a birth date is noted as such, and only such a record
    for (const r of population.records)
      expect(r.notes.includes('no-birth-date')).toBe(r.input.birthDate === undefined);
  });

  it('classes exactly the pairs precision and recall miss', () => {
    const quality = linkageQuality(oursLink(inputs).clusters, personOf);
    const explanation = explainLinkage(population, records, DEFAULT_MATCH_CONFIG);
    expect(explanation.missedPairs).toBe(quality.truePairs - quality.correctPairs);
    expect(explanation.wrongPairs).toBe(quality.linkedPairs - quality.correctPairs);
    expect(explanation.missedPairs).toBeGreaterThan(0);
    // every missed pair is in exactly one class
    expect(explanation.reasons.reduce((sum, [, n]) => sum + n, 0)).toBe(explanation.missedPairs);
    expect(explanation.lines[0]).toBe(
      `explain: ${explanation.missedPairs} true pairs missed (false negatives), by why:`,
    );
  });
});
