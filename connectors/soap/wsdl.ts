import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type {
  FaultDef,
  MessageDef,
  OperationDef,
  RefusedOperation,
  SoapVersion,
  WsdlDefinition,
} from './types';
import { ImportError, WsdlDocuments } from './wsdl-documents';
import { SchemaCompiler } from './xsd/compiler';
import { qkey, XSD_NS } from './xsd/model';
import { SchemaError, SchemaSet } from './xsd/schema-set';
import { assertSafeXml } from '../../formats/xml/xml-safety';
import {
  childrenNamed,
  firstChild,
  parseXmlTree,
  resolveQName,
  type XmlElement,
} from '../../formats/xml/xml-tree';

/**
 * WSDL 1.1 with document/literal operations, the way vendors publish them: several schemas, imports
 * of other files, several services, ports and bindings. Each operation is read on its own: one the
 * hub cannot serve (RPC/encoded, a part without an element) is refused with the construct and its
 * place named, and the others are served.
 */
export const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
export const WSDL_SOAP11_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
export const WSDL_SOAP12_NS = 'http://schemas.xmlsoap.org/wsdl/soap12/';
export { XSD_NS };

export class WsdlError extends Error {
  constructor(message: string) {
    super(`invalid WSDL: ${message}`);
    this.name = 'WsdlError';
  }
}

/** An operation-level refusal; the message names the construct and where it is. */
class Refusal extends Error {}

function refuse(what: string, where: string): never {
  throw new Refusal(`${what} is not supported (in ${where}); the hub serves document/literal operations`);
}

interface QName {
  ns: string;
  local: string;
}

function qname(value: string, el: XmlElement): QName {
  try {
    return resolveQName(value, el);
  } catch (err) {
    throw new Refusal((err as Error).message);
  }
}

interface Definitions {
  roots: XmlElement[];
  messages: Map<string, XmlElement>;
  portTypes: Map<string, XmlElement>;
  bindings: Map<string, XmlElement>;
  services: XmlElement[];
}

function collect(roots: XmlElement[]): Definitions {
  const defs: Definitions = {
    roots,
    messages: new Map(),
    portTypes: new Map(),
    bindings: new Map(),
    services: [],
  };
  for (const root of roots) {
    const tns = root.attrs.targetNamespace ?? '';
    for (const child of root.children) {
      if (child.ns !== WSDL_NS) continue;
      const target =
        child.local === 'message'
          ? defs.messages
          : child.local === 'portType'
            ? defs.portTypes
            : child.local === 'binding'
              ? defs.bindings
              : undefined;
      if (target) {
        if (!child.attrs.name) throw new WsdlError(`wsdl:${child.local} without a name`);
        const key = qkey(tns, child.attrs.name);
        if (!target.has(key)) target.set(key, child);
      } else if (child.local === 'service') defs.services.push(child);
    }
  }
  return defs;
}

interface BoundOperation {
  soapAction: string;
  element: XmlElement;
  soapNs: string;
  where: string;
}

interface Binding {
  name: string;
  version: SoapVersion;
  portType: string;
  operations: Map<string, BoundOperation>;
  style: string;
}

function readBinding(binding: XmlElement): Binding | undefined {
  const soap11 = firstChild(binding, WSDL_SOAP11_NS, 'binding');
  const soap12 = firstChild(binding, WSDL_SOAP12_NS, 'binding');
  const soapBinding = soap11 ?? soap12;
  // HTTP/MIME bindings may sit next to SOAP ones; they are simply not served.
  if (!soapBinding) return undefined;
  if (
    soapBinding.attrs.transport &&
    !/^http:\/\/schemas\.xmlsoap\.org\/soap\/http\/?$/.test(soapBinding.attrs.transport)
  ) {
    return undefined;
  }
  const name = binding.attrs.name ?? '';
  if (!binding.attrs.type) throw new WsdlError(`binding ${name} has no type=`);
  const soapNs = soap11 ? WSDL_SOAP11_NS : WSDL_SOAP12_NS;
  const operations = new Map<string, BoundOperation>();
  for (const op of childrenNamed(binding, WSDL_NS, 'operation')) {
    const opName = op.attrs.name ?? '';
    const soapOp = firstChild(op, soapNs, 'operation');
    if (!operations.has(opName)) {
      operations.set(opName, {
        soapAction: soapOp?.attrs.soapAction ?? '',
        element: op,
        soapNs,
        where: `binding ${name} operation ${opName}`,
      });
    }
  }
  return {
    name,
    version: soap11 ? '1.1' : '1.2',
    portType: key(resolveQName(binding.attrs.type, binding)),
    operations,
    style: soapBinding.attrs.style ?? 'document',
  };
}

