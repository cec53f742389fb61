import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../records/embedded-store';

const FIXTURES = join(__dirname, 'fixtures');
const TOTAL = 200;
const KILL_AFTER = 50;

interface ChildRun {
  written: number[];
  signal: NodeJS.Signals | null;
}

/** Runs the writer child and SIGKILLs it as soon as it has reported KILL_AFTER durable writes. */
function runWriterAndKill(directory: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--require',
        join(FIXTURES, 'register-ts.js'),
        join(FIXTURES, 'embedded-store-writer.ts'),
        directory,
        String(TOTAL),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const written: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^written (\d+)$/.exec(line);
        if (match) written.push(Number(match[1]));
      }
      if (written.length >= KILL_AFTER && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === null)
        reject(new Error(`writer exited with code ${code} before it was killed: ${stderr}`));
      else resolve({ written, signal });
    });
  });
}

describe('EmbeddedStore after kill -9', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-crash-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps every write that resolved before the process was killed', async () => {
    const { written, signal } = await runWriterAndKill(directory);
    expect(signal).toBe('SIGKILL');
    expect(written.length).toBeGreaterThanOrEqual(KILL_AFTER);

    const store = new EmbeddedStore({ directory });
    await store.open();
    try {
      const stored = new Set((await store.listOffers('crm:crash')).map((o) => o.offerId));
      const missing = written.filter((n) => !stored.has(`offer-${n}`));
      expect(missing).toEqual([]);
      for (const n of written) expect(await store.wasProcessed('crash-test', `evt-${n}`)).toBe(true);
      // The store is still writable after the crash.
      expect(await store.markProcessed('crash-test', 'after-crash')).toBe(true);
    } finally {
      await store.close();
    }
  });
});
