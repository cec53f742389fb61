import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FieldDef, MessageDef, OperationDef, SoapVersion, WsdlDefinition } from './types';
import { assertSafeXml } from '../../formats/xml/xml-safety';
import {
  childrenNamed,
  firstChild,
  parseXmlTree,
  resolveQName,
  type XmlElement,
} from '../../formats/xml/xml-tree';

/**
 * WSDL 1.1, document/literal wrapped, with the schema inline. That is what WS-I Basic Profile
 * clients generate and expect; anything beyond it is refused with a message naming the construct,
 * so a WSDL never half-works.
 */
export const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
export const WSDL_SOAP11_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
export const WSDL_SOAP12_NS = 'http://schemas.xmlsoap.org/wsdl/soap12/';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

export class WsdlError extends Error {
  constructor(message: string) {
    super(`invalid WSDL: ${message}`);
    this.name = 'WsdlError';
  }
}

interface QName {
  ns: string;
  local: string;
}

const key = (q: QName): string => `{${q.ns}}${q.local}`;

interface SchemaIndex {
  elements: Map<string, XmlElement>;
  complexTypes: Map<string, XmlElement>;
  simpleTypes: Map<string, XmlElement>;
  qualified: Map<XmlElement, boolean>;
}

/** Elements that carry documentation only. */
const IGNORED_XSD = new Set(['annotation']);

function xsdChildren(el: XmlElement): XmlElement[] {
  return el.children.filter((c) => !(c.ns === XSD_NS && IGNORED_XSD.has(c.local)));
}

function unsupported(what: string, where: string): never {
  throw new WsdlError(
    `${what} is not supported (in ${where}); use document/literal wrapped with xsd:sequence`,
  );
}

function indexSchemas(definitions: XmlElement): SchemaIndex {
  const index: SchemaIndex = {
    elements: new Map(),
    complexTypes: new Map(),
    simpleTypes: new Map(),
    qualified: new Map(),
  };
  const types = firstChild(definitions, WSDL_NS, 'types');
  const schemas = types ? childrenNamed(types, XSD_NS, 'schema') : [];
  if (schemas.length === 0) throw new WsdlError('no inline <xsd:schema> in <wsdl:types>');
  for (const schema of schemas) {
    const tns = schema.attrs.targetNamespace ?? '';
    const qualified = schema.attrs.elementFormDefault === 'qualified';
    for (const child of xsdChildren(schema)) {
      if (child.ns !== XSD_NS) unsupported(`<${child.qname}>`, 'xsd:schema');
      const name = child.attrs.name;
      const target =
        child.local === 'element'
          ? index.elements
          : child.local === 'complexType'
            ? index.complexTypes
            : child.local === 'simpleType'
              ? index.simpleTypes
              : undefined;
      if (!target) unsupported(`xsd:${child.local}`, `schema ${tns}`);
      if (!name) throw new WsdlError(`top-level xsd:${child.local} without a name in schema ${tns}`);
      target.set(key({ ns: tns, local: name }), child);
      index.qualified.set(child, qualified);
    }
  }
  return index;
}

interface Facets {
  base: string;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  enumeration?: string[];
}

function parseCount(value: string | undefined, fallback: number, attr: string, where: string): number {
  if (value === undefined) return fallback;
  if (value === 'unbounded') return Infinity;
  if (!/^\d+$/.test(value)) throw new WsdlError(`${attr}="${value}" is not a count (in ${where})`);
  return Number(value);
}

function checkPattern(pattern: string, where: string): void {
  try {
    new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    throw new WsdlError(`pattern "${pattern}" is not a supported regular expression (in ${where})`);
  }
}

class FieldBuilder {
  private readonly inProgress = new Set<XmlElement>();

  constructor(private readonly index: SchemaIndex) {}

