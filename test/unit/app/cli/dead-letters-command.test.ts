import { PassThrough } from 'node:stream';
import { DEAD_LETTERS_USAGE, runDeadLettersCommand } from '../../../../app/cli/dead-letters-command';

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runDeadLettersCommand(args, { stdout, stderr, env });
  return { code, out, err };
}

describe('crm-hub dead-letters: options (no broker needed)', () => {
  it('prints its usage with --help', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, out: `${DEAD_LETTERS_USAGE}\n`, err: '' });
  });

  it.each([
    [[], 'no command given'],
    [['peek'], "unknown command 'peek'"],
    [['list', 'x'], 'list takes no id'],
    [['list', '--limit', 'ten'], "--limit needs a whole number, got 'ten'"],
    [['list', '--limit', '-1'], "--limit needs a whole number, got '-1'"],
    [['list', '--offset', '-5', '--json'], "--offset needs a whole number, got '-5'"],
    [['show'], 'show needs one <id>'],
    [['replay'], 'replay needs either an <id> or --all'],
    [['replay', 'a', '--all'], 'replay needs either an <id> or --all'],
    [['purge', '--all'], 'purge deletes every dead letter for good; add --yes to confirm'],
    [['purge', 'evt-1'], "purge deletes dead letter 'evt-1' for good; add --yes to confirm"],
    [['show', 'a', '--to', 'x/y'], '--to belongs to replay'],
    [['list', '--bogus'], "Unknown option '--bogus'"],
    [['replay', '--all', '--body', 'fixed.xml'], '--body belongs to replay <id>'],
    [['show', 'a', '--body', 'fixed.xml'], '--body belongs to replay <id>'],
  ])('refuses %j with exit code 2: %s', async (args, message) => {
    const result = await run(args, { AMQP_URL: 'amqp://127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain(message);
    expect(result.err).toContain('usage: crm-hub dead-letters');
  });

  it('refuses a malformed --to before it connects', async () => {
    const result = await run(['replay', 'evt-1', '--to', 'crm.events'], { AMQP_URL: 'amqp://127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.err).toContain("destination 'crm.events' is not <exchange>/<routing key>");
  });

  it('refuses a --body file it cannot read before it connects', async () => {
    const result = await run(['replay', 'evt-1', '--body', '/nonexistent/fixed.xml'], {
      AMQP_URL: 'amqp://127.0.0.1:1',
    });
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain(
      'crm-hub dead-letters: --body /nonexistent/fixed.xml: cannot read it (ENOENT)',
    );
  });

  it('says that dead letters need RabbitMQ when AMQP_URL is not set', async () => {
    const result = await run(['list'], {});
    expect(result.code).toBe(2);
    expect(result.err).toContain('crm-hub dead-letters: dead letters need RabbitMQ: set AMQP_URL');
  });
});
