/**
 * A namespace-resolved element tree. Both WSDL and SOAP are defined by namespace URI, not by
 * prefix, so prefixes are resolved here once, while parsing.
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
  scope: NamespaceScope;
}

/**
 * The prefix bindings in scope at an element: its own declarations over its parent's scope. Nothing
 * is copied, so a document with many declarations costs what it declares; elements that declare
 * nothing new share their parent's scope.
 */
export class NamespaceScope implements Iterable<[string, string]> {
  constructor(
    private readonly parent: NamespaceScope | undefined,
    private readonly own: ReadonlyMap<string, string>,
    /** how many scopes with declarations of their own lead here, the root scope included */
    readonly depth: number,
  ) {}

  get(prefix: string): string | undefined {
    return this.own.get(prefix) ?? this.parent?.get(prefix);
  }

  /** every binding in scope, outermost declaration first */
  [Symbol.iterator](): Iterator<[string, string]> {
    const bindings = new Map(this.parent ?? []);
    for (const [prefix, uri] of this.own) bindings.set(prefix, uri);
    return bindings[Symbol.iterator]();
  }
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * The parser itself never recurses, but everything that walks the tree afterwards (WSDL schema
 * compilation, IDoc segments, JSON conversion) does; a hostile request must not be able to
 * exhaust the stack there. Real SOAP bodies and IDocs stay far below this.
 */
const MAX_DEPTH = 256;
/**
 * Resolving a prefix walks up the scopes that declared something new; a hostile body nesting
 * hundreds of them would make every lookup below them slow. Real envelopes and IDocs have a handful.
 */
const MAX_NAMESPACE_DEPTH = 64;
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

// This parser runs on every SOAP request and every IDoc/Siebel file, so it is a single pass over
// the string that builds the tree directly. It checks XML 1.0 well-formedness (without DTD
// support: any DOCTYPE is refused, and only the predefined entities exist).

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;
const HASH = 0x23;
const SEMICOLON = 0x3b;
const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;

const NAME_START = 1;
const NAME_CHAR = 2;
/** character classes of ASCII name characters (XML 1.0 §2.3 NameStartChar / NameChar) */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) ASCII_NAME[c] = NAME_START | NAME_CHAR;
  else if (/[0-9.-]/.test(ch)) ASCII_NAME[c] = NAME_CHAR;
}

function isNonAsciiNameStart(c: number): boolean {
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c ||
    c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd)
  );
}

function isNonAsciiNameChar(c: number): boolean {
  return isNonAsciiNameStart(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

/** U+10000..U+EFFFF, which are name characters, as a surrogate pair starting at i */
function isAstralNameChar(text: string, i: number, c: number): boolean {
  if (c < 0xd800 || c > 0xdb7f) return false;
  const low = text.charCodeAt(i + 1);
  return low >= 0xdc00 && low <= 0xdfff;
}

/** End of the XML Name starting at pos; pos itself when there is none. */
function scanName(text: string, pos: number): number {
  let i = pos;
  const first = text.charCodeAt(i);
  if (first < 128) {
    if ((ASCII_NAME[first] & NAME_START) === 0) return pos;
    i++;
  } else if (isNonAsciiNameStart(first)) i++;
  else if (isAstralNameChar(text, i, first)) i += 2;
  else return pos;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      if ((ASCII_NAME[c] & NAME_CHAR) === 0) return i;
      i++;
    } else if (isNonAsciiNameChar(c)) i++;
    else if (isAstralNameChar(text, i, c)) i += 2;
    else return i; // also NaN at the end of input
  }
}

function isWhitespace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR;
}

function skipWhitespace(text: string, pos: number): number {
  let c = text.charCodeAt(pos);
  while (c === SPACE || c === LF || c === TAB || c === CR) c = text.charCodeAt(++pos);
  return pos;
}

