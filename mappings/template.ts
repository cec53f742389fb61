/**
 * The output shape of a mapping, known at compile time, generated into one function that builds each
 * document with object literals and plain property stores. Fields that may be missing are added under
 * an `if` instead of being written and deleted afterwards: deleting a property that is not the last
 * one turns the object into a hash table (dictionary mode), and every later reader of the document,
 * the canonical validator first, then pays a hash lookup per property. Added in a fixed order, the
 * documents of one mapping share a handful of fast hidden classes.
 */
import { formatPath, type PathSegment } from './path';

export type LeafSource =
  | { kind: 'const'; value: unknown }
  /** optional: may be undefined at run time and is then removed from the output */
  | { kind: 'field'; index: number; optional: boolean }
  | { kind: 'envelope'; name: 'eventId' | 'occurredAt' };

/** pinned: a constant asked for this container, so it stays even when its optional fields are missing */
type TemplateNode =
  | { kind: 'object'; children: Map<string, TemplateNode>; pinned?: boolean }
  | { kind: 'array'; items: (TemplateNode | undefined)[]; pinned?: boolean }
  | { kind: 'leaf'; source: LeafSource };

/** (field values by index, eventId, occurredAt) -> document */
export type BuildFn = (values: unknown[], eventId: unknown, occurredAt: unknown) => Record<string, unknown>;

export class TemplateConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateConflictError';
  }
}

export class OutputTemplate {
  private readonly root: TemplateNode = { kind: 'object', children: new Map() };

  /** A constant; plain objects and arrays are spread into the shape, so fields can fill them in. */
  addConstant(segments: readonly PathSegment[], value: unknown): void {
    if (Array.isArray(value)) {
      pin(this.container(segments, 'array'));
      value.forEach((item, index) => this.addConstant([...segments, index], item));
    } else if (typeof value === 'object' && value !== null) {
      pin(this.container(segments, 'object'));
      for (const [key, item] of Object.entries(value)) this.addConstant([...segments, key], item);
    } else {
      this.addLeaf(segments, { kind: 'const', value });
    }
  }

  /** A later leaf at the same path replaces an earlier one (a field overrides a constant). */
  addLeaf(segments: readonly PathSegment[], source: LeafSource): void {
    const parent = this.container(
      segments.slice(0, -1),
      typeof segments[segments.length - 1] === 'number' ? 'array' : 'object',
    );
    const last = segments[segments.length - 1];
    const existing = getChild(parent, last);
    if (existing && existing.kind !== 'leaf') {
      throw new TemplateConflictError(
        `"${formatPath(segments)}" is both a value and a container of other fields`,
      );
    }
    setChild(parent, last, { kind: 'leaf', source });
  }

  has(segments: readonly PathSegment[]): boolean {
    let node: TemplateNode | undefined = this.root;
    for (const segment of segments) node = node && node.kind !== 'leaf' ? getChild(node, segment) : undefined;
    return node !== undefined;
  }

  compile(): BuildFn {
    const out: string[] = [];
    const document = build(this.root, out, { next: 0 });
    const code = `"use strict";\n${out.join('')}return ${document};`;
    return new Function('v', 'eventId', 'occurredAt', code) as BuildFn;
  }

  private container(segments: readonly PathSegment[], kind: 'object' | 'array'): TemplateNode {
    let node = this.root;
    for (let i = 0; i < segments.length; i++) {
      const wanted =
        i + 1 < segments.length ? (typeof segments[i + 1] === 'number' ? 'array' : 'object') : kind;
      let child = getChild(node, segments[i]);
      if (!child) {
        child = wanted === 'array' ? { kind: 'array', items: [] } : { kind: 'object', children: new Map() };
        setChild(node, segments[i], child);
      } else if (child.kind !== wanted) {
        const what = child.kind === 'leaf' ? 'a value' : `an ${child.kind}`;
        throw new TemplateConflictError(
          `"${formatPath(segments.slice(0, i + 1))}" is ${what}, but is used as ${
            wanted === 'array' ? 'an array' : 'an object'
          } here`,
        );
      }
      node = child;
    }
    return node;
  }
}

function pin(node: TemplateNode): void {
  if (node.kind !== 'leaf') node.pinned = true;
}

function getChild(node: TemplateNode, segment: PathSegment): TemplateNode | undefined {
  if (node.kind === 'object') return typeof segment === 'string' ? node.children.get(segment) : undefined;
  if (node.kind === 'array') return typeof segment === 'number' ? node.items[segment] : undefined;
  return undefined;
}

function setChild(node: TemplateNode, segment: PathSegment, child: TemplateNode): void {
  if (node.kind === 'object' && typeof segment === 'string') node.children.set(segment, child);
  else if (node.kind === 'array' && typeof segment === 'number') node.items[segment] = child;
  else throw new TemplateConflictError(`cannot place ${JSON.stringify(segment)} in an ${node.kind}`);
}

