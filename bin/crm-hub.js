#!/usr/bin/env node
// CRM Hub command line: `crm-hub start` runs Node-RED with the hub's settings and flows;
// `crm-hub map` maps legacy files (app/cli/map-command.ts does the work).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

// `map` writes its records to stdout, so its build messages go to stderr.
function buildIfNeeded(log = console.log) {
  const marker = path.join(root, 'dist', '.built');
  const sources = require('../scripts/source-dirs.js')
    .map((d) => path.join(root, d))
    .filter((d) => fs.existsSync(d));
  const builtAt = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
  const changedAt = Math.max(...sources.map(newestMtime));
  if (builtAt >= changedAt) return;
  if (!fs.existsSync(path.join(root, 'node_modules', 'typescript'))) {
    throw new Error('dist/ is missing or stale and TypeScript is not installed: run `npm ci` first');
  }
  log('CRM Hub: building dist/ ...');
  const stdio = log === console.log ? 'inherit' : ['ignore', 'pipe', 'inherit'];
  const built = execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio });
  if (built) process.stderr.write(built);
}

// The user directory holds the editor's live bearer tokens (.sessions.json), the key to the
// encrypted credentials (.config.runtime.json), flows_cred.json and the embedded store's customer
// data: no other local user may read it. A directory made before this rule is tightened, saying so.
const PRIVATE_DIR = 0o700;
const PRIVATE_FILES = [
  '.sessions.json',
  '.config.runtime.json',
  '.config.users.json',
  '.config.nodes.json',
  'flows_cred.json',
  'crm-hub-store/data.mdb',
  'crm-hub-store/lock.mdb',
];

function tightenUserDir(userDir) {
  const tightened = [];
  const tighten = (file, mode) => {
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return;
    }
    if ((stat.mode & 0o077) === 0) return;
    fs.chmodSync(file, mode);
    tightened.push(
      `${path.relative(userDir, file) || '.'} ${(stat.mode & 0o777).toString(8)} → ${mode.toString(8)}`,
    );
  };
  tighten(userDir, PRIVATE_DIR);
  tighten(path.join(userDir, 'crm-hub-store'), PRIVATE_DIR);
  for (const name of PRIVATE_FILES) tighten(path.join(userDir, name), 0o600);
  if (tightened.length > 0) {
    console.log(
      `CRM Hub: the user directory ${userDir} was readable by other users; tightened ${tightened.join(', ')}`,
    );
  }
}

function prepareUserDir(settings) {
  fs.mkdirSync(settings.userDir, { recursive: true, mode: PRIVATE_DIR });
  tightenUserDir(settings.userDir);
  const flowFile = path.join(settings.userDir, settings.flowFile || 'flows.json');
  const shipped = process.env.CRM_HUB_FLOWS || path.join(root, 'flows', 'hub.json');
  // The shipped flows are copied once; afterwards the user's deployed edits are theirs to keep.
  const exists = fs.existsSync(flowFile);
  if (exists && !process.argv.includes('--reset-flows')) return;
  const from = path.relative(process.cwd(), shipped) || shipped;
  if (exists) {
    // A reset replaces what the integrator deployed; Node-RED's own .backup keeps only the deploy
    // before the last one, so the flows replaced are kept beside it under a name of their own.
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const kept = `${flowFile}.${stamp}.before-reset`;
    fs.copyFileSync(flowFile, kept);
    fs.copyFileSync(shipped, flowFile);
    console.log(
      `CRM Hub: --reset-flows: deployed ${from} to ${flowFile}; the flows it replaced are in ${kept}`,
    );
  } else {
    fs.copyFileSync(shipped, flowFile);
    console.log(`CRM Hub: deployed ${from} to ${flowFile}`);
  }
}

// AMQP_URL may list several brokers (comma or new line, connectors/amqp/broker-urls.ts): every
// password goes, also one with an empty user name.
function redactPasswords(urls) {
  return urls.replace(/\/\/([^:@/\s,]*):[^@/]*@/g, '//$1:***@');
}

function banner(settings) {
  const bus = process.env.AMQP_URL
    ? `RabbitMQ (AMQP_URL ${redactPasswords(process.env.AMQP_URL)})`
    : 'embedded in-process bus (set AMQP_URL to use RabbitMQ)';
  const store = process.env.DATABASE_URL
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded LMDB store under ${settings.userDir} (set DATABASE_URL to use PostgreSQL)`;
  console.log(`CRM Hub: bus   = ${bus}`);
  console.log(`CRM Hub: store = ${store}`);
  console.log(
    `CRM Hub: editor http://${settings.uiHost}:${settings.uiPort}/  console /console  health /healthz`,
  );
}

