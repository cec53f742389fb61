import { qkey, XSD_NS } from './model';
import type { XmlElement } from '../../../formats/xml/xml-tree';

/** What a top-level schema component needs to know about the schema document it came from. */
export interface SchemaInfo {
  targetNamespace: string;
  elementQualified: boolean;
  attributeQualified: boolean;
  /** the document it came from, for messages */
  location: string;
}

export interface TopLevel {
  el: XmlElement;
  schema: SchemaInfo;
}

/**
 * Loads a schema document named by xsd:import/include schemaLocation, relative to the document that
 * names it. Returns the document's key (for "loaded once") and its root element.
 */
export type SchemaLoader = (location: string, from: string) => { key: string; root: XmlElement };

export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

const KINDS = ['element', 'complexType', 'simpleType', 'group', 'attributeGroup', 'attribute'] as const;
type Kind = (typeof KINDS)[number];

/** Documentation and constructs that do not change what an instance may contain. */
const IGNORED = new Set(['annotation', 'notation']);

/**
 * Every schema of a WSDL, inline or loaded, indexed by kind and qualified name. Each document is read
 * once, however often it is imported; an include without a target namespace takes the includer's
 * (the "chameleon" include).
 */
export class SchemaSet {
  private readonly components = new Map<Kind, Map<string, TopLevel>>(KINDS.map((k) => [k, new Map()]));
  private readonly loaded = new Set<string>();
  /** constructs the set does not apply (xsd:redefine); kept so a refusal can name them */
  readonly ignored: string[] = [];
  /** imports that could not be loaded */
  readonly problems: string[] = [];

  constructor(private readonly loader?: SchemaLoader) {}

  get(kind: Kind, ns: string, local: string): TopLevel | undefined {
    return this.components.get(kind)!.get(qkey(ns, local));
  }

  /** Named complex types, for xsi:type lookups. */
  all(kind: Kind): IterableIterator<[string, TopLevel]> {
    return this.components.get(kind)!.entries();
  }

  add(schema: XmlElement, location: string, chameleonNs?: string): void {
    const targetNamespace = schema.attrs.targetNamespace ?? chameleonNs ?? '';
    const info: SchemaInfo = {
      targetNamespace,
      elementQualified: schema.attrs.elementFormDefault === 'qualified',
      attributeQualified: schema.attrs.attributeFormDefault === 'qualified',
      location,
    };
    for (const child of schema.children) {
      if (child.ns !== XSD_NS) continue;
      if (IGNORED.has(child.local)) continue;
      if (child.local === 'import' || child.local === 'include' || child.local === 'redefine') {
        this.follow(child, location, child.local === 'import' ? undefined : targetNamespace);
        continue;
      }
      const kind = KINDS.find((k) => k === child.local);
      if (!kind) {
        this.ignored.push(`xsd:${child.local} in ${location}`);
        continue;
      }
      const name = child.attrs.name;
      if (!name) throw new SchemaError(`top-level xsd:${child.local} without a name in ${location}`);
      const key = qkey(targetNamespace, name);
      // The same document reached twice (inline and imported) defines the same thing twice; first wins.
      const map = this.components.get(kind)!;
      if (!map.has(key)) map.set(key, { el: child, schema: info });
    }
  }

  private follow(ref: XmlElement, from: string, includerNs: string | undefined): void {
    const location = ref.attrs.schemaLocation;
    // An import without a location names a namespace another schema of this WSDL defines.
    if (!location) return;
    if (ref.local === 'redefine') this.ignored.push(`xsd:redefine of ${location} (read as an include)`);
    if (!this.loader) {
      throw new SchemaError(
        `xsd:${ref.local} of '${location}' cannot be loaded: the WSDL has no file location`,
      );
    }
    let loaded: { key: string; root: XmlElement };
    try {
      loaded = this.loader(location, from);
    } catch (err) {
      // what the missing file defines stays undefined; operations that need it are refused with this
      this.problems.push((err as Error).message);
      return;
    }
    const { key, root } = loaded;
    if (this.loaded.has(key)) return;
    this.loaded.add(key);
    if (root.ns !== XSD_NS || root.local !== 'schema') {
      throw new SchemaError(`'${location}' (xsd:${ref.local} in ${from}) is not an XML Schema document`);
    }
    this.add(root, key, includerNs);
  }
}
