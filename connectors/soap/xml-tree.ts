import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A namespace-resolved element tree. fast-xml-parser knows prefixes but not namespaces, and both
 * WSDL and SOAP are defined by namespace URI, not by prefix, so we resolve them here once.
 */
export interface XmlElement {
  /** name as written, e.g. soap:Envelope */
  qname: string;
  local: string;
  /** namespace URI, '' when unqualified */
  ns: string;
  /** attributes by name as written (xmlns declarations included) */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** concatenated direct text content (CDATA included), untrimmed */
  text: string;
  /** in-scope prefix → namespace bindings, to resolve QName-valued attributes such as type="tns:Foo" */
  scope: ReadonlyMap<string, string>;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Keep every value a string: "0004711" must not become 4711.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  // needed for numeric character references (&#65;); DTD-defined entities never get here
  htmlEntities: true,
});

type OrderedNode = Record<string, unknown>;

function splitName(qname: string): [string, string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

function build(
  tag: string,
  content: unknown,
  rawAttrs: unknown,
  parentScope: ReadonlyMap<string, string>,
): XmlElement {
  const attrs: Record<string, string> = {};
  let scope = parentScope;
  if (rawAttrs && typeof rawAttrs === 'object') {
    for (const [name, value] of Object.entries(rawAttrs as Record<string, unknown>)) {
      const text = typeof value === 'string' ? value : String(value);
      attrs[name] = text;
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        (scope as Map<string, string>).set(name === 'xmlns' ? '' : name.slice(6), text);
      }
    }
  }
  const [prefix, local] = splitName(tag);
  const ns = scope.get(prefix);
  if (ns === undefined && prefix !== '')
    throw new XmlSyntaxError(`undeclared namespace prefix '${prefix}' on <${tag}>`);
  const element: XmlElement = { qname: tag, local, ns: ns ?? '', attrs, children: [], text: '', scope };
  if (Array.isArray(content)) {
    for (const node of content as OrderedNode[]) {
      for (const key of Object.keys(node)) {
        if (key === ':@') continue;
        if (key === '#text') element.text += String(node[key]);
        else if (key.startsWith('?'))
          continue; // processing instructions carry no data for us
        else element.children.push(build(key, node[key], node[':@'], scope));
      }
    }
  }
  return element;
}

/** Parses well-formed XML into one root element. Call assertSafeXml first: this does not look for DTDs. */
export function parseXmlTree(text: string): XmlElement {
  const check = XMLValidator.validate(text);
  if (check !== true) {
    throw new XmlSyntaxError(
      `not well-formed XML: ${check.err.msg} (line ${check.err.line}, column ${check.err.col})`,
    );
  }
  const nodes = parser.parse(text) as OrderedNode[];
  const rootScope = new Map([['xml', XML_NS]]);
  let root: XmlElement | undefined;
  for (const node of nodes) {
    for (const key of Object.keys(node)) {
      if (key === ':@' || key === '#text' || key.startsWith('?')) continue;
      if (root) throw new XmlSyntaxError('not well-formed XML: more than one root element');
      root = build(key, node[key], node[':@'], rootScope);
    }
  }
  if (!root) throw new XmlSyntaxError('not well-formed XML: no root element');
  return root;
}

/** Resolves a QName-valued attribute (type="tns:Foo") against the element's namespace scope. */
export function resolveQName(value: string, element: XmlElement): { ns: string; local: string } {
  const [prefix, local] = splitName(value.trim());
  const ns = element.scope.get(prefix);
  if (ns === undefined && prefix !== '') {
    throw new XmlSyntaxError(`undeclared namespace prefix '${prefix}' in '${value}' on <${element.qname}>`);
  }
  return { ns: ns ?? '', local };
}

export function childrenNamed(element: XmlElement, ns: string, local: string): XmlElement[] {
  return element.children.filter((c) => c.ns === ns && c.local === local);
}

export function firstChild(element: XmlElement, ns: string, local: string): XmlElement | undefined {
  return element.children.find((c) => c.ns === ns && c.local === local);
}
