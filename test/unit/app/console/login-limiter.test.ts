import { ipv6Prefix64, LOGIN_WINDOW_MS, LoginLimiter } from '../../../../app/console/login-limiter';

describe('LoginLimiter', () => {
  it('refuses after 5 failures for a user from one address within 15 minutes, until the oldest leaves the window', () => {
    let now = 0;
    const limiter = new LoginLimiter({ clock: () => now });
    for (let i = 0; i < 5; i++) {
      expect(limiter.retryAfterSeconds('10.0.0.1', 'anna')).toBe(0);
      limiter.failed('10.0.0.1', i % 2 ? 'Anna' : ' anna');
      now += 60_000;
    }
    // first failure at 0, now 5 min: 10 min to go, for that pair only
    expect(limiter.retryAfterSeconds('10.0.0.1', 'anna')).toBe(600);
    expect(limiter.retryAfterSeconds('10.0.0.1', 'ben')).toBe(0);
    expect(limiter.retryAfterSeconds('10.0.0.2', 'anna')).toBe(0);
    now = LOGIN_WINDOW_MS;
    expect(limiter.retryAfterSeconds('10.0.0.1', 'anna')).toBe(0);
  });

  it('refuses an address after 20 failures over any names', () => {
    const limiter = new LoginLimiter({ clock: () => 0 });
    for (let i = 0; i < 19; i++) limiter.failed('10.0.0.1', `user${i}`);
    expect(limiter.retryAfterSeconds('10.0.0.1', 'someone')).toBe(0);
    limiter.failed('10.0.0.1', 'user19');
    expect(limiter.retryAfterSeconds('10.0.0.1', 'someone')).toBe(LOGIN_WINDOW_MS / 1000);
    expect(limiter.retryAfterSeconds('10.0.0.2', 'someone')).toBe(0);
  });

  it('refuses a user after 100 failures from all addresses, except from addresses she logged in from', () => {
    let now = 0;
    const limiter = new LoginLimiter({ clock: () => now });
    expect(limiter.begin('10.9.0.1', 'anna')).toBe(0);
    limiter.succeeded('anna', '10.9.0.1');
    for (let i = 0; i < 100; i++) limiter.failed(`10.${i >> 8}.${i & 255}.1`, 'anna');
    expect(limiter.retryAfterSeconds('10.8.0.1', 'anna')).toBe(LOGIN_WINDOW_MS / 1000);
    expect(limiter.retryAfterSeconds('10.8.0.1', 'ben')).toBe(0);
    expect(limiter.retryAfterSeconds('10.9.0.1', 'anna')).toBe(0);
    // a known address is known for 30 days
    now = 29 * 24 * 60 * 60 * 1000;
    for (let i = 0; i < 100; i++) limiter.failed(`10.${i >> 8}.${i & 255}.2`, 'anna');
    expect(limiter.retryAfterSeconds('10.9.0.1', 'anna')).toBe(0);
    now = 31 * 24 * 60 * 60 * 1000;
    for (let i = 0; i < 100; i++) limiter.failed(`10.${i >> 8}.${i & 255}.3`, 'anna');
    expect(limiter.retryAfterSeconds('10.9.0.1', 'anna')).toBeGreaterThan(0);
  });

  it('allows four failures, and a success clears the pair but not the address', () => {
    const limiter = new LoginLimiter({ clock: () => 0, maxAddressFailures: 5 });
    for (let i = 0; i < 4; i++) limiter.failed('10.0.0.1', 'anna');
    expect(limiter.begin('10.0.0.1', 'anna')).toBe(0);
    limiter.succeeded('anna', '10.0.0.1');
    expect(limiter.retryAfterSeconds('10.0.0.1', 'anna')).toBe(0);
    limiter.failed('10.0.0.1', 'ben');
    expect(limiter.retryAfterSeconds('10.0.0.1', 'anna')).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds('10.0.0.2', 'anna')).toBe(0);
  });

  it('begin counts an attempt at once, and a success takes its count back from the address', () => {
    const limiter = new LoginLimiter({ clock: () => 0 });
    // twenty attempts started before any is checked: the next one has to wait
    for (let i = 0; i < 20; i++) expect(limiter.begin('10.0.0.1', `user${i}`)).toBe(0);
    expect(limiter.begin('10.0.0.1', 'user20')).toBe(LOGIN_WINDOW_MS / 1000);
    // four of them had the right password
    for (let i = 0; i < 4; i++) limiter.succeeded(`user${i}`, '10.0.0.1');
    expect(limiter.begin('10.0.0.1', 'user6')).toBe(0);
    expect(limiter.retryAfterSeconds('10.0.0.2', 'user4')).toBe(0);
  });

  it('counts IPv6 clients by their /64, as they can take a new address in it for every attempt', () => {
    expect(ipv6Prefix64('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(ipv6Prefix64('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(ipv6Prefix64('2001:db8::5')).toBe('2001:db8:0:0::/64');
    expect(ipv6Prefix64('::1')).toBe('0:0:0:0::/64');
    expect(ipv6Prefix64('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    const limiter = new LoginLimiter({ clock: () => 0 });
    for (let i = 1; i <= 20; i++) limiter.failed(`2001:db8:1:2::${i.toString(16)}`, `user${i}`);
    expect(limiter.retryAfterSeconds('2001:db8:1:2:ffff::9', 'someone')).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds('2001:db8:1:3::1', 'someone')).toBe(0);
  });

  it('keeps a bounded number of keys', () => {
    const limiter = new LoginLimiter({ clock: () => 0, maxKeys: 4 });
    for (let i = 0; i < 5; i++) limiter.failed('10.0.0.1', 'anna');
    expect(limiter.retryAfterSeconds('10.0.0.1', 'anna')).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) limiter.failed(`10.1.0.${i}`, `u${i}`);
    // the first pair's failures were pushed out by the spray
    expect(limiter.retryAfterSeconds('10.0.0.1', 'anna')).toBe(0);
  });

  it('keeps its keys short whatever the length of the user name (a 16 KB name in a Basic header)', () => {
    const limiter = new LoginLimiter({ clock: () => 0 });
    const long = 'x'.repeat(16 * 1024);
    expect(limiter.begin('10.0.0.1', long)).toBe(0);
    limiter.succeeded(long, '10.0.0.1');
    limiter.failed('10.0.0.1', long);
    const keys = [...limiter['failures'].keys(), ...limiter['known'].keys()];
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(128);
    // the name still counts as itself, its variants together, and apart from other names
    for (let i = 0; i < 4; i++) limiter.failed('10.0.0.1', i % 2 ? long.toUpperCase() : ` ${long}`);
    expect(limiter.retryAfterSeconds('10.0.0.1', long)).toBe(LOGIN_WINDOW_MS / 1000);
    expect(limiter.retryAfterSeconds('10.0.0.1', `${long}y`)).toBe(0);
  });
});
