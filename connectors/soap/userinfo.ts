/**
 * A user and password typed into a WSDL or endpoint URL (`http://user:pw@crm/soap`) would sit in the
 * flow JSON in the clear, and node-soap and axios would send them as Basic auth unasked. The client's
 * HTTP auth settings carry them instead, so such a URL is refused, as the REST client refuses one.
 */

/** What a URL field's error says about where the user and password go instead. */
const WHERE_INSTEAD: Record<'wsdl' | 'endpoint', string> = {
  wsdl: 'put them in the HTTP auth settings (Basic: user and password)',
  endpoint: 'put them in the HTTP auth settings (Basic: user and password, sent with every call)',
};

/** Throws when an http(s) URL names a user or password; files and builtin: WSDLs have none. */
export function checkNoUserinfo(field: 'wsdl' | 'endpoint', location: string | undefined): void {
  const text = (location ?? '').trim();
  if (!/^https?:\/\//i.test(text)) return;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // not echoed: the text may hold a password
    throw new Error(`${field}: not a valid URL`);
  }
  if (url.username || url.password)
    throw new Error(`${field} URL must not contain a user or password: ${WHERE_INSTEAD[field]}`);
}

/**
 * The text with the userinfo of every URL in it taken out (`http://u:pw@host/x` → `http://host/x`), for
 * messages that quote a URL or a library's error about one: they end up in logs, statuses and Catch.
 */
export function withoutUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\\\s]*@/gi, '$1');
}
