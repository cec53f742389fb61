import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export interface FieldError {
  /** dotted path into the document, e.g. "data.address.postalCode" or "customer.identifiers[0].id" */
  field: string;
  /** human text, e.g. "must match pattern ^[A-Z]{2}$" or "is required" */
  message: string;
  /** the schema keyword that failed, e.g. "pattern", "required", "enum" */
  rule: string;
}

export type ValidationResult = { ok: true } | { ok: false; errors: FieldError[] };
export type Validator = (doc: unknown) => ValidationResult;

const SCHEMA_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const canonicalDir = path.join(__dirname, 'canonical');
const MESSAGE_KEYWORD = 'x-message';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[Tt ](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isDateTime(text: string): boolean {
  if (!DATE_TIME.test(text)) return false;
  const day = digits(text, 8, 2);
  if (day <= 28) return true;
  const month = digits(text, 5, 2);
  if (day > DAYS_IN_MONTH[month]) return false;
  if (month !== 2 || day !== 29) return true;
  const year = digits(text, 0, 4);
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function digits(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

/** ajv's logger for the verdict-only instance: the console, less the notice on its unicode option. */
const withoutUnicodeNotice = {
  log: console.log,
  warn: (...args: unknown[]) => {
    if (!(typeof args[0] === 'string' && args[0].startsWith('DEPRECATED: option unicode.')))
      console.warn(...args);
  },
  error: console.error,
};

// One Ajv instance for all canonical schemas, so they $ref each other (and common.schema.json) by $id.
// strictRequired is off because if/then branches require properties declared in the main schema.
// verbose puts the failing sub-schema and value on each error object (the error path only), which
// the human messages below need.
const ajv = newAjv(true);

/**
 * The same schemas, formats and keywords either way; `withErrors` collects every error with its
 * schema and value (what the messages below need), without it validation stops at the first one and
 * builds no error objects. Whether a document is valid does not depend on it.
 */
function newAjv(withErrors: boolean): Ajv2020 {
  const lengthByCodeUnits =
    !withErrors && lengthsSafeByCodeUnits(listCanonicalSchemas().map(loadCanonicalSchema));
  const instance = new Ajv2020({
    allErrors: withErrors,
    strict: true,
    strictRequired: false,
    verbose: withErrors,
    // Deprecated by ajv, which warns once per instance that it counts code points by default; here
    // the count is not needed (see lengthsSafeByCodeUnits). A later ajv without it counts again.
    ...(lengthByCodeUnits ? { unicode: false, logger: withoutUnicodeNotice } : {}),
  });
  addFormats(instance);
  // "x-message" on a leaf schema is the human wording of what the value must be, e.g. "must be an ISO
  // 3166-1 alpha-2 country code such as \"DE\"". An annotation only: it never changes the outcome.
  instance.addVocabulary([MESSAGE_KEYWORD]);
  // Every event carries an eventId and an occurredAt, so these two formats sit on the hot path. The
  // ajv-formats versions split and re-parse the text; these are one precompiled test each, as strict
  // (RFC 3339 with time zone, real calendar days; RFC 4122 layout).
  instance.addFormat('date-time', { type: 'string', validate: isDateTime });
  instance.addFormat('uuid', { type: 'string', validate: (text: string) => UUID.test(text) });
  return instance;
}

const schemas = new Map<string, Record<string, unknown>>();
const validators = new Map<string, Validator>();

/** The parsed JSON Schema `canonical/<name>.schema.json`, read once. */
export function loadCanonicalSchema(schemaName: string): Record<string, unknown> {
  const cached = schemas.get(schemaName);
  if (cached) return cached;
  if (typeof schemaName !== 'string' || !SCHEMA_NAME.test(schemaName)) {
    throw new Error(
      `canonical schema name must be kebab-case, e.g. "interaction-event"; got ${JSON.stringify(schemaName)}`,
    );
  }
  const file = path.join(canonicalDir, `${schemaName}.schema.json`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    const known = listCanonicalSchemas();
    throw new Error(`unknown canonical schema "${schemaName}" (known: ${known.join(', ') || 'none'})`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `canonical schema "${schemaName}" (${file}) is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new Error(`canonical schema "${schemaName}" (${file}) must be a JSON object`);
  }
  schemas.set(schemaName, schema as Record<string, unknown>);
  return schema as Record<string, unknown>;
}

export function listCanonicalSchemas(): string[] {
  return fs
    .readdirSync(canonicalDir)
    .filter((name) => name.endsWith('.schema.json'))
    .map((name) => name.slice(0, -'.schema.json'.length))
    .sort();
}

/** Compiles the canonical schema once; later calls return the cached validator. */
export function compileValidator(schemaName: string): Validator {
  const cached = validators.get(schemaName);
  if (cached) return cached;
  const validate = compileWith(ajv, schemaName);
  const validator: Validator = (doc) =>
    validate(doc) ? { ok: true } : { ok: false, errors: toFieldErrors(validate.errors ?? []) };
  validators.set(schemaName, validator);
  return validator;
}

/**
 * ajv counts a string's length in code points (a surrogate pair is one), walking the whole string for
 * every minLength and maxLength. The verdict-only validator may read .length (code units) where that
 * can only be stricter: "not empty" (minLength 1) holds for code points exactly when for code units,
 * and a string within a maxLength in code units is within it in code points. A string it refuses goes
 * to the full validator (compileMappingValidator), which counts code points and has the last word. A
 * minLength above 1 would let it accept what the full validator refuses, so it makes this say no, as
 * does a property that happens to be called minLength.
 */
function lengthsSafeByCodeUnits(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(lengthsSafeByCodeUnits);
  if (!isRecord(node)) return true;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'maxLength' && typeof value !== 'number') return false;
    if (key === 'minLength' && (typeof value !== 'number' || value > 1)) return false;
    if (!lengthsSafeByCodeUnits(value)) return false;
  }
  return true;
}

const VALID: ValidationResult = Object.freeze({ ok: true });
let quickAjv: Ajv2020 | undefined;
const quickValidators = new Map<string, Validator>();

/**
 * For the documents compiled mappings build. The verdict comes from a validator that stops at the
 * first error and records none, so a valid document (the usual case) costs the least; only an invalid
 * one runs the full validator of compileValidator() for its errors, which are the same. Its own Ajv
 * instance also keeps the validator's property caches to the few shapes mappings build, apart from
 * whatever else the hub validates.
 */
export function compileMappingValidator(schemaName: string): Validator {
  const cached = quickValidators.get(schemaName);
  if (cached) return cached;
  const full = compileValidator(schemaName);
  quickAjv ??= newAjv(false);
  const quick = compileWith(quickAjv, schemaName);
  const validator: Validator = (doc) => (quick(doc) ? VALID : full(doc));
  quickValidators.set(schemaName, validator);
  return validator;
}

function compileWith(instance: Ajv2020, schemaName: string): ValidateFunction {
  const schema = loadCanonicalSchema(schemaName);
  registerCanonicalSchemas(instance);
  const id = typeof schema.$id === 'string' ? schema.$id : undefined;
  return (id && instance.getSchema(id)) || instance.compile(schema);
}

const registered = new WeakSet<Ajv2020>();

/**
 * Adds every schema of canonical/ to an Ajv instance (without compiling it), so a $ref to
 * "https://crm-hub.dev/schemas/common/1.0#/$defs/Money" resolves whichever schema is compiled first.
 */
function registerCanonicalSchemas(instance: Ajv2020): void {
  if (registered.has(instance)) return;
  for (const name of listCanonicalSchemas()) {
    const schema = loadCanonicalSchema(name);
    const id = typeof schema.$id === 'string' ? schema.$id : name;
    if (!instance.getSchema(id))
      instance.addSchema(schema, typeof schema.$id === 'string' ? undefined : name);
  }
  registered.add(instance);
}

let namesById: Map<string, string> | undefined;

/** The canonical schema name whose $id is `id`, e.g. "common" for https://crm-hub.dev/schemas/common/1.0. */
export function canonicalSchemaNameOf(id: string): string | undefined {
  if (!namesById) {
    namesById = new Map();
    for (const name of listCanonicalSchemas()) {
      const schemaId = loadCanonicalSchema(name).$id;
      if (typeof schemaId === 'string') namesById.set(schemaId, name);
    }
  }
  return namesById.get(id);
}

export interface ResolvedSchema {
  /** the schema node the $ref points at */
  node: unknown;
  /** the canonical schema document that holds it, against which its own local $refs resolve */
  within: Record<string, unknown>;
}

/**
 * The sub-schema a $ref points at, for tools that walk schemas (field-path checks, docs): a local
 * "#/$defs/Address" inside `within`, or "https://crm-hub.dev/schemas/common/1.0#/$defs/Money" in
 * another canonical schema. Follows chains of $refs; undefined when the target does not exist.
 */
export function resolveCanonicalRef(
  ref: string,
  within: Record<string, unknown>,
): ResolvedSchema | undefined {
  let node: unknown = { $ref: ref };
  let base = within;
  for (let depth = 0; isRecord(node) && typeof node.$ref === 'string'; depth++) {
    if (depth === 10) return undefined;
    const target: string = node.$ref;
    const hash = target.indexOf('#');
    const uri = hash === -1 ? target : target.slice(0, hash);
    if (uri !== '') {
      const name = canonicalSchemaNameOf(uri);
      if (name === undefined) return undefined;
      base = loadCanonicalSchema(name);
    }
    const pointer = hash === -1 ? '' : target.slice(hash + 1);
    node = pointer
      .split('/')
      .slice(1)
      .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), base);
  }
  return node === undefined ? undefined : { node, within: base };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toFieldErrors(errors: ErrorObject[]): FieldError[] {
  const result: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // "must match then schema" only repeats the error from inside the then-branch.
    if (error.keyword === 'if') continue;
    const fieldError = toFieldError(error);
    const key = `${fieldError.field}\u0000${fieldError.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(fieldError);
  }
  return result;
}

// Keywords about the value itself, whose failure the schema's x-message describes better.
/**
 * What a format asks for, with an example: a zone is what a naive timestamp (Python's datetime.now(),
 * SAP's local time) lacks, and "valid date-time" does not say so.
 */
const FORMAT_MESSAGES: Record<string, string> = {
  'date-time': 'must be a date-time with a zone (Z or ±hh:mm), e.g. 2026-12-05T10:00:00Z',
  date: 'must be a date, e.g. 2026-12-05',
};

// RFC 3339's shape with a zone, any digits: what then fails is the calendar or the clock
const DATE_TIME_SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Why a date-time with a zone is none all the same: "must be a date-time with a zone" sent a client
 * whose time had one looking for the wrong mistake. A leap second (23:59:60) is RFC 3339, but neither
 * JavaScript's Date nor the stores hold one, so it is refused, saying so. Undefined: the general message.
 */
function dateTimeProblem(value: unknown): string | undefined {
  const parts = typeof value === 'string' ? DATE_TIME_SHAPE.exec(value) : null;
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7);
  const date = `${year}-${month}-${day}`;
  if (!isDateTime(`${date}T00:00:00Z`)) return `is not a calendar date/time: the calendar has no ${date}`;
  const time = `${hour}:${minute}:${second}`;
  if (Number(hour) <= 23 && Number(minute) <= 59 && second === '60') {
    return `is a leap second (${time}), which the hub does not take: JavaScript dates and the stores have no second 60; send ${hour}:${minute}:59.999 of that minute`;
  }
  if (!isDateTime(`${date}T${time}Z`)) return `is not a calendar date/time: the clock has no ${time}`;
  return undefined;
}

// Not maxLength: a value too long may well be the right kind ("must be an e-mail address" would mislead).
const VALUE_KEYWORDS = new Set(['pattern', 'format', 'type', 'minLength']);

function toFieldError(error: ErrorObject): FieldError {
  const parent = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const custom = isRecord(error.parentSchema) ? error.parentSchema[MESSAGE_KEYWORD] : undefined;
  if (typeof custom === 'string' && VALUE_KEYWORDS.has(error.keyword)) {
    return { field: parent, message: `${custom}; got ${describe(error.data)}`, rule: error.keyword };
  }
  switch (error.keyword) {
    case 'required':
      return {
        field: joinPath(parent, String(params.missingProperty)),
        message: 'is required',
        rule: 'required',
      };
    case 'additionalProperties':
      return {
        field: joinPath(parent, String(params.additionalProperty)),
        message: 'is not allowed here',
        rule: 'additionalProperties',
      };
    case 'pattern':
      return { field: parent, message: `must match pattern ${String(params.pattern)}`, rule: 'pattern' };
    case 'enum':
      return {
        field: parent,
        message: `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
        rule: 'enum',
      };
    case 'const':
      return { field: parent, message: `must be ${JSON.stringify(params.allowedValue)}`, rule: 'const' };
    case 'format':
      return {
        field: parent,
        message:
          (params.format === 'date-time' ? dateTimeProblem(error.data) : undefined) ??
          FORMAT_MESSAGES[String(params.format)] ??
          `must be a valid ${String(params.format)}`,
        rule: 'format',
      };
    case 'false schema':
      return { field: parent, message: 'is not allowed here', rule: 'not-allowed' };
    case 'minItems':
      return {
        field: parent,
        message: `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`,
        rule: 'minItems',
      };
    case 'type':
      // JSON.parse makes 1e400 Infinity: a number all the same, only too large for a double
      if (typeof error.data === 'number' && !Number.isFinite(error.data))
        return {
          field: parent,
          message: `is out of range: a number must lie within ±${Number.MAX_VALUE}`,
          rule: 'type',
        };
      return { field: parent, message: `must be ${article(String(params.type))}`, rule: 'type' };
    case 'minLength':
      return params.limit === 1
        ? { field: parent, message: 'must not be empty', rule: 'minLength' }
        : { field: parent, message: error.message ?? 'is too short', rule: 'minLength' };
    case 'maxLength':
      return {
        field: parent,
        message: `must be at most ${String(params.limit)} characters long; got ${describeLength(error.data)}`,
        rule: 'maxLength',
      };
    default:
      return { field: parent, message: error.message ?? `fails ${error.keyword}`, rule: error.keyword };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeLength(value: unknown): string {
  if (typeof value !== 'string') return describe(value);
  let characters = 0;
  for (const _ of value) characters++; // code points, as maxLength counts them
  return `${characters} characters`;
}

/** The rejected value, short enough for a log line. */
function describe(value: unknown): string {
  // A field of megabytes is cut before it is quoted, not after.
  const text =
    (typeof value === 'string' && value.length > 200
      ? JSON.stringify(value.slice(0, 200))
      : JSON.stringify(value)) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** "/customer/identifiers/0/id" -> "customer.identifiers[0].id" */
function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^\d+$/.test(segment) ? `${out}[${segment}]` : joinPath(out, segment);
  }
  return out;
}

function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}
