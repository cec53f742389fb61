/**
 * Named value transforms for mapping specs. A spec names a transform either bare ("trim") or with its
 * option ({ "prefix": "crm:" }). Each entry checks its option once at compile time, throwing a
 * TransformOptionError that says what it expected, and returns the closure that runs per record.
 * Adding a transform is one entry in `transforms`; the families live in their own modules.
 */
import { COUNTRY_FORMATS, countryAs, loadCodeTable, tableFrom, type CodeTable } from './code-tables';
import { isPhoneCountry, normalizeEmail, toE164 } from './contact';
import { DATE_INPUTS, DATE_OUTPUTS, formatDate, parseDate, sapDigitsToIso } from './dates';
import { DECIMAL_LOCALES, formatDecimal, parseDecimal } from './decimal';
import { entriesToObject } from './entries';
import { joinName, joinStreet, splitName, splitStreet } from './names';
import { compileGetter } from './path';
import { compileSourceRef } from './source-ref';
import {
  TransformError,
  TransformOptionError,
  asText,
  describe,
  isPlainObject,
  noOption,
  oneOf,
  optionObject,
  optionString,
  optionalBoolean,
  optionalInteger,
  quote,
  type TransformFn,
} from './transform-support';

export { TransformError, TransformOptionError, type TransformFn } from './transform-support';

export interface TransformDefinition {
  /** one line for docs and error messages, including the option shape */
  usage: string;
  /** when false the transform may be written bare, without an option */
  needsOption: boolean;
  /**
   * Most transforms leave a missing value (undefined, null) alone, so the engine skips them for it;
   * "default" and "const" are the exceptions, they exist to fill missing values.
   */
  handlesMissing?: boolean;
  create(option: unknown): TransformFn;
}

/** Doubles carry 15 significant decimal digits exactly; past that an amount would change. */
const MAX_EXACT_DIGITS = 15;

/**
 * The digits of a number's text past its leading zeros, and past the trailing zeros of its fraction:
 * "0.0500" has 1, "12000" 5 (an integer's zeros count: 10^22 is no amount to round), "1.5e22" 2.
 */
function significantDigits(text: string): number {
  const mantissa = text.replace(/^[+-]/, '').replace(/[eE].*$/, '');
  const [whole, fraction = ''] = mantissa.split('.');
  return (whole + fraction.replace(/0+$/, '')).replace(/^0+/, '').length;
}

function parseNumber(option: unknown): TransformFn {
  let decimal = '.';
  if (option !== undefined && option !== true) {
    const { decimalSeparator } = optionObject(
      'number',
      option,
      ['decimalSeparator'],
      'no option or { "decimalSeparator": "," }',
    );
    if (decimalSeparator !== '.' && decimalSeparator !== ',') {
      throw new TransformOptionError('number: decimalSeparator must be "." or ","');
    }
    decimal = decimalSeparator;
  }
  const group = decimal === '.' ? /[,_\s]/g : /[._\s]/g;
  return (value) => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TransformError('number', `${value} is not a finite number`);
      return value;
    }
    const text = asText('number', value).trim().replace(group, '');
    const normalized = decimal === ',' ? text.replace(',', '.') : text;
    const parsed = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(normalized) ? Number(normalized) : NaN;
    if (!Number.isFinite(parsed)) throw new TransformError('number', `${quote(value)} is not a number`);
    if (significantDigits(normalized) > MAX_EXACT_DIGITS) {
      throw new TransformError('number', `${quote(value)} has more digits than can be kept exactly`);
    }
    return parsed;
  };
}

/**
 * "0004711" -> "4711", "000" -> "0", the way /^0+(?=.)/ would replace: a zero stays when only a line
 * break (which "." does not match) or nothing follows the zeros.
 */
const ALL_DIGITS = /^\d+$/;

function stripLeadingZeros(text: string): string {
  let zeros = 0;
  while (zeros < text.length && text.charCodeAt(zeros) === 48) zeros++;
  if (zeros === 0) return text;
  const next = text.charCodeAt(zeros);
  const keepOne = zeros === text.length || next === 10 || next === 13 || next === 0x2028 || next === 0x2029;
  return text.slice(keepOne ? zeros - 1 : zeros);
}

