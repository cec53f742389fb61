import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The layers of DESIGN.md, written here independently of eslint.config.js: each folder and the
 * top-level folders it must never import. `npm run lint` must refuse every one of these imports and
 * accept every other one, so a wrong import cannot land.
 */
const FORBIDDEN: Record<string, string[]> = {
  formats: ['connectors', 'mappings', 'records', 'policies', 'app', 'nodes'],
  connectors: ['mappings', 'records', 'policies', 'app', 'nodes'],
  mappings: ['connectors', 'records', 'policies', 'app', 'nodes'],
  records: ['connectors', 'policies', 'app', 'nodes'],
  policies: ['connectors', 'app', 'nodes'],
  app: ['nodes'],
  nodes: [],
};
const FOLDERS = Object.keys(FORBIDDEN);
const LIBRARIES = FOLDERS.filter((f) => f !== 'nodes');
const root = path.resolve(__dirname, '..', '..');

const PAIRS = FOLDERS.flatMap((from) => FOLDERS.filter((to) => to !== from).map((to) => [from, to]));
const CASES: [string, string][] = [
  // planted one folder deep, as most modules are
  ...PAIRS.map(([from, to]): [string, string] => [
    `${from}/planted/wrong-import.ts`,
    `../../${to}/some-module`,
  ]),
  ['formats/top.ts', '../connectors/amqp/bus'],
  ['records/a/b/deep.ts', '../../../policies/engine'],
  ['formats/xml/x.ts', '../idoc/idoc'],
  ['policies/engine2.ts', '../records/store'],
  ['app/api/x.ts', '../../records/store'],
  ...LIBRARIES.flatMap((f): [string, string][] => [
    [`${f}/planted.ts`, 'node-red'],
    [`${f}/planted.ts`, '@node-red/util'],
  ]),
  ['nodes/x/x.ts', 'node-red'],
  ['nodes/x/x.ts', '../../policies/engine'],
];

let linted: Record<string, string[]> & { realFiles?: number };
beforeAll(() => {
  const stdout = execFileSync(process.execPath, [path.join(__dirname, 'lint-planted.js')], {
    cwd: root,
    input: JSON.stringify(CASES),
    encoding: 'utf8',
  });
  linted = JSON.parse(stdout);
}, 60000);
const errorsOf = (file: string, specifier: string) => linted[`${file} ${specifier}`];

describe('layers (ESLint no-restricted-imports)', () => {
  it.each(PAIRS)('%s/ importing %s/ is refused exactly when DESIGN.md forbids it', (from, to) => {
    const errors = errorsOf(`${from}/planted/wrong-import.ts`, `../../${to}/some-module`);
    if (FORBIDDEN[from].includes(to)) {
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`${from}/ sits below`);
    } else {
      expect(errors).toEqual([]);
    }
  });

  it('refuses a wrong import at any depth of the folder', () => {
    expect(errorsOf('formats/top.ts', '../connectors/amqp/bus')).toHaveLength(1);
    expect(errorsOf('records/a/b/deep.ts', '../../../policies/engine')).toHaveLength(1);
  });

  it('accepts imports inside a folder and from the floors below', () => {
    expect(errorsOf('formats/xml/x.ts', '../idoc/idoc')).toEqual([]);
    expect(errorsOf('policies/engine2.ts', '../records/store')).toEqual([]);
    expect(errorsOf('app/api/x.ts', '../../records/store')).toEqual([]);
  });

  it.each(LIBRARIES)('%s/ is a library and may not import Node-RED', (folder) => {
    expect(errorsOf(`${folder}/planted.ts`, 'node-red')).toEqual([
      expect.stringContaining('never import Node-RED'),
    ]);
    expect(errorsOf(`${folder}/planted.ts`, '@node-red/util')).toHaveLength(1);
  });

  it('lets nodes/ import Node-RED and every library', () => {
    expect(errorsOf('nodes/x/x.ts', 'node-red')).toEqual([]);
    expect(errorsOf('nodes/x/x.ts', '../../policies/engine')).toEqual([]);
  });

  it('finds no crossing import in the sources as they are', () => {
    expect(linted.real).toEqual([]);
    expect(linted.realFiles).toBeGreaterThan(100);
  });
});
