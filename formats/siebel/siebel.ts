import { escapeXml, isXmlName } from '../xml/xml-escape';
import type { XmlElement } from '../xml/xml-tree';
import { decodeSiebelName, encodeSiebelName } from './siebel-names';
import { parseSafeXml, strayText } from '../xml/xml-input';

/**
 * Siebel integration object instances (the "Contact" IO as the Siebel Contact web service and
 * the EAI XML Converter write it): <ListOfContact><Contact>…fields…<ListOfPersonal_spcAddress>
 * <Personal_spcAddress>…</Personal_spcAddress></ListOfPersonal_spcAddress></Contact></ListOfContact>.
 *
 * Tree shape: one object per record; fields are strings; each child component list becomes an
 * array under the component name without the "ListOf" prefix; XML attributes of a record (such as
 * operation="upsert" or IsPrimaryMVG="Y") sit in an object under "$attributes".
 * names 'decoded' (default) gives Siebel's own names ("First Name", "Personal Address");
 * names 'raw' gives the XML tags ("First_spcName"), which mapping paths can address directly.
 */
export interface SiebelRecord {
  [name: string]: string | SiebelRecord[] | Record<string, string>;
}

export type SiebelNames = 'decoded' | 'raw';

export interface ParseSiebelOptions {
  names?: SiebelNames;
  /** the charset the message's content type states; without one the XML declaration decides */
  charset?: string;
}

export interface WriteSiebelOptions {
  /** how the keys of the records are written: 'decoded' keys get Siebel-escaped, 'raw' keys are used as they are */
  names?: SiebelNames;
  /** namespace of <ListOfContact>; Siebel's default for the Contact integration object if omitted */
  namespace?: string;
  /** wraps the list in a SOAP 1.1 envelope and this operation element, e.g. SiebelContactInsertOrUpdate_Input */
  soap?: { operation: string; namespace: string };
}

export const SIEBEL_CONTACT_NS = 'http://www.siebel.com/xml/Contact';
export const ATTRIBUTES_KEY = '$attributes';
const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const LIST_PREFIX = 'ListOf';

export class SiebelError extends Error {
  constructor(
    readonly location: string,
    reason: string,
  ) {
    super(`${location}: ${reason}`);
    this.name = 'SiebelError';
  }
}

function findFirst(element: XmlElement, local: string): XmlElement | undefined {
  if (element.local === local) return element;
  for (const child of element.children) {
    const found = findFirst(child, local);
    if (found) return found;
  }
  return undefined;
}

function soapFault(root: XmlElement): string | undefined {
  if (root.local !== 'Envelope') return undefined;
  const fault = findFirst(root, 'Fault');
  if (!fault) return undefined;
  const reason = findFirst(fault, 'faultstring') ?? findFirst(fault, 'Text');
  return reason?.text.trim() || 'no reason given';
}

