import { compileCard, type PolicyCard } from '../../../policies/card';
import { parseCardYaml } from '../../../policies/card-files';
import { contentHash, nextVersion } from '../../../policies/version';
import { platinumCard } from './fixtures';

const compact = `policy: platinum-large-withdrawal
title: { de: "Platin-Kunde hebt mehr als 10.000 ab", en: "Platinum customer withdraws over 10,000" }
when: event withdrawal where amount.value > 10000
if: customer.tier == "platinum"
then: call-task to sales-rep within 1d
limits: { per-customer: 1 per 7d, global: 200 per day }
priority: 80
`;

// the same card: other key order, block style, comments, extra spaces outside quotes
const spread = `# reviewed by marketing
priority: 80
limits:
  global: 200   per day
  per-customer: 1 per 7d
then:   call-task to sales-rep   within 1d
if: 'customer.tier   ==  "platinum"'
when: >-
  event withdrawal
  where amount.value > 10000
title:
  en: Platinum customer withdraws over 10,000
  de: Platin-Kunde hebt mehr als 10.000 ab
policy: platinum-large-withdrawal
`;

describe('card versions', () => {
  it('the hash is the same over key order, layout and whitespace, wherever the card was written', () => {
    const fromYaml = parseCardYaml(compact).version;
    expect(fromYaml).toEqual({ number: 1, hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(parseCardYaml(spread).version).toEqual(fromYaml);
    // a card from a policy node (an object, with an empty `if` left in) is the same card too
    expect(compileCard({ ...platinumCard }).version).toEqual(fromYaml);
    expect(contentHash({ ...platinumCard, mode: undefined, schedule: null })).toBe(fromYaml.hash);
  });

  it('hashes the forms a policy node and a YAML file write differently as one card', () => {
    const yaml = parseCardYaml(`${compact}holdout: 5%\n`).version.hash;
    const asNode = (card: Partial<PolicyCard>) =>
      compileCard({ ...platinumCard, holdout: '5%', ...card }).version.hash;
    // a node always says its mode, writes its history as a list, and its holdout as typed
    expect(asNode({ mode: 'trigger' })).toBe(yaml);
    expect(asNode({ if: ['customer.tier == "platinum"'], then: ['call-task to sales-rep within 1d'] })).toBe(
      yaml,
    );
    expect([asNode({ holdout: 5 }), asNode({ holdout: ' 5 %' })]).toEqual([yaml, yaml]);
    expect(compileCard({ ...platinumCard, holdout: '0%' }).version.hash).toBe(
      parseCardYaml(compact).version.hash,
    );
    // what does change the meaning still changes the hash
    expect(asNode({ mode: 'lurking', when: undefined, limits: undefined })).not.toBe(yaml);
    expect(asNode({ holdout: '6%' })).not.toBe(yaml);
    expect(asNode({ if: ['customer.tier == "platinum"', 'customer.segment == "private"'] })).not.toBe(yaml);
  });

  it('the hash changes with anything that changes meaning, quoted text included', () => {
    const base = contentHash(platinumCard);
    const changed = [
      { ...platinumCard, priority: 81 },
      { ...platinumCard, if: 'customer.tier == "gold"' },
      { ...platinumCard, if: 'customer.tier == "platinum "' },
      { ...platinumCard, title: { ...platinumCard.title, en: 'Platinum withdrawal' } },
      { ...platinumCard, limits: { 'per-customer': '1 per 7d' } },
      { ...platinumCard, holdout: '10%' },
    ].map(contentHash);
    expect(new Set([base, ...changed]).size).toBe(changed.length + 1);
  });

  it("the version number is the card's own and not part of the content", () => {
    const v1 = compileCard(platinumCard).version;
    const v2 = compileCard({ ...platinumCard, version: 2 }).version;
    expect(v2).toEqual({ number: 2, hash: v1.hash });
  });

  it('nextVersion counts up only when the content changed', () => {
    const first = nextVersion(undefined, 'aaaa');
    expect(first).toEqual({ number: 1, hash: 'aaaa' });
    expect(nextVersion(first, 'aaaa')).toBe(first);
    expect(nextVersion(first, 'bbbb')).toEqual({ number: 2, hash: 'bbbb' });
  });
});
