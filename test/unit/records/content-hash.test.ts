import { canonicalJson, contentDigest } from '../../../records/content-hash';

/** The same data with every object's keys inserted in sorted order: JSON.stringify then writes them sorted. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = sortedDeep(record[key]);
  return sorted;
}

const samples: unknown[] = [
  null,
  0,
  -1.5e-7,
  'Leopoldstraße "12"\n\u0000',
  true,
  [],
  {},
  [1, undefined, null, 'a', { z: 1, a: [{ y: 2, b: undefined }] }],
  {
    customerRef: 'sap:80042',
    name: { given: 'Anna', family: 'Schmidt' },
    tier: undefined,
    'ü-key': 1,
    '': 0,
  },
  { b: { d: { f: [3, 2, 1], e: 'x' }, c: null }, a: [[], {}, [{}]] },
];

describe('canonicalJson', () => {
  it.each(samples.map((s) => [JSON.stringify(s) ?? String(s), s]))(
    'writes %s as JSON.stringify writes it with sorted keys',
    (_name, sample) => {
      expect(canonicalJson(sample)).toBe(JSON.stringify(sortedDeep(sample)));
    },
  );

  it('does not depend on the order the keys were written in', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('keeps the digests already stored: the same bytes as before', () => {
    // ids and content hashes in existing stores were made from this text
    expect(canonicalJson({ b: [1, { d: undefined, c: 'x' }], a: null })).toBe('{"a":null,"b":[1,{"c":"x"}]}');
    expect(contentDigest({ b: 1, a: 2 })).toBe(contentDigest({ a: 2, b: 1 }));
    expect(contentDigest({ a: 2, b: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sorts keys by UTF-16 code unit, integer-like keys as text, and quotes them as JSON does', () => {
    const tricky: Record<string, unknown> = {
      '10': 1,
      '9': 2,
      ü: 3,
      z: 4,
      '😀': 5,
      '\uffff': 6,
      'a"b': 7,
      '\n': 8,
      '\ud800': 9,
    };
    // an own __proto__ key, as JSON.parse makes one
    Object.defineProperty(tricky, '__proto__', { value: { b: 1, a: 2 }, enumerable: true, writable: true });
    // the text the implementation before this one wrote for it
    const text =
      '{"\\n":8,"10":1,"9":2,"__proto__":{"a":2,"b":1},"a\\"b":7,"z":4,"ü":3,"\\ud800":9,"😀":5,"\uffff":6}';
    expect(canonicalJson(tricky)).toBe(text);
    // twice: a key's quoted form is kept after its first use
    expect(canonicalJson(tricky)).toBe(text);
  });

  it('sorts objects of many keys the same way', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${(i * 7) % 40}`);
    const many = Object.fromEntries(keys.map((k) => [k, { [k]: k, a: undefined }]));
    expect(canonicalJson(many)).toBe(JSON.stringify(sortedDeep(many)));
    expect(canonicalJson(many)).toBe(
      `{${[...keys]
        .sort()
        .map((k) => `"${k}":{"${k}":"${k}"}`)
        .join(',')}}`,
    );
  });
});
