import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InteractionEvent } from '../../../mappings/canonical/types';
import { CardFileError, loadCardFolder, parseCardYaml } from '../../../policies/card-files';
import { PolicyEngine } from '../../../policies/engine';
import { withdrawalEvent } from './fixtures';

/** The example card of DESIGN.md ("Interaction policies"), verbatim. */
const DESIGN_CARD = `policy: platinum-large-withdrawal
title: { de: "Platin-Kunde hebt mehr als 10.000 ab", en: "Platinum customer withdraws over 10,000" }
when: event withdrawal where amount > 10000
if: customer.tier == "platinum"
then: call-task to sales-rep within 1d
limits: { per-customer: 1 per 7d, global: 200 per day }
priority: 80
`;

function errorOf(text: string, file = 'card.yaml'): CardFileError {
  try {
    parseCardYaml(text, file);
  } catch (error) {
    if (error instanceof CardFileError) return error;
    throw error;
  }
  throw new Error('expected the card to be rejected');
}

describe('cards as YAML files', () => {
  it('reads the DESIGN.md example card verbatim and it decides as the design says', () => {
    const policy = parseCardYaml(DESIGN_CARD);
    expect(policy).toMatchObject({
      id: 'platinum-large-withdrawal',
      title: { de: 'Platin-Kunde hebt mehr als 10.000 ab', en: 'Platinum customer withdraws over 10,000' },
      eventTypes: ['withdrawal'],
      actions: [{ action: 'call-task', to: 'sales-rep', within: '1d' }],
      limits: { perCustomer: { text: '1 per 7d' }, global: { text: '200 per day' } },
      priority: 80,
    });
    const engine = new PolicyEngine();
    engine.register(policy);
    const context = {
      isEnabled: () => true,
      customer: { tier: 'platinum' },
      now: new Date('2026-11-22T10:00:00Z'),
    };
    const big = engine.evaluate(withdrawalEvent('e-1', 'crm:1', 10_001) as InteractionEvent, context);
    expect(big.decisions).toMatchObject([
      {
        policyId: 'platinum-large-withdrawal',
        cardVersion: policy.version,
        action: 'call-task',
        channel: 'sales-rep',
      },
    ]);
    const small = engine.evaluate(withdrawalEvent('e-2', 'crm:2', 10_000) as InteractionEvent, context);
    expect(small.explanations[0].reason).toBe('not matched: amount > 10000 (actual: 10000 EUR)');
  });

  it('names the line and the field of a card error', () => {
    const cases: [string, number, string, RegExp][] = [
      [
        DESIGN_CARD.replace(
          'limits: { per-customer: 1 per 7d, global: 200 per day }',
          'limits:\n  global: 200 per day\n  per-customer: once a week',
        ),
        8,
        'limits.per-customer',
        /expected "<count> per <duration>"/,
      ],
      [DESIGN_CARD + 'wen: event withdrawal\n', 8, 'wen', /unknown field/],
      [
        DESIGN_CARD + 'history:\n  - count withdrawal within 30d >= 2\n  - withdrawals twice\n',
        10,
        'history[2]',
        /expected "count <type>/,
      ],
      [DESIGN_CARD.replace('amount > 10000', 'amount >> 10000'), 3, 'when (where)', /expected an operator/],
      [
        DESIGN_CARD.replace('then: call-task to sales-rep within 1d', 'then: call-task to sales-rep; sms to'),
        5,
        'then[2]',
        /expected "<action>/,
      ],
      [DESIGN_CARD.replace('en: "Platinum', 'fr: "Platinum'), 2, 'title.fr', /unknown language/],
      [
        DESIGN_CARD + 'schedule:\n  time-zone: Europe/Berlin\n  hours: Mon-Fri 9-18\n',
        10,
        'schedule.hours',
        /HH:MM-HH:MM/,
      ],
      [
        DESIGN_CARD.replace('policy: platinum-large-withdrawal', 'policy: Platinum'),
        1,
        'policy',
        /kebab-case/,
      ],
      // a comparison that can never hold is a typo that would switch the card off silently
      [
        DESIGN_CARD.replace('amount > 10000', 'amount > "10000"'),
        3,
        'when (where)',
        /"amount" is money, compared by its value: ">" needs a number, got "10000"/,
      ],
      [
        DESIGN_CARD.replace('"platinum"', '"Platinum"'),
        4,
        'if',
        /"customer.tier" is one of "basic", "silver", "gold", "platinum"; "Platinum" is none of them/,
      ],
    ];
    for (const [text, line, field, problem] of cases) {
      const error = errorOf(text, 'platinum.yaml');
      expect([field, error.line, error.field, error.message]).toEqual([
        field,
        line,
        field,
        expect.stringMatching(
          new RegExp(`^platinum\\.yaml: line ${line}, field ${field.replace(/[[\]().]/g, '\\$&')}: `),
        ),
      ]);
      expect([field, error.problem]).toEqual([field, expect.stringMatching(problem)]);
    }
  });

  it('names the line and the field of a YAML syntax error', () => {
    const cases: [string, number, string, RegExp][] = [
      [DESIGN_CARD + 'priority: 90\n', 8, 'priority', /unique/],
      [
        DESIGN_CARD.replace(
          'limits: { per-customer: 1 per 7d, global: 200 per day }',
          'limits:\n  per-customer: 1 per 7d\n   global: 200 per day',
        ),
        7,
        'limits.per-customer',
        /./,
      ],
      [
        DESIGN_CARD + 'history:\n  - count withdrawal within 30d >= 2\n  - "unterminated\n',
        10,
        'history[2]',
        /quote/,
      ],
      [DESIGN_CARD + '---\npolicy: second\n', 8, 'card', /one card per file/],
      ['', 1, 'card', /one card: a map of fields/],
      ['- policy: a\n', 1, 'card', /one card: a map of fields/],
    ];
    for (const [text, line, field, problem] of cases) {
      const error = errorOf(text);
      expect([field, error.line, error.field, error.problem]).toEqual([
        field,
        line,
        field,
        expect.stringMatching(problem),
      ]);
    }
  });

  it('refuses aliases, so what a card says is what it means', () => {
    const text = DESIGN_CARD.replace('priority: 80', 'priority: &p 80\nversion: *p');
    const error = errorOf(text);
    expect([error.line, error.field, error.problem]).toEqual([
      8,
      'version',
      expect.stringMatching(/aliases/),
    ]);
  });
});