function pad(name: 'padStart' | 'padEnd'): TransformDefinition {
  const usage = `{ "${name}": { "length": 10, "char": "0" } }`;
  return {
    usage: `${usage}: pads on the ${name === 'padStart' ? 'left' : 'right'} to the length (char defaults to a space)`,
    needsOption: true,
    create: (option) => {
      const { length, char = ' ' } = optionObject(name, option, ['length', 'char'], usage);
      if (!Number.isInteger(length) || (length as number) < 1 || (length as number) > 1000) {
        throw new TransformOptionError(
          `${name} needs { "length": <integer 1..1000>, "char"?: "<one character>" }`,
        );
      }
      if (typeof char !== 'string' || char.length !== 1)
        throw new TransformOptionError(`${name}: char must be one character`);
      const size = length as number;
      return name === 'padStart'
        ? (value) => asText(name, value).padStart(size, char)
        : (value) => asText(name, value).padEnd(size, char);
    },
  };
}

const TRUE_WORDS = ['x', 'j', 'y', '1', 'true', 'ja', 'yes'];
const FALSE_WORDS = ['', 'n', '0', 'false', 'nein', 'no'];

function wordList(key: string, value: unknown, fallback: string[]): Set<string> {
  if (value === undefined) return new Set(fallback);
  if (!Array.isArray(value) || !value.every((word) => typeof word === 'string')) {
    throw new TransformOptionError(`boolean: "${key}" must be a list of texts, e.g. ["X"]`);
  }
  return new Set(value.map((word: string) => word.trim().toLowerCase()));
}

function codeTransform(option: unknown): TransformFn {
  const usage =
    '{ "code": { "table": "country" | "tier" | "accountGroup" | { "<legacy>": "<canonical>" }, "reverse"?: true, "default"?: <value>, "as"?: "alpha-3" } }';
  const spec = optionObject('code', option, ['table', 'reverse', 'default', 'as'], usage);
  let table: CodeTable;
  if (typeof spec.table === 'string') table = loadCodeTable(spec.table);
  else if (isPlainObject(spec.table)) table = tableFrom('inline', spec.table);
  else throw new TransformOptionError(`code needs ${usage}`);
  const reverse = optionalBoolean('code', 'reverse', spec.reverse, false);
  const hasDefault = spec.default !== undefined;
  const fallback = spec.default;
  if (spec.as !== undefined && (table.name !== 'country' || !reverse)) {
    throw new TransformOptionError('code: "as" applies to the country table in reverse only');
  }
  const as = spec.as === undefined ? 'alpha-3' : oneOf('code', 'as', spec.as, COUNTRY_FORMATS);
  const lookup = reverse ? table.reverse : table.forward;
  const direction = reverse ? 'canonical value' : 'code';
  return (value) => {
    const text = asText('code', value).trim();
    if (text === '') return undefined;
    const key = table.caseInsensitive ? (reverse ? text.toUpperCase() : text.toLowerCase()) : text;
    const found = lookup.get(key);
    if (found === undefined) {
      if (hasDefault) return fallback;
      const known = reverse ? [...lookup.keys()] : table.codes;
      const list = known.length > 12 ? `${known.slice(0, 12).join(', ')}, ...` : known.join(', ');
      throw new TransformError(
        'code',
        `${quote(value)} is not a ${direction} in code table "${table.name}" (known: ${list})`,
      );
    }
    return table.name === 'country' && reverse ? countryAs(as, found) : found;
  };
}

function phoneTransform(option: unknown): TransformFn {
  const usage =
    '"phone" or { "phone": { "defaultCountry": "DE" } } or { "phone": { "defaultCountryFrom": "LAND1" } }';
  const spec = optionObject('phone', option, ['defaultCountry', 'defaultCountryFrom'], usage);
  if (spec.defaultCountry !== undefined && spec.defaultCountryFrom !== undefined)
    throw new TransformOptionError('phone: give defaultCountry or defaultCountryFrom, not both');
  if (spec.defaultCountry !== undefined) {
    const country = spec.defaultCountry;
    if (!isPhoneCountry(country))
      throw new TransformOptionError(
        `phone: defaultCountry ${quote(country)} is not an ISO alpha-2 country code`,
      );
    return (value) => toE164(value, country);
  }
  if (spec.defaultCountryFrom !== undefined) {
    if (typeof spec.defaultCountryFrom !== 'string')
      throw new TransformOptionError('phone: defaultCountryFrom must be a field path, e.g. "LAND1"');
    let get: (scope: unknown) => unknown;
    try {
      get = compileGetter(spec.defaultCountryFrom);
    } catch (error) {
      throw new TransformOptionError(`phone: defaultCountryFrom: ${(error as Error).message}`);
    }
    const countries = loadCodeTable('country');
    return (value, scope) => {
      const raw = get(scope);
      const code = typeof raw === 'string' ? countries.forward.get(raw.trim().toLowerCase()) : undefined;
      return toE164(value, isPhoneCountry(code) ? code : undefined);
    };
  }
  return (value) => toE164(value, undefined);
}

