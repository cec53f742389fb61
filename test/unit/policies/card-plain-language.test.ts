import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCard, type PolicyCard } from '../../../policies/card';
import { describeCard, describeCardBoth } from '../../../policies/card-plain-language';
import { cardFromConfig, type PolicyDef } from '../../../nodes/policy/card-config';
import { addressChangeCard, platinumCard, unansweredComplaintCard } from './fixtures';

const platinum: PolicyCard = {
  policy: 'platinum-large-withdrawal',
  title: { de: 'Platin-Kunde hebt mehr als 10.000 ab', en: 'Platinum customer withdraws over 10,000' },
  when: 'event withdrawal where amount > 10000',
  if: 'customer.tier == "platinum"',
  then: 'call-task to sales-rep within 1d',
  limits: { 'per-customer': '1 per 7d', global: '200 per day' },
  priority: 80,
};

const mortgage: PolicyCard = {
  policy: 'address-change-mortgage',
  version: 2,
  title: { de: 'Adressänderung → Hypothekenangebot', en: 'Address change → mortgage offer' },
  when: 'event address-changed via call-center',
  then: 'web-offer mortgage to web within 30d',
  limits: { 'per-customer': '1 per 7d' },
  priority: 60,
};

function shippedCards(): PolicyCard[] {
  const flows = JSON.parse(readFileSync(join(__dirname, '../../../flows/hub.json'), 'utf8')) as {
    type: string;
  }[];
  return flows
    .filter((node) => node.type === 'policy')
    .map((node) => cardFromConfig(node as unknown as PolicyDef));
}

