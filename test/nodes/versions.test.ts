import fs from 'node:fs';
import path from 'node:path';
import { currentVersion, migrate, ConfigVersionError, type Migration } from '../../nodes/shared/migrate';

/**
 * Every node's saved config carries a version (zachowj's migrations): the editor's defaults say which
 * version a new node is saved as, and nodes/<type>/migrations.ts lists the steps up to it. The per-node
 * tests show each step on a config saved by an older version; this one keeps the two sides in step.
 */
const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};
const TYPES = Object.keys(pkg['node-red'].nodes);

describe('node config versions', () => {
  it('covers every registered node', () => {
    expect(TYPES.length).toBeGreaterThanOrEqual(16);
  });

  it.each(TYPES)('%s: the editor saves new nodes with the version its migrations end at', (type) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { migrations } = require(path.join(root, 'nodes', type, 'migrations')) as {
      migrations: Migration[];
    };
    expect(migrations.length).toBeGreaterThanOrEqual(1);
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    const html = fs.readFileSync(path.join(root, 'nodes', type, `${type}.html`), 'utf8');
    const declared = /\bversion:\s*\{\s*value:\s*(\d+)\s*\}/.exec(html);
    expect(declared?.[1]).toBe(String(currentVersion(migrations)));
    // a config saved before versions existed comes out at the current version
    expect(migrate({ id: 'n1', type }, migrations)).toMatchObject({ version: currentVersion(migrations) });
  });
});

describe('migrate', () => {
  const steps: Migration[] = [
    { version: 1, up: (c) => c },
    { version: 2, up: (c) => ({ ...c, renamed: c.old, old: undefined }) },
  ];

  it('runs only the steps after the saved version and leaves the saved config as it was', () => {
    const saved = { id: 'a', old: 'x' };
    expect(migrate(saved, steps)).toEqual({ id: 'a', renamed: 'x', old: undefined, version: 2 });
    expect(saved).toEqual({ id: 'a', old: 'x' });
    expect(migrate({ id: 'b', renamed: 'y', version: 2 }, steps)).toEqual({
      id: 'b',
      renamed: 'y',
      version: 2,
    });
  });

  it('refuses a config saved by a newer version instead of misreading it', () => {
    expect(() => migrate({ id: 'c', version: 3 }, steps)).toThrow(ConfigVersionError);
  });
});
