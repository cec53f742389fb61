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

/**
 * A key written plainly: letters of any script (legacy exports say "Straße", "Ort"), digits, `_`, `$`
 * and `-`. Any other key (a CSV header "Kd-Nr." or "E-Mail Adresse") is written quoted, as a JSON
 * string in brackets: `["Kd-Nr."]`, `Kunde["Geb. Datum"]`.
 */
const PLAIN_KEY = /^[\p{L}_$][\p{L}\p{N}_$-]*$/u;

function checkedKey(path: string, key: string): string {
  // Never a data field, and writing it would change an object's prototype.
  if (key === '__proto__') throw new PathSyntaxError(path, '"__proto__" is not allowed');
  return key;
}

/** The quoted key `["…"]` at `start` (the bracket) and where it ends. */
function quotedKey(path: string, start: number): [string, number] {
  let end = start + 2;
  while (end < path.length && path[end] !== '"') end += path[end] === '\\' ? 2 : 1;
  if (path[end + 1] !== ']') throw new PathSyntaxError(path, `a quoted key at ${start} has no closing "]`);
  let key: unknown;
  try {
    key = JSON.parse(path.slice(start + 1, end + 1));
  } catch {
    throw new PathSyntaxError(path, `the quoted key at ${start} is no JSON string`);
  }
  if (typeof key !== 'string' || key === '' || /\p{Cc}/u.test(key))
    throw new PathSyntaxError(path, `the quoted key at ${start} is empty or holds control characters`);
  return [checkedKey(path, key), end + 2];
}

export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string' || path === '')
    throw new PathSyntaxError(String(path), 'must be a non-empty string');
  const segments: PathSegment[] = [];
  let at = 0;
  while (at < path.length) {
    if (path.startsWith('["', at)) {
      const [key, next] = quotedKey(path, at);
      segments.push(key);
      at = next;
    } else if (path[at] === '[') {
      const index = /^\[(\d+)\]/.exec(path.slice(at));
      if (!index || segments.length === 0)
        throw new PathSyntaxError(path, `"${path.slice(at)}" is not a key with optional [index] suffixes`);
      segments.push(Number(index[1]));
      at += index[0].length;
    } else {
      if (segments.length > 0) {
        if (path[at] !== '.') throw new PathSyntaxError(path, `expected "." or "[" at ${at}`);
        at += 1;
      }
      const key = /^[^.[\]]*/.exec(path.slice(at))?.[0] ?? '';
      if (!PLAIN_KEY.test(key))
        throw new PathSyntaxError(
          path,
          `"${key}" is not a valid key (write a key with other characters quoted: ["${key}"])`,
        );
      segments.push(checkedKey(path, key));
      at += key.length;
    }
  }
  return segments;
}

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (!PLAIN_KEY.test(segment)) out += `[${JSON.stringify(segment)}]`;
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
