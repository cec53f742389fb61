import path from 'node:path';

interface Cli {
  banner(settings: { userDir: string; uiHost: string; uiPort: number }): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cli = require(path.resolve(__dirname, '..', '..', '..', '..', 'bin', 'crm-hub.js')) as Cli;

/** the lines `crm-hub start` prints before Node-RED starts, with AMQP_URL set to amqpUrl */
function bannerWith(amqpUrl: string): string {
  const saved = process.env.AMQP_URL;
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  process.env.AMQP_URL = amqpUrl;
  try {
    cli.banner({ userDir: '/tmp/ud', uiHost: '127.0.0.1', uiPort: 1880 });
  } finally {
    log.mockRestore();
    if (saved === undefined) delete process.env.AMQP_URL;
    else process.env.AMQP_URL = saved;
  }
  return lines.join('\n');
}

describe('crm-hub start banner', () => {
  it('hides the password of every broker AMQP_URL lists, keeping users and hosts', () => {
    const out = bannerWith(
      'amqp://guest:FirstSecret@127.0.0.1:5672/v,amqp://guest:SecondNodeSecret@127.0.0.2:5672/v\n' +
        'amqps://:ThirdSecret@rabbit-3:5671/v, amqp://rabbit-4/v',
    );
    for (const secret of ['FirstSecret', 'SecondNodeSecret', 'ThirdSecret'])
      expect(out).not.toContain(secret);
    expect(out).toContain(
      'AMQP_URL amqp://guest:***@127.0.0.1:5672/v,amqp://guest:***@127.0.0.2:5672/v\namqps://:***@rabbit-3:5671/v, amqp://rabbit-4/v',
    );
  });
});
