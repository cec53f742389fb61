import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/** The package root, from the TypeScript sources (tests) and from dist/ (benchmarks) alike. */
export const ROOT = findRoot(__dirname);

function findRoot(dir: string): string {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (
      fs.existsSync(pkg) &&
      (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'crm-hub'
    )
      return d;
  }
  throw new Error(`no crm-hub package.json above ${dir}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * A RabbitMQ virtual host of its own per test run, so a hub started by a test never shares its
 * durable queues with a developer's running hub or with another run.
 */
export function createVhost(name: string): string {
  execFileSync('rabbitmqctl', ['-q', 'add_vhost', name]);
  execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  return `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(name)}`;
}

export function deleteVhost(name: string): void {
  execFileSync('rabbitmqctl', ['-q', 'delete_vhost', name]);
}

/** Messages (ready and unacknowledged) in a queue of the virtual host, from the broker; -1 for none. */
export function queueDepth(vhost: string, queue: string): number {
  const out = execFileSync('rabbitmqctl', ['-q', 'list_queues', '-p', vhost, 'name', 'messages']).toString();
  const line = out.split('\n').find((l) => l.split(/\s+/)[0] === queue);
  return line ? Number(line.trim().split(/\s+/)[1]) : -1;
}

/** The local PostgreSQL server the tests use (trust authentication, as .ci/run sets it up). */
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432';
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: `${POSTGRES_URL}/postgres`, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_URL} (${err instanceof Error ? err.message : String(err)}): ` +
        '`npm test` needs it running (.ci/run starts it)',
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL database of its own per test run, like the virtual hosts: the hub's schema starts
 * empty and no run sees another's rows. Returns its URL; fails loudly when the server is not there.
 */
export async function createDatabase(name: string): Promise<string> {
  if (!DATABASE_NAME.test(name)) throw new Error(`not a safe database name: ${name}`);
  await adminQuery(`create database "${name}"`);
  return `${POSTGRES_URL}/${name}`;
}

/** Drops the database even while a hub that was killed still holds connections to it. */
export async function dropDatabase(name: string): Promise<void> {
  if (!DATABASE_NAME.test(name)) throw new Error(`not a safe database name: ${name}`);
  await adminQuery(`drop database if exists "${name}" with (force)`);
}

/** A hub's wall clock that a test can move forward: pass `env` to startHub, then `setOffset`. */
export interface HubClock {
  env: Record<string, string>;
  /** from now on the hub's Date runs this much ahead of the real time (within 100 ms) */
  setOffset(ms: number): void;
}

/**
 * For timers that wait days in the store: the hub process is started with test/e2e/clock-offset.js
 * preloaded, which shifts its Date by the offset kept in a file of the test's own. The hub's code has
 * no hook for it and needs none.
 */
export function hubClock(): HubClock {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-clock-')), 'offset-ms');
  fs.writeFileSync(file, '0');
  const preload = path.join(ROOT, 'test', 'e2e', 'clock-offset.js');
  return {
    env: {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim(),
      CRM_HUB_TEST_CLOCK_FILE: file,
    },
    setOffset: (ms) => fs.writeFileSync(file, String(ms)),
  };
}

export interface RunningHub {
  url: string;
  port: number;
  userDir: string;
  process: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/**
 * The Node flags `npm start` runs the hub with (package.json's start script, between `node` and the
 * script), so tests and benchmarks run the hub exactly as the README's command does.
 */
export function hubNodeFlags(): string[] {
  const scripts = (
    JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const words = scripts.start.split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start does not start with node: ${scripts.start}`);
  return words.slice(1, words.indexOf('bin/crm-hub.js'));
}

/** Starts the real hub (`npm start`'s command, settings.js, flows/hub.json) and waits for /healthz. */
export async function startHub(
  env: Record<string, string>,
  options: { authorization?: string } = {},
): Promise<RunningHub> {
  const port = await freePort();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-e2e-'));
  let output = '';
  const child = spawn(process.execPath, [...hubNodeFlags(), path.join(ROOT, 'bin', 'crm-hub.js'), 'start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', CRM_HUB_USER_DIR: userDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const hub: RunningHub = {
    url,
    port,
    userDir,
    process: child,
    log: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10000).unref();
      }),
  };
  // up to 2 minutes: `npm start` rebuilds dist/ first when the sources are newer
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}:\n${output}`);
    try {
      const headers: Record<string, string> = options.authorization
        ? { authorization: options.authorization }
        : {};
      const res = await fetch(`${url}/healthz`, { headers });
      const body = (await res.json()) as { status: string };
      if (body.status === 'ok') return hub;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await hub.stop();
  throw new Error(`hub did not become healthy within 2 minutes:\n${output}`);
}

/** Polls until fn returns a value (bounded), for effects that travel through the bus. */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}
