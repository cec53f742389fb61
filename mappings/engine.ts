/**
 * Declarative mapping from a legacy record to a canonical document. A spec per legacy system lives in
 * mappings/systems/<system>.json; compileMapping() turns one record kind of it into closures and one
 * generated builder per block (template.ts) once, so mapping a record runs no interpreter: getters,
 * transform chains, object literals, then the cached canonical validator. compileOutbound()
 * (outbound.ts) is the way back.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { compileBlock, linkResolver, RuleFailure, type SourceLink } from './block';
import { failure, fromRuleFailure, recordLabel, specSystem, SYSTEM_ID } from './mapping-errors';
import type { CanonicalDocument } from './canonical/types';
import { MappingSpecError, type MapContext, type MapResult, type SystemSpec } from './mapping-types';
import { isPlainObject } from './transform-support';
import { compileMappingValidator, loadCanonicalSchema } from './validate';
import { refusingFuture } from './canonical/event-check';

export * from './mapping-types';
export { compileOutbound, type CompiledOutbound, type LegacyRecord } from './outbound';

export interface CompiledMapping<T = CanonicalDocument> {
  readonly system: string;
  readonly recordKind: string;
  readonly produces: string;
  map(input: Record<string, unknown>, context?: MapContext): MapResult<T>;
}

const RECORD_MAPPING_KEYS = new Set(['produces', 'description', 'set', 'fields']);

/** The shipped mapping specs, mappings/systems/ beside this file (sources and dist/ alike). */
export const SYSTEMS_DIR = path.join(__dirname, 'systems');

/** Reads <SYSTEMS_DIR>/<system>.json. */
function shippedSystems(): string[] {
  try {
    return fs
      .readdirSync(SYSTEMS_DIR)
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
  } catch {
    return [];
  }
}

export function loadSystemSpec(system: string): SystemSpec {
  if (typeof system !== 'string' || !SYSTEM_ID.test(system)) {
    throw new MappingSpecError(`system id must be kebab-case, e.g. "crm"; got ${JSON.stringify(system)}`);
  }
  const file = path.join(SYSTEMS_DIR, `${system}.json`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // the shipped ids, not the install path: this message reaches the editor and API callers
    throw new MappingSpecError(
      `no shipped mapping spec for system "${system}" (shipped: ${shippedSystems().join(', ')}); give the spec as JSON instead`,
    );
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new MappingSpecError(`mapping spec ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(spec) || spec.system !== system) {
    throw new MappingSpecError(`mapping spec ${file} must be an object with "system": "${system}"`);
  }
  return spec as unknown as SystemSpec;
}

/**
 * A spec given as an override of a shipped one: `{ "extends": "sap", "outbound": { "DEBMAS": { "set":
 * { "EDI_DC40.RCVPRN": "PE1CLNT100" } } } }` is sap.json with those values, so a site states its
 * partner, port and client without copying the whole spec. Objects merge key by key; a list or a value
 * replaces the shipped one. A spec without `extends` is taken as it is.
 */
export function resolveSpecOverride(given: Record<string, unknown>): SystemSpec {
  const { extends: base, ...override } = given;
  if (base === undefined) return given as unknown as SystemSpec;
  if (typeof base !== 'string') {
    throw new MappingSpecError(
      `"extends" must name a shipped system, e.g. "sap"; got ${JSON.stringify(base)}`,
    );
  }
  const merged = mergeSpec(loadSystemSpec(base) as unknown as Record<string, unknown>, override);
  if (merged.system !== base) {
    throw new MappingSpecError(`a spec that extends "${base}" cannot change its "system"`);
  }
  return merged as unknown as SystemSpec;
}

function mergeSpec(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === '__proto__') throw new MappingSpecError('a spec cannot contain the key "__proto__"');
    const held = merged[key];
    merged[key] = isPlainObject(held) && isPlainObject(value) ? mergeSpec(held, value) : value;
  }
  return merged;
}

export function compileMapping(spec: SystemSpec, recordKind: string): CompiledMapping {
  const system = specSystem(spec);
  const where = `mapping ${system}/${recordKind}`;
  if (!isPlainObject(spec.inbound))
    throw new MappingSpecError(`mapping ${system}: "inbound" must be an object of record kinds`);
  const mapping: unknown = Object.hasOwn(spec.inbound, recordKind) ? spec.inbound[recordKind] : undefined;
  if (!isPlainObject(mapping)) {
    throw new MappingSpecError(
      `${where}: no such record kind (known: ${Object.keys(spec.inbound).join(', ') || 'none'})`,
    );
  }
  for (const key of Object.keys(mapping)) {
    if (!RECORD_MAPPING_KEYS.has(key)) throw new MappingSpecError(`${where}: unknown key "${key}"`);
  }
  const produces = mapping.produces as string;
  let schema: Record<string, unknown>;
  try {
    schema = loadCanonicalSchema(produces);
  } catch (error) {
    throw new MappingSpecError(`${where}: "produces": ${(error as Error).message}`);
  }
  // an event dated ahead of the hub's clock would win every recency contest until then (SOAP
  // ReportInteraction answers it with a fault, a mapped app event goes to the error output)
  const validate =
    produces === 'interaction-event'
      ? refusingFuture(compileMappingValidator(produces))
      : compileMappingValidator(produces);
  const links: SourceLink[] = [];
  const block = compileBlock({
    where,
    direction: 'inbound',
    rules: mapping.fields,
    set: mapping.set,
    target: { root: schema, node: schema },
    envelope: true,
    links,
    linkPrefix: { target: '', source: '' },
  });
  const needsEventId = block.envelope.has('eventId');
  const needsOccurredAt = block.envelope.has('occurredAt');
  // A rule may map occurredAt/eventId from an optional source field; when the record leaves it out,
  // the context (or now / a new id) fills it, as it does when no rule names the field.
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const fallbackEventId = !needsEventId && 'eventId' in properties;
  const fallbackOccurredAt = !needsOccurredAt && 'occurredAt' in properties;
  const sourceOf = linkResolver(links);

  const map = (input: Record<string, unknown>, context: MapContext = {}): MapResult<CanonicalDocument> => {
    const record = context.recordRef;
    if (!isPlainObject(input)) {
      return failure({
        field: '',
        rule: 'input',
        message: `${where}: input record must be an object`,
        record,
      });
    }
    let out: Record<string, unknown>;
    try {
      out = block.run(
        input,
        input,
        needsEventId ? (context.eventId ?? randomUUID()) : undefined,
        needsOccurredAt ? (context.occurredAt ?? new Date().toISOString()) : undefined,
      );
    } catch (error) {
      if (error instanceof RuleFailure) return fromRuleFailure(error, record);
      throw error;
    }
    if (fallbackEventId && out.eventId === undefined) out.eventId = context.eventId ?? randomUUID();
    if (fallbackOccurredAt && out.occurredAt === undefined)
      out.occurredAt = context.occurredAt ?? new Date().toISOString();
    const result = validate(out);
    if (!result.ok) {
      const first = result.errors[0];
      const { sourceField, segment } = sourceOf(first.field);
      const from = sourceField ? ` (from source field "${sourceField}")` : '';
      return failure({
        field: first.field,
        sourceField,
        rule: first.rule,
        message: `${first.field} ${first.message}${from}`,
        record: recordLabel(record, segment),
      });
    }
    return { ok: true, value: out as unknown as CanonicalDocument };
  };

  return { system, recordKind, produces, map };
}
