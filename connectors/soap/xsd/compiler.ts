import {
  qkey,
  XSD_NS,
  type AttributeDecl,
  type ComplexType,
  type ElementDecl,
  type Facets,
  type GroupParticle,
  type Particle,
  type SimpleType,
  type Wildcard,
  type XsdType,
} from './model';
import { SchemaError, type SchemaInfo, type SchemaSet } from './schema-set';
import { xsdPatternToJs } from './pattern';
import { BUILTIN_TYPES } from './simple-check';
import { resolveQName, type XmlElement } from '../../../formats/xml/xml-tree';

interface QName {
  ns: string;
  local: string;
}

const IGNORED = new Set(['annotation']);

function xsdChildren(el: XmlElement): XmlElement[] {
  return el.children.filter((c) => c.ns === XSD_NS && !IGNORED.has(c.local));
}

function unsupported(what: string, where: string): never {
  throw new SchemaError(`${what} is not supported (in ${where})`);
}

function count(value: string | undefined, fallback: number, attr: string, where: string): number {
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  if (trimmed === 'unbounded') return Infinity;
  if (!/^\d+$/.test(trimmed)) throw new SchemaError(`${attr}="${value}" is not a count (in ${where})`);
  return Number(trimmed);
}

function qname(value: string, el: XmlElement, where: string): QName {
  try {
    return resolveQName(value, el);
  } catch (err) {
    throw new SchemaError(`${(err as Error).message} (in ${where})`);
  }
}

/** marks use="prohibited" until mergeAttributes removes the attribute */
const PROHIBITED = '\u0000prohibited';

const ANY_SIMPLE: SimpleType = {
  kind: 'simple',
  name: 'anySimpleType',
  builtin: 'anySimpleType',
  facets: {},
};

/** xsd:anyType, and an element declared without a type: any attributes, any content, text too. */
function anyType(): ComplexType {
  const wildcard: Wildcard = { namespaces: '##any', targetNamespace: '', process: 'lax' };
  return {
    kind: 'complex',
    name: 'anyType',
    ns: XSD_NS,
    named: true,
    abstract: false,
    mixed: true,
    content: {
      kind: 'sequence',
      minOccurs: 1,
      maxOccurs: 1,
      items: [{ kind: 'any', minOccurs: 0, maxOccurs: Infinity, wildcard }],
    },
    attributes: [],
    anyAttribute: wildcard,
  };
}

/**
 * Turns schema components into the model of ./model, on demand. Named types and global elements are
 * compiled once and shared, which is what makes recursive types work; content that derives by
 * extension is assembled in settle(), after the base type is complete, so a base type may contain
 * elements of its own derived types.
 */
export class SchemaCompiler {
  private readonly elements = new Map<string, ElementDecl>();
  private readonly complexTypes = new Map<string, ComplexType>();
  private readonly simpleTypes = new Map<string, SimpleType>();
  private readonly simpleInProgress = new Set<string>();
  private readonly groupsInProgress = new Set<string>();
  private readonly pending = new Map<ComplexType, () => void>();
  private readonly anyType = anyType();
  /** patterns that could not be translated to JavaScript and are therefore not checked */
  readonly warnings: string[] = [];

  constructor(readonly set: SchemaSet) {}

  /** A global element, with everything it reaches compiled and settled. */
  element(name: QName, where: string): ElementDecl {
    const decl = this.globalElement(name, where);
    this.settle();
    return decl;
  }

  /** A named complex type by qualified name, for xsi:type; undefined when there is none. */
  namedComplexType(name: QName): ComplexType | undefined {
    if (!this.set.get('complexType', name.ns, name.local)) return undefined;
    const type = this.complexByName(name, `xsi:type ${name.local}`);
    this.settle();
    return type;
  }

  /** A named simple type by qualified name (not a built-in), for xsi:type; undefined when there is none. */
  namedSimpleType(name: QName): SimpleType | undefined {
    if (name.ns === XSD_NS || !this.set.get('simpleType', name.ns, name.local)) return undefined;
    return this.simpleByName(name, `xsi:type ${name.local}`);
  }

