import fs from 'node:fs';
import path from 'node:path';
import { resolveWsdlLocation, SHIPPED_WSDL_DIR } from '../../../../connectors/soap/wsdl-location';

describe('resolveWsdlLocation: one place for soap-service and soap-client', () => {
  it('finds shipped WSDLs by builtin: name', () => {
    const crm = resolveWsdlLocation('builtin:crm', '/u');
    expect(crm).toBe(path.join(SHIPPED_WSDL_DIR, 'crm.wsdl'));
    expect(fs.existsSync(crm)).toBe(true);
    expect(fs.existsSync(resolveWsdlLocation(' builtin:hub ', '/u'))).toBe(true);
  });

  it('reads other paths relative to the user directory and leaves absolute ones', () => {
    expect(resolveWsdlLocation('wsdl/mine.wsdl', '/u')).toBe(path.resolve('/u/wsdl/mine.wsdl'));
    expect(resolveWsdlLocation('/srv/crm.wsdl', '/u')).toBe(path.resolve('/srv/crm.wsdl'));
  });

  it('keeps an http(s) URL as it is', () => {
    expect(resolveWsdlLocation('https://crm.example/activity?wsdl', '/u')).toBe(
      'https://crm.example/activity?wsdl',
    );
    expect(resolveWsdlLocation(' HTTP://crm.example/a?wsdl ', '/u')).toBe('HTTP://crm.example/a?wsdl');
  });

  it('names what is wrong with an empty setting or a builtin: that is no name', () => {
    expect(() => resolveWsdlLocation(' ', '/u')).toThrow('wsdl: no WSDL file or URL is configured');
    expect(() => resolveWsdlLocation('builtin:../etc/passwd', '/u')).toThrow('names no shipped WSDL');
  });
});
