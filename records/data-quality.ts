/**
 * Data quality of a customer: which values are missing. Incomplete legacy records are data, not
 * errors: the hub takes them in, matches them on what they have, and names the gaps here, so a
 * steward can see and fill them. What is malformed (an impossible date, a name that is not text)
 * is refused earlier, by the mapping and the canonical schema; this module only judges what is there.
 */
import type { Customer, CustomerAddress, DataQuality } from '../mappings/canonical/types';

/** Weights of the checks; the score is the weighted share met. The name counts most: it is what matching needs first. */
export const DATA_QUALITY_WEIGHTS = {
  familyName: 3,
  givenName: 2,
  birthDate: 2,
  legalName: 5,
  /** shared by all addresses; split among their parts */
  address: 3,
  /** an e-mail address or a phone number */
  contact: 2,
} as const;

/** Parts of one address and their share of the address weight. */
const ADDRESS_CHECKS: readonly [gap: string, share: number, met: (a: Partial<CustomerAddress>) => boolean][] =
  [
    ['street', 1 / 3, (a) => has(a.street) || (a.streetLines ?? []).some(has)],
    ['city', 1 / 3, (a) => has(a.city)],
    ['postalCode', 1 / 6, (a) => has(a.postalCode)],
    ['country', 1 / 6, (a) => has(a.country)],
  ];

function has(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * Gaps, as paths into the document: "person.familyName", "birthDate", "addresses" (none at all),
 * "addresses[0].city", "contact" (neither an e-mail address nor a phone number).
 */
export function assessDataQuality(customer: Partial<Customer>): DataQuality {
  const gaps: string[] = [];
  let total = 0;
  let met = 0;
  const check = (gap: string, weight: number, ok: boolean): void => {
    total += weight;
    if (ok) met += weight;
    else gaps.push(gap);
  };

  if (customer.kind === 'organization') {
    check('organization.legalName', DATA_QUALITY_WEIGHTS.legalName, has(customer.organization?.legalName));
  } else {
    check('person.familyName', DATA_QUALITY_WEIGHTS.familyName, has(customer.person?.familyName));
    check('person.givenName', DATA_QUALITY_WEIGHTS.givenName, has(customer.person?.givenName));
    check('birthDate', DATA_QUALITY_WEIGHTS.birthDate, has(customer.birthDate));
  }

  const addresses = customer.addresses ?? [];
  if (addresses.length === 0) check('addresses', DATA_QUALITY_WEIGHTS.address, false);
  addresses.forEach((address, index) => {
    for (const [part, share, ok] of ADDRESS_CHECKS) {
      check(
        `addresses[${index}].${part}`,
        (DATA_QUALITY_WEIGHTS.address * share) / addresses.length,
        ok(address),
      );
    }
  });

  const contact =
    (customer.emails ?? []).some((e) => has(e.address)) || (customer.phones ?? []).some((p) => has(p.number));
  check('contact', DATA_QUALITY_WEIGHTS.contact, contact);

  return { complete: gaps.length === 0, gaps, score: Math.round((met / total) * 100) / 100 };
}
