#!/usr/bin/env node
// Compiles the TypeScript to CommonJS in dist/ and copies what the Node-RED loader and the libraries
// read at run time (editor HTML, locales, icons, schemas, mapping specs, WSDLs) to the same relative
// place, so code finds its resources with __dirname from sources and from dist alike.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const sourceDirs = require('./source-dirs.js');
const copied = /\.(html|json|yaml|yml|wsdl|xsd|svg|png|css|js)$/;

function copyResources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name);
    if (entry.isDirectory()) copyResources(from);
    else if (copied.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      const to = path.join(dist, path.relative(root, from));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
for (const dir of sourceDirs) if (fs.existsSync(path.join(root, dir))) copyResources(path.join(root, dir));
require('../console/build.js').buildConsole(path.join(dist, 'console'));
fs.writeFileSync(path.join(dist, '.built'), new Date().toISOString() + '\n');
console.log('built dist/');
