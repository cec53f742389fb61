import fs from 'node:fs';
import path from 'node:path';

/**
 * German users read the same help as English ones: every node's locales/de help has the sections,
 * property lists and output ports of its locales/en-US help, in the same order, and its message
 * catalogue has the same keys. The texts themselves differ, so the outline is compared, not the words.
 */
const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};
/** type → source folder: package.json registers dist/nodes/<type>/<type>.js, built from nodes/<type> */
const NODES = Object.entries(pkg['node-red'].nodes).map(
  ([type, built]) => [type, path.join(root, path.dirname(built).replace(/^dist[\\/]/, ''))] as const,
);

const TAG = /<(\/?)(h[1-6]|dl|dt|ol|ul|li)\b([^>]*)>/gi;

/**
 * The help's outline in document order: each heading by level, each message-properties list with its
 * number of <dt> entries, and each output-ports list with its number of ports. Entry names are left out:
 * a config property's name is a translated label.
 */
function helpOutline(html: string): string[] {
  const outline: string[] = [];
  // every open list, so a closing tag (which has no class) finds its own; `entry` < 0: a list not compared
  const lists: { tag: string; entry: number; items: number }[] = [];
  for (const match of html.matchAll(TAG)) {
    const [, closing, rawTag, attributes] = match;
    const tag = rawTag.toLowerCase();
    const top = lists[lists.length - 1];
    if (/^h\d$/.test(tag)) {
      if (!closing) outline.push(tag);
    } else if (tag === 'dl' || tag === 'ol' || tag === 'ul') {
      if (closing) {
        lists.pop();
        if (top && top.entry >= 0) {
          outline[top.entry] = tag === 'dl' ? `properties(${top.items})` : `ports(${top.items})`;
        }
        continue;
      }
      const classes = /\bclass\s*=\s*"([^"]*)"/i.exec(attributes)?.[1].split(/\s+/) ?? [];
      const tracked = classes.includes(
        tag === 'dl' ? 'message-properties' : tag === 'ol' ? 'node-ports' : '-',
      );
      // the entry is written at the closing tag; reserving it here keeps a port before its own list
      if (tracked) outline.push('');
      lists.push({ tag, entry: tracked ? outline.length - 1 : -1, items: 0 });
    } else if (!closing && top && top.entry >= 0 && (tag === 'dt' || (tag === 'li' && top.tag === 'ol'))) {
      top.items += 1;
    }
  }
  return outline;
}

/** Every leaf key of a message catalogue, as a dotted path. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    keyPaths(child, prefix ? `${prefix}.${key}` : key),
  );
}

const read = (folder: string, lang: string, file: string) =>
  fs.readFileSync(path.join(folder, 'locales', lang, file), 'utf8');

describe('German help and messages match the English ones', () => {
  it('finds every registered node', () => {
    expect(NODES.length).toBeGreaterThanOrEqual(16);
    for (const [type, folder] of NODES) expect(fs.existsSync(path.join(folder, `${type}.html`))).toBe(true);
  });

  it.each(NODES)(
    '%s: the de help has the sections, properties and ports of the en-US help',
    (type, folder) => {
      const english = helpOutline(read(folder, 'en-US', `${type}.html`));
      expect(english.length).toBeGreaterThan(0);
      expect(helpOutline(read(folder, 'de', `${type}.html`))).toEqual(english);
    },
  );

  it.each(NODES)('%s: the de messages have the keys of the en-US messages', (type, folder) => {
    const english = keyPaths(JSON.parse(read(folder, 'en-US', `${type}.json`))).sort();
    expect(keyPaths(JSON.parse(read(folder, 'de', `${type}.json`))).sort()).toEqual(english);
  });
});

describe('helpOutline', () => {
  it('reads headings, property counts and ports in order, and ignores prose and plain lists', () => {
    const html =
      '<p>Intro <b>bold</b></p><h3>Inputs</h3><dl class="message-properties"><dt>payload <span class="property-type">object</span></dt><dd>x</dd>' +
      '<dt class="optional">topic <span>string</span></dt><dd>y</dd></dl><h3>Outputs</h3><ol class="node-ports">' +
      '<li>A<dl class="message-properties"><dt>payload</dt><dd>a</dd></dl></li><li>B<ul><li>note</li></ul></li></ol><h4>More</h4><ul><li>free</li></ul>';
    expect(helpOutline(html)).toEqual(['h3', 'properties(2)', 'h3', 'ports(2)', 'properties(1)', 'h4']);
  });

  it('tells a missing property list and a missing port apart from a complete help', () => {
    const full =
      '<h3>O</h3><ol class="node-ports"><li>a<dl class="message-properties"><dt>payload</dt></dl></li><li>b</li></ol>';
    expect(helpOutline('<h3>O</h3><ol class="node-ports"><li>a</li><li>b</li></ol>')).not.toEqual(
      helpOutline(full),
    );
    expect(
      helpOutline(
        '<h3>O</h3><ol class="node-ports"><li>a<dl class="message-properties"><dt>payload</dt></dl></li></ol>',
      ),
    ).not.toEqual(helpOutline(full));
  });

  it('lists nested catalogue keys as paths', () => {
    expect(keyPaths({ a: { b: 'x', c: { d: 'y' } }, e: 'z' }).sort()).toEqual(['a.b', 'a.c.d', 'e']);
  });
});
