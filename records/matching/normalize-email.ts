/**
 * E-mail addresses as matching compares them: the mailbox that receives the mail, so that two
 * spellings of one mailbox compare equal and two mailboxes never do.
 *
 * What is applied, and why it is true:
 * - Lower case throughout. RFC 5321 lets the local part be case-sensitive, but no mainstream
 *   provider treats it so, and the canonical model stores addresses in lower case already.
 * - googlemail.com is gmail.com: Google issued googlemail.com addresses where it could not use the
 *   gmail name (Germany, the UK) and delivers both to the same account.
 * - For gmail.com and googlemail.com only, dots in the local part and anything after a "+" are
 *   ignored: Gmail documents that it delivers "j.o.h.n+news@gmail.com" to "john@gmail.com".
 *
 * What is deliberately not applied: dot removal or "+tag" stripping at any other domain. Google
 * Workspace domains, web.de, GMX, T-Online and most company servers treat "anna.schmidt" and
 * "annaschmidt" as different mailboxes, and their tag separators differ or do not exist.
 */

export interface NormalizedEmail {
  /** the mailbox, e.g. "annaschmidt@gmail.com" for "Anna.Schmidt+shop@googlemail.com" */
  mailbox: string;
  /** its local part, e.g. "annaschmidt" */
  local: string;
  domain: string;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/** undefined for empty text and for text that is no e-mail address (data, not an error). */
export function normalizeEmail(value: string | undefined): NormalizedEmail | undefined {
  if (value === undefined) return undefined;
  let text = value.trim().toLowerCase();
  if (text.startsWith('mailto:')) text = text.slice('mailto:'.length);
  if (text.length > 254 || !EMAIL.test(text)) return undefined;
  const at = text.lastIndexOf('@');
  let local = text.slice(0, at);
  let domain = text.slice(at + 1);
  if (GMAIL_DOMAINS.has(domain)) {
    domain = 'gmail.com';
    const plus = local.indexOf('+');
    if (plus >= 0) local = local.slice(0, plus);
    local = local.replace(/\./g, '');
    if (local === '') return undefined;
  }
  return { mailbox: `${local}@${domain}`, local, domain };
}
