import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { escapeXml } from '../../formats/xml/xml-escape';
import { childrenNamed, firstChild, type XmlElement } from '../../formats/xml/xml-tree';

/**
 * OASIS WS-Security 1.0/1.1 UsernameToken Profile, server side: PasswordText and PasswordDigest,
 * wsu:Timestamp, a replay window and a nonce cache. Signatures and encryption are out of scope;
 * TLS protects the channel.
 */
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PROFILE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
export const PASSWORD_TEXT = `${PROFILE}#PasswordText`;
export const PASSWORD_DIGEST = `${PROFILE}#PasswordDigest`;
export const BASE64_BINARY =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export type PasswordType = 'PasswordText' | 'PasswordDigest';

/** The fault codes of WSS 1.0 §12; the SOAP faultcode itself stays Client/Sender. */
export type WsSecurityCode =
  | 'FailedAuthentication'
  | 'InvalidSecurity'
  | 'InvalidSecurityToken'
  | 'MessageExpired'
  | 'UnsupportedSecurityToken';

export class WsSecurityError extends Error {
  constructor(
    message: string,
    readonly code: WsSecurityCode,
  ) {
    super(message);
    this.name = 'WsSecurityError';
  }
}

export interface WsSecurityOptions {
  /** the password of a user, or undefined when there is no such user */
  users: (username: string) => string | undefined;
  /** accept PasswordText as well as PasswordDigest (only sensible over TLS) */
  allowPasswordText: boolean;
  /** how old wsu:Created may be; default 300 s */
  windowSeconds?: number;
  /** how far wsu:Created may be ahead of our clock; default 60 s */
  skewSeconds?: number;
  /** nonces remembered at most; default 100 000 */
  maxNonces?: number;
  /** clock in ms, for tests */
  now?: () => number;
}

export interface Principal {
  username: string;
  passwordType: PasswordType;
}

export const DEFAULT_WINDOW_SECONDS = 300;
const DEFAULT_SKEW_SECONDS = 60;
const DEFAULT_MAX_NONCES = 100_000;
const AUTH_FAILED = 'authentication failed: unknown username or wrong password';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

/** Base64(SHA-1(nonce bytes + created + password)), as the UsernameToken Profile 1.0 §3.1 defines it. */
export function passwordDigest(nonceBase64: string, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.from(nonceBase64, 'base64'))
    .update(created, 'utf8')
    .update(password, 'utf8')
    .digest('base64');
}