  simpleFacets(simpleType: XmlElement, where: string): Facets {
    const parts = xsdChildren(simpleType);
    const restriction = parts.find((p) => p.ns === XSD_NS && p.local === 'restriction');
    if (!restriction || parts.length !== 1) {
      unsupported(`simpleType other than xsd:restriction (${parts.map((p) => p.qname).join(', ')})`, where);
    }
    const baseAttr = restriction.attrs.base;
    if (!baseAttr) throw new WsdlError(`xsd:restriction without base (in ${where})`);
    const facets = this.resolveSimple(resolveQName(baseAttr, restriction), restriction, where);
    const enumeration: string[] = [];
    const patterns: string[] = [];
    for (const facet of xsdChildren(restriction)) {
      const value = facet.attrs.value ?? '';
      switch (facet.local) {
        case 'maxLength':
        case 'length':
          facets.maxLength = parseCount(value, 0, facet.local, where);
          if (facet.local === 'length') facets.minLength = facets.maxLength;
          break;
        case 'minLength':
          facets.minLength = parseCount(value, 0, facet.local, where);
          break;
        case 'pattern':
          checkPattern(value, where);
          patterns.push(value);
          break;
        case 'enumeration':
          enumeration.push(value);
          break;
        default:
          unsupported(`facet xsd:${facet.local}`, where);
      }
    }
    // Patterns in one restriction are alternatives; a derived pattern narrows its base's.
    if (patterns.length > 0) {
      const own = patterns.length === 1 ? patterns[0] : patterns.map((p) => `(?:${p})`).join('|');
      facets.pattern = facets.pattern ? `(?=(?:${facets.pattern})$)(?:${own})` : own;
    }
    if (enumeration.length > 0) facets.enumeration = enumeration;
    return facets;
  }

  resolveSimple(type: QName, context: XmlElement, where: string): Facets {
    if (type.ns === XSD_NS) return { base: type.local };
    const named = this.index.simpleTypes.get(key(type));
    if (!named) {
      if (this.index.complexTypes.has(key(type))) {
        throw new WsdlError(`complex type ${type.local} used as a simple base (in ${where})`);
      }
      throw new WsdlError(`type ${key(type)} is not defined (referenced in ${where} by <${context.qname}>)`);
    }
    return this.simpleFacets(named, `simpleType ${type.local}`);
  }

  /** Children of a complex type: one xsd:sequence (or xsd:all) of elements. */
  complexFields(complexType: XmlElement, where: string): FieldDef[] {
    if (this.inProgress.has(complexType))
      throw new WsdlError(`recursive type definition in ${where} is not supported`);
    this.inProgress.add(complexType);
    try {
      const parts = xsdChildren(complexType);
      if (parts.length === 0) return [];
      const [group, ...rest] = parts;
      if (rest.length > 0 || group.ns !== XSD_NS || (group.local !== 'sequence' && group.local !== 'all')) {
        unsupported(`<${parts.map((p) => p.qname).join('>, <')}> in complexType`, where);
      }
      return xsdChildren(group).map((item) => {
        if (item.ns !== XSD_NS || item.local !== 'element')
          unsupported(`<${item.qname}> inside <${group.qname}>`, where);
        return this.field(item, where);
      });
    } finally {
      this.inProgress.delete(complexType);
    }
  }

  field(element: XmlElement, where: string): FieldDef {
    const minOccurs = parseCount(element.attrs.minOccurs, 1, 'minOccurs', where);
    const maxOccurs = parseCount(element.attrs.maxOccurs, 1, 'maxOccurs', where);
    let target = element;
    if (element.attrs.ref) {
      const ref = resolveQName(element.attrs.ref, element);
      const global = this.index.elements.get(key(ref));
      if (!global) throw new WsdlError(`element ref ${key(ref)} is not defined (in ${where})`);
      target = global;
    }
    const name = target.attrs.name;
    if (!name) throw new WsdlError(`xsd:element without name or ref (in ${where})`);
    const path = `${where} > ${name}`;
    if (element.attrs.form) unsupported(`form="${element.attrs.form}" on element`, path);
    if (target.attrs.nillable === 'true') {
      // nil and empty cannot be told apart in our JSON body; refuse rather than guess
      unsupported('nillable="true"', path);
    }
    const def: FieldDef = { name, type: 'string', minOccurs, maxOccurs };
    const inline = xsdChildren(target).filter((c) => c.ns === XSD_NS);
    if (target.attrs.type) {
      if (inline.length > 0)
        throw new WsdlError(`element ${name} has both type= and an inline type (in ${where})`);
      const type = resolveQName(target.attrs.type, target);
      const complex = type.ns !== XSD_NS ? this.index.complexTypes.get(key(type)) : undefined;
      if (complex) {
        def.type = 'complex';
        def.children = this.complexFields(complex, `complexType ${type.local}`);
      } else {
        Object.assign(def, this.facetsToField(this.resolveSimple(type, target, path)));
      }
    } else if (inline.length === 1 && inline[0].local === 'complexType') {
      def.type = 'complex';
      def.children = this.complexFields(inline[0], path);
    } else if (inline.length === 1 && inline[0].local === 'simpleType') {
      Object.assign(def, this.facetsToField(this.simpleFacets(inline[0], path)));
    } else if (inline.length === 0) {
      unsupported('element without a type (xsd:anyType)', path);
    } else {
      unsupported(`<${inline.map((i) => i.qname).join('>, <')}> in element`, path);
    }
    return def;
  }

