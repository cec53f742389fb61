/**
 * Guards that run before any XML reaches the parser. DTDs are the root of entity expansion
 * ("billion laughs") and external entity (XXE) attacks; SOAP forbids them anyway (SOAP 1.1 §3,
 * SOAP 1.2 part 1 §5), so refusing them outright costs legitimate clients nothing.
 */
export class UnsafeXmlError extends Error {
  constructor(
    message: string,
    readonly construct: 'DOCTYPE' | 'ENTITY',
  ) {
    super(message);
    this.name = 'UnsafeXmlError';
  }
}

export class PayloadTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`request body exceeds the limit of ${limit} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

// Whitespace after "<!" is not legal XML, but tolerate it so a sloppy parser downstream can never
// be tricked into seeing a declaration we missed.
const DECLARATION = /<!\s*(DOCTYPE|ENTITY)/i;
// A declaration, or the start of a comment, CDATA section or processing instruction, whose text is
// data, not markup: a CDATA section may well quote "<!doctype html>". Each is skipped to its own end,
// so one cannot open a comment inside another (`<?x <!-- ?><!DOCTYPE …`) to hide a declaration. The
// section markers are case-sensitive, as in XML.
const MARKUP = /<\?|<!(?:--|\[CDATA\[|\s*([Dd][Oo][Cc][Tt][Yy][Pp][Ee]|[Ee][Nn][Tt][Ii][Tt][Yy]))/g;
const CLOSE: Record<string, string> = { '<?': '?>', '<!--': '-->', '<![CDATA[': ']]>' };

export function assertSafeXml(text: string): void {
  MARKUP.lastIndex = 0;
  for (let match = MARKUP.exec(text); match; match = MARKUP.exec(text)) {
    if (match[1]) refuse(match[1]);
    const end = CLOSE[match[0]];
    const close = text.indexOf(end, MARKUP.lastIndex);
    if (close < 0) {
      // never closed: the parser refuses it, but nothing after it is taken for data here
      const rest = DECLARATION.exec(text.slice(MARKUP.lastIndex));
      if (rest) refuse(rest[1]);
      return;
    }
    MARKUP.lastIndex = close + end.length;
  }
}

function refuse(name: string): never {
  const construct = name.toUpperCase() as 'DOCTYPE' | 'ENTITY';
  throw new UnsafeXmlError(
    `unsafe XML: <!${construct}> declarations are not allowed (DTDs and entities are refused)`,
    construct,
  );
}

/** Size in bytes of a body that may still be a string (UTF-8, as sent on the wire). */
export function byteSize(raw: Buffer | string): number {
  return typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
}

export function assertWithinSize(raw: Buffer | string, maxBytes: number): void {
  const size = byteSize(raw);
  if (size > maxBytes) throw new PayloadTooLargeError(size, maxBytes);
}
