import { escapeXml, isXmlName } from '../xml/xml-escape';
import type { XmlElement } from '../xml/xml-tree';
import {
  CHILD_SEGMENTS,
  CONTROL_FIELDS,
  CONTROL_RECORD,
  DEFINITION_NAMES,
  SEGMENT_FIELDS,
} from './idoc-catalogue';
import { parseSafeXml, strayText } from '../xml/xml-input';

/**
 * SAP IDoc XML (the "IDoc-XML" of file and HTTP ports), e.g. DEBMAS07 customer master.
 *
 * Tree shape, kept plain so the mapping engine can address it with paths such as
 * `segments.E1KNA1M[0].E1KNVVM[1].VKORG`:
 * - a segment is an object; its fields are strings (never numbers: KUNNR "0000004711" stays so),
 * - its child segments are arrays keyed by segment TYPE name, even when only one occurs.
 */
export interface IdocSegment {
  [name: string]: string | IdocSegment[];
}

export interface IdocDocument {
  /** root element of the file: the basic type (DEBMAS07) or the extension type */
  idocType: string;
  /** control record EDI_DC40, field by field */
  control: Record<string, string>;
  /** top-level data segments by type name, e.g. { E1KNA1M: [...] } */
  segments: Record<string, IdocSegment[]>;
}

export interface WriteIdocOptions {
  /** 'type': E1KNA1M; 'definition': E2KNA1M005 (release-specific, as some partner systems expect) */
  segmentNames: 'type' | 'definition';
  /** overrides of the type → definition name table (see idoc-catalogue DEFINITION_NAMES) */
  definitionNames?: Readonly<Record<string, string>>;
}

export class IdocError extends Error {
  constructor(
    /** e.g. "IDOC[0] segment E1KNA1M[0].E1KNVVM[1]" */
    readonly location: string,
    reason: string,
  ) {
    super(`${location}: ${reason}`);
    this.name = 'IdocError';
  }
}

/**
 * Segment definitions are the type name with "2" for "1" and a three-digit release suffix
 * (E2KNA1M005 → E1KNA1M); customer segments follow the same rule in the Z namespace (Z2… → Z1…).
 */
export function segmentTypeName(name: string): string {
  const match = /^([EYZ])2(\w+)$/.exec(name);
  if (!match) return name;
  const [, namespace, rest] = match;
  const unversioned = `${namespace}1${rest}`;
  if (isKnownSegment(unversioned)) return unversioned;
  const versioned = /^(\w+?)\d{3}$/.exec(rest);
  return versioned ? `${namespace}1${versioned[1]}` : unversioned;
}

function isKnownSegment(type: string): boolean {
  return type in SEGMENT_FIELDS || Object.values(CHILD_SEGMENTS).some((list) => list.includes(type));
}

// A segment carries SEGMENT="1"; an element with children is a segment even when a sender left
// the attribute out. Everything else is a field.
function isSegmentElement(element: XmlElement): boolean {
  return element.attrs.SEGMENT !== undefined || element.children.length > 0;
}

function where(idocIndex: number, steps: readonly string[]): string {
  return steps.length === 0 ? `IDOC[${idocIndex}]` : `IDOC[${idocIndex}] segment ${steps.join('.')}`;
}

function readControl(element: XmlElement, location: string): Record<string, string> {
  const control: Record<string, string> = {};
  for (const child of element.children) {
    if (child.children.length > 0) throw new IdocError(location, `field ${child.local} has child elements`);
    if (Object.hasOwn(control, child.local)) {
      throw new IdocError(location, `field ${child.local} occurs more than once`);
    }
    control[child.local] = child.text;
  }
  return control;
}

function readChildren(target: IdocSegment, element: XmlElement, idocIndex: number, steps: string[]): void {
  const location = where(idocIndex, steps);
  const text = strayText(element);
  if (text !== undefined)
    throw new IdocError(location, `unexpected text ${JSON.stringify(text.slice(0, 40))}`);
  for (const child of element.children) {
    // Keys come from the document; this one would reach the prototype instead of the tree.
    if (child.local === '__proto__') throw new IdocError(location, 'element name __proto__ is not allowed');
    const existing = target[child.local];
    if (isSegmentElement(child)) {
      const type = segmentTypeName(child.local);
      const list = target[type] ?? [];
      if (typeof list === 'string') throw new IdocError(location, `${type} is both a field and a segment`);
      target[type] = list;
      const segment: IdocSegment = {};
      readChildren(segment, child, idocIndex, [...steps, `${type}[${list.length}]`]);
      list.push(segment);
    } else if (Array.isArray(existing)) {
      throw new IdocError(location, `${child.local} is both a field and a segment`);
    } else if (existing !== undefined) {
      throw new IdocError(location, `field ${child.local} occurs more than once`);
    } else {
      target[child.local] = child.text;
    }
  }
}

