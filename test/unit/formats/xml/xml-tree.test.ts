import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  childrenNamed,
  firstChild,
  parseXmlTree,
  resolveQName,
  XmlSyntaxError,
  type XmlElement,
} from '../../../../formats/xml/xml-tree';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * The implementation parseXmlTree replaced (fast-xml-parser validate + parse, then namespace
 * resolution), kept as the oracle for the differential property below.
 */
const oracleParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

type OrderedNode = Record<string, unknown>;

/** The tree as the old implementation built it: the scope of every element a Map of its own. */
type PlainElement = Omit<XmlElement, 'scope' | 'children'> & {
  scope: ReadonlyMap<string, string>;
  children: PlainElement[];
};

function plainTree(element: XmlElement): PlainElement {
  return { ...element, scope: new Map(element.scope), children: element.children.map(plainTree) };
}

function oracleBuild(
  tag: string,
  content: unknown,
  rawAttrs: unknown,
  parentScope: ReadonlyMap<string, string>,
): PlainElement {
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
  const colon = tag.indexOf(':');
  const prefix = colon < 0 ? '' : tag.slice(0, colon);
  const ns = scope.get(prefix);
  if (ns === undefined && prefix !== '') throw new Error(`undeclared namespace prefix '${prefix}'`);
  const element: PlainElement = {
    qname: tag,
    local: colon < 0 ? tag : tag.slice(colon + 1),
    ns: ns ?? '',
    attrs,
    children: [],
    text: '',
    scope,
  };
  if (Array.isArray(content)) {
    for (const node of content as OrderedNode[]) {
      for (const key of Object.keys(node)) {
        if (key === ':@' || key.startsWith('?')) continue;
        if (key === '#text') element.text += String(node[key]);
        else element.children.push(oracleBuild(key, node[key], node[':@'], scope));
      }
    }
  }
  return element;
}

function oracleParse(text: string): PlainElement {
  const check = XMLValidator.validate(text);
  if (check !== true) throw new Error(`oracle: ${check.err.msg}`);
  const nodes = oracleParser.parse(text) as OrderedNode[];
  const roots: PlainElement[] = [];
  for (const node of nodes) {
    for (const key of Object.keys(node)) {
      if (key === ':@' || key === '#text' || key.startsWith('?')) continue;
      roots.push(oracleBuild(key, node[key], node[':@'], new Map([['xml', XML_NS]])));
    }
  }
  if (roots.length !== 1) throw new Error(`oracle: ${roots.length} roots`);
  return roots[0];
}

// ---- generator of well-formed documents -------------------------------------------------------

const PREFIXES = ['p', 'q', 'soap', 'a-b'];
const URIS = ['urn:one', 'urn:two', 'http://example.com/ns?x=1&y=2', ''];
const LOCALS = ['a', 'Body', 'E1KNA1M', 'x.y', '_z', 'ß', 'name-2'];
const ATTR_NAMES = ['id', 'type', 'p:role', 'xml:lang', 'SEGMENT', 'a.b', '_c', 'ö'];

const entity = fc.constantFrom('&lt;', '&gt;', '&amp;', '&quot;', '&apos;');
const legalCodePoint = fc.oneof(
  fc.constantFrom(0x9, 0xa, 0xd, 0x20, 0x26, 0x3c, 0xa0, 0xd7ff, 0xe000, 0xfffd, 0x10000, 0x10ffff),
  fc.integer({ min: 0x20, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0xfffd }),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
);
const charRef = fc
  .tuple(legalCodePoint, fc.constantFrom('dec', 'hex', 'HEX'))
  .map(([cp, form]) =>
    form === 'dec' ? `&#${cp};` : `&#x${form === 'hex' ? cp.toString(16) : cp.toString(16).toUpperCase()};`,
  );
const plainChars = (units: string[]) =>
  fc.array(fc.constantFrom(...units), { maxLength: 6 }).map((a) => a.join(''));

