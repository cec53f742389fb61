/**
 * Broker addresses. Several URLs name the nodes of one RabbitMQ cluster (or a primary and a standby);
 * the bus connects to one at a time and moves round robin to the next when a connection attempt
 * fails or the connection drops, as amqp-connection-manager does.
 */

export interface Credentials {
  user?: string;
  password?: string;
}

/**
 * The URLs in a text as integrators type it: one per line or comma separated (AMQP_URL may hold such a
 * list too). A comma separates only where the next URL begins, so a URL that worked before lists
 * existed, with a comma in its password, still reads as one.
 */
export function parseBrokerUrls(text: string | readonly string[] | undefined): string[] {
  const parts = typeof text === 'string' ? [text] : (text ?? []);
  return parts
    .flatMap((part) => part.split(/\n|,(?=\s*(?:amqps?:\/\/|$))/i))
    .map((url) => url.trim())
    .filter((url) => url !== '');
}

/**
 * Puts user and password from Node-RED's credential store into a URL, so the flow file holds none.
 * Without a user the URL's own credentials (e.g. from AMQP_URL) stay.
 */
export function withCredentials(url: string, credentials: Credentials): string {
  if (!url || !credentials.user) return url;
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(credentials.user);
  parsed.password = encodeURIComponent(credentials.password ?? '');
  return parsed.toString();
}

/** Checks a broker URL and says where it points, without the password (URLs end up in logs). */
export function describeBrokerUrl(url: unknown): { where: string; user: string } {
  if (typeof url !== 'string' || url.trim() === '')
    throw new TypeError('RabbitMQ url must be a non-empty string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself may hold a password, so it is not echoed.
    throw new Error('RabbitMQ url is not a valid URL (expected amqp://user:password@host:port/vhost)');
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new Error(`RabbitMQ url must start with amqp:// or amqps://, got ${parsed.protocol}//`);
  }
  const port = parsed.port || (parsed.protocol === 'amqp:' ? '5672' : '5671');
  const vhost = decodeURIComponent(parsed.pathname.slice(1)) || '/';
  const user = parsed.username ? decodeURIComponent(parsed.username) : 'guest';
  const path = vhost === '/' ? '/' : `/${encodeURIComponent(vhost)}`;
  return { where: `${parsed.protocol}//${parsed.hostname}:${port}${path}`, user };
}

/** The virtual host a broker URL names, `/` when it names none (or cannot be read). */
export function virtualHostOf(url: string): string {
  try {
    const path = new URL(url).pathname.slice(1);
    if (path) return decodeURIComponent(path);
  } catch {
    // the URL was checked when the bus was made; the default stays in the message
  }
  return '/';
}

/** The user a broker URL logs in as: amqplib's default guest when it names none. */
export function userOf(url: string): string {
  try {
    const user = new URL(url).username;
    if (user) return decodeURIComponent(user);
  } catch {
    // as above
  }
  return 'guest';
}