function readIdoc(element: XmlElement, idocType: string, index: number): IdocDocument {
  const controls = element.children.filter((c) => c.local === CONTROL_RECORD);
  if (controls.length !== 1) {
    throw new IdocError(
      where(index, []),
      controls.length === 0
        ? `control record ${CONTROL_RECORD} is missing`
        : `${CONTROL_RECORD} occurs more than once`,
    );
  }
  const control = readControl(controls[0], `${where(index, [])} control record ${CONTROL_RECORD}`);
  const data: IdocSegment = {};
  const dataElement: XmlElement = { ...element, children: element.children.filter((c) => c !== controls[0]) };
  readChildren(data, dataElement, index, []);
  const segments: Record<string, IdocSegment[]> = {};
  for (const [name, value] of Object.entries(data)) {
    if (typeof value === 'string') {
      throw new IdocError(where(index, []), `field ${name} outside of any segment`);
    }
    segments[name] = value;
  }
  return { idocType, control, segments };
}

/** One <IDOC> of a file: its document, or why it cannot be read, with its DOCNUM when that can be. */
export type IdocItem =
  | { index: number; docnum?: string; doc: IdocDocument }
  | { index: number; docnum?: string; error: IdocError };

/** DOCNUM from a control record that may itself be broken, so the error can name the IDoc anyway. */
function docnumOf(element: XmlElement): string | undefined {
  const control = element.children.find((c) => c.local === CONTROL_RECORD);
  const docnum = control?.children.find((c) => c.local === 'DOCNUM')?.text.trim();
  return docnum || undefined;
}

/**
 * Each <IDOC> of a file on its own: one malformed IDoc of a packet is an error of that IDoc, and the
 * others are read. Throws only when the file as a whole cannot be read (not well-formed, no IDocs).
 * `transportCharset`: the charset the message's content type states; else the XML declaration decides.
 */
export function readIdocXml(xml: string | Buffer, transportCharset?: string): IdocItem[] {
  const root = parseSafeXml(xml, transportCharset);
  const text = strayText(root);
  if (text !== undefined) {
    throw new IdocError(`<${root.local}>`, `unexpected text ${JSON.stringify(text.slice(0, 40))}`);
  }
  const items: IdocItem[] = [];
  for (const child of root.children) {
    if (child.local !== 'IDOC') {
      throw new IdocError(`<${root.local}>`, `expected only <IDOC> elements, found <${child.local}>`);
    }
    const index = items.length;
    const docnum = docnumOf(child);
    try {
      items.push({ index, ...(docnum ? { docnum } : {}), doc: readIdoc(child, root.local, index) });
    } catch (err) {
      if (!(err instanceof IdocError)) throw err;
      items.push({ index, ...(docnum ? { docnum } : {}), error: err });
    }
  }
  if (items.length === 0) throw new IdocError(`<${root.local}>`, 'no <IDOC> element: not an IDoc-XML file');
  return items;
}

/** Parses an IDoc-XML file: one document per <IDOC BEGIN="1"> under the root (e.g. <DEBMAS07>). */
export function parseIdocXml(xml: string | Buffer): IdocDocument[] {
  return readIdocXml(xml).map((item) => {
    if ('error' in item) throw item.error;
    return item.doc;
  });
}

// ---------------------------------------------------------------------------------------------
// Writing

function ordered(names: readonly string[], known: readonly string[] | undefined): string[] {
  if (!known) return [...names];
  const present = new Set(names);
  const first = known.filter((n) => present.has(n));
  const knownSet = new Set(known);
  return [...first, ...names.filter((n) => !knownSet.has(n))];
}

class IdocWriter {
  private readonly lines: string[] = [];
  private readonly definitionNames: Readonly<Record<string, string>>;

  constructor(private readonly options: WriteIdocOptions) {
    if (options.segmentNames !== 'type' && options.segmentNames !== 'definition') {
      throw new TypeError(`segmentNames must be 'type' or 'definition', got ${String(options.segmentNames)}`);
    }
    this.definitionNames = { ...DEFINITION_NAMES, ...options.definitionNames };
  }

