/**
 * Secrets typed into a node's plain fields: a password in a broker or database URL, a token in a default
 * header. Those fields are saved in the flow JSON (flows.json, GET /flows, every export), unencrypted,
 * while the node has credential fields that Node-RED keeps in its encrypted credentials file. The
 * runtime still uses such a value, so an upgraded deployment keeps running, but warns; the editor marks
 * it invalid. The editor scripts (amqp-broker.html, hub-store.html, rest-client.html) repeat these
 * rules in plain browser JavaScript; test/unit/nodes/secrets-in-flow.test.ts holds both to the same cases.
 */

/** Node-RED replaces a field whose whole value is `${VAR}` with the variable before the node sees it. */
const ENV_REFERENCE = /^\$\{\w+\}$/;

/**
 * Default-header names that carry credentials: the standard ones, and the usual spellings of an API key
 * or token header (X-Api-Key, X-Auth-Token, X-Client-Secret, ...).
 */
export const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie)$|api[-_]?key|token|secret|password/i;

/**
 * True when the URL carries a password: `scheme://user:password@host` or a `password=` query parameter
 * (PostgreSQL reads one). A user without a password is no secret.
 */
export function urlHoldsSecret(url: string): boolean {
  const text = url.trim();
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(text)?.[1] ?? '';
  const colon = userinfo.indexOf(':');
  if (colon >= 0 && colon < userinfo.length - 1) return true;
  return /[?&](ssl)?password=[^&#]/i.test(text);
}

/**
 * True when an http(s) URL names a user, with or without a password (`https://user:pw@host`): the
 * rest-client and soap-client refuse those outright, as their runtime does (checkBaseUrl in
 * connectors/http, checkNoUserinfo in connectors/soap), since the user and password have credential
 * fields of their own. The authority ends at the first `/`, `?`, `#` or `\` (WHATWG URL, as Node parses
 * it), so an `@` in the path is no user; an empty userinfo (`https://@host`, `https://:@host`) names none.
 */
export function urlHasUserinfo(url: string): boolean {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\\]*)@/i.exec(url.trim())?.[1] ?? '';
  return userinfo.replace(':', '') !== '';
}

/** True when an entry of a URL list (one per line or comma separated) carries a password. */
export function urlListHoldsSecret(text: string): boolean {
  return text
    .split(/[\n,]+/)
    .map((entry) => entry.trim())
    .some((entry) => entry !== '' && !ENV_REFERENCE.test(entry) && urlHoldsSecret(entry));
}

/** The names of the `Name: value` lines that carry a credential (a value that is a `${VAR}` does not). */
export function secretHeaderNames(lines: string): string[] {
  const names: string[] = [];
  for (const raw of lines.split(/\r?\n/)) {
    const colon = raw.indexOf(':');
    if (colon <= 0 || raw.trim().startsWith('#')) continue;
    const name = raw.slice(0, colon).trim();
    const value = raw.slice(colon + 1).trim();
    if (value !== '' && !ENV_REFERENCE.test(value) && SECRET_HEADER.test(name)) names.push(name);
  }
  return names;
}

/**
 * The field's value as the flow JSON holds it, as far as the runtime can tell: Node-RED has already put
 * an environment variable in place of `${VAR}`, so a value equal to one came from the environment, and
 * its secret is not in the flow ('' then).
 */
export function savedInFlow(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const text = (value ?? '').trim();
  if (text === '' || Object.values(env).some((v) => v !== undefined && v.trim() === text)) return '';
  return text;
}

/** The password a URL holds, decoded; undefined without one or for no URL. */
export function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** A driver's words with any of the secrets blanked out, in case one echoes what it was given. */
export function withoutSecret(text: string, secrets: Array<string | undefined>): string {
  return secrets.reduce<string>((t, secret) => (secret ? t.split(secret).join('***') : t), text);
}
