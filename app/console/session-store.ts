import { randomBytes } from 'node:crypto';
import type { ConsoleRole } from './console-users';

/** The console's session cookie. Its path keeps it away from the editor and the admin API. */
export const SESSION_COOKIE = 'crmhub_console';
/** A session not used for this long is gone: a marketer's working day. */
export const SESSION_IDLE_MS = 8 * 60 * 60 * 1000;
/** However busy, a session ends this long after its log-in (OWASP's absolute timeout). */
export const SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_MAX_SESSIONS = 10_000;

export interface ConsoleSession {
  /** 256 random bits, base64url: the cookie's value */
  id: string;
  user: string;
  role: ConsoleRole;
  /** sent back as X-CSRF-Token with every write; 256 random bits of its own */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStoreOptions {
  clock?: () => number;
  idleMs?: number;
  maxAgeMs?: number;
  /** the oldest-used sessions go first beyond this many, so a log-in loop cannot fill the memory */
  maxSessions?: number;
}

/** A fresh random token: 32 bytes from the system's CSPRNG, base64url (43 characters). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Console sessions in memory, per hub process: a restart logs everybody out, which is the cheap and
 * safe answer for a handful of marketers. Each use moves a session to the back of the Map, so the
 * first entries are always the least recently used ones.
 */
export class SessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly clock: () => number;
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly maxSessions: number;

  constructor(options: SessionStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.idleMs = options.idleMs ?? SESSION_IDLE_MS;
    this.maxAgeMs = options.maxAgeMs ?? SESSION_MAX_AGE_MS;
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  }

  create(user: string, role: ConsoleRole): ConsoleSession {
    const now = this.clock();
    this.sweep(now);
    const session: ConsoleSession = {
      id: randomToken(),
      user,
      role,
      csrfToken: randomToken(),
      createdAt: now,
      lastSeenAt: now,
    };
    this.sessions.set(session.id, session);
    while (this.sessions.size > this.maxSessions) {
      this.sessions.delete(this.sessions.keys().next().value as string);
    }
    return session;
  }

  /** The live session of a cookie value, marked as used now; undefined when unknown or idle too long. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.clock();
    if (!this.fresh(session, now)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  /** Whether the session is still there, without counting as a use (for a stream that stays open). */
  isLive(id: string): boolean {
    const session = this.sessions.get(id);
    return session !== undefined && this.fresh(session, this.clock());
  }

  private fresh(session: ConsoleSession, now: number): boolean {
    return now - session.lastSeenAt <= this.idleMs && now - session.createdAt <= this.maxAgeMs;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** Ends every session of a user, e.g. when the user is no longer configured. */
  destroyUser(user: string): void {
    for (const [id, session] of this.sessions) if (session.user === user) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Drops the idle sessions at the front (least recently used first), stopping at the first live one. */
  private sweep(now: number): void {
    for (const [id, session] of this.sessions) {
      if (now - session.lastSeenAt <= this.idleMs) return;
      this.sessions.delete(id);
    }
  }
}
