import type { InteractionEvent } from '../../../mappings/canonical/types';
import type { HistoryEntry, PolicyStateStore } from '../../../records/store';
import { compileCard, PolicyCardError, type PolicyCard } from '../../../policies/card';
import { PolicyEngine } from '../../../policies/engine';
import { compileCondition, ExpressionError } from '../../../policies/expression';
import {
  compileHistoryCondition,
  historyNeeds,
  HistoryConditionError,
  InMemoryHistory,
  type HistoryView,
} from '../../../policies/history';
import { baseCurrencyOf, isCurrencyCode } from '../../../policies/money';
import { StoredHistory } from '../../../policies/stored-history';
import { DAY, T0, eventFactory, platinumCard } from './fixtures';

/** The mission's example card, as the README writes it: a bare threshold. */
const platinum: PolicyCard = {
  policy: 'platinum-large-withdrawal',
  title: { de: 'Platin-Kunde hebt mehr als 10.000 ab', en: 'Platinum customer withdraws over 10,000' },
  when: 'event withdrawal where amount > 10000',
  if: 'customer.tier == "platinum"',
  then: 'call-task to sales-rep within 1d',
  priority: 80,
};

const event = eventFactory({ type: 'withdrawal', channel: 'branch' });
const withdrawal = (value: number, currency: string, atMs = T0): InteractionEvent =>
  event('withdrawal', atMs, { amount: { value, currency } });

function evaluate(card: PolicyCard, item: InteractionEvent) {
  const engine = new PolicyEngine();
  engine.register(compileCard(card, { baseCurrency: 'EUR' }), 'node');
  return engine.evaluate(item, {
    isEnabled: () => true,
    now: new Date(T0),
    customer: { tier: 'platinum' },
  });
}

