import type { I18n, MessageKey } from './i18n';

/** The hub's codes the customer view shows, by the canonical schema's enum (or the lineage's rule) they come from. */
export type TermGroup =
  'offer-status' | 'process-status' | 'address-type' | 'phone-type' | 'email-type' | 'rule';

/** A code of the hub in the reader's language; one the console has no word for reads as it is. */
export function term(i18n: I18n, group: TermGroup, value: string): string {
  const key = `term.${group}.${value}` as MessageKey;
  const text = i18n.t(key);
  return text === key ? value : text;
}

/**
 * A data-quality gap (records/data-quality.ts names them as paths: "birthDate", "person.familyName",
 * "addresses[0].city", "contact") in words; an address's part with the address's number from 1.
 */
export function gapText(i18n: I18n, gap: string): string {
  const address = /^addresses\[(\d+)\]\.(\w+)$/.exec(gap);
  if (address) {
    const key = `gap.part.${address[2]}` as MessageKey;
    const part = i18n.t(key);
    return i18n.t('gap.address', { n: Number(address[1]) + 1, part: part === key ? address[2] : part });
  }
  const key = `gap.${gap}` as MessageKey;
  const text = i18n.t(key);
  return text === key ? gap : text;
}