  /** Named complex types with this local name, in any namespace (a JSON `$type` names no namespace). */
  complexTypesNamed(local: string): ComplexType[] {
    const out: ComplexType[] = [];
    for (const [, top] of this.set.all('complexType')) {
      if (top.el.attrs.name === local) {
        const found = this.namedComplexType({ ns: top.schema.targetNamespace, local });
        if (found) out.push(found);
      }
    }
    return out;
  }

  private globalElement(name: QName, where: string): ElementDecl {
    const key = qkey(name.ns, name.local);
    const known = this.elements.get(key);
    if (known) return known;
    const top = this.set.get('element', name.ns, name.local);
    if (!top) throw new SchemaError(`element ${key} is not defined (referenced in ${where})`);
    const decl: ElementDecl = {
      name: name.local,
      ns: top.schema.targetNamespace,
      nillable: top.el.attrs.nillable === 'true',
      type: this.anyType,
    };
    this.elements.set(key, decl);
    decl.type = this.elementType(top.el, top.schema, `element ${name.local}`);
    return decl;
  }

  private localElement(el: XmlElement, schema: SchemaInfo, where: string): ElementDecl {
    const name = el.attrs.name;
    if (!name) throw new SchemaError(`xsd:element without name or ref (in ${where})`);
    const form = el.attrs.form ?? (schema.elementQualified ? 'qualified' : 'unqualified');
    const path = `${where} > ${name}`;
    return {
      name,
      ns: form === 'qualified' ? schema.targetNamespace : '',
      nillable: el.attrs.nillable === 'true',
      type: this.elementType(el, schema, path),
    };
  }

  private elementType(el: XmlElement, schema: SchemaInfo, where: string): XsdType {
    const inline = xsdChildren(el).filter((c) => c.local === 'complexType' || c.local === 'simpleType');
    if (el.attrs.type) {
      if (inline.length > 0) throw new SchemaError(`element has both type= and an inline type (in ${where})`);
      return this.typeByName(qname(el.attrs.type, el, where), where);
    }
    if (inline.length === 0) return this.anyType;
    const [def] = inline;
    return def.local === 'complexType'
      ? this.complexFrom(def, schema, where, undefined)
      : this.simpleFrom(def, schema, where);
  }

  private typeByName(name: QName, where: string): XsdType {
    if (name.ns === XSD_NS) {
      if (name.local === 'anyType') return this.anyType;
      return this.simpleByName(name, where);
    }
    if (this.set.get('complexType', name.ns, name.local)) return this.complexByName(name, where);
    if (this.set.get('simpleType', name.ns, name.local)) return this.simpleByName(name, where);
    throw new SchemaError(`type ${qkey(name.ns, name.local)} is not defined (referenced in ${where})`);
  }

  private complexByName(name: QName, where: string): ComplexType {
    const key = qkey(name.ns, name.local);
    const known = this.complexTypes.get(key);
    if (known) return known;
    const top = this.set.get('complexType', name.ns, name.local);
    if (!top) throw new SchemaError(`complex type ${key} is not defined (referenced in ${where})`);
    return this.complexFrom(top.el, top.schema, `complexType ${name.local}`, name);
  }

  private complexFrom(
    el: XmlElement,
    schema: SchemaInfo,
    where: string,
    name: QName | undefined,
  ): ComplexType {
    const type: ComplexType = {
      kind: 'complex',
      name: name?.local ?? where,
      ns: name?.ns ?? '',
      named: name !== undefined,
      abstract: el.attrs.abstract === 'true',
      mixed: el.attrs.mixed === 'true',
      attributes: [],
    };
    if (name) this.complexTypes.set(qkey(name.ns, name.local), type);
    const parts = xsdChildren(el);
    const derivation = parts.find((p) => p.local === 'complexContent' || p.local === 'simpleContent');
    if (derivation) {
      if (parts.length > 1)
        unsupported(`<${parts.map((p) => p.qname).join('>, <')}> beside a derivation`, where);
      this.derived(type, derivation, schema, where);
      return type;
    }
    this.fillOwn(type, parts, schema, where);
    type.attributes = mergeAttributes([], type.attributes);
    return type;
  }

