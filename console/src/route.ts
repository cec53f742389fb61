/** The console's views live in the hash (#/explain/crm:4711), so every view can be linked and reloaded. */
export function go(view: string, arg = ''): void {
  window.location.hash = href(view, arg);
}

export function href(view: string, arg = ''): string {
  return `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
}

/** the event `replaceRoute` announces itself with, as the address bar announces a hash change */
export const ROUTE_REPLACED = 'crmhub:route-replaced';

/**
 * Writes the view's argument into the address without a new history entry (the policy filter as it is
 * typed), so Back from a view the page links to returns to it as it was.
 */
export function replaceRoute(view: string, arg = ''): void {
  window.history.replaceState(window.history.state, '', href(view, arg));
  window.dispatchEvent(new Event(ROUTE_REPLACED));
}

/** The view's name and its argument (decoded) in a location hash. */
export function parseHash(hash: string): { name: string; arg: string } {
  const [, name = '', ...rest] = hash.replace(/^#/, '').split('/');
  return { name, arg: decodeArg(rest.join('/')) };
}

/**
 * An address typed or pasted by hand may hold a '%' that starts no escape ("crm:100%", a ref may
 * contain one) or an escape that is no UTF-8 ("%E0%A4%A"): decodeURIComponent throws on those, and a
 * throw here left a blank page. What decodes is decoded; what does not stays as it was typed.
 */
function decodeArg(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => decodeEscapes(escapes));
  }
}

/** A run of escapes, decoded as far as it is UTF-8: "%C3%BC%FF" is "ü%FF". */
function decodeEscapes(escapes: string): string {
  let text = '';
  for (let at = 0; at < escapes.length;) {
    // a character is at most 4 bytes of UTF-8: the longest piece from here that decodes
    let taken = '';
    for (let bytes = 4; bytes >= 1 && !taken; bytes--) {
      const piece = escapes.slice(at, at + 3 * bytes);
      if (piece.length < 3 * bytes) continue;
      try {
        text += decodeURIComponent(piece);
        taken = piece;
      } catch {
        // fewer bytes then
      }
    }
    if (!taken) {
      taken = escapes.slice(at, at + 3);
      text += taken;
    }
    at += taken.length;
  }
  return text;
}
