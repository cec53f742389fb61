import { checkOccurrences, contentIndex, type Slot } from './content-index';
import {
  admits,
  qkey,
  XSI_NS,
  type ComplexType,
  type ElementDecl,
  type ValidationError,
  type XsdType,
} from './model';
import { checkSimple } from './simple-check';
import type { SchemaCompiler } from './compiler';
import { resolveQName, type XmlElement } from '../../../formats/xml/xml-tree';

/**
 * Instance documents become plain JSON, shaped by the schema:
 * - a simple element is its exact text (no trimming, no number coercion); xsi:nil is null;
 * - a complex element is an object keyed by child local name; an element the schema lets repeat is
 *   always an array, even when it came once;
 * - attributes are keys with '@' ("@currency"), simple content or mixed text is "$value", and
 *   xsi:type is "$type" (the derived type's local name). None of these can be an element name.
 * - open content (xsd:any) that no schema declares keeps its namespace as "$ns" where it changes.
 */
export const TYPE_KEY = '$type';
export const VALUE_KEY = '$value';
export const ATTRIBUTE_PREFIX = '@';
/** the namespace of open (xsd:any) content, where it differs from its parent's */
export const NAMESPACE_KEY = '$ns';

/** Recursive types are walked as deep as the instance goes, but no deeper than this. */
export const MAX_DECODE_DEPTH = 100;
/** Elements accepted through xsd:any wildcards, per message. */
export const MAX_WILDCARD_ELEMENTS = 10_000;

export interface DecodeResult {
  value: unknown;
  errors: ValidationError[];
}

interface Context {
  compiler: SchemaCompiler;
  errors: ValidationError[];
  wildcardBudget: number;
}

const join = (prefix: string, name: string): string => (prefix ? `${prefix}.${name}` : name);

/** Decodes and validates one element against its declaration (the operation element, a header, a detail). */
export function decodeElement(
  compiler: SchemaCompiler,
  decl: ElementDecl,
  element: XmlElement,
): DecodeResult {
  const ctx: Context = { compiler, errors: [], wildcardBudget: MAX_WILDCARD_ELEMENTS };
  const value = decodeValue(decl, element, '', 0, ctx);
  return { value, errors: ctx.errors };
}

function fail(ctx: Context, field: string, reason: string): void {
  ctx.errors.push({ field: field || '(body)', message: `field '${field || '(body)'}' ${reason}` });
}

// Most elements of a call carry no attribute at all: these run for every one of them, so they walk
// the attributes in place rather than build an array of them first.
function xsiAttr(element: XmlElement, local: string): string | undefined {
  const { attrs } = element;
  for (const name in attrs) {
    const colon = name.indexOf(':');
    if (colon > 0 && name.slice(colon + 1) === local && element.scope.get(name.slice(0, colon)) === XSI_NS) {
      return attrs[name];
    }
  }
  return undefined;
}

function hasAttributes(element: XmlElement): boolean {
  for (const _name in element.attrs) return true;
  return false;
}

function derivesFrom(type: ComplexType, base: XsdType): boolean {
  for (let t: ComplexType | undefined = type; t; t = t.base) if (t === base) return true;
  return false;
}