  /** Model group, attributes and attribute wildcard, as declared directly in a type or derivation. */
  private fillOwn(type: ComplexType, parts: XmlElement[], schema: SchemaInfo, where: string): void {
    for (const part of parts) {
      switch (part.local) {
        case 'sequence':
        case 'choice':
        case 'all':
        case 'group': {
          if (type.content) unsupported('a second model group in one complex type', where);
          const particle = this.particle(part, schema, where);
          type.content =
            particle.kind === 'element' || particle.kind === 'any'
              ? { kind: 'sequence', minOccurs: 1, maxOccurs: 1, items: [particle] }
              : particle;
          break;
        }
        case 'attribute':
        case 'attributeGroup':
          this.attributes(part, schema, where, type.attributes);
          break;
        case 'anyAttribute':
          type.anyAttribute = this.wildcard(part, schema);
          break;
        case 'assert':
        case 'openContent':
          unsupported(`XSD 1.1 xsd:${part.local}`, where);
          break;
        default:
          unsupported(`xsd:${part.local} in a complex type`, where);
      }
    }
  }

  private derived(type: ComplexType, derivation: XmlElement, schema: SchemaInfo, where: string): void {
    const steps = xsdChildren(derivation);
    const step = steps.find((s) => s.local === 'extension' || s.local === 'restriction');
    if (!step || steps.length !== 1)
      unsupported(`xsd:${derivation.local} without one extension or restriction`, where);
    if (derivation.attrs.mixed === 'true') type.mixed = true;
    const baseAttr = step.attrs.base;
    if (!baseAttr) throw new SchemaError(`xsd:${step.local} without base (in ${where})`);
    const baseName = qname(baseAttr, step, where);
    const own = xsdChildren(step);

    if (derivation.local === 'simpleContent') {
      const base = this.typeByName(baseName, where);
      const facetParts = own.filter(
        (p) => !['attribute', 'attributeGroup', 'anyAttribute'].includes(p.local),
      );
      const rest = own.filter((p) => facetParts.indexOf(p) < 0);
      this.fillOwn(type, rest, schema, where);
      const settleText = (): void => {
        const baseText = base.kind === 'simple' ? base : base.text;
        if (!baseText)
          throw new SchemaError(`simpleContent base ${baseName.local} has no simple content (in ${where})`);
        type.text =
          step.local === 'restriction' && facetParts.length > 0
            ? this.restrict(
                baseText,
                facetParts.filter((p) => p.local !== 'simpleType'),
                where,
                `${where} text`,
              )
            : baseText;
        if (base.kind === 'complex') {
          type.base = base;
          type.attributes = mergeAttributes(base.attributes, type.attributes);
          type.anyAttribute ??= base.anyAttribute;
        }
      };
      if (base.kind === 'complex') this.pending.set(type, settleText);
      else settleText();
      return;
    }

    const base =
      baseName.ns === XSD_NS && baseName.local === 'anyType'
        ? undefined
        : this.complexByName(baseName, where);
    this.fillOwn(type, own, schema, where);
    if (!base) return;
    type.base = base;
    const ownContent = type.content;
    const ownAttributes = type.attributes;
    this.pending.set(type, () => {
      if (step.local === 'extension') {
        const items = [base.content, ownContent].filter((g): g is GroupParticle => g !== undefined);
        type.content =
          items.length === 0
            ? undefined
            : items.length === 1
              ? items[0]
              : { kind: 'sequence', minOccurs: 1, maxOccurs: 1, items };
        type.text ??= base.text;
        type.mixed ||= base.mixed;
      }
      type.attributes = mergeAttributes(base.attributes, ownAttributes);
      type.anyAttribute ??= base.anyAttribute;
    });
  }

