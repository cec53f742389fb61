import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runMapCommand } from '../../app/cli/map-command';

const fixtures = join(__dirname, '..', 'fixtures', 'cli');

function capture(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { isTTY, text: () => chunks.join('') });
}

async function run(isTTY: boolean) {
  const stdout = capture(false);
  const stderr = capture(isTTY);
  const code = await runMapCommand(
    ['--spec', join(fixtures, 'accounts.spec.json'), join(fixtures, 'accounts.csv')],
    { stdin: new PassThrough(), stdout, stderr },
  );
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('crm-hub map progress', () => {
  it('draws a progress line on a terminal, then clears it for the summary', async () => {
    const { code, stderr } = await run(true);
    expect(code).toBe(1);
    const clear = '\r\x1b[K';
    expect(stderr.startsWith(clear)).toBe(true);
    expect(stderr.slice(clear.length)).toMatch(
      /^\[#*\.*\] \d+ mapped, \d+ rejected, \d+ records\/s, 0\.0 MB of 0\.0 MB \(\d+%\)/,
    );
    expect(
      stderr.endsWith(clear + 'mapped 3 records, rejected 2 (pass --rejects <file> to list them)\n'),
    ).toBe(true);
  });

  it('prints only the summary line when stderr is not a terminal', async () => {
    const { code, stdout, stderr } = await run(false);
    expect(code).toBe(1);
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(stderr).toBe('mapped 3 records, rejected 2 (pass --rejects <file> to list them)\n');
  });
});
