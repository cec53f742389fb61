// Bundles the policy console (console/src, preact + uPlot) into dist/console with esbuild: index.html,
// app.js and app.css, everything in the package, because the hub runs offline and its
// Content-Security-Policy allows scripts and styles from its own origin only.
const fs = require('node:fs');
const path = require('node:path');

const source = __dirname;

function buildConsole(outdir) {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    throw new Error('the policy console needs esbuild to build: run `npm ci` first');
  }
  // the TypeScript build copies console/ resources here too; the console is the bundle alone
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  esbuild.buildSync({
    entryPoints: { app: path.join(source, 'src', 'main.tsx') },
    bundle: true,
    outdir,
    format: 'iife',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    absWorkingDir: path.resolve(source, '..'),
  });
  for (const file of ['index.html', 'icon.svg']) {
    fs.copyFileSync(path.join(source, file), path.join(outdir, file));
  }
}

module.exports = { buildConsole };
