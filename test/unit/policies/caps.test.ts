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

  it("keeps a customer's hits under the engine's and the contact policy's keys apart", () => {
    const caps = new InMemoryCapCounter();
    const contactKey = `\u001fcontact\u001fcustomer\u001fc1`;
    const contactChannel = `\u001fcontact\u001fchannel\u001fc1\u001fsms`;
    caps.record(customerKey('a', 'c1'), T0, 'h1');
    caps.record(contactKey, T0, 'h1');
    caps.record(contactKey, T0 + 1, 'h2');
    caps.record(contactChannel, T0, 'h1');
    caps.record(channelKey('a', 'c1', 'sms'), T0, 'h3');
    caps.record(`\u001fcontact\u001fcustomer\u001fc10`, T0, 'h4');
    expect(caps.count(customerKey('a', 'c1'), DAY, T0 + 1)).toBe(1);
    expect(caps.count(contactKey, DAY, T0 + 1)).toBe(2);
    expect(caps.count(contactChannel, DAY, T0 + 1)).toBe(1);
    expect(caps.count(channelKey('a', 'c1', 'sms'), DAY, T0 + 1)).toBe(1);
    expect(caps.has(contactChannel, 'h3', DAY, T0 + 1)).toBe(false);
    expect(caps.count(`\u001fcontact\u001fcustomer\u001fc10`, DAY, T0 + 1)).toBe(1);
    expect(caps.count(`\u001fcontact\u001fcustomer\u001fc`, DAY, T0 + 1)).toBe(0);
  });

  it('drops a hit older than the longest window asked of its key when the customer gets another', () => {
    const caps = new InMemoryCapCounter();
    caps.record(customerKey('a', 'c1'), T0, 'h1');
    expect(caps.count(customerKey('a', 'c1'), DAY, T0)).toBe(1);
    caps.record(channelKey('b', 'c1', 'web'), T0 + 2 * DAY, 'h2');
    // no count with a window of a day or less would see it any more, and it is gone
    expect(caps.count(customerKey('a', 'c1'), 7 * DAY, T0 + 2 * DAY)).toBe(0);
    expect(caps.count(channelKey('b', 'c1', 'web'), 7 * DAY, T0 + 2 * DAY)).toBe(1);
    // a key never counted keeps its hits: its window is not known
    caps.record(customerKey('c', 'c1'), T0, 'h3');
    caps.record(customerKey('a', 'c1'), T0 + 30 * DAY, 'h4');
    expect(caps.count(customerKey('c', 'c1'), 365 * DAY, T0 + 30 * DAY)).toBe(1);
  });

  it('counts, finds and takes back thousands of hits under one global key', () => {
    const caps = new InMemoryCapCounter();
    const key = 'a\u001fglobal';
    for (let i = 0; i < 5000; i++) caps.record(key, T0 + i * 60_000, capHitIdFor('a', `e${i}`));
    // one arriving late goes in its place
    caps.record(key, T0 + 30, capHitIdFor('a', 'late'));
    const now = T0 + 4999 * 60_000;
    expect(caps.count(key, DAY, now)).toBe(1440);
    expect(caps.has(key, capHitIdFor('a', 'e4999'), DAY, now)).toBe(true);
    expect(caps.has(key, capHitIdFor('a', 'e3559'), DAY, now)).toBe(false);
    expect(caps.has(key, capHitIdFor('a', 'late'), DAY, now)).toBe(false);
    caps.forget(key, capHitIdFor('a', 'e4000'));
    expect(caps.count(key, DAY, now)).toBe(1439);
    expect(caps.count(key, 7 * DAY, now)).toBe(1439);
  });
});