describe('money thresholds and currencies', () => {
  it('does not fire the platinum card for 10,001 JPY (about 60 EUR), and says why', () => {
    const result = evaluate(platinum, withdrawal(10_001, 'JPY'));
    expect(result.decisions).toEqual([]);
    const [explanation] = result.explanations;
    expect(explanation.outcome).toBe('not-matched');
    expect(explanation.reason).toContain('currency JPY ≠ EUR');
  });

  it('fires it for 10,001 EUR', () => {
    expect(evaluate(platinum, withdrawal(10_001, 'EUR')).decisions).toHaveLength(1);
  });

  it('does not add yen to euros in a window sum', () => {
    const condition = compileHistoryCondition('sum withdrawal.amount within 7d > 20000');
    const history = new InMemoryHistory();
    history.record(withdrawal(12_000, 'EUR', T0 - DAY));
    history.record(withdrawal(9_000, 'JPY', T0));
    expect(condition.check(history.view('crm:4711'), T0)).toMatchObject({ held: false, actual: 12_000 });
  });

  it('takes the currency written after the threshold, and a bare one in the base currency', () => {
    const yen = compileCondition('amount > 10000 JPY');
    expect(yen.test({ amount: { value: 10_001, currency: 'JPY' } })).toBe(true);
    expect(yen.test({ amount: { value: 10_001, currency: 'EUR' } })).toBe(false);
    expect(yen.terms).toEqual([
      { path: 'amount', op: '>', literal: 10_000, currency: 'JPY', text: 'amount > 10000 JPY' },
    ]);
    const francs = compileCondition('amount >= 500', { baseCurrency: 'CHF' });
    expect(francs.test({ amount: { value: 500, currency: 'CHF' } })).toBe(true);
    expect(francs.test({ amount: { value: 500, currency: 'EUR' } })).toBe(false);
  });

  it('judges amount.value in the currency of its money as well', () => {
    const condition = compileCondition('amount.value > 10000');
    expect(condition.test({ amount: { value: 10_001, currency: 'JPY' } })).toBe(false);
    expect(condition.test({ amount: { value: 10_001, currency: 'EUR' } })).toBe(true);
  });

  it('never holds across currencies, whatever the operator, and explains the mismatch', () => {
    const yen = { amount: { value: 5, currency: 'JPY' } };
    for (const op of ['>', '>=', '<', '<=', '==', '!=']) {
      expect([op, compileCondition(`amount ${op} 5`).test(yen)]).toEqual([op, false]);
    }
    expect(compileCondition('amount < 100')(yen).checks).toEqual([
      {
        condition: 'amount < 100',
        held: false,
        actual: 5,
        money: { currency: 'JPY', threshold: 'EUR' },
      },
    ]);
  });

  it('takes an amount without a currency in the base currency, and says so', () => {
    const condition = compileCondition('amount > 10000');
    expect(condition({ amount: { value: 10_001 } }).checks).toEqual([
      {
        condition: 'amount > 10000',
        held: true,
        actual: 10_001,
        money: { currency: 'EUR', threshold: 'EUR', assumed: true },
      },
    ]);
    // a plain number is in the base currency too: it meets a EUR threshold, not a USD one
    expect(compileCondition('data.amount > 100 EUR').test({ data: { amount: 101 } })).toBe(true);
    expect(compileCondition('data.amount > 100 USD').test({ data: { amount: 101 } })).toBe(false);
  });

  it('leaves plain numbers against a bare threshold as they were: minutes have no currency', () => {
    const condition = compileCondition('data.delayMinutes >= 120');
    expect(condition({ data: { delayMinutes: 150 } })).toEqual({
      held: true,
      checks: [{ condition: 'data.delayMinutes >= 120', held: true, actual: 150 }],
    });
    const missing = compileCondition('amount != 5')({});
    expect(missing).toEqual({
      held: true,
      checks: [{ condition: 'amount != 5', held: true, actual: null, missing: true }],
    });
  });

  it('refuses an unknown currency code at compile time, naming it', () => {
    expect(() => compileCondition('amount > 10000 XYZ')).toThrow(ExpressionError);
    expect(() => compileCondition('amount > 10000 XYZ')).toThrow(
      'unknown currency "XYZ": expected an ISO 4217 code in capitals like EUR, USD, JPY at position 16',
    );
    expect(() => compileCondition('amount > 10000 eur')).toThrow('unknown currency "eur"');
    const card = { ...platinum, when: 'event withdrawal where amount > 10000 DEM' };
    expect(() => compileCard(card)).toThrow(PolicyCardError);
    expect(() => compileCard(card)).toThrow(/when \(where\): unknown currency "DEM"/);
    const sum = { ...platinum, history: 'sum withdrawal.amount within 7d > 20000 EUX' };
    expect(() => compileCard(sum)).toThrow(/history: unknown currency "EUX"/);
    expect(() => compileHistoryCondition('count withdrawal within 7d >= 2 EUR')).toThrow(
      HistoryConditionError,
    );
    const notMoney = { ...platinum, when: 'event withdrawal where source.version > 3 EUR' };
    expect(() => compileCard(notMoney)).toThrow(/"source.version" is no money/);
    // "and" after a number is still the conjunction
    expect(compileCondition('amount > 1 and channel == "web"').terms).toHaveLength(2);
  });

  it('makes another base currency another card version, and leaves the default one as it hashed before', () => {
    const [eur, chf, none] = [
      compileCard(platinumCard, { baseCurrency: 'EUR' }),
      compileCard(platinumCard, { baseCurrency: 'CHF' }),
      compileCard(platinumCard),
    ];
    expect(chf.version.hash).not.toBe(eur.version.hash);
    expect(none.version.hash).toBe(eur.version.hash);
  });

  it('reads the base currency from CRM_HUB_BASE_CURRENCY, EUR by default, and refuses an unknown one', () => {
    expect(baseCurrencyOf({})).toBe('EUR');
    expect(baseCurrencyOf({ CRM_HUB_BASE_CURRENCY: 'CHF' })).toBe('CHF');
    expect(() => baseCurrencyOf({ CRM_HUB_BASE_CURRENCY: 'EURO' })).toThrow(
      'CRM_HUB_BASE_CURRENCY "EURO" is not an ISO 4217 currency code',
    );
    expect(isCurrencyCode('JPY')).toBe(true);
    expect(isCurrencyCode('jpy')).toBe(false);
    const saved = process.env.CRM_HUB_BASE_CURRENCY;
    try {
      process.env.CRM_HUB_BASE_CURRENCY = 'CHF';
      expect(compileCard(platinum).baseCurrency).toBe('CHF');
      process.env.CRM_HUB_BASE_CURRENCY = 'XX';
      expect(() => compileCard(platinum)).toThrow(/base currency: CRM_HUB_BASE_CURRENCY "XX"/);
    } finally {
      if (saved === undefined) delete process.env.CRM_HUB_BASE_CURRENCY;
      else process.env.CRM_HUB_BASE_CURRENCY = saved;
    }
  });
});

/** keeps the history it is given; nothing else */
function historyStore(): PolicyStateStore & { entries: HistoryEntry[] } {
  const entries: HistoryEntry[] = [];
  const unused = () => Promise.reject(new Error('not used'));
  return {
    entries,
    appendHistory: async (entry) => {
      entries.push(structuredClone(entry));
      return true;
    },
    listHistory: async (ref) => entries.filter((e) => e.customerRef === ref),
    takeCaps: unused,
    releaseCaps: unused,
    countCap: unused,
    putWait: unused,
    claimDueWaits: unused,
    completeWait: unused,
  };
}

