import fs from 'node:fs';
import path from 'node:path';
import { STATUS_MAX, statusTextOf } from '../../../nodes/shared/input';
import { MisconfiguredError } from '../../../nodes/shared/misconfigured';

/**
 * A failing node's status: Node-RED draws it whole on one line under the node, and its own nodes keep
 * theirs to 32 characters. A long error message used to be cut at 60 characters mid-word ("... every
 * use of this stor").
 */
describe('the status a failure shows', () => {
  const unusable =
    'the store settings cannot be used, so every use of this store fails until they are fixed: PostgresStore: connectionString must start with postgres:// or postgresql://, got mysql://';

  it('an error that brings a few words for the status shows those', () => {
    expect(statusTextOf(new MisconfiguredError(unusable, 'store settings invalid'))).toBe(
      'store settings invalid',
    );
  });

  it('any other long message is cut at a word, with an ellipsis', () => {
    const text = statusTextOf(new Error(unusable));
    expect(text).toBe('the store settings cannot be used, so every use of this…');
    expect(text.length).toBeLessThanOrEqual(STATUS_MAX);
    expect(statusTextOf(new Error('x'.repeat(100)))).toBe(`${'x'.repeat(STATUS_MAX - 1)}…`);
    expect(statusTextOf(new Error('short and whole'))).toBe('short and whole');
  });

  it('the hub-store status words fit in 32 characters, in English and German', () => {
    for (const lang of ['en-US', 'de']) {
      const file = path.resolve(__dirname, '../../../nodes/hub-store/locales', lang, 'hub-store.json');
      const catalog = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        'hub-store': { status: Record<string, string> };
      };
      const words = catalog['hub-store'].status.unusable;
      expect(words).toBeTruthy();
      expect(words.length).toBeLessThanOrEqual(32);
    }
  });
});

/**
 * A count under a node stands before a word that needs no plural ("1 mapped", "3 published"): the
 * legacy-decode and golden-record nodes showed "1 records" for the Demo tab's one IDoc.
 */
describe.each([
  [
    'legacy-decode',
    ['1 read', '1 read, 1 rejected', '2 read'],
    ['1 gelesen', '1 gelesen, 1 abgewiesen', '2 gelesen'],
  ],
  [
    'golden-record',
    ['1 taken in', '1 taken in, 1 rejected', '2 taken in'],
    ['1 übernommen', '1 übernommen, 1 abgewiesen', '2 übernommen'],
  ],
])('the count a %s status shows', (type, english, german) => {
  const texts = (lang: string) => {
    const file = path.resolve(__dirname, '../../../nodes', type, 'locales', lang, `${type}.json`);
    const catalog = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<
      string,
      { status: Record<string, string> }
    >;
    const { counted, 'counted-rejected': rejected } = catalog[type].status;
    const fill = (text: string, ok: number, failed: number) =>
      text.replace('__ok__', String(ok)).replace('__failed__', String(failed));
    return [fill(counted, 1, 0), fill(rejected, 1, 1), fill(counted, 2, 0)];
  };

  it('reads as well for one record as for several, in English and German', () => {
    expect(texts('en-US')).toEqual(english);
    expect(texts('de')).toEqual(german);
  });
});
