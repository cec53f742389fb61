/**
 * The output shape of a mapping, known at compile time, generated into one function that builds each
 * document as a single nested object literal. Objects built key by key through dynamic setters end up
 * with slow, unpredictable shapes; a literal gives every output the same hidden class, which is what
 * keeps mapping plus validation several times cheaper than an interpreted mapping language.
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
    const code = `"use strict";\nconst o = ${emit(this.root)};\n${prune(this.root, 'o')}return o;`;
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

function emit(node: TemplateNode): string {
  switch (node.kind) {
    case 'object':
      return `{${[...node.children].map(([key, child]) => `${JSON.stringify(key)}: ${emit(child)}`).join(', ')}}`;
    case 'array':
      return `[${Array.from(node.items, (item) => (item ? emit(item) : 'undefined')).join(', ')}]`;
    case 'leaf':
      return emitLeaf(node.source);
  }
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

function prune(node: TemplateNode, access: string): string {
  if (node.kind === 'leaf') {
    return node.source.kind === 'field' && node.source.optional
      ? `if (v[${node.source.index}] === undefined) delete ${access};\n`
      : '';
  }
  const entries: [string, TemplateNode][] =
    node.kind === 'object'
      ? [...node.children].map(([key, child]) => [`${access}[${JSON.stringify(key)}]`, child])
      : node.items.flatMap((child, index) =>
          child ? [[`${access}[${index}]`, child] as [string, TemplateNode]] : [],
        );
  let inner = entries.map(([childAccess, child]) => prune(child, childAccess)).join('');
  // A deleted object item would leave a hole (phones[0] missing, phones[1] there) that no schema
  // accepts, so lists of objects close up; a leaf keeps its position (data.lines[1]).
  if (
    node.kind === 'array' &&
    entries.some(([, child]) => child.kind !== 'leaf' && optionalFields(child) !== undefined)
  )
    inner += `${access} = ${access}.filter((item) => item !== undefined);\n`;
  const vanishing = access === 'o' ? undefined : optionalFields(node);
  if (!vanishing) return inner;
  const allMissing = vanishing.map((index) => `v[${index}] === undefined`).join(' && ');
  return `if (${allMissing}) delete ${access};\nelse {\n${inner}}\n`;
}
