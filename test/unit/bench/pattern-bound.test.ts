import { dateDigits, labelledPairs, patternBound, type LabelledPair } from '../../../bench/_pattern-bound';
import { DEFAULT_MATCH_CONFIG, normalizeRecord } from '../../../records/matching';

describe('pattern bound (the floor of a linkage goal)', () => {
  it('names which digits of two birth dates differ', () => {
    expect(dateDigits('1963-10-29', '1963-10-26')).toBe('d1');
    expect(dateDigits('1963-10-29', '1953-10-29')).toBe('y2');
    expect(dateDigits('1963-10-29', '1963-03-29')).toBe('2-digits');
    expect(dateDigits('1963-12-29', '1963-21-29')).toBe('swap');
  });

  it('labels the candidate pairs with the truth and the pattern the matcher saw', () => {
    const records = [
      { ref: 'a', givenName: 'Stefan', familyName: 'Schwarz', birthDate: '1963-10-29' },
      { ref: 'b', givenName: 'Stefan', familyName: 'Schwarz', birthDate: '1963-10-26' },
      { ref: 'c', givenName: 'Stefan', familyName: 'Schwarz', birthDate: '1963-10-29' },
    ].map((input) => normalizeRecord(input));
    const pairs = labelledPairs(records, [1, 2, 1], DEFAULT_MATCH_CONFIG);
    expect(pairs.map((p) => p.same)).toEqual([false, true, false]);
    expect(pairs[0].pattern).toContain('birthDate:one-digit-off');
    expect(pairs[0].pattern).toContain('d1');
    expect(pairs[1].pattern).toContain('birthDate:exact');
    expect(pairs[1].weight).toBeGreaterThan(pairs[0].weight);
  });

  it('ranks by what the other half of the people showed, so a pattern the weight overrates falls back', () => {
    // pattern "good": always a match, weighed low; pattern "bad": never one, weighed high
    const pairs: LabelledPair[] = [];
    for (let person = 0; person < 40; person++) {
      pairs.push({ pattern: 'good', weight: 15, same: true, person });
      pairs.push({ pattern: 'bad', weight: 20, same: false, person });
    }
    const bound = patternBound(pairs, 40, [1], 16, 5);
    expect(bound.weightAlone[0]).toEqual({ recall: 1, precision: 0.5, falseLinks: 40 });
    expect(bound.crossValidated[0].median).toEqual({ recall: 1, precision: 1, falseLinks: 0 });
    expect(bound.inSample[0].precision).toBe(1);
    expect(bound.patterns).toBe(2);
  });

  it('gains nothing from a pattern that is as often a match as not', () => {
    const pairs: LabelledPair[] = [];
    for (let person = 0; person < 200; person++)
      pairs.push({ pattern: 'coin', weight: 17, same: person % 2 === 0, person });
    const bound = patternBound(pairs, 100, [1], 16, 9);
    expect(bound.crossValidated[0].median.precision).toBeCloseTo(0.5, 1);
  });
});
