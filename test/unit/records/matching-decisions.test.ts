/** Deterministic rules, the review band, the conflict guards, explanations and clustering. */
import {
  DEFAULT_MATCH_CONFIG,
  LinkClusters,
  decidePair,
  linkRecords,
  matchConfig,
  matchInputFromCustomer,
  type MatchInput,
  type MatchRecord,
} from '../../../records/matching';
import { record } from './matching-support';
import type { Customer } from '../../../mappings/canonical/types';

const anna = (ref: string, extra: Partial<MatchInput> = {}): MatchRecord =>
  record({ ref, givenName: 'Anna', familyName: 'Schmidt', ...extra });

describe('deterministic rules', () => {
  it('links records that hold the same identifier, whatever else differs', () => {
    const crm = record({
      ref: 'crm:4711',
      givenName: 'Anna',
      familyName: 'Schmidt',
      birthDate: '12.03.1985',
    });
    const sap = record({
      ref: 'sap:80042',
      familyName: 'Meyer',
      birthDate: '1962-07-01',
      identifiers: [{ system: 'CRM', id: '4711' }],
    });
    const decision = decidePair(DEFAULT_MATCH_CONFIG, crm, sap);
    expect(decision.outcome).toBe('link');
    expect(decision.explanation.rule).toBe('shared-identifier');
    expect(decision.explanation.summary).toContain('crm:4711');
  });

  it('links on one valid tax id, and keeps apart two different valid ones', () => {
    const a = anna('crm:1', { nationalIds: [{ scheme: 'de-tax-id', value: '86 095 742 719' }] });
    const same = record({
      ref: 'bank:9',
      familyName: 'Fischer',
      nationalIds: [{ scheme: 'de-tax-id', value: '86095742719' }],
    });
    const other = anna('bank:8', { nationalIds: [{ scheme: 'de-tax-id', value: '47036892816' }] });
    expect(decidePair(DEFAULT_MATCH_CONFIG, a, same)).toMatchObject({
      outcome: 'link',
      explanation: { rule: 'national-id' },
    });
    expect(decidePair(DEFAULT_MATCH_CONFIG, a, other)).toMatchObject({
      outcome: 'apart',
      explanation: { rule: 'national-id-conflict' },
    });
  });

  it('leaves two different ids of a scheme without a check to the weights: either may be a typo (FEBRL4 soc_sec_id)', () => {
    const full = {
      birthDate: '1985-03-12',
      addresses: [{ street: 'Hauptstr. 5', postalCode: '80331', city: 'München', country: 'DE' }],
    };
    const a = anna('crm:1', { ...full, nationalIds: [{ scheme: 'au-ssn', value: '1551941' }] });
    const typo = anna('bank:9', { ...full, nationalIds: [{ scheme: 'au-ssn', value: '1551947' }] });
    const decision = decidePair(DEFAULT_MATCH_CONFIG, a, typo);
    expect(decision.explanation.rule).toBe('weights');
    expect(decision.outcome).toBe('link');
    // the same unchecked id still links by rule
    const same = record({
      ref: 'shop:3',
      familyName: 'Fischer',
      nationalIds: [{ scheme: 'au-ssn', value: '155 1941' }],
    });
    expect(decidePair(DEFAULT_MATCH_CONFIG, a, same).explanation.rule).toBe('national-id');
  });

  it('never links by rule on a tax id that fails its check digit', () => {
    const a = record({
      ref: 'crm:1',
      familyName: 'Fischer',
      nationalIds: [{ scheme: 'de-tax-id', value: '86095742718' }],
    });
    const b = record({
      ref: 'crm:2',
      familyName: 'Weber',
      nationalIds: [{ scheme: 'de-tax-id', value: '86095742718' }],
    });
    const decision = decidePair(DEFAULT_MATCH_CONFIG, a, b);
    expect(decision.explanation.rule).toBe('weights');
    expect(decision.outcome).not.toBe('link');
  });

  it('links on the same mailbox when the given name agrees', () => {
    const a = anna('web:1', { emails: ['Anna.Schmidt@googlemail.com'] });
    const b = anna('crm:2', { emails: ['annaschmidt@gmail.com'], birthDate: '1985-03-12' });
    const decision = decidePair(DEFAULT_MATCH_CONFIG, a, b);
    expect(decision).toMatchObject({ outcome: 'link', explanation: { rule: 'email' } });
    expect(decision.explanation.summary).toBe(
      'the same mailbox annaschmidt@gmail.com, and the given name agrees',
    );
  });

  it('does not let a family mailbox link two members of the household', () => {
    const mother = record({
      ref: 'crm:1',
      givenName: 'Anna',
      familyName: 'Kaya',
      birthDate: '1960-01-02',
      emails: ['familie.kaya@web.de'],
    });
    const son = record({
      ref: 'web:2',
      givenName: 'Emre',
      familyName: 'Kaya',
      birthDate: '1990-05-06',
      emails: ['familie.kaya@web.de'],
    });
    const noGivenName = record({ ref: 'sap:3', familyName: 'Kaya', emails: ['familie.kaya@web.de'] });
    const apart = decidePair(DEFAULT_MATCH_CONFIG, mother, son);
    expect(apart.outcome).toBe('apart');
    expect(apart.explanation.summary).toContain(
      'the shared mailbox does not decide, as the given names and birth dates differ',
    );
    expect(decidePair(DEFAULT_MATCH_CONFIG, mother, noGivenName).explanation.rule).toBe('weights');
  });
});