function isXmlChar(cp: number): boolean {
  return (
    cp === TAB ||
    cp === LF ||
    cp === CR ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** 1-based line and column of an offset; only computed for error messages. */
function position(text: string, offset: number): string {
  let line = 1;
  let column = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) {
      line++;
      column = 1;
    } else if (c !== CR) column++;
  }
  return `line ${line}, column ${column}`;
}

function fail(text: string, offset: number, reason: string): never {
  throw new XmlSyntaxError(`not well-formed XML: ${reason} (${position(text, offset)})`);
}

function describe(text: string, offset: number): string {
  return offset >= text.length ? 'end of input' : JSON.stringify(text.slice(offset, offset + 12));
}

/** A reference as written, for messages (leading zeros make even valid ones arbitrarily long). */
function reference(text: string, amp: number, semi: number): string {
  return semi - amp > 24 ? `${text.slice(amp, amp + 20)}…;` : text.slice(amp, semi + 1);
}

/** The character for the reference text[amp..semi] ("&lt;", "&#65;", "&#x41;"). */
function resolveReference(text: string, amp: number, semi: number): string {
  if (text.charCodeAt(amp + 1) === HASH) {
    let i = amp + 2;
    const hex = text.charCodeAt(i) === 0x78; // lower-case x only, as XML 1.0 §4.1 says
    if (hex) i++;
    if (i === semi) fail(text, amp, `malformed character reference ${reference(text, amp, semi)}`);
    let cp = 0;
    for (; i < semi; i++) {
      const c = text.charCodeAt(i);
      let digit: number;
      if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
      else if (hex && c >= 0x61 && c <= 0x66) digit = c - 0x57;
      else if (hex && c >= 0x41 && c <= 0x46) digit = c - 0x37;
      else return fail(text, amp, `malformed character reference ${reference(text, amp, semi)}`);
      cp = cp * (hex ? 16 : 10) + digit;
      if (cp > 0x10ffff) fail(text, amp, `character reference ${reference(text, amp, semi)} is out of range`);
    }
    if (!isXmlChar(cp)) {
      fail(text, amp, `character reference ${reference(text, amp, semi)} is not a legal XML character`);
    }
    return String.fromCodePoint(cp);
  }
  switch (semi - amp - 1) {
    case 2:
      if (text.startsWith('lt', amp + 1)) return '<';
      if (text.startsWith('gt', amp + 1)) return '>';
      break;
    case 3:
      if (text.startsWith('amp', amp + 1)) return '&';
      break;
    case 4:
      if (text.startsWith('quot', amp + 1)) return '"';
      if (text.startsWith('apos', amp + 1)) return "'";
      break;
  }
  if (scanName(text, amp + 1) === semi) {
    fail(
      text,
      amp,
      `unknown entity ${reference(text, amp, semi)} (only &lt; &gt; &amp; &quot; &apos; and character references are allowed)`,
    );
  }
  return fail(text, amp, "'&' does not start an entity or character reference (write &amp;)");
}

/**
 * Character data or an attribute value that contains references or carriage returns: references
 * are replaced, line ends normalised to \n (XML 1.0 §2.11) and, in attribute values, whitespace
 * characters become spaces (§3.3.3, every attribute being CDATA without a DTD).
 */
function decodeChars(text: string, start: number, end: number, attribute: boolean): string {
  let out = '';
  let run = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === AMP) {
      let semi = -1;
      for (let j = i + 1; j < end; j++) {
        if (text.charCodeAt(j) === SEMICOLON) {
          semi = j;
          break;
        }
      }
      if (semi < 0) fail(text, i, "'&' does not start an entity or character reference (write &amp;)");
      out += text.slice(run, i) + resolveReference(text, i, semi);
      i = semi;
      run = semi + 1;
    } else if (c === CR) {
      out += text.slice(run, i) + (attribute ? ' ' : '\n');
      if (i + 1 < end && text.charCodeAt(i + 1) === LF) i++;
      run = i + 1;
    } else if (attribute && (c === LF || c === TAB)) {
      out += text.slice(run, i) + ' ';
      run = i + 1;
    } else if (attribute && c === LT) {
      fail(text, i, "'<' is not allowed in attribute values (write &lt;)");
    }
  }
  return out + text.slice(run, end);
}

