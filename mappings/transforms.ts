/**
 * Named value transforms for mapping specs. A spec names a transform either bare ("trim") or with its
 * option ({ "prefix": "crm:" }). Each entry checks its option once at compile time and returns the
 * closure that runs per record. Adding a transform is one entry in `transforms`.
 */

/** Thrown by a transform at run time; the engine turns it into a mapping error naming the field. */
export class TransformError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransformError';
  }
}

/** Thrown at compile time when an option does not fit the transform. */
export class TransformOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformOptionError';
  }
}

export type TransformFn = (value: unknown) => unknown;

export interface TransformDefinition {
  /** one line for docs and error messages, including the option shape */
  usage: string;
  /** when false the transform may be written bare, without an option */
  needsOption: boolean;
  /**
   * Most transforms leave a missing value (undefined, null) alone, so the engine skips them for it;
   * "default" is the exception, it exists to fill missing values.
   */
  handlesMissing?: boolean;
  create(option: unknown): TransformFn;
}

function asText(rule: string, value: unknown): string {
  if (typeof value === 'string') return value;
  // Decoders (XML, CSV) may already have turned "4711" into a number; treat it as the text it was.
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  throw new TransformError(
    rule,
    `${rule} expects text, got ${Array.isArray(value) ? 'array' : typeof value}`,
  );
}

function optionString(name: string, option: unknown): string {
  if (typeof option !== 'string')
    throw new TransformOptionError(`${name} needs a string option, e.g. { "${name}": "x" }`);
  return option;
}

function noOption(name: string, option: unknown): void {
  if (option !== undefined && option !== true) {
    throw new TransformOptionError(`${name} takes no option (write "${name}" or { "${name}": true })`);
  }
}

function parseNumber(option: unknown): TransformFn {
  let decimal = '.';
  if (option !== undefined && option !== true) {
    if (typeof option !== 'object' || option === null || Array.isArray(option)) {
      throw new TransformOptionError('number takes no option or { "decimalSeparator": "," }');
    }
    const { decimalSeparator, ...rest } = option as Record<string, unknown>;
    if (Object.keys(rest).length > 0)
      throw new TransformOptionError(`number: unknown option "${Object.keys(rest)[0]}"`);
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
    if (!Number.isFinite(parsed))
      throw new TransformError('number', `${JSON.stringify(value)} is not a number`);
    return parsed;
  };
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
      return (value) => asText('stripLeadingZeros', value).replace(/^0+(?=.)/, '');
    },
  },
  padStart: {
    usage: '{ "padStart": { "length": 10, "char": "0" } }: pads on the left to the length',
    needsOption: true,
    create: (option) => {
      const {
        length,
        char = ' ',
        ...rest
      } = (typeof option === 'object' && option !== null ? option : {}) as Record<string, unknown>;
      if (Object.keys(rest).length > 0)
        throw new TransformOptionError(`padStart: unknown option "${Object.keys(rest)[0]}"`);
      if (!Number.isInteger(length) || (length as number) < 1) {
        throw new TransformOptionError(
          'padStart needs { "length": <positive integer>, "char"?: "<one character>" }',
        );
      }
      if (typeof char !== 'string' || char.length !== 1)
        throw new TransformOptionError('padStart: char must be one character');
      return (value) => asText('padStart', value).padStart(length as number, char);
    },
  },
  number: {
    usage: '"number" or { "number": { "decimalSeparator": "," } }: parses text like "10_000" or "1.234,50"',
    needsOption: false,
    create: parseNumber,
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
  map: {
    usage: '{ "map": { "T": "call-center" } }: replaces listed values, passes others through',
    needsOption: true,
    create: (option) => {
      if (typeof option !== 'object' || option === null || Array.isArray(option)) {
        throw new TransformOptionError('map needs an object of from -> to values');
      }
      const table = new Map(Object.entries(option));
      return (value) => {
        const key = asText('map', value);
        return table.has(key) ? table.get(key) : value;
      };
    },
  },
};

export function listTransforms(): string[] {
  return Object.keys(transforms).sort();
}