const key = (q: QName): string => qkey(q.ns, q.local);

class OperationReader {
  constructor(
    private readonly defs: Definitions,
    private readonly compiler: SchemaCompiler,
  ) {}

  read(op: XmlElement, binding: Binding, bound: BoundOperation): OperationDef {
    const name = op.attrs.name ?? '';
    const style = firstChild(bound.element, bound.soapNs, 'operation')?.attrs.style ?? binding.style;
    if (style !== 'document') refuse(`style="${style}"`, bound.where);
    const inputRef = firstChild(op, WSDL_NS, 'input');
    const outputRef = firstChild(op, WSDL_NS, 'output');
    if (!inputRef) refuse('an operation without input (notification)', `operation ${name}`);
    if (!outputRef) refuse('a one-way operation (no output)', `operation ${name}`);
    const input = this.body(inputRef, bound, 'input');
    const output = this.body(outputRef, bound, 'output');
    const headers = new Map<string, MessageDef>();
    const bindingInput = firstChild(bound.element, WSDL_NS, 'input');
    for (const header of bindingInput ? childrenNamed(bindingInput, bound.soapNs, 'header') : []) {
      const use = header.attrs.use ?? 'literal';
      if (use !== 'literal') refuse(`soap:header use="${use}"`, `${bound.where} input`);
      if (!header.attrs.message || !header.attrs.part) continue;
      const def = this.part(qname(header.attrs.message, header), header.attrs.part, `${bound.where} header`);
      headers.set(def.element, def);
    }
    const faults = new Map<string, FaultDef>();
    for (const fault of childrenNamed(op, WSDL_NS, 'fault')) {
      const faultName = fault.attrs.name ?? '';
      if (!fault.attrs.message) continue;
      const def = this.part(
        qname(fault.attrs.message, fault),
        undefined,
        `operation ${name} fault ${faultName}`,
      );
      faults.set(faultName, { ...def, name: faultName });
    }
    return { name, soapAction: bound.soapAction, input, output, headers, faults };
  }

  private body(ref: XmlElement, bound: BoundOperation, dir: 'input' | 'output'): MessageDef {
    const where = `${bound.where} ${dir}`;
    const bindingDir = firstChild(bound.element, WSDL_NS, dir);
    const body = bindingDir ? firstChild(bindingDir, bound.soapNs, 'body') : undefined;
    const use = body?.attrs.use ?? 'literal';
    if (use !== 'literal') refuse(`use="${use}" (SOAP encoding)`, where);
    if (!ref.attrs.message) throw new Refusal(`${where} has no message`);
    const parts = body?.attrs.parts?.trim();
    return this.part(qname(ref.attrs.message, ref), parts ? parts.split(/\s+/) : undefined, where);
  }

  private part(messageName: QName, partNames: string | string[] | undefined, where: string): MessageDef {
    const message = this.defs.messages.get(key(messageName));
    if (!message) throw new Refusal(`message ${messageName.local} used by ${where} is not defined`);
    const wanted = typeof partNames === 'string' ? [partNames] : partNames;
    const parts = childrenNamed(message, WSDL_NS, 'part').filter(
      (p) => !wanted || wanted.includes(p.attrs.name ?? ''),
    );
    if (parts.length !== 1) {
      refuse(
        `message ${messageName.local} with ${parts.length} body parts (document style needs exactly one)`,
        where,
      );
    }
    const [part] = parts;
    if (part.attrs.type) refuse(`part type= (RPC style) in message ${messageName.local}`, where);
    if (!part.attrs.element) throw new Refusal(`part of message ${messageName.local} has no element=`);
    const element = qname(part.attrs.element, part);
    const decl = this.compiler.element(element, where);
    return { element: element.local, namespace: element.ns, decl };
  }
}

