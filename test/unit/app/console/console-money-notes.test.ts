import { makeI18n } from '../../../../console/src/i18n';
import { moneyNotes, otherCurrenciesText } from '../../../../console/src/views/reason-text';

const en = makeI18n('en', () => undefined);
const de = makeI18n('de', () => undefined);

describe("the console's notes on a money check", () => {
  it('says an amount in another currency was not compared, in both languages', () => {
    const money = { currency: 'JPY', threshold: 'EUR' };
    expect(moneyNotes(en, money)).toEqual(['currency JPY ≠ EUR: not compared']);
    expect(moneyNotes(de, money)).toEqual(['Währung JPY ≠ EUR: nicht verglichen']);
  });

  it('says an amount without a currency was taken in the base currency, and names what a sum left out', () => {
    expect(moneyNotes(en, { currency: 'EUR', threshold: 'EUR', assumed: true })).toEqual([
      'no currency given: taken as EUR',
    ]);
    const sum = { currency: 'EUR', threshold: 'EUR', leftOut: { JPY: 1_000_000, USD: 250.5 } };
    expect(moneyNotes(en, sum)).toEqual(['left out (currency ≠ EUR): 1,000,000 JPY, 250.5 USD']);
    expect(moneyNotes(de, sum)).toEqual(['nicht mitgezählt (Währung ≠ EUR): 1.000.000 JPY, 250,5 USD']);
    expect(moneyNotes(en, { currency: 'EUR', threshold: 'EUR' })).toEqual([]);
  });

  it("says under a dry-run's not-matched count how many events were in other currencies", () => {
    expect(otherCurrenciesText(de, { JPY: 1200, USD: 1 })).toBe(
      'Beträge in einer anderen Währung als der der Karte, nicht verglichen: 1.200 × JPY, 1 × USD',
    );
    expect(otherCurrenciesText(en, {})).toBeUndefined();
    expect(otherCurrenciesText(en, undefined)).toBeUndefined();
  });
});
