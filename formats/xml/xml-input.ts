import iconv from 'iconv-lite';
import { assertSafeXml } from './xml-safety';
import { parseXmlTree, type XmlElement } from './xml-tree';

export class XmlEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlEncodingError';
  }
}

// Only ASCII-compatible encodings can be sniffed this way, which is all that SAP and Siebel
// file ports write (UTF-8 or a Latin code page); UTF-16 is recognised by its byte order mark.
const DECLARED = /^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

/**
 * Legacy systems write files in the code page their XML declaration names (SAP file ports often
 * say iso-8859-1), so a Buffer is decoded by that declaration, falling back to UTF-8 as XML does.
 */
export function decodeXmlBytes(raw: Buffer): string {
  if (raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) {
    return raw.subarray(3).toString('utf8');
  }
  if (raw.length >= 2 && raw[0] === 0xff && raw[1] === 0xfe) return iconv.decode(raw.subarray(2), 'utf-16le');
  if (raw.length >= 2 && raw[0] === 0xfe && raw[1] === 0xff) return iconv.decode(raw.subarray(2), 'utf-16be');
  const head = raw.subarray(0, 200).toString('latin1');
  const declared = DECLARED.exec(head)?.[1];
  if (!declared || /^utf-?8$/i.test(declared)) return raw.toString('utf8');
  if (!iconv.encodingExists(declared)) {
    throw new XmlEncodingError(`unsupported XML encoding "${declared}" in the XML declaration`);
  }
  return iconv.decode(raw, declared);
}

/** DOCTYPE/ENTITY are refused before the parser sees anything (see connectors/soap/xml-safety). */
export function parseSafeXml(xml: string | Buffer): XmlElement {
  const text = typeof xml === 'string' ? xml : decodeXmlBytes(xml);
  assertSafeXml(text);
  return parseXmlTree(text);
}

/** Character data of an element that should hold only child elements. */
export function strayText(element: XmlElement): string | undefined {
  const text = element.text.trim();
  return text === '' ? undefined : text;
}
