/** `crm-hub` without a command says what it does instead of starting a hub beside the running one. */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  chmodSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(__dirname, '..', '..', 'bin', 'crm-hub.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('crm-hub usage', () => {
  it('prints the commands and exits 2 without one, 0 for --help, 2 naming an unknown one', () => {
    const bare = run();
    expect(bare.status).toBe(2);
    expect(bare.stderr).toMatch(/^usage: crm-hub <command>\n {2}start \[--reset-flows\] {3}run the hub/);
    expect(bare.stdout).toBe('');
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('dead-letters --help');
    const unknown = run('serve');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("crm-hub: unknown command 'serve'");
  });

  it('refuses a mistyped start option with exit code 2 instead of starting without it', () => {
    const typo = run('start', '--reset-flow');
    expect(typo.status).toBe(2);
    expect(typo.stderr.trim()).toBe("crm-hub start: unknown option '--reset-flow' (it takes --reset-flows)");
    expect(typo.stdout).toBe('');
  });
});

describe('crm-hub start with settings it cannot use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-hub-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `crm-hub start` with env on top of an environment without the hub's variables */
  function start(env: Record<string, string>) {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('CRM_HUB_') && !['HOST', 'PORT', 'AMQP_URL', 'DATABASE_URL'].includes(k),
      ),
    );
    const userDir = join(dir, `user-${Object.keys(env).join('-')}`);
    const started = spawnSync(process.execPath, [bin, 'start'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...clean, CRM_HUB_USER_DIR: userDir, ...env },
    });
    return { ...started, userDir };
  }

  it.each([
    [{ PORT: 'abc' }, 'CRM Hub: PORT must be a whole number from 1 to 65535, got "abc"'],
    [{ PORT: '70000' }, 'CRM Hub: PORT must be a whole number from 1 to 65535, got "70000"'],
    [
      { CRM_HUB_LOG_LEVEL: 'loud' },
      'CRM Hub: CRM_HUB_LOG_LEVEL must be one of off, fatal, error, warn, info, debug, trace, got "loud"',
    ],
    [
      { CRM_HUB_API_USER: 'api', CRM_HUB_API_PASSWORD_HASH: 'secret' },
      'CRM Hub: CRM_HUB_API_PASSWORD_HASH must be a bcrypt hash such as $2b$10$…; to give a plain password use CRM_HUB_API_PASSWORD',
    ],
  ])('refuses %j with exit code 1 before anything starts', (env, message) => {
    const started = start(env);
    expect(started.status).toBe(1);
    expect(started.stderr.trim()).toBe(message);
    // no banner, no flows deployed, no Node-RED
    expect(started.stdout).toBe('');
    expect(existsSync(started.userDir)).toBe(false);
  });
});

describe('crm-hub start --reset-flows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-hub-reset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the deployed flows it replaces beside them and says where', async () => {
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    const deployed = JSON.stringify([{ id: 'mine', type: 'tab', label: 'my own tab' }]);
    writeFileSync(join(userDir, 'flows.json'), deployed);
    const shipped = join(dir, 'shipped.json');
    writeFileSync(shipped, '[]');
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('CRM_HUB_') && !['HOST', 'AMQP_URL', 'DATABASE_URL'].includes(k),
      ),
    );
    // port 0 is refused by settings.js, so a free one is picked from the process id
    const port = String(20000 + (process.pid % 20000));
    const child = spawn(process.execPath, [bin, 'start', '--reset-flows'], {
      env: { ...clean, PORT: port, CRM_HUB_USER_DIR: userDir, CRM_HUB_FLOWS: shipped },
    });
    let out = '';
    const said = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = /CRM Hub: --reset-flows: .*/.exec(out);
        if (line) resolve(line[0]);
      });
      child.on('exit', () => reject(new Error(`exited before it reset the flows: ${out}`)));
    }).finally(() => child.kill('SIGKILL'));
    const kept = readdirSync(userDir).filter((f) => f.endsWith('.before-reset'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(userDir, kept[0]), 'utf8')).toBe(deployed);
    expect(readFileSync(join(userDir, 'flows.json'), 'utf8')).toBe('[]');
    expect(said).toContain(`the flows it replaced are in ${join(userDir, kept[0])}`);
    // a start may first build dist/ when the sources are newer
  }, 120_000);
});

describe('crm-hub start and the user directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-hub-modes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tightens a directory other users could read, says so, and writes its own files for the hub user only', async () => {
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    chmodSync(userDir, 0o755);
    writeFileSync(join(userDir, '.sessions.json'), '{"sessions":[]}');
    chmodSync(join(userDir, '.sessions.json'), 0o644);
    writeFileSync(join(userDir, 'flows.json'), '[]');
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('CRM_HUB_') && !['HOST', 'AMQP_URL', 'DATABASE_URL'].includes(k),
      ),
    );
    const port = String(20000 + ((process.pid + 7) % 20000));
    const child = spawn(process.execPath, [bin, 'start'], {
      env: { ...clean, PORT: port, CRM_HUB_USER_DIR: userDir },
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // Node-RED writes .config.runtime.json (the credential key) before it starts the flows
        if (/Started flows/.test(out)) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before it started: ${out}`)));
    }).finally(() => child.kill('SIGKILL'));
    const mode = (name: string) => (statSync(join(userDir, name)).mode & 0o777).toString(8);
    expect(out).toContain(
      `CRM Hub: the user directory ${userDir} was readable by other users; tightened . 755 → 700, .sessions.json 644 → 600`,
    );
    expect(mode('.')).toBe('700');
    expect(mode('.sessions.json')).toBe('600');
    expect(mode('.config.runtime.json')).toBe('600');
  }, 120_000);
});
