import fs from 'node:fs';
import path from 'node:path';
import type { LegacySystemNode } from '../../nodes/legacy-system/legacy-system';
import { migrations } from '../../nodes/legacy-system/migrations';
import { migrate } from '../../nodes/shared/migrate';
import { all, helper, loggedErrors, useHelper, load } from './harness';
import { goodAddress } from './soap-fixtures';

useHelper();

describe('legacy-system', () => {
  it('compiles a record mapping once and reuses it', async () => {
    await load(all, [{ id: 'sys', type: 'legacy-system', systemId: 'crm', mapping: '', version: 2 }]);
    const node = helper.getNode('sys') as unknown as LegacySystemNode;
    expect(node.systemId).toBe('crm');
    expect(node.inbound('ReportAddressChange')).toBe(node.inbound('ReportAddressChange'));
  });

  it('reports a mapping that is not JSON, naming the system', async () => {
    await load(all, [{ id: 'x', type: 'legacy-system', systemId: 'shop', mapping: '{ nope' }]);
    const node = helper.getNode('x') as unknown as LegacySystemNode;
    expect(loggedErrors('x')[0]).toContain("mapping of system 'shop' cannot be loaded");
    expect(() => node.inbound('Order')).toThrow(/system 'shop'/);
  });

  it('refuses a mapping that is JSON but no object, naming the system', async () => {
    await load(all, [{ id: 'x', type: 'legacy-system', systemId: 'shop', mapping: 'null' }]);
    const node = helper.getNode('x') as unknown as LegacySystemNode;
    expect(loggedErrors('x')).toEqual([expect.stringContaining('must be a JSON object')]);
    expect(() => node.inbound('Order')).toThrow(/system 'shop'/);
    expect(node.problem('inbound')?.message).toMatch(/system 'shop' cannot be loaded/);
  });

  it('declares no credentials: nothing ever read the user and password it used to ask for', async () => {
    await load(all, [{ id: 'sys', type: 'legacy-system', systemId: 'crm', mapping: '' }]);
    // Node-RED gives a node an empty credentials object whenever its type declares any
    expect((helper.getNode('sys') as unknown as { credentials?: object }).credentials).toBeUndefined();
    const editor = fs.readFileSync(
      path.join(__dirname, '..', '..', 'nodes', 'legacy-system', 'legacy-system.html'),
      'utf8',
    );
    expect(editor).not.toMatch(/credentials|node-config-input-(user|password|format)\b/);
  });
});

describe('legacy-system help', () => {
  it.each(['en-US', 'de'])(
    'describes Mapping as the JSON the runtime parses (%s), not a YAML file',
    (lang) => {
      const help = fs.readFileSync(
        path.join(__dirname, '..', '..', 'nodes', 'legacy-system', 'locales', lang, 'legacy-system.html'),
        'utf8',
      );
      expect(help).not.toMatch(/YAML|Benutzerverzeichnis|user directory/);
      expect(help).toMatch(
        /<b>Mapping<\/b> (is a mapping spec of your own|ist eine eigene Mapping-Spezifikation), [^.]*JSON/,
      );
    },
  );
});

describe('legacy-system config versions', () => {
  const saved = {
    id: 'sys',
    type: 'legacy-system',
    name: 'CRM',
    systemId: 'crm',
    format: 'soap',
    mapping: '',
  };

  it('drops the unread format field and adds the middle trust to a config saved before versions existed or at version 1', () => {
    const current = {
      id: 'sys',
      type: 'legacy-system',
      name: 'CRM',
      systemId: 'crm',
      mapping: '',
      trustDefault: 50,
      trust: '',
      version: 3,
    };
    expect(migrate(saved, migrations)).toEqual(current);
    expect(migrate({ ...saved, version: 1 }, migrations)).toEqual(current);
    expect(migrate(current, migrations)).toEqual(current);
  });

  it('keeps the trust a version 2 config never had at the middle of the scale, and a version 3 one as saved', () => {
    const v2 = { id: 'sys', type: 'legacy-system', systemId: 'sap', mapping: '', version: 2 };
    expect(migrate(v2, migrations)).toEqual({ ...v2, trustDefault: 50, trust: '', version: 3 });
    const v3 = { ...v2, trustDefault: '80', trust: 'address: 90', version: 3 };
    expect(migrate(v3, migrations)).toEqual(v3);
  });

  it('keeps the flow Node-RED hands the constructor as a hidden property of the config', () => {
    const handed = { ...saved };
    const flow = { id: 'flow' };
    Object.defineProperty(handed, '_flow', { value: flow, enumerable: false, writable: true });
    const migrated = migrate<Record<string, unknown>>(handed, migrations);
    expect(migrated._flow).toBe(flow);
    expect(Object.keys(migrated)).not.toContain('_flow');
  });

  it('loads an old config with format and maps with it as before', async () => {
    await load(all, [saved]);
    const node = helper.getNode('sys') as unknown as LegacySystemNode & Record<string, unknown>;
    expect(node).not.toHaveProperty('format');
    expect(loggedErrors('sys')).toEqual([]);
    const result = node.inbound('ReportAddressChange').map(goodAddress, { recordRef: 'ReportAddressChange' });
    expect(result).toMatchObject({ ok: true, value: { customer: { ref: 'crm:0004711' } } });
  });
});
