import type { SoapFaultInfo, SoapVersion } from './types';
import { assertSafeXml, byteSize, UnsafeXmlError } from '../../formats/xml/xml-safety';
import { decodeXmlBytes, XmlEncodingError } from '../../formats/xml/xml-input';
import { parseXmlTree, XmlSyntaxError, type XmlElement } from '../../formats/xml/xml-tree';

export const SOAP11_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** A fault raised while handling a request; carries what the server needs to render it. */
export class SoapFaultError extends Error {
  constructor(
    readonly fault: SoapFaultInfo,
    /** the request's SOAP version when known, so the fault is rendered in the client's dialect */
    readonly version?: SoapVersion,
    /** HTTP status when it should differ from SOAP's 500 (e.g. 413) */
    readonly httpStatus?: number,
  ) {
    super(fault.message);
    this.name = 'SoapFaultError';
  }
}

export function clientFault(
  message: string,
  version?: SoapVersion,
  detail?: SoapFaultInfo['detail'],
): SoapFaultError {
  return new SoapFaultError({ code: 'client', message, ...(detail ? { detail } : {}) }, version);
}

export interface ParsedEnvelope {
  version: SoapVersion;
  headers: Record<string, unknown>;
  /** the SOAP Header as parsed, for consumers that need attributes and namespaces (WS-Security) */
  headerElement?: XmlElement;
  /** local name of the single element in the Body */
  operationElement: string;
  namespace: string;
  /** the single element in the Body, for decoding against the WSDL's schema */
  operation: XmlElement;
  /** the operation element's content as schema-less JSON (computed on first use) */
  readonly body: Record<string, unknown>;
}

function versionOf(ns: string): SoapVersion | undefined {
  if (ns === SOAP11_ENV_NS) return '1.1';
  if (ns === SOAP12_ENV_NS) return '1.2';
  return undefined;
}

/**
 * Element content as plain JSON: leaves are their exact text (no trimming, no number coercion),
 * repeated children become arrays, xsi:nil becomes null. Whitespace between child elements is
 * formatting, not data, so it is dropped; other text next to elements is kept under '#text' so
 * validation can name it instead of silently losing it.
 */
export function elementToJson(element: XmlElement): unknown {
  if (element.children.length === 0) {
    const nil = Object.entries(element.attrs).find(([name]) => name === 'nil' || name.endsWith(':nil'));
    if (nil && (nil[1] === 'true' || nil[1] === '1') && isXsiAttr(nil[0], element)) return null;
    return element.text;
  }
  const out: Record<string, unknown> = {};
  for (const child of element.children) {
    const value = elementToJson(child);
    if (!Object.prototype.hasOwnProperty.call(out, child.local)) {
      out[child.local] = value;
    } else {
      const existing = out[child.local];
      if (Array.isArray(existing) && repeated.has(existing)) existing.push(value);
      else {
        const list = [existing, value];
        repeated.add(list);
        out[child.local] = list;
      }
    }
  }
  if (element.text.trim() !== '') out['#text'] = element.text;
  return out;
}

// Marks arrays we built from repeats, so a value that merely is an array is never appended to.
const repeated = new WeakSet<unknown[]>();

function isXsiAttr(name: string, element: XmlElement): boolean {
  const colon = name.indexOf(':');
  return colon > 0 && element.scope.get(name.slice(0, colon)) === XSI_NS;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The charset a Content-Type names, lower-cased; the server and the client decode bodies by it. */
export function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match ? match[1].toLowerCase() : undefined;
}

export function parseEnvelope(
  raw: Buffer | string,
  options: { maxBytes: number; /** Content-Type's charset, when it names one */ charset?: string },
): ParsedEnvelope {
  const size = byteSize(raw);
  if (size > options.maxBytes) {
    throw new SoapFaultError(
      { code: 'client', message: `request body exceeds the limit of ${options.maxBytes} bytes` },
      undefined,
      413,
    );
  }
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : decodeXmlBytes(raw, options.charset);
  } catch (err) {
    if (err instanceof XmlEncodingError) throw clientFault(err.message, sniffVersion(raw.toString('latin1')));
    throw err;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw clientFault('empty request body: expected a SOAP envelope');

  try {
    assertSafeXml(text);
  } catch (err) {
    if (err instanceof UnsafeXmlError) throw clientFault(err.message, sniffVersion(text));
    throw err;
  }
  let root: XmlElement;
  try {
    root = parseXmlTree(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw clientFault(err.message, sniffVersion(text));
    throw err;
  }

  const version = versionOf(root.ns);
  if (root.local === 'Envelope' && !version) {
    // SOAP 1.1 §4.4.1: an Envelope of another namespace is a VersionMismatch, answered in SOAP 1.1
    throw new SoapFaultError(
      {
        code: 'version-mismatch',
        message: `unknown envelope namespace '${root.ns || '(none)'}' (SOAP 1.1: ${SOAP11_ENV_NS}, SOAP 1.2: ${SOAP12_ENV_NS})`,
      },
      '1.1',
    );
  }
  if (root.local !== 'Envelope' || !version) {
    throw clientFault(`not a SOAP envelope: root element is <${root.qname}>`);
  }
  const envNs = root.ns;
  let header: XmlElement | undefined;
  let body: XmlElement | undefined;
  for (const child of root.children) {
    if (child.ns === envNs && child.local === 'Header' && !header && !body) header = child;
    else if (child.ns === envNs && child.local === 'Body' && !body) body = child;
    else throw clientFault(`unexpected element <${child.qname}> in the SOAP Envelope`, version);
  }
  if (!body) throw clientFault('SOAP envelope has no Body', version);
  if (body.children.length === 0)
    throw clientFault('SOAP Body is empty: expected the operation element', version);
  if (body.children.length > 1) {
    throw clientFault(
      `SOAP Body must hold exactly one element (document/literal wrapped), found ${body.children.length}: ` +
        body.children.map((c) => `<${c.qname}>`).join(', '),
      version,
    );
  }
  const operation = body.children[0];
  return new Envelope(version, header ? asRecord(elementToJson(header)) : {}, header, operation);
}

/** A class, so the lazy body is a prototype getter and building one costs no property definitions. */
class Envelope implements ParsedEnvelope {
  private json: Record<string, unknown> | undefined;
  readonly operationElement: string;
  readonly namespace: string;

  constructor(
    readonly version: SoapVersion,
    readonly headers: Record<string, unknown>,
    readonly headerElement: XmlElement | undefined,
    readonly operation: XmlElement,
  ) {
    this.operationElement = operation.local;
    this.namespace = operation.ns;
  }

  get body(): Record<string, unknown> {
    if (!this.json) {
      const content = elementToJson(this.operation);
      this.json =
        typeof content === 'string' ? (content.trim() === '' ? {} : { '#text': content }) : asRecord(content);
    }
    return this.json;
  }
}

/** Best guess of the version for faults raised before the envelope could be read. */
export function sniffVersion(text: string): SoapVersion | undefined {
  if (text.includes(SOAP12_ENV_NS)) return '1.2';
  if (text.includes(SOAP11_ENV_NS)) return '1.1';
  return undefined;
}
