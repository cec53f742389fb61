/** E-mail addresses, phone numbers and national ids to comparison levels; with several on a side, the best pair counts. */
import { bestOf, type Compared } from './compared';
import type { NormalizedEmail } from './normalize-email';
import type { NormalizedNationalId } from './normalize-national-id';
import { isFixedLine } from './phone-line-type';
import { editDistanceWithin } from './string-metrics';
import type { LevelOf } from './weights';

const EMAIL_ORDER: readonly LevelOf<'email'>[] = ['exact', 'same-local-part', 'close-local-part', 'differ'];

function compareEmail(x: NormalizedEmail, y: NormalizedEmail): LevelOf<'email'> {
  if (x.mailbox === y.mailbox) return 'exact';
  if (x.local === y.local) return 'same-local-part';
  // Short local parts ("info", "mail") are one edit from too many others to count as a typo.
  if (x.local.length >= 6 && editDistanceWithin(1, x.local, y.local) <= 1) return 'close-local-part';
  return 'differ';
}

export function compareEmails(
  a: readonly NormalizedEmail[],
  b: readonly NormalizedEmail[],
): Compared<LevelOf<'email'>> | undefined {
  return bestOf(a, b, EMAIL_ORDER, compareEmail, (e) => e.mailbox);
}

const PHONE_ORDER: readonly LevelOf<'phone'>[] = ['exact', 'same-landline', 'one-digit-off', 'differ'];

function comparePhone(x: string, y: string): LevelOf<'phone'> {
  if (x === y) return isFixedLine(x) ? 'same-landline' : 'exact';
  return x.length === y.length && editDistanceWithin(1, x, y) <= 1 ? 'one-digit-off' : 'differ';
}

export function comparePhones(
  a: readonly string[],
  b: readonly string[],
): Compared<LevelOf<'phone'>> | undefined {
  return bestOf(a, b, PHONE_ORDER, comparePhone, (p) => p);
}

const NATIONAL_ID_ORDER_ANY_SCHEME: readonly (LevelOf<'nationalId'> | 'other-scheme')[] = [
  'exact',
  'one-digit-off',
  'differ',
  'other-scheme',
];

/** Only the last three characters: an explanation is read by people who need no one's tax id. */
export function maskNationalId(id: NormalizedNationalId): string {
  return `${id.scheme} ${'•'.repeat(Math.max(0, id.value.length - 3))}${id.value.slice(-3)}`;
}

/** Only ids of one scheme compare; a tax id says nothing about a social security number. */
export function compareNationalIds(
  a: readonly NormalizedNationalId[],
  b: readonly NormalizedNationalId[],
): Compared<LevelOf<'nationalId'>> | undefined {
  const compare = (
    x: NormalizedNationalId,
    y: NormalizedNationalId,
  ): LevelOf<'nationalId'> | 'other-scheme' => {
    if (x.scheme !== y.scheme) return 'other-scheme';
    if (x.value === y.value) return 'exact';
    return editDistanceWithin(1, x.value, y.value) <= 1 ? 'one-digit-off' : 'differ';
  };
  const found = bestOf(a, b, NATIONAL_ID_ORDER_ANY_SCHEME, compare, maskNationalId);
  return found === undefined || found.level === 'other-scheme'
    ? undefined
    : (found as Compared<LevelOf<'nationalId'>>);
}