export interface ParseOptions {
  /** the WSDL's file, for imports relative to it */
  file?: string;
}

export function parseWsdl(text: string, options: ParseOptions = {}): WsdlDefinition {
  assertSafeXml(text);
  const root = parseXmlTree(text);
  if (root.ns !== WSDL_NS || root.local !== 'definitions') {
    throw new WsdlError(`root element is {${root.ns}}${root.local}, expected wsdl:definitions (WSDL 1.1)`);
  }
  const tns = root.attrs.targetNamespace;
  if (!tns) throw new WsdlError('wsdl:definitions has no targetNamespace');
  const documents = new WsdlDocuments(options.file);
  const problems: string[] = [];
  const schemas = new SchemaSet((location, from) => documents.load(location, from));
  const roots: XmlElement[] = [];
  const addDefinitions = (definitions: XmlElement, from: string): void => {
    roots.push(definitions);
    for (const child of definitions.children) {
      if (child.ns === WSDL_NS && child.local === 'import' && child.attrs.location) {
        try {
          const loaded = documents.load(child.attrs.location, from);
          if (loaded.root.ns === WSDL_NS && loaded.root.local === 'definitions') {
            if (!roots.includes(loaded.root)) addDefinitions(loaded.root, loaded.key);
          } else if (loaded.root.ns === XSD_NS && loaded.root.local === 'schema') {
            schemas.add(loaded.root, loaded.key);
          } else problems.push(`wsdl:import of '${child.attrs.location}' is neither a WSDL nor a schema`);
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
    }
    const types = firstChild(definitions, WSDL_NS, 'types');
    for (const schema of types ? childrenNamed(types, XSD_NS, 'schema') : []) {
      try {
        schemas.add(schema, from);
      } catch (err) {
        if (!(err instanceof SchemaError || err instanceof ImportError)) throw err;
        problems.push(err.message);
      }
    }
  };
  try {
    addDefinitions(root, documents.mainKey);
  } catch (err) {
    if (err instanceof WsdlError) throw err;
    throw new WsdlError((err as Error).message);
  }
  problems.push(...schemas.problems);
  const compiler = new SchemaCompiler(schemas);
  const defs = collect(roots);

  const bindings: Binding[] = [];
  const versions: SoapVersion[] = [];
  let serviceName = '';
  let portName = '';
  for (const service of defs.services) {
    for (const port of childrenNamed(service, WSDL_NS, 'port')) {
      if (!port.attrs.binding) throw new WsdlError(`port ${port.attrs.name} has no binding=`);
      const bindingEl = defs.bindings.get(key(resolveQName(port.attrs.binding, port)));
      if (!bindingEl)
        throw new WsdlError(`binding ${port.attrs.binding} of port ${port.attrs.name} is not defined`);
      const binding = readBinding(bindingEl);
      if (!binding) continue;
      if (!serviceName) {
        serviceName = service.attrs.name ?? '';
        portName = port.attrs.name ?? '';
      }
      if (!bindings.some((b) => b.name === binding.name)) bindings.push(binding);
      if (!versions.includes(binding.version)) versions.push(binding.version);
    }
  }
  if (bindings.length === 0) {
    throw new WsdlError(
      defs.services.length === 0
        ? 'no wsdl:service'
        : 'no port of any wsdl:service has a SOAP 1.1 or 1.2 binding',
    );
  }

  const reader = new OperationReader(defs, compiler);
  const operations = new Map<string, OperationDef>();
  const refused: RefusedOperation[] = [];
  const done = new Set<string>();
  for (const binding of bindings) {
    const portType = defs.portTypes.get(binding.portType);
    if (!portType)
      throw new WsdlError(`portType ${binding.portType} of binding ${binding.name} is not defined`);
    for (const op of childrenNamed(portType, WSDL_NS, 'operation')) {
      const name = op.attrs.name;
      if (!name) throw new WsdlError('portType operation without a name');
      const bound = binding.operations.get(name);
      if (!bound || done.has(name)) continue;
      done.add(name);
      try {
        operations.set(name, reader.read(op, binding, bound));
      } catch (err) {
        if (!(err instanceof Refusal || err instanceof SchemaError || err instanceof ImportError)) throw err;
        const missing =
          /is not defined/.test(err.message) && problems.length > 0 ? `; ${problems.join('; ')}` : '';
        refused.push({ name, reason: `${err.message}${missing}` });
      }
    }
  }
  if (operations.size === 0) {
    throw new WsdlError(
      refused.length === 0
        ? 'no operation is bound by a SOAP binding'
        : `none of its ${refused.length} operations can be served: ${refused.map((r) => `${r.name}: ${r.reason}`).join('; ')}`,
    );
  }
  return {
    targetNamespace: tns,
    serviceName,
    portName,
    versions,
    operations,
    refused,
    warnings: [...problems, ...schemas.ignored.map((i) => `${i} is not applied`), ...compiler.warnings],
    text,
    documents: documents.documents,
    references: documents.mainReferences,
    schemas: compiler,
  };
}

const cache = new Map<string, { mtimeMs: number; size: number; def: WsdlDefinition }>();

/** Reads and parses a WSDL file; re-parses only when the file's mtime or size changed. */
export async function loadWsdlFile(path: string): Promise<WsdlDefinition> {
  const full = resolve(path);
  const info = await stat(full);
  const hit = cache.get(full);
  if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit.def;
  const def = parseWsdl(await readFile(full, 'utf8'), { file: full });
  cache.set(full, { mtimeMs: info.mtimeMs, size: info.size, def });
  return def;
}

/** Synchronous variant for places that cannot await (config node construction). */
export function loadWsdlFileSync(path: string): WsdlDefinition {
  const full = resolve(path);
  const info = statSync(full);
  const hit = cache.get(full);
  if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit.def;
  const def = parseWsdl(readFileSync(full, 'utf8'), { file: full });
  cache.set(full, { mtimeMs: info.mtimeMs, size: info.size, def });
  return def;
}

/**
 * The SOAP version of each port, keyed "Service.Port", from WSDL documents another reader loaded
 * (node-soap's client). node-soap keeps no trace of whether a binding was soap: or soap12:, yet
 * the envelope and Content-Type of a call must follow the binding of the port it goes through.
 * A document this reader cannot take yields no entry, and the caller keeps SOAP 1.1 for that port.
 */
export function portSoapVersions(texts: readonly string[]): Map<string, SoapVersion> {
  const roots: XmlElement[] = [];
  for (const text of texts) {
    try {
      const root = parseXmlTree(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      if (root.ns === WSDL_NS && root.local === 'definitions') roots.push(root);
    } catch {
      // node-soap accepted it; an entry missing here only means the port is called as SOAP 1.1
    }
  }
  const versions = new Map<string, SoapVersion>();
  let defs: Definitions;
  try {
    defs = collect(roots);
  } catch {
    return versions;
  }
  for (const service of defs.services) {
    for (const port of childrenNamed(service, WSDL_NS, 'port')) {
      if (!port.attrs.binding) continue;
      let binding: XmlElement | undefined;
      try {
        binding = defs.bindings.get(key(resolveQName(port.attrs.binding, port)));
      } catch {
        continue;
      }
      if (!binding) continue;
      const version = firstChild(binding, WSDL_SOAP12_NS, 'binding')
        ? '1.2'
        : firstChild(binding, WSDL_SOAP11_NS, 'binding')
          ? '1.1'
          : undefined;
      if (version) versions.set(`${service.attrs.name ?? ''}.${port.attrs.name ?? ''}`, version);
    }
  }
  return versions;
}