/** Compares through fixed-length hashes, so neither content nor length leaks through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** Parses an xsd:dateTime to epoch ms; a value without zone is UTC, as WSS requires UTC anyway. */
export function parseWsuDateTime(value: string): number | undefined {
  const m = DATE_TIME.exec(value.trim());
  if (!m) return undefined;
  // JavaScript dates stop at milliseconds; .NET sends seven fraction digits
  const fraction = (m[2] ?? '').slice(0, 3).padEnd(3, '0');
  const ms = Date.parse(`${m[1]}.${fraction}${m[3] ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Remembers nonces for the replay window. When it is full the oldest entry goes, and the created
 * time of what went becomes a floor: a token created at or before it can no longer be proven fresh,
 * so it is refused instead of silently letting a replay through.
 */
export class NonceCache {
  private readonly entries = new Map<string, { expiresAt: number; created: number }>();
  private floor = -Infinity;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** 'fresh' records the nonce; 'replayed' and 'unprovable' leave the cache unchanged. */
  check(key: string, createdMs: number, nowMs: number): 'fresh' | 'replayed' | 'unprovable' {
    this.sweep(nowMs);
    if (this.entries.has(key)) return 'replayed';
    if (createdMs <= this.floor) return 'unprovable';
    while (this.entries.size >= this.maxEntries) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [
        string,
        { expiresAt: number; created: number },
      ];
      this.entries.delete(oldestKey);
      this.floor = Math.max(this.floor, oldest.created);
    }
    // insertion order is expiry order because every entry lives the same ttl from "now"
    this.entries.set(key, { expiresAt: nowMs + this.ttlMs, created: createdMs });
    return 'fresh';
  }

  private sweep(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > nowMs) break;
      this.entries.delete(key);
    }
  }
}

function text(parent: XmlElement, ns: string, local: string): { el: XmlElement; value: string } | undefined {
  const found = childrenNamed(parent, ns, local);
  if (found.length > 1) {
    throw new WsSecurityError(`wsse:UsernameToken has more than one ${local}`, 'InvalidSecurityToken');
  }
  return found[0] ? { el: found[0], value: found[0].text.trim() } : undefined;
}

function passwordTypeOf(attr: string | undefined): PasswordType {
  // The profile makes PasswordText the default when Type is absent.
  if (attr === undefined || attr === PASSWORD_TEXT || attr === 'PasswordText') return 'PasswordText';
  if (attr === PASSWORD_DIGEST || attr === 'PasswordDigest') return 'PasswordDigest';
  throw new WsSecurityError(
    `unsupported wsse:Password Type '${attr}': use PasswordDigest or PasswordText`,
    'UnsupportedSecurityToken',
  );
}

/** Checks the wsse:Security header of each request against one user directory and replay state. */
export class UsernameTokenVerifier {
  private readonly windowMs: number;
  private readonly skewMs: number;
  private readonly nonces: NonceCache;
  private readonly now: () => number;

  constructor(private readonly options: WsSecurityOptions) {
    const window = options.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
    if (!(window > 0)) throw new Error(`WS-Security replay window must be positive, got ${window}`);
    this.windowMs = window * 1000;
    this.skewMs = (options.skewSeconds ?? DEFAULT_SKEW_SECONDS) * 1000;
    this.nonces = new NonceCache(options.maxNonces ?? DEFAULT_MAX_NONCES, this.windowMs + this.skewMs);
    this.now = options.now ?? Date.now;
  }

  get windowSeconds(): number {
    return this.windowMs / 1000;
  }

  /** Returns who called, or throws WsSecurityError saying what is wrong (never which user exists). */
  verify(header: XmlElement | undefined): Principal {
    const securities = header ? childrenNamed(header, WSSE_NS, 'Security') : [];
    if (securities.length === 0) {
      const foreign = header?.children.find((c) => c.local === 'Security');
      throw new WsSecurityError(
        foreign
          ? `WS-Security header in unsupported namespace '${foreign.ns}' (expected ${WSSE_NS})`
          : 'WS-Security required: send a wsse:Security header with a wsse:UsernameToken',
        'InvalidSecurity',
      );
    }
    if (securities.length > 1) {
      throw new WsSecurityError('more than one wsse:Security header', 'InvalidSecurity');
    }
    const security = securities[0];
    const now = this.now();
    const timestamp = firstChild(security, WSU_NS, 'Timestamp');
    if (timestamp) this.checkTimestamp(timestamp, now);

    const tokens = childrenNamed(security, WSSE_NS, 'UsernameToken');
    if (tokens.length !== 1) {
      throw new WsSecurityError(
        tokens.length === 0
          ? 'wsse:Security header has no wsse:UsernameToken'
          : 'wsse:Security header has more than one wsse:UsernameToken',
        'InvalidSecurity',
      );
    }
    return this.checkToken(tokens[0], now);
  }

  private checkTimestamp(timestamp: XmlElement, now: number): void {
    const created = text(timestamp, WSU_NS, 'Created');
    if (created) this.checkCreated(created.value, now, 'wsu:Timestamp/wsu:Created');
    const expires = text(timestamp, WSU_NS, 'Expires');
    if (expires) {
      const at = parseWsuDateTime(expires.value);
      if (at === undefined) {
        throw new WsSecurityError('wsu:Timestamp/wsu:Expires is not an xsd:dateTime', 'InvalidSecurity');
      }
      if (at + this.skewMs < now) {
        throw new WsSecurityError(
          'expired timestamp: wsu:Timestamp/wsu:Expires has passed',
          'MessageExpired',
        );
      }
    }
  }

  private checkCreated(value: string, now: number, what: string): number {
    const at = parseWsuDateTime(value);
    if (at === undefined) throw new WsSecurityError(`${what} is not an xsd:dateTime`, 'InvalidSecurity');
    if (at > now + this.skewMs) {
      throw new WsSecurityError(
        `created in the future: ${what} is more than ${this.skewMs / 1000} s ahead of the server clock`,
        'InvalidSecurity',
      );
    }
    if (now - at > this.windowMs) {
      throw new WsSecurityError(
        `expired timestamp: ${what} is older than the replay window of ${this.windowMs / 1000} s`,
        'MessageExpired',
      );
    }
    return at;
  }

  private checkToken(token: XmlElement, now: number): Principal {
    const username = text(token, WSSE_NS, 'Username')?.value ?? '';
    if (!username)
      throw new WsSecurityError('wsse:UsernameToken has no wsse:Username', 'InvalidSecurityToken');
    const password = text(token, WSSE_NS, 'Password');
    if (!password)
      throw new WsSecurityError('wsse:UsernameToken has no wsse:Password', 'InvalidSecurityToken');
    const type = passwordTypeOf(password.el.attrs.Type);
    if (type === 'PasswordText' && !this.options.allowPasswordText) {
      throw new WsSecurityError(
        'PasswordText is not accepted by this service: send a PasswordDigest',
        'UnsupportedSecurityToken',
      );
    }
    const nonce = text(token, WSSE_NS, 'Nonce');
    if (nonce) {
      const encoding = nonce.el.attrs.EncodingType;
      if (encoding !== undefined && encoding !== BASE64_BINARY) {
        throw new WsSecurityError(
          `wsse:Nonce EncodingType '${encoding}' is not supported: use Base64Binary`,
          'UnsupportedSecurityToken',
        );
      }
      if (!BASE64.test(nonce.value) || Buffer.from(nonce.value, 'base64').length < 8) {
        throw new WsSecurityError('wsse:Nonce must be at least 8 bytes in Base64', 'InvalidSecurityToken');
      }
    }
    const createdText = text(token, WSU_NS, 'Created');
    if (type === 'PasswordDigest' && (!nonce || !createdText)) {
      throw new WsSecurityError('PasswordDigest requires wsse:Nonce and wsu:Created', 'InvalidSecurityToken');
    }
    const created = createdText
      ? this.checkCreated(createdText.value, now, 'wsse:UsernameToken/wsu:Created')
      : now;

    const known = this.options.users(username);
    // An unknown user costs the same work as a known one, so timing does not tell them apart.
    const expected = known ?? randomBytes(16).toString('hex');
    const offered =
      type === 'PasswordDigest'
        ? passwordDigest(nonce?.value ?? '', createdText?.value ?? '', expected)
        : expected;
    const matches = constantTimeEqual(password.value, offered);
    if (known === undefined || !matches) throw new WsSecurityError(AUTH_FAILED, 'FailedAuthentication');

    // Recorded only after authentication, so strangers cannot fill the cache.
    if (nonce) {
      const seen = this.nonces.check(`${username}\u0000${nonce.value}`, created, now);
      if (seen === 'replayed') {
        throw new WsSecurityError(
          'replayed nonce: this wsse:Nonce was already used within the replay window',
          'InvalidSecurity',
        );
      }
      if (seen === 'unprovable') {
        throw new WsSecurityError(
          'expired timestamp: wsu:Created is too old to be checked for replay under the current load',
          'MessageExpired',
        );
      }
    }
    return { username, passwordType: type };
  }
}

export interface UsernameTokenInput {
  username: string;
  password: string;
  type: PasswordType;
  /** defaults to 16 random bytes */
  nonce?: Buffer;
  /** defaults to now; a string is used exactly as given */
  created?: Date | string;
  /** adds a wsu:Timestamp with this lifetime in seconds */
  timestampSeconds?: number;
}

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** A wsse:Security header block, for our outbound calls and for tests. */
export function usernameTokenHeader(input: UsernameTokenInput): string {
  const createdDate = input.created instanceof Date ? input.created : new Date();
  const created = typeof input.created === 'string' ? input.created : isoSeconds(createdDate);
  const nonce = (input.nonce ?? randomBytes(16)).toString('base64');
  const password =
    input.type === 'PasswordDigest' ? passwordDigest(nonce, created, input.password) : input.password;
  const timestamp =
    input.timestampSeconds === undefined
      ? ''
      : `<wsu:Timestamp><wsu:Created>${escapeXml(created)}</wsu:Created>` +
        `<wsu:Expires>${isoSeconds(new Date(createdDate.getTime() + input.timestampSeconds * 1000))}</wsu:Expires></wsu:Timestamp>`;
  return (
    `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}">${timestamp}<wsse:UsernameToken>` +
    `<wsse:Username>${escapeXml(input.username)}</wsse:Username>` +
    `<wsse:Password Type="${input.type === 'PasswordDigest' ? PASSWORD_DIGEST : PASSWORD_TEXT}">${escapeXml(password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${nonce}</wsse:Nonce>` +
    `<wsu:Created>${escapeXml(created)}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

export type SecurityMode = 'none' | 'digest' | 'text-or-digest';

/**
 * The security options of a service with one account (the soap-service config node). An unset
 * mode means: required (digest) when a username is configured, off otherwise. A mode that requires
 * a token but has no account yields options that refuse every call: failing closed.
 */
export function singleUserSecurity(
  mode: string | undefined,
  username: string | undefined,
  password: string | undefined,
  windowSeconds?: number,
): WsSecurityOptions | undefined {
  const known = mode === 'none' || mode === 'digest' || mode === 'text-or-digest';
  if (mode && !known) {
    throw new Error(`unknown WS-Security mode '${mode}': use none, digest or text-or-digest`);
  }
  const effective: SecurityMode = known ? mode : username ? 'digest' : 'none';
  if (effective === 'none') return undefined;
  return {
    // an account without a password would let anyone in who knows the name
    users: (name) => (username && password && name === username ? password : undefined),
    allowPasswordText: effective === 'text-or-digest',
    ...(windowSeconds !== undefined && windowSeconds > 0 ? { windowSeconds } : {}),
  };
}
