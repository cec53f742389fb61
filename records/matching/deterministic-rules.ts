/**
 * The rules that decide a pair before any weight is added up, in this order:
 * 1. a shared identifier: both records hold the same (system, id), such as SAP's record carrying the
 *    CRM's customer number, or two versions of one source record;
 * 2. the same tax or national id of one scheme, valid by its check digit;
 * 3. two different valid ids of one scheme with a check digit or structure: two people, kept apart
 *    (of a scheme without one, either may be a typo of the other: the weights decide);
 * 4. the same mailbox (normalize-email.ts), with the given name or the birth date agreeing and
 *    neither contradicting: families share mailboxes, so any other e-mail match falls through to
 *    the weights, where it still counts as evidence.
 */
import type { DecisionRule, MatchOutcome } from './match-decision';
import type { MatchRecord } from './match-record';
import { maskNationalId } from './compare-contacts';

export interface RuleResult {
  rule: DecisionRule;
  outcome: MatchOutcome;
  summary: string;
}

export function identifierRules(a: MatchRecord, b: MatchRecord): RuleResult | undefined {
  const shared = a.identifiers.find((id) => b.identifiers.includes(id));
  if (shared !== undefined)
    return {
      rule: 'shared-identifier',
      outcome: 'link',
      summary: `both records hold the identifier ${shared}`,
    };
  let conflict: RuleResult | undefined;
  for (const x of a.nationalIds) {
    if (!x.valid) continue;
    for (const y of b.nationalIds) {
      if (!y.valid || x.scheme !== y.scheme) continue;
      if (x.value === y.value)
        return { rule: 'national-id', outcome: 'link', summary: `the same ${maskNationalId(x)}` };
      // without a check one of two different ids may be a typo of the other: the weights decide
      if (!x.checked || !y.checked) continue;
      conflict ??= {
        rule: 'national-id-conflict',
        outcome: 'apart',
        summary: `two different valid ${x.scheme} ids (${maskNationalId(x)}, ${maskNationalId(y)})`,
      };
    }
  }
  return conflict;
}

const PERSONAL_AGREEMENT: Partial<Record<string, readonly string[]>> = {
  givenName: ['exact', 'nickname', 'close-spelling', 'phonetic'],
  birthDate: ['exact', 'day-month-swapped', 'one-digit-off'],
};

/**
 * The shared mailbox decides only together with a personal attribute (the given name or the birth
 * date) that agrees, and with neither contradicting: a family mailbox is shared by everyone in the
 * household, so the family name and the address do not count here.
 */
export function emailRule(
  a: MatchRecord,
  b: MatchRecord,
  levels: readonly { field: string; level: string }[],
  conflicts: readonly string[],
): RuleResult | undefined {
  const shared = a.emails.find((x) => b.emails.some((y) => y.mailbox === x.mailbox));
  if (shared === undefined || conflicts.length > 0) return undefined;
  const agreeing = levels.find((c) => PERSONAL_AGREEMENT[c.field]?.includes(c.level));
  if (agreeing === undefined) return undefined;
  return {
    rule: 'email',
    outcome: 'link',
    summary: `the same mailbox ${shared.mailbox}, and the ${agreeing.field === 'givenName' ? 'given name' : 'birth date'} agrees`,
  };
}
