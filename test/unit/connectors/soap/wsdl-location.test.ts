import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  resolveLookupWsdlLocation,
  resolveWsdlLocation,
  SHIPPED_WSDL_DIR,
} from '../../../../connectors/soap/wsdl-location';

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

describe('resolveLookupWsdlLocation: what the editor may look up', () => {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-lookup-'));
  afterAll(() => fs.rmSync(userDir, { recursive: true, force: true }));

  it('takes URLs, shipped WSDLs and files in the user directory', () => {
    fs.mkdirSync(path.join(userDir, 'wsdl'));
    fs.writeFileSync(path.join(userDir, 'wsdl', 'mine.wsdl'), '<definitions/>');
    expect(resolveLookupWsdlLocation('https://crm.example/a?wsdl', userDir)).toBe(
      'https://crm.example/a?wsdl',
    );
    expect(resolveLookupWsdlLocation('builtin:crm', userDir)).toBe(path.join(SHIPPED_WSDL_DIR, 'crm.wsdl'));
    expect(resolveLookupWsdlLocation('wsdl/mine.wsdl', userDir)).toBe(
      path.join(userDir, 'wsdl', 'mine.wsdl'),
    );
    // not there yet: it fails to load under its own name
    expect(resolveLookupWsdlLocation('later.wsdl', userDir)).toBe(path.join(userDir, 'later.wsdl'));
    expect(resolveLookupWsdlLocation(path.join(userDir, 'wsdl', 'mine.wsdl'), userDir)).toBe(
      path.join(userDir, 'wsdl', 'mine.wsdl'),
    );
  });

  it('refuses every other file of the machine, by path, by .. and by a link out', () => {
    fs.symlinkSync('/etc/passwd', path.join(userDir, 'passwd.wsdl'));
    for (const source of ['/etc/passwd', '../etc/passwd', 'wsdl/../../x.wsdl', 'passwd.wsdl', '.']) {
      expect(() => resolveLookupWsdlLocation(source, userDir)).toThrow(
        'wsdl: the editor looks up a WSDL at an http(s) URL',
      );
    }
  });
});