  private facetsToField(f: Facets): Partial<FieldDef> {
    const out: Partial<FieldDef> = { type: f.base };
    if (f.maxLength !== undefined) out.maxLength = f.maxLength;
    if (f.minLength !== undefined) out.minLength = f.minLength;
    if (f.pattern !== undefined) out.pattern = f.pattern;
    if (f.enumeration !== undefined) out.enumeration = f.enumeration;
    return out;
  }

  /** A wrapper element: global, with an (inline or named) complex type. */
  message(elementName: QName, where: string): MessageDef {
    const element = this.index.elements.get(key(elementName));
    if (!element)
      throw new WsdlError(`element ${key(elementName)} used by ${where} is not defined in the schema`);
    const field = this.field(element, where);
    if (field.type !== 'complex') {
      throw new WsdlError(
        `element ${elementName.local} used by ${where} must have a complex type (wrapped style)`,
      );
    }
    return {
      element: elementName.local,
      namespace: elementName.ns,
      fields: field.children ?? [],
      qualified: this.index.qualified.get(element) ?? false,
    };
  }
}

function named(parent: XmlElement, ns: string, local: string): Map<string, XmlElement> {
  const tns = parent.attrs.targetNamespace ?? '';
  const map = new Map<string, XmlElement>();
  for (const el of childrenNamed(parent, ns, local)) {
    if (!el.attrs.name) throw new WsdlError(`wsdl:${local} without a name`);
    map.set(key({ ns: tns, local: el.attrs.name }), el);
  }
  return map;
}

function messageElement(
  messages: Map<string, XmlElement>,
  ref: XmlElement | undefined,
  where: string,
): QName {
  if (!ref?.attrs.message) throw new WsdlError(`${where} has no message`);
  const msgName = resolveQName(ref.attrs.message, ref);
  const message = messages.get(key(msgName));
  if (!message) throw new WsdlError(`message ${msgName.local} used by ${where} is not defined`);
  const parts = childrenNamed(message, WSDL_NS, 'part');
  if (parts.length !== 1) {
    unsupported(
      `message ${msgName.local} with ${parts.length} parts (wrapped style needs exactly one)`,
      where,
    );
  }
  const part = parts[0];
  if (part.attrs.type) unsupported(`part type= (RPC style) in message ${msgName.local}`, where);
  if (!part.attrs.element) throw new WsdlError(`part of message ${msgName.local} has no element=`);
  return resolveQName(part.attrs.element, part);
}

interface BindingInfo {
  version: SoapVersion;
  portType: string;
  actions: Map<string, string>;
}

function readBinding(binding: XmlElement): BindingInfo | undefined {
  const name = binding.attrs.name;
  const soap11 = firstChild(binding, WSDL_SOAP11_NS, 'binding');
  const soap12 = firstChild(binding, WSDL_SOAP12_NS, 'binding');
  const soapBinding = soap11 ?? soap12;
  // HTTP/MIME bindings may sit next to SOAP ones; they are simply not served.
  if (!soapBinding) return undefined;
  const soapNs = soap11 ? WSDL_SOAP11_NS : WSDL_SOAP12_NS;
  if (soapBinding.attrs.transport && soapBinding.attrs.transport !== 'http://schemas.xmlsoap.org/soap/http') {
    unsupported(`transport ${soapBinding.attrs.transport}`, `binding ${name}`);
  }
  const defaultStyle = soapBinding.attrs.style ?? 'document';
  const actions = new Map<string, string>();
  for (const op of childrenNamed(binding, WSDL_NS, 'operation')) {
    const opName = op.attrs.name ?? '';
    const soapOp = firstChild(op, soapNs, 'operation');
    const style = soapOp?.attrs.style ?? defaultStyle;
    if (style !== 'document') unsupported(`style="${style}"`, `binding ${name} operation ${opName}`);
    for (const dir of ['input', 'output'] as const) {
      const body = firstChild(firstChild(op, WSDL_NS, dir) ?? op, soapNs, 'body');
      if (body && (body.attrs.use ?? 'literal') !== 'literal') {
        unsupported(`use="${body.attrs.use}"`, `binding ${name} operation ${opName} ${dir}`);
      }
    }
    actions.set(opName, soapOp?.attrs.soapAction ?? '');
  }
  if (!binding.attrs.type) throw new WsdlError(`binding ${name} has no type=`);
  return {
    version: soap11 ? '1.1' : '1.2',
    portType: key(resolveQName(binding.attrs.type, binding)),
    actions,
  };
}