function recordAttributes(element: XmlElement): Record<string, string> | undefined {
  const entries = Object.entries(element.attrs).filter(
    ([name]) => name !== 'xmlns' && !name.startsWith('xmlns:'),
  );
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

function keyOf(rawName: string, names: SiebelNames): string {
  return names === 'raw' ? rawName : decodeSiebelName(rawName);
}

function readRecord(element: XmlElement, location: string, names: SiebelNames): SiebelRecord {
  const text = strayText(element);
  if (text !== undefined)
    throw new SiebelError(location, `unexpected text ${JSON.stringify(text.slice(0, 40))}`);
  const record: SiebelRecord = {};
  const attributes = recordAttributes(element);
  if (attributes) record[ATTRIBUTES_KEY] = attributes;
  for (const child of element.children) {
    if (child.local.startsWith(LIST_PREFIX)) {
      const component = child.local.slice(LIST_PREFIX.length);
      const key = keyOf(component, names);
      if (Object.hasOwn(record, key)) throw new SiebelError(location, `${child.local} occurs more than once`);
      const listLocation = `${location}.${child.local}`;
      const listText = strayText(child);
      if (listText !== undefined)
        throw new SiebelError(listLocation, `unexpected text ${JSON.stringify(listText)}`);
      record[key] = child.children.map((item, index) => {
        if (item.local !== component) {
          throw new SiebelError(listLocation, `expected <${component}>, found <${item.local}>`);
        }
        return readRecord(item, `${listLocation}.${component}[${index}]`, names);
      });
    } else if (child.children.length > 0) {
      throw new SiebelError(
        location,
        `field ${child.local} has child elements (lists are named ${LIST_PREFIX}…)`,
      );
    } else {
      const key = keyOf(child.local, names);
      if (key === '__proto__' || key === ATTRIBUTES_KEY) {
        throw new SiebelError(location, `field name ${JSON.stringify(key)} is reserved`);
      }
      if (Object.hasOwn(record, key))
        throw new SiebelError(location, `field ${child.local} occurs more than once`);
      record[key] = child.text;
    }
  }
  return record;
}

/** Reads the <Contact> records of a SOAP message (request or response) or of a bare <ListOfContact>. */
export function parseSiebelContacts(xml: string | Buffer, options: ParseSiebelOptions = {}): SiebelRecord[] {
  const names = options.names ?? 'decoded';
  const root = parseSafeXml(xml, options.charset);
  const fault = soapFault(root);
  if (fault !== undefined) throw new SiebelError('SOAP Body', `Siebel answered with a fault: ${fault}`);
  const list = findFirst(root, 'ListOfContact');
  if (!list) throw new SiebelError(`<${root.local}>`, 'no <ListOfContact> element found');
  const text = strayText(list);
  if (text !== undefined) throw new SiebelError('ListOfContact', `unexpected text ${JSON.stringify(text)}`);
  return list.children.map((contact, index) => {
    if (contact.local !== 'Contact') {
      throw new SiebelError('ListOfContact', `expected <Contact>, found <${contact.local}>`);
    }
    return readRecord(contact, `Contact[${index}]`, names);
  });
}

// ---------------------------------------------------------------------------------------------
// Writing

function tagFor(key: string, names: SiebelNames, location: string): string {
  const tag = names === 'raw' ? key : encodeSiebelName(key);
  if (!isXmlName(tag)) throw new SiebelError(location, `${JSON.stringify(key)} does not give an XML name`);
  return tag;
}

function writeRecord(
  lines: string[],
  tag: string,
  record: unknown,
  depth: number,
  location: string,
  names: SiebelNames,
): void {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new SiebelError(location, 'a record must be an object');
  }
  const pad = '  '.repeat(depth);
  const entries = Object.entries(record as Record<string, unknown>);
  let attributes = '';
  const attributeValue = (record as Record<string, unknown>)[ATTRIBUTES_KEY];
  if (attributeValue !== undefined) {
    if (attributeValue === null || typeof attributeValue !== 'object' || Array.isArray(attributeValue)) {
      throw new SiebelError(location, `${ATTRIBUTES_KEY} must be an object of strings`);
    }
    for (const [name, value] of Object.entries(attributeValue)) {
      if (!isXmlName(name) || typeof value !== 'string') {
        throw new SiebelError(
          location,
          `attribute ${JSON.stringify(name)} must be an XML name with a string value`,
        );
      }
      attributes += ` ${name}="${escapeXml(value)}"`;
    }
  }
  lines.push(`${pad}<${tag}${attributes}>`);
  // Siebel expects the fields of a component before its child component lists.
  for (const [key, value] of entries) {
    if (key === ATTRIBUTES_KEY || Array.isArray(value)) continue;
    if (typeof value !== 'string') {
      throw new SiebelError(location, `field ${JSON.stringify(key)} must be a string, got ${typeof value}`);
    }
    const fieldTag = tagFor(key, names, location);
    lines.push(
      value === '' ? `${pad}  <${fieldTag}/>` : `${pad}  <${fieldTag}>${escapeXml(value)}</${fieldTag}>`,
    );
  }
  for (const [key, value] of entries) {
    if (!Array.isArray(value)) continue;
    const component = tagFor(key, names, location);
    const listTag = `${LIST_PREFIX}${component}`;
    lines.push(`${pad}  <${listTag}>`);
    value.forEach((child: unknown, index) => {
      writeRecord(lines, component, child, depth + 2, `${location}.${listTag}.${component}[${index}]`, names);
    });
    lines.push(`${pad}  </${listTag}>`);
  }
  lines.push(`${pad}</${tag}>`);
}

/** Writes contacts as a <ListOfContact> document, optionally inside a SOAP request. */
export function writeSiebelContacts(
  contacts: readonly SiebelRecord[],
  options: WriteSiebelOptions = {},
): string {
  const names = options.names ?? 'decoded';
  const namespace = options.namespace ?? SIEBEL_CONTACT_NS;
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const soap = options.soap;
  if (soap && !isXmlName(soap.operation)) {
    throw new SiebelError('SOAP Body', `operation ${JSON.stringify(soap.operation)} is not an XML name`);
  }
  const depth = soap ? 3 : 0;
  if (soap) {
    lines.push(
      `<soapenv:Envelope xmlns:soapenv="${SOAP11_NS}">`,
      '  <soapenv:Body>',
      `    <op:${soap.operation} xmlns:op="${escapeXml(soap.namespace)}">`,
    );
  }
  const pad = '  '.repeat(depth);
  lines.push(`${pad}<ListOfContact xmlns="${escapeXml(namespace)}">`);
  contacts.forEach((contact, index) =>
    writeRecord(lines, 'Contact', contact, depth + 1, `Contact[${index}]`, names),
  );
  lines.push(`${pad}</ListOfContact>`);
  if (soap) lines.push(`    </op:${soap.operation}>`, '  </soapenv:Body>', '</soapenv:Envelope>');
  lines.push('');
  return lines.join('\n');
}
