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
/** PostgreSQL: the server shuts down or restarts (57P01-57P03), and connection exceptions (class 08) */
const SERVER_GOING_AWAY = /^(57P0[123]|08...)$/;
/** node-postgres says so in words only */
const DRIVER_WORDS =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|connect (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH))/;

export function isStoreUnavailable(error: unknown): boolean {
  for (let at: unknown = error, depth = 0; at && depth < 5; depth++) {
    if (typeof at !== 'object') return false;
    const { code, message, cause, errors } = at as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GOING_AWAY.test(code))) return true;
    if (typeof message === 'string' && DRIVER_WORDS.test(message)) return true;
    // an AggregateError of one connect attempt per address (IPv4 and IPv6 of localhost)
    if (Array.isArray(errors) && errors.length > 0 && errors.every(isStoreUnavailable)) return true;
    at = cause;
  }
  return false;
}