describe('weights and the review band', () => {
  const a = anna('crm:1', {
    birthDate: '12.03.1985',
    addresses: [{ street: 'Hauptstraße 5', postalCode: '80331', city: 'München', country: 'DE' }],
  });
  const b = anna('sap:2', {
    birthDate: '19850312',
    addresses: [{ street: 'Hauptstr. 5', postalCode: '80331', city: 'München', country: 'DE' }],
  });
  const moved = anna('web:3', {
    addresses: [{ street: 'Am Markt 1', postalCode: '53111', city: 'Bonn', country: 'DE' }],
  });

  it('links names, birth date and address that agree, and explains every comparison', () => {
    const decision = decidePair(DEFAULT_MATCH_CONFIG, a, b);
    expect(decision.outcome).toBe('link');
    const { explanation } = decision;
    expect(explanation.rule).toBe('weights');
    expect(explanation.thresholds).toEqual({ link: 16, review: 14 });
    expect(explanation.comparisons.map((c) => [c.field, c.level])).toEqual([
      ['familyName', 'exact'],
      ['givenName', 'exact'],
      ['birthDate', 'exact'],
      ['address', 'exact'],
      ['email', 'missing'],
      ['phone', 'missing'],
      ['nationalId', 'missing'],
    ]);
    const birth = explanation.comparisons[2];
    expect(birth).toMatchObject({ m: 0.86, u: 0.0002, values: ['1985-03-12', '1985-03-12'] });
    expect(birth.weight).toBeCloseTo(Math.log2(0.86 / 0.0002), 10);
    const sum = explanation.comparisons.reduce((s, c) => s + c.weight, 0);
    expect(explanation.totalWeight).toBeCloseTo(sum, 2);
    expect(explanation.summary).toMatch(/^total \d+(\.\d+)? bits \(link ≥ 16, review ≥ 14\): link$/);
  });

  it('keeps names alone apart, and puts them in review once a threshold lets them in', () => {
    const names = decidePair(DEFAULT_MATCH_CONFIG, moved, anna('crm:9'));
    expect(names.outcome).toBe('apart');
    expect(names.explanation.totalWeight).toBeGreaterThan(13);
    const lenient = matchConfig({ reviewThreshold: 13 });
    const review = decidePair(lenient, moved, anna('crm:9'));
    expect(review.outcome).toBe('review');
    expect(review.explanation.thresholds).toEqual({ link: 16, review: 13 });
  });

  it('moves a pair across the band with the thresholds', () => {
    const total = decidePair(DEFAULT_MATCH_CONFIG, a, b).explanation.totalWeight;
    expect(
      decidePair(matchConfig({ linkThreshold: total + 1, reviewThreshold: total - 1 }), a, b).outcome,
    ).toBe('review');
    expect(
      decidePair(matchConfig({ linkThreshold: total + 2, reviewThreshold: total + 1 }), a, b).outcome,
    ).toBe('apart');
  });

  it('refuses thresholds the wrong way round and probabilities outside (0, 1]', () => {
    expect(() => matchConfig({ linkThreshold: 5, reviewThreshold: 10 })).toThrow(
      /reviewThreshold ≤ linkThreshold/,
    );
    expect(() => matchConfig({ levels: { email: { exact: { m: 0, u: 0.1 } } } })).toThrow(/email.exact.m/);
  });

  it('takes a block size cap of 2 or more, or none, and refuses others', () => {
    expect(matchConfig().maxBlockSize).toBe(200);
    expect(matchConfig({ maxBlockSize: 50 }).maxBlockSize).toBe(50);
    expect(matchConfig({ maxBlockSize: Infinity }).maxBlockSize).toBe(Infinity);
    for (const bad of [0, 1, 2.5, -3, NaN]) {
      expect(() => matchConfig({ maxBlockSize: bad })).toThrow(/maxBlockSize must be a whole number ≥ 2/);
    }
  });

  it('takes overridden probabilities into the weights', () => {
    const config = matchConfig({ levels: { birthDate: { exact: { m: 0.5, u: 0.5 } } } });
    const birth = decidePair(config, a, b).explanation.comparisons.find((c) => c.field === 'birthDate');
    expect(birth).toMatchObject({ m: 0.5, u: 0.5, weight: 0 });
    expect(DEFAULT_MATCH_CONFIG.levels.birthDate.exact.m).toBe(0.86);
  });
});

