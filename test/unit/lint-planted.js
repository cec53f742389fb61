// Lints planted imports with the project's own ESLint config, for test/unit/layers.test.ts. ESLint loads
// its config with a dynamic import, which jest's module sandbox refuses, so this runs as a child process.
// stdin: [[file, specifier], ...]; stdout: { "<file> <specifier>": [messages], real: [...], realFiles: n }
const { ESLint } = require('eslint');
const fs = require('node:fs');

const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
const eslint = new ESLint({ cwd: process.cwd() });
const layerMessages = (messages) =>
  messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.fatal).map((m) => m.message);

(async () => {
  const out = {};
  for (const [file, specifier] of cases) {
    const code = `import { x } from '${specifier}';\nexport const y = x;\n`;
    const [result] = await eslint.lintText(code, { filePath: file });
    out[`${file} ${specifier}`] = layerMessages(result.messages);
  }
  const folders = ['formats', 'connectors', 'mappings', 'records', 'policies', 'app', 'nodes'];
  const real = await eslint.lintFiles(folders.map((f) => `${f}/**/*.ts`));
  out.real = real.flatMap((r) => layerMessages(r.messages).map((m) => `${r.filePath}: ${m}`));
  out.realFiles = real.length;
  process.stdout.write(JSON.stringify(out));
})();