  private elementName(type: string): string {
    if (this.options.segmentNames === 'type') return type;
    return this.definitionNames[type] ?? type.replace(/^([EYZ])1/, '$12');
  }

  private field(depth: number, name: string, value: unknown, location: string): void {
    if (!isXmlName(name))
      throw new IdocError(location, `field name ${JSON.stringify(name)} is not an XML name`);
    if (typeof value !== 'string') {
      throw new IdocError(
        location,
        `field ${name} must be a string, got ${value === null ? 'null' : typeof value}`,
      );
    }
    const pad = '  '.repeat(depth);
    this.lines.push(value === '' ? `${pad}<${name}/>` : `${pad}<${name}>${escapeXml(value)}</${name}>`);
  }

  control(control: Record<string, string>, location: string): void {
    if (control === null || typeof control !== 'object')
      throw new IdocError(location, 'control record missing');
    this.lines.push(`    <${CONTROL_RECORD} SEGMENT="1">`);
    for (const name of ordered(Object.keys(control), CONTROL_FIELDS)) {
      this.field(3, name, control[name], location);
    }
    this.lines.push(`    </${CONTROL_RECORD}>`);
  }

  children(
    parentType: string,
    segments: Record<string, unknown>,
    depth: number,
    idoc: number,
    steps: string[],
  ): void {
    const location = where(idoc, steps);
    for (const type of ordered(Object.keys(segments), CHILD_SEGMENTS[parentType])) {
      const list = segments[type];
      if (!Array.isArray(list)) throw new IdocError(location, `segment ${type} must be an array of segments`);
      const name = this.elementName(type);
      if (!isXmlName(name))
        throw new IdocError(location, `segment name ${JSON.stringify(name)} is not an XML name`);
      list.forEach((segment: unknown, index) => {
        const here = [...steps, `${type}[${index}]`];
        if (segment === null || typeof segment !== 'object' || Array.isArray(segment)) {
          throw new IdocError(where(idoc, here), 'must be an object of fields and child segments');
        }
        this.segment(type, name, segment as Record<string, unknown>, depth, idoc, here);
      });
    }
  }

  private segment(
    type: string,
    name: string,
    segment: Record<string, unknown>,
    depth: number,
    idoc: number,
    steps: string[],
  ): void {
    const pad = '  '.repeat(depth);
    const names = Object.keys(segment);
    const fields = names.filter((n) => !Array.isArray(segment[n]));
    const childTypes = names.filter((n) => Array.isArray(segment[n]));
    this.lines.push(`${pad}<${name} SEGMENT="1">`);
    for (const field of ordered(fields, SEGMENT_FIELDS[type])) {
      this.field(depth + 1, field, segment[field], where(idoc, steps));
    }
    const children: Record<string, unknown> = {};
    for (const child of childTypes) children[child] = segment[child];
    this.children(type, children, depth + 1, idoc, steps);
    this.lines.push(`${pad}</${name}>`);
  }

  document(docs: readonly IdocDocument[]): string {
    const idocType = docs[0].idocType;
    if (!isXmlName(idocType))
      throw new IdocError('IDOC[0]', `idocType ${JSON.stringify(idocType)} is not an XML name`);
    this.lines.push('<?xml version="1.0" encoding="UTF-8"?>', `<${idocType}>`);
    docs.forEach((doc, index) => {
      if (doc.idocType !== idocType) {
        throw new IdocError(
          where(index, []),
          `idocType ${doc.idocType} differs from ${idocType}: one type per file`,
        );
      }
      this.lines.push('  <IDOC BEGIN="1">');
      this.control(doc.control, `${where(index, [])} control record ${CONTROL_RECORD}`);
      this.children('IDOC', doc.segments as Record<string, unknown>, 2, index, []);
      this.lines.push('  </IDOC>');
    });
    this.lines.push(`</${idocType}>`, '');
    return this.lines.join('\n');
  }
}

/**
 * Writes IDoc-XML. Fields come in the segment's documented order (unknown fields after, in their
 * own order), child segments likewise, so equal documents always give byte-equal files.
 */
export function writeIdocXml(doc: IdocDocument | readonly IdocDocument[], options: WriteIdocOptions): string {
  const docs = Array.isArray(doc) ? (doc as readonly IdocDocument[]) : [doc as IdocDocument];
  if (docs.length === 0) throw new IdocError('IDOC', 'nothing to write: no documents');
  return new IdocWriter(options).document(docs);
}