function decodeValue(
  decl: ElementDecl,
  element: XmlElement,
  path: string,
  depth: number,
  ctx: Context,
): unknown {
  if (depth > MAX_DECODE_DEPTH) {
    fail(ctx, path, `is nested deeper than ${MAX_DECODE_DEPTH} levels`);
    return undefined;
  }
  const nil = xsiAttr(element, 'nil');
  if (nil === 'true' || nil === '1') {
    if (!decl.nillable) fail(ctx, path, 'must not be nil (the schema does not declare it nillable)');
    else if (element.children.length > 0 || element.text.trim() !== '')
      fail(ctx, path, 'is nil and must therefore be empty');
    return null;
  }
  let type = decl.type;
  let typeName: string | undefined;
  const xsiType = xsiAttr(element, 'type');
  if (xsiType !== undefined) {
    let derived: ComplexType | undefined;
    let sameSimple = false;
    try {
      const name = resolveQName(xsiType, element);
      derived = ctx.compiler.namedComplexType(name);
      // .NET and Axis name the declared simple type itself, qualified (h:CustomerKind)
      sameSimple = type.kind === 'simple' && ctx.compiler.namedSimpleType(name) === type;
    } catch {
      derived = undefined;
    }
    if (derived && derivesFrom(derived, type)) {
      type = derived;
      typeName = derived.name;
    } else if (
      type.kind === 'complex' ||
      !(sameSimple || xsiType.endsWith(`:${type.builtin}`) || xsiType === type.builtin)
    ) {
      // xsi:type naming the declared simple type itself (zeep and .NET do so) is harmless
      if (!(type.kind === 'complex' && derived === type)) {
        fail(
          ctx,
          path,
          `has xsi:type '${xsiType}', which is not the declared type ${type.name} or derived from it`,
        );
        return undefined;
      }
    }
  }
  if (type.kind === 'simple') {
    if (element.children.length > 0) {
      fail(ctx, path, 'must be a simple value, not nested elements');
      return undefined;
    }
    checkAttributesOfSimple(element, path, ctx);
    const reason = checkSimple(type, element.text);
    if (reason) fail(ctx, path, reason);
    return element.text;
  }
  if (type.abstract && typeName === undefined) {
    fail(ctx, path, `has the abstract type ${type.name}: send xsi:type with a type derived from it`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  if (typeName !== undefined) out[TYPE_KEY] = typeName;
  decodeAttributes(type, element, out, path, ctx);
  if (type.text) {
    if (element.children.length > 0) fail(ctx, path, 'must hold text, not nested elements');
    const reason = checkSimple(type.text, element.text);
    if (reason) fail(ctx, path, reason);
    out[VALUE_KEY] = element.text;
    return out;
  }
  if (element.text.trim() !== '') {
    if (type.mixed) out[VALUE_KEY] = element.text;
    else fail(ctx, path, `holds unexpected text content`);
  }
  decodeChildren(type, element, out, path, depth, ctx);
  return out;
}

function checkAttributesOfSimple(element: XmlElement, path: string, ctx: Context): void {
  for (const name in element.attrs) {
    if (!isInfrastructure(name, element))
      fail(ctx, `${path}.@${name}`, 'is an attribute the schema does not declare');
  }
}

/** Namespace declarations and xsi:/xml: attributes are part of XML itself, not of the content. */
function isInfrastructure(name: string, element: XmlElement): boolean {
  if (name === 'xmlns' || name.startsWith('xmlns:') || name.startsWith('xml:')) return true;
  const colon = name.indexOf(':');
  return colon > 0 && element.scope.get(name.slice(0, colon)) === XSI_NS;
}

function decodeAttributes(
  type: ComplexType,
  element: XmlElement,
  out: Record<string, unknown>,
  path: string,
  ctx: Context,
): void {
  if (type.attributes.length === 0 && !hasAttributes(element)) return;
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(element.attrs)) {
    if (isInfrastructure(name, element)) continue;
    const colon = name.indexOf(':');
    const local = colon < 0 ? name : name.slice(colon + 1);
    const ns = colon < 0 ? '' : (element.scope.get(name.slice(0, colon)) ?? '');
    const field = `${path ? `${path}.` : ''}@${local}`;
    const decl = type.attributes.find((a) => a.name === local && a.ns === ns);
    if (decl) {
      seen.add(qkey(ns, local));
      const reason =
        decl.fixed !== undefined && value !== decl.fixed
          ? `must be '${decl.fixed}'`
          : checkSimple(decl.type, value);
      if (reason) fail(ctx, field, reason);
    } else if (!type.anyAttribute || !admits(type.anyAttribute, ns)) {
      fail(ctx, field, 'is an attribute the schema does not declare here');
      continue;
    }
    out[`${ATTRIBUTE_PREFIX}${local}`] = value;
  }
  for (const decl of type.attributes) {
    if (decl.required && !seen.has(qkey(decl.ns, decl.name))) {
      fail(ctx, `${path ? `${path}.` : ''}@${decl.name}`, 'is a required attribute');
    }
  }
}

function decodeChildren(
  type: ComplexType,
  element: XmlElement,
  out: Record<string, unknown>,
  path: string,
  depth: number,
  ctx: Context,
): void {
  const index = contentIndex(type);
  const counts = new Map<string, number>();
  let open = 0;
  for (const child of element.children) {
    const slot: Slot | undefined = index.byName.get(child.local);
    const n = (counts.get(child.local) ?? 0) + 1;
    counts.set(child.local, n);
    if (slot) {
      if (child.ns !== slot.decl.ns) {
        fail(
          ctx,
          join(path, child.local),
          slot.decl.ns
            ? `must be in namespace '${slot.decl.ns}', not '${child.ns || '(none)'}'`
            : `must be unqualified (no namespace), not in '${child.ns}'`,
        );
        continue;
      }
      const childPath = slot.repeated ? `${join(path, child.local)}[${n - 1}]` : join(path, child.local);
      const value = decodeValue(slot.decl, child, childPath, depth + 1, ctx);
      if (value === '' && slot.min > 0 && slot.decl.type.kind === 'simple')
        fail(ctx, childPath, 'is required and must not be empty');
      if (!slot.repeated) out[child.local] = value;
      else {
        const list = out[child.local];
        if (Array.isArray(list)) list.push(value);
        else out[child.local] = [value];
      }
      continue;
    }
    const wildcard = index.wildcards.find((w) => admits(w.wildcard, child.ns));
    if (!wildcard) {
      const known = [...index.byName.keys()];
      fail(
        ctx,
        join(path, child.local),
        `is an element the schema does not declare here${known.length ? ` (expected ${known.join(', ')})` : ''}`,
      );
      continue;
    }
    open += 1;
    const value = decodeWildcard(child, wildcard.wildcard.process, join(path, child.local), depth + 1, ctx);
    const existing = out[child.local];
    if (existing === undefined) out[child.local] = value;
    else if (Array.isArray(existing) && n > 2) existing.push(value);
    else out[child.local] = [existing, value];
  }
  checkOccurrences(
    index,
    (name) => counts.get(name) ?? 0,
    (name) => join(path, name),
    path || 'the operation element',
    ctx.errors,
  );
  const openMax = index.wildcards.reduce((a, w) => a + w.max, 0);
  if (open > openMax) fail(ctx, path, `holds ${open} elements for xsd:any, at most ${openMax} allowed`);
}

/**
 * Content accepted by xsd:any: decoded by its global declaration when the schema has one. Without
 * one it passes as it came, also under processContents="strict": the .NET default `<s:any/>` carries
 * documents whose schema is published elsewhere (an NF-e, an ISO 20022 message), and a schema the
 * WSDL does not hold is missing, not a reason to refuse the call.
 */
function decodeWildcard(
  element: XmlElement,
  process: string,
  path: string,
  depth: number,
  ctx: Context,
): unknown {
  if (process !== 'skip') {
    let decl: ElementDecl | undefined;
    try {
      decl = ctx.compiler.set.get('element', element.ns, element.local)
        ? ctx.compiler.element({ ns: element.ns, local: element.local }, path)
        : undefined;
    } catch {
      decl = undefined;
    }
    if (decl) return decodeValue(decl, element, path, depth, ctx);
  }
  return generic(element, '', path, depth, ctx);
}

/** Undeclared content, kept as it came, with the same conventions and a cap on its size. */
function generic(element: XmlElement, parentNs: string, path: string, depth: number, ctx: Context): unknown {
  ctx.wildcardBudget -= 1;
  if (ctx.wildcardBudget < 0) {
    if (ctx.wildcardBudget === -1)
      fail(ctx, path, `is past the limit of ${MAX_WILDCARD_ELEMENTS} elements of open (xsd:any) content`);
    return undefined;
  }
  if (depth > MAX_DECODE_DEPTH) {
    fail(ctx, path, `is nested deeper than ${MAX_DECODE_DEPTH} levels`);
    return undefined;
  }
  const nil = xsiAttr(element, 'nil');
  if (nil === 'true' || nil === '1') return null;
  const attributes = Object.entries(element.attrs).filter(([name]) => !isInfrastructure(name, element));
  const ownNs = element.ns !== parentNs;
  if (element.children.length === 0 && attributes.length === 0 && !ownNs) return element.text;
  const out: Record<string, unknown> = {};
  if (ownNs) out[NAMESPACE_KEY] = element.ns;
  for (const [name, value] of attributes)
    out[`${ATTRIBUTE_PREFIX}${name.slice(name.indexOf(':') + 1)}`] = value;
  for (const child of element.children) {
    const value = generic(child, element.ns, join(path, child.local), depth + 1, ctx);
    const existing = out[child.local];
    if (existing === undefined) out[child.local] = value;
    else if (Array.isArray(existing) && repeats.has(existing)) existing.push(value);
    else {
      const list = [existing, value];
      repeats.add(list);
      out[child.local] = list;
    }
  }
  if (element.text.trim() !== '' || (element.children.length === 0 && element.text !== ''))
    out[VALUE_KEY] = element.text;
  return out;
}

const repeats = new WeakSet<unknown[]>();
