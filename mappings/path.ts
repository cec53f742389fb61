/**
 * Field paths like `data.address.street` or `customer.identifiers[0].id`, parsed once into segments
 * and compiled into getter/setter closures so nothing is re-parsed per record.
 */

export type PathSegment = string | number;

export class PathSyntaxError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`bad path ${JSON.stringify(path)}: ${reason}`);
    this.name = 'PathSyntaxError';
  }
}

const KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string' || path === '')
    throw new PathSyntaxError(String(path), 'must be a non-empty string');
  const segments: PathSegment[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) throw new PathSyntaxError(path, `"${part}" is not a key with optional [index] suffixes`);
    const [, key, indexes] = match;
    if (!KEY.test(key)) throw new PathSyntaxError(path, `"${key}" is not a valid key`);
    // Never a data field, and writing it would change an object's prototype.
    if (key === '__proto__') throw new PathSyntaxError(path, '"__proto__" is not allowed');
    segments.push(key);
    for (const index of indexes.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

export type Getter = (root: unknown) => unknown;
export type Setter = (root: Record<string, unknown>, value: unknown) => void;

export function compileGetter(path: string | readonly PathSegment[]): Getter {
  const segments = typeof path === 'string' ? parsePath(path) : [...path];
  return generateGetter(segments, false) as Getter;
}

/**
 * Straight-line code with the keys written out: each getter gets its own property-load sites, which
 * V8 specializes per key, where one shared loop over a list of keys makes every load a generic keyed
 * lookup. Keys passed parsePath() or are numbers, and go in as JSON literals.
 * `listOfOne`: an index segment on an object that is not an array reads the object itself at [0]
 * and nothing at other indexes.
 */
function generateGetter(segments: readonly PathSegment[], listOfOne: boolean): Getter {
  let body = '';
  for (const segment of segments) {
    body += 'if (typeof c !== "object" || c === null) return undefined;\n';
    if (typeof segment === 'number' && listOfOne) {
      body +=
        segment === 0
          ? 'if (Array.isArray(c)) c = c[0];\n'
          : `if (!Array.isArray(c)) return undefined;\nc = c[${segment}];\n`;
    } else {
      body += `c = c[${JSON.stringify(segment)}];\n`;
    }
  }
  return new Function(
    `"use strict";\nreturn function get(start) {\nlet c = start;\n${body}return c;\n};`,
  )() as Getter;
}

/** Creates missing objects and arrays on the way; an index segment creates an array. */
export function compileSetter(path: string | readonly PathSegment[]): Setter {
  const segments = typeof path === 'string' ? parsePath(path) : [...path];
  const last = segments[segments.length - 1];
  const parents = segments.slice(0, -1);
  const childIsArray = segments.slice(1).map((segment) => typeof segment === 'number');
  if (parents.length === 0) return (root, value) => void (root[last as string] = value);
  return (root, value) => {
    let current = root as Record<PathSegment, unknown>;
    for (let i = 0; i < parents.length; i++) {
      let next = current[parents[i]];
      if (!isContainer(next)) {
        next = childIsArray[i] ? [] : {};
        current[parents[i]] = next;
      }
      current = next as Record<PathSegment, unknown>;
    }
    current[last] = value;
  };
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** A getter whose path may start at the record root (`$root.LAND1`) instead of the current segment. */
export type ScopedGetter = (scope: unknown, root: unknown) => unknown;

export const ROOT_KEY = '$root';

/**
 * The getter mapping specs use. XML decoders give a segment that occurs once as an object rather than
 * a list of one, so here `[0]` of an object is that object ("E1KNVVM[0].KDGRP" reads both shapes).
 */
export function compileScopedGetter(path: string): ScopedGetter {
  const all = parsePath(path);
  const fromRoot = all[0] === ROOT_KEY;
  const get = generateGetter(fromRoot ? all.slice(1) : all, true);
  // A Getter called with (scope, root) reads the scope and ignores the root.
  return fromRoot ? (_scope, root) => get(root) : get;
}
