/**
 * Declarative mapping from a legacy record to a canonical document. A spec per legacy system lives in
 * mappings/systems/<system>.json; compileMapping() turns one record kind of it into closures and one
 * generated builder (template.ts) once, so mapping a record runs no interpreter: getters, transform
 * chains, one object literal, then the cached canonical validator.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CanonicalDocument } from './canonical/types';
import { compileGetter, formatPath, parsePath, PathSyntaxError, type PathSegment } from './path';
import { OutputTemplate, TemplateConflictError, type BuildFn } from './template';
import {
  listTransforms,
  TransformError,
  TransformOptionError,
  transforms,
  type TransformFn,
} from './transforms';
import { compileValidator, loadCanonicalSchema } from './validate';

/** "trim", or one transform with its option: { "prefix": "crm:" } */
export type TransformRef = string | Record<string, unknown>;

export interface FieldRule {
  /** canonical path, e.g. "data.address.street" or "customer.identifiers[0].id" */
  to: string;
  /** path in the legacy record, e.g. "street" or "address.lines[0]" */
  from: string;
  /** applied in order; skipped for a missing value (except "default") */
  transforms?: TransformRef[];
  /** used when the value is missing or empty after the transforms */
  default?: unknown;
  /** a missing or empty value is an error naming both fields, unless a default fills it */
  required?: boolean;
  description?: string;
}

export interface RecordMapping {
  /** canonical schema name, e.g. "interaction-event" */
  produces: string;
  description?: string;
  /** constants by canonical path, e.g. { "type": "address-changed", "source.system": "crm" } */
  set?: Record<string, unknown>;
  fields: FieldRule[];
}

export interface SystemSpec {
  /** legacy system id, e.g. "crm" */
  system: string;
  title: string;
  /** record kinds the system sends us (SOAP operation, IDoc type, file kind) */
  inbound: Record<string, RecordMapping>;
}

export interface MapContext {
  eventId?: string;
  occurredAt?: string;
  /** how to find the record again in logs, e.g. "crm/ReportAddressChange#msg-17"; copied into errors */
  recordRef?: string;
}

export interface MappingError {
  /** canonical field, e.g. "data.address.country" */
  field: string;
  /** legacy field it was mapped from, when the mapping knows it */
  sourceField?: string;
  /** e.g. "required", "pattern", "enum", "number" */
  rule: string;
  message: string;
  record?: string;
}

export type MapResult<T> = { ok: true; value: T } | { ok: false; error: MappingError };

export interface CompiledMapping<T = CanonicalDocument> {
  readonly system: string;
  readonly recordKind: string;
  readonly produces: string;
  map(input: Record<string, unknown>, context?: MapContext): MapResult<T>;
}

/** A spec that cannot compile; the message names system, record kind and rule. */
export class MappingSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingSpecError';
  }
}

const SYSTEM_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const FIELD_RULE_KEYS = new Set(['to', 'from', 'transforms', 'default', 'required', 'description']);
const RECORD_MAPPING_KEYS = new Set(['produces', 'description', 'set', 'fields']);

