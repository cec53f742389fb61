#!/usr/bin/env node
// `npm run bench [-- <name> ... [--check]]`: builds if needed and runs each benchmark in bench/
// (compiled to dist/bench). Every benchmark first checks that ours and its anchor produce the same
// output (exiting 1 if not), then runs both side by side in the same process and prints
// `RESULT <name> ours=<n> anchor=<n> ratio=<n> unit=<u>` as its last line. `--check` stops after the check.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(process.execPath, [path.join(root, 'bin', 'crm-hub.js'), 'build'], { stdio: 'inherit' });

const available = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknownFlags = flags.filter((f) => f !== '--check');
if (unknownFlags.length) {
  console.error(`unknown option ${unknownFlags.join(', ')}; known: --check`);
  process.exit(2);
}
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of wanted.length ? wanted : available) {
  console.log(`\n== bench ${name}`);
  try {
    execFileSync(process.execPath, [path.join(root, 'dist', 'bench', `${name}.js`), ...flags], {
      stdio: 'inherit',
      cwd: root,
    });
  } catch {
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
