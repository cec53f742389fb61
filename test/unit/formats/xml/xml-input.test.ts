import { decodeXmlBytes, XmlEncodingError } from '../../../../formats/xml/xml-input';

describe('decodeXmlBytes', () => {
  const latin1 = (text: string) => Buffer.from(text, 'latin1');

  it('refuses bytes that are not UTF-8 where UTF-8 is meant, naming the byte in the file', () => {
    const undeclared = latin1('<a>Köln</a>');
    expect(() => decodeXmlBytes(undeclared)).toThrow(XmlEncodingError);
    expect(() => decodeXmlBytes(undeclared)).toThrow('the XML is not valid UTF-8 at byte 4: declare');
    const afterBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), undeclared]);
    expect(() => decodeXmlBytes(afterBom)).toThrow('not valid UTF-8 at byte 7:');
  });

  it('reads a declared code page and UTF-8 with or without a BOM', () => {
    expect(decodeXmlBytes(latin1('<?xml version="1.0" encoding="ISO-8859-1"?><a>Köln</a>'))).toContain(
      'Köln',
    );
    const utf8 = Buffer.from('<a>Köln</a>', 'utf8');
    expect(decodeXmlBytes(utf8)).toBe('<a>Köln</a>');
    expect(decodeXmlBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]))).toBe('<a>Köln</a>');
  });
});
