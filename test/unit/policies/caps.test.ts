import { capHitIdFor, InMemoryCapCounter } from '../../../policies/caps';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');
const customerKey = (policy: string, ref: string) => `${policy}\u001fcustomer\u001f${ref}`;
const channelKey = (policy: string, ref: string, channel: string) =>
  `${policy}\u001fchannel\u001f${ref}\u001f${channel}`;

describe('InMemoryCapCounter', () => {
  it('counts the policies of one customer apart, and each window on its own', () => {
    const caps = new InMemoryCapCounter();
    caps.record(customerKey('a', 'c1'), T0, capHitIdFor('a', 'e1'));
    caps.record(customerKey('a', 'c1'), T0 + DAY, capHitIdFor('a', 'e2'));
    caps.record(customerKey('b', 'c1'), T0, capHitIdFor('b', 'e1'));
    caps.record(channelKey('a', 'c1', 'web'), T0, capHitIdFor('a', 'e1'));
    caps.record(customerKey('a', 'c2'), T0, capHitIdFor('a', 'e3'));
    expect(caps.count(customerKey('a', 'c1'), 7 * DAY, T0 + DAY)).toBe(2);
    expect(caps.count(customerKey('b', 'c1'), 7 * DAY, T0 + DAY)).toBe(1);
    expect(caps.count(channelKey('a', 'c1', 'web'), 7 * DAY, T0 + DAY)).toBe(1);
    expect(caps.count(channelKey('a', 'c1', 'app'), 7 * DAY, T0 + DAY)).toBe(0);
    expect(caps.count(customerKey('c', 'c1'), 7 * DAY, T0 + DAY)).toBe(0);
    // (now - window, now]: a hit exactly a window ago has left it, and stays gone
    expect(caps.count(customerKey('a', 'c1'), DAY, T0 + DAY)).toBe(1);
    expect(caps.count(customerKey('a', 'c1'), 7 * DAY, T0 + DAY)).toBe(1);
    expect(caps.count(customerKey('b', 'c1'), 7 * DAY, T0 + DAY)).toBe(1);
  });

  it('records a hit id once per key, finds it and takes it back', () => {
    const caps = new InMemoryCapCounter();
    const key = customerKey('a', 'c1');
    const id = capHitIdFor('a', 'e1');
    caps.record(key, T0, id);
    caps.record(key, T0 + 1000, id);
    expect(caps.count(key, DAY, T0 + 1000)).toBe(1);
    expect(caps.has(key, id, DAY, T0 + 1000)).toBe(true);
    expect(caps.has(key, capHitIdFor('a', 'e2'), DAY, T0 + 1000)).toBe(false);
    expect(caps.has(customerKey('b', 'c1'), id, DAY, T0 + 1000)).toBe(false);
    expect(caps.has(key, id, DAY, T0 + DAY)).toBe(false);
    caps.record(key, T0 + DAY, id);
    caps.forget(key, capHitIdFor('a', 'e2'));
    expect(caps.count(key, DAY, T0 + DAY)).toBe(1);
    caps.forget(key, id);
    expect(caps.count(key, DAY, T0 + DAY)).toBe(0);
  });

  it('counts other keys, ids and times the same way', () => {
    const caps = new InMemoryCapCounter();
    const key = customerKey('a', 'c1');
    caps.record(key, T0, capHitIdFor('a', 'e1'));
    caps.record(key, T0 + 1, 'not-a-hex-id');
    caps.record(key, T0 + 2, 'not-a-hex-id');
    caps.record(key, T0 + 2.5, capHitIdFor('a', 'e2'));
    caps.record(key, -5, capHitIdFor('a', 'e3'));
    caps.record('a\u001fglobal', T0, capHitIdFor('a', 'e1'));
    caps.record('plain', T0, capHitIdFor('a', 'e1'));
    expect(caps.count(key, DAY, T0 + 10)).toBe(3);
    expect(caps.count(key, 2 * T0, T0 + 10)).toBe(3);
    expect(caps.has(key, 'not-a-hex-id', DAY, T0 + 10)).toBe(true);
    expect(caps.has(key, capHitIdFor('a', 'e2'), DAY, T0 + 10)).toBe(true);
    expect(caps.count('a\u001fglobal', DAY, T0)).toBe(1);
    expect(caps.count('plain', DAY, T0)).toBe(1);
    caps.forget(key, 'not-a-hex-id');
    caps.forget(key, capHitIdFor('a', 'e2'));
    expect(caps.count(key, DAY, T0 + 10)).toBe(1);
  });
});
