import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');
export const cliFixtures = join(root, 'test', 'fixtures', 'cli');
export const legacyFixtures = join(root, 'test', 'fixtures', 'legacy');
const bin = join(root, 'bin', 'crm-hub.js');

export interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Builds dist/ once up front, so the runs below only rebuild when someone changed sources meanwhile. */
export function buildOnce(): void {
  execFileSync(process.execPath, [bin, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * The real command, as a user runs it: `node bin/crm-hub.js map ...` (on the built dist/); `nodeOptions`
 * go to node before the script (a heap limit).
 */
export function runMap(args: string[], stdin?: string, nodeOptions: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeOptions, bin, 'map', ...args], { cwd: root });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

export const lines = (text: string | Buffer): string[] =>
  text
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');

/** The summary line: the last one on stderr that is not the --stats line. */
export function summary(run: Run): string {
  return (
    lines(run.stderr)
      .filter((l) => !l.startsWith('stats ') && !l.startsWith('CRM Hub: ') && l !== 'built dist/')
      .at(-1) ?? ''
  );
}
