import { compile, fields, messages } from './schema-fixture';

/** One request/response pair around a content model of the test's own. */
const req = (content: string, types = ''): string =>
  `${types}<xs:element name="Req"><xs:complexType>${content}</xs:complexType></xs:element>
   <xs:element name="Resp"><xs:complexType>${content}</xs:complexType></xs:element>`;

describe('XSD constructs: valid input passes, invalid input is named field by field', () => {
  it('nillable: xsi:nil becomes null and renders back as xsi:nil; nil on a non-nillable element is refused', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element name="a" type="xs:int" nillable="true"/><xs:element name="b" type="xs:int"/></xs:sequence>`,
      ),
    );
    const ok = s.request('<t:a xsi:nil="true"/><t:b>1</t:b>');
    expect(ok).toEqual({ value: { a: null, b: '1' }, errors: [] });
    const bad = s.request('<t:a>1</t:a><t:b xsi:nil="true"/>');
    expect(messages(bad)).toEqual(["field 'b' must not be nil (the schema does not declare it nillable)"]);
    const reply = s.reply({ a: null, b: 2 });
    expect(reply.ok && reply.xml).toBe(
      '<tns:Resp xmlns:tns="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><tns:a xsi:nil="true"/><tns:b>2</tns:b></tns:Resp>',
    );
  });

  it('xsd:any: foreign elements pass through as JSON; where the wildcard does not admit them they are refused', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element name="id" type="xs:string"/><xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>`,
      ),
    );
    const ok = s.request('<t:id>7</t:id><x:ext xmlns:x="urn:x" x:kind="k"><x:v>1</x:v><x:v>2</x:v></x:ext>');
    expect(ok.errors).toEqual([]);
    expect(ok.value).toEqual({ id: '7', ext: { $ns: 'urn:x', '@kind': 'k', v: ['1', '2'] } });
    const bad = s.request('<t:id>7</t:id><t:ext>1</t:ext>');
    expect(fields(bad)).toEqual(['ext']);
    const reply = s.reply({ id: '7', ext: { v: ['1', '2'] } });
    expect(reply.ok).toBe(false);
    expect(messages(reply)[0]).toMatch(
      /without a namespace, which the wildcard here does not admit: give it "\$ns"/,
    );
    // what came in goes back out the same, in its own namespace
    const back = s.reply(ok.value);
    expect(back.ok && back.xml).toBe(
      '<tns:Resp xmlns:tns="urn:t"><tns:id>7</tns:id><ext xmlns="urn:x" kind="k"><v>1</v><v>2</v></ext></tns:Resp>',
    );
  });

  it('xsd:any with ##any writes open content back; a strict wildcard checks what the WSDL declares', () => {
    const s = compile(req(`<xs:sequence><xs:any processContents="lax" maxOccurs="2"/></xs:sequence>`));
    const reply = s.reply({ note: { '@lang': 'de', $value: 'Hallo' } });
    expect(reply.ok && reply.xml).toBe('<tns:Resp xmlns:tns="urn:t"><note lang="de">Hallo</note></tns:Resp>');
    expect(messages(s.request('<a/><b/><c/>'))).toEqual([
      "field '(body)' holds 3 elements for xsd:any, at most 2 allowed",
    ]);
    const strict = compile(
      req(
        `<xs:sequence><xs:any namespace="##any"/></xs:sequence>`,
        '<xs:element name="known" type="xs:int"/>',
      ),
    );
    // strict content is checked where the WSDL declares it, and passes where the schema lives elsewhere
    expect(messages(strict.request('<t:known>x</t:known>'))).toEqual([
      "field 'known' must be an integer (xsd:int)",
    ]);
    expect(strict.request('<x:y xmlns:x="urn:x">1</x:y>')).toEqual({
      value: { y: { $ns: 'urn:x', $value: '1' } },
      errors: [],
    });
  });

  it('anyAttribute: undeclared attributes pass where allowed, are refused elsewhere', () => {
    const s = compile(
      req(`<xs:sequence><xs:element name="a"><xs:complexType><xs:anyAttribute namespace="##any" processContents="skip"/></xs:complexType></xs:element>
        <xs:element name="b"><xs:complexType/></xs:element></xs:sequence>`),
    );
    expect(s.request('<t:a foo="1"/><t:b/>')).toEqual({ value: { a: { '@foo': '1' }, b: {} }, errors: [] });
    expect(messages(s.request('<t:a/><t:b foo="1"/>'))).toEqual([
      "field 'b.@foo' is an attribute the schema does not declare here",
    ]);
  });

  it('recursive types are read lazily; deep instances stop at a depth cap', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element name="node" type="t:Node"/></xs:sequence>`,
        `<xs:complexType name="Node"><xs:sequence><xs:element name="name" type="xs:string"/>
           <xs:element name="child" type="t:Node" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType>`,
      ),
    );
    const ok = s.request(
      '<t:node><t:name>a</t:name><t:child><t:name>b</t:name><t:child><t:name>c</t:name></t:child></t:child></t:node>',
    );
    expect(ok.value).toEqual({ node: { name: 'a', child: [{ name: 'b', child: [{ name: 'c' }] }] } });
    const bad = s.request(
      '<t:node><t:name>a</t:name><t:child><t:child><t:name>c</t:name></t:child></t:child></t:node>',
    );
    expect(fields(bad)).toEqual(['node.child[0].name']);
    const deep = '<t:child><t:name>x</t:name>'.repeat(120) + '</t:child>'.repeat(120);
    expect(messages(s.request(`<t:node><t:name>a</t:name>${deep}</t:node>`))[0]).toMatch(
      /nested deeper than 100 levels/,
    );
  });

  it('complexContent extension: base elements first, then the extension; xsi:type selects a derived type', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element name="party" type="t:Party" maxOccurs="unbounded"/></xs:sequence>`,
        `<xs:complexType name="Party"><xs:sequence><xs:element name="name" type="xs:string"/></xs:sequence>
           <xs:attribute name="id" type="xs:int" use="required"/></xs:complexType>
         <xs:complexType name="Person"><xs:complexContent><xs:extension base="t:Party"><xs:sequence>
           <xs:element name="birthDate" type="xs:date"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>
         <xs:complexType name="Other"><xs:sequence><xs:element name="name" type="xs:string"/></xs:sequence></xs:complexType>`,
      ),
    );
    const ok = s.request(
      '<t:party id="1"><t:name>ACME</t:name></t:party>' +
        '<t:party id="2" xsi:type="t:Person"><t:name>Anna</t:name><t:birthDate>1980-02-29</t:birthDate></t:party>',
    );
    expect(ok.errors).toEqual([]);
    expect(ok.value).toEqual({
      party: [
        { '@id': '1', name: 'ACME' },
        { $type: 'Person', '@id': '2', name: 'Anna', birthDate: '1980-02-29' },
      ],
    });
    const bad = s.request(
      '<t:party id="2"><t:name>A</t:name><t:birthDate>1980-02-29</t:birthDate></t:party><t:party id="3" xsi:type="t:Other"><t:name>x</t:name></t:party>',
    );
    expect(fields(bad)).toEqual(['party[0].birthDate', 'party[1]']);
    const reply = s.reply({ party: [{ $type: 'Person', '@id': 2, name: 'Anna', birthDate: '1980-02-29' }] });
    expect(reply.ok && reply.xml).toBe(
      '<tns:Resp xmlns:tns="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><tns:party xsi:type="tns:Person" id="2"><tns:name>Anna</tns:name><tns:birthDate>1980-02-29</tns:birthDate></tns:party></tns:Resp>',
    );
  });

  it('takes xsi:type naming the declared simple type itself, qualified as .NET and Axis send it', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element name="kind" type="t:Kind"/><xs:element name="code" type="t:Code"/></xs:sequence>`,
        `<xs:simpleType name="Kind"><xs:restriction base="xs:string"><xs:enumeration value="person"/></xs:restriction></xs:simpleType>
         <xs:simpleType name="Code"><xs:restriction base="xs:string"><xs:maxLength value="3"/></xs:restriction></xs:simpleType>`,
      ),
    );
    const ok = s.request(
      '<t:kind xsi:type="t:Kind">person</t:kind><t:code xsi:type="xs:string">abc</t:code>',
    );
    expect(ok.errors).toEqual([]);
    expect(ok.value).toEqual({ kind: 'person', code: 'abc' });
    // another simple type is still refused, and the facets still hold under the type's own name
    const other = s.request(
      '<t:kind xsi:type="t:Code">person</t:kind><t:code xsi:type="t:Code">abcd</t:code>',
    );
    expect(fields(other)).toEqual(['kind', 'code']);
  });

  it('complexContent restriction: the restricted content replaces the base content', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element name="p" type="t:Short"/></xs:sequence>`,
        `<xs:complexType name="Long"><xs:sequence><xs:element name="a" type="xs:string"/><xs:element name="b" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType>
         <xs:complexType name="Short"><xs:complexContent><xs:restriction base="t:Long"><xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence></xs:restriction></xs:complexContent></xs:complexType>`,
      ),
    );
    expect(s.request('<t:p><t:a>1</t:a></t:p>').errors).toEqual([]);
    expect(fields(s.request('<t:p><t:a>1</t:a><t:b>2</t:b></t:p>'))).toEqual(['p.b']);
  });

  it('attributes: typed, required, fixed, and qualified when the schema says so', () => {
    const s = compile(
      req(`<xs:sequence><xs:element name="amount"><xs:complexType><xs:simpleContent><xs:extension base="xs:decimal">
         <xs:attribute name="currency" use="required"><xs:simpleType><xs:restriction base="xs:string"><xs:length value="3"/></xs:restriction></xs:simpleType></xs:attribute>
         <xs:attribute name="v" type="xs:string" fixed="1"/></xs:extension></xs:simpleContent></xs:complexType></xs:element></xs:sequence>`),
    );
    expect(s.request('<t:amount currency="EUR" v="1">12.50</t:amount>')).toEqual({
      value: { amount: { '@currency': 'EUR', '@v': '1', $value: '12.50' } },
      errors: [],
    });
    expect(fields(s.request('<t:amount currency="EURO" v="2">x</t:amount>'))).toEqual([
      'amount.@currency',
      'amount.@v',
      'amount',
    ]);
    expect(fields(s.request('<t:amount>1</t:amount>'))).toEqual(['amount.@currency']);
    const reply = s.reply({ amount: { '@currency': 'EUR', $value: 12.5 } });
    expect(reply.ok && reply.xml).toBe(
      '<tns:Resp xmlns:tns="urn:t"><tns:amount currency="EUR">12.5</tns:amount></tns:Resp>',
    );
  });

  it('xsd:choice: exactly one branch, required when the choice is', () => {
    const s = compile(
      req(`<xs:sequence><xs:choice><xs:element name="email" type="xs:string"/>
           <xs:sequence><xs:element name="street" type="xs:string"/><xs:element name="city" type="xs:string"/></xs:sequence></xs:choice></xs:sequence>`),
    );
    expect(s.request('<t:email>a@b.de</t:email>').errors).toEqual([]);
    expect(s.request('<t:street>Ring 1</t:street><t:city>Köln</t:city>').errors).toEqual([]);
    expect(messages(s.request('<t:email>a@b.de</t:email><t:city>Köln</t:city>'))).toEqual([
      "field 'street' is required",
      "field 'city' in 'the operation element' only one of email | street + city may be given, found email and city".replace(
        "field 'city' in",
        'in',
      ),
    ]);
    expect(messages(s.request(''))).toEqual([
      "in 'the operation element' one of email | street + city is required",
    ]);
  });

  it('simpleContent: text of a simple type with attributes', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element name="code"><xs:complexType><xs:simpleContent><xs:extension base="t:Code">
         <xs:attribute name="list" type="xs:string"/></xs:extension></xs:simpleContent></xs:complexType></xs:element></xs:sequence>`,
        `<xs:simpleType name="Code"><xs:restriction base="xs:string"><xs:pattern value="[A-Z]{3}"/></xs:restriction></xs:simpleType>`,
      ),
    );
    expect(s.request('<t:code list="iso">EUR</t:code>').value).toEqual({
      code: { '@list': 'iso', $value: 'EUR' },
    });
    expect(messages(s.request('<t:code>eur</t:code>'))).toEqual([
      "field 'code' does not match the pattern [A-Z]{3}",
    ]);
    expect(fields(s.request('<t:code><t:x/></t:code>'))).toContain('code');
  });

  it('list and union simple types', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element name="days" type="t:Days"/><xs:element name="when" type="t:When"/></xs:sequence>`,
        `<xs:simpleType name="Days"><xs:list itemType="xs:int"/></xs:simpleType>
         <xs:simpleType name="When"><xs:union memberTypes="xs:date"><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="now"/></xs:restriction></xs:simpleType></xs:union></xs:simpleType>`,
      ),
    );
    expect(s.request('<t:days>1 2 3</t:days><t:when>now</t:when>').errors).toEqual([]);
    expect(s.request('<t:days>1</t:days><t:when>2024-02-29</t:when>').errors).toEqual([]);
    expect(fields(s.request('<t:days>1 x</t:days><t:when>later</t:when>'))).toEqual(['days', 'when']);
  });

  it('elementFormDefault unqualified: local elements carry no namespace, in and out', () => {
    const s = compile(req(`<xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence>`), {
      form: 'unqualified',
    });
    expect(s.request('<a>1</a>').errors).toEqual([]);
    expect(messages(s.request('<t:a>1</t:a>'))).toEqual([
      "field 'a' must be unqualified (no namespace), not in 'urn:t'",
    ]);
    const reply = s.reply({ a: '1' });
    expect(reply.ok && reply.xml).toBe('<tns:Resp xmlns:tns="urn:t"><a>1</a></tns:Resp>');
  });

  it('element refs, named groups and attribute groups', () => {
    const s = compile(
      req(
        `<xs:sequence><xs:element ref="t:id"/><xs:group ref="t:G"/></xs:sequence><xs:attributeGroup ref="t:AG"/>`,
        `<xs:element name="id" type="xs:int"/>
         <xs:group name="G"><xs:sequence><xs:element name="g" type="xs:string" maxOccurs="2"/></xs:sequence></xs:group>
         <xs:attributeGroup name="AG"><xs:attribute name="version" type="xs:int" use="required"/></xs:attributeGroup>`,
      ),
    );
    expect(s.request('<t:id>1</t:id><t:g>x</t:g>', 'version="2"').value).toEqual({
      '@version': '2',
      id: '1',
      g: ['x'],
    });
    expect(fields(s.request('<t:id>x</t:id>'))).toEqual(['@version', 'id', 'g']);
  });

  it('a body element of simple type (document/literal bare): text in, { $value } or text out', () => {
    const s = compile('<xs:element name="Req" type="xs:string"/><xs:element name="Resp" type="xs:int"/>');
    expect(s.request('ping')).toEqual({ value: 'ping', errors: [] });
    const reply = s.reply({ $value: 42 });
    expect(reply.ok && reply.xml).toBe('<tns:Resp xmlns:tns="urn:t">42</tns:Resp>');
    expect(messages(s.reply({ $value: 'many' }))).toEqual(["field '(body)' must be an integer (xsd:int)"]);
  });
});