describe('describeCard', () => {
  it('tells the platinum-withdrawal card in both languages', () => {
    const both = describeCardBoth(platinum);
    expect(both.en.sentence).toBe(
      'When a platinum customer withdraws more than 10,000 EUR, a sales rep calls the customer within 1 day.',
    );
    expect(both.de.sentence).toBe(
      'Wenn ein Platin-Kunde mehr als 10.000 EUR abhebt, ruft ein Vertriebsmitarbeiter den Kunden innerhalb eines Tages an.',
    );
    // the compiler reads where-paths from the event; a draft that writes event.amount reads the same
    const draft = { ...platinum, when: 'event withdrawal where event.amount.value > 10_000' };
    expect(describeCardBoth(draft)).toEqual(both);
    expect(both.en.title).toBe('Platinum customer withdraws over 10,000');
    expect(both.de.title).toBe('Platin-Kunde hebt mehr als 10.000 ab');
    expect(both.en.details).toEqual([
      'Per customer: at most 1 action in 7 days',
      'For all customers together: at most 200 actions per day',
      'Priority: 80',
      'Version 1',
    ]);
    expect(both.de.details).toEqual([
      'Pro Kunde: höchstens 1 Aktion in 7 Tagen',
      'Für alle Kunden zusammen: höchstens 200 Aktionen pro Tag',
      'Priorität: 80',
      'Version 1',
    ]);
  });

  it('tells the address-change mortgage card in both languages', () => {
    expect(describeCard(mortgage, 'en').sentence).toBe(
      'When a customer changes their address via the call center, the customer sees a mortgage offer on the website for 30 days.',
    );
    expect(describeCard(mortgage, 'de').sentence).toBe(
      'Wenn ein Kunde über das Call-Center seine Adresse ändert, sieht der Kunde 30 Tage lang ein Hypothekenangebot auf der Webseite.',
    );
    expect(describeCard(mortgage, 'de').details).toContain('Version 2');
  });

  it('accepts a compiled policy through its card', () => {
    expect(describeCardBoth(compileCard(platinum))).toEqual(describeCardBoth(platinum));
  });

  it('tells a lurking card as waiting for the next contact', () => {
    const lurking: PolicyCard = {
      policy: 'mortgage-young-families',
      mode: 'lurking',
      title: { de: 'Baufinanzierung', en: 'Mortgage' },
      if: ['customer.segment == "young-families"', 'customer.tier in ["gold", "platinum"]'],
      then: 'web-offer mortgage to app within 14d',
      priority: 55,
    };
    compileCard(lurking);
    expect(describeCard(lurking, 'en').sentence).toBe(
      'Waits until a gold or platinum customer next makes contact (any channel) and the customer\'s segment is "young-families"; then the customer sees a mortgage offer in the app for 14 days.',
    );
    expect(describeCard(lurking, 'de').sentence).toBe(
      'Wartet, bis ein Gold- oder Platin-Kunde das nächste Mal (auf einem beliebigen Kanal) Kontakt aufnimmt und das Kundensegment „young-families“ ist; dann sieht der Kunde 14 Tage lang ein Hypothekenangebot in der App.',
    );
  });

  it('tells history conditions: counts, sums, sequences and absences', () => {
    const card: PolicyCard = {
      policy: 'unanswered-complaints',
      title: { de: 'Beschwerden', en: 'Complaints' },
      when: 'event complaint via app, web',
      history: [
        'count complaint within 30d >= 2',
        'no complaint-answered within 2d',
        'sum withdrawal.amount within 7d > 20000',
        'address-changed then web-visit within 7d',
      ],
      then: 'escalation to branch-manager within 2d; email apology-letter to email',
      escalation: { until: 'complaint-answered', steps: ['regional-manager within 1d', 'head-of-service'] },
      priority: 90,
    };
    compileCard(card);
    const both = describeCardBoth(card);
    expect(both.en.sentence).toBe(
      'When a customer complains via the app or the website and the customer has had a complaint at least twice within 30 days and no answer to the complaint follows within 2 days and the total of the customer\'s withdrawals within 7 days is more than 20,000 EUR and the customer had an address change followed by a website visit within 7 days, the case goes to the branch manager, who must answer within 2 days and the customer gets the offer "apology-letter" by e-mail.',
    );
    expect(both.de.sentence).toBe(
      'Wenn ein Kunde sich über die App oder die Webseite beschwert und der Kunde innerhalb von 30 Tagen mindestens zweimal eine Beschwerde hatte und innerhalb von 2 Tagen danach keine Antwort auf die Beschwerde folgt und die Summe der Abhebungen innerhalb von 7 Tagen mehr als 20.000 EUR ist und der Kunde erst eine Adressänderung und innerhalb von 7 Tagen danach einen Webseitenbesuch hatte, geht der Fall an die Filialleitung (Antwort innerhalb von 2 Tagen) und der Kunde erhält das Angebot „apology-letter“ per E-Mail.',
    );
    expect(both.en.details).toContain(
      'Escalation: the branch manager (within 2 days), then the regional manager (within 1 day), then the head of service; stops once the customer gets an answer to a complaint',
    );
    expect(both.de.details).toContain(
      'Eskalation: die Filialleitung (innerhalb von 2 Tagen), dann die Regionalleitung (innerhalb eines Tages), dann die Serviceleitung; endet, sobald der Kunde eine Antwort auf eine Beschwerde erhält',
    );
  });

  it('lists limits, cooldown, schedule, holdout, priority and score', () => {
    const card: PolicyCard = {
      ...platinum,
      then: 'sms delay-apology to sms within 2h',
      limits: {
        'per-customer': '1 per 7d',
        'per-channel': { sms: '3 per 30d' },
        global: '5000 per day',
        cooldown: '30d after reject or ignore',
      },
      schedule: {
        from: '2025-04-01',
        to: '2025-06-30',
        hours: 'Mon-Fri 09:00-18:00',
        'time-zone': 'Europe/Berlin',
      },
      holdout: '12.5%',
      score: { propensity: 0.05, value: 4500, weight: 1 },
      version: 3,
    };
    compileCard(card);
    expect(describeCard(card, 'en').details).toEqual([
      'Per customer: at most 1 action in 7 days',
      'Per channel (SMS): at most 3 actions in 30 days',
      'For all customers together: at most 5,000 actions per day',
      'Cooldown: no action for 30 days after the customer rejects or ignores it',
      'Active from April 1, 2025 to June 30, 2025 at Mon-Fri 09:00-18:00 (Europe/Berlin)',
      'Control group: 12.5% of customers get no action',
      'Priority: 80',
      'Score: propensity 0.05 × value 4,500 × weight 1',
      'Version 3',
    ]);
    expect(describeCard(card, 'de').details).toEqual([
      'Pro Kunde: höchstens 1 Aktion in 7 Tagen',
      'Pro Kanal (SMS): höchstens 3 Aktionen in 30 Tagen',
      'Für alle Kunden zusammen: höchstens 5.000 Aktionen pro Tag',
      'Pause: 30 Tage lang keine Aktion, nachdem der Kunde sie abgelehnt oder ignoriert hat',
      'Aktiv vom 1. April 2025 bis 30. Juni 2025 zu den Zeiten Mo-Fr 09:00-18:00 (Europe/Berlin)',
      'Kontrollgruppe: 12,5 % der Kunden erhalten keine Aktion',
      'Priorität: 80',
      'Score: Neigung 0,05 × Wert 4.500 × Gewicht 1',
      'Version 3',
    ]);
    expect(describeCard(card, 'de').sentence).toBe(
      'Wenn ein Platin-Kunde mehr als 10.000 EUR abhebt, erhält der Kunde innerhalb von 2 Stunden eine Entschuldigung per SMS.',
    );
  });

  it('humanises operators and quotes unknown terms instead of failing', () => {
    const card: PolicyCard = {
      policy: 'odd-terms',
      title: { de: 'x', en: 'x' },
      when: 'event loyalty-bonus where data.points >= 1_500 or channel == "branch"',
      if: 'customer.tags contains "vip" and customer.tier != "basic"',
      then: 'fax brochure to head-office',
      priority: 1,
    };
    compileCard(card);
    expect(describeCard(card, 'en').sentence).toBe(
      'When a customer has a "loyalty-bonus" event and (the field "data.points" is at least 1,500 or the channel is a branch) and the customer\'s tags contain "vip" and the customer\'s tier is not basic, the action "fax" with the offer "brochure" goes to "head-office".',
    );
    expect(describeCard(card, 'de').sentence).toBe(
      'Wenn ein Kunde ein Ereignis „loyalty-bonus“ hat und (das Feld „data.points“ mindestens 1.500 ist oder der Kanal eine Filiale ist) und die Kundenmerkmale „vip“ enthalten und der Kundenstatus nicht Basis ist, geht die Aktion „fax“ mit „brochure“ an „head-office“.',
    );
  });

  it('tells every card shipped in flows/hub.json in both languages', () => {
    const cards = shippedCards();
    expect(cards.length).toBeGreaterThanOrEqual(5);
    const sentences = Object.fromEntries(
      cards.map((card) => {
        compileCard(card);
        const both = describeCardBoth(card);
        for (const lang of ['de', 'en'] as const) {
          expect(both[lang].sentence).toMatch(
            lang === 'de' ? /^(Wenn|Wartet, bis) .+\.$/ : /^(When|Waits until) .+\.$/,
          );
          // every term found its words: no raw card grammar and no unknown-term fallback is left
          expect(both[lang].sentence).not.toMatch(
            /==|\bwithin \d+[a-z]\b|\bevent\b|Ereignis|the field|das Feld|the action|die Aktion/,
          );
          expect(both[lang].title).toBe(card.title[lang]);
          expect(both[lang].details).toContain(
            `${lang === 'de' ? 'Priorität' : 'Priority'}: ${card.priority}`,
          );
        }
        return [card.policy, both];
      }),
    );
    expect(sentences['platinum-large-withdrawal'].en.sentence).toBe(
      'When a platinum customer withdraws more than 10,000 EUR, a sales rep calls the customer within 1 day.',
    );
    expect(sentences['address-change-mortgage'].de.sentence).toBe(
      'Wenn ein Kunde über das Call-Center seine Adresse ändert, sieht der Kunde 30 Tage lang ein Hypothekenangebot auf der Webseite.',
    );
    expect(sentences['delay-apology-sms'].en.sentence).toBe(
      'When a gold or platinum customer has a delayed flight or has a delayed delivery and the delay is at least 120 minutes, the customer gets an apology by SMS within 2 hours.',
    );
    expect(sentences['delay-apology-sms'].de.details).toContain(
      'Kontrollgruppe: 5 % der Kunden erhalten keine Aktion',
    );
    expect(sentences['second-complaint-escalation'].de.sentence).toBe(
      'Wenn ein Kunde sich beschwert und der Kunde innerhalb von 30 Tagen mindestens zweimal eine Beschwerde hatte, geht der Fall an die Filialleitung (Antwort innerhalb von 2 Tagen).',
    );
    expect(sentences['mortgage-young-families'].en.sentence).toBe(
      'Waits until a silver, gold or platinum customer next makes contact via the website, the app or the call center and the customer\'s segment is "young-families"; then the customer sees a mortgage offer on the website for 30 days.',
    );
  });

  it('tells the unit-test fixture cards', () => {
    expect(describeCard(platinumCard, 'en').sentence).toBe(
      'When a platinum customer withdraws more than 10,000 EUR, a sales rep calls the customer within 1 day.',
    );
    expect(describeCard(addressChangeCard, 'en').sentence).toMatch(/^When a customer changes their address/);
    expect(describeCardBoth(unansweredComplaintCard)).toMatchObject({
      en: {
        sentence:
          'When a customer complains and no answer to the complaint follows within 2 days, the case goes to the regional manager.',
      },
      de: {
        sentence:
          'Wenn ein Kunde sich beschwert und innerhalb von 2 Tagen danach keine Antwort auf die Beschwerde folgt, geht der Fall an die Regionalleitung.',
      },
    });
  });

  it('falls back to the raw text for what it cannot read, without throwing', () => {
    const odd = {
      policy: 'half-edited',
      title: { de: 'Entwurf', en: 'Draft' },
      when: 'whenever it rains',
      if: 'customer.tier ~= "gold"',
      history: 'twice a week',
      then: 'do something nice',
      limits: { 'per-customer': 'often', cooldown: 'a while' },
      schedule: { hours: 'weekends' },
      holdout: 'some',
      priority: 5,
    } as PolicyCard;
    const both = describeCardBoth(odd);
    expect(both.en.sentence).toBe(
      'When a customer does "whenever it rains" and "customer.tier ~= "gold"" holds and "twice a week" holds, "do something nice" happens.',
    );
    expect(both.de.sentence).toBe(
      'Wenn ein Kunde „whenever it rains“ auslöst und „customer.tier ~= "gold"“ gilt und „twice a week“ gilt, geschieht „do something nice“.',
    );
    expect(both.en.details).toEqual([
      'Per customer: "often"',
      'Cooldown: "a while"',
      'Active at weekends',
      'Control group: "some"',
      'Priority: 5',
      'Version 1',
    ]);
  });

  it('names the currency of every amount: the one written, else the base currency', () => {
    const yen = { ...platinum, when: 'event withdrawal where amount > 10000 JPY' };
    expect(describeCard(yen, 'en').sentence).toBe(
      'When a platinum customer withdraws more than 10,000 JPY, a sales rep calls the customer within 1 day.',
    );
    expect(describeCard(yen, 'de').sentence).toBe(
      'Wenn ein Platin-Kunde mehr als 10.000 JPY abhebt, ruft ein Vertriebsmitarbeiter den Kunden innerhalb eines Tages an.',
    );
    // a bare threshold: the options', else the compiled policy's base currency
    expect(describeCard(platinum, 'en', { baseCurrency: 'CHF' }).sentence).toContain('more than 10,000 CHF');
    const compiled = compileCard(platinum, { baseCurrency: 'USD' });
    expect(describeCard(compiled, 'en').sentence).toContain('more than 10,000 USD');
    const sums = {
      ...platinum,
      when: 'event withdrawal',
      if: 'event.data.fee > 5 GBP',
      history: ['sum withdrawal.amount within 7d > 500 USD', 'sum purchase.data.points within 30d >= 100'],
    };
    const en = describeCard(sums, 'en').sentence;
    expect(en).toContain('the field "event.data.fee" is more than 5 GBP');
    expect(en).toContain("the total of the customer's withdrawals within 7 days is more than 500 USD");
    // points are no money: no currency
    expect(en).toContain('within 30 days is at least 100, a sales rep');
  });
});
