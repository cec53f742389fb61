/**
 * Money in policy cards. A threshold is in one currency: the one written after it (`amount > 10000
 * JPY`), else the hub's base currency (CRM_HUB_BASE_CURRENCY, EUR by default). An amount in another
 * currency neither meets the threshold nor enters a sum: the hub keeps no exchange rates, and a yen
 * amount read as euros fires a sales call for 60 euros. An amount that states no currency (a plain
 * number, a legacy `{value}`) is taken in the base currency, as legacy systems that send none mean it.
 */

export const DEFAULT_BASE_CURRENCY = 'EUR';
export const BASE_CURRENCY_VARIABLE = 'CRM_HUB_BASE_CURRENCY';

let known: ReadonlySet<string> | undefined;

/** An ISO 4217 code in use, as the runtime's ICU knows them (EUR, JPY, CHF, … not DEM). */
export function isCurrencyCode(code: string): boolean {
  known ??= new Set(Intl.supportedValuesOf('currency'));
  return known.has(code);
}

/** The hub's base currency from the environment; throws, naming the variable, for an unknown code. */
export function baseCurrencyOf(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[BASE_CURRENCY_VARIABLE]?.trim();
  if (!given) return DEFAULT_BASE_CURRENCY;
  if (!isCurrencyCode(given)) {
    throw new Error(
      `${BASE_CURRENCY_VARIABLE} "${given}" is not an ISO 4217 currency code (e.g. EUR, CHF, USD)`,
    );
  }
  return given;
}

/** An amount as a threshold judges it. */
export interface Amount {
  value: number;
  /** absent when the value stated none (a plain number, or money without a currency) */
  currency?: string;
}

/** A number, or a money object's value and currency; undefined for anything else. */
export function amountOf(value: unknown): Amount | undefined {
  if (typeof value === 'number') return { value };
  if (typeof value !== 'object' || value === null) return undefined;
  const money = value as { value?: unknown; currency?: unknown };
  if (typeof money.value !== 'number') return undefined;
  return typeof money.currency === 'string' && money.currency !== ''
    ? { value: money.value, currency: money.currency }
    : { value: money.value };
}

/** whether the value is a money object ({value: number, …}), not a plain number */
export function isMoney(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'number'
  );
}

/** What a check of a money comparison or sum reports besides its value. */
export interface MoneyCheck {
  /** the currency the amount was taken in (for a sum: the threshold's, of every amount it added) */
  currency: string;
  /** the threshold's currency: as written, or the base currency */
  threshold: string;
  /** the amount stated no currency and was taken in the base currency */
  assumed?: true;
  /** sums: the window's amounts in other currencies, left out, totalled per currency */
  leftOut?: Record<string, number>;
}

const formatter = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

/** e.g. "currency JPY ≠ EUR", "no currency, taken as EUR", "left out: 9,000 JPY"; undefined if none */
export function moneyNote(money: MoneyCheck): string | undefined {
  const notes: string[] = [];
  if (money.currency !== money.threshold) notes.push(`currency ${money.currency} ≠ ${money.threshold}`);
  else if (money.assumed) notes.push(`no currency, taken as ${money.currency}`);
  const leftOut = Object.entries(money.leftOut ?? {});
  if (leftOut.length > 0) {
    const amounts = leftOut.map(([currency, total]) => `${formatter.format(total)} ${currency}`);
    notes.push(`left out: ${amounts.join(', ')} (currency ≠ ${money.threshold})`);
  }
  return notes.length > 0 ? notes.join('; ') : undefined;
}
