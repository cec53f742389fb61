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

// One Ajv instance for all canonical schemas, so schemas can $ref each other by $id later. strictRequired
// is off because if/then branches require properties that are declared in the main schema.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
// Every event carries an eventId and an occurredAt, so these two formats sit on the hot path. The
// ajv-formats versions split and re-parse the text; these are one precompiled test each, as strict
// (RFC 3339 with time zone, real calendar days; RFC 4122 layout).
ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
ajv.addFormat('uuid', { type: 'string', validate: (text: string) => UUID.test(text) });

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
  const schema = JSON.parse(text) as Record<string, unknown>;
  schemas.set(schemaName, schema);
  return schema;
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
  const schema = loadCanonicalSchema(schemaName);
  const id = typeof schema.$id === 'string' ? schema.$id : undefined;
  const validate: ValidateFunction = (id && ajv.getSchema(id)) || ajv.compile(schema);
  const validator: Validator = (doc) =>
    validate(doc) ? { ok: true } : { ok: false, errors: toFieldErrors(validate.errors ?? []) };
  validators.set(schemaName, validator);
  return validator;
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

function toFieldError(error: ErrorObject): FieldError {
  const parent = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
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
      return { field: parent, message: `must be a valid ${String(params.format)}`, rule: 'format' };
    default:
      return { field: parent, message: error.message ?? `fails ${error.keyword}`, rule: error.keyword };
  }
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