/** Reads mappings/systems/<system>.json next to this file (sources and dist/ alike). */
export function loadSystemSpec(system: string): SystemSpec {
  if (typeof system !== 'string' || !SYSTEM_ID.test(system)) {
    throw new MappingSpecError(`system id must be kebab-case, e.g. "crm"; got ${JSON.stringify(system)}`);
  }
  const file = path.join(__dirname, 'systems', `${system}.json`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new MappingSpecError(`no mapping spec for system "${system}" (looked for ${file})`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new MappingSpecError(`mapping spec ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(spec) || spec.system !== system) {
    throw new MappingSpecError(`mapping spec ${file} must be an object with "system": "${system}"`);
  }
  return spec as unknown as SystemSpec;
}

interface CompiledField {
  to: string;
  segments: PathSegment[];
  from: string;
  get: (input: unknown) => unknown;
  transform: TransformFn | undefined;
  hasDefault: boolean;
  defaultValue: unknown;
  cloneDefault: boolean;
  required: boolean;
}

export function compileMapping(spec: SystemSpec, recordKind: string): CompiledMapping {
  if (!isObject(spec)) throw new MappingSpecError('mapping spec must be an object');
  const system = typeof spec.system === 'string' && SYSTEM_ID.test(spec.system) ? spec.system : undefined;
  if (!system)
    throw new MappingSpecError(
      `mapping spec: "system" must be a kebab-case id, got ${JSON.stringify(spec.system)}`,
    );
  const where = `mapping ${system}/${recordKind}`;
  if (!isObject(spec.inbound))
    throw new MappingSpecError(`mapping ${system}: "inbound" must be an object of record kinds`);
  const mapping = Object.hasOwn(spec.inbound, recordKind) ? spec.inbound[recordKind] : undefined;
  if (!isObject(mapping)) {
    throw new MappingSpecError(
      `${where}: no such record kind (known: ${Object.keys(spec.inbound).join(', ') || 'none'})`,
    );
  }
  for (const key of Object.keys(mapping)) {
    if (!RECORD_MAPPING_KEYS.has(key)) throw new MappingSpecError(`${where}: unknown key "${key}"`);
  }
  let schema: Record<string, unknown>;
  try {
    schema = loadCanonicalSchema(mapping.produces);
  } catch (error) {
    throw new MappingSpecError(`${where}: "produces": ${(error as Error).message}`);
  }
  const validate = compileValidator(mapping.produces);

  if (!Array.isArray(mapping.fields)) throw new MappingSpecError(`${where}: "fields" must be an array`);
  const fields = mapping.fields.map((rule, index) => compileField(`${where} fields[${index}]`, schema, rule));
  const { build, envelope } = compileTemplate(where, schema, mapping.set, fields);
  const needsEventId = envelope.has('eventId');
  const needsOccurredAt = envelope.has('occurredAt');

  const sourceByTarget = new Map(fields.map((field) => [field.to, field.from]));
  const targets = [...sourceByTarget.keys()].sort((a, b) => b.length - a.length);
  const sourceOf = (field: string): string | undefined =>
    sourceByTarget.get(field) ??
    sourceByTarget.get(targets.find((to) => field.startsWith(`${to}.`) || field.startsWith(`${to}[`)) ?? '');

  // map() is synchronous and never re-entered, and build() copies the values out, so one array serves
  // every call.
  const values: unknown[] = new Array(fields.length).fill(undefined);
  const map = (input: Record<string, unknown>, context: MapContext = {}): MapResult<CanonicalDocument> => {
    const record = context.recordRef;
    if (!isObject(input)) {
      return fail({ field: '', rule: 'input', message: `${where}: input record must be an object`, record });
    }
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      let value = field.get(input);
      if (field.transform) {
        try {
          value = field.transform(value);
        } catch (error) {
          if (!(error instanceof TransformError)) throw error;
          return fail({
            field: field.to,
            sourceField: field.from,
            rule: error.rule,
            message: `${field.to} (from source field "${field.from}"): ${error.message}`,
            record,
          });
        }
      }
      if (value === undefined || value === null || value === '') {
        // An object default is copied so two outputs never share (and mutate) one object.
        if (field.hasDefault)
          value = field.cloneDefault ? structuredClone(field.defaultValue) : field.defaultValue;
        else if (field.required) {
          return fail({
            field: field.to,
            sourceField: field.from,
            rule: 'required',
            message: `${field.to} is required but source field "${field.from}" is missing or empty`,
            record,
          });
        } else value = undefined;
      }
      values[i] = value;
    }
    const out = build(
      values,
      needsEventId ? (context.eventId ?? randomUUID()) : undefined,
      needsOccurredAt ? (context.occurredAt ?? new Date().toISOString()) : undefined,
    );
    values.fill(undefined);

    const result = validate(out);
    if (!result.ok) {
      const first = result.errors[0];
      const sourceField = sourceOf(first.field);
      const from = sourceField ? ` (from source field "${sourceField}")` : '';
      return fail({
        field: first.field,
        ...(sourceField ? { sourceField } : {}),
        rule: first.rule,
        message: `${first.field} ${first.message}${from}`,
        record,
      });
    }
    return { ok: true, value: out as unknown as CanonicalDocument };
  };

  return { system, recordKind, produces: mapping.produces, map };
}

function fail(error: MappingError): { ok: false; error: MappingError } {
  if (error.record === undefined) delete error.record;
  return { ok: false, error };
}

function compileTemplate(
  where: string,
  schema: Record<string, unknown>,
  set: unknown,
  fields: CompiledField[],
): { build: BuildFn; envelope: Set<string> } {
  const template = new OutputTemplate();
  const envelope = new Set<string>();
  try {
    if (set !== undefined) {
      if (!isObject(set))
        throw new MappingSpecError(`${where}: "set" must be an object of canonical path -> value`);
      for (const [to, value] of Object.entries(set)) {
        const label = `${where} set["${to}"]`;
        if (value === undefined) throw new MappingSpecError(`${label}: needs a value`);
        const segments = compileTargetPath(label, schema, to);
        try {
          template.addConstant(segments, value);
        } catch (error) {
          if (error instanceof TemplateConflictError)
            throw new MappingSpecError(`${label}: ${error.message}`);
          throw error;
        }
      }
    }
    fields.forEach((field, index) => {
      const optional = !field.required && !field.hasDefault;
      template.addLeaf(field.segments, { kind: 'field', index, optional });
    });
    // Envelope fields the schema has and the spec leaves open come from the context (or are generated).
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const name of ['eventId', 'occurredAt'] as const) {
      if (name in properties && !template.has([name])) {
        template.addLeaf([name], { kind: 'envelope', name });
        envelope.add(name);
      }
    }
  } catch (error) {
    if (error instanceof TemplateConflictError) throw new MappingSpecError(`${where}: ${error.message}`);
    throw error;
  }
  return { build: template.compile(), envelope };
}

function compileField(where: string, schema: Record<string, unknown>, rule: unknown): CompiledField {
  if (!isObject(rule)) throw new MappingSpecError(`${where}: must be an object with "to" and "from"`);
  for (const key of Object.keys(rule)) {
    if (!FIELD_RULE_KEYS.has(key)) {
      throw new MappingSpecError(
        `${where}: unknown key "${key}" (allowed: ${[...FIELD_RULE_KEYS].join(', ')})`,
      );
    }
  }
  if (typeof rule.to !== 'string') throw new MappingSpecError(`${where}: "to" must be a canonical path`);
  const label = `${where} (to "${rule.to}")`;
  const toSegments = compileTargetPath(label, schema, rule.to);
  if (typeof rule.from !== 'string')
    throw new MappingSpecError(`${label}: "from" must be a source field path`);
  let get: (input: unknown) => unknown;
  try {
    get = compileGetter(rule.from);
  } catch (error) {
    throw new MappingSpecError(`${label}: "from": ${(error as Error).message}`);
  }
  if (rule.required !== undefined && typeof rule.required !== 'boolean') {
    throw new MappingSpecError(`${label}: "required" must be true or false`);
  }
  return {
    to: formatPath(toSegments),
    segments: toSegments,
    from: rule.from,
    get,
    transform: compileTransformChain(label, rule.transforms),
    hasDefault: rule.default !== undefined,
    defaultValue: rule.default,
    cloneDefault: typeof rule.default === 'object' && rule.default !== null,
    required: rule.required === true,
  };
}

function compileTransformChain(where: string, refs: unknown): TransformFn | undefined {
  if (refs === undefined) return undefined;
  if (!Array.isArray(refs)) throw new MappingSpecError(`${where}: "transforms" must be an array`);
  const steps = refs.map((ref, index) => compileTransform(`${where} transforms[${index}]`, ref));
  if (steps.length === 0) return undefined;
  if (steps.length === 1 && !steps[0].handlesMissing) {
    const only = steps[0].fn;
    return (value) => (value === undefined || value === null ? value : only(value));
  }
  return (value) => {
    let current = value;
    for (let i = 0; i < steps.length; i++) {
      if ((current === undefined || current === null) && !steps[i].handlesMissing) continue;
      current = steps[i].fn(current);
    }
    return current;
  };
}

function compileTransform(where: string, ref: unknown): { fn: TransformFn; handlesMissing: boolean } {
  let name: string;
  let option: unknown;
  if (typeof ref === 'string') {
    name = ref;
  } else if (isObject(ref) && Object.keys(ref).length === 1) {
    [[name, option]] = Object.entries(ref);
  } else {
    throw new MappingSpecError(
      `${where}: write a transform as "name" or { "name": option }, got ${JSON.stringify(ref)}`,
    );
  }
  const definition = Object.hasOwn(transforms, name) ? transforms[name] : undefined;
  if (!definition) {
    throw new MappingSpecError(
      `${where}: unknown transform "${name}" (known: ${listTransforms().join(', ')})`,
    );
  }
  if (typeof ref === 'string' && definition.needsOption) {
    throw new MappingSpecError(`${where}: transform "${name}" needs an option: ${definition.usage}`);
  }
  try {
    return { fn: definition.create(option), handlesMissing: definition.handlesMissing === true };
  } catch (error) {
    if (error instanceof TransformOptionError) throw new MappingSpecError(`${where}: ${error.message}`);
    throw error;
  }
}

/** Parses a canonical path and checks it against the schema, so a typo fails at compile time. */
function compileTargetPath(where: string, schema: Record<string, unknown>, to: string): PathSegment[] {
  let segments: PathSegment[];
  try {
    segments = parsePath(to);
  } catch (error) {
    if (error instanceof PathSyntaxError) throw new MappingSpecError(`${where}: ${error.message}`);
    throw error;
  }
  let node: unknown = schema;
  for (let i = 0; i < segments.length; i++) {
    node = childSchema(schema, node, segments[i]);
    if (node === undefined) {
      throw new MappingSpecError(
        `${where}: the canonical schema has no field "${formatPath(segments.slice(0, i + 1))}"`,
      );
    }
    if (node === OPEN) break;
  }
  return segments;
}

const OPEN = Symbol('open');

/** The sub-schema for one path step; OPEN when the schema allows any property there. */
function childSchema(root: Record<string, unknown>, node: unknown, segment: PathSegment): unknown {
  const resolved = resolveRef(root, node);
  if (!isObject(resolved)) return OPEN;
  if (typeof segment === 'number') {
    if (resolved.items !== undefined) return resolved.items;
    return resolved.type === 'array' ? OPEN : undefined;
  }
  if (isObject(resolved.properties) && Object.hasOwn(resolved.properties, segment))
    return resolved.properties[segment];
  if (resolved.additionalProperties === false) return undefined;
  if (resolved.type !== undefined && resolved.type !== 'object') return undefined;
  return OPEN;
}

function resolveRef(root: Record<string, unknown>, node: unknown): unknown {
  let current = node;
  for (let depth = 0; depth < 10 && isObject(current) && typeof current.$ref === 'string'; depth++) {
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) return undefined;
    current = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), root);
  }
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