// ']' is left out of raw text so that no "]]>" can form (a separate test covers that rule).
const textUnits = [
  'a',
  'Z',
  '0',
  ' ',
  '  ',
  '\n',
  '\t',
  '\r\n',
  '\r',
  '>',
  '"',
  "'",
  'é',
  '€',
  '😀',
  '/',
  '=',
];
const text = fc
  .array(fc.oneof({ weight: 4, arbitrary: plainChars(textUnits) }, entity, charRef), { maxLength: 5 })
  .map((parts) => parts.join(''));

const attrUnits = ['a', 'Z', '9', ' ', '>', 'é', '😀', ']]>', '/', '=', ':'];
const attrValue = (quote: '"' | "'") =>
  fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: plainChars([...attrUnits, quote === '"' ? "'" : '"']) },
        entity,
        charRef,
      ),
      { maxLength: 4 },
    )
    .map((parts) => parts.join(''));
const attribute = fc
  .tuple(
    fc.constantFrom(...ATTR_NAMES),
    fc.constantFrom<'"' | "'">('"', "'"),
    fc.constantFrom('', ' ', '\n  '),
  )
  .chain(([name, quote, space]) => attrValue(quote).map((value) => ({ name, quote, space, value })));

const cdata = plainChars(['a', '<', '>', '&', '&amp;', ']', ' ', '\r\n', '\n', '<!--', 'é']).map(
  (s) => `<![CDATA[${s.replace(/]]>/g, ']] >')}]]>`,
);
const comment = plainChars(['a', ' ', '<', '>', '&', '- ', 'é', '\n']).map((s) => `<!--${s}-->`);
// No quotes in PI data: the oracle reads PIs like tags and fails on an unbalanced quote.
const pi = fc
  .tuple(fc.constantFrom('pi', 'app', 'x-y', 'xml-stylesheet'), plainChars(['a', ' ', '?', '>', '<']))
  .map(([target, data]) => `<?${target} ${data.replace(/\?>/g, '? >')}?>`);

interface GenElement {
  prefix: string | undefined;
  local: string;
  declarations: { prefix: string; uri: string }[];
  attributes: { name: string; quote: string; space: string; value: string }[];
  content: (GenElement | string)[];
  selfClosing: boolean;
}

const { element } = fc.letrec<{ element: GenElement; item: GenElement | string }>((tie) => ({
  element: fc.record({
    prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: undefined }),
    local: fc.constantFrom(...LOCALS),
    declarations: fc.uniqueArray(
      fc.record({ prefix: fc.constantFrom('', ...PREFIXES), uri: fc.constantFrom(...URIS) }),
      { selector: (d) => d.prefix, maxLength: 2 },
    ),
    attributes: fc.uniqueArray(attribute, { selector: (a) => a.name, maxLength: 3 }),
    content: fc.array(tie('item'), { maxLength: 6, depthIdentifier: 'xml' }),
    selfClosing: fc.boolean(),
  }),
  item: fc.oneof(
    { depthSize: 'medium', depthIdentifier: 'xml', withCrossShrink: true },
    { arbitrary: text, weight: 2 },
    { arbitrary: tie('element'), weight: 4 },
    cdata,
    comment,
    pi,
  ),
}));

function serialize(el: GenElement, inScope: ReadonlySet<string>): string {
  const scope = new Set(inScope);
  // An empty URI can only undeclare the default namespace; a prefix needs a real one.
  const declarations = el.declarations.map((d) =>
    d.prefix !== '' && d.uri === '' ? { ...d, uri: 'urn:fallback' } : d,
  );
  const needed = [el.prefix, ...el.attributes.map((a) => (a.name.startsWith('p:') ? 'p' : undefined))];
  for (const prefix of needed) {
    if (prefix !== undefined && !scope.has(prefix) && !declarations.some((d) => d.prefix === prefix)) {
      declarations.push({ prefix, uri: `urn:auto:${prefix}` });
    }
  }
  for (const d of declarations) if (d.prefix !== '') scope.add(d.prefix);
  const qname = el.prefix === undefined ? el.local : `${el.prefix}:${el.local}`;
  let tag = `<${qname}`;
  for (const d of declarations)
    tag += ` ${d.prefix === '' ? 'xmlns' : `xmlns:${d.prefix}`}="${d.uri.replace(/&/g, '&amp;')}"`;
  for (const a of el.attributes) tag += ` ${a.name}${a.space}=${a.space}${a.quote}${a.value}${a.quote}`;
  if (el.selfClosing && el.content.length === 0) return `${tag}/>`;
  const inner = el.content.map((item) => (typeof item === 'string' ? item : serialize(item, scope))).join('');
  return `${tag}>${inner}</${qname}>`;
}