describe('loading a folder of cards', () => {
  let directory = '';
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-cards-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('loads the good cards and reports each bad one with file, line and field', async () => {
    writeFileSync(join(directory, 'a-platinum.yaml'), DESIGN_CARD);
    writeFileSync(
      join(directory, 'b-broken.yml'),
      DESIGN_CARD.replace('policy: platinum-large-withdrawal', 'policy: broken').replace(
        'priority: 80',
        'priority: high',
      ),
    );
    writeFileSync(join(directory, 'c-copy.yaml'), DESIGN_CARD);
    writeFileSync(
      join(directory, 'd-mortgage.yaml'),
      DESIGN_CARD.replace('platinum-large-withdrawal', 'address-change-mortgage')
        .replace('event withdrawal where amount > 10000', 'event address-changed via call-center')
        .replace('if: customer.tier == "platinum"\n', ''),
    );
    writeFileSync(join(directory, 'notes.txt'), 'not a card');
    mkdirSync(join(directory, 'drafts.yaml'));

    const folder = await loadCardFolder(directory);
    expect(folder.cards.map((card) => [card.file, card.policy.id])).toEqual([
      ['a-platinum.yaml', 'platinum-large-withdrawal'],
      ['d-mortgage.yaml', 'address-change-mortgage'],
    ]);
    expect(folder.errors.map((error) => error.message)).toEqual([
      'b-broken.yml: line 7, field priority: must be a number, a whole one from 0 to 1000, got "high"',
      'c-copy.yaml: line 1, field policy: "platinum-large-withdrawal" is already the policy of a-platinum.yaml',
    ]);
  });

  it('an empty folder has no cards and no errors; a missing one is an error of its own', async () => {
    expect(await loadCardFolder(directory)).toEqual({ cards: [], errors: [] });
    await expect(loadCardFolder(join(directory, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});

describe('docs/policies.md', () => {
  it('every example card in the reference compiles', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'policies.md'), 'utf8');
    const cards = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1])
      .filter((text) => text.startsWith('policy:'));
    expect(cards.length).toBeGreaterThanOrEqual(5);
    const failures = cards.flatMap((text) => {
      try {
        parseCardYaml(text, /^policy: (\S+)/.exec(text)?.[1] ?? 'card');
        return [];
      } catch (error) {
        return [(error as Error).message];
      }
    });
    expect(failures).toEqual([]);
    // the German example is there and is the lurking card of the reference
    const german = cards.find((text) => text.startsWith('policy: hypothek-junge-familien'));
    expect(german && parseCardYaml(german)).toMatchObject({
      mode: 'lurking',
      title: { de: 'Baufinanzierung für junge Familien' },
      description: { de: expect.stringContaining('Gehaltseingang') },
    });
  });
});
