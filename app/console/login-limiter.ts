import { createHash } from 'node:crypto';

/** Failed log-ins allowed per client address and user name within the window. */
export const MAX_LOGIN_FAILURES = 5;
/** Failed log-ins allowed from one client address, whatever the names (one address trying many). */
export const MAX_ADDRESS_FAILURES = 20;
/**
 * Failed log-ins allowed for one user name from all addresses (many addresses guessing one password);
 * past it only the addresses the user logged in from lately get in.
 */
export const MAX_USER_FAILURES = 100;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** how long an address the user logged in from stays exempt from the user's own bound */
export const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60 * 1000;
const DEFAULT_MAX_KEYS = 50_000;

export interface LoginLimiterOptions {
  clock?: () => number;
  maxFailures?: number;
  maxAddressFailures?: number;
  maxUserFailures?: number;
  windowMs?: number;
  /** tracked keys (and, apart, known addresses); the oldest go first beyond this, so a spray cannot fill the memory */
  maxKeys?: number;
}

/**
 * Rate-limits log-in attempts. A lock-out falls on the one who fails, not on the user they name: after
 * `maxFailures` failures within `windowMs` for one user name from one client address, that pair waits
 * until the oldest failure leaves the window, and the user logs in from any other address meanwhile.
 * Against spraying, one address gets `maxAddressFailures` for all names together, and one name
 * `maxUserFailures` from all addresses together; past the latter, addresses the user logged in from in
 * the last 30 days are still let in. Refused attempts are not counted (they never reach the password
 * check), so a locked-out pair is let in again on time however often an attacker keeps knocking.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  /** (address, user) pairs that logged in, and when */
  private readonly known = new Map<string, number>();
  private readonly clock: () => number;
  private readonly maxFailures: number;
  private readonly maxAddressFailures: number;
  private readonly maxUserFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(options: LoginLimiterOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.maxFailures = options.maxFailures ?? MAX_LOGIN_FAILURES;
    this.maxAddressFailures = options.maxAddressFailures ?? MAX_ADDRESS_FAILURES;
    this.maxUserFailures = options.maxUserFailures ?? MAX_USER_FAILURES;
    this.windowMs = options.windowMs ?? LOGIN_WINDOW_MS;
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /** Seconds until an attempt from this address for this user may be made; 0 when it may be made now. */
  retryAfterSeconds(address: string, username: string): number {
    const now = this.clock();
    const pair = pairKey(address, username);
    const knownAt = this.known.get(pair);
    const known = knownAt !== undefined && now - knownAt < KNOWN_ADDRESS_MS;
    const waitMs = Math.max(
      this.waitFor(pair, this.maxFailures, now),
      this.waitFor(addressKey(address), this.maxAddressFailures, now),
      known ? 0 : this.waitFor(userKey(username), this.maxUserFailures, now),
    );
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  failed(address: string, username: string): void {
    const now = this.clock();
    this.note(pairKey(address, username), this.maxFailures, now);
    this.note(addressKey(address), this.maxAddressFailures, now);
    this.note(userKey(username), this.maxUserFailures, now);
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
   * A correct password clears the pair's failures, takes back the count begin() made for it from the
   * address and the user, and makes the address a known one of the user's. The address's other
   * failures stay: an attacker who owns one account must not reset the count of the addresses they
   * guess other accounts from.
   */
  succeeded(username: string, address?: string): void {
    if (address === undefined) {
      this.failures.delete(userKey(username));
      return;
    }
    const pair = pairKey(address, username);
    this.failures.delete(pair);
    this.takeBack(addressKey(address));
    this.takeBack(userKey(username));
    this.known.delete(pair);
    this.known.set(pair, this.clock());
    while (this.known.size > this.maxKeys) this.known.delete(this.known.keys().next().value as string);
  }

  private takeBack(key: string): void {
    const kept = this.failures.get(key);
    kept?.pop();
    if (kept?.length === 0) this.failures.delete(key);
  }

  private waitFor(key: string, max: number, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < max) return 0;
    return recent[recent.length - max] + this.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    const kept = this.failures.get(key);
    if (!kept) return [];
    const live = kept.filter((at) => now - at < this.windowMs);
    if (live.length === 0) this.failures.delete(key);
    else if (live.length !== kept.length) this.failures.set(key, live);
    return live;
  }

  private note(key: string, max: number, now: number): void {
    const live = this.recent(key, now);
    live.push(now);
    // only the last `max` matter for the wait
    if (live.length > max) live.splice(0, live.length - max);
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
  return `u:${normalName(username)}`;
}

function pairKey(address: string, username: string): string {
  return `p:${addressKey(address)}|${normalName(username)}`;
}

// a digest, not the name: a name may be some 16 KB (a Basic header, a console log-in's body), and
// 50,000 keys of those held about 1 GB; a digest keeps every key under 100 bytes
function normalName(username: string): string {
  return createHash('sha256').update(username.trim().toLowerCase()).digest('base64');
}
