/**
 * The compiled form of the XML Schema parts a WSDL uses. Named types and global elements are
 * compiled once and shared, so a recursive type is simply a cycle in this graph: nothing is
 * expanded ahead of time, and walkers stop at the instance's own depth.
 */
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

export interface Facets {
  length?: number;
  minLength?: number;
  maxLength?: number;
  /** each step of a derivation chain adds one entry; a value must match all of them */
  patterns?: string[];
  enumeration?: string[];
  minInclusive?: string;
  maxInclusive?: string;
  minExclusive?: string;
  maxExclusive?: string;
  totalDigits?: number;
  fractionDigits?: number;
}

export interface SimpleType {
  kind: 'simple';
  /** for messages: the type's name, or the built-in one it restricts */
  name: string;
  /** the XSD built-in at the root of the derivation (string, int, date, ...) */
  builtin: string;
  facets: Facets;
  /** xsd:list: the value is a whitespace-separated list of this type */
  itemType?: SimpleType;
  /** xsd:union: the value must be valid for one of these */
  memberTypes?: SimpleType[];
}

export interface Wildcard {
  /** '##any', '##other', or a list of namespace URIs where '' stands for ##local */
  namespaces: '##any' | '##other' | string[];
  /** the schema's target namespace, which ##other excludes and ##targetNamespace names */
  targetNamespace: string;
  process: 'strict' | 'lax' | 'skip';
}

export interface AttributeDecl {
  name: string;
  ns: string;
  type: SimpleType;
  required: boolean;
  fixed?: string;
}

export interface ElementDecl {
  name: string;
  /** '' when the element is unqualified */
  ns: string;
  nillable: boolean;
  type: XsdType;
}

export interface ElementParticle {
  kind: 'element';
  decl: ElementDecl;
  minOccurs: number;
  maxOccurs: number;
}

export interface GroupParticle {
  kind: 'sequence' | 'choice' | 'all';
  minOccurs: number;
  maxOccurs: number;
  items: Particle[];
}

export interface AnyParticle {
  kind: 'any';
  minOccurs: number;
  maxOccurs: number;
  wildcard: Wildcard;
}

export type Particle = ElementParticle | GroupParticle | AnyParticle;

export interface ComplexType {
  kind: 'complex';
  /** the type's name, or a description of where an anonymous one was declared */
  name: string;
  /** namespace of a named type ('' for anonymous ones) */
  ns: string;
  named: boolean;
  abstract: boolean;
  mixed: boolean;
  /** the type it extends or restricts, for xsi:type checks */
  base?: ComplexType;
  content?: GroupParticle;
  attributes: AttributeDecl[];
  anyAttribute?: Wildcard;
  /** simpleContent: the type of the element's text */
  text?: SimpleType;
}

export type XsdType = SimpleType | ComplexType;

/** One rule of the instance shape, for messages: field path plus why. */
export interface ValidationError {
  /** dotted path, e.g. address.postalCode; repeats carry an index: lines[1].sku; attributes @name */
  field: string;
  message: string;
}

/** Key of a qualified name, {ns}local. */
export const qkey = (ns: string, local: string): string => `{${ns}}${local}`;

export function admits(wildcard: Wildcard, ns: string): boolean {
  const { namespaces } = wildcard;
  if (namespaces === '##any') return true;
  if (namespaces === '##other') return ns !== wildcard.targetNamespace && ns !== '';
  return namespaces.includes(ns);
}
