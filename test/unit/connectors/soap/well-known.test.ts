import { readFileSync } from 'node:fs';
import { localImportLocation, wellKnownSchema } from '../../../../connectors/soap/well-known';
import { parseXmlTree } from '../../../../formats/xml/xml-tree';

const XSD = 'http://www.w3.org/2001/XMLSchema';

describe('well-known schemas are read from the hub, not the network', () => {
  it.each([
    ['http://schemas.xmlsoap.org/soap/encoding/', 'http://schemas.xmlsoap.org/soap/encoding/'],
    ['https://schemas.xmlsoap.org/soap/encoding', 'http://schemas.xmlsoap.org/soap/encoding/'],
    ['http://schemas.xmlsoap.org/wsdl/', 'http://schemas.xmlsoap.org/wsdl/'],
  ])('%s is a local schema of namespace %s', (location, namespace) => {
    const file = wellKnownSchema(location);
    expect(file).toBeDefined();
    const root = parseXmlTree(readFileSync(file!, 'utf8'));
    expect([root.ns, root.local, root.attrs.targetNamespace]).toEqual([XSD, 'schema', namespace]);
  });

  it('declares the SOAP encoding Array type and its arrayType attribute', () => {
    const root = parseXmlTree(
      readFileSync(wellKnownSchema('http://schemas.xmlsoap.org/soap/encoding/')!, 'utf8'),
    );
    const names = root.children.map((c) => `${c.local} ${c.attrs.name}`);
    expect(names).toEqual(expect.arrayContaining(['complexType Array', 'attribute arrayType']));
  });

  it('leaves every other location as node-soap resolved it', () => {
    expect(wellKnownSchema('http://schemas.xmlsoap.org/soap/encoding/other.xsd')).toBeUndefined();
    expect(wellKnownSchema('http://example.com/schemas.xmlsoap.org/wsdl/')).toBeUndefined();
    expect(localImportLocation('/srv/wsdl/types.xsd', '/srv/wsdl/a.wsdl', 'types.xsd')).toBe(
      '/srv/wsdl/types.xsd',
    );
    expect(
      localImportLocation(
        'http://schemas.xmlsoap.org/soap/encoding/',
        '/srv/a.wsdl',
        'http://schemas.xmlsoap.org/soap/encoding/',
      ),
    ).toBe(wellKnownSchema('http://schemas.xmlsoap.org/soap/encoding/'));
  });
});
