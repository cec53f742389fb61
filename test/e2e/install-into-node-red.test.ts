import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, ROOT } from './hub-process';

const run = promisify(execFile);

/**
 * The package installs into a stock Node-RED 4.1 user directory with `npm install <path>` and its
 * nodes appear there, in the "CRM Hub" palette category.
 */
describe('installing crm-hub into a stock Node-RED user directory', () => {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-stock-'));
  let stop: () => void = () => undefined;

  afterAll(() => stop());

  it('registers every node of package.json in Node-RED', async () => {
    fs.writeFileSync(
      path.join(userDir, 'package.json'),
      JSON.stringify({ name: 'node-red-project', private: true }),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--omit=peer', ROOT], {
      cwd: userDir,
      timeout: 240000,
    });
    expect(fs.existsSync(path.join(userDir, 'node_modules', 'crm-hub', 'package.json'))).toBe(true);

    const port = await freePort();
    // Node-RED's own launcher with its default settings: nothing of the hub's settings.js is used
    const child = spawn(
      process.execPath,
      [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    stop = () => child.kill('SIGKILL');

    let sets: { module: string; types: string[]; enabled: boolean; err?: string }[] = [];
    for (let i = 0; i < 300 && !sets.length; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/nodes`, {
          headers: { Accept: 'application/json' },
        });
        const all = (await res.json()) as typeof sets;
        sets = all.filter((s) => s.module === 'crm-hub');
      } catch {
        /* not listening yet */
      }
      if (!sets.length) await new Promise((r) => setTimeout(r, 100));
    }
    const expected = Object.keys(
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))['node-red'].nodes,
    );
    expect(sets.flatMap((s) => s.types).sort()).toEqual(expected.sort());
    expect(sets.filter((s) => !s.enabled || s.err)).toEqual([]);

    const html = await (
      await fetch(`http://127.0.0.1:${port}/nodes`, { headers: { Accept: 'text/html' } })
    ).text();
    expect(html).toContain("category: 'CRM Hub'");
    expect(log).not.toMatch(/\[error\]/);
  }, 300000);
});