export function parseWsdl(text: string): WsdlDefinition {
  assertSafeXml(text);
  const root = parseXmlTree(text);
  if (root.ns !== WSDL_NS || root.local !== 'definitions') {
    throw new WsdlError(`root element is {${root.ns}}${root.local}, expected wsdl:definitions (WSDL 1.1)`);
  }
  const tns = root.attrs.targetNamespace;
  if (!tns) throw new WsdlError('wsdl:definitions has no targetNamespace');
  for (const child of root.children) {
    if (child.ns === WSDL_NS && (child.local === 'import' || child.local === 'include')) {
      unsupported(`wsdl:${child.local}`, 'wsdl:definitions');
    }
  }

  const builder = new FieldBuilder(indexSchemas(root));
  const messages = named(root, WSDL_NS, 'message');
  const portTypes = named(root, WSDL_NS, 'portType');
  const bindings = named(root, WSDL_NS, 'binding');

  const services = childrenNamed(root, WSDL_NS, 'service');
  if (services.length !== 1)
    throw new WsdlError(`expected exactly one wsdl:service, found ${services.length}`);
  const service = services[0];
  const ports = childrenNamed(service, WSDL_NS, 'port');

  const versions: SoapVersion[] = [];
  const served: BindingInfo[] = [];
  let portName = '';
  for (const port of ports) {
    if (!port.attrs.binding) throw new WsdlError(`port ${port.attrs.name} has no binding=`);
    const bindingEl = bindings.get(key(resolveQName(port.attrs.binding, port)));
    if (!bindingEl)
      throw new WsdlError(`binding ${port.attrs.binding} of port ${port.attrs.name} is not defined`);
    const info = readBinding(bindingEl);
    if (!info) continue;
    if (!portName) portName = port.attrs.name ?? '';
    served.push(info);
    if (!versions.includes(info.version)) versions.push(info.version);
  }
  if (served.length === 0) throw new WsdlError(`service ${service.attrs.name} has no SOAP 1.1 or 1.2 port`);
  const portTypeKey = served[0].portType;
  if (served.some((b) => b.portType !== portTypeKey)) {
    unsupported('ports bound to different portTypes', `service ${service.attrs.name}`);
  }
  const portType = portTypes.get(portTypeKey);
  if (!portType) throw new WsdlError(`portType ${portTypeKey} is not defined`);

  const operations = new Map<string, OperationDef>();
  for (const op of childrenNamed(portType, WSDL_NS, 'operation')) {
    const name = op.attrs.name;
    if (!name) throw new WsdlError('portType operation without a name');
    const where = `operation ${name}`;
    const inputRef = firstChild(op, WSDL_NS, 'input');
    const outputRef = firstChild(op, WSDL_NS, 'output');
    if (!outputRef) unsupported('one-way operation (no output)', where);
    const soapAction = served.map((b) => b.actions.get(name)).find((a) => a !== undefined);
    if (soapAction === undefined) throw new WsdlError(`${where} is not bound by any SOAP binding`);
    const input = builder.message(messageElement(messages, inputRef, `${where} input`), `${where} input`);
    const output = builder.message(messageElement(messages, outputRef, `${where} output`), `${where} output`);
    operations.set(name, { name, soapAction, input, output });
  }
  if (operations.size === 0) throw new WsdlError(`portType ${portType.attrs.name} has no operations`);
  return {
    targetNamespace: tns,
    serviceName: service.attrs.name ?? '',
    portName,
    versions,
    operations,
    text,
  };
}

const cache = new Map<string, { mtimeMs: number; size: number; def: WsdlDefinition }>();

/** Reads and parses a WSDL file; re-parses only when the file's mtime or size changed. */
export async function loadWsdlFile(path: string): Promise<WsdlDefinition> {
  const full = resolve(path);
  const info = await stat(full);
  const hit = cache.get(full);
  if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit.def;
  const def = parseWsdl(await readFile(full, 'utf8'));
  cache.set(full, { mtimeMs: info.mtimeMs, size: info.size, def });
  return def;
}

/** Synchronous variant for places that cannot await (config node construction). */
export function loadWsdlFileSync(path: string): WsdlDefinition {
  const full = resolve(path);
  const info = statSync(full);
  const hit = cache.get(full);
  if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit.def;
  const def = parseWsdl(readFileSync(full, 'utf8'));
  cache.set(full, { mtimeMs: info.mtimeMs, size: info.size, def });
  return def;
}
