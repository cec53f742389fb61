import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../e2e/hub-process';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node bin/crm-hub.js dead-letters ...` as a user runs it, in a child process that loads the
 * TypeScript sources through the tests' register-ts.js, so no dist/ build is needed. AMQP_URL comes
 * only from `env`, never from the environment the tests run in.
 */
export function crmHubDeadLetters(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
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
