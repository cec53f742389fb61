/**
 * Checks a canonical path against the canonical JSON Schema at compile time, so a typo in a spec
 * ("data.address.stret") fails when the spec loads rather than when the first record arrives.
 */
import { MappingSpecError } from './mapping-types';
import { formatPath, parsePath, PathSyntaxError, type PathSegment } from './path';
import { isPlainObject } from './transform-support';
import { loadCanonicalSchema, resolveCanonicalRef } from './validate';

/** The schema allows anything below this point. */
export const OPEN = Symbol('open');

export interface SchemaPosition {
  root: Record<string, unknown>;
  /** the sub-schema the path starts in; OPEN when nothing below is known */
  node: unknown;
}

export function parseSpecPath(where: string, path: unknown, what: string): PathSegment[] {
  if (typeof path !== 'string') throw new MappingSpecError(`${where}: ${what} must be a path`);
  try {
    return parsePath(path);
  } catch (error) {
    if (error instanceof PathSyntaxError) throw new MappingSpecError(`${where}: ${error.message}`);
    throw error;
  }
}

/** Walks the path through the schema; returns the position at its end (node OPEN when unknown). */
export function checkSchemaPath(
  where: string,
  at: SchemaPosition,
  segments: readonly PathSegment[],
): SchemaPosition {
  let position = at;
  for (let i = 0; i < segments.length && position.node !== OPEN; i++) {
    const next = childSchema(position, segments[i]);
    if (next === undefined) {
      throw new MappingSpecError(
        `${where}: the canonical schema has no field "${formatPath(segments.slice(0, i + 1))}"`,
      );
    }
    position = next;
  }
  return position;
}

/**
 * The sub-schema at a path of a canonical schema, its $ref followed; undefined when the schema does not
 * know the path or allows anything there.
 */
export function fieldSchema(
  schemaName: string,
  segments: readonly PathSegment[],
): Record<string, unknown> | undefined {
  let position: SchemaPosition;
  try {
    const root = loadCanonicalSchema(schemaName);
    position = resolveRef(checkSchemaPath(schemaName, { root, node: root }, segments));
  } catch (error) {
    if (error instanceof MappingSpecError) return undefined;
    throw error;
  }
  return isPlainObject(position.node) ? position.node : undefined;
}

/** The position of one item of the array at `at`. */
export function itemSchema(at: SchemaPosition): SchemaPosition {
  if (at.node === OPEN) return at;
  return childSchema(at, 0) ?? { root: at.root, node: OPEN };
}

/** One path step; node OPEN when the schema allows anything there, undefined when it allows nothing. */
function childSchema(at: SchemaPosition, segment: PathSegment): SchemaPosition | undefined {
  const { root, node: resolved } = resolveRef(at);
  const open = { root, node: OPEN };
  if (!isPlainObject(resolved)) return open;
  if (typeof segment === 'number') {
    if (resolved.items !== undefined) return { root, node: resolved.items };
    return resolved.type === 'array' ? open : undefined;
  }
  if (isPlainObject(resolved.properties) && Object.hasOwn(resolved.properties, segment))
    return { root, node: resolved.properties[segment] };
  if (resolved.additionalProperties === false) return undefined;
  if (resolved.type !== undefined && resolved.type !== 'object') return undefined;
  return open;
}

/** Follows $refs, local and into other canonical schemas (common.schema.json); OPEN if unresolvable. */
function resolveRef(at: SchemaPosition): SchemaPosition {
  if (!isPlainObject(at.node) || typeof at.node.$ref !== 'string') return at;
  const resolved = resolveCanonicalRef(at.node.$ref, at.root);
  return resolved ? { root: resolved.within, node: resolved.node } : { root: at.root, node: OPEN };
}
