/** Failed log-ins allowed per client address and per user name within the window. */
export const MAX_LOGIN_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const DEFAULT_MAX_KEYS = 50_000;

export interface LoginLimiterOptions {
  clock?: () => number;
  maxFailures?: number;
  windowMs?: number;
  /** tracked addresses and names; the oldest go first beyond this, so a spray cannot fill the memory */
  maxKeys?: number;
}

/**
 * Rate-limits log-in attempts: after `maxFailures` failures within `windowMs` from one client address,
 * or for one user name from anywhere, further attempts are refused until the oldest failure leaves the
 * window. Refused attempts are not counted (they never reach the password check), so a locked-out
 * user is let in again on time however often an attacker keeps knocking.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly clock: () => number;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(options: LoginLimiterOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.maxFailures = options.maxFailures ?? MAX_LOGIN_FAILURES;
    this.windowMs = options.windowMs ?? LOGIN_WINDOW_MS;
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /** Seconds until an attempt from this address for this user may be made; 0 when it may be made now. */
  retryAfterSeconds(address: string, username: string): number {
    const now = this.clock();
    const waitMs = Math.max(this.waitFor(addressKey(address), now), this.waitFor(userKey(username), now));
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  failed(address: string, username: string): void {
    const now = this.clock();
    this.note(addressKey(address), now);
    this.note(userKey(username), now);
  }

  /**
   * Checks and counts an attempt in one step, before its password is checked: the check takes a
   * bcrypt's time, and attempts sent in parallel must not all pass the limit while the first ones
   * are still being checked. Answers the seconds to wait (nothing counted) or 0; a correct password
   * takes its count back with succeeded().
   */
  begin(address: string, username: string): number {
    const wait = this.retryAfterSeconds(address, username);
    if (wait === 0) this.failed(address, username);
    return wait;
  }

  /**
   * A correct password clears the user's failures and takes back the count begin() made for it from
   * the address. The address's other failures stay: an attacker who owns one account must not reset
   * the count of the addresses they guess other accounts from.
   */
  succeeded(username: string, address?: string): void {
    this.failures.delete(userKey(username));
    if (address === undefined) return;
    const kept = this.failures.get(addressKey(address));
    kept?.pop();
    if (kept?.length === 0) this.failures.delete(addressKey(address));
  }

  private waitFor(key: string, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < this.maxFailures) return 0;
    return recent[recent.length - this.maxFailures] + this.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    const kept = this.failures.get(key);
    if (!kept) return [];
    const live = kept.filter((at) => now - at < this.windowMs);
    if (live.length === 0) this.failures.delete(key);
    else if (live.length !== kept.length) this.failures.set(key, live);
    return live;
  }

  private note(key: string, now: number): void {
    const live = this.recent(key, now);
    live.push(now);
    // only the last maxFailures matter for the wait
    if (live.length > this.maxFailures) live.splice(0, live.length - this.maxFailures);
    this.failures.delete(key);
    this.failures.set(key, live);
    while (this.failures.size > this.maxKeys) {
      this.failures.delete(this.failures.keys().next().value as string);
    }
  }
}

/**
 * An IPv6 client usually owns a whole /64 and can pick a new address in it for every attempt, so its
 * attempts count by that prefix; IPv4 addresses count one by one.
 */
function addressKey(address: string): string {
  return `a:${address.includes(':') ? ipv6Prefix64(address) : address}`;
}

/** The first four groups of an IPv6 address, `::` expanded; the address itself if it is not one. */
export function ipv6Prefix64(address: string): string {
  const bare = address.replace(/%.*$/, '').toLowerCase();
  const halves = bare.split('::');
  if (halves.length > 2) return bare;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups =
    halves.length === 2
      ? [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail]
      : head;
  if (groups.length < 4 || !groups.slice(0, 4).every((g) => /^[0-9a-f]{1,4}$/.test(g))) return bare;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

// variants of one name ("Anna", "anna ") count together, so case games do not multiply the attempts
function userKey(username: string): string {
  return `u:${username.trim().toLowerCase()}`;
}
