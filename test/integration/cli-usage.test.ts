/** `crm-hub` without a command says what it does instead of starting a hub beside the running one. */
import { spawnSync } from 'node:child_process';
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
});
