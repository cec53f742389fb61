import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';

/** marketer: read, switch, dry-run, explain, customer view; integrator: the same and the editor. */
export type ConsoleRole = 'marketer' | 'integrator';
export const CONSOLE_ROLES: readonly ConsoleRole[] = ['marketer', 'integrator'];

/** One console user as settings.js `crmHub.consoleUsers` lists them. */
export interface ConsoleUser {
  username: string;
  /** bcrypt ($2a$, $2b$ or $2y$) */
  passwordHash: string;
  role: ConsoleRole;
}

const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const USERNAME = /^[^\s:]{1,128}$/;
/** longer passwords are cut by bcrypt at 72 bytes anyway; this only bounds the work per request */
export const MAX_PASSWORD_LENGTH = 1024;

export class ConsoleUsersError extends Error {
  constructor(message: string) {
    super(`crmHub.consoleUsers: ${message}`);
    this.name = 'ConsoleUsersError';
  }
}

/**
 * The users of settings.js `crmHub.consoleUsers`, checked: each needs a user name, a bcrypt hash and a
 * role. A wrong entry throws rather than being skipped, so a typo never silently opens or closes the
 * console. Undefined or an empty list means no log-in (the console is open, as Node-RED's editor is
 * without adminAuth).
 */
export function parseConsoleUsers(value: unknown): ConsoleUser[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConsoleUsersError('must be a list of {username, passwordHash, role}');
  const seen = new Set<string>();
  return value.map((entry: unknown, index) => {
    const user = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { username, passwordHash, role } = user;
    if (typeof username !== 'string' || !USERNAME.test(username)) {
      throw new ConsoleUsersError(
        `entry ${index}: username must be 1 to 128 characters without spaces or ':'`,
      );
    }
    if (typeof passwordHash !== 'string' || !BCRYPT.test(passwordHash)) {
      throw new ConsoleUsersError(`user ${username}: passwordHash must be a bcrypt hash ($2b$10$…)`);
    }
    if (typeof role !== 'string' || !CONSOLE_ROLES.includes(role as ConsoleRole)) {
      throw new ConsoleUsersError(`user ${username}: role must be 'marketer' or 'integrator'`);
    }
    if (seen.has(username)) throw new ConsoleUsersError(`user ${username} is listed twice`);
    seen.add(username);
    return { username, passwordHash, role: role as ConsoleRole };
  });
}

/**
 * Checks console log-ins against the configured users. An unknown user name costs the same bcrypt
 * comparison as a known one (against a hash of a random password with the users' cost), so the answer
 * time does not tell which names exist.
 */
export class ConsoleUsers {
  private readonly byName: Map<string, ConsoleUser>;
  private decoy: Promise<string> | undefined;

  constructor(readonly users: readonly ConsoleUser[]) {
    this.byName = new Map(users.map((user) => [user.username, user]));
  }

  /** true when log-in is required: at least one user is configured */
  get required(): boolean {
    return this.byName.size > 0;
  }

  /** The user when the password is theirs; undefined otherwise, after the same work either way. */
  async verify(username: unknown, password: unknown): Promise<ConsoleUser | undefined> {
    const name = typeof username === 'string' ? username : '';
    const given = typeof password === 'string' && password.length <= MAX_PASSWORD_LENGTH ? password : '';
    const user = this.byName.get(name);
    const hash = user?.passwordHash ?? (await this.decoyHash());
    const matches = await bcrypt.compare(given, hash);
    return user && matches && given !== '' ? user : undefined;
  }

  private decoyHash(): Promise<string> {
    const cost = Number(BCRYPT.exec(this.users[0]?.passwordHash ?? '')?.[1] ?? 10);
    this.decoy ??= bcrypt.hash(randomBytes(24).toString('base64'), cost);
    return this.decoy;
  }
}
