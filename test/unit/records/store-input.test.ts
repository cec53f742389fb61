import { jsonCopy } from '../../../records/golden-store-input';
import { normalizeCustomer } from '../../../records/store-input';

/** The document as the store keeps it, or the error it gives, through normalizeCustomer. */
function stored(document: unknown): { document?: unknown; error?: string } {
  try {
    const customer = normalizeCustomer({
      customerRef: 'web:1',
      document: document as Record<string, unknown>,
      updatedAt: '2025-01-01T10:00:00Z',
      sourceSystem: 'web',
    });
    return { document: customer.document };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** What the store did before its one-pass copy: JSON.stringify then JSON.parse, then the NUL check. */
function viaJsonText(document: unknown): { document?: unknown; error?: string } {
  try {
    const copy: unknown = JSON.parse(JSON.stringify(document));
    if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) {
      return { error: 'store: customer.document must be a JSON object' };
    }
    if (JSON.stringify(copy).includes('\\u0000')) return { error: 'NUL' };
    return { document: copy };
  } catch {
    return { error: 'not JSON' };
  }
}

describe('normalizeCustomer: the stored document', () => {
  class Money {
    constructor(readonly amount: number) {}
  }
  const withToJson = { when: { toJSON: () => '2025-01-01' } };
  const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
  const withHole: unknown[] = [1];
  withHole[2] = 3;
  const withProtoKey = JSON.parse('{"__proto__": {"polluted": true}, "b": 1}') as Record<string, unknown>;
  const documents: [string, unknown][] = [
    [
      'a canonical customer',
      {
        customerRef: 'web:u-4711',
        kind: 'person',
        person: { givenName: 'Anna', familyName: 'Schmidt' },
        emails: [{ address: 'anna@example.de', primary: true }],
        tier: 'platinum',
        score: 0.5,
        nothing: null,
        nested: [[1, 2], [], {}],
      },
    ],
    ['undefined members are left out', { a: undefined, b: 1, c: [undefined, 2] }],
    ['functions and symbols are left out', { f: () => 1, s: Symbol('x'), b: 'kept' }],
    ['-0 becomes 0', { zero: -0, list: [-0, 1] }],
    ['-0 becomes 0, NaN and Infinity null', { zero: -0, nan: Number.NaN, inf: Infinity }],
    ['a date becomes its ISO text', { at: new Date(Date.UTC(2025, 0, 2)) }],
    ['toJSON is used', withToJson],
    ['class instances become plain objects', { money: new Money(5) }],
    ['a null-prototype object is copied', { inner: nullPrototype }],
    ['a sparse array gets null in its holes', { list: withHole }],
    ['a __proto__ key is kept as a key', withProtoKey],
    ['an empty object', {}],
  ];

  it.each(documents)('%s: the same as the JSON round trip', (_name, document) => {
    const expected = viaJsonText(document);
    const actual = stored(document);
    expect(actual.error).toBeUndefined();
    expect(actual.document).toEqual(expected.document);
    expect(JSON.stringify(actual.document)).toBe(JSON.stringify(expected.document));
    expect(Object.getPrototypeOf(actual.document)).toBe(Object.prototype);
    const zeros = actual.document as { zero?: number; list?: unknown[] };
    expect(Object.is(zeros.zero, -0)).toBe(false);
    expect(Object.is(zeros.list?.[0], -0)).toBe(false);
  });

  it('is a copy: changing the input later does not change what is stored', () => {
    const document = { person: { givenName: 'Anna' }, emails: [{ address: 'a@example.de' }] };
    const copy = stored(document).document as typeof document;
    document.person.givenName = 'Berta';
    document.emails[0].address = 'b@example.de';
    expect(copy).toEqual({ person: { givenName: 'Anna' }, emails: [{ address: 'a@example.de' }] });
  });

  it('a __proto__ key does not change the prototype of the copy', () => {
    const copy = stored(withProtoKey).document as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('names the field with a NUL character, in a value or in a key', () => {
    expect(stored({ name: { family: 'a\u0000b' } }).error).toBe(
      'store: customer.document.name.family must not contain a NUL character',
    );
    expect(stored({ list: ['ok', 'x\u0000'] }).error).toBe(
      'store: customer.document.list[1] must not contain a NUL character',
    );
    expect(stored({ inner: { 'k\u0000': 1 } }).error).toBe(
      'store: customer.document.inner has a key with a NUL character',
    );
  });

  // PostgreSQL's jsonb refuses one and LMDB would keep U+FFFD instead: both refuse it alike
  it('names the field with a lone surrogate, in a value or in a key; a pair is kept', () => {
    expect(stored({ name: { given: 'An\ud800na' } }).error).toBe(
      'store: customer.document.name.given must not contain a lone surrogate (\\ud800)',
    );
    expect(stored({ list: ['ok', 'x\udfff'] }).error).toBe(
      'store: customer.document.list[1] must not contain a lone surrogate (\\udfff)',
    );
    expect(stored({ inner: { 'k\udc00': 1 } }).error).toBe(
      'store: customer.document.inner has a key with a lone surrogate (\\udc00)',
    );
    expect(stored({ emoji: 'An\ud83d\ude00na' }).document).toEqual({ emoji: 'An\ud83d\ude00na' });
  });

  it('checks every key each time: one refused stays refused, after many keys were taken', () => {
    const ids = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`id-${i}`, i]));
    expect(stored(ids).document).toEqual(ids);
    expect(stored(ids).document).toEqual(ids);
    for (let i = 0; i < 2; i++) {
      expect(stored({ inner: { 'k\u0000': 1 } }).error).toBe(
        'store: customer.document.inner has a key with a NUL character',
      );
      expect(stored({ inner: { 'k\udc00': 1 } }).error).toBe(
        'store: customer.document.inner has a key with a lone surrogate (\\udc00)',
      );
      expect(Object.getPrototypeOf(stored(withProtoKey).document)).toBe(Object.prototype);
    }
  });

  it('refuses what JSON cannot hold, as before', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(stored(circular).error).toMatch(/^store: customer\.document must be JSON-serialisable: /);
    expect(stored({ big: 10n }).error).toMatch(/^store: customer\.document must be JSON-serialisable: /);
    const throwing = {
      get boom(): unknown {
        throw new Error('getter failed');
      },
    };
    expect(stored(throwing).error).toBe('store: customer.document must be JSON-serialisable: getter failed');
    expect(stored({ toJSON: () => 'text' }).error).toBe('store: customer.document must be a JSON object');
    expect(stored([1]).error).toBe('store: customer.document must be a JSON object');
  });

  it('copies deep documents too', () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 500; i++) deep = { next: deep };
    expect(stored(deep).document).toEqual(JSON.parse(JSON.stringify(deep)));
  });

  // jsonCopy (golden records, source documents and events) takes the same one-pass copy
  it.each(documents)('jsonCopy, %s: the same as the JSON round trip', (_name, document) => {
    const copy = jsonCopy(document, 'golden');
    expect(JSON.stringify(copy)).toBe(JSON.stringify(viaJsonText(document).document));
    expect(copy).not.toBe(document);
  });

  it('jsonCopy names a lone surrogate', () => {
    expect(() => jsonCopy({ document: { FirstName: 'An\ud800na' } }, 'record')).toThrow(
      'store: record.document.FirstName must not contain a lone surrogate (\\ud800)',
    );
  });

  it('jsonCopy names a NUL character and what JSON cannot hold, as before', () => {
    expect(() => jsonCopy({ lineage: { x: 'a\u0000' } }, 'golden')).toThrow(
      'store: golden.lineage.x must not contain a NUL character',
    );
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => jsonCopy(circular, 'golden')).toThrow(/^store: golden must be JSON-serialisable: /);
  });
});
