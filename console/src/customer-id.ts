/**
 * What the customer field takes, as an HTML `pattern`: the ids the hub's REST API takes for a customer
 * (app/api/golden-customer.ts) — a golden id "g-…" of 26 Crockford base-32 characters in either case,
 * also as "hub:g-…", or "<system>:<source id>" with any characters but control characters, 200 in all
 * ("crm:A/B C#1"). Browsers compile a pattern as `^(?:pattern)$` with the v flag, where `-`, `/` and
 * the other class syntax characters must be escaped inside a character class.
 */
const GOLDEN = '[gG]-[0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{26}';
const SOURCE_REF = '(?=.{3,200}$)(?!hub:)[a-z0-9\\-]+:\\P{Cc}+';

export const CUSTOMER_ID_PATTERN = `${SOURCE_REF}|${GOLDEN}|[hH][uU][bB]:${GOLDEN}`;