/** Names of the generated locals. */
interface Names {
  next: number;
}

/**
 * An expression for the node's value; statements it needs first (locals of containers with optional
 * parts) go to `out`.
 */
function build(node: TemplateNode, out: string[], names: Names): string {
  switch (node.kind) {
    case 'object':
      return buildObject(node, out, names);
    case 'array':
      return buildArray(node, out, names);
    case 'leaf':
      return emitLeaf(node.source);
  }
}

/** The test that keeps an optional child: any of its fields has a value. */
function present(indexes: number[]): string {
  return indexes.map((index) => `v[${index}] !== undefined`).join(' || ');
}

function buildObject(node: Extract<TemplateNode, { kind: 'object' }>, out: string[], names: Names): string {
  const entries = [...node.children].map(([key, child]) => ({
    key: JSON.stringify(key),
    child,
    optional: optionalFields(child),
  }));
  // The children that always stay go into the literal, as long as no optional one comes before them,
  // so the key order is the template's whatever is left out.
  let fixed = 0;
  while (fixed < entries.length && entries[fixed].optional === undefined) fixed++;
  const literal = `{${entries
    .slice(0, fixed)
    .map(({ key, child }) => `${key}: ${build(child, out, names)}`)
    .join(', ')}}`;
  if (fixed === entries.length) return literal;
  const name = `o${names.next++}`;
  out.push(`const ${name} = ${literal};\n`);
  for (const { key, child, optional } of entries.slice(fixed)) {
    if (optional === undefined) {
      const value = build(child, out, names);
      out.push(`${name}[${key}] = ${value};\n`);
    } else {
      const inner: string[] = [];
      const value = build(child, inner, names);
      out.push(`if (${present(optional)}) {\n${inner.join('')}${name}[${key}] = ${value};\n}\n`);
    }
  }
  return name;
}

function buildArray(node: Extract<TemplateNode, { kind: 'array' }>, out: string[], names: Names): string {
  // A missing object item would leave a hole (phones[0] missing, phones[1] there) that no schema
  // accepts, so lists that have optional object items close up; a leaf keeps its position
  // (data.lines[1] stays the second line, a hole when missing).
  const closesUp = node.items.some(
    (item) => item !== undefined && item.kind !== 'leaf' && optionalFields(item) !== undefined,
  );
  if (!closesUp) {
    const items = Array.from(node.items, (item) => (item ? build(item, out, names) : 'undefined'));
    const holes = node.items.flatMap((item, index) =>
      item?.kind === 'leaf' && item.source.kind === 'field' && item.source.optional
        ? [{ index, field: item.source.index }]
        : [],
    );
    if (holes.length === 0) return `[${items.join(', ')}]`;
    const name = `a${names.next++}`;
    out.push(`const ${name} = [${items.join(', ')}];\n`);
    for (const { index, field } of holes)
      out.push(`if (v[${field}] === undefined) delete ${name}[${index}];\n`);
    return name;
  }
  // Closing up drops every item that is missing: empty positions, leaves without a value, optional
  // objects none of whose fields has one.
  const name = `a${names.next++}`;
  out.push(`const ${name} = [];\n`);
  for (const item of node.items) {
    if (item === undefined) continue;
    if (item.kind === 'leaf') {
      const value = emitLeaf(item.source);
      out.push(
        item.source.kind === 'const'
          ? `${name}.push(${value});\n`
          : `if (${value} !== undefined) ${name}.push(${value});\n`,
      );
      continue;
    }
    const optional = optionalFields(item);
    const inner: string[] = [];
    const value = build(item, inner, names);
    out.push(
      optional === undefined
        ? `${inner.join('')}${name}.push(${value});\n`
        : `if (${present(optional)}) {\n${inner.join('')}${name}.push(${value});\n}\n`,
    );
  }
  return name;
}

function emitLeaf(source: LeafSource): string {
  switch (source.kind) {
    case 'field':
      return `v[${source.index}]`;
    case 'envelope':
      return source.name;
    case 'const': {
      const { value } = source;
      if (value === null || typeof value === 'string' || typeof value === 'boolean')
        return JSON.stringify(value);
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      throw new TemplateConflictError(`constant ${String(value)} is not a JSON value`);
    }
  }
}

/** Leaves of optional fields, or containers holding nothing else, may vanish per record. */
function optionalFields(node: TemplateNode): number[] | undefined {
  if (node.kind === 'leaf') {
    return node.source.kind === 'field' && node.source.optional ? [node.source.index] : undefined;
  }
  if (node.pinned) return undefined;
  const children =
    node.kind === 'object' ? [...node.children.values()] : node.items.filter((item) => item !== undefined);
  if (children.length === 0) return undefined;
  const indexes: number[] = [];
  for (const child of children) {
    const childIndexes = optionalFields(child);
    if (!childIndexes) return undefined;
    indexes.push(...childIndexes);
  }
  return indexes;
}