describe('window sums and currencies', () => {
  const euros = compileHistoryCondition('sum withdrawal.amount within 7d > 20000');
  const yen = compileHistoryCondition('sum withdrawal.amount within 7d >= 1000000 JPY');
  const events = [
    withdrawal(12_000, 'EUR', T0 - 2 * DAY),
    withdrawal(900_000, 'JPY', T0 - DAY),
    withdrawal(100_000, 'JPY', T0 - DAY + 1),
    withdrawal(9_000, 'EUR', T0),
  ];

  async function storedView(): Promise<{ view: HistoryView; store: ReturnType<typeof historyStore> }> {
    const store = historyStore();
    const needs = historyNeeds([euros, yen]);
    const history = new StoredHistory({ store, needs: () => needs, responseRetentionMs: () => DAY });
    for (const item of events) await history.record(item, T0);
    return { view: history.view('crm:4711'), store };
  }

  function memoryView(): HistoryView {
    const history = new InMemoryHistory();
    for (const item of events) history.record(item);
    return history.view('crm:4711');
  }

  it('adds only the amounts in the threshold currency, in memory and in the store, naming those left out', async () => {
    const { view: stored, store } = await storedView();
    // the store keeps each amount under its currency, so a restart still tells yen from euros
    expect(store.entries.map((entry) => entry.values)).toEqual([
      { 'amount@EUR': 12_000 },
      { 'amount@JPY': 900_000 },
      { 'amount@JPY': 100_000 },
      { 'amount@EUR': 9_000 },
    ]);
    for (const view of [memoryView(), stored]) {
      expect(euros.check(view, T0)).toEqual({
        condition: 'sum withdrawal.amount within 7d > 20000',
        held: true,
        actual: 21_000,
        money: { currency: 'EUR', threshold: 'EUR', leftOut: { JPY: 1_000_000 } },
      });
      expect(yen.check(view, T0)).toMatchObject({
        held: true,
        actual: 1_000_000,
        money: { currency: 'JPY', leftOut: { EUR: 21_000 } },
      });
      expect(euros.test(view, T0 - 1)).toBe(false);
    }
  });

  it('reads values kept without a currency (before currencies, or plain numbers) in the base currency', async () => {
    const store = historyStore();
    const legacy = (eventId: string, value: number): HistoryEntry => ({
      customerRef: 'crm:4711',
      eventId,
      type: 'withdrawal',
      occurredAt: new Date(T0 - DAY).toISOString(),
      values: { amount: value },
    });
    store.entries.push(legacy('old-1', 15_000), legacy('old-2', 6_000));
    const needs = historyNeeds([euros, yen]);
    const history = new StoredHistory({ store, needs: () => needs, responseRetentionMs: () => DAY });
    await history.record(withdrawal(500_000, 'JPY', T0), T0);
    const view = history.view('crm:4711');
    expect(euros.check(view, T0)).toMatchObject({ held: true, actual: 21_000 });
    expect(yen.check(view, T0)).toMatchObject({ actual: 500_000, money: { leftOut: { EUR: 21_000 } } });
    const francs = compileHistoryCondition('sum withdrawal.amount within 7d > 0', { baseCurrency: 'CHF' });
    expect(francs.check(view, T0)).toMatchObject({ held: true, actual: 21_000 });
  });

  it('says in the explanation which amounts a sum left out', () => {
    const card: PolicyCard = {
      ...platinum,
      when: 'event withdrawal',
      history: 'sum withdrawal.amount within 7d > 20000',
    };
    const engine = new PolicyEngine();
    engine.register(compileCard(card, { baseCurrency: 'EUR' }), 'node');
    const history = new InMemoryHistory();
    const last = withdrawal(9_000, 'JPY', T0);
    history.record(withdrawal(12_000, 'EUR', T0 - DAY));
    history.record(last);
    const result = engine.evaluate(last, {
      isEnabled: () => true,
      now: new Date(T0),
      customer: { tier: 'platinum' },
      history: history.view('crm:4711'),
    });
    expect(result.decisions).toEqual([]);
    expect(result.explanations[0].reason).toBe(
      'not matched: sum withdrawal.amount within 7d > 20000 (actual: 12000 EUR; left out: 9,000 JPY (currency ≠ EUR))',
    );
  });
});