function attributeValue(text: string, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === AMP || c === LT || c === CR || c === LF || c === TAB)
      return decodeChars(text, start, end, true);
  }
  return text.slice(start, end);
}

function setAttribute(attrs: Record<string, string>, name: string, value: string): void {
  // a plain assignment to "__proto__" would change the prototype instead of adding the attribute
  if (name === '__proto__') Object.defineProperty(attrs, name, { value, enumerable: true, writable: true });
  else attrs[name] = value;
}

/**
 * Characters XML 1.0 §2.2 leaves out of Char that a decoded document can hold: C0 controls other than
 * tab, line feed and carriage return, and U+FFFE/U+FFFF. (Surrogates cannot come out of the strict
 * decoders.) Written raw they are as illegal as their character references, and kept they would come
 * out of every XML writer as U+FFFD. One scan of the whole text is cheaper than one per text run.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ILLEGAL_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** Parses well-formed XML into one root element. Call assertSafeXml first (defence in depth). */
export function parseXmlTree(text: string): XmlElement {
  const length = text.length;
  const illegal = text.search(ILLEGAL_CHAR);
  if (illegal >= 0) {
    const code = text.charCodeAt(illegal).toString(16).toUpperCase().padStart(4, '0');
    fail(text, illegal, `character U+${code} is not a legal XML character`);
  }
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const documentStart = pos;
  const rootScope = new NamespaceScope(undefined, new Map([['xml', XML_NS]]), 1);
  const open: XmlElement[] = [];
  const openedAt: number[] = [];
  let current: XmlElement | undefined;
  let root: XmlElement | undefined;
  // Next occurrence of characters that need the slow path in character data; searched again
  // only once the scan has passed them (-1: none left), so all of them cost one pass in total.
  let nextAmp = -2;
  let nextCr = -2;
  let nextCdataEnd = -2;

  while (pos < length) {
    const lt = text.indexOf('<', pos);
    const end = lt < 0 ? length : lt;

    if (end > pos) {
      if (current === undefined) {
        for (let i = pos; i < end; i++) {
          if (!isWhitespace(text.charCodeAt(i))) {
            fail(text, i, root ? 'text after the root element' : 'text before the root element');
          }
        }
      } else {
        if (nextAmp !== -1 && nextAmp < pos) nextAmp = text.indexOf('&', pos);
        if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
        if (nextCdataEnd !== -1 && nextCdataEnd < pos) nextCdataEnd = text.indexOf(']]>', pos);
        if (nextCdataEnd !== -1 && nextCdataEnd < end)
          fail(text, nextCdataEnd, "']]>' is not allowed in text");
        current.text +=
          (nextAmp !== -1 && nextAmp < end) || (nextCr !== -1 && nextCr < end)
            ? decodeChars(text, pos, end, false)
            : text.slice(pos, end);
      }
    }
    if (lt < 0) break;

    const next = text.charCodeAt(lt + 1);
    if (next === SLASH) {
      if (current === undefined) fail(text, lt, 'end tag outside the root element');
      const qname = current.qname;
      const matches = text.startsWith(qname, lt + 2);
      const p = matches ? skipWhitespace(text, lt + 2 + qname.length) : lt + 2;
      if (!matches || text.charCodeAt(p) !== GT) {
        const nameEnd = scanName(text, lt + 2);
        const found = text.slice(lt + 2, nameEnd);
        if (found === qname) fail(text, p, `expected '>' to end </${qname}, found ${describe(text, p)}`);
        fail(
          text,
          lt,
          `end tag </${found}> does not match start tag <${qname}> opened at ${position(text, openedAt[open.length - 1])}`,
        );
      }
      pos = p + 1;
      open.pop();
      openedAt.pop();
      current = open.length > 0 ? open[open.length - 1] : undefined;
    } else if (next === BANG) {
      if (text.startsWith('--', lt + 2)) {
        const close = text.indexOf('--', lt + 4);
        if (close < 0) fail(text, lt, 'unterminated comment');
        if (text.charCodeAt(close + 2) !== GT) fail(text, close, "'--' is not allowed inside a comment");
        pos = close + 3;
      } else if (text.startsWith('[CDATA[', lt + 2)) {
        if (current === undefined) fail(text, lt, 'CDATA section outside the root element');
        const start = lt + 9;
        const close = text.indexOf(']]>', start);
        if (close < 0) fail(text, lt, 'unterminated CDATA section');
        if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf('\r', start);
        current.text +=
          nextCr !== -1 && nextCr < close
            ? text.slice(start, close).replace(/\r\n?/g, '\n')
            : text.slice(start, close);
        pos = close + 3;
      } else if (text.startsWith('DOCTYPE', lt + 2)) {
        fail(text, lt, 'DOCTYPE declarations are not allowed');
      } else {
        fail(
          text,
          lt,
          `unexpected markup ${describe(text, lt)} (only comments and CDATA sections start with '<!')`,
        );
      }
    } else if (next === QUESTION) {
      const targetEnd = scanName(text, lt + 2);
      if (targetEnd === lt + 2) fail(text, lt, 'processing instruction without a target');
      const target = text.slice(lt + 2, targetEnd);
      if (target.toLowerCase() === 'xml' && (target !== 'xml' || lt !== documentStart)) {
        fail(text, lt, 'the XML declaration is only allowed at the very start of the document');
      }
      const after = text.charCodeAt(targetEnd);
      if (!isWhitespace(after) && !(after === QUESTION && text.charCodeAt(targetEnd + 1) === GT)) {
        fail(text, targetEnd, `unexpected ${describe(text, targetEnd)} after <?${target}`);
      }
      const close = text.indexOf('?>', targetEnd);
      if (close < 0) fail(text, lt, `unterminated processing instruction <?${target}`);
      pos = close + 2;
    } else {
      if (current === undefined && root !== undefined) fail(text, lt, 'more than one root element');
      const nameEnd = scanName(text, lt + 1);
      if (nameEnd === lt + 1)
        fail(text, lt + 1, `expected an element name after '<', found ${describe(text, lt + 1)}`);
      const qname = text.slice(lt + 1, nameEnd);
      checkQName(text, lt + 1, qname);
      const parentScope = current === undefined ? rootScope : current.scope;
      let declared: Map<string, string> | undefined;
      const attrs: Record<string, string> = {};
      let p = nameEnd;
      let selfClosing = false;
      for (;;) {
        let c = text.charCodeAt(p);
        if (c === GT) {
          p++;
          break;
        }
        if (c === SLASH) {
          if (text.charCodeAt(p + 1) !== GT) fail(text, p, `expected '/>' in <${qname}>`);
          p += 2;
          selfClosing = true;
          break;
        }
        if (!isWhitespace(c)) {
          if (p >= length) fail(text, lt, `unterminated start tag <${qname}`);
          fail(text, p, `expected whitespace, '>' or '/>' in <${qname}>, found ${describe(text, p)}`);
        }
        p = skipWhitespace(text, p);
        c = text.charCodeAt(p);
        if (c === GT || c === SLASH) continue;
        const attrEnd = scanName(text, p);
        if (attrEnd === p) {
          if (p >= length) fail(text, lt, `unterminated start tag <${qname}`);
          fail(text, p, `expected an attribute name in <${qname}>, found ${describe(text, p)}`);
        }
        const name = text.slice(p, attrEnd);
        p = skipWhitespace(text, attrEnd);
        if (text.charCodeAt(p) !== EQUALS) fail(text, p, `attribute '${name}' on <${qname}> has no value`);
        p = skipWhitespace(text, p + 1);
        const quote = text.charCodeAt(p);
        if (quote !== QUOT && quote !== APOS) {
          fail(text, p, `value of attribute '${name}' on <${qname}> must be in quotes`);
        }
        const close = text.indexOf(quote === QUOT ? '"' : "'", p + 1);
        if (close < 0) fail(text, p, `unterminated value of attribute '${name}' on <${qname}>`);
        const value = attributeValue(text, p + 1, close);
        if (Object.hasOwn(attrs, name)) {
          fail(text, p, `duplicate attribute '${name}' on <${qname}>`);
        }
        checkQName(text, p, name);
        setAttribute(attrs, name, value);
        if (name === 'xmlns' || name.startsWith('xmlns:')) {
          const prefix = name === 'xmlns' ? '' : name.slice(6);
          checkDeclaration(text, p, prefix, value);
          // A redeclaration of what is in scope already (generated XML repeats xmlns="..." on every
          // element) changes nothing and costs nothing.
          if (parentScope.get(prefix) !== value) (declared ??= new Map()).set(prefix, value);
        }
        p = close + 1;
      }
      let scope = parentScope;
      if (declared !== undefined) {
        if (parentScope.depth >= MAX_NAMESPACE_DEPTH) {
          fail(text, lt, `namespaces are declared on more than ${MAX_NAMESPACE_DEPTH} nested levels`);
        }
        scope = new NamespaceScope(parentScope, declared, parentScope.depth + 1);
      }
      for (const name of Object.keys(attrs)) {
        const colon = name.indexOf(':');
        if (colon < 0) continue;
        const prefix = name.slice(0, colon);
        if (prefix !== 'xmlns' && scope.get(prefix) === undefined) {
          throw new XmlSyntaxError(
            `undeclared namespace prefix '${prefix}' on attribute '${name}' of <${qname}>`,
          );
        }
      }

      const colon = qname.indexOf(':');
      const prefix = colon < 0 ? '' : qname.slice(0, colon);
      const local = colon < 0 ? qname : qname.slice(colon + 1);
      // Element names become object keys when a body is turned into JSON; "__proto__" would set
      // the object's prototype there and hide the element from validation.
      if (local === '__proto__') fail(text, lt + 1, `element name <${qname}> is not allowed`);
      const ns = scope.get(prefix);
      if (ns === undefined && prefix !== '') {
        throw new XmlSyntaxError(`undeclared namespace prefix '${prefix}' on <${qname}>`);
      }
      const element: XmlElement = {
        qname,
        local,
        ns: ns ?? '',
        attrs,
        children: [],
        text: '',
        scope,
      };
      if (open.length >= MAX_DEPTH) fail(text, lt, `elements are nested more than ${MAX_DEPTH} levels deep`);
      if (current === undefined) root = element;
      else current.children.push(element);
      if (!selfClosing) {
        open.push(element);
        openedAt.push(lt);
        current = element;
      }
      pos = p;
    }
  }

  if (current !== undefined) {
    fail(
      text,
      length,
      `start tag <${current.qname}> opened at ${position(text, openedAt[open.length - 1])} is never closed`,
    );
  }
  if (root === undefined) fail(text, length, 'no root element');
  return root;
}

/** Namespaces in XML 1.0: at most one colon, with a name on each side. */
function checkQName(text: string, at: number, qname: string): void {
  const colon = qname.indexOf(':');
  if (colon === 0 || colon === qname.length - 1 || (colon > 0 && qname.indexOf(':', colon + 1) >= 0)) {
    fail(text, at, `'${qname}' is not a valid qualified name`);
  }
}

function checkDeclaration(text: string, at: number, prefix: string, uri: string): void {
  if (prefix !== '' && uri === '') fail(text, at, `prefix '${prefix}' cannot be bound to an empty namespace`);
  if (prefix === 'xmlns' || uri === XMLNS_NS)
    fail(text, at, `the xmlns prefix and namespace cannot be declared`);
  if ((prefix === 'xml') !== (uri === XML_NS)) {
    fail(text, at, `only the xml prefix is bound to ${XML_NS}, and it to nothing else`);
  }
}

function splitName(qname: string): [string, string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
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