  /** Completes types derived by extension, base before derived, once everything is compiled. */
  private settle(): void {
    const finish = (type: ComplexType): void => {
      const work = this.pending.get(type);
      if (!work) return;
      this.pending.delete(type);
      if (type.base) finish(type.base);
      work();
    };
    while (this.pending.size > 0) finish(this.pending.keys().next().value as ComplexType);
  }

  private particle(el: XmlElement, schema: SchemaInfo, where: string): Particle {
    const minOccurs = count(el.attrs.minOccurs, 1, 'minOccurs', where);
    const maxOccurs = count(el.attrs.maxOccurs, 1, 'maxOccurs', where);
    switch (el.local) {
      case 'element': {
        const decl = el.attrs.ref
          ? this.globalElement(qname(el.attrs.ref, el, where), where)
          : this.localElement(el, schema, where);
        return { kind: 'element', decl, minOccurs, maxOccurs };
      }
      case 'sequence':
      case 'choice':
      case 'all':
        return {
          kind: el.local,
          minOccurs,
          maxOccurs,
          items: xsdChildren(el).map((c) => this.particle(c, schema, where)),
        };
      case 'group': {
        if (!el.attrs.ref) unsupported('xsd:group without ref inside a type', where);
        const name = qname(el.attrs.ref, el, where);
        const key = qkey(name.ns, name.local);
        const top = this.set.get('group', name.ns, name.local);
        if (!top) throw new SchemaError(`group ${key} is not defined (referenced in ${where})`);
        if (this.groupsInProgress.has(key))
          throw new SchemaError(`group ${name.local} refers to itself (in ${where})`);
        this.groupsInProgress.add(key);
        try {
          const model = xsdChildren(top.el).find((c) => ['sequence', 'choice', 'all'].includes(c.local));
          if (!model) throw new SchemaError(`group ${name.local} has no sequence, choice or all`);
          const inner = this.particle(model, top.schema, `group ${name.local}`) as GroupParticle;
          return { ...inner, minOccurs, maxOccurs };
        } finally {
          this.groupsInProgress.delete(key);
        }
      }
      case 'any':
        return { kind: 'any', minOccurs, maxOccurs, wildcard: this.wildcard(el, schema) };
      default:
        return unsupported(`xsd:${el.local} in a model group`, where);
    }
  }

  private wildcard(el: XmlElement, schema: SchemaInfo): Wildcard {
    const spec = (el.attrs.namespace ?? '##any').trim();
    const process = el.attrs.processContents ?? 'strict';
    const namespaces =
      spec === '##any' || spec === '##other'
        ? spec
        : spec
            .split(/\s+/)
            .map((ns) => (ns === '##targetNamespace' ? schema.targetNamespace : ns === '##local' ? '' : ns));
    return {
      namespaces,
      targetNamespace: schema.targetNamespace,
      process: process === 'lax' || process === 'skip' ? process : 'strict',
    };
  }

