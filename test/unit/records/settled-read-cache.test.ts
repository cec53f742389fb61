import { SettledReadCache } from '../../../records/settled-read-cache';

describe('SettledReadCache', () => {
  it('keeps what was read, frozen, until a write of the key begins', () => {
    const cache = new SettledReadCache<{ n: number[] }>();
    const kept = cache.keep('a', { n: [1] });
    expect(cache.get('a')).toBe(kept);
    expect(Object.isFrozen(kept.n)).toBe(true);
    cache.writing('a');
    expect(cache.get('a')).toBeUndefined();
  });

  it('keeps nothing read while a write of the key is in flight, nor when it settles without a value', () => {
    const cache = new SettledReadCache<number>();
    cache.writing('a');
    cache.keep('a', 1);
    expect(cache.get('a')).toBeUndefined();
    cache.settled(['a']);
    expect(cache.get('a')).toBeUndefined();
    cache.keep('a', 2);
    expect(cache.get('a')).toBe(2);
  });

  it('keeps what a durable write wrote once it settled', () => {
    const cache = new SettledReadCache<{ v: number }>();
    const token = cache.writing('a');
    cache.settled(['a'], new Map([['a', { token, value: { v: 1 } }]]));
    expect(cache.get('a')).toEqual({ v: 1 });
    expect(Object.isFrozen(cache.get('a'))).toBe(true);
  });

  it('does not keep a written value while another write of the key is in flight', () => {
    const cache = new SettledReadCache<number>();
    const first = cache.writing('a');
    const second = cache.writing('a');
    cache.settled(['a'], new Map([['a', { token: first, value: 1 }]]));
    expect(cache.get('a')).toBeUndefined();
    cache.settled(['a'], new Map([['a', { token: second, value: 2 }]]));
    expect(cache.get('a')).toBe(2);
  });

  it('does not keep the older value when the older write settles last', () => {
    const cache = new SettledReadCache<number>();
    const older = cache.writing('a');
    const newer = cache.writing('a');
    cache.settled(['a'], new Map([['a', { token: newer, value: 2 }]]));
    cache.settled(['a'], new Map([['a', { token: older, value: 1 }]]));
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops the oldest entry beyond its size', () => {
    const cache = new SettledReadCache<number>(2);
    cache.keep('a', 1);
    const token = cache.writing('b');
    cache.settled(['b'], new Map([['b', { token, value: 2 }]]));
    cache.keep('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
  });
});