describe('conflict guards', () => {
  const home = [{ street: 'Gartenweg 3', postalCode: '50667', city: 'Köln', country: 'DE' }];
  const phone = ['0171 2345678'];

  it('holds twins (one conflict: the given name) back to review, however much else agrees', () => {
    const lukas = record({
      ref: 'crm:1',
      givenName: 'Lukas',
      familyName: 'Becker',
      birthDate: '2001-04-05',
      addresses: home,
      phones: phone,
    });
    const sophie = record({
      ref: 'crm:2',
      givenName: 'Sophie',
      familyName: 'Becker',
      birthDate: '05.04.2001',
      addresses: home,
      phones: phone,
    });
    const decision = decidePair(DEFAULT_MATCH_CONFIG, lukas, sophie);
    expect(decision.explanation.totalWeight).toBeGreaterThan(16);
    expect(decision.outcome).toBe('review');
    expect(decision.explanation.conflicts).toEqual(['givenName']);
    expect(decision.explanation.summary).toContain('would link, but the given names differ: review');
  });

  it('links despite one conflict when the national id agrees but for one digit, which twins never share', () => {
    const febrl = (ref: string, givenName: string, id: string) =>
      record({
        ref,
        givenName,
        familyName: 'Lowe',
        birthDate: '19651206',
        addresses: [
          {
            street: 'Fergusson Crescent',
            houseNumber: '272',
            postalCode: '6066',
            city: 'Carrara',
            country: 'AU',
          },
        ],
        nationalIds: [{ scheme: 'au-ssn', value: id }],
      });
    const decision = decidePair(
      DEFAULT_MATCH_CONFIG,
      febrl('a:1', 'Madeline', '8520720'),
      febrl('b:1', 'Beau', '8529720'),
    );
    expect(decision.explanation.conflicts).toEqual(['givenName']);
    expect(decision.outcome).toBe('link');
    expect(decision.explanation.summary).toContain(
      'the given names differ, but the national id agrees but for one digit',
    );
    // the same pair with ids far apart stays in review
    const apart = decidePair(
      DEFAULT_MATCH_CONFIG,
      febrl('a:1', 'Madeline', '8520720'),
      febrl('b:1', 'Beau', '1904897'),
    );
    expect(apart.outcome).not.toBe('link');
  });

  it('holds twins with alike given names back to review too: a typo and a sister look the same', () => {
    const becker = (ref: string, givenName: string) =>
      record({
        ref,
        givenName,
        familyName: 'Becker',
        birthDate: '2001-04-05',
        addresses: home,
        phones: phone,
      });
    for (const [x, y] of [
      ['Noah', 'Nora'],
      ['Elias', 'Elena'],
      ['Karl', 'Karin'],
    ]) {
      const decision = decidePair(DEFAULT_MATCH_CONFIG, becker('crm:1', x), becker('crm:2', y));
      expect({ x, y, outcome: decision.outcome, conflicts: decision.explanation.conflicts }).toEqual({
        x,
        y,
        outcome: 'review',
        conflicts: ['givenName'],
      });
    }
  });

  it('links a mistyped formal name with its nickname, and still holds back twins whose names are both in the table', () => {
    const becker = (ref: string, givenName: string) =>
      record({
        ref,
        givenName,
        familyName: 'Becker',
        birthDate: '2001-04-05',
        addresses: home,
        phones: phone,
      });
    const typo = decidePair(DEFAULT_MATCH_CONFIG, becker('crm:1', 'Heinrcih'), becker('sap:1', 'Heinz'));
    expect(typo.outcome).toBe('link');
    expect(typo.explanation.conflicts).toEqual([]);
    const twins = decidePair(DEFAULT_MATCH_CONFIG, becker('crm:1', 'Hannes'), becker('crm:2', 'Johanna'));
    expect(twins.outcome).toBe('review');
    expect(twins.explanation.conflicts).toEqual(['givenName']);
  });

  describe('opposite-sex twins whose names are the male and female form of one name', () => {
    // found by a steward on the real hub: one birth date, one address, their own e-mail addresses
    const twin = (ref: string, givenName: string, familyName: string, extra: Partial<MatchInput> = {}) =>
      record({
        ref,
        givenName,
        familyName,
        birthDate: '1994-08-17',
        addresses: [{ street: 'Rosenstraße 14', postalCode: '90402', city: 'Nürnberg', country: 'DE' }],
        emails: [`${givenName.toLowerCase()}.${familyName.toLowerCase()}@example.de`],
        ...extra,
      });

    it.each([
      ['Peter', 'Petra', 'Meyer'],
      ['Paul', 'Paula', 'Berger'],
      ['Jan', 'Jana', 'Schulz'],
      ['Daniel', 'Daniela', 'Koch'],
      ['Michael', 'Michaela', 'Wolf'],
      ['Christian', 'Christina', 'Lang'],
      ['Christian', 'Christiane', 'Lang'],
      ['Andreas', 'Andrea', 'Roth'],
      ['Stefan', 'Stefanie', 'Vogel'],
      ['Alexander', 'Alexandra', 'Horn'],
      ['Ulrich', 'Ulrike', 'Engel'],
    ])('%s and %s %s (no salutation): a conflict, held back to review, never linked', (he, she, family) => {
      for (const [x, y] of [
        [twin('crm:1', he, family), twin('crm:2', she, family)],
        [twin('crm:2', she, family), twin('crm:1', he, family)],
      ]) {
        const decision = decidePair(DEFAULT_MATCH_CONFIG, x, y);
        expect(decision.explanation.totalWeight).toBeGreaterThan(DEFAULT_MATCH_CONFIG.linkThreshold);
        expect(decision.outcome).toBe('review');
        expect(decision.explanation.conflicts).toEqual(['givenName']);
        expect(decision.explanation.comparisons[1]).toMatchObject({ field: 'givenName', level: 'differ' });
        expect(decision.explanation.comparisons[1].note).toContain('male and female form');
      }
    });

    it('keeps them apart when their birth dates differ too (a brother and sister, not twins)', () => {
      const decision = decidePair(
        DEFAULT_MATCH_CONFIG,
        twin('crm:1', 'Peter', 'Meyer'),
        twin('crm:2', 'Petra', 'Meyer', { birthDate: '1991-02-03' }),
      );
      expect(decision.outcome).toBe('apart');
    });

    it.each([
      ['Herr', 'Frau'],
      ['Mr.', 'Ms.'],
      ['Mr', 'Mrs'],
      ['male', 'female'],
    ])('with the salutations %s and %s: review, even where no table knows the names', (his, hers) => {
      const peter = twin('crm:1', 'Peter', 'Meyer', { salutation: his });
      const petra = twin('sap:2', 'Petra', 'Meyer', { salutation: hers });
      expect(decidePair(DEFAULT_MATCH_CONFIG, peter, petra)).toMatchObject({
        outcome: 'review',
        explanation: { conflicts: ['givenName'] },
      });
      // one typo apart, and the table knows neither name as the other's form: the salutations tell
      const kai = twin('crm:3', 'Kai', 'Meyer', { salutation: his });
      const kaja = twin('sap:4', 'Kaja', 'Meyer', { salutation: hers });
      expect(decidePair(DEFAULT_MATCH_CONFIG, kai, twin('sap:5', 'Kaja', 'Meyer')).outcome).toBe('link');
      const decision = decidePair(DEFAULT_MATCH_CONFIG, kai, kaja);
      expect(decision).toMatchObject({ outcome: 'review', explanation: { conflicts: ['givenName'] } });
      expect(decision.explanation.comparisons[1].note).toContain('salutations');
    });

    it('reads a salutation written into the given name field ("Frau Petra")', () => {
      const decision = decidePair(
        DEFAULT_MATCH_CONFIG,
        twin('crm:3', 'Herr Kai', 'Meyer'),
        twin('sap:4', 'Frau Kaja', 'Meyer'),
      );
      expect(decision.outcome).toBe('review');
    });

    it('still links one person whose salutation a source got wrong: the same given name agrees', () => {
      const decision = decidePair(
        DEFAULT_MATCH_CONFIG,
        twin('crm:1', 'Petra', 'Meyer', { salutation: 'Frau' }),
        twin('sap:2', 'Petra', 'Meyer', { salutation: 'Herr' }),
      );
      expect(decision.outcome).toBe('link');
    });

    it('links the male and female form when both salutations state one sex: one is a typo', () => {
      const decision = decidePair(
        DEFAULT_MATCH_CONFIG,
        twin('crm:1', 'Daniel', 'Koch', { salutation: 'Frau' }),
        twin('sap:2', 'Daniela', 'Koch', { salutation: 'Frau' }),
      );
      expect(decision.outcome).toBe('link');
      expect(decision.explanation.comparisons[1].level).toBe('close-spelling');
    });

    it('still links a nickname, a typo and a name with no sex in its salutation (Dr.)', () => {
      for (const [x, y] of [
        ['Hans', 'Johannes'],
        ['Heinrcih', 'Heinz'],
        ['Petra', 'Petar'],
        ['Paula', 'Paulla'],
      ]) {
        const decision = decidePair(
          DEFAULT_MATCH_CONFIG,
          twin('crm:1', x, 'Meyer', { salutation: 'Dr.' }),
          twin('sap:2', y, 'Meyer', { salutation: 'Frau' }),
        );
        expect({ x, y, outcome: decision.outcome }).toEqual({ x, y, outcome: 'link' });
      }
    });
  });

  it('keeps spouses (given name and birth date both differ) apart', () => {
    const a = record({
      ref: 'crm:1',
      givenName: 'Anna',
      familyName: 'Becker',
      birthDate: '1960-01-02',
      addresses: home,
    });
    const b = record({
      ref: 'crm:2',
      givenName: 'Klaus',
      familyName: 'Becker',
      birthDate: '1958-09-30',
      addresses: home,
    });
    expect(decidePair(DEFAULT_MATCH_CONFIG, a, b)).toMatchObject({
      outcome: 'apart',
      explanation: { rule: 'conflicting-given-name-and-birth-date', conflicts: ['givenName', 'birthDate'] },
    });
  });

  it('reads given and family names crosswise when a source swapped them', () => {
    const a = record({ ref: 'crm:1', givenName: 'Thomas', familyName: 'Weber', birthDate: '1970-02-03' });
    const b = record({ ref: 'sap:2', givenName: 'WEBER', familyName: 'THOMAS', birthDate: '19700203' });
    const decision = decidePair(DEFAULT_MATCH_CONFIG, a, b);
    expect(decision.outcome).toBe('link');
    expect(decision.explanation.nameOrder).toBe('swapped');
    // Crosswise, both readings agree as well; at such a tie the pair whose family name sorts first
    // ("thomas", as SAP wrote it) is read as the family names, so the decision is the same whichever
    // record came first.
    expect(decision.explanation.comparisons.slice(0, 2)).toMatchObject([
      { field: 'familyName', level: 'exact', values: ['thomas', 'thomas'] },
      { field: 'givenName', level: 'exact', values: ['weber', 'weber'] },
    ]);
    const reversed = decidePair(DEFAULT_MATCH_CONFIG, b, a).explanation;
    expect(reversed.totalWeight).toBe(decision.explanation.totalWeight);
    expect(reversed.comparisons.map((c) => c.level)).toEqual(
      decision.explanation.comparisons.map((c) => c.level),
    );
  });
});

