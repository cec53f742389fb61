import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createVhost, deleteVhost, ROOT } from '../e2e/hub-process';

/**
 * `crm-hub dead-letters` against a queue that is not there: as a user runs it, in a child process, in
 * a virtual host of its own (the pattern of dead-letters-cli.test.ts).
 */
const vhost = `crm-hub-dl-queue-${randomUUID().slice(0, 8)}`;
let url: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function crmHub(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--require',
        join(ROOT, 'test', 'integration', 'fixtures', 'register-ts.js'),
        join(ROOT, 'bin', 'crm-hub.js'),
        'dead-letters',
        ...args,
      ],
      { cwd: ROOT, env: { ...process.env, AMQP_URL: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  url = createVhost(vhost);
});

afterAll(() => deleteVhost(vhost));

describe('crm-hub dead-letters --queue with a queue that does not exist', () => {
  it.each([
    [['list']],
    [['list', '--json']],
    [['show', 'evt-1']],
    [['replay', '--all']],
    [['purge', 'evt-1', '--yes']],
    [['purge', '--all', '--yes']],
  ])('%j names the queue and the virtual host and exits 2 instead of finding nothing', async (args) => {
    const run = await crmHub([...args, '--queue', 'nosuchq'], { AMQP_URL: url });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      `crm-hub dead-letters: queue 'nosuchq' does not exist in virtual host '${vhost}' on RabbitMQ ` +
        `amqp://127.0.0.1:5672/${vhost} (user guest); check the queue name and the virtual host in the broker URL`,
    );
  });
});
