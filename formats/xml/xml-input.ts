import iconv from 'iconv-lite';
import { invalidUtf8At, startsWithUtf8Bom } from '../utf8';
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
 * A charset the transport states (HTTP's Content-Type) comes first, as RFC 7303 has it. Bytes that
 * are not UTF-8 where UTF-8 is meant are refused, naming the byte: XML calls that a fatal error, and
 * decoding them anyway would store "K\uFFFDln" for Köln.
 */
export function decodeXmlBytes(raw: Buffer, transportCharset?: string): string {
  if (startsWithUtf8Bom(raw)) return strictUtf8(raw.subarray(3), 3);
  if (raw.length >= 2 && raw[0] === 0xff && raw[1] === 0xfe) return iconv.decode(raw.subarray(2), 'utf-16le');
  if (raw.length >= 2 && raw[0] === 0xfe && raw[1] === 0xff) return iconv.decode(raw.subarray(2), 'utf-16be');
  const declared = transportCharset ?? DECLARED.exec(raw.subarray(0, 200).toString('latin1'))?.[1];
  if (!declared || /^utf-?8$/i.test(declared)) return strictUtf8(raw, 0);
  if (!iconv.encodingExists(declared)) {
    throw new XmlEncodingError(
      transportCharset
        ? `unsupported charset "${declared}" in the Content-Type: send UTF-8 or a Latin code page such as ISO-8859-1`
        : `unsupported XML encoding "${declared}" in the XML declaration`,
    );
  }
  return iconv.decode(raw, declared);
}

function strictUtf8(bytes: Buffer, offset: number): string {
  const bad = invalidUtf8At(bytes);
  if (bad === undefined) return bytes.toString('utf8');
  throw new XmlEncodingError(
    `the XML is not valid UTF-8 at byte ${offset + bad}: declare its encoding (e.g. <?xml version="1.0" encoding="ISO-8859-1"?>) or send UTF-8`,
  );
}

/**
 * DOCTYPE/ENTITY are refused before the parser sees anything (see connectors/soap/xml-safety).
 * `transportCharset`: the charset the message's content type states, which comes before the declaration.
 */
export function parseSafeXml(xml: string | Buffer, transportCharset?: string): XmlElement {
  const text = typeof xml === 'string' ? xml : decodeXmlBytes(xml, transportCharset);
  assertSafeXml(text);
  return parseXmlTree(text);
}

/** Character data of an element that should hold only child elements. */
export function strayText(element: XmlElement): string | undefined {
  const text = element.text.trim();
  return text === '' ? undefined : text;
}