const START_OPTIONS = ['--reset-flows'];

function start() {
  // A mistyped option (`--reset-flow`) would otherwise start the hub as if it had not been given.
  const unknown = process.argv.slice(3).filter((arg) => !START_OPTIONS.includes(arg));
  if (unknown.length > 0) {
    console.error(`crm-hub start: unknown option '${unknown[0]}' (it takes ${START_OPTIONS.join(', ')})`);
    process.exit(2);
  }
  const settingsFile = path.join(root, 'settings.js');
  // First, so that settings it cannot use (settings.js throws) stop it before it builds or deploys
  // anything, with exit code 1 and the reason.
  const settings = require(settingsFile);
  buildIfNeeded();
  // Whatever Node-RED and the nodes write from here on (sessions, credentials, the store, backups)
  // is the hub user's alone.
  process.umask(0o077);
  prepareUserDir(settings);
  banner(settings);
  let red;
  try {
    red = require.resolve('node-red/red.js');
  } catch {
    throw new Error(
      'Node-RED is not installed: run `npm ci` in a clone, or install node-red ~4.1 beside crm-hub',
    );
  }
  process.argv = [process.argv[0], red, '--settings', settingsFile];
  require('node-red/red.js');
}

function map() {
  try {
    buildIfNeeded(console.error);
  } catch (err) {
    console.error(`CRM Hub: ${err.message}`);
    process.exit(2);
  }
  const { runMapCommand } = require(path.join(root, 'dist', 'app', 'cli', 'map-command.js'));
  // exitCode rather than exit(): stdout may still hold records on their way to a pipe.
  runMapCommand(process.argv.slice(3)).then(
    (code) => (process.exitCode = code),
    (err) => {
      console.error(`crm-hub map: ${err.stack || err.message}`);
      process.exitCode = 2;
    },
  );
}

// A command module of app/cli: under a TypeScript loader (the tests' register-ts.js) it runs from the
// sources and builds nothing; else from dist/, built first if it is missing or stale.
function cliModule(name) {
  if (require.extensions['.ts']) return require(path.join(root, 'app', 'cli', `${name}.ts`));
  try {
    buildIfNeeded(console.error);
  } catch (err) {
    console.error(`CRM Hub: ${err.message}`);
    process.exit(2);
  }
  return require(path.join(root, 'dist', 'app', 'cli', `${name}.js`));
}

/** Runs a command's promise of an exit code; a failure it did not expect is exit code 2. */
function exitWith(label, running) {
  running.then(
    (code) => (process.exitCode = code),
    (err) => {
      console.error(`crm-hub ${label}: ${err.stack || err.message}`);
      process.exitCode = 2;
    },
  );
}

// `dead-letters` works on the RabbitMQ dead-letter queue (app/cli/dead-letters-command.ts).
function deadLetters() {
  exitWith('dead-letters', cliModule('dead-letters-command').runDeadLettersCommand(process.argv.slice(3)));
}

// `queues upgrade` re-creates hub queues whose arguments differ after an upgrade (app/cli/queues-command.ts).
function queues() {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: root };
  exitWith('queues', cliModule('queues-command').runQueuesCommand(process.argv.slice(3), io));
}

const USAGE = `usage: crm-hub <command>
  start [--reset-flows]   run the hub (Node-RED with the hub's settings and flows), as npm start does
  build                   build dist/ if it is missing or older than the sources
  map --help              map a legacy file with a system's spec
  dead-letters --help     list, show, replay and purge the dead letters on RabbitMQ
  queues upgrade          re-create the hub queues whose arguments differ after an upgrade (--help)`;

// required (by the tests for banner()) it runs no command
if (require.main === module) main();
else module.exports = { banner };

// No command prints the usage rather than starting a hub: with AMQP_URL exported for the dead-letters
// command, a bare `crm-hub` would otherwise add a second consumer with a store of its own.
function main() {
  const command = process.argv[2];
  try {
    if (command === 'start') start();
    else if (command === 'build') buildIfNeeded();
    else if (command === 'map') map();
    else if (command === 'dead-letters') deadLetters();
    else if (command === 'queues') queues();
    else if (command === '--help' || command === '-h' || command === 'help') console.log(USAGE);
    else {
      console.error(command === undefined ? USAGE : `crm-hub: unknown command '${command}'\n${USAGE}`);
      process.exit(2);
    }
  } catch (err) {
    console.error(`CRM Hub: ${err.message}`);
    process.exit(1);
  }
}