describe('names crosswise, with a nickname or an initial', () => {
  const home = [{ street: 'Lindenweg 12', postalCode: '04109', city: 'Leipzig', country: 'DE' }];
  const mueller = record({
    ref: 'crm:1',
    givenName: 'Hans',
    familyName: 'Müller',
    birthDate: '1966-07-21',
    addresses: home,
  });

  it.each([
    ['Johannes', 'nickname'],
    ['H.', 'initial'],
  ])(
    'links "Hans Müller" with a source that wrote "Müller" as given and "%s" as family name',
    (family, level) => {
      const swapped = record({
        ref: 'sap:1',
        givenName: 'MUELLER',
        familyName: family,
        birthDate: '19660721',
        addresses: home,
      });
      for (const [x, y] of [
        [mueller, swapped],
        [swapped, mueller],
      ]) {
        const decision = decidePair(DEFAULT_MATCH_CONFIG, x, y);
        expect(decision.outcome).toBe('link');
        expect(decision.explanation.nameOrder).toBe('swapped');
        expect(decision.explanation.comparisons.slice(0, 2).map((c) => c.level)).toEqual(['exact', level]);
      }
    },
  );

  it('reads no other person into a swap: "Müller" / "Peter" against Hans Müller stays a conflict', () => {
    const peter = record({
      ref: 'sap:2',
      givenName: 'MUELLER',
      familyName: 'Peter',
      birthDate: '19660721',
      addresses: home,
    });
    const decision = decidePair(DEFAULT_MATCH_CONFIG, mueller, peter);
    expect(decision.outcome).not.toBe('link');
    expect(decision.explanation.conflicts).toEqual(['givenName']);
    expect(decidePair(DEFAULT_MATCH_CONFIG, peter, mueller).explanation.totalWeight).toBe(
      decision.explanation.totalWeight,
    );
  });
});

