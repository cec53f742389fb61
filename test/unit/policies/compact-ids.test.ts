import { capHitIdFor } from '../../../policies/caps';
import { detachedString, idHash } from '../../../policies/compact-ids';

describe('idHash', () => {
  it('gives every id the same whole number below 2^52, and 100,000 ids 100,000 numbers', () => {
    const seen = new Set<number>();
    const outside: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      for (const id of [`evt-${i}`, capHitIdFor('card', `evt-${i}`)]) {
        const hash = idHash(id);
        if (!Number.isSafeInteger(hash) || hash < 0 || hash >= 2 ** 52) outside.push(hash);
        seen.add(hash);
      }
    }
    expect(outside).toEqual([]);
    expect(seen.size).toBe(100_000);
    expect(idHash('evt-1')).toBe(idHash(`evt-${1}`));
    // one character apart, and the same characters in another order
    expect(idHash('ab')).not.toBe(idHash('ac'));
    expect(idHash('ab')).not.toBe(idHash('ba'));
    expect(idHash('')).not.toBe(idHash('\u0000'));
  });
});

describe('detachedString', () => {
  it('answers an equal string for a part of a longer one', () => {
    const key = `card\u001fcustomer\u001f${'core-banking:'}${'0000000042'}\u001fweb`;
    const ref = key.slice(key.indexOf('core'), key.lastIndexOf('\u001f'));
    expect(detachedString(ref)).toBe('core-banking:0000000042');
    expect(detachedString('')).toBe('');
    expect(detachedString('Grüße "quoted" \\ \u001f')).toBe('Grüße "quoted" \\ \u001f');
  });
});
