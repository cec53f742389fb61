import { checkOccurrences, contentIndex } from './content-index';
import { ATTRIBUTE_PREFIX, NAMESPACE_KEY, TYPE_KEY, VALUE_KEY } from './decode';
import {
  admits,
  XSI_NS,
  type ComplexType,
  type ElementDecl,
  type ValidationError,
  type XsdType,
} from './model';
import { checkSimple } from './simple-check';
import type { SchemaCompiler } from './compiler';
import { escapeXml, isXmlName } from '../../../formats/xml/xml-escape';

/**
 * The reverse of ./decode: JSON in the same conventions becomes XML in schema order, checked on the
 * way, so a reply the flow built wrongly is named field by field instead of reaching the caller.
 * JavaScript values a flow builds naturally (true, 3, a Date) are written in their XSD lexical form.
 */
export type EncodeResult = { ok: true; xml: string } | { ok: false; errors: ValidationError[] };

interface Context {
  compiler: SchemaCompiler;
  errors: ValidationError[];
  prefixes: Map<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

const join = (prefix: string, name: string): string => (prefix ? `${prefix}.${name}` : name);

function fail(ctx: Context, field: string, reason: string): void {
  ctx.errors.push({ field: field || '(body)', message: `field '${field || '(body)'}' ${reason}` });
}

function prefixOf(ctx: Context, ns: string): string {
  let prefix = ctx.prefixes.get(ns);
  if (prefix === undefined) {
    prefix = ctx.prefixes.size === 0 ? 'tns' : `ns${ctx.prefixes.size}`;
    ctx.prefixes.set(ns, prefix);
  }
  return prefix;
}

function tagOf(ctx: Context, decl: { name: string; ns: string }): string {
  return decl.ns ? `${prefixOf(ctx, decl.ns)}:${decl.name}` : decl.name;
}

export function toLexical(type: XsdType, value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'INF' : '-INF';
    const text = String(value);
    // xsd:decimal and the integers have no exponent: 1e+22 is 10000000000000000000000 there
    if (!text.includes('e')) return text;
    const builtin = type.kind === 'simple' ? type.builtin : type.text?.builtin;
    return builtin === 'float' || builtin === 'double' ? text : plainDecimal(text);
  }
  if (value instanceof Date) {
    const builtin = type.kind === 'simple' ? type.builtin : type.text?.builtin;
    return builtin === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  return value;
}

/** "1.5e-7" as "0.00000015", "1e+22" as "10000000000000000000000": the same digits, no exponent. */
export function plainDecimal(text: string): string {
  const parts = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!parts) return text;
  const [, sign, whole, fraction = '', exponent] = parts;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Encodes `value` as the element `decl` (a reply wrapper, a fault detail). The namespaces it uses
 * are declared on this element; its own is 'tns'.
 */
export function encodeElement(compiler: SchemaCompiler, decl: ElementDecl, value: unknown): EncodeResult {
  const ctx: Context = { compiler, errors: [], prefixes: new Map() };
  prefixOf(ctx, decl.ns);
  const body = renderElement(decl, value, '', ctx);
  if (ctx.errors.length > 0) return { ok: false, errors: ctx.errors };
  const declarations = [...ctx.prefixes].map(([ns, prefix]) =>
    prefix === 'xsi' ? '' : ` xmlns:${prefix}="${escapeXml(ns)}"`,
  );
  const xsi = ctx.prefixes.has(XSI_NS) ? ` xmlns:xsi="${XSI_NS}"` : '';
  // the root's own start tag is the first '>' or '/>' after its name; declarations go right after the name
  const rootTag = tagOf(ctx, decl);
  const xml = `<${rootTag}${declarations.join('')}${xsi}${body.slice(rootTag.length + 1)}`;
  return { ok: true, xml };
}

function renderElement(decl: ElementDecl, value: unknown, path: string, ctx: Context): string {
  const tag = tagOf(ctx, decl);
  if (value === null) return `<${tag} ${xsiPrefix(ctx)}:nil="true"/>`;
  let type = decl.type;
  let typeAttr = '';
  if (isRecord(value) && value[TYPE_KEY] !== undefined && type.kind === 'complex') {
    const wanted = String(value[TYPE_KEY]);
    const base = type;
    const derived = ctx.compiler.complexTypesNamed(wanted).find((t) => derivesFrom(t, base));
    if (!derived) {
      fail(ctx, path, `has $type '${wanted}', which is not ${type.name} or a type derived from it`);
      return '';
    }
    if (derived !== type) typeAttr = ` ${xsiPrefix(ctx)}:type="${prefixOf(ctx, derived.ns)}:${derived.name}"`;
    type = derived;
  }
  if (type.kind === 'simple') {
    // { $value } is how a simple element travels where an object is expected (a bare body)
    const lexical = toLexical(type, isRecord(value) && VALUE_KEY in value ? value[VALUE_KEY] : value);
    if (typeof lexical !== 'string') {
      fail(
        ctx,
        path,
        isRecord(lexical) || Array.isArray(lexical)
          ? 'must be a simple value, not nested elements'
          : 'must be a string',
      );
      return '';
    }
    const reason = checkSimple(type, lexical);
    if (reason) fail(ctx, path, reason);
    return lexical === '' ? `<${tag}/>` : `<${tag}>${escapeXml(lexical)}</${tag}>`;
  }
  if (type.abstract && !typeAttr) {
    fail(ctx, path, `has the abstract type ${type.name}: give $type with a type derived from it`);
    return '';
  }
  const record = value === '' ? {} : toLexical(type, value);
  if (!isRecord(record)) {
    if (type.text && typeof record === 'string')
      return renderComplex(type, { [VALUE_KEY]: record }, tag, typeAttr, path, ctx);
    fail(ctx, path, 'must contain elements, not a simple value');
    return '';
  }
  return renderComplex(type, record, tag, typeAttr, path, ctx);
}

function xsiPrefix(ctx: Context): string {
  ctx.prefixes.set(XSI_NS, 'xsi');
  return 'xsi';
}

function derivesFrom(type: ComplexType, base: ComplexType): boolean {
  for (let t: ComplexType | undefined = type; t; t = t.base) if (t === base) return true;
  return false;
}

function renderComplex(
  type: ComplexType,
  value: Record<string, unknown>,
  tag: string,
  typeAttr: string,
  path: string,
  ctx: Context,
): string {
  let attrs = typeAttr;
  const given = new Set<string>();
  for (const [key, raw] of Object.entries(value)) {
    if (!key.startsWith(ATTRIBUTE_PREFIX) || raw === undefined || raw === null) continue;
    const local = key.slice(ATTRIBUTE_PREFIX.length);
    const field = `${path ? `${path}.` : ''}@${local}`;
    const decl = type.attributes.find((a) => a.name === local);
    const lexical = decl ? toLexical(decl.type, raw) : raw;
    if (typeof lexical !== 'string') {
      fail(ctx, field, 'must be a simple value');
      continue;
    }
    if (!decl && (!type.anyAttribute || !isXmlName(local))) {
      fail(ctx, field, 'is an attribute the schema does not declare here');
      continue;
    }
    if (decl) {
      given.add(local);
      const reason =
        decl.fixed !== undefined && lexical !== decl.fixed
          ? `must be '${decl.fixed}'`
          : checkSimple(decl.type, lexical);
      if (reason) fail(ctx, field, reason);
    }
    const name = decl?.ns ? `${prefixOf(ctx, decl.ns)}:${local}` : local;
    attrs += ` ${name}="${escapeXml(lexical)}"`;
  }
  for (const decl of type.attributes) {
    if (decl.required && !given.has(decl.name))
      fail(ctx, `${path ? `${path}.` : ''}@${decl.name}`, 'is a required attribute');
  }

  let content = '';
  const text = toLexical(type, value[VALUE_KEY]);
  if (type.text) {
    const lexical = text === undefined || text === null ? '' : text;
    if (typeof lexical !== 'string') fail(ctx, join(path, VALUE_KEY), 'must be a simple value');
    else {
      const reason = checkSimple(type.text, lexical);
      if (reason) fail(ctx, path, reason);
      content = escapeXml(lexical);
    }
  } else if (text !== undefined && text !== null) {
    if (type.mixed && typeof text === 'string') content = escapeXml(text);
    else fail(ctx, path, `has text ($value), which ${type.name} does not allow`);
  }

  const index = contentIndex(type);
  const counts = new Map<string, number>();
  for (const slot of index.order) {
    const name = slot.decl.name;
    const raw = value[name];
    if (raw === undefined) continue;
    const many = Array.isArray(raw);
    const values = (many ? raw : [raw]).filter((v) => v !== undefined && (v !== null || slot.decl.nillable));
    counts.set(name, values.length);
    values.forEach((v, i) => {
      const childPath = many ? `${join(path, name)}[${i}]` : join(path, name);
      if (v === '' && slot.min > 0 && slot.decl.type.kind === 'simple')
        fail(ctx, childPath, 'is required and must not be empty');
      content += renderElement(slot.decl, v, childPath, ctx);
    });
  }
  for (const [key, raw] of Object.entries(value)) {
    if (key === TYPE_KEY || key === VALUE_KEY || key.startsWith(ATTRIBUTE_PREFIX) || index.byName.has(key))
      continue;
    if (raw === undefined || raw === null) continue;
    if (index.wildcards.length === 0 || !isXmlName(key) || key.includes(':')) {
      fail(
        ctx,
        join(path, key),
        key === '#text'
          ? 'is text content the schema does not allow'
          : `is an element the schema does not declare here${index.order.length ? ` (expected ${index.order.map((o) => o.decl.name).join(', ')})` : ''}`,
      );
      continue;
    }
    // open content goes out in the namespace its "$ns" names, else unqualified
    const first: unknown = Array.isArray(raw) ? raw[0] : raw;
    const ns = isRecord(first) && typeof first[NAMESPACE_KEY] === 'string' ? first[NAMESPACE_KEY] : '';
    if (!index.wildcards.some((w) => admits(w.wildcard, ns))) {
      fail(
        ctx,
        join(path, key),
        ns
          ? `is open content (xsd:any) in namespace '${ns}', which the wildcard here does not admit`
          : 'is open content (xsd:any) without a namespace, which the wildcard here does not admit: give it "$ns"',
      );
      continue;
    }
    content += renderGeneric(key, raw, join(path, key), '', ctx);
  }
  checkOccurrences(
    index,
    (name) => counts.get(name) ?? 0,
    (name) => join(path, name),
    path || 'the reply',
    ctx.errors,
  );
  return content === '' ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${content}</${tag}>`;
}

function renderGeneric(
  name: string,
  value: unknown,
  path: string,
  inheritedNs: string,
  ctx: Context,
): string {
  if (Array.isArray(value))
    return value.map((v, i) => renderGeneric(name, v, `${path}[${i}]`, inheritedNs, ctx)).join('');
  if (value === null) return `<${name} ${xsiPrefix(ctx)}:nil="true"/>`;
  if (!isRecord(value)) {
    const text = String(toLexical({ kind: 'simple', name: 'string', builtin: 'string', facets: {} }, value));
    return text === '' ? `<${name}/>` : `<${name}>${escapeXml(text)}</${name}>`;
  }
  let attrs = '';
  let content = '';
  const ns = typeof value[NAMESPACE_KEY] === 'string' ? value[NAMESPACE_KEY] : inheritedNs;
  // a default namespace declaration puts this element and its unprefixed children in it
  if (ns !== inheritedNs) attrs += ` xmlns="${escapeXml(ns)}"`;
  for (const [key, raw] of Object.entries(value)) {
    if (raw === undefined || key === NAMESPACE_KEY) continue;
    if (key.startsWith(ATTRIBUTE_PREFIX) && isXmlName(key.slice(1)))
      attrs += ` ${key.slice(1)}="${escapeXml(String(raw))}"`;
    else if (key === VALUE_KEY) content = escapeXml(String(raw)) + content;
    else if (isXmlName(key) && !key.includes(':'))
      content += renderGeneric(key, raw, join(path, key), ns, ctx);
    else fail(ctx, join(path, key), 'is not an XML element name');
  }
  return content === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}