const misc = fc.array(fc.oneof(fc.constantFrom(' ', '\n', '\r\n', '\t'), comment, pi), { maxLength: 3 });
const document = fc
  .record({
    bom: fc.boolean(),
    declaration: fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.0'?>\n"),
    before: misc,
    root: element,
    // the recursive arbitrary alone mostly yields one or two elements
    nested: fc.array(element, { minLength: 1, maxLength: 4 }),
    after: misc,
  })
  .map(
    (d) =>
      `${d.bom ? '\ufeff' : ''}${d.declaration}${d.before.join('')}${serialize({ ...d.root, content: [...d.root.content, ...d.nested] }, new Set())}${d.after.join('')}`,
  );

// ---- tests ------------------------------------------------------------------------------------

function syntaxError(xml: string): XmlSyntaxError {
  try {
    parseXmlTree(xml);
  } catch (err) {
    if (err instanceof XmlSyntaxError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(xml)}`);
}

describe('parseXmlTree', () => {
  test('builds the same tree as the fast-xml-parser implementation for generated documents', () => {
    fc.assert(
      fc.property(document, (xml) => {
        expect(plainTree(parseXmlTree(xml))).toEqual(oracleParse(xml));
      }),
      { numRuns: 400 },
    );
  });

  test('resolves namespaces and keeps names, attributes, text and scope', () => {
    const root = parseXmlTree(
      `<?xml version="1.0"?>
<s:Envelope xmlns:s="urn:env" xmlns="urn:default" id='e1'>
  <s:Body><Op xmlns="" a="1">x<![CDATA[<y>]]>z</Op><t:Other xmlns:t="urn:t"/></s:Body>
</s:Envelope>`,
    );
    expect(root).toMatchObject({
      qname: 's:Envelope',
      local: 'Envelope',
      ns: 'urn:env',
      attrs: { 'xmlns:s': 'urn:env', xmlns: 'urn:default', id: 'e1' },
      text: '\n  \n',
    });
    expect([...root.scope]).toEqual([
      ['xml', XML_NS],
      ['s', 'urn:env'],
      ['', 'urn:default'],
    ]);
    const body = root.children[0];
    expect(body.ns).toBe('urn:env');
    const [op, other] = body.children;
    expect(op).toMatchObject({
      qname: 'Op',
      local: 'Op',
      ns: '',
      attrs: { xmlns: '', a: '1' },
      text: 'x<y>z',
    });
    expect(other).toMatchObject({ local: 'Other', ns: 'urn:t', children: [], text: '' });
    expect(other.scope.get('s')).toBe('urn:env');
  });

  test('binds the xml prefix without a declaration', () => {
    const root = parseXmlTree('<xml:a xml:lang="de"/>');
    expect(root.ns).toBe(XML_NS);
    expect(resolveQName('xml:space', root)).toEqual({ ns: XML_NS, local: 'space' });
  });

  test('decodes the predefined entities and character references', () => {
    const root = parseXmlTree(
      `<a t="&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;">&lt;&gt;&amp;&quot;&apos;&#65;&#x4a;&#128512;&amp;lt;</a>`,
    );
    expect(root.attrs.t).toBe(`<>&"'AB😀`);
    expect(root.text).toBe(`<>&"'AJ😀&lt;`);
    expect(parseXmlTree('<a>&#x00000000000000000041;&#0000000000000000000066;</a>').text).toBe('AB');
  });

  test('normalises line ends in text and CDATA, but not those written as references', () => {
    expect(parseXmlTree('<a>1\r\n2\r3\n4&#13;&#10;5<![CDATA[6\r\n7\r8]]></a>').text).toBe(
      '1\n2\n3\n4\r\n56\n7\n8',
    );
  });

  test('normalises whitespace in attribute values, but not whitespace written as references', () => {
    expect(parseXmlTree('<a v="1\t2\n3\r\n4\r5&#9;6&#10;7&#13;8"/>').attrs.v).toBe('1 2 3 4 5\t6\n7\r8');
  });

  test('skips comments, processing instructions, the XML declaration and a byte order mark', () => {
    const root = parseXmlTree(
      '\ufeff<?xml version="1.0"?><!-- c --><?pi x?>\n<a>1<!-- - -->2<?pi?>3</a><!--e-->\n',
    );
    expect(root.text).toBe('123');
  });

  test('accepts whitespace in tags and names outside ASCII', () => {
    const root = parseXmlTree('<Straße\n  a = "1"\tb=\'2\' ></Straße\n>');
    expect(root).toMatchObject({ local: 'Straße', attrs: { a: '1', b: '2' } });
  });

  test('keeps an attribute called __proto__ as a plain attribute', () => {
    const root = parseXmlTree('<a __proto__="x" toString="y"/>');
    expect(Object.getPrototypeOf(root.attrs)).toBe(Object.prototype);
    expect(Object.entries(root.attrs)).toEqual([
      ['__proto__', 'x'],
      ['toString', 'y'],
    ]);
  });

  test('accepts elements nested 256 levels deep and refuses 257', () => {
    const nested = (depth: number) => '<e>'.repeat(depth - 1) + '<e/>' + '</e>'.repeat(depth - 1);
    let element = parseXmlTree(nested(256));
    for (let level = 1; level < 256; level++) element = element.children[0];
    expect(element.children).toEqual([]);
    expect(syntaxError(nested(257)).message).toBe(
      'not well-formed XML: elements are nested more than 256 levels deep (line 1, column 769)',
    );
  });

  test('accepts any number of declarations, and namespaces changed on up to 64 nested levels', () => {
    const siblings = `<r>${'<i xmlns="urn:x"/>'.repeat(1000)}</r>`;
    expect(parseXmlTree(siblings).children.every((c) => c.ns === 'urn:x')).toBe(true);
    const repeated = '<e xmlns="urn:same">'.repeat(200) + '</e>'.repeat(200);
    expect(parseXmlTree(repeated).scope.get('')).toBe('urn:same');
    const changing = (levels: number) =>
      Array.from({ length: levels }, (_v, i) => `<e xmlns="urn:${i}">`).join('') + '</e>'.repeat(levels);
    let element = parseXmlTree(changing(63));
    for (let level = 1; level < 63; level++) element = element.children[0];
    expect(element.ns).toBe('urn:62');
    expect([...element.scope]).toEqual([
      ['xml', XML_NS],
      ['', 'urn:62'],
    ]);
    expect(syntaxError(changing(64)).message).toMatch(
      /^not well-formed XML: namespaces are declared on more than 64 nested levels \(line 1, column \d+\)$/,
    );
  });

  test('refuses element names that would set a prototype', () => {
    expect(syntaxError('<a><__proto__><b>1</b></__proto__></a>').message).toMatch(
      /element name <__proto__> is not allowed/,
    );
    expect(syntaxError('<a xmlns:p="urn:p"><p:__proto__/></a>').message).toMatch(/not allowed/);
  });

  test.each([
    ['<a xmlns:p=""/>', /prefix 'p' cannot be bound to an empty namespace/],
    ['<a xmlns:="urn:x"/>', /'xmlns:' is not a valid qualified name/],
    ['<a xmlns:xmlns="urn:x"/>', /the xmlns prefix and namespace cannot be declared/],
    ['<a xmlns:xml="urn:x"/>', /only the xml prefix/],
    ['<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>', /only the xml prefix/],
    ['<a:b:c xmlns:a="urn:a"/>', /'a:b:c' is not a valid qualified name/],
    ['<:a/>', /expected an element name|not a valid qualified name/],
    ['<a q:x="1"/>', /undeclared namespace prefix 'q' on attribute 'q:x' of <a>/],
  ])('refuses the namespace error in %s', (xml, message) => {
    expect(() => parseXmlTree(xml)).toThrow(XmlSyntaxError);
    expect(() => parseXmlTree(xml)).toThrow(message);
  });

  test('reports line and column of the error', () => {
    expect(syntaxError('<a>\n  <b>\r\n</a>').message).toBe(
      'not well-formed XML: end tag </a> does not match start tag <b> opened at line 2, column 3 (line 3, column 1)',
    );
  });

  test.each([
    ['mismatched end tag', '<a><b></a></b>', /end tag <\/a> does not match start tag <b>/],
    ['end tag with a longer name', '<a></ab>', /end tag <\/ab> does not match start tag <a>/],
    ['empty end tag', '<a></>', /end tag <\/> does not match start tag <a>/],
    ['junk in an end tag', '<a></a b>', /expected '>' to end <\/a/],
    ['unclosed element', '<a><b></b>', /start tag <a> opened at line 1, column 1 is never closed/],
    ['unterminated start tag', '<definitions', /unterminated start tag <definitions/],
    ['unterminated start tag after an attribute', '<a x="1"', /unterminated start tag <a/],
    ['two root elements', '<a/><b/>', /more than one root element \(line 1, column 5\)/],
    ['no root element', '', /no root element \(line 1, column 1\)/],
    ['only a comment', '<!-- c -->\n', /no root element \(line 2, column 1\)/],
    ['text before the root', 'hello<a/>', /text before the root element \(line 1, column 1\)/],
    ['text after the root', '<a/>\n x', /text after the root element \(line 2, column 2\)/],
    ['CDATA after the root', '<a/><![CDATA[x]]>', /CDATA section outside the root element/],
    ['end tag outside the root', '</a>', /end tag outside the root element/],
    ['missing element name', '<a>< b/></a>', /expected an element name after '<'/],
    ['attribute without value', '<a x/>', /attribute 'x' on <a> has no value/],
    ['attribute without =', '<a x "1"/>', /attribute 'x' on <a> has no value/],
    ['no whitespace between attributes', '<a x="1"y="2"/>', /expected whitespace, '>' or '\/>' in <a>/],
    ['bad attribute name', '<a 1x="1"/>', /expected an attribute name in <a>/],
    ['stray slash in a tag', '<a / >', /expected '\/>' in <a>/],
    ['duplicate attribute', '<a x="1" y="2" x="3"/>', /duplicate attribute 'x' on <a> \(line 1, column 18\)/],
    ['unquoted attribute', '<a x=1/>', /value of attribute 'x' on <a> must be in quotes/],
    ['unterminated attribute value', '<a x="1/>', /unterminated value of attribute 'x'/],
    ["'<' in an attribute value", '<a x="a<b"/>', /'<' is not allowed in attribute values/],
    ['unknown entity', '<a>&nbsp;</a>', /unknown entity &nbsp; \(only &lt; &gt; &amp; &quot; &apos;/],
    ['unknown entity in an attribute', '<a x="&foo;"/>', /unknown entity &foo;/],
    ['bare ampersand', '<a>fish & chips</a>', /'&' does not start an entity or character reference/],
    ['unterminated reference', '<a>&amp</a>', /'&' does not start an entity or character reference/],
    ['NUL character reference', '<a>&#0;</a>', /character reference &#0; is not a legal XML character/],
    ['control character reference', '<a>&#x1B;</a>', /&#x1B; is not a legal XML character/],
    ['surrogate character reference', '<a>&#xD800;</a>', /&#xD800; is not a legal XML character/],
    ['U+FFFE character reference', '<a x="&#65534;"/>', /&#65534; is not a legal XML character/],
    [
      'raw control characters in text',
      '<crm:street xmlns:crm="urn:c">Leo\u0001\u000b</crm:street>',
      /character U\+0001 is not a legal XML character \(line 1, column 34\)/,
    ],
    ['a raw control character in an attribute', '<a x="\u0008"/>', /character U\+0008 is not a legal/],
    ['a raw control character in CDATA', '<a><![CDATA[\u001f]]></a>', /character U\+001F is not a legal/],
    ['a raw NUL in a comment', '<a><!-- \u0000 --></a>', /character U\+0000 is not a legal/],
    ['a raw U+FFFF', '<a>\uffff</a>', /character U\+FFFF is not a legal/],
    ['character reference beyond Unicode', '<a>&#x110000;</a>', /&#x110000; is out of range/],
    ['empty character reference', '<a>&#;</a>', /malformed character reference &#;/],
    ['empty hex character reference', '<a>&#x;</a>', /malformed character reference &#x;/],
    ['upper-case X in a character reference', '<a>&#X41;</a>', /malformed character reference &#X41;/],
    ['bad digit in a character reference', '<a>&#12a;</a>', /malformed character reference &#12a;/],
    ['unterminated comment', '<a><!-- x </a>', /unterminated comment/],
    [
      "'--' in a comment",
      '<a><!-- a -- b --></a>',
      /'--' is not allowed inside a comment \(line 1, column 11\)/,
    ],
    ["comment ending in '--->'", '<a><!-- a ---></a>', /'--' is not allowed inside a comment/],
    ['unterminated CDATA section', '<a><![CDATA[ x </a>', /unterminated CDATA section/],
    ["']]>' in text", '<a>x]]>y</a>', /']]>' is not allowed in text/],
    ['unterminated processing instruction', '<a><?pi x </a>', /unterminated processing instruction <\?pi/],
    ['processing instruction without target', '<a><? x?></a>', /processing instruction without a target/],
    [
      'XML declaration after whitespace',
      ' <?xml version="1.0"?><a/>',
      /XML declaration is only allowed at the very start/,
    ],
    [
      'XML declaration inside the root',
      '<a><?xml version="1.0"?></a>',
      /XML declaration is only allowed at the very start/,
    ],
    [
      'DOCTYPE before the root',
      '<!DOCTYPE a><a/>',
      /DOCTYPE declarations are not allowed \(line 1, column 1\)/,
    ],
    [
      'DOCTYPE inside the root',
      '<a><!DOCTYPE a></a>',
      /DOCTYPE declarations are not allowed \(line 1, column 4\)/,
    ],
    [
      'ENTITY declaration',
      '<a><!ENTITY x "y"></a>',
      /unexpected markup "<!ENTITY x.*\(only comments and CDATA sections/,
    ],
  ])('rejects %s', (_name, xml, message) => {
    const err = syntaxError(xml);
    expect(err.message).toMatch(/^not well-formed XML: /);
    expect(err.message).toMatch(/\(line \d+, column \d+\)$/);
    expect(err.message).toMatch(message);
  });

  test('rejects undeclared namespace prefixes', () => {
    expect(() => parseXmlTree('<a><p:b/></a>')).toThrow(
      new XmlSyntaxError("undeclared namespace prefix 'p' on <p:b>"),
    );
    expect(() => parseXmlTree('<a xmlns:p="urn:p"/>\n')).not.toThrow();
  });
});

describe('tree helpers', () => {
  const root = parseXmlTree(
    '<r xmlns="urn:r" xmlns:o="urn:o" type="o:T"><i n="1"/><o:i n="2"/><i n="3"/></r>',
  );

  test('childrenNamed and firstChild match by namespace and local name', () => {
    expect(childrenNamed(root, 'urn:r', 'i').map((c) => c.attrs.n)).toEqual(['1', '3']);
    expect(firstChild(root, 'urn:o', 'i')?.attrs.n).toBe('2');
    expect(firstChild(root, '', 'i')).toBeUndefined();
  });

  test('resolveQName resolves against the element scope', () => {
    expect(resolveQName(root.attrs.type, root)).toEqual({ ns: 'urn:o', local: 'T' });
    expect(resolveQName(' T ', root)).toEqual({ ns: 'urn:r', local: 'T' });
    expect(() => resolveQName('x:T', root)).toThrow("undeclared namespace prefix 'x' in 'x:T' on <r>");
  });
});
