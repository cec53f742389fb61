/**
 * Code tables: legacy codes to canonical values and back. A table is a JSON file in code-tables/
 * ({ entries, aliases }) or an inline object in the spec; the country table is built from
 * i18n-iso-countries (codes, German and English names) plus the legacy aliases in country.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import countries from 'i18n-iso-countries';
import { TransformOptionError, isPlainObject } from './transform-support';

export interface CodeTable {
  name: string;
  /** legacy code -> canonical value, aliases included */
  forward: Map<string, string>;
  /** canonical value -> the one legacy code written for it */
  reverse: Map<string, string>;
  /** lookups ignore case (country names, ISO codes) */
  caseInsensitive: boolean;
  /** the legacy codes as the data writes them, for messages: forward's keys are lower case when case is ignored */
  codes: readonly string[];
}

export const COUNTRY_FORMATS = ['alpha-2', 'alpha-3', 'numeric', 'name-de', 'name-en'] as const;
export type CountryFormat = (typeof COUNTRY_FORMATS)[number];

const TABLE_NAME = /^[a-z][A-Za-z0-9-]*$/;
const tableDir = path.join(__dirname, 'code-tables');
const cache = new Map<string, CodeTable>();

/** "accountGroup" and "account-group" name the same file, account-group.json. */
function fileName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

export function listCodeTables(): string[] {
  return fs
    .readdirSync(tableDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -5).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()))
    .sort();
}

export function loadCodeTable(name: string): CodeTable {
  const cached = cache.get(name);
  if (cached) return cached;
  if (typeof name !== 'string' || !TABLE_NAME.test(name)) {
    throw new TransformOptionError(`code: table name ${JSON.stringify(name)} is not a valid name`);
  }
  const file = path.join(tableDir, `${fileName(name)}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such table' : (error as Error).message;
    throw new TransformOptionError(
      `code: table "${name}": ${reason} (known: ${listCodeTables().join(', ')})`,
    );
  }
  if (!isPlainObject(raw)) throw new TransformOptionError(`code: table file ${file} must hold an object`);
  const table = name === 'country' ? countryTable(raw) : tableFrom(name, raw.entries, raw.aliases);
  cache.set(name, table);
  return table;
}

/** Builds a table from { legacy: canonical } entries; each canonical value needs one legacy code. */
export function tableFrom(name: string, entries: unknown, aliases: unknown = {}): CodeTable {
  const forward = new Map<string, string>();
  const reverse = new Map<string, string>();
  if (!isPlainObject(entries) || Object.keys(entries).length === 0) {
    throw new TransformOptionError(
      `code: table "${name}" needs entries { "<legacy code>": "<canonical value>" }`,
    );
  }
  if (!isPlainObject(aliases))
    throw new TransformOptionError(`code: table "${name}": aliases must be an object`);
  for (const [code, value] of Object.entries(entries)) {
    if (typeof value !== 'string')
      throw new TransformOptionError(`code: table "${name}": entry "${code}" must map to a string`);
    const earlier = reverse.get(value);
    if (earlier !== undefined) {
      throw new TransformOptionError(
        `code: table "${name}" maps both "${earlier}" and "${code}" to "${value}", so it cannot be reversed; move one to "aliases"`,
      );
    }
    forward.set(code, value);
    reverse.set(value, code);
  }
  for (const [code, value] of Object.entries(aliases)) {
    if (typeof value !== 'string' || !reverse.has(value)) {
      throw new TransformOptionError(
        `code: table "${name}": alias "${code}" must map to a value of the entries`,
      );
    }
    if (forward.has(code) && forward.get(code) !== value)
      throw new TransformOptionError(`code: table "${name}": alias "${code}" contradicts its entry`);
    forward.set(code, value);
  }
  return { name, forward, reverse, caseInsensitive: false, codes: [...forward.keys()] };
}

let countryLocalesRegistered = false;

function registerCountryLocales(): void {
  if (countryLocalesRegistered) return;
  // The language files are JSON shipped with the package; require keeps them out of the type check.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  countries.registerLocale(require('i18n-iso-countries/langs/de.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  countries.registerLocale(require('i18n-iso-countries/langs/en.json'));
  countryLocalesRegistered = true;
}

function countryTable(raw: Record<string, unknown>): CodeTable {
  registerCountryLocales();
  const forward = new Map<string, string>();
  const reverse = new Map<string, string>();
  // Earlier spellings win, so an ISO code is never shadowed by some other country's name.
  const add = (spelling: string, alpha2: string): void => {
    const key = spelling.trim().toLowerCase();
    if (key !== '' && !forward.has(key)) forward.set(key, alpha2);
  };
  const alpha2Codes = Object.keys(countries.getAlpha2Codes());
  for (const code of alpha2Codes) {
    add(code, code);
    reverse.set(code, code);
  }
  for (const [alpha3, alpha2] of Object.entries(countries.getAlpha3Codes())) add(alpha3, alpha2);
  for (const [numeric, alpha2] of Object.entries(countries.getNumericCodes())) add(numeric, alpha2);
  for (const lang of ['de', 'en']) {
    for (const code of alpha2Codes) {
      const names = countries.getName(code, lang, { select: 'all' }) ?? [];
      for (const name of names) add(name, code);
    }
  }
  const aliases = raw.aliases ?? {};
  if (!isPlainObject(aliases))
    throw new TransformOptionError('code: table "country": aliases must be an object');
  for (const [spelling, code] of Object.entries(aliases)) {
    if (typeof code !== 'string' || !reverse.has(code)) {
      throw new TransformOptionError(
        `code: table "country": alias "${spelling}" must map to an ISO alpha-2 code`,
      );
    }
    const known = forward.get(spelling.toLowerCase());
    if (known !== undefined && known !== code) {
      throw new TransformOptionError(`code: table "country": alias "${spelling}" would override "${known}"`);
    }
    add(spelling, code);
  }
  return { name: 'country', forward, reverse, caseInsensitive: true, codes: alpha2Codes };
}

/** The legacy spelling of an ISO alpha-2 code for the country table's reverse direction. */
export function countryAs(format: CountryFormat, alpha2: string): string | undefined {
  registerCountryLocales();
  switch (format) {
    case 'alpha-2':
      return alpha2;
    case 'alpha-3':
      return countries.alpha2ToAlpha3(alpha2);
    case 'numeric':
      return countries.alpha2ToNumeric(alpha2);
    case 'name-de':
      return countries.getName(alpha2, 'de');
    case 'name-en':
      return countries.getName(alpha2, 'en');
  }
}