describe('clusters', () => {
  it('refuses a link that would chain two people kept apart, and lists it for review', () => {
    // Two tax-id holders (kept apart) and a record without one that looks like both.
    const home = [{ street: 'Gartenweg 3', postalCode: '50667', city: 'Köln', country: 'DE' }];
    const first = anna('bank:1', {
      birthDate: '1985-03-12',
      addresses: home,
      nationalIds: [{ scheme: 'de-tax-id', value: '86095742719' }],
    });
    const second = anna('bank:2', {
      birthDate: '1985-03-12',
      addresses: home,
      nationalIds: [{ scheme: 'de-tax-id', value: '47036892816' }],
    });
    const between = anna('crm:3', { birthDate: '12.03.1985', addresses: home });
    const result = linkRecords([first, second, between]);
    expect(result.clusters).toEqual([['bank:1', 'crm:3'], ['bank:2']]);
    expect(result.reviews).toHaveLength(1);
    expect(result.reviews[0].explanation.summary).toContain('refused, as it would join');
  });

  it('keeps a pair held back for a conflict apart, as the golden intake does (father and son of one name)', () => {
    const home = [{ street: 'Eichenallee 9', postalCode: '20095', city: 'Hamburg', country: 'DE' }];
    const becker = (ref: string, birthDate?: string) =>
      record({
        ref,
        givenName: 'Thomas',
        familyName: 'Becker',
        addresses: home,
        ...(birthDate ? { birthDate } : {}),
      });
    const father = becker('sf:1', '1950-01-01');
    const son = becker('sf:2', '1980-06-15');
    const undated = becker('sap:3');
    expect(decidePair(DEFAULT_MATCH_CONFIG, father, son).explanation.conflicts).toEqual(['birthDate']);
    for (const order of [
      [father, son, undated],
      [undated, son, father],
    ]) {
      const { clusters } = linkRecords(order);
      expect(clusters.some((c) => c.includes('sf:1') && c.includes('sf:2'))).toBe(false);
    }
  });

  it('gives the same clusters for any arrival order', () => {
    const records = [
      anna('crm:1', { birthDate: '1985-03-12' }),
      anna('sap:2', { birthDate: '19850312', emails: ['a.s@web.de'] }),
      anna('web:3', { emails: ['a.s@web.de'] }),
      record({ ref: 'crm:4', givenName: 'Klaus', familyName: 'Schmidt', birthDate: '1950-01-01' }),
    ];
    const expected = linkRecords(records).clusters;
    expect(expected).toEqual([['crm:1', 'sap:2', 'web:3'], ['crm:4']]);
    expect(linkRecords([...records].reverse()).clusters).toEqual(expected);
    expect(linkRecords([records[2], records[0], records[3], records[1]]).clusters).toEqual(expected);
  });

  it('keeps a pair kept apart out of one cluster even when links would chain them', () => {
    const clusters = new LinkClusters();
    clusters.keepApart('a', 'c');
    expect(clusters.link('a', 'b')).toBeUndefined();
    expect(clusters.link('b', 'c')).toEqual(['a', 'c']);
    expect(clusters.sameCluster('a', 'b')).toBe(true);
    expect(clusters.sameCluster('b', 'c')).toBe(false);
  });
});

