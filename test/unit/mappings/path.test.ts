/** The generated getters of mappings/path.ts read what the path names and nothing else. */
import fc from 'fast-check';
import {
  compileGetter,
  compileScopedGetter,
  formatPath,
  parsePath,
  PathSyntaxError,
} from '../../../mappings/path';

const record = {
  E1KNA1M: {
    KUNNR: '0000004711',
    'X-Y': 'dash',
    E1KNVVM: [{ KDGRP: '02' }, { KDGRP: '03' }],
    ONE: { KDGRP: '01' },
    EMPTY: null,
  },
  LIST: ['a', 'b'],
  $root: 'not special here',
};

describe('compiled getters', () => {
  it('read nested keys, list items and keys with a dash', () => {
    expect(compileGetter('E1KNA1M.KUNNR')(record)).toBe('0000004711');
    expect(compileGetter('E1KNA1M.X-Y')(record)).toBe('dash');
    expect(compileGetter('E1KNA1M.E1KNVVM[1].KDGRP')(record)).toBe('03');
    expect(compileGetter('LIST[1]')(record)).toBe('b');
    expect(compileGetter(['E1KNA1M', 'KUNNR'])(record)).toBe('0000004711');
  });

  it('read the keys legacy exports have: any letters plainly, anything else quoted', () => {
    const csv = {
      'Kd-Nr.': '0004711',
      Straße: 'Hauptstraße 1',
      'Geb. Datum': '01.02.1970',
      Kunde: { 'E-Mail Adresse': 'a@b.de' },
    };
    expect(compileGetter('["Kd-Nr."]')(csv)).toBe('0004711');
    expect(compileGetter('Straße')(csv)).toBe('Hauptstraße 1');
    expect(compileGetter('["Geb. Datum"]')(csv)).toBe('01.02.1970');
    expect(compileGetter('Kunde["E-Mail Adresse"]')(csv)).toBe('a@b.de');
    expect(parsePath('a["b.c"][2].d')).toEqual(['a', 'b.c', 2, 'd']);
    for (const path of [
      '["Kd-Nr."]',
      'Straße',
      'Kunde["E-Mail Adresse"]',
      'a["b.c"][2].d',
      '["say \\"hi\\""]',
    ])
      expect(formatPath(parsePath(path))).toBe(path);
  });

  it('give undefined when anything on the way is missing or not an object', () => {
    for (const path of [
      'NOPE',
      'NOPE.X',
      'E1KNA1M.EMPTY.X',
      'E1KNA1M.KUNNR.length',
      'LIST[5]',
      'E1KNA1M.E1KNVVM[2].KDGRP',
    ])
      expect(compileGetter(path)(record)).toBeUndefined();
    expect(compileGetter('A.B')(undefined)).toBeUndefined();
    expect(compileGetter('A.B')('text')).toBeUndefined();
    expect(compileGetter('A')(null)).toBeUndefined();
  });

  it('read an index of a plain object as its key, the scoped ones read a single segment as a list of one', () => {
    expect(compileGetter('E1KNA1M.ONE[0].KDGRP')(record)).toBeUndefined();
    expect(compileGetter('A[0]')({ A: { 0: 'zero' } })).toBe('zero');
    const scoped = compileScopedGetter('E1KNA1M.ONE[0].KDGRP');
    expect(scoped(record, undefined)).toBe('01');
    expect(compileScopedGetter('E1KNA1M.ONE[1].KDGRP')(record, undefined)).toBeUndefined();
    expect(compileScopedGetter('E1KNA1M.E1KNVVM[0].KDGRP')(record, undefined)).toBe('02');
    expect(compileScopedGetter('E1KNA1M.E1KNVVM[1].KDGRP')(record, undefined)).toBe('03');
    expect(compileScopedGetter('LIST[0]')(record, undefined)).toBe('a');
    expect(compileScopedGetter('E1KNA1M.KUNNR[0]')(record, undefined)).toBeUndefined();
  });

  it('start at the record root for $root paths and at the scope otherwise', () => {
    const scope = { KDGRP: 'scope' };
    expect(compileScopedGetter('$root.E1KNA1M.KUNNR')(scope, record)).toBe('0000004711');
    expect(compileScopedGetter('KDGRP')(scope, record)).toBe('scope');
    expect(compileScopedGetter('$root')(scope, record)).toBe(record);
  });

  it('reject paths that are not keys with indexes, and __proto__', () => {
    expect(() => compileGetter('a..b')).toThrow(PathSyntaxError);
    for (const bad of ['a[x]', 'a["x', 'a["x"', 'a[""]', 'a.["x"]', '["a\\u0007"]', '[0]', 'a]', 'a["x"]b'])
      expect(() => compileGetter(bad)).toThrow(PathSyntaxError);
    expect(() => compileGetter('["__proto__"].x')).toThrow(/"__proto__" is not allowed/);
    expect(() => compileGetter('constructor.__proto__')).toThrow(/"__proto__" is not allowed/);
    expect(() => compileScopedGetter('x");process.exit(1);("')).toThrow(PathSyntaxError);
  });

  it('agree with a plain walk over random objects and paths', () => {
    const key = fc.constantFrom('a', 'b', 'c-d', '$x', '_');
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(undefined, null, 'text', 7),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    const segment = fc.oneof(key, fc.nat({ max: 2 }));
    fc.assert(
      fc.property(tree, fc.tuple(key, fc.array(segment, { maxLength: 4 })), (root, [first, rest]) => {
        const segments = [first, ...rest];
        const path = segments
          .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
          .join('')
          .slice(1);
        let plain: unknown = root;
        let scoped: unknown = root;
        for (const s of segments) {
          plain =
            typeof plain === 'object' && plain !== null ? (plain as Record<string, unknown>)[s] : undefined;
          if (typeof scoped !== 'object' || scoped === null) scoped = undefined;
          else if (typeof s === 'number' && !Array.isArray(scoped)) scoped = s === 0 ? scoped : undefined;
          else scoped = (scoped as Record<string, unknown>)[s];
        }
        expect(compileGetter(path)(root)).toBe(plain);
        expect(compileScopedGetter(path)(root, undefined)).toBe(scoped);
      }),
      { numRuns: 500 },
    );
  });
});
