/**
 * Whether an error says the store could not be reached (the database is down, restarting or not
 * answering), as opposed to something about the data. Such a failure passes: a message that met it is
 * fine and must be handled again later, not dead-lettered as if it were poison, and an API caller is
 * told to try again rather than that the hub broke.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * PostgreSQL SQLSTATEs about the server or the database, never about the data: connection exceptions
 * (class 08); insufficient resources (class 53: disk full, out of memory, too many connections, a
 * configuration limit); the server shutting down, restarting, not taking connections yet, the
 * database dropped or an idle session ended (57P01-57P05); and the refusals at connect of a database
 * that does not exist (3D000) or of credentials (28000, 28P01). The last ones need an operator rather
 * than time, but the message is no less fine for them: it waits (and its queue's delivery limit still
 * ends the retries), and an API caller is told the store is away, not the driver's text.
 */
const SERVER_OR_DATABASE = /^(08...|53...|57P0[1-5]|3D000|28000|28P01)$/;
/**
 * Any other SQLSTATE counts when the server ended or refused the session (severity FATAL or PANIC),
 * which says nothing about a statement's data: above all 55000, "database … is not currently accepting
 * connections" (ALLOW_CONNECTIONS false), which within a session is a state of an object
 * ("currval … is not yet defined") that stays an error. A server whose messages are translated
 * translates the severity too, but not the routine that refused the database.
 */
const SQLSTATE = /^[0-9A-Z]{5}$/;
const SESSION_ENDED = new Set(['FATAL', 'PANIC']);
const REFUSED_DATABASE_ROUTINE = 'CheckMyDatabase';

/**
 * The hub's own word for it: a store that did not open in time, or was closed under a waiting user.
 * Its `code` is what a Catch node routes on (msg.error.code).
 */
export class StoreUnavailableError extends Error {
  readonly code = 'store-unavailable';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * How long a caller waits for a store that is still opening: as long as the PostgreSQL store waits
 * for a connection, and as the REST API's Retry-After tells a client to wait.
 */
export const STORE_WAIT_MS = 5000;

/** node-postgres says so in words only */
const DRIVER_WORDS =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|connect (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH))/;

export function isStoreUnavailable(error: unknown): boolean {
  for (let at: unknown = error, depth = 0; at && depth < 5; depth++) {
    if (typeof at !== 'object') return false;
    if (at instanceof StoreUnavailableError) return true;
    const { code, severity, routine, message, cause, errors } = at as {
      code?: unknown;
      severity?: unknown;
      routine?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_OR_DATABASE.test(code))) return true;
    if (typeof code === 'string' && SQLSTATE.test(code)) {
      if (typeof severity === 'string' && SESSION_ENDED.has(severity)) return true;
      if (routine === REFUSED_DATABASE_ROUTINE) return true;
    }
    if (typeof message === 'string' && DRIVER_WORDS.test(message)) return true;
    // an AggregateError of one connect attempt per address (IPv4 and IPv6 of localhost)
    if (Array.isArray(errors) && errors.length > 0 && errors.every(isStoreUnavailable)) return true;
    at = cause;
  }
  return false;
}
