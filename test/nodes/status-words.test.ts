import path from 'node:path';
import { statusWords, type RED } from '../../nodes/shared/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { i18n } = require('@node-red/util') as {
  i18n: {
    init(settings: Record<string, unknown>): Promise<void>;
    registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
    _(key: string, substitutions?: Record<string, unknown>): string;
  };
};

/** Node-RED's own i18n with the policy-engine catalog, as RED._ is inside the node (the test helper returns bare keys). */
async function redWithCatalog(lang: string): Promise<{ red: RED; calls: () => number }> {
  process.env.LANG = lang;
  await i18n.init({ lang });
  await i18n.registerMessageCatalog(
    'crm-hub-test',
    path.resolve(__dirname, '..', '..', 'nodes', 'policy-engine', 'locales'),
    'policy-engine.json',
  );
  let count = 0;
  const red = {
    _: (key: string, values?: Record<string, unknown>) => {
      count += 1;
      return i18n._(`crm-hub-test:${key}`, values);
    },
  } as unknown as RED;
  return { red, calls: () => count };
}

describe('statusWords', () => {
  it('gives the translated words with the values filled in, translating each key once', async () => {
    const { red, calls } = await redWithCatalog('en-US');
    const words = statusWords(red);
    expect(words('policy-engine.status.evaluated', { events: 1, decisions: 0 })).toBe(
      'events: 1, decisions: 0',
    );
    expect(words('policy-engine.status.evaluated', { events: 2, decisions: 1 })).toBe(
      'events: 2, decisions: 1',
    );
    expect(words('policy-engine.status.evaluated', { events: 3000, decisions: 7 })).toBe(
      'events: 3000, decisions: 7',
    );
    expect(calls()).toBe(1);
  });

  it('asks again while a key is not translated yet (the catalog may load after the node)', () => {
    let asked = 0;
    const red = { _: (key: string) => (asked += 1) && key } as unknown as RED;
    const words = statusWords(red);
    expect(words('x.status.y', { n: 1 })).toBe('x.status.y');
    expect(words('x.status.y', { n: 2 })).toBe('x.status.y');
    expect(asked).toBe(2);
  });

  it('keeps a key asked with other value names apart, and fills a value used twice', () => {
    let asked = 0;
    const red = {
      _: (key: string, values: Record<string, string> = {}) => {
        asked += 1;
        const names = Object.keys(values);
        return `${key}: ${names.map((n) => `${n}=${values[n]}`).join(' ')} (${names.map((n) => values[n]).join('/')})`;
      },
    } as unknown as RED;
    const words = statusWords(red);
    expect(words('k', { a: 1 })).toBe('k: a=1 (1)');
    expect(words('k', { a: 2, b: 'x' })).toBe('k: a=2 b=x (2/x)');
    expect(words('k', { a: 3 })).toBe('k: a=3 (3)');
    expect(words('k', { a: 4, b: 'y' })).toBe('k: a=4 b=y (4/y)');
    expect(words('k')).toBe('k:  ()');
    expect(words('k')).toBe('k:  ()');
    expect(asked).toBe(3);
  });
});