describe('matchInputFromCustomer', () => {
  it('reads a canonical customer, tax ids among the identifiers', () => {
    const customer: Customer = {
      schemaVersion: '1.0',
      customerRef: 'sap:0000080042',
      kind: 'person',
      person: {
        salutation: 'Frau',
        title: 'Dr.',
        givenName: 'Anna',
        middleNames: ['Maria'],
        familyName: 'Schmidt',
      },
      birthDate: '1985-03-12',
      addresses: [
        {
          type: 'postal',
          street: 'Leopoldstraße',
          houseNumber: '12',
          postalCode: '80802',
          city: 'München',
          country: 'DE',
        },
      ],
      emails: [{ address: 'anna@web.de', type: 'home' }],
      phones: [{ number: '+491712345678', type: 'mobile' }],
      identifiers: [
        { system: 'sap', id: '0000080042' },
        { system: 'crm', id: '4711' },
        { system: 'de-tax-id', id: '86095742719' },
      ],
      updatedAt: '2025-01-01T10:00:00Z',
      source: { system: 'sap' },
    };
    const input = matchInputFromCustomer(customer);
    expect(input).toMatchObject({
      ref: 'sap:0000080042',
      salutation: 'Frau',
      givenName: 'Anna Maria',
      familyName: 'Schmidt',
      identifiers: [
        { system: 'sap', id: '0000080042' },
        { system: 'crm', id: '4711' },
      ],
      nationalIds: [{ scheme: 'de-tax-id', value: '86095742719' }],
    });
    const crm = record({ ref: 'crm:4711', givenName: 'Someone', familyName: 'Else' });
    expect(decidePair(DEFAULT_MATCH_CONFIG, record(input), crm).explanation.rule).toBe('shared-identifier');
  });
});