  private attributes(
    el: XmlElement,
    schema: SchemaInfo,
    where: string,
    into: AttributeDecl[],
    seen = new Set<string>(),
  ): void {
    if (el.local === 'attributeGroup') {
      if (!el.attrs.ref) unsupported('xsd:attributeGroup without ref inside a type', where);
      const name = qname(el.attrs.ref, el, where);
      const key = qkey(name.ns, name.local);
      if (seen.has(key)) throw new SchemaError(`attributeGroup ${name.local} refers to itself (in ${where})`);
      const top = this.set.get('attributeGroup', name.ns, name.local);
      if (!top) throw new SchemaError(`attributeGroup ${key} is not defined (referenced in ${where})`);
      seen.add(key);
      for (const part of xsdChildren(top.el)) {
        if (part.local === 'anyAttribute') continue;
        this.attributes(part, top.schema, `attributeGroup ${name.local}`, into, seen);
      }
      return;
    }
    if (el.local !== 'attribute') unsupported(`xsd:${el.local} among attributes`, where);
    const use = el.attrs.use ?? 'optional';
    let decl: AttributeDecl;
    if (el.attrs.ref) {
      const name = qname(el.attrs.ref, el, where);
      const top = this.set.get('attribute', name.ns, name.local);
      if (!top) {
        // xml:lang and friends are defined by the XML namespace itself
        if (name.ns !== 'http://www.w3.org/XML/1998/namespace')
          throw new SchemaError(
            `attribute ${qkey(name.ns, name.local)} is not defined (referenced in ${where})`,
          );
        decl = { name: name.local, ns: name.ns, type: ANY_SIMPLE, required: false };
      } else {
        decl = {
          name: name.local,
          ns: name.ns,
          type: this.attributeType(top.el, top.schema, where),
          required: false,
        };
        if (top.el.attrs.fixed !== undefined) decl.fixed = top.el.attrs.fixed;
      }
    } else {
      const name = el.attrs.name;
      if (!name) throw new SchemaError(`xsd:attribute without name or ref (in ${where})`);
      const form = el.attrs.form ?? (schema.attributeQualified ? 'qualified' : 'unqualified');
      decl = {
        name,
        ns: form === 'qualified' ? schema.targetNamespace : '',
        type: this.attributeType(el, schema, `${where} @${name}`),
        required: false,
      };
    }
    if (el.attrs.fixed !== undefined) decl.fixed = el.attrs.fixed;
    decl.required = use === 'required';
    if (use === 'prohibited') {
      into.push({ ...decl, required: false, fixed: PROHIBITED });
      return;
    }
    into.push(decl);
  }

  private attributeType(el: XmlElement, schema: SchemaInfo, where: string): SimpleType {
    if (el.attrs.type) {
      const type = this.typeByName(qname(el.attrs.type, el, where), where);
      if (type.kind !== 'simple')
        throw new SchemaError(`attribute of complex type ${type.name} (in ${where})`);
      return type;
    }
    const inline = xsdChildren(el).find((c) => c.local === 'simpleType');
    return inline ? this.simpleFrom(inline, schema, where) : ANY_SIMPLE;
  }

  private simpleByName(name: QName, where: string): SimpleType {
    if (name.ns === XSD_NS) {
      if (!BUILTIN_TYPES.has(name.local))
        throw new SchemaError(`xsd:${name.local} is not an XML Schema type (in ${where})`);
      return { kind: 'simple', name: name.local, builtin: name.local, facets: {} };
    }
    const key = qkey(name.ns, name.local);
    const known = this.simpleTypes.get(key);
    if (known) return known;
    const top = this.set.get('simpleType', name.ns, name.local);
    if (!top) {
      if (this.set.get('complexType', name.ns, name.local))
        throw new SchemaError(`complex type ${name.local} used as a simple type (in ${where})`);
      throw new SchemaError(`type ${key} is not defined (referenced in ${where})`);
    }
    if (this.simpleInProgress.has(key))
      throw new SchemaError(`simple type ${name.local} derives from itself`);
    this.simpleInProgress.add(key);
    try {
      const type = this.simpleFrom(top.el, top.schema, `simpleType ${name.local}`);
      const named = { ...type, name: name.local };
      this.simpleTypes.set(key, named);
      return named;
    } finally {
      this.simpleInProgress.delete(key);
    }
  }