function separatorOption(
  name: string,
  option: unknown,
  extra: readonly string[],
): Record<string, unknown> & { separator: string } {
  const usage = `{ "${name}": "," } or { "${name}": { "separator": ",", ... } }`;
  const spec =
    typeof option === 'string'
      ? { separator: option }
      : optionObject(name, option, ['separator', ...extra], usage);
  // Joining with "" concatenates (SAP date + time fields); splitting on "" would mean nothing useful.
  if (typeof spec.separator !== 'string' || (spec.separator === '' && name === 'split'))
    throw new TransformOptionError(
      `${name} needs a ${name === 'split' ? 'non-empty ' : ''}separator text: ${usage}`,
    );
  return { ...spec, separator: spec.separator };
}

export const transforms: Record<string, TransformDefinition> = {
  trim: {
    usage: '"trim": removes surrounding white space',
    needsOption: false,
    create: (option) => (noOption('trim', option), (value) => asText('trim', value).trim()),
  },
  upper: {
    usage: '"upper": upper case',
    needsOption: false,
    create: (option) => (noOption('upper', option), (value) => asText('upper', value).toUpperCase()),
  },
  lower: {
    usage: '"lower": lower case',
    needsOption: false,
    create: (option) => (noOption('lower', option), (value) => asText('lower', value).toLowerCase()),
  },
  prefix: {
    usage: '{ "prefix": "crm:" }: puts the text in front',
    needsOption: true,
    create: (option) => {
      const prefix = optionString('prefix', option);
      return (value) => prefix + asText('prefix', value);
    },
  },
  suffix: {
    usage: '{ "suffix": "-x" }: appends the text',
    needsOption: true,
    create: (option) => {
      const suffix = optionString('suffix', option);
      return (value) => asText('suffix', value) + suffix;
    },
  },
  stripLeadingZeros: {
    usage: '"stripLeadingZeros": "0004711" becomes "4711", "000" becomes "0"',
    needsOption: false,
    create: (option) => {
      noOption('stripLeadingZeros', option);
      return (value) => stripLeadingZeros(asText('stripLeadingZeros', value).trim());
    },
  },
  alphaOutput: {
    usage:
      '"alphaOutput": SAP ALPHA output conversion, the reverse of zeroPad: "0000004711" becomes "4711", "00ABC-1" stays as it is (SAP pads only numbers)',
    needsOption: false,
    create: (option) => {
      noOption('alphaOutput', option);
      return (value) => {
        const text = asText('alphaOutput', value).trim();
        // An alphanumeric number is SAP's as typed: its zeros are part of it, and stripping them would
        // key "00ABC-1" as "ABC-1", a customer no lookup and no outbound IDoc would find again.
        return ALL_DIGITS.test(text) ? stripLeadingZeros(text) : text;
      };
    },
  },
  zeroPad: {
    usage:
      '{ "zeroPad": 10 }: SAP ALPHA conversion, "4711" becomes "0000004711"; text that is not all digits stays as it is',
    needsOption: true,
    create: (option) => {
      const length = optionalInteger('zeroPad', 'length', option, 1, 100);
      if (length === undefined)
        throw new TransformOptionError('zeroPad needs the length, e.g. { "zeroPad": 10 }');
      return (value) => {
        const text = asText('zeroPad', value).trim();
        if (text.length > length)
          throw new TransformError('zeroPad', `${quote(value)} is longer than ${length} characters`);
        return /^\d+$/.test(text) ? text.padStart(length, '0') : text;
      };
    },
  },
  padStart: pad('padStart'),
  padEnd: pad('padEnd'),
  number: {
    usage: '"number" or { "number": { "decimalSeparator": "," } }: parses text like "10_000" or "1.234,50"',
    needsOption: false,
    create: parseNumber,
  },
  decimal: {
    usage: '{ "decimal": { "locale": "de", "scale": 2 } }: strict amount, "1.234,50-" becomes -1234.5',
    needsOption: true,
    create: (option) => {
      const usage = '{ "decimal": { "locale": "de" | "en", "scale"?: <0..10> } }';
      const spec = optionObject('decimal', option, ['locale', 'scale'], usage);
      const locale = oneOf('decimal', 'locale', spec.locale, DECIMAL_LOCALES);
      const scale = optionalInteger('decimal', 'scale', spec.scale, 0, 10);
      return (value) => parseDecimal(locale, scale, value);
    },
  },
  formatDecimal: {
    usage:
      '{ "formatDecimal": { "locale": "de", "scale": 2, "trailingSign": true } }: -1234.5 becomes "1.234,50-"',
    needsOption: true,
    create: (option) => {
      const usage =
        '{ "formatDecimal": { "locale": "de" | "en", "scale"?: 2, "trailingSign"?: false, "grouping"?: true } }';
      const spec = optionObject(
        'formatDecimal',
        option,
        ['locale', 'scale', 'trailingSign', 'grouping'],
        usage,
      );
      const format = {
        locale: oneOf('formatDecimal', 'locale', spec.locale, DECIMAL_LOCALES),
        scale: optionalInteger('formatDecimal', 'scale', spec.scale, 0, 10) ?? 2,
        trailingSign: optionalBoolean('formatDecimal', 'trailingSign', spec.trailingSign, false),
        grouping: optionalBoolean('formatDecimal', 'grouping', spec.grouping, true),
      };
      return (value) => formatDecimal(format, value);
    },
  },
  date: {
    usage:
      '{ "date": { "from": "YYYYMMDD", "to": "iso-date" } }: checked calendar dates; "00000000" is empty',
    needsOption: true,
    create: (option) => {
      const usage = `{ "date": { "from": ${DATE_INPUTS.map((f) => `"${f}"`).join(' | ')}, "to": ${DATE_OUTPUTS.map((f) => `"${f}"`).join(' | ')} } }`;
      const spec = optionObject('date', option, ['from', 'to'], usage);
      const from = oneOf('date', 'from', spec.from, DATE_INPUTS);
      const to = oneOf('date', 'to', spec.to, DATE_OUTPUTS);
      const general = (value: unknown) => {
        const date = parseDate(from, value);
        return date === undefined ? undefined : formatDate(to, date);
      };
      const direct = sapDigitsToIso(from, to);
      return direct === undefined ? general : (value) => direct(value) ?? general(value);
    },
  },
  code: {
    usage:
      '{ "code": { "table": "tier" } }: legacy code to canonical value ("reverse": true for back), unknown codes fail unless "default" is given',
    needsOption: true,
    create: codeTransform,
  },
  phone: {
    usage: '{ "phone": { "defaultCountry": "DE" } }: to E.164, "030 1234567" becomes "+49301234567"',
    needsOption: false,
    create: phoneTransform,
  },
  email: {
    usage: '"email": trims, lower-cases and checks the shape of an e-mail address',
    needsOption: false,
    create: (option) => (noOption('email', option), normalizeEmail),
  },
  splitName: {
    usage: '"splitName": "Frau Dr. Anna Maria Schmidt" becomes { salutation, title, givenName, familyName }',
    needsOption: false,
    create: (option) => (noOption('splitName', option), splitName),
  },
  joinName: {
    usage:
      '"joinName" or { "joinName": { "format": "family-comma-given" } }: { salutation, title, givenName, familyName } or [given, family] to one line',
    needsOption: false,
    create: (option) => {
      const spec = optionObject(
        'joinName',
        option,
        ['format'],
        '{ "joinName": { "format": "given-family" | "family-comma-given" } }',
      );
      const format =
        spec.format === undefined
          ? 'given-family'
          : oneOf('joinName', 'format', spec.format, ['given-family', 'family-comma-given'] as const);
      return (value) => joinName(format, value);
    },
  },
  splitStreet: {
    usage: '"splitStreet": "Hauptstraße 5a" becomes { street: "Hauptstraße", houseNumber: "5a" }',
    needsOption: false,
    create: (option) => (noOption('splitStreet', option), splitStreet),
  },
  joinStreet: {
    usage:
      '"joinStreet": { street, houseNumber } or [street, houseNumber] to "Hauptstraße 5a"; { "joinStreet": { "order": "number-first" } } gives "12 Rue de Rivoli"',
    needsOption: false,
    create: (option) => {
      const spec = optionObject(
        'joinStreet',
        option,
        ['order'],
        '{ "joinStreet": { "order": "number-last" | "number-first" } }',
      );
      const order =
        spec.order === undefined
          ? 'number-last'
          : oneOf('joinStreet', 'order', spec.order, ['number-last', 'number-first'] as const);
      const numberFirst = order === 'number-first';
      return (value) => joinStreet(value, numberFirst);
    },
  },
  split: {
    usage:
      '{ "split": "," } or { "split": { "separator": ",", "keepEmpty": false } }: text to a list of trimmed parts',
    needsOption: true,
    create: (option) => {
      const spec = separatorOption('split', option, ['keepEmpty']);
      const keepEmpty = optionalBoolean('split', 'keepEmpty', spec.keepEmpty, false);
      return (value) => {
        const parts = asText('split', value).split(spec.separator);
        const out: string[] = [];
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i].trim();
          if (keepEmpty || part !== '') out.push(part);
        }
        return out;
      };
    },
  },
  join: {
    usage: '{ "join": " " }: a list (or several "from" fields) to one text, empty parts left out',
    needsOption: true,
    create: (option) => {
      const { separator } = separatorOption('join', option, []);
      return (value) => {
        if (!Array.isArray(value)) return asText('join', value).trim();
        let out = '';
        for (let i = 0; i < value.length; i++) {
          const part: unknown = value[i];
          if (part === undefined || part === null) continue;
          const text = asText('join', part).trim();
          if (text !== '') out = out === '' ? text : out + separator + text;
        }
        return out;
      };
    },
  },
  pick: {
    usage: '{ "pick": "family" } or { "pick": 0 }: one property or item of an object or list',
    needsOption: true,
    create: (option) => {
      if (typeof option !== 'string' && !(Number.isInteger(option) && (option as number) >= 0)) {
        throw new TransformOptionError(
          'pick needs a property name or a list index, e.g. { "pick": "family" }',
        );
      }
      const key = option as string | number;
      return (value) => {
        if (typeof value !== 'object' || value === null)
          throw new TransformError('pick', `pick expects an object or list, got ${describe(value)}`);
        return Object.hasOwn(value, key) ? (value as Record<string | number, unknown>)[key] : undefined;
      };
    },
  },
  find: {
    usage:
      '{ "find": { "where": { "type": "work" }, "pick": "number" } }: the first item of a list whose properties equal those in where (or its pick); nothing when none does',
    needsOption: true,
    create: (option) => {
      const usage = '{ "find": { "where": { "type": "work" }, "pick"?: "number" } }';
      const { where, pick } = optionObject('find', option, ['where', 'pick'], usage);
      if (
        typeof where !== 'object' ||
        where === null ||
        Array.isArray(where) ||
        Object.keys(where).length === 0
      ) {
        throw new TransformOptionError(`find needs where, an object of the properties to match: ${usage}`);
      }
      if (pick !== undefined && typeof pick !== 'string') {
        throw new TransformOptionError(`find: pick must be a property name: ${usage}`);
      }
      const wanted = Object.entries(where as Record<string, unknown>);
      return (value) => {
        if (value === undefined || value === null) return undefined;
        if (!Array.isArray(value))
          throw new TransformError('find', `find expects a list, got ${describe(value)}`);
        const found: unknown = value.find(
          (item) =>
            typeof item === 'object' &&
            item !== null &&
            wanted.every(([key, expected]) => (item as Record<string, unknown>)[key] === expected),
        );
        if (found === undefined || pick === undefined) return found;
        return Object.hasOwn(found as object, pick) ? (found as Record<string, unknown>)[pick] : undefined;
      };
    },
  },
  sourceRef: {
    usage:
      '{ "sourceRef": { "system": "sourceSystem", "id": "sourceId" } }: a "system:id" reference that must name the record of those two fields (SAP\'s leading zeros aside), as the hub keys it',
    needsOption: true,
    create: (option) => {
      const usage = '{ "sourceRef": { "system": "<field path>", "id": "<field path>" } }';
      const spec = optionObject('sourceRef', option, ['system', 'id'], usage);
      if (typeof spec.system !== 'string' || typeof spec.id !== 'string')
        throw new TransformOptionError(`sourceRef needs ${usage}`);
      return compileSourceRef({ system: spec.system, id: spec.id });
    },
  },
  entries: {
    usage:
      '"entries" or { "entries": { "key": "key", "value": "value" } }: a list of key/value items to an object, a dotted key nesting ("address.street"); a key given twice or not a path of plain names fails',
    needsOption: false,
    create: (option) => {
      const usage = '{ "entries": { "key": "<item property>", "value": "<item property>" } }';
      const spec = optionObject('entries', option, ['key', 'value'], usage);
      const names = { key: spec.key ?? 'key', value: spec.value ?? 'value' };
      if (typeof names.key !== 'string' || typeof names.value !== 'string' || names.key === names.value)
        throw new TransformOptionError(
          `entries: key and value must be two different property names: ${usage}`,
        );
      const entries = { key: names.key, value: names.value };
      return (value) => entriesToObject(entries, value);
    },
  },
  default: {
    usage: '{ "default": <value> }: fills a missing or empty value',
    needsOption: true,
    handlesMissing: true,
    create: (option) => {
      if (option === undefined || option === null) throw new TransformOptionError('default needs a value');
      return (value) => (value === undefined || value === null || value === '' ? option : value);
    },
  },
  const: {
    usage: '{ "const": <value> }: always this value, whatever the source holds',
    needsOption: true,
    handlesMissing: true,
    create: (option) => {
      if (option === undefined) throw new TransformOptionError('const needs a value');
      return () => option;
    },
  },
  map: {
    usage: '{ "map": { "T": "call-center" } }: replaces listed values, passes others through',
    needsOption: true,
    create: (option) => {
      if (!isPlainObject(option)) throw new TransformOptionError('map needs an object of from -> to values');
      const table = new Map(Object.entries(option));
      return (value) => {
        const key = asText('map', value);
        return table.has(key) ? table.get(key) : value;
      };
    },
  },
  boolean: {
    usage:
      '"boolean": SAP "X"/"", J/N, Y/N, 1/0, true/false to true/false; { "boolean": { "true": ["X"], "false": [""] } } for other words',
    needsOption: false,
    create: (option) => {
      const spec = optionObject(
        'boolean',
        option,
        ['true', 'false'],
        '{ "boolean": { "true": ["X"], "false": [""] } }',
      );
      const yes = wordList('true', spec.true, TRUE_WORDS);
      const no = wordList('false', spec.false, FALSE_WORDS);
      for (const word of yes)
        if (no.has(word)) throw new TransformOptionError(`boolean: "${word}" cannot be both true and false`);
      return (value) => {
        if (typeof value === 'boolean') return value;
        const word = asText('boolean', value).trim().toLowerCase();
        if (yes.has(word)) return true;
        if (no.has(word)) return false;
        throw new TransformError(
          'boolean',
          `${quote(value)} is not a yes/no value (true: ${[...yes].join(', ')}; false: ${[...no].map((w) => w || '""').join(', ')})`,
        );
      };
    },
  },
  flag: {
    usage: '"flag" or { "flag": { "true": "X", "false": "" } }: true/false back to a legacy flag',
    needsOption: false,
    create: (option) => {
      const spec = optionObject(
        'flag',
        option,
        ['true', 'false'],
        '{ "flag": { "true": "X", "false": "" } }',
      );
      const yes = spec.true ?? 'X';
      const no = spec.false ?? '';
      if (typeof yes !== 'string' || typeof no !== 'string')
        throw new TransformOptionError('flag: "true" and "false" must be texts');
      return (value) => {
        if (typeof value !== 'boolean')
          throw new TransformError('flag', `flag expects true or false, got ${quote(value)}`);
        return value ? yes : no;
      };
    },
  },
};

export function listTransforms(): string[] {
  return Object.keys(transforms).sort();
}