  private simpleFrom(el: XmlElement, schema: SchemaInfo, where: string): SimpleType {
    const parts = xsdChildren(el);
    const [step] = parts;
    if (!step || parts.length !== 1)
      unsupported('a simpleType without exactly one restriction, list or union', where);
    switch (step.local) {
      case 'restriction': {
        const inlineBase = xsdChildren(step).find((c) => c.local === 'simpleType');
        const base = step.attrs.base
          ? this.typeByName(qname(step.attrs.base, step, where), where)
          : inlineBase
            ? this.simpleFrom(inlineBase, schema, where)
            : undefined;
        if (!base) throw new SchemaError(`xsd:restriction without base (in ${where})`);
        if (base.kind !== 'simple')
          throw new SchemaError(`complex type ${base.name} used as a simple base (in ${where})`);
        return this.restrict(
          base,
          xsdChildren(step).filter((c) => c.local !== 'simpleType'),
          where,
          where,
        );
      }
      case 'list': {
        const inline = xsdChildren(step).find((c) => c.local === 'simpleType');
        const item = step.attrs.itemType
          ? this.typeByName(qname(step.attrs.itemType, step, where), where)
          : inline
            ? this.simpleFrom(inline, schema, where)
            : undefined;
        if (!item || item.kind !== 'simple')
          throw new SchemaError(`xsd:list without a simple itemType (in ${where})`);
        return { kind: 'simple', name: `list of ${item.name}`, builtin: 'list', facets: {}, itemType: item };
      }
      case 'union': {
        const members: SimpleType[] = [];
        for (const ref of (step.attrs.memberTypes ?? '').split(/\s+/).filter(Boolean)) {
          const member = this.typeByName(qname(ref, step, where), where);
          if (member.kind !== 'simple')
            throw new SchemaError(`union member ${member.name} is complex (in ${where})`);
          members.push(member);
        }
        for (const inline of xsdChildren(step).filter((c) => c.local === 'simpleType')) {
          members.push(this.simpleFrom(inline, schema, where));
        }
        if (members.length === 0) throw new SchemaError(`xsd:union without member types (in ${where})`);
        return {
          kind: 'simple',
          name: `union of ${members.map((m) => m.name).join(', ')}`,
          builtin: 'union',
          facets: {},
          memberTypes: members,
        };
      }
      default:
        return unsupported(`xsd:${step.local} in a simpleType`, where);
    }
  }

  private restrict(base: SimpleType, facetEls: XmlElement[], where: string, name: string): SimpleType {
    const facets: Facets = { ...base.facets };
    const patterns: string[] = [];
    const enumeration: string[] = [];
    for (const facet of facetEls) {
      const value = facet.attrs.value ?? '';
      switch (facet.local) {
        case 'length':
        case 'minLength':
        case 'maxLength':
        case 'totalDigits':
        case 'fractionDigits':
          facets[facet.local] = count(value, 0, facet.local, where);
          break;
        case 'minInclusive':
        case 'maxInclusive':
        case 'minExclusive':
        case 'maxExclusive':
          facets[facet.local] = value.trim();
          break;
        case 'pattern':
          patterns.push(value);
          break;
        case 'enumeration':
          enumeration.push(value);
          break;
        case 'whiteSpace':
          break;
        default:
          unsupported(`facet xsd:${facet.local}`, where);
      }
    }
    if (patterns.length > 0) {
      // Patterns of one step are alternatives; each step narrows the previous ones.
      const own = patterns.length === 1 ? patterns[0] : patterns.map((p) => `(?:${p})`).join('|');
      if (xsdPatternToJs(own) !== undefined) facets.patterns = [...(base.facets.patterns ?? []), own];
      else
        this.warnings.push(`pattern "${own}" (in ${where}) has no JavaScript equivalent and is not checked`);
    }
    if (enumeration.length > 0) facets.enumeration = enumeration;
    return {
      kind: 'simple',
      name: name.replace(/^simpleType /, ''),
      builtin: base.builtin,
      facets,
      ...(base.itemType ? { itemType: base.itemType } : {}),
      ...(base.memberTypes ? { memberTypes: base.memberTypes } : {}),
    };
  }
}

/** Attributes of a derived type: the base's, with the derived type's own replacing or removing them. */
function mergeAttributes(base: AttributeDecl[], own: AttributeDecl[]): AttributeDecl[] {
  const out = new Map(base.map((a) => [qkey(a.ns, a.name), a]));
  for (const attr of own) {
    const key = qkey(attr.ns, attr.name);
    if (attr.fixed === PROHIBITED) out.delete(key);
    else out.set(key, attr);
  }
  return [...out.values()];
}
